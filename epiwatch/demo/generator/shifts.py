"""Step "shifts": the seafood factories screen their workers before every shift, 1 October to the reference date
(the Quảng Ninh rule as Bạc Liêu applied it in autumn 2021; the seed traces the chains to three seafood factories).

- each enterprise defines shifts A 06:00-14:00, B 14:00-22:00 and the night shift C 22:00-06:00 (the codes the
  rosters step gave its workers); an enterprise that has shifts already keeps them;
- every worker on the roster works their shift every day (the "three on site" model of 2021). Before it they are
  rapid-tested at the gate, 5 to 90 minutes before the start, by a share that rises from about 85 % in early
  October to 97 % by the reference date; 2 % are tested only after the shift started; the rest not at all;
- the factories' outbreaks: a positive is rare (0.03 %) until each factory's outbreak starts (mid to late
  October, a few days apart), then climbs over two weeks to about 1 % of the tests a day; one test in 300 is
  invalid. A positive worker stays home for 14 days (not tested, so "do not admit" at the gate);
- each result is a professional antigen test with reason shift screening, submitted by the factory, linked to
  its (shift, day) by a ShiftScreening row ("ticked at the gate"); the positives go through the one case
  pipeline (`cases.ingest.on_results`): suspected cases awaiting PCR, found at the workplace.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from epiwatch.accounts.models import OrgKind
from epiwatch.demo.generator.runner import Context
from epiwatch.labs import shifts
from epiwatch.labs.models import Outcome, Reason, TestResult, TestType
from epiwatch.labs.shift_models import Shift, ShiftScreening, shift_for
from epiwatch.people.models import RosterEntry

BATCH = 2000
FIRST_DAY = dt.date(2021, 10, 1)
SHIFTS = (
    ("A", "Ca sáng", dt.time(6), dt.time(14)),
    ("B", "Ca chiều", dt.time(14), dt.time(22)),
    ("C", "Ca đêm", dt.time(22), dt.time(6)),
)
TESTED_FIRST, TESTED_LAST = 0.85, 0.97  # share tested before the shift, on the first and the last day
LATE = 0.02
INVALID = 1 / 300
POSITIVE_BEFORE = 0.0003
POSITIVE_PEAK = 0.01
OUTBREAK_STARTS = (dt.date(2021, 10, 14), dt.date(2021, 10, 19), dt.date(2021, 10, 24))
OUTBREAK_RISE_DAYS = 14
ISOLATION_DAYS = 14
RESULT_AFTER = dt.timedelta(minutes=15)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _define(organization, log) -> list[Shift]:
    existing = list(Shift.objects.active().of(organization))
    if existing:
        return existing
    defined = []
    for code, name, start, end in SHIFTS:
        try:
            shift, _changed = shifts.define_shift(
                organization, code=code, name=name, starts_at=start, ends_at=end
            )
        except shifts.ShiftInvalid as invalid:
            log(f"  shifts: {organization.code} {code}: {invalid}")
            continue
        defined.append(shift)
    return defined


def _positive_share(day: dt.date, outbreak: dt.date) -> float:
    if day < outbreak:
        return POSITIVE_BEFORE
    rise = min(1.0, ((day - outbreak).days + 1) / OUTBREAK_RISE_DAYS)
    return POSITIVE_BEFORE + (POSITIVE_PEAK - POSITIVE_BEFORE) * rise


def _on_roster(entry: RosterEntry, day: dt.date) -> bool:
    return (entry.joined_on is None or entry.joined_on <= day) and (
        entry.active or (entry.left_on or day) > day
    )


def make_screening(ctx: Context) -> int:
    rng = ctx.rng("shifts")
    last = ctx.reference_date
    days = [FIRST_DAY + dt.timedelta(days=n) for n in range((last - FIRST_DAY).days + 1)]
    made = 0
    enterprises = ctx.organizations_of_kind(OrgKind.ENTERPRISE)
    for index, organization in enumerate(enterprises):
        defined = _define(organization, ctx.log)
        entries = [
            (e, shift_for(defined, e.shift))
            for e in ctx.roster_entries
            if e.organization_id == organization.pk and e.shift
        ]
        entries = [(e, s) for e, s in entries if s is not None]
        outbreak = OUTBREAK_STARTS[index % len(OUTBREAK_STARTS)]
        home_until: dict[int, dt.date] = {}
        results: list[TestResult] = []
        links: list[tuple[Shift, dt.date]] = []
        for number, day in enumerate(days):
            tested_share = TESTED_FIRST + (TESTED_LAST - TESTED_FIRST) * number / max(1, len(days) - 1)
            positive_share = _positive_share(day, outbreak)
            for entry, shift in entries:
                person = entry.person
                if not _on_roster(entry, day) or home_until.get(person.pk, day) > day:
                    continue
                roll = rng.random()
                start = shift.start_on(day)
                if roll < tested_share:
                    sampled = start - dt.timedelta(minutes=rng.randint(5, 90))
                elif roll < tested_share + LATE:
                    sampled = start + dt.timedelta(minutes=rng.randint(5, 45))
                else:
                    continue
                draw = rng.random()
                if draw < positive_share:
                    outcome = Outcome.POSITIVE
                    home_until[person.pk] = day + dt.timedelta(days=ISOLATION_DAYS)
                elif draw < positive_share + INVALID:
                    outcome = Outcome.INVALID
                else:
                    outcome = Outcome.NEGATIVE
                area = person.residence
                results.append(
                    TestResult(
                        public_id=_uuid(rng),
                        person=person,
                        test_type=TestType.ANTIGEN,
                        sampled_at=sampled,
                        resulted_at=sampled + RESULT_AFTER,
                        result=outcome,
                        reason=Reason.SHIFT_SCREENING,
                        submitter=organization,
                        area=area or organization.area,
                        province_code=(area or organization.area).province_code,
                    )
                )
                links.append((shift, day))
        TestResult.objects.bulk_create(results, batch_size=BATCH)
        ShiftScreening.objects.bulk_create(
            [
                ShiftScreening(
                    public_id=_uuid(rng),
                    organization=organization,
                    shift=shift,
                    day=day,
                    person=result.person,
                    result=result,
                    source=ShiftScreening.Source.TICK,
                )
                for result, (shift, day) in zip(results, links, strict=True)
            ],
            batch_size=BATCH,
        )
        _open_cases([r for r in results if r.result == Outcome.POSITIVE])
        made += len(results)
    return made


def _open_cases(positives: list[TestResult]) -> None:
    """The positive workers through the one case pipeline, as a tick at the gate would have sent them."""
    from epiwatch.cases import ingest

    if positives:
        ingest.on_results(positives)
