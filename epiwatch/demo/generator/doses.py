"""Step "doses": COVID-19 vaccination of the generated people up to the reference date, near the Bạc Liêu seed.

The seed report of 4 November 2021: 490,121 people with at least one dose (75 % of adults) and 107,376 fully
vaccinated (16 % of adults, two doses); target 90 % of adults by 10 November. So, on the reference date:

- 75 % of the generated adults have a first dose (a little fewer of the 65+: 70 %, they came last to the sites),
  dated along the province's campaign: a trickle from March (health workers), more in August and September, the
  mass campaign of October and the first days of November;
- 16 % of the adults completed the primary series: those who had their first dose earliest, with the product's
  interval (AstraZeneca 8-12 weeks, a tenth of them completed with Pfizer; Vero Cell 3-4 weeks; Pfizer 3 weeks;
  Moderna 4 weeks); one in 200 second doses comes a week early and is flagged for review, as in real registers;
- nobody under 18 yet, no booster;
- a few of the unvaccinated have deferrals: a permanent contraindication, an acute illness, a pregnancy, a refusal,
  an absence.

The doses are recorded by the commune station of each person's commune. At a scale below 1 the generated people
are a sample: for the coverage percentages to be those of the whole province, each commune also gets aggregate
counts (`CoverageCount`, shown as "aggregate") of its generated figures divided by the scale, every week and on the
reference date. At scale 1 there are none. Statuses are computed by `vaccination.status.refresh`, as for any dose.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import uuid
from collections import defaultdict

from epiwatch.accounts.models import OrgKind
from epiwatch.demo.generator.runner import Context
from epiwatch.vaccination import status
from epiwatch.vaccination.coverage import years_before
from epiwatch.vaccination.models import (
    AgeBand,
    CoverageCount,
    Deferral,
    DeferralReason,
    Dose,
    DoseLevel,
    Product,
)

BATCH = 2000

FIRST_DOSE_SHARE = {"18_64": 0.765, "65_plus": 0.70}  # gives 75 % of all adults with the demo's age structure
FULL_SHARE_OF_ADULTS = 0.164  # 107,376 of about 653,500 adults
# first doses by period (start, end inclusive, weight): Bạc Liêu's campaign, as far as the press tells it
CAMPAIGN = (
    (dt.date(2021, 3, 15), dt.date(2021, 6, 30), 3),
    (dt.date(2021, 7, 1), dt.date(2021, 8, 31), 9),
    (dt.date(2021, 9, 1), dt.date(2021, 9, 30), 14),
    (dt.date(2021, 10, 1), dt.date(2021, 10, 31), 56),
    (dt.date(2021, 11, 1), dt.date(2021, 11, 4), 18),
)
# products of first doses (weight), and (min, max) days to the second dose
PRODUCTS = (("astrazeneca", 42), ("sinopharm", 36), ("pfizer", 16), ("moderna", 6))
SECOND_DOSE_DAYS = {"astrazeneca": (56, 84), "sinopharm": (21, 28), "pfizer": (21, 28), "moderna": (28, 35)}
MIXED_AFTER_ASTRAZENECA = 0.10  # completed with Pfizer
EARLY_SECOND_DOSE = 0.005  # a week before the product's minimum: flagged for review
DEFERRALS = (  # (reason, permanent, share of the unvaccinated adults, days it lasts)
    (DeferralReason.CONTRAINDICATION, True, 0.004, None),
    (DeferralReason.ACUTE_ILLNESS, False, 0.006, 14),
    (DeferralReason.REFUSED, False, 0.02, None),
    (DeferralReason.AWAY, False, 0.015, 60),
)
COUNT_EVERY_DAYS = 7


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _day_in_campaign(rng: random.Random, last: dt.date) -> dt.date:
    periods = [(a, min(b, last)) for a, b, _w in CAMPAIGN if a <= last]
    weights = [w for a, _b, w in CAMPAIGN if a <= last]
    start, end = rng.choices(periods, weights=weights)[0]
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _band(person, on: dt.date) -> str | None:
    born = person.date_of_birth
    if born is None or born > years_before(on, 18):
        return None
    return AgeBand.ELDERLY if born <= years_before(on, 65) else AgeBand.ADULTS_18_64


def make_doses(ctx: Context) -> int:
    rng = ctx.rng("doses")
    on = ctx.reference_date
    products = {p.code: p for p in Product.objects.all()}
    stations = {o.area_id: o for o in ctx.organizations_of_kind(OrgKind.COMMUNE_STATION)}
    if not products or not stations:
        return 0
    commune_of = {v.pk: c for c in ctx.communes for v in ctx.villages.get(c.pk, [])}
    commune_of.update({c.pk: c for c in ctx.communes})

    adults = [(p, band) for p in ctx.people if (band := _band(p, on))]
    first: list[tuple] = []  # (person, band, day, product code)
    unvaccinated = []
    for person, band in adults:
        if rng.random() < FIRST_DOSE_SHARE[band]:
            code = rng.choices([c for c, _w in PRODUCTS], weights=[w for _c, w in PRODUCTS])[0]
            first.append((person, band, _day_in_campaign(rng, on), code))
        else:
            unvaccinated.append(person)
    # the earliest first doses are the ones completed by now
    wanted_full = round(FULL_SHARE_OF_ADULTS * len(adults))
    doses: list[Dose] = []
    serial = 0

    def dose(person, number, code, day) -> Dose:
        nonlocal serial
        serial += 1
        commune = commune_of[person.residence_id]
        station = stations.get(commune.pk)
        return Dose(
            public_id=_uuid(rng),
            person=person,
            dose_number=number,
            product=products[code],
            given_on=day,
            site=station,
            submitter=station,
            lot=f"{code[:2].upper()}{rng.randrange(1000, 9999)}",
            external_id=f"demo-{ctx.seed}-{serial}",
            area=person.residence,
            province_code=ctx.province.code,
        )

    full = 0
    for person, _band_name, day, code in sorted(first, key=lambda f: (f[2], f[0].public_id)):
        if (
            commune_of.get(person.residence_id) is None
            or stations.get(commune_of[person.residence_id].pk) is None
        ):
            continue
        doses.append(dose(person, 1, code, day))
        low, high = SECOND_DOSE_DAYS[code]
        early = rng.random() < EARLY_SECOND_DOSE
        second_day = day + dt.timedelta(days=(low - 7) if early else rng.randint(low, high))
        if full < wanted_full and second_day <= on:
            second = "pfizer" if code == "astrazeneca" and rng.random() < MIXED_AFTER_ASTRAZENECA else code
            doses.append(dose(person, 2, second, second_day))
            full += 1
    for start in range(0, len(doses), BATCH):
        Dose.objects.bulk_create(doses[start : start + BATCH])
    status.refresh(d.person_id for d in doses)
    deferrals = _deferrals(ctx, rng, unvaccinated, stations, commune_of)
    counts = _aggregate_counts(ctx, doses, stations, commune_of)
    return len(doses) + deferrals + counts


def _deferrals(ctx: Context, rng: random.Random, unvaccinated: list, stations, commune_of) -> int:
    on = ctx.reference_date
    rows = []
    for person in unvaccinated:
        station = stations.get(getattr(commune_of.get(person.residence_id), "pk", None))
        if station is None:
            continue
        if person.pregnant:
            reason, permanent, lasts = DeferralReason.PREGNANCY, False, 120
        else:
            draw, chosen = rng.random(), None
            for reason_, permanent_, share, lasts_ in DEFERRALS:
                if draw < share:
                    chosen = (reason_, permanent_, lasts_)
                    break
                draw -= share
            if chosen is None:
                continue
            reason, permanent, lasts = chosen
        recorded = on - dt.timedelta(days=rng.randrange(1, 30))
        rows.append(
            Deferral(
                public_id=_uuid(rng),
                person=person,
                reason=reason,
                permanent=permanent,
                until=recorded + dt.timedelta(days=lasts) if lasts else None,
                recorded_on=recorded,
                recorded_by=station,
            )
        )
    Deferral.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _aggregate_counts(ctx: Context, doses: list[Dose], stations, commune_of) -> int:
    """Per commune, week and adult band: the generated people with a first dose and fully vaccinated by then,
    divided by the scale (none at scale 1)."""
    if ctx.scale >= 1:
        return 0
    on = ctx.reference_date
    milestones: dict[int, dict[str, dt.date]] = defaultdict(dict)  # person pk -> level -> day
    person_of = {}
    for d in doses:
        person_of[d.person_id] = d.person
        level = DoseLevel.ONE_DOSE if d.dose_number == 1 else DoseLevel.FULL
        milestones[d.person_id][level] = d.given_on
    first_day = min((d.given_on for d in doses), default=on)
    days = []
    day = on
    while day >= first_day:
        days.append(day)
        day -= dt.timedelta(days=COUNT_EVERY_DAYS)
    scale = float(ctx.scale)
    reached_on: dict[tuple, list[dt.date]] = defaultdict(list)  # (commune pk, band, level) -> days
    for person_pk, reached in milestones.items():
        person = person_of[person_pk]
        key = (commune_of[person.residence_id].pk, _band(person, on))
        for level, when in reached.items():
            reached_on[(*key, level)].append(when)
    rows = []
    for (commune_pk, band, level), when in sorted(reached_on.items()):
        when.sort()
        for day in days:
            count = bisect.bisect_right(when, day)
            if count:
                rows.append(
                    CoverageCount(
                        area_id=commune_pk,
                        on=day,
                        age_band=band,
                        level=level,
                        count=round(count / scale),
                        submitter=stations[commune_pk],
                    )
                )
    CoverageCount.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
