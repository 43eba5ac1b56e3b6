"""Shift screening: define an enterprise's shifts, tick a worker's antigen result for a shift, link uploaded
results to their shift, and the compliance of each shift and day.

    define_shift(enterprise, code="C", name="Ca đêm", starts_at=time(22), ends_at=time(6))
    tick(shift, day, roster_entry, "negative", user=u)        # through the one results pipeline
    compliance([enterprise], day)                              # -> [ShiftCompliance] per shift

Who works which shift is the roster (`RosterEntry.shift` names a shift by code or name). A worker counts as
**tested** for the shift of a day when the enterprise holds a negative or positive result of theirs sampled in
the SCREENING_WINDOW (12 hours) before the shift starts; a result sampled after the start (until the shift ends)
is "tested after the shift started", which is not tested before it. **Positive**: a positive result anywhere in
that window or during the shift. **Do not admit**: positive, or not tested before the shift. A night shift
(22:00 -> 06:00) belongs to the day it starts: a test at 21:30 is before it, one at 00:30 the next day is during it.

The results counted are those the enterprise submitted itself, whichever way they came in (a tick here, its
upload, the quick-entry page, the API): a test by a commune station or a lab is not the enterprise's screening,
and the enterprise could not see it anyway. `ShiftScreening` links a ticked or uploaded result to its (shift,
day); results that came in by another way are counted by their sample time alone (`link` ties them when asked).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access, audit
from epiwatch.accounts.access import Scope
from epiwatch.accounts.models import AuditAction, Organization, OrgKind
from epiwatch.labs.models import ImportBatch, Outcome, Reason, TestResult, TestType
from epiwatch.labs.pipeline import Status as ItemStatus

# re-exported: the compliance is part of this module's public face (the pages and the tests import one module)
from epiwatch.labs.shift_compliance import (  # noqa: F401
    ShiftCompliance,
    Status,
    Test,
    Unassigned,
    WorkerStatus,
    compliance,
    roster_on,
    shift_compliance,
    workers_of,
)
from epiwatch.labs.shift_models import LONGEST_SHIFT, SCREENING_WINDOW, Shift, ShiftScreening, shift_for
from epiwatch.lib import dates, importing
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.people.models import RosterEntry

DAY = dt.timedelta(days=1)
TICK_OUTCOMES = (Outcome.NEGATIVE, Outcome.POSITIVE, Outcome.INVALID)


class ShiftInvalid(ValueError):
    """A shift definition that cannot be saved: `problems` is a list of (field, message)."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems


class ScreeningRefused(ValueError):
    """A tick or an upload that cannot be taken; the message says why."""


def has_shifts(organization: Organization) -> bool:
    """Whether the Quảng Ninh rule applies: enterprises test their workers before each shift."""
    return organization.kind == OrgKind.ENTERPRISE


def may_define_shifts(user_or_scope, organization: Organization) -> bool:
    """The enterprise's own writing members and the administrators of its province define its shifts."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else access.scope_for(user_or_scope)
    if scope is None:
        return False
    if scope.full or organization.pk in scope.write_org_ids:
        return True
    area = organization.area
    return any(
        area.dataset == province.dataset and (area.path + "/").startswith(province.path + "/")
        for province in scope.province_admin_areas()
    )


def may_screen(user_or_scope, organization: Organization) -> bool:
    """Ticking and uploading screening results: the enterprise's writing members (it submits the results)."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else access.scope_for(user_or_scope)
    return scope.full or organization.pk in scope.write_org_ids


# --- shift definitions -----------------------------------------------------------------------------------------


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g}"


def problems(
    organization: Organization,
    code: str,
    name: str,
    starts_at: dt.time,
    ends_at: dt.time,
    exclude: Shift | None = None,
) -> list[tuple[str | None, str]]:
    """What is wrong with this definition among the enterprise's other active shifts (empty when nothing)."""
    found: list[tuple[str | None, str]] = []
    if not (code or "").strip():
        found.append(("code", _("a value is required")))
    if starts_at == ends_at:
        found.append(
            ("ends_at", _("a shift cannot end when it starts (%(time)s)") % {"time": f"{starts_at:%H:%M}"})
        )
        return found
    length = Shift.span(starts_at, ends_at)
    if length > LONGEST_SHIFT:
        found.append(
            (
                "ends_at",
                _("%(start)s to %(end)s lasts %(hours)s hours; a shift lasts at most %(most)s hours")
                % {
                    "start": f"{starts_at:%H:%M}",
                    "end": f"{ends_at:%H:%M}",
                    "hours": _hours(length),
                    "most": _hours(LONGEST_SHIFT),
                },
            )
        )
    draft = Shift(organization=organization, code=code, name=name, starts_at=starts_at, ends_at=ends_at)
    others = Shift.objects.active().of(organization)
    if exclude is not None and exclude.pk is not None:
        others = others.exclude(pk=exclude.pk)
    for other in others:
        if draft.overlaps(other):
            found.append(
                (
                    "starts_at",
                    _("%(hours)s overlaps shift %(other)s (%(other_hours)s)")
                    % {"hours": draft.hours, "other": other.label, "other_hours": other.hours},
                )
            )
        if draft.keys() & other.keys():
            found.append(
                (
                    "code",
                    _(
                        "the roster could not tell this shift from shift %(other)s: choose another code or name"
                    )
                    % {"other": other.label},
                )
            )
    return found


def define_shift(
    organization: Organization,
    *,
    code: str,
    name: str = "",
    starts_at: dt.time,
    ends_at: dt.time,
    shift: Shift | None = None,
) -> tuple[Shift, bool]:
    """Create the shift, or update `shift` (or the enterprise's shift with this code); (shift, whether anything
    changed). Raises ShiftInvalid with every problem."""
    code = " ".join((code or "").split())
    name = " ".join((name or "").split())
    with transaction.atomic():
        # one definition at a time per enterprise: two overlapping shifts saved at once would both pass the check
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if shift is None:
            shift = Shift.objects.of(organization).filter(code__iexact=code).first()
        found = problems(organization, code, name, starts_at, ends_at, exclude=shift)
        if found:
            raise ShiftInvalid(found)
        values = {"code": code, "name": name, "starts_at": starts_at, "ends_at": ends_at, "active": True}
        if shift is None:
            return Shift.objects.create(organization=organization, **values), True
        if all(getattr(shift, k) == v for k, v in values.items()):
            return shift, False
        for k, v in values.items():
            setattr(shift, k, v)
        shift.save()
        return shift, True


def retire_shift(shift: Shift) -> None:
    """Take a shift out of use; its screenings stay (a shift with history is never deleted)."""
    shift.active = False
    shift.save(update_fields=["active", "modified_at"])


# --- ticking a result on the screening page --------------------------------------------------------------------


def check_day(shift: Shift, day: dt.date, now: dt.datetime) -> None:
    """Refuse ticks for a shift whose window has not opened yet (a day that has not come, a shift that starts
    more than SCREENING_WINDOW from now)."""
    opens = shift.start_on(day) - SCREENING_WINDOW
    if now >= opens:
        return
    if day > dates.local_date(now):
        raise ScreeningRefused(
            _("%(day)s has not come yet: results are ticked from %(hours)s hours before the shift starts.")
            % {"day": f"{day:%d/%m/%Y}", "hours": _hours(SCREENING_WINDOW)}
        )
    raise ScreeningRefused(
        _(
            "Shift %(shift)s starts at %(time)s on %(day)s: a test taken now, more than %(hours)s hours before, "
            "would not count for it."
        )
        % {
            "shift": shift.label,
            "time": f"{shift.starts_at:%H:%M}",
            "day": f"{day:%d/%m/%Y}",
            "hours": _hours(SCREENING_WINDOW),
        }
    )


def sample_time(shift: Shift, day: dt.date, at: dt.time | None, now: dt.datetime) -> dt.datetime:
    """The moment a tick's test was sampled: `at` (a time of day, placed in the shift's window: 00:30 is the next
    morning for a night shift) or now, to the minute. Raises ScreeningRefused when it is outside the window."""
    first, last = shift.window_on(day)
    if at is None:
        moment = now.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    else:
        candidates = [dt.datetime.combine(day + DAY * k, at, tzinfo=LOCAL_TZ) for k in (-1, 0, 1)]
        inside = [c for c in candidates if first <= c <= last]
        if not inside:
            raise ScreeningRefused(
                _(
                    "%(time)s is outside the screening of shift %(shift)s on %(day)s (from %(first)s to %(last)s)."
                )
                % {
                    "time": f"{at:%H:%M}",
                    "shift": shift.label,
                    "day": f"{day:%d/%m/%Y}",
                    "first": f"{first:%H:%M %d/%m}",
                    "last": f"{last:%H:%M %d/%m}",
                }
            )
        moment = inside[0]
    if moment > now:
        raise ScreeningRefused(_("%(time)s is in the future.") % {"time": f"{moment:%H:%M %d/%m/%Y}"})
    if moment > last:
        raise ScreeningRefused(
            _("Shift %(shift)s of %(day)s ended at %(end)s: a test taken after it counts for a later shift.")
            % {"shift": shift.label, "day": f"{day:%d/%m/%Y}", "end": f"{last:%H:%M %d/%m}"}
        )
    if moment < first:
        raise ScreeningRefused(
            _(
                "%(time)s is more than %(hours)s hours before shift %(shift)s starts: it does not count for it."
            )
            % {"time": f"{moment:%H:%M %d/%m}", "hours": _hours(SCREENING_WINDOW), "shift": shift.label}
        )
    return moment


@dataclass
class Tick:
    """What one tick did: the pipeline's entry (outcome, stored result, case events) and the screening link."""

    worker: RosterEntry
    entry: object  # labs.entry.Entry
    screening: ShiftScreening | None = None

    @property
    def stored(self) -> bool:
        return self.entry.outcome.stored

    @property
    def duplicate(self) -> bool:
        return self.entry.outcome.status == ItemStatus.DUPLICATE

    @property
    def rejected(self) -> bool:
        return self.entry.outcome.status == ItemStatus.REJECTED


def find_worker(shift: Shift, day: dt.date, entry_id) -> RosterEntry:
    """The roster entry `entry_id` among the shift's workers of `day`; ScreeningRefused otherwise."""
    for worker in workers_of(shift, day):
        if str(worker.public_id) == str(entry_id):
            return worker
    raise ScreeningRefused(
        _("This worker is not on the roster of shift %(shift)s of %(org)s on %(day)s.")
        % {"shift": shift.label, "org": shift.organization.name, "day": f"{day:%d/%m/%Y}"}
    )


def tick(
    shift: Shift,
    day: dt.date,
    worker: RosterEntry,
    result: str,
    *,
    user=None,
    at: dt.time | None = None,
    now: dt.datetime | None = None,
) -> Tick:
    """A rapid antigen result for one worker of the shift, through the results pipeline (reason shift
    screening, submitted by the enterprise: a positive opens a case there), linked to (shift, day)."""
    from epiwatch.labs import entry, pipeline

    now = now or timezone.now()
    if result not in TICK_OUTCOMES:
        raise ScreeningRefused(
            _("'%(value)s' is not one of: %(choices)s")
            % {"value": result, "choices": ", ".join(TICK_OUTCOMES)}
        )
    if worker.organization_id != shift.organization_id:
        raise ScreeningRefused(
            _("This worker is not on the roster of %(org)s.") % {"org": shift.organization.name}
        )
    check_day(shift, day, now)
    sampled_at = sample_time(shift, day, at, now)
    stamp = timezone.localtime(sampled_at).strftime("%d/%m/%Y %H:%M")
    item = {
        "test_type": TestType.ANTIGEN,
        "result": result,
        "sampled_at": stamp,
        "resulted_at": stamp,
        "reason": Reason.SHIFT_SCREENING,
    }
    context = pipeline.Context(organization=shift.organization, user=user, now=now)
    done = entry.enter(item, context, person=worker.person)
    outcome = Tick(worker=worker, entry=done)
    if done.result is not None and not outcome.rejected:
        outcome.screening = _link_one(shift, day, done.result, ShiftScreening.Source.TICK)
    return outcome


def _link_one(shift: Shift, day: dt.date, result: TestResult, source: str) -> ShiftScreening | None:
    existing = ShiftScreening.objects.filter(result=result).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ShiftScreening.objects.create(
                organization_id=shift.organization_id,
                shift=shift,
                day=day,
                person_id=result.person_id,
                result=result,
                source=source,
            )
    except IntegrityError:  # linked by a concurrent request meanwhile
        return ShiftScreening.objects.filter(result=result).first()


def undo_tick(result: TestResult, user):
    """A tick made by mistake becomes an invalid result by amendment (the audit trail keeps the old value; a case
    it opened is taken back); the worker is then "not tested" again. Raises ValidationError when invalid already."""
    from epiwatch.labs import entry

    return entry.undo(result, user)


# --- linking results to their shift ----------------------------------------------------------------------------


@dataclass
class Linked:
    """What `link` did: how many results it tied to a shift, and the ones it could not (with the reason)."""

    linked: int = 0
    already: int = 0
    unlinked: list[tuple[TestResult, str]] = field(default_factory=list)


def link(results, organization: Organization, source: str = ShiftScreening.Source.UPLOAD) -> Linked:
    """Tie the enterprise's shift-screening results to (shift, day) by the worker's roster shift and the sample
    time; the ones already tied are left alone. Bulk: four queries and the audit events."""
    report = Linked()
    results = list(
        results.filter(submitter=organization, reason=Reason.SHIFT_SCREENING)
        .exclude(test_type=TestType.POOLED_RT_PCR)
        .select_related("person")
        .order_by("sampled_at", "pk")
    )
    if not results:
        return report
    done = set(ShiftScreening.objects.filter(result__in=results).values_list("result_id", flat=True))
    shifts = list(Shift.objects.active().of(organization))
    roster = dict(
        RosterEntry.objects.filter(organization=organization, person_id__in={r.person_id for r in results})
        .exclude(shift="")
        .values_list("person_id", "shift")
    )
    new = []
    for result in results:
        if result.pk in done:
            report.already += 1
            continue
        text = roster.get(result.person_id, "")
        shift = shift_for(shifts, text)
        if shift is None:
            why = (
                _("%(name)s has no shift on the roster") % {"name": result.person.full_name}
                if not text
                else _("%(name)s's shift '%(shift)s' is not a shift of %(org)s")
                % {"name": result.person.full_name, "shift": text, "org": organization.name}
            )
            report.unlinked.append((result, why))
            continue
        day = shift.day_of(result.sampled_at)
        if day is None:
            report.unlinked.append(
                (
                    result,
                    _("%(name)s was sampled at %(time)s, in no screening window of shift %(shift)s")
                    % {
                        "name": result.person.full_name,
                        "time": f"{timezone.localtime(result.sampled_at):%H:%M %d/%m/%Y}",
                        "shift": shift.label,
                    },
                )
            )
            continue
        new.append(
            ShiftScreening(
                organization=organization,
                shift=shift,
                day=day,
                person_id=result.person_id,
                result=result,
                source=source,
            )
        )
    # ignore_conflicts: a result linked by a concurrent tick meanwhile keeps that link
    ShiftScreening.objects.bulk_create(new, ignore_conflicts=True)
    audit.record_many(AuditAction.CREATE, new)
    report.linked = len(new)
    return report


# --- uploading a shift's results -------------------------------------------------------------------------------


@dataclass
class Upload:
    result: importing.ImportResult
    batch: ImportBatch | None
    links: Linked


def upload(
    organization: Organization, file, *, user, dry_run: bool = False, errors_to: Path | None = None
) -> Upload:
    """A spreadsheet of the enterprise's screening results, through the `results` import kind (the one
    pipeline: reason shift screening unless a row says otherwise, workers on the roster only), stored as one
    ImportBatch (with its error file, also written to `errors_to`), then linked to the shifts by roster shift
    and sample time.

    Raises importing.ImportRefused, importing.ImportFailed (part stored) or TableError (nothing read)."""
    from epiwatch.labs.importers import ResultImporter

    scope = access.scope_for(user)
    if not may_screen(scope, organization):
        raise importing.ImportRefused(
            _("You may not submit results for %(org)s.") % {"org": organization.name}
        )
    batch = None
    if not dry_run:
        batch = ImportBatch.objects.create(
            kind="results",
            organization=organization,
            uploaded_by=user if getattr(user, "pk", None) else None,
            source="upload",
            file_name=Path(getattr(file, "name", "") or "shift-results").name[:255],
            status=ImportBatch.Status.COMMITTING,
            commit_requested=True,
            started_at=timezone.now(),
        )
    context = importing.Context(
        organization=organization, scope=scope, user=user, dry_run=dry_run, options={"batch": batch}
    )
    with tempfile.TemporaryDirectory() as scratch:
        errors = Path(errors_to) if errors_to is not None else Path(scratch) / "errors.csv"
        try:
            result = importing.run(
                ResultImporter(), file, context, errors_to=errors, max_mb=settings.UPLOAD_MAX_MB
            )
        except importing.ImportFailed as exc:
            _finish(batch, exc.result, errors, failed=str(exc))
            raise
        except Exception as exc:
            _finish(batch, None, errors, failed=str(exc))
            raise
        _finish(batch, result, errors)
    links = link(TestResult.objects.filter(batch=batch), organization) if batch is not None else Linked()
    return Upload(result=result, batch=batch, links=links)


def _finish(batch, result, errors: Path, failed: str = "") -> None:
    if batch is None:
        return
    if errors.exists():
        name = Path(batch.file_name).stem + ".errors.csv"
        batch.errors_file.save(name, ContentFile(errors.read_bytes()), save=False)
    if result is not None:
        batch.rows_total = batch.rows_done = result.rows
        batch.accepted, batch.rejected, batch.duplicates = result.accepted, result.rejected, result.duplicates
    batch.status = ImportBatch.Status.FAILED if failed else ImportBatch.Status.DONE
    batch.error_message = failed[:2000]
    batch.finished_at = timezone.now()
    batch.save()
