from django.urls import path

from epiwatch.people import views

# mounted at /people/; people, candidates, merges, roster entries and organizations are named by public UUIDs
urlpatterns = [
    path("", views.person_search, name="person-search"),
    path("new/", views.person_create, name="person-create"),
    path("<uuid:public_id>/", views.person_detail, name="person-detail"),
    path("<uuid:public_id>/edit/", views.person_edit, name="person-edit"),
    path("duplicates/", views.duplicate_list, name="duplicate-list"),
    path("duplicates/<uuid:public_id>/merge/", views.duplicate_merge, name="duplicate-merge"),
    path("duplicates/<uuid:public_id>/dismiss/", views.duplicate_dismiss, name="duplicate-dismiss"),
    path("merges/<uuid:public_id>/", views.merge_undo, name="merge-undo"),
    path("roster/<uuid:org_id>/", views.roster, name="roster"),
    path("roster/<uuid:org_id>/add/", views.roster_add, name="roster-add"),
    path("roster/entries/<uuid:public_id>/deactivate/", views.roster_deactivate, name="roster-deactivate"),
]
