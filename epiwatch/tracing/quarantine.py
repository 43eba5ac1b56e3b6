"""Quarantine: planned from the rule set in force, tested on its test days, released when over and negative.

`plan()` asks `policy.quarantine.plan` for the person's group (F1 vaccinated or not, returnee), then stores the
quarantine, one `QuarantineTest` per test day and a QUARANTINE_TEST task for each (to the facility for a centralized
quarantine, else to the commune station where the person lives). A test day counts as done when a result of the
person was sampled within a day of it. `release()` refuses, with the reasons, while the period is not over or a test
is missing or positive; `release_due()` releases every quarantine that may be released (the daily command).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, Organization, OrgKind
from epiwatch.lib import numfmt
from epiwatch.people.models import Person
from epiwatch.policy import quarantine as policy
from epiwatch.policy.rulesets import NoRuleSetInForce
from epiwatch.tasks.models import Task, TaskKind, TaskStatus, raise_task
from epiwatch.tasks.routing import Assignees
from epiwatch.tracing.immunity import Immunity, immunity_of
from epiwatch.tracing.models import (
    FacilityCapacity,
    Place,
    Quarantine,
    QuarantineReason,
    QuarantineStatus,
    QuarantineTest,
    QuarantineTestStatus,
)

# a result sampled this many days before or after a test day counts for it
TEST_DAY_TOLERANCE = 1


class QuarantineError(ValueError):
    """The quarantine cannot be planned, changed or released as asked; the message says why."""


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Planned:
    quarantine: Quarantine
    created: bool
    notes: list[str] = field(default_factory=list)


def plan(
    person: Person,
    reason: str,
    start_date: dt.date,
    *,
    place: str | None = None,
    facility: Organization | None = None,
    contact=None,
    arrival=None,
    by_org: Organization | None = None,
    immunity: Immunity | None = None,
    assignees: Assignees | None = None,
) -> Planned:
    """Plan (and store) the quarantine of a person; an active one is kept as it is (created=False)."""
    current = Quarantine.objects.active().filter(person=person).first()
    if current is not None:
        return Planned(
            current,
            False,
            [
                _("%(name)s is already in quarantine since %(day)s.")
                % {"name": person.full_name, "day": _d(current.start_date)}
            ],
        )
    if reason not in QuarantineReason.values:
        raise QuarantineError(_("Unknown quarantine reason %(reason)s.") % {"reason": reason})
    immunity = immunity or immunity_of([person.pk], start_date)[person.pk]
    try:
        decided = policy.plan(
            reason,
            start_date,
            vaccinated_last_dose_date=immunity.full_on,
            recovered_date=immunity.recovered_on,
        )
    except NoRuleSetInForce:
        raise QuarantineError(
            _("No quarantine rule set is in force on %(day)s.") % {"day": _d(start_date)}
        ) from None
    place, facility = _place(decided, place, facility)
    reasons = [{"code": r.code, "en": r.en, "vi": r.vi} for r in decided.reasons]
    if not immunity.vaccination_known:
        reasons.append(
            {
                "code": "vaccination_unknown",
                "en": "no vaccination recorded: planned as not vaccinated",
                "vi": "chưa có thông tin tiêm chủng: lập kế hoạch như người chưa tiêm",
            }
        )
    with transaction.atomic():
        quarantine = Quarantine(
            person=person,
            reason=reason,
            place=place,
            facility=facility,
            contact=contact,
            arrival=arrival,
            start_date=start_date,
            quarantine_until=decided.quarantine_until,
            monitoring_until=decided.self_monitoring_until,
            rule=decided.rule_name,
            plan_reasons=reasons,
            vaccination_known=immunity.vaccination_known,
            area=person.residence,
            province_code=person.residence.province_code if person.residence else "",
            created_by=by_org,
        )
        quarantine.save()
        tests = [
            QuarantineTest(quarantine=quarantine, day_number=(day - start_date).days + 1, due_date=day)
            for day in decided.test_days
        ]
        QuarantineTest.objects.bulk_create(tests)
        audit.record_many(AuditAction.CREATE, tests)
        _raise_test_tasks(quarantine, tests, by_org, assignees or Assignees())
    return Planned(quarantine, True)


def _place(decided: policy.QuarantinePlan, place: str | None, facility: Organization | None):
    if decided.days == 0:
        return Place.SELF_MONITORING, None
    options = decided.place_options
    if place in (None, "", Place.SELF_MONITORING):
        place = Place.CENTRALIZED if facility is not None and Place.CENTRALIZED in options else None
        place = place or (Place.HOME if Place.HOME in options else Place.CENTRALIZED)
    if place not in options:
        allowed = ", ".join(str(Place(p).label) for p in options)
        raise QuarantineError(
            _("The rule in force (%(rule)s) allows only: %(places)s.")
            % {"rule": decided.rule_name, "places": allowed}
        )
    if place == Place.CENTRALIZED:
        if facility is None:
            raise QuarantineError(_("A centralized quarantine needs a facility."))
        if facility.kind != OrgKind.QUARANTINE_FACILITY:
            raise QuarantineError(_("%(org)s is not a quarantine facility.") % {"org": facility.name})
        return place, facility
    return place, None


def _raise_test_tasks(quarantine: Quarantine, tests, by_org, assignees: Assignees) -> None:
    person = quarantine.person
    if quarantine.place == Place.CENTRALIZED:
        organization = quarantine.facility
    else:
        organization = assignees.for_area(person.residence, fallback=by_org)
    if organization is None:
        return
    for test in tests:
        raise_task(
            TaskKind.QUARANTINE_TEST,
            organization,
            _("Quarantine test, day %(day)s (%(date)s): %(name)s")
            % {"day": test.day_number, "date": _d(test.due_date), "name": person.full_name},
            test.due_date,
            person=person,
            about=test,
        )


# --- changes ---------------------------------------------------------------------------------------------------


def change(
    quarantine: Quarantine,
    *,
    start_date: dt.date,
    quarantine_until: dt.date | None,
    place: str,
    facility: Organization | None,
) -> Quarantine:
    """Correct the dates or the place of an active quarantine (the rule's plan is a default, not a cage)."""
    if not quarantine.is_active:
        raise QuarantineError(_("Only an active quarantine can be changed."))
    if quarantine_until is not None and quarantine_until < start_date:
        raise QuarantineError(
            _("The end (%(end)s) is before the start (%(start)s).")
            % {"end": _d(quarantine_until), "start": _d(start_date)}
        )
    if place == Place.CENTRALIZED:
        if facility is None:
            raise QuarantineError(_("A centralized quarantine needs a facility."))
        if facility.kind != OrgKind.QUARANTINE_FACILITY:
            raise QuarantineError(_("%(org)s is not a quarantine facility.") % {"org": facility.name})
    else:
        facility = None
    if quarantine.monitoring_until is not None and quarantine_until is not None:
        quarantine.monitoring_until = max(quarantine.monitoring_until, quarantine_until)
    quarantine.start_date, quarantine.quarantine_until = start_date, quarantine_until
    quarantine.place, quarantine.facility = place, facility
    quarantine.save()
    return quarantine


# --- tests and release -----------------------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def refresh_tests(quarantine: Quarantine) -> list[QuarantineTest]:
    """Match the person's results to the test days (a day either side counts); returns the tests, updated."""
    from epiwatch.labs.models import Outcome, TestResult

    tests = list(quarantine.tests.all())
    if not tests:
        return tests
    tolerance = dt.timedelta(days=TEST_DAY_TOLERANCE)
    results = list(
        TestResult.objects.filter(
            person_id=quarantine.person_id,
            result__in=(Outcome.POSITIVE, Outcome.NEGATIVE),
            sampled_at__gte=_local_midnight(tests[0].due_date - tolerance),
            sampled_at__lt=_local_midnight(tests[-1].due_date + tolerance + dt.timedelta(days=1)),
        ).order_by("sampled_at")
    )
    for test in tests:
        near = [
            r
            for r in results
            if abs((timezone.localtime(r.sampled_at).date() - test.due_date).days) <= TEST_DAY_TOLERANCE
        ]
        positive = next((r for r in near if r.result == Outcome.POSITIVE), None)
        chosen = positive or (near[-1] if near else None)
        status = (
            QuarantineTestStatus.PENDING
            if chosen is None
            else (QuarantineTestStatus.POSITIVE if positive else QuarantineTestStatus.NEGATIVE)
        )
        if (status, chosen.pk if chosen else None) != (test.status, test.result_id):
            test.status, test.result = status, chosen
            test.save()
            if status != QuarantineTestStatus.PENDING:
                Task.objects.open().filter(
                    kind=TaskKind.QUARANTINE_TEST,
                    about_model=test._meta.label_lower,
                    about_id=str(test.public_id),
                ).update(status=TaskStatus.DONE, done_at=timezone.now())
    return tests


def release_problems(quarantine: Quarantine, today: dt.date) -> list[str]:
    """Why the quarantine cannot be released today (empty: it can)."""
    if not quarantine.is_active:
        return [
            _("This quarantine is not active (%(status)s).") % {"status": quarantine.get_status_display()}
        ]
    problems = []
    last_day = quarantine.quarantine_until or quarantine.monitoring_until or quarantine.start_date
    if today < last_day:
        problems.append(_("The period is not over: it ends on %(day)s.") % {"day": _d(last_day)})
    for test in refresh_tests(quarantine):
        if test.status == QuarantineTestStatus.POSITIVE:
            problems.append(
                _("The test of day %(day)s (%(date)s) is positive.")
                % {"day": test.day_number, "date": _d(test.due_date)}
            )
        elif test.status == QuarantineTestStatus.PENDING:
            problems.append(
                _("The test of day %(day)s (%(date)s) has no negative result.")
                % {"day": test.day_number, "date": _d(test.due_date)}
            )
    return problems


def release(quarantine: Quarantine, today: dt.date) -> Quarantine:
    """Release the person; QuarantineError lists what is missing when it is too early."""
    with transaction.atomic():
        quarantine = Quarantine.objects.select_for_update().get(pk=quarantine.pk)
        problems = release_problems(quarantine, today)
        if problems:
            raise QuarantineError(" ".join(problems))
        quarantine.status, quarantine.released_on = QuarantineStatus.RELEASED, today
        quarantine.save()
    return quarantine


@dataclass
class ReleaseRun:
    released: int = 0
    held: int = 0


def release_due(today: dt.date, quarantines=None) -> ReleaseRun:
    """Release every active quarantine whose period is over and whose tests are all negative."""
    run = ReleaseRun()
    candidates = (
        (quarantines if quarantines is not None else Quarantine.objects.all())
        .active()
        .filter(
            Q(quarantine_until__lte=today)
            | Q(quarantine_until=None, monitoring_until__lte=today)
            | Q(quarantine_until=None, monitoring_until=None, start_date__lte=today)
        )
    )
    for quarantine in candidates.select_related("person").iterator(chunk_size=500):
        try:
            release(quarantine, today)
            run.released += 1
        except QuarantineError:
            run.held += 1
    return run


def end_for_case(case) -> int:
    """The person became a case: their active quarantines end (status 'became a case'), their test tasks go."""
    ended = 0
    for quarantine in Quarantine.objects.active().filter(person_id=case.person_id):
        quarantine.status, quarantine.released_on = QuarantineStatus.CONVERTED, case.report_date
        quarantine.save()
        tests = [
            str(t)
            for t in quarantine.tests.filter(status=QuarantineTestStatus.PENDING).values_list(
                "public_id", flat=True
            )
        ]
        Task.objects.open().filter(
            kind=TaskKind.QUARANTINE_TEST, about_model=QuarantineTest._meta.label_lower, about_id__in=tests
        ).update(status=TaskStatus.CANCELLED)
        ended += 1
    return ended


def _in_quarantine_on(on_date: dt.date):
    return (
        Quarantine.objects.filter(start_date__lte=on_date, quarantine_until__gte=on_date)
        .exclude(place=Place.SELF_MONITORING)
        .exclude(status=QuarantineStatus.CANCELLED)
        .filter(Q(released_on=None) | Q(released_on__gte=on_date))
    )


def in_quarantine(person, on_date: dt.date) -> bool:
    """Whether the person was in quarantine on that day (a case found then is found in quarantine)."""
    return _in_quarantine_on(on_date).filter(person=person).exists()


def in_quarantine_among(person_ids, on_date: dt.date) -> set[int]:
    """Which of these people were in quarantine on that day: one query per 2,000 (cases.ingest's batches)."""
    ids = list(set(person_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        found.update(
            _in_quarantine_on(on_date).filter(person_id__in=chunk).values_list("person_id", flat=True)
        )
    return found


# --- occupancy -------------------------------------------------------------------------------------------------


@dataclass
class Occupancy:
    facility: Organization
    places: int | None
    total: int
    f1: int
    returnees: int

    @property
    def free(self) -> int | None:
        return None if self.places is None else self.places - self.total

    @property
    def percent(self) -> str:
        return numfmt.percent(100 * self.total / self.places) if self.places else ""


def occupancy(facilities) -> list[Occupancy]:
    """People in centralized quarantine now, per facility, F1 and returnees apart (one grouped query)."""
    facilities = list(facilities.filter(kind=OrgKind.QUARANTINE_FACILITY).order_by("name"))
    counts = {
        row["facility_id"]: row
        for row in Quarantine.objects.active()
        .centralized()
        .filter(facility__in=facilities)
        .values("facility_id")
        .annotate(
            total=Count("pk"),
            f1=Count("pk", filter=Q(reason=QuarantineReason.F1)),
            returnees=Count("pk", filter=Q(reason=QuarantineReason.RETURNEE)),
        )
    }
    places = dict(
        FacilityCapacity.objects.filter(facility__in=facilities).values_list("facility_id", "places")
    )
    rows = []
    for facility in facilities:
        row = counts.get(facility.pk, {})
        rows.append(
            Occupancy(
                facility=facility,
                places=places.get(facility.pk),
                total=row.get("total", 0),
                f1=row.get("f1", 0),
                returnees=row.get("returnees", 0),
            )
        )
    return rows
