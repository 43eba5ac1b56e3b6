from django.urls import path

from epiwatch.api import me

urlpatterns = [
    path("me", me.MeView.as_view(), name="api-me"),
]
