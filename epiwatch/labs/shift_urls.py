from django.urls import path, re_path

from epiwatch.labs import shift_views as views

# mounted at /screening/; enterprises, shifts and results are named by public UUIDs, days as YYYY-MM-DD
DAY = r"(?P<day>\d{4}-\d{2}-\d{2})"
UUID = r"(?P<public_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"

urlpatterns = [
    path("", views.overview, name="screening-overview"),
    re_path(
        r"^templates/(?P<kind>roster|shifts|results)-(?P<lang>vi|en)\.(?P<fmt>csv|xlsx)$",
        views.import_template,
        name="screening-template",
    ),
    path("errors/<slug:token>.csv", views.import_errors, name="screening-errors"),
    path("<uuid:org_id>/", views.enterprise, name="screening-enterprise"),
    path("<uuid:org_id>/shifts/", views.setup, name="screening-setup"),
    path("<uuid:org_id>/import/<slug:kind>/", views.import_file, name="screening-import"),
    path("<uuid:org_id>/upload/", views.upload, name="screening-upload"),
    path("shifts/<uuid:public_id>/edit/", views.shift_edit, name="screening-shift-edit"),
    path("shifts/<uuid:public_id>/retire/", views.shift_retire, name="screening-shift-retire"),
    re_path(rf"^shifts/{UUID}/{DAY}/$", views.screening, name="screening-shift-day"),
    re_path(rf"^shifts/{UUID}/{DAY}/do-not-admit/$", views.do_not_admit, name="screening-do-not-admit"),
    path("results/<uuid:public_id>/undo/", views.undo, name="screening-undo"),
]
