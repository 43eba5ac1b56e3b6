from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("api/v1/openapi.json", SpectacularAPIView.as_view(), name="openapi"),
    path("api/v1/", include("epiwatch.api.urls")),
    path("", include("epiwatch.accounts.urls")),
    path("areas/", include("epiwatch.geo.urls")),
    path("people/", include("epiwatch.people.urls")),
    path("results/", include("epiwatch.labs.urls")),
    path("tracing/", include("epiwatch.tracing.urls")),
    path("vaccination/", include("epiwatch.vaccination.urls")),
    path("levels/", include("epiwatch.levels.urls")),
    path("care/", include("epiwatch.care.urls")),
    path("screening/", include("epiwatch.labs.shift_urls")),
]

handler404 = "epiwatch.api.errors.page_not_found"
