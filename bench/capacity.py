"""Benchmark: the data of the capacity pages for a province of 200 facilities and 50,000 admissions.

    .venv/bin/python bench/capacity.py [--facilities 200] [--admissions 50000] [--horizon 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/capacity.py

Runs on the configured database engine in a database of its own (`bench_capacity` on PostgreSQL, a file under
var/ on SQLite), created, migrated and dropped by the run: it never touches real data. It

1. loads Bạc Liêu's areas and a population, then generates 200 facilities (tiers, two capacity changes each,
   one planned) and 50,000 cases with one stay each over 90 days, about one in ten still in a bed;
2. baseline: the plain SQL count of current admissions per facility (and tier), fetched;
3. the pages' data through the app: capacity, occupancy and alerts of every facility with the totals (the
   overview), then the 30-day projection from the line list with its backtest (the planner).

It prints the time of each step, then the ratio (overview + planner) / baseline as the last line. The goal is the
whole page's data under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiwatch.settings")
os.environ.setdefault("EPIWATCH_ALLOW_INSECURE_KEY", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from epiwatch.care import capacity, planning  # noqa: E402
from epiwatch.care.models import FIGURES, Admission, CapacityChange, Facility, FacilityKind  # noqa: E402
from epiwatch.cases.models import Case  # noqa: E402
from epiwatch.geo.loading import load_dataset  # noqa: E402
from epiwatch.geo.models import Area, AreaKind, Population  # noqa: E402
from epiwatch.people.models import Person  # noqa: E402

DATASET = "vn-2021"
PROVINCE = "95"
DAYS = 90
BATCH = 5000
SEVERITIES = ["asymptomatic"] * 45 + ["mild"] * 40 + ["moderate"] * 11 + ["severe"] * 3 + ["critical"]
TIER = {"asymptomatic": 1, "mild": 1, "moderate": 2, "severe": 3, "critical": 3}


def load_province() -> tuple[Area, list[Area]]:
    load_dataset(DATASET, province=PROVINCE)
    province = Area.objects.get(dataset=DATASET, code=PROVINCE)
    communes = list(Area.objects.subtree(province).of_kind(AreaKind.COMMUNE).order_by("code"))
    Population.objects.bulk_create(
        Population(
            area=c, year=2021, total=14_000, age_0_4=1_000, age_5_17=3_000, age_18_64=9_000, age_65_plus=1_000
        )
        for c in communes
    )
    return province, communes


def load_facilities(n: int, communes: list[Area], today: dt.date, rng: random.Random) -> list[Facility]:
    kinds = [
        FacilityKind.HOSPITAL,
        FacilityKind.FIELD_HOSPITAL,
        FacilityKind.FIELD_HOSPITAL,
        FacilityKind.COMMUNE_STATION,
    ]
    facilities = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        tiers = (
            {1, 2, 3}
            if kind == FacilityKind.HOSPITAL and i % 8 == 0
            else ({1, 2} if kind != FacilityKind.COMMUNE_STATION else {1})
        )
        area = communes[i % len(communes)]
        facilities.append(
            Facility(
                code=f"bench-{i:04d}",
                name=f"Cơ sở {i}",
                kind=kind,
                area=area,
                province_code=PROVINCE,
                serves_tier_1=1 in tiers,
                serves_tier_2=2 in tiers,
                serves_tier_3=3 in tiers,
                designated=3 in tiers,
            )
        )
    Facility.objects.bulk_create(facilities)
    changes = []
    for f in facilities:
        for since, scale in (
            (today - dt.timedelta(days=DAYS + 10), 1.0),
            (today + dt.timedelta(days=7), 1.4),
        ):
            beds = {t: (rng.randint(20, 120) if f.serves(t) else 0) for t in (1, 2, 3)}
            values = dict(zip(FIGURES, [0] * len(FIGURES), strict=True))
            values.update(
                beds_tier_1=int(beds[1] * scale),
                beds_tier_2=int(beds[2] * scale),
                beds_tier_3=beds[3],
                icu_beds=beds[3] // 3,
                ventilators=beds[3] // 5,
                oxygen_points=beds[2],
                doctors=5 + beds[2] // 10 + beds[3] // 3,
                icu_doctors=beds[3] // 6,
                nurses=10 + beds[2] // 3 + beds[3],
            )
            changes.append(CapacityChange(facility=f, effective_from=since, **values))
    CapacityChange.objects.bulk_create(changes, batch_size=BATCH)
    return facilities


def load_stays(
    n: int, communes: list[Area], facilities: list[Facility], today: dt.date, rng: random.Random
) -> int:
    """n people, each a confirmed case with one stay; cases grow over the 90 days, recent ones still in a bed."""
    by_tier = {t: [f for f in facilities if f.serves(t)] for t in (1, 2, 3)}
    start = today - dt.timedelta(days=DAYS)
    for first in range(0, n, BATCH):
        size = min(BATCH, n - first)
        people = [
            Person(
                full_name=f"Người {first + i}",
                name_norm=f"nguoi {first + i}",
                birth_year=1950 + i % 60,
                residence=communes[(first + i) % len(communes)],
            )
            for i in range(size)
        ]
        Person.objects.bulk_create(people)
        cases, stays = [], []
        for person in people:
            # more cases lately: the square root of a uniform draw leans towards the end of the span
            day = start + dt.timedelta(days=int(DAYS * rng.random() ** 0.5))
            severity = rng.choice(SEVERITIES)
            case = Case(
                person=person,
                classification="confirmed",
                report_date=day,
                area=person.residence,
                province_code=PROVINCE,
                severity=severity,
            )
            cases.append(case)
            tier = TIER[severity]
            admitted = timezone.make_aware(
                dt.datetime.combine(day + dt.timedelta(days=tier - 1), dt.time(10))
            )
            stay_days = rng.randint(5, 14 + 2 * tier)
            discharged = admitted + dt.timedelta(days=stay_days)
            still = discharged > timezone.now()
            stays.append(
                Admission(
                    case=case,
                    facility=rng.choice(by_tier[tier]),
                    tier=tier,
                    support="ventilator" if severity == "critical" else ("oxygen" if tier > 1 else "none"),
                    admitted_at=min(admitted, timezone.now() - dt.timedelta(hours=1)),
                    discharged_at=None if still else discharged,
                    discharge_reason="" if still else "recovered",
                    province_code=PROVINCE,
                )
            )
        Case.objects.bulk_create(cases)
        Admission.objects.bulk_create(stays)
    return n


def baseline() -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT facility_id, tier, COUNT(*) FROM care_admission WHERE discharged_at IS NULL GROUP BY facility_id, tier"
        )
        cursor.fetchall()
    return time.perf_counter() - started


def overview(province: Area) -> tuple[float, capacity.Totals]:
    started = time.perf_counter()
    facilities = list(Facility.objects.active().in_area(province).select_related("area", "organization"))
    rows = capacity.statuses(facilities, threshold=capacity.alert_threshold(province))
    total = capacity.totals(rows)
    return time.perf_counter() - started, total


def planner_page(province: Area, horizon: int):
    started = time.perf_counter()
    today = planning.last_report_day(province)
    plan, test = planning.plan(province, horizon, today)
    return time.perf_counter() - started, plan, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facilities", type=int, default=200)
    parser.add_argument("--admissions", type=int, default=50_000)
    parser.add_argument("--horizon", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--profile", action="store_true", help="print where the planner spends its time")
    args = parser.parse_args()

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        var = Path(__file__).resolve().parent.parent / "var"
        var.mkdir(exist_ok=True)
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": str(var / "bench_capacity.sqlite3")}
    else:
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": "bench_capacity"}
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(args.seed)
        today = timezone.localdate()
        started = time.perf_counter()
        with transaction.atomic():
            province, communes = load_province()
            facilities = load_facilities(args.facilities, communes, today, rng)
            load_stays(args.admissions, communes, facilities, today, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        open_now = Admission.objects.open().count()
        print(
            f"data: {len(facilities):,} facilities, {Admission.objects.count():,} admissions ({open_now:,} in a bed) "
            f"on {connection.vendor} in {time.perf_counter() - started:.1f} s"
        )
        base = min(baseline() for _ in range(5))
        print(
            f"baseline (plain SQL count of current admissions per facility, best of 5): {base * 1000:.1f} ms"
        )
        took_overview, total = min((overview(province) for _ in range(3)), key=lambda r: r[0])
        print(
            f"overview (capacity, occupancy, alerts of {total.facilities} facilities, best of 3): {took_overview * 1000:.1f} ms"
            f" — {total.free:,} free beds of {total.beds:,}, {total.alerts} alerts"
        )
        took_plan, plan, test = min(
            (planner_page(province, args.horizon) for _ in range(3)), key=lambda r: r[0]
        )
        first = plan.projection.first_run_out
        print(
            f"planner ({args.horizon}-day projection and 14-day backtest, best of 3): {took_plan * 1000:.1f} ms"
            f" — R {plan.projection.growth.reproduction:.2f}, first run-out "
            f"{first.resource + ' ' + first.day.isoformat() if first else 'none'},"
            f" backtest cases error {100 * (test.get('cases').relative_error or 0):.0f} %"
        )
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(planner_page, province, args.horizon)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        whole = took_overview + took_plan
        print(f"whole page data: {whole * 1000:.1f} ms (goal < 1000 ms)")
        print(f"ratio (overview + planner) / baseline: {whole / base:.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
