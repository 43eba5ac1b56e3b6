"""The spreadsheet upload's pages: upload -> checked in the background with a progress bar -> a preview of the
accepted and rejected rows -> commit or cancel -> the outcome and the error file (the rejected rows with an
`error` column, fixed and uploaded again as is).

The work is the background worker's (`labs.worker`): a separate `epiwatch process_imports`, or, when none runs
(settings.IMPORTS_WORKER = "thread", the default), a daemon thread of the web process started once the request
that queued the work has committed. The page polls a small JSON status while the worker runs.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.labs import worker
from epiwatch.labs.forms import UploadForm, writing_organizations
from epiwatch.labs.importers import ResultImporter
from epiwatch.labs.models import ImportBatch, Outcome, TestType
from epiwatch.lib import dates, importing

Status = ImportBatch.Status
RUNNING = (Status.QUEUED, Status.VALIDATING, Status.COMMITTING)
RECENT_UPLOADS = 20
TEMPLATE_NAMES = {"vi": "mau-ket-qua-xet-nghiem", "en": "test-results-template"}


def start_worker(batch: ImportBatch) -> None:
    """Have the batch worked on: by a daemon thread of this process once the request's transaction commits,
    unless a separate worker does it (IMPORTS_WORKER = "external"). Safe next to a worker either way: the claims
    decide who does what."""
    if getattr(settings, "IMPORTS_WORKER", "thread") == "thread":
        transaction.on_commit(lambda: worker.start_in_background(batch))


@login_required
def upload(request):
    scope = access.scope_for(request.user)
    orgs = list(writing_organizations(request.user))
    if not orgs:
        raise PermissionDenied("Your role may not submit results")
    form = UploadForm(
        request.POST or None, request.FILES or None, user=request.user, initial={"organization": orgs[0].code}
    )
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        batch = worker.queue_file(
            form.cleaned_data["organization"], uploaded, user=request.user, name=uploaded.name
        )
        start_worker(batch)
        return redirect("results-batch", public_id=batch.public_id)
    batches = (
        access.visible(ImportBatch, scope)
        .filter(source="upload")
        .select_related("organization", "uploaded_by")
        .order_by("-created_at")[:RECENT_UPLOADS]
    )
    return render(
        request,
        "labs/upload.html",
        {"form": form, "several_orgs": len(orgs) > 1, "batches": batches, "max_mb": settings.UPLOAD_MAX_MB},
    )


@login_required
def upload_template(request, lang: str, fmt: str):
    """The template with the Vietnamese headers people use, or the English column names, and example rows."""
    access.require_any_membership(request.user)
    name = f"{TEMPLATE_NAMES[lang]}.{fmt}"
    if fmt == "xlsx":
        buffer = io.BytesIO()
        importing.write_template(ResultImporter, buffer, language=lang, fmt="xlsx")
        content = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        text = io.StringIO(newline="")
        importing.write_template(ResultImporter, text, language=lang, fmt="csv")
        content = text.getvalue().encode()
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _get_batch(request, public_id, write: bool = False) -> ImportBatch:
    return access.get_for_user(
        ImportBatch.objects.select_related("organization", "uploaded_by"),
        request.user,
        write=write,
        public_id=public_id,
    )


def _status(batch: ImportBatch) -> dict:
    return {
        "status": batch.status,
        "status_display": batch.get_status_display(),
        "running": batch.status in RUNNING,
        "rows_done": batch.rows_done,
        "rows_total": batch.rows_total,
        "progress_pct": batch.progress_pct,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "duplicates": batch.duplicates,
    }


def _accepted_rows(batch: ImportBatch) -> list[dict]:
    labels, outcomes = dict(TestType.choices), dict(Outcome.choices)
    rows = []
    for row in batch.preview.get("accepted_sample", []):
        sampled = row.get("sampled_at")
        moment = dt.datetime.fromisoformat(sampled) if sampled else None
        rows.append(
            {
                **row,
                "test_label": labels.get(row.get("test_type"), row.get("test_type")),
                "result_label": outcomes.get(row.get("result"), row.get("result")),
                "sampled": moment.astimezone(dates.LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if moment else "",
            }
        )
    return rows


@login_required
def batch_detail(request, public_id):
    batch = _get_batch(request, public_id)
    can_write = access.visible(ImportBatch.objects.filter(pk=batch.pk), request.user, write=True).exists()
    rejected = batch.preview.get("rejected_sample", [])
    return render(
        request,
        "labs/batch.html",
        {
            "batch": batch,
            "state": _status(batch),
            "running": batch.status in RUNNING,
            "can_write": can_write,
            "accepted_rows": _accepted_rows(batch),
            "rejected_rows": rejected,
            "more_rejected": max(0, batch.rejected - len(rejected)),
        },
    )


@login_required
def batch_status(request, public_id):
    """The small JSON the progress bar polls."""
    return JsonResponse(_status(_get_batch(request, public_id)))


@login_required
@require_POST
def batch_commit(request, public_id):
    batch = _get_batch(request, public_id, write=True)
    if batch.request_commit():
        start_worker(batch)
        messages.success(request, _("The accepted rows are being stored."))
    else:
        messages.error(
            request,
            _("This upload can no longer be committed (%(status)s).")
            % {"status": batch.get_status_display()},
        )
    return redirect("results-batch", public_id=batch.public_id)


@login_required
@require_POST
def batch_cancel(request, public_id):
    batch = _get_batch(request, public_id, write=True)
    if batch.cancel():
        messages.success(request, _("The upload was cancelled: nothing was stored."))
    else:
        messages.error(
            request,
            _("This upload can no longer be cancelled (%(status)s).")
            % {"status": batch.get_status_display()},
        )
    return redirect("results-batch", public_id=batch.public_id)


@login_required
def batch_errors(request, public_id):
    """The rejected rows with an `error` column (formula-like cells escaped), to fix and upload again."""
    batch = _get_batch(request, public_id)
    if not batch.errors_file:
        raise Http404("This upload has no rejected rows")
    name = Path(batch.errors_file.name).name
    return FileResponse(
        batch.errors_file.open("rb"), as_attachment=True, filename=name, content_type="text/csv"
    )
