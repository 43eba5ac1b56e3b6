"""Compliance of an enterprise's shifts on a day: who works each shift (the roster), what their screening says
(tested before the start, positive, tested late, not tested), and the gate guard's "do not admit" list. The
rules are told in `labs.shifts` (whose public face re-exports this module's names). Computed, never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts.models import Organization
from epiwatch.labs.models import Outcome, TestResult, TestType
from epiwatch.labs.shift_models import SCREENING_WINDOW, Shift, shift_for
from epiwatch.people.models import RosterEntry

# --- who works a shift on a day --------------------------------------------------------------------------------


def roster_on(organizations, day: dt.date):
    """The roster entries with a shift, of these organizations, on the roster on `day`."""
    return (
        RosterEntry.objects.filter(organization__in=organizations, person__merged_into=None)
        .exclude(shift="")
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=day))
        .filter(Q(active=True) | Q(left_on__gt=day))
    )


def workers_of(shift: Shift, day: dt.date) -> list[RosterEntry]:
    """The roster entries of the shift's workers on `day`, by name."""
    shifts = list(Shift.objects.active().of(shift.organization_id))
    entries = (
        roster_on([shift.organization_id], day).select_related("person").order_by("person__name_norm", "pk")
    )
    return [e for e in entries if shift_for(shifts, e.shift) == shift]


# --- compliance ------------------------------------------------------------------------------------------------


class Status:
    TESTED = "tested"  # negative, sampled before the start
    POSITIVE = "positive"
    LATE = "late"  # tested, but only after the shift started
    INVALID = "invalid"  # an invalid (or still pending) result only: test again
    NOT_TESTED = "not_tested"

    @staticmethod
    def labels() -> dict[str, str]:
        return {
            Status.TESTED: _("tested"),
            Status.POSITIVE: _("positive"),
            Status.LATE: _("tested after the start"),
            Status.INVALID: _("test again"),
            Status.NOT_TESTED: _("not tested"),
        }


@dataclass
class Test:
    """One result of a worker in a shift's window (what the compliance reads of a TestResult)."""

    sampled_at: dt.datetime
    result: str
    test_type: str
    public_id: object


@dataclass
class WorkerStatus:
    entry_id: object  # the roster entry's public id
    person_id: object  # the person's public id
    full_name: str
    employee_code: str
    group: str
    tests: list[Test] = field(default_factory=list)
    status: str = Status.NOT_TESTED
    tested_before: bool = False
    positive: bool = False
    shown: Test | None = None  # the test the status is about
    undo_id: object = (
        None  # the public id of the worker's tick on this shift that may be undone (pages set it)
    )

    @property
    def label(self) -> str:
        return Status.labels()[self.status]

    @property
    def admit(self) -> bool:
        return self.tested_before and not self.positive

    def judge(self, start: dt.datetime) -> None:
        before = [
            t
            for t in self.tests
            if t.sampled_at <= start and t.result in (Outcome.NEGATIVE, Outcome.POSITIVE)
        ]
        after = [
            t for t in self.tests if t.sampled_at > start and t.result in (Outcome.NEGATIVE, Outcome.POSITIVE)
        ]
        positives = [t for t in self.tests if t.result == Outcome.POSITIVE]
        self.tested_before = bool(before)
        self.positive = bool(positives)
        if positives:
            self.status, self.shown = Status.POSITIVE, positives[0]
        elif before:
            self.status, self.shown = Status.TESTED, before[-1]
        elif after:
            self.status, self.shown = Status.LATE, after[0]
        elif self.tests:
            self.status, self.shown = Status.INVALID, self.tests[-1]
        else:
            self.status, self.shown = Status.NOT_TESTED, None

    def reason(self) -> str:
        """Why the gate must not admit this worker (empty when it may)."""
        when = f"{timezone.localtime(self.shown.sampled_at):%H:%M %d/%m}" if self.shown else ""
        if self.status == Status.POSITIVE:
            return _("positive (%(time)s)") % {"time": when}
        if self.status == Status.LATE:
            return _("tested only after the shift started (%(time)s)") % {"time": when}
        if self.status == Status.INVALID:
            return _("no valid result (%(result)s, %(time)s): test again") % {
                "result": Outcome(self.shown.result).label,
                "time": when,
            }
        if self.status == Status.NOT_TESTED:
            return _("not tested")
        return ""


@dataclass
class ShiftCompliance:
    """One enterprise's shift on one day: who works it and what their screening says."""

    organization: Organization
    shift: Shift
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    workers: list[WorkerStatus] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.now >= self.start

    @property
    def ended(self) -> bool:
        return self.now >= self.end

    @property
    def total(self) -> int:
        return len(self.workers)

    @property
    def tested(self) -> int:
        return sum(1 for w in self.workers if w.tested_before)

    @property
    def not_tested(self) -> int:
        return self.total - self.tested

    @property
    def positive(self) -> int:
        return sum(1 for w in self.workers if w.positive)

    @property
    def late(self) -> int:
        return sum(1 for w in self.workers if w.status == Status.LATE)

    @property
    def do_not_admit(self) -> list[WorkerStatus]:
        return [w for w in self.workers if not w.admit]

    @property
    def tested_pct(self) -> int | None:
        return round(100 * self.tested / self.total) if self.total else None

    def counts(self) -> dict[str, int]:
        return {
            "workers": self.total,
            "tested": self.tested,
            "not_tested": self.not_tested,
            "positive": self.positive,
            "late": self.late,
            "do_not_admit": len(self.do_not_admit),
        }


@dataclass
class Unassigned:
    """Workers whose roster shift names no shift of their enterprise: nobody checks them at the gate."""

    organization: Organization
    shift_text: str
    count: int


def compliance(
    organizations, day: dt.date, now: dt.datetime | None = None
) -> tuple[list[ShiftCompliance], list[Unassigned]]:
    """The compliance of every active shift of these enterprises on `day`, and the workers on no defined shift.

    Three queries whatever the number of enterprises: the shifts, the roster, and the enterprises' own results
    sampled between the earliest window and the latest end (the submitter-and-day index)."""
    now = now or timezone.now()
    orgs = {o.pk: o for o in organizations}
    shifts = list(
        Shift.objects.active()
        .filter(organization_id__in=orgs)
        .order_by("organization_id", "starts_at", "code")
    )
    by_org: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_org.setdefault(shift.organization_id, []).append(shift)
    sheets = {
        s.pk: ShiftCompliance(
            organization=orgs[s.organization_id],
            shift=s,
            day=day,
            start=s.start_on(day),
            end=s.end_on(day),
            now=now,
        )
        for s in shifts
    }
    if not sheets:
        return [], []

    entries = (
        roster_on(list(by_org), day)
        .order_by("person__name_norm", "pk")
        .values_list(
            "organization_id",
            "person_id",
            "shift",
            "public_id",
            "person__public_id",
            "person__full_name",
            "employee_code",
            "group",
        )
    )
    workers: dict[tuple[int, int], tuple[ShiftCompliance, WorkerStatus]] = {}
    unknown: dict[tuple[int, str], int] = {}
    for org_id, person_id, text, entry_id, person_public_id, name, code, group in entries:
        shift = shift_for(by_org[org_id], text)
        if shift is None:
            unknown[(org_id, text)] = unknown.get((org_id, text), 0) + 1
            continue
        sheet = sheets[shift.pk]
        worker = WorkerStatus(entry_id, person_public_id, name, code, group)
        sheet.workers.append(worker)
        workers[(org_id, person_id)] = (sheet, worker)

    first = min(s.start for s in sheets.values()) - SCREENING_WINDOW
    last = max(s.end for s in sheets.values())
    results = (
        TestResult.objects.filter(submitter_id__in=by_org, sampled_at__gte=first, sampled_at__lte=last)
        .exclude(test_type=TestType.POOLED_RT_PCR)  # a pool's result is not one worker's
        .order_by("sampled_at", "pk")
        .values_list("submitter_id", "person_id", "sampled_at", "result", "test_type", "public_id")
    )
    for org_id, person_id, sampled_at, result, test_type, public_id in results:
        found = workers.get((org_id, person_id))
        if found is None:
            continue
        sheet, worker = found
        if sheet.start - SCREENING_WINDOW <= sampled_at <= sheet.end:
            worker.tests.append(Test(sampled_at, result, test_type, public_id))
    for sheet in sheets.values():
        for worker in sheet.workers:
            worker.judge(sheet.start)
    unassigned = [Unassigned(orgs[org_id], text, count) for (org_id, text), count in sorted(unknown.items())]
    return list(sheets.values()), unassigned


def shift_compliance(shift: Shift, day: dt.date, now: dt.datetime | None = None) -> ShiftCompliance:
    sheets, _unassigned = compliance([shift.organization], day, now)
    return next(s for s in sheets if s.shift.pk == shift.pk)
