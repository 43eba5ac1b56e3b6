"""The site's URLs with the vaccination pages mounted at /vaccination/, as epiwatch/urls.py is to include them."""

from django.urls import include, path

from epiwatch.urls import handler404  # noqa: F401 - the API's 404 shape
from epiwatch.urls import urlpatterns as site

mounted = any(getattr(p, "pattern", None) and str(p.pattern) == "vaccination/" for p in site)
urlpatterns = site if mounted else [*site, path("vaccination/", include("epiwatch.vaccination.urls"))]
