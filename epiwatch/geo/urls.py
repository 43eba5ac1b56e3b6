from django.urls import path

from epiwatch.geo import views

# mounted at /areas/; an area is named by its dataset and code (GSO codes, or <commune code>-<n> for villages)
urlpatterns = [
    path("", views.area_list, name="area-list"),
    path("<str:dataset>/<str:code>/", views.area_detail, name="area-detail"),
    path("<str:dataset>/<str:code>/villages/new/", views.village_create, name="village-create"),
    path("<str:dataset>/<str:code>/village/", views.village_edit, name="village-edit"),
    path("<str:dataset>/<str:code>/population/", views.population_edit, name="population-edit"),
]
