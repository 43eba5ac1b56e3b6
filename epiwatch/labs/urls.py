from django.urls import path, re_path

from epiwatch.labs import (
    sections,  # noqa: F401 - registers the person page's results section
    upload_views,
    views,
)

# mounted at /results/; results and uploads are named by public UUIDs
urlpatterns = [
    path("", views.result_list, name="result-list"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.result_export, name="result-export"),
    path("entry/", views.quick_entry, name="results-entry"),
    path("entry/lookup", views.entry_lookup, name="results-entry-lookup"),
    path("positivity/", views.positivity, name="results-positivity"),
    path("not-reported/", views.not_reported, name="results-not-reported"),
    path("upload/", upload_views.upload, name="results-upload"),
    re_path(
        r"^upload/template-(?P<lang>vi|en)\.(?P<fmt>csv|xlsx)$",
        upload_views.upload_template,
        name="results-template",
    ),
    path("uploads/<uuid:public_id>/", upload_views.batch_detail, name="results-batch"),
    path("uploads/<uuid:public_id>/status", upload_views.batch_status, name="results-batch-status"),
    path("uploads/<uuid:public_id>/commit/", upload_views.batch_commit, name="results-batch-commit"),
    path("uploads/<uuid:public_id>/cancel/", upload_views.batch_cancel, name="results-batch-cancel"),
    path("uploads/<uuid:public_id>/errors.csv", upload_views.batch_errors, name="results-batch-errors"),
    path("<uuid:public_id>/", views.result_detail, name="result-detail"),
    path("<uuid:public_id>/amend/", views.result_amend, name="result-amend"),
    path("<uuid:public_id>/undo/", views.entry_undo, name="result-undo"),
]
