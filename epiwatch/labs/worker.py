"""The background worker of uploaded result files, without a broker (the healthchecks way).

An upload is an ImportBatch row with its file. The worker (`epiwatch process_imports`, or a daemon thread started
by `start_in_background` when no worker runs) claims rows with an atomic `update()` that must change exactly one
row, so two workers never take the same batch:

    queued --claim--> validating --> preview --(commit requested)--> committing --> done
                          |                                              |
                          +---------------------> failed <---------------+

Validating runs the whole pipeline without writing (a dry run: people matched but not created, nothing stored)
and keeps a preview: the counts, a sample of accepted rows, the first rejected rows with their row, column and
message, and the error file (the rejected rows with an `error` column). Committing runs it again for real, once
the user asked for it (`ImportBatch.request_commit()`; a batch queued with `commit=True` goes straight on).
Both passes update `rows_done` every 1,000 rows for the progress bar; each 1,000 rows are their own short
transaction, so the web goes on writing meanwhile (SQLite included).
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from epiwatch.accounts import access, audit
from epiwatch.labs.models import ImportBatch
from epiwatch.lib import importing
from epiwatch.lib.tabular import TableError

logger = logging.getLogger(__name__)

Status = ImportBatch.Status
REJECTED_SAMPLE = 50
POLL_SECONDS = 2.0


def queue_file(
    organization, uploaded, *, user=None, name: str = "", source: str = "upload", commit: bool = False
):
    """An ImportBatch for a file (an upload, or any file object), queued for the worker. With `commit` the rows
    are stored as soon as they are validated, without waiting for a person to look at the preview."""
    batch = ImportBatch(
        organization=organization,
        uploaded_by=user if getattr(user, "pk", None) else None,
        source=source,
        file_name=(name or getattr(uploaded, "name", "") or "results")[:255],
        commit_requested=commit,
    )
    batch.file.save(Path(batch.file_name).name or "results.csv", File(uploaded), save=False)
    batch.save()
    return batch


def _claim(pk: int, current: str, new: str, **fields) -> bool:
    """Move one batch from `current` to `new`; True only for the one caller whose update changed the row."""
    return ImportBatch.objects.filter(pk=pk, status=current).update(status=new, **fields) == 1


def claim_next() -> tuple[ImportBatch, str] | None:
    """The next piece of work, claimed: (batch, "validate") or (batch, "commit"); None when there is none.
    Commits first (a person is waiting for them), then the oldest queued file."""
    now = timezone.now()
    for pk in (
        ImportBatch.objects.filter(status=Status.PREVIEW, commit_requested=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:5]
    ):
        if _claim(pk, Status.PREVIEW, Status.COMMITTING, rows_done=0):
            return ImportBatch.objects.get(pk=pk), "commit"
    for pk in (
        ImportBatch.objects.filter(status=Status.QUEUED)
        .order_by("created_at")
        .values_list("pk", flat=True)[:5]
    ):
        if _claim(pk, Status.QUEUED, Status.VALIDATING, started_at=now, rows_done=0):
            return ImportBatch.objects.get(pk=pk), "validate"
    return None


def _context(batch: ImportBatch, preview: bool) -> importing.Context:
    user = batch.uploaded_by
    return importing.Context(
        organization=batch.organization,
        scope=access.scope_for(user) if user is not None else access.FULL,
        user=user,
        # not the framework's dry run (one long transaction): the pipeline's, batch by batch, writing nothing
        options={"batch": batch, "preview": preview},
    )


def _progress(batch: ImportBatch):
    def report(done: int, total: int | None) -> None:
        fields = {"rows_done": done}
        if total:
            fields["rows_total"] = max(total, done)
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)

    return report


def _run(batch: ImportBatch, preview: bool) -> tuple[importing.ImportResult, list[dict]]:
    from epiwatch.labs.importers import ResultImporter

    with tempfile.TemporaryDirectory() as scratch:
        errors = Path(scratch) / "errors.csv"
        context = _context(batch, preview)
        with audit.acting(
            user=batch.uploaded_by, organization=batch.organization, via=batch.source or "upload"
        ):
            with batch.file.open("rb") as f:
                try:
                    result = importing.run(
                        ResultImporter(), f, context, errors_to=errors, on_progress=_progress(batch)
                    )
                finally:
                    _keep_errors(batch, errors)
        return result, context.options.get("accepted_sample", [])


def _keep_errors(batch: ImportBatch, errors: Path) -> None:
    if batch.errors_file:
        batch.errors_file.delete(save=False)
    if errors.exists():
        name = Path(batch.file_name or "results").stem + ".errors.csv"
        batch.errors_file.save(name, ContentFile(errors.read_bytes()), save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(errors_file=batch.errors_file.name or "")


def _counts(result: importing.ImportResult) -> dict:
    return {
        "rows_done": result.rows,
        "rows_total": result.rows,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "duplicates": result.duplicates,
    }


def _fail(batch: ImportBatch, message: str, **fields) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.FAILED, error_message=message[:2000], finished_at=timezone.now(), **fields
    )


def validate(batch: ImportBatch) -> None:
    """validating -> preview (or failed): the dry run, its counts, samples and error file."""
    try:
        result, accepted_sample = _run(batch, preview=True)
    except importing.ImportFailed as exc:
        _fail(batch, str(exc), **_counts(exc.result))
        return
    except (TableError, importing.ImportRefused) as exc:
        _fail(batch, str(exc))
        return
    except Exception as exc:  # a bug must not leave the batch "validating" for ever
        logger.exception("validating import batch %s failed", batch.public_id)
        _fail(batch, f"internal error: {exc.__class__.__name__}")
        return
    preview = {
        **_counts(result),
        "accepted_sample": accepted_sample,
        "rejected_sample": [e.as_dict() for e in result.errors[:REJECTED_SAMPLE]],
    }
    ImportBatch.objects.filter(pk=batch.pk, status=Status.VALIDATING).update(
        status=Status.PREVIEW, preview=preview, **_counts(result)
    )


def commit(batch: ImportBatch) -> None:
    """committing -> done (or failed): the rows stored for real."""
    try:
        result, _sample = _run(batch, preview=False)
    except importing.ImportFailed as exc:
        # the rows before the damage are stored: say how many
        _fail(batch, str(exc), **_counts(exc.result))
        return
    except (TableError, importing.ImportRefused) as exc:
        _fail(batch, str(exc))
        return
    except Exception as exc:
        logger.exception("committing import batch %s failed", batch.public_id)
        _fail(batch, f"internal error: {exc.__class__.__name__}")
        return
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.DONE, finished_at=timezone.now(), **_counts(result)
    )


def work_once() -> ImportBatch | None:
    """Claim and do one piece of work; the batch worked on, or None when there was nothing to do."""
    claimed = claim_next()
    if claimed is None:
        return None
    batch, step = claimed
    if step == "validate":
        validate(batch)
    else:
        commit(batch)
    batch.refresh_from_db()
    return batch


def drain() -> int:
    """Work until nothing is left (a batch whose commit is requested right after its preview included)."""
    count = 0
    while work_once() is not None:
        count += 1
    return count


_background_lock = threading.Lock()


def start_in_background(batch: ImportBatch | None = None) -> threading.Thread:
    """Run the claim loop in a daemon thread until no work is left: the web upload's way when no worker runs
    (`make demo`). Safe next to a worker: the claims decide who does what."""

    def target() -> None:
        try:
            with _background_lock:  # one background thread at a time per process is plenty
                # wait for the request that queued the batch to commit it
                for _attempt in range(50):
                    if batch is None or ImportBatch.objects.filter(pk=batch.pk).exists():
                        break
                    time.sleep(0.1)
                drain()
        except Exception:
            logger.exception("background import worker failed")
        finally:
            connection.close()

    thread = threading.Thread(target=target, name="epiwatch-imports", daemon=True)
    thread.start()
    return thread
