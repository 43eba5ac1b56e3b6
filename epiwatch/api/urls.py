from django.urls import include, path

from epiwatch.api import arrivals, doses, levels, me, results

urlpatterns = [
    path("me", me.MeView.as_view(), name="api-me"),
    path("arrivals", arrivals.ArrivalsView.as_view(), name="api-arrivals"),
    path("doses", doses.DoseBatchView.as_view(), name="api-doses"),
    path("levels", levels.LevelsView.as_view(), name="api-levels"),
    path("results", results.ResultsView.as_view(), name="api-results"),
    path("care/", include("epiwatch.api.care")),
]
