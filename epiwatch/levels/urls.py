from django.urls import path

from epiwatch.levels import rule_views, views

# mounted at /levels/; an area is named by its dataset and GSO code, an assessment by its public id
urlpatterns = [
    path("", views.home, name="levels-home"),
    path("rules/", rule_views.rule_list, name="levels-rules"),
    path("rules/new/", rule_views.rule_create, name="levels-rule-create"),
    path("rules/<str:name>/", rule_views.rule_detail, name="levels-rule"),
    path("rules/<str:name>/edit/", rule_views.rule_edit, name="levels-rule-edit"),
    path("assessment/<uuid:public_id>/declare/", views.override, name="levels-declare"),
    path("<str:dataset>/<str:code>/", views.overview, name="levels-overview"),
    path("<str:dataset>/<str:code>/unit/", views.area_detail, name="levels-area"),
    path("<str:dataset>/<str:code>/approve/", views.approve, name="levels-approve"),
    path("<str:dataset>/<str:code>/what-if/", views.what_if, name="levels-what-if"),
    path("<str:dataset>/<str:code>/capacity/", views.set_capacity, name="levels-capacity"),
    path("<str:dataset>/<str:code>/export/", views.export, name="levels-export"),
    path("<str:dataset>/<str:code>/boundaries/", rule_views.boundaries, name="levels-boundaries"),
]
