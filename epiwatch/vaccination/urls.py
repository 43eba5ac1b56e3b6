from django.urls import path

from epiwatch.vaccination import views

# mounted at /vaccination/; people are named by their public UUIDs, areas by their GSO codes (?area=)
urlpatterns = [
    path("", views.coverage_dashboard, name="coverage-dashboard"),
    path("coverage.csv", views.coverage_export, name="coverage-export"),
    path("flagged/", views.flagged_doses, name="vaccination-flagged"),
    path("unvaccinated/", views.unvaccinated_list, name="unvaccinated-list"),
    path("person/<uuid:public_id>/", views.person_card, name="vaccination-card"),
    path("person/<uuid:public_id>/doses/new/", views.dose_create, name="dose-create"),
    path("person/<uuid:public_id>/deferrals/new/", views.deferral_create, name="deferral-create"),
    path("upload/", views.upload, name="vaccination-upload"),
    path("upload/errors/<str:token>/", views.upload_errors, name="vaccination-upload-errors"),
    path("templates/<str:kind>.<str:fmt>", views.import_template, name="vaccination-template"),
]
