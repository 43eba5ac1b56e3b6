"""Benchmark: vaccination coverage of every area and age band of a province of 1,000,000 people, 2,000,000 doses.

    .venv/bin/python bench/coverage.py [--people 1000000] [--doses-per-person 2.0] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/coverage.py

Runs on the configured database engine but in a database of its own (`bench_coverage` on PostgreSQL, a file under
var/ on SQLite), created, migrated and dropped by the run: it never touches real data. It

1. builds a province (10 districts, 150 communes, 750 villages with population figures) and N people living in the
   villages (COPY on PostgreSQL, executemany on SQLite), then about 2 doses per person: 85 % with a first dose, most
   with a second, some with a booster (first the doses, then the per-person statuses with the real
   `vaccination.status.rebuild`, timed on its own: it is the one-off cost of a bulk load, not of coverage);
2. baseline: one plain SQL `GROUP BY` of the doses per area (`SELECT area_id, COUNT(*) FROM vaccination_dose GROUP
   BY area_id`), the least a per-area count must read;
3. `vaccination.coverage.coverage_by_area(province, day)`: every area (province, districts, communes, villages),
   every age band and dose level, with population, aggregate counts, targets and the roll-up.

Each of 2 and 3 is timed `--repeat` times and the best is kept. It prints both times, the coverage figures of the
province as a sanity check, then the ratio coverage / baseline as the last line (lower is better; the goal is at
most 2, with coverage under 2 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiwatch.settings")
os.environ.setdefault("EPIWATCH_ALLOW_INSECURE_KEY", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from epiwatch.accounts.models import Organization, OrgKind  # noqa: E402
from epiwatch.geo.models import Area, AreaKind, Population  # noqa: E402
from epiwatch.people.models import Person  # noqa: E402
from epiwatch.vaccination import coverage, status  # noqa: E402
from epiwatch.vaccination.models import Product  # noqa: E402

PROVINCE = "95"
DISTRICTS, COMMUNES_PER_DISTRICT, VILLAGES_PER_COMMUNE = 10, 15, 5
DAY = dt.date(2021, 11, 4)
# ages (share of people): 0-4, 5-11, 12-17, 18-64, 65+
AGE_BANDS = ((0, 4, 0.07), (5, 11, 0.11), (12, 17, 0.09), (18, 64, 0.64), (65, 95, 0.09))
PERSON_COLUMNS = (
    "public_id, full_name, name_norm, date_of_birth, birth_year, sex, phone, residence_id, address, comorbidities, "
    "pregnant, created_at, modified_at"
)
DOSE_COLUMNS = (
    "public_id, person_id, dose_number, product_id, given_on, site_id, submitter_id, lot, external_id, area_id, "
    "province_code, needs_review, review_flags, created_at, modified_at"
)
BASELINE_SQL = "SELECT area_id, COUNT(*) FROM vaccination_dose GROUP BY area_id"


def build_areas() -> tuple[Area, list[Area], list[Area]]:
    province = Area.objects.create(code=PROVINCE, name="Tỉnh thử", kind=AreaKind.PROVINCE, path=PROVINCE)
    communes, villages = [], []
    for d in range(DISTRICTS):
        district = Area.objects.create(
            code=f"9{d:02d}", name=f"Huyện {d}", kind=AreaKind.DISTRICT, parent=province, path=f"95/9{d:02d}"
        )
        for c in range(COMMUNES_PER_DISTRICT):
            code = f"3{d:02d}{c:02d}"
            commune = Area.objects.create(
                code=code,
                name=f"Xã {d}.{c}",
                kind=AreaKind.COMMUNE,
                parent=district,
                path=f"{district.path}/{code}",
            )
            communes.append(commune)
            for v in range(VILLAGES_PER_COMMUNE):
                vcode = f"{code}-{v:02d}"
                villages.append(
                    Area(
                        code=vcode,
                        name=f"Ấp {v}",
                        kind=AreaKind.VILLAGE,
                        parent=commune,
                        path=f"{commune.path}/{vcode}",
                    )
                )
    Area.objects.bulk_create(villages)
    return province, communes, list(Area.objects.filter(kind=AreaKind.VILLAGE).order_by("pk"))


def add_population(communes: list[Area], people: int) -> None:
    per_commune = people // len(communes)
    rows = []
    for commune in communes:
        shares = [round(per_commune * share) for _lo, _hi, share in AGE_BANDS]
        bands = (shares[0], shares[1] + shares[2], shares[3], shares[4])
        rows.append(
            Population(
                area=commune,
                year=2021,
                total=sum(bands),
                age_0_4=bands[0],
                age_5_17=bands[1],
                age_18_64=bands[2],
                age_65_plus=bands[3],
            )
        )
    Population.objects.bulk_create(rows)


def _age(rng: random.Random) -> int:
    draw = rng.random()
    for low, high, share in AGE_BANDS:
        if draw < share:
            return rng.randint(low, high)
        draw -= share
    return 40


def _rows_people(n: int, villages: list[Area], rng: random.Random, now: dt.datetime):
    for i in range(n):
        age = _age(rng)
        born = DAY - dt.timedelta(days=365 * age + rng.randrange(365))
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            f"Người {i}",
            f"nguoi {i}",
            born,
            born.year,
            "M" if i % 2 else "F",
            "",
            villages[i % len(villages)].pk,
            "",
            "[]",
            False,
            now,
            now,
        )


def _rows_doses(
    people: list[tuple[int, int, dt.date]], products: list[int], site: int, rng: random.Random, n: int, now
):
    """About n doses: a first dose for 85 % of the people aged 12 and over, then seconds, then boosters."""
    oldest_child = DAY.replace(year=DAY.year - 12)
    eligible = sum(1 for _p, _a, born in people if born <= oldest_child)
    first = 0.85 * eligible
    rest = max(0.0, n - first)
    second_share = min(1.0, rest / first)  # of the people with a first dose
    booster_share = min(1.0, max(0.0, rest - first) / first)  # of those with a second one
    serial = 0
    for person_id, area_id, born in people:
        if born > oldest_child or rng.random() >= 0.85:
            continue
        product = rng.choice(products)
        day = DAY - dt.timedelta(days=rng.randrange(20, 240))
        days = [day]
        if rng.random() < second_share:
            days.append(day + dt.timedelta(days=rng.randint(21, 60)))
            if rng.random() < booster_share:
                days.append(days[-1] + dt.timedelta(days=rng.randint(90, 150)))
        for number, given in enumerate(days, start=1):
            serial += 1
            yield (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                person_id,
                number,
                product,
                given,
                site,
                site,
                "",
                f"B{serial}",
                area_id,
                PROVINCE,
                False,
                "[]",
                now,
                now,
            )


def _copy(table: str, columns: str, rows) -> int:
    count = 0
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["?"] * len(columns.split(",")))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - constant names
            chunk = []
            for row in rows:
                chunk.append(tuple(_sqlite(v) for v in row))
                count += 1
                if len(chunk) == 50_000:
                    raw.executemany(insert, chunk)
                    chunk = []
            raw.executemany(insert, chunk)
    return count


def _sqlite(value):
    """Django's SQLite storage: UUIDs as 32 hex digits, dates ISO, naive UTC datetimes with a space."""
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return value.replace("-", "")
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def baseline() -> list:
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL)
        return cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--people", type=int, default=1_000_000, help="people in the province (default 1,000,000)"
    )
    parser.add_argument("--doses-per-person", type=float, default=2.0, help="doses per person (default 2.0)")
    parser.add_argument("--repeat", type=int, default=3, help="timings to take the best of (default 3)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's database (to look into it)")
    args = parser.parse_args()

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        var = Path(__file__).resolve().parent.parent / "var"
        var.mkdir(exist_ok=True)
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": str(var / "bench_coverage.sqlite3")}
    else:
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": "bench_coverage"}
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(args.seed)
        now = dt.datetime.now(dt.UTC)
        province, communes, villages = build_areas()
        add_population(communes, args.people)
        site = Organization.objects.create(
            code="bench-site", name="Điểm tiêm", kind=OrgKind.CDC, area=province
        )
        started = time.perf_counter()
        _copy("people_person", PERSON_COLUMNS, _rows_people(args.people, villages, rng, now))
        people = list(Person.objects.order_by("pk").values_list("pk", "residence_id", "date_of_birth"))
        products = list(Product.objects.filter(primary_doses=2).values_list("pk", flat=True))
        wanted = round(args.people * args.doses_per_person)
        doses = _copy(
            "vaccination_dose", DOSE_COLUMNS, _rows_doses(people, products, site.pk, rng, wanted, now)
        )
        loaded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{connection.vendor}: {args.people:,} people and {doses:,} doses loaded in {loaded:.1f} s")
        started = time.perf_counter()
        statuses = status.rebuild(PROVINCE)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"statuses: {statuses:,} people's status rebuilt from the doses in {time.perf_counter() - started:.1f} s"
        )

        base, groups = best_of(args.repeat, baseline)
        print(f"baseline: {BASELINE_SQL}: {len(groups):,} groups in {base:.3f} s")
        areas = Area.objects.subtree(province).count()
        took, result = best_of(args.repeat, lambda: coverage.coverage_by_area(province, DAY))
        c = result[province.pk]
        print(
            f"coverage: {areas:,} areas x 4 age bands x 3 dose levels in {took:.3f} s; province: adults "
            f"{c.adults_1dose_pct} % with a dose, {c.adults_full_pct} % full, 65+ {c.elderly_full_pct} % full, "
            f"12-17 {c.teens_1dose_pct} %"
        )
        print(f"ratio coverage / baseline: {took / base:.2f}")
    finally:
        if args.keep:
            print(f"kept the database {settings_dict['TEST']['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
