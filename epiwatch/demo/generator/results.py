"""Step "results": the test results of October 2021 up to the reference date, near the Bạc Liêu seed.

The seed report of 4 November 2021: 4,480 cases in total, ten times more than a month before; 250 new cases in
24 hours, 153 of them found in the community and the rest among people already in quarantine (contacts); chains
traced to seafood factories. So, at the context's scale:

- infections grow ~6.5 % a day from 1 October, to about 250 × scale on the reference date (~4,000 × scale in
  all);
- mass screening rounds by the commune stations (rapid antigen): three rounds in the level-4 districts (Thành phố
  Bạc Liêu, Giá Rai) and two elsewhere, each testing a share of the residents in one day; in Thành phố Bạc Liêu
  the CDC laboratory tests the round by pooled RT-PCR instead (pools of 5);
- 60 % of the infected are found in the community (a positive rapid test in a round or when coming with
  symptoms; a positive pool), then confirmed by an individual RT-PCR of the provincial hospital's laboratory
  the next day; a tenth of the positive rapid tests are false and that RT-PCR discards them;
- 40 % are found as contacts: the people living with a confirmed case are tested by RT-PCR a day or two later.

The factories' screening of their workers before each shift is the "shifts" step's (`generator/shifts.py`,
with the shifts and the gate ticks), not repeated here.

Nothing is dated after the reference date, so the last day's rapid positives still await their RT-PCR. The
results are written as the labs pipeline stores them (area and province from the residence, pools, the
submitting organization), then `cases.ingest` and the pool re-test tasks act on them as on any result: the
province gets its suspected, confirmed and discarded cases and the stations their tasks. Tasks due more than a
day before the reference date are marked done (the stations kept up). Public ids come from the step's random
stream; as the other steps, the rows are not audited one by one (the runner leaves one summary event).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
import uuid
from collections import defaultdict

from epiwatch.accounts.models import OrgKind
from epiwatch.cases import ingest
from epiwatch.demo.generator.runner import Context
from epiwatch.labs import bulk, pools
from epiwatch.labs.models import Outcome, Pool, Reason, TestResult, TestType
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.tasks.models import Task, TaskStatus, close_many, raise_many
from epiwatch.tasks.routing import Assignees

FIRST_DAY = dt.date(2021, 10, 1)
GROWTH = 0.065  # per day: ten times in a month
LAST_DAY_INFECTIONS = 250  # at scale 1, on the reference date
COMMUNITY_SHARE = 0.6  # of the infected: found by screening; the others as contacts
FALSE_ANTIGEN_SHARE = 0.1  # of the positive rapid tests
CONTACT_POSITIVE = 0.05  # of the household contacts not among the infected: found positive all the same
LEVEL_4_DISTRICTS = {"954", "959"}  # Thành phố Bạc Liêu, Giá Rai
POOLED_DISTRICTS = {"954"}
POOL_SIZE = 5
# (days before the reference date, share of residents tested) of the screening rounds
ROUNDS_LEVEL_4 = ((27, 0.25), (13, 0.30), (2, 0.35))
ROUNDS_OTHER = ((20, 0.10), (4, 0.15))
LABS = ("bl-lab-bvdk", "bl-lab-cdc")  # individual RT-PCR; pooled rounds


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(rng: random.Random, day: dt.date, first_hour: int = 6, last_hour: int = 17) -> dt.datetime:
    minute = rng.randrange(first_hour * 60, last_hour * 60)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=LOCAL_TZ)


def _district(area) -> str:
    return area.path.split("/")[1] if area.path.count("/") >= 1 else ""


class _Maker:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rng = ctx.rng("results")
        self.on = ctx.reference_date
        self.end = dt.datetime.combine(self.on, dt.time(23, 59), tzinfo=LOCAL_TZ)
        by_code = {o.code: o for o in ctx.organizations}
        self.hospital_lab = by_code.get(LABS[0]) or next(iter(ctx.organizations_of_kind(OrgKind.LAB)), None)
        self.pool_lab = by_code.get(LABS[1]) or self.hospital_lab
        self.stations = {o.area.path: o for o in ctx.organizations_of_kind(OrgKind.COMMUNE_STATION)}
        self.results: list[TestResult] = []
        self.pools: list[Pool] = []
        self.serial = 0
        self.in_round: set[tuple[int, dt.date]] = set()  # (person pk, day) of the infected a round tested

    def station_of(self, person):
        path = person.residence.path
        return self.stations.get("/".join(path.split("/")[:3]))

    def result(self, person, day, test_type, outcome, reason, submitter, pool=None, external=True, hour=None):
        if day > self.on or submitter is None:
            return None
        self.serial += 1
        sampled = _at(self.rng, day) if hour is None else _at(self.rng, day, hour, hour + 1)
        pcr = test_type in (TestType.RT_PCR, TestType.POOLED_RT_PCR)
        resulted = sampled + dt.timedelta(hours=self.rng.randint(6, 14) if pcr else 0, minutes=15)
        # nothing known after the reference date: a late sample's result comes in before midnight
        resulted = min(resulted, max(self.end, sampled + dt.timedelta(minutes=15)))
        result = TestResult(
            public_id=_uuid(self.rng),
            person=person,
            test_type=test_type,
            sampled_at=sampled,
            resulted_at=resulted,
            result=outcome,
            ct_value=(
                decimal.Decimal(f"{self.rng.uniform(16, 34):.1f}")
                if pcr and outcome == Outcome.POSITIVE and pool is None
                else None
            ),
            reason=reason,
            submitter=submitter,
            external_id=f"demo-{self.ctx.seed}-{self.serial}" if external and pcr else "",
            pool=pool,
            area=person.residence,
            province_code=self.ctx.province.code,
        )
        self.results.append(result)
        return result

    # --- who gets infected, and when

    def infections(self) -> dict[int, dt.date]:
        """person pk -> day of infection found (at most once), growing to LAST_DAY_INFECTIONS × scale."""
        days = (self.on - FIRST_DAY).days
        people = [p for p in self.ctx.people if p.residence is not None]
        weights = [3.0 if _district(p.residence) in LEVEL_4_DISTRICTS else 1.0 for p in people]
        infected: dict[int, dt.date] = {}
        scale = float(self.ctx.scale)
        carry = 0.0
        for offset in range(days + 1):
            day = FIRST_DAY + dt.timedelta(days=offset)
            expected = LAST_DAY_INFECTIONS * scale * math.exp(-GROWTH * (days - offset)) + carry
            count = int(expected)
            carry = expected - count
            for person in self.rng.choices(people, weights=weights, k=count):
                infected.setdefault(person.pk, day)
        return infected

    # --- the activities

    def rounds(self, infected: dict[int, dt.date]) -> None:
        by_commune = defaultdict(list)
        for person in self.ctx.people:
            if person.residence is not None:
                by_commune["/".join(person.residence.path.split("/")[:3])].append(person)
        pool_serial = 0
        for commune in self.ctx.communes:
            district = _district(commune)
            residents = by_commune.get(commune.path, [])
            station = self.stations.get(commune.path)
            for days_before, share in ROUNDS_LEVEL_4 if district in LEVEL_4_DISTRICTS else ROUNDS_OTHER:
                day = self.on - dt.timedelta(days=days_before)
                tested = [
                    p for p in residents if self.rng.random() < share and infected.get(p.pk, day) >= day
                ]
                self.in_round.update((p.pk, day) for p in tested if infected.get(p.pk) == day)
                if district in POOLED_DISTRICTS:
                    for start in range(0, len(tested), POOL_SIZE):
                        members = tested[start : start + POOL_SIZE]
                        positive = any(infected.get(p.pk) == day for p in members)
                        pool_serial += 1
                        pool = Pool(
                            public_id=_uuid(self.rng),
                            submitter=self.pool_lab,
                            code=f"R{day:%d%m}-{commune.code}-{pool_serial:05d}",
                            sampled_at=_at(self.rng, day, 7, 8),
                            result=Outcome.POSITIVE if positive else Outcome.NEGATIVE,
                        )
                        pool.resulted_at = pool.sampled_at + dt.timedelta(hours=10)
                        self.pools.append(pool)
                        outcome = pool.result
                        for person in members:
                            self.result(
                                person,
                                day,
                                TestType.POOLED_RT_PCR,
                                outcome,
                                Reason.SCREENING,
                                self.pool_lab,
                                pool,
                            )
                        if positive:  # the members re-tested one by one the next day
                            for person in members:
                                ill = infected.get(person.pk) == day
                                self.result(
                                    person,
                                    day + dt.timedelta(days=1),
                                    TestType.RT_PCR,
                                    Outcome.POSITIVE if ill else Outcome.NEGATIVE,
                                    Reason.SCREENING,
                                    self.hospital_lab,
                                    pool,
                                )
                else:
                    for person in tested:
                        if infected.get(person.pk) == day:
                            continue  # found below, with the other community cases of the day
                        self.result(
                            person, day, TestType.ANTIGEN, Outcome.NEGATIVE, Reason.SCREENING, station
                        )

    def community_and_contacts(self, infected: dict[int, dt.date]) -> None:
        by_pk = {p.pk: p for p in self.ctx.people}
        household = {}
        for h in self.ctx.households:
            for member in h.members:
                household[member.pk] = h.members
        found_by_day = sorted(infected.items(), key=lambda item: (item[1], item[0]))
        for pk, day in found_by_day:
            person = by_pk[pk]
            in_round = (pk, day) in self.in_round
            if in_round and _district(person.residence) in POOLED_DISTRICTS:
                continue  # found by its positive pool in a round, re-tested above
            if in_round or self.rng.random() < COMMUNITY_SHARE or day == FIRST_DAY:
                reason = Reason.SCREENING if in_round else Reason.SYMPTOMS
                self.result(person, day, TestType.ANTIGEN, Outcome.POSITIVE, reason, self.station_of(person))
                self.result(
                    person,
                    day + dt.timedelta(days=1),
                    TestType.RT_PCR,
                    Outcome.POSITIVE,
                    reason,
                    self.hospital_lab,
                )
            else:
                self.result(person, day, TestType.RT_PCR, Outcome.POSITIVE, Reason.CONTACT, self.hospital_lab)
            # the household of a case is tested as contacts a day or two later
            contact_day = day + dt.timedelta(days=self.rng.randint(1, 2))
            for other in household.get(pk, ()):
                if other.pk != pk and other.pk not in infected:
                    outcome = Outcome.POSITIVE if self.rng.random() < CONTACT_POSITIVE else Outcome.NEGATIVE
                    self.result(
                        other, contact_day, TestType.RT_PCR, outcome, Reason.CONTACT, self.hospital_lab
                    )
        # false positive rapid tests among the screened, discarded by the RT-PCR of the next day
        negatives = [
            r for r in self.results if r.test_type == TestType.ANTIGEN and r.result == Outcome.NEGATIVE
        ]
        positives = sum(
            1 for r in self.results if r.test_type == TestType.ANTIGEN and r.result == Outcome.POSITIVE
        )
        for result in self.rng.sample(negatives, min(len(negatives), round(positives * FALSE_ANTIGEN_SHARE))):
            result.result = Outcome.POSITIVE
            day = result.sampled_at.astimezone(LOCAL_TZ).date() + dt.timedelta(days=1)
            self.result(
                result.person, day, TestType.RT_PCR, Outcome.NEGATIVE, result.reason, self.hospital_lab
            )


def make_results(ctx: Context) -> int:
    maker = _Maker(ctx)
    if maker.hospital_lab is None or not ctx.people:
        return 0
    infected = maker.infections()
    maker.rounds(infected)
    maker.community_and_contacts(infected)
    results = sorted(maker.results, key=lambda r: (r.sampled_at, r.public_id))
    Pool.objects.bulk_create(maker.pools, batch_size=1000)
    for start in range(0, len(results), 5000):
        bulk.insert(results[start : start + 5000])
    _act(ctx, results)
    return len(results)


def _act(ctx: Context, results: list[TestResult]) -> None:
    """What the pipeline's act step does, in time order: re-test tasks of positive pools, and the cases."""
    assignees = Assignees()
    for start in range(0, len(results), 2000):
        chunk = results[start : start + 2000]
        raise_many(pools.retest_tasks(chunk, assignees))
        pools.close_retest_tasks(chunk)
        ingest.on_results([r for r in chunk if ingest.concerns(r)], assignees=assignees)
    stale = Task.objects.filter(
        status=TaskStatus.OPEN, due_date__lt=ctx.reference_date - dt.timedelta(days=1)
    ).filter(organization__in=ctx.organizations)
    close_many(list(stale), note="done")
