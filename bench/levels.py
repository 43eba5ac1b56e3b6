"""Benchmark: the weekly epidemic-level assessment of every unit of the country.

    .venv/bin/python bench/levels.py [--cases 1000000] [--doses 10000000] [--week-ending 2021-11-04]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/levels.py

Runs on the configured database engine but in a database of its own (`bench_levels` on PostgreSQL, a file under
var/ on SQLite), created, migrated and dropped by the run: it never touches real data. It

1. loads the whole `vn-2021` dataset (63 provinces, 705 districts, ~10,600 communes) and a population for every
   commune;
2. generates the records the assessment reads (COPY on PostgreSQL, executemany on SQLite): one person per case
   or per vaccinated person, N cases spread over four months (community, in quarantine, in a locked-down area,
   at work; a few suspected, a few deaths), and D doses (two per vaccinated person) with the per-person
   vaccination status the vaccination app keeps from them (`VaccinationStatus`, what its coverage counts);
3. baseline: the raw SQL aggregation of the same inputs alone (cases per residence in the window and the last
   case, vaccinated people per residence and age band, population per area), fetched, nothing else;
4. `levels.assessing.assess_week` for every province, district and commune: the same inputs read through
   `levels.inputs` (the vaccination app's `coverage_by_area` per province), rolled up the tree, each unit
   decided by the rule set in force, the proposals stored.

It prints the time of each step, then the ratio assessment / baseline as the last line (one figure, lower is
better; the goal is under 2 s in total on PostgreSQL and within 2x of the baseline).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
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

from django.db import connection, models, transaction  # noqa: E402

from epiwatch.accounts.models import Organization, OrgKind  # noqa: E402
from epiwatch.cases.models import Case  # noqa: E402
from epiwatch.geo.loading import load_dataset  # noqa: E402
from epiwatch.geo.models import Area, AreaKind, Population  # noqa: E402
from epiwatch.levels import assessing  # noqa: E402
from epiwatch.levels.models import Assessment  # noqa: E402
from epiwatch.people.models import Person  # noqa: E402
from epiwatch.vaccination.models import Dose, Product, VaccinationStatus  # noqa: E402

DATASET = "vn-2021"
FIRST_CASE = dt.date(2021, 7, 1)
FIRST_DOSE = dt.date(2021, 6, 1)

SETTINGS = ["community"] * 12 + ["quarantine"] * 6 + ["lockdown"] + ["workplace"]


# --- writing rows fast -----------------------------------------------------------------------------------------


def _sqlite_value(value):
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def copy_rows(table: str, columns: tuple[str, ...], rows) -> int:
    """COPY on PostgreSQL, executemany in chunks on SQLite; returns the number of rows.

    On PostgreSQL the foreign-key triggers are off for the load (`session_replication_role = replica`, when the
    role may set it): the generated rows are consistent by construction, and Django's deferred FK checks would
    otherwise queue one trigger event per row and key until the commit (tens of millions at full size).
    """
    count = 0
    with connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        if connection.vendor == "postgresql":
            replica = _try(raw, "SET session_replication_role = replica")
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            if replica:
                raw.execute("SET session_replication_role = DEFAULT")
        else:
            marks = ", ".join(["?"] * len(columns))
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            chunk = []
            for row in rows:
                chunk.append([_sqlite_value(v) for v in row])
                count += 1
                if len(chunk) == 50_000:
                    raw.executemany(insert, chunk)
                    chunk = []
            raw.executemany(insert, chunk)
    return count


def _constant(value):
    return lambda: value


def copy_model(model, rows, now: dt.datetime) -> int:
    """Rows (dicts by field attname) of a model, through `copy_rows`: the columns come from the model, the
    fields a row leaves out get their default (or NULL, '' or `now`), so a field added to the model later does
    not break the benchmark."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    given = [f for f in fields if f.attname in first]
    fillers = []
    for f in fields:
        if f.attname in first:
            continue
        if f.has_default():
            default = f.default
            fillers.append((f, default if callable(default) else _constant(f.get_default())))
        elif f.null:
            fillers.append((f, lambda: None))
        elif isinstance(f, models.DateTimeField):
            fillers.append((f, lambda: now))
        elif isinstance(f, models.CharField | models.TextField):
            fillers.append((f, lambda: ""))
        else:
            raise ValueError(f"{model.__name__}.{f.attname} needs a value in the generated rows")
    as_json = {f.attname for f in fields if isinstance(f, models.JSONField)}
    names = [f.attname for f in given]
    columns = tuple(f.column for f in given) + tuple(f.column for f, _fill in fillers)

    def values():
        for row in itertools.chain([first], rows):
            out = [row[n] for n in names] + [fill() for _f, fill in fillers]
            if as_json:
                out = [
                    json.dumps(v) if n in as_json else v
                    for n, v in zip(names + [f.attname for f, _ in fillers], out, strict=True)
                ]
            yield out

    return copy_rows(model._meta.db_table, columns, values())


def _try(raw, sql: str) -> bool:
    """Run a statement a non-superuser may not be allowed to run; False (and nothing changed) when refused."""
    raw.execute("SAVEPOINT bench_try")
    try:
        raw.execute(sql)
    except Exception:  # noqa: BLE001 - permission denied: load with the checks on
        raw.execute("ROLLBACK TO SAVEPOINT bench_try")
        return False
    raw.execute("RELEASE SAVEPOINT bench_try")
    return True


# --- the data --------------------------------------------------------------------------------------------------


def load_country() -> tuple[list[Area], dict[int, str]]:
    load_dataset(DATASET)
    communes = list(Area.objects.filter(dataset=DATASET, kind=AreaKind.COMMUNE).order_by("path"))
    return communes, {c.pk: c.province_code for c in communes}


def load_population(communes: list[Area], rng: random.Random) -> int:
    def rows():
        for commune in communes:
            total = rng.randint(3_000, 25_000)
            young, school, elderly = total * 7 // 100, total * 18 // 100, total * rng.randint(7, 12) // 100
            yield {
                "area_id": commune.pk,
                "year": 2021,
                "total": total,
                "age_0_4": young,
                "age_5_17": school,
                "age_18_64": total - young - school - elderly,
                "age_65_plus": elderly,
                "source": "bench",
            }

    return copy_model(Population, rows(), dt.datetime.now(dt.UTC))


def _hash(i: int, salt: int) -> int:
    """A cheap, well-mixed 32-bit number for person i: the generated people, cases and doses are functions of
    their index, so nothing of the millions of rows has to be kept in memory."""
    h = (i * 2654435761 + salt * 40503) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 2246822519) & 0xFFFFFFFF
    return h ^ (h >> 13)


class People:
    """Person i (1-based, the id it gets in an empty table) lives in a commune and was born on a day."""

    def __init__(self, n: int, communes: list[Area], provinces: dict[int, str]):
        self.n = n
        self.communes = [c.pk for c in communes]
        self.provinces = provinces

    def residence(self, i: int) -> int:
        return self.communes[_hash(i, 1) % len(self.communes)]

    def born(self, i: int) -> dt.date:
        # ages 5 to 91 on the week assessed, about 13 % aged 65+
        return dt.date(1930, 1, 1) + dt.timedelta(days=_hash(i, 2) % (86 * 365))


def load_people(people: People, now: dt.datetime) -> None:
    def rows():
        for i in range(1, people.n + 1):
            born = people.born(i)
            yield {
                "full_name": f"Nguyễn Văn {i}",
                "name_norm": f"nguyen van {i}",
                "date_of_birth": born,
                "birth_year": born.year,
                "sex": "M" if i % 2 else "F",
                "residence_id": people.residence(i),
            }

    copy_model(Person, rows(), now)
    first, last, count = _fetch("SELECT MIN(id), MAX(id), COUNT(*) FROM people_person")[0]
    assert (first, last, count) == (1, people.n, people.n), "people ids are expected to run from 1 to n"


def _fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_cases(n: int, people: People, week_ending: dt.date, now) -> int:
    span = (week_ending - FIRST_CASE).days

    def rows():
        for i in range(1, n + 1):
            h = _hash(i, 3)
            # more cases in recent weeks: the square of a uniform draw leans towards the end of the span
            day = week_ending - dt.timedelta(days=int(span * ((h % 10_000) / 10_000) ** 2))
            died = h % 100 == 0
            area = people.residence(i)
            yield {
                "person_id": i,
                "classification": "suspected" if h % 20 == 1 else "confirmed",
                "detection_setting": SETTINGS[(h >> 8) % len(SETTINGS)],
                "report_date": day,
                "area_id": area,
                "province_code": people.provinces[area],
                "severity": "severe" if (h >> 16) % 33 == 0 else "mild",
                "outcome": "died" if died else "active",
                "outcome_date": day + dt.timedelta(days=5) if died else None,
            }

    return copy_model(Case, rows(), now)


def _schedule(i: int, span: int) -> tuple[dt.date, dt.date]:
    h = _hash(i, 4)
    first = FIRST_DOSE + dt.timedelta(days=h % span)
    return first, first + dt.timedelta(days=28 + (h >> 12) % 56)


def load_doses(n: int, people: People, week_ending: dt.date, now) -> int:
    """Two doses for each of the first n/2 people, and the statuses the vaccination app keeps from them."""
    product = Product.objects.get(code="astrazeneca")
    province = Area.objects.filter(dataset=DATASET, kind=AreaKind.PROVINCE).first()
    submitter = Organization.objects.create(code="bench-site", name="bench", kind=OrgKind.CDC, area=province)
    span = (week_ending - FIRST_DOSE).days

    def doses():
        for i in range(1, n // 2 + 1):
            area = people.residence(i)
            for number, day in enumerate(_schedule(i, span), start=1):
                yield {
                    "person_id": i,
                    "dose_number": number,
                    "product_id": product.pk,
                    "given_on": day,
                    "submitter_id": submitter.pk,
                    "area_id": area,
                    "province_code": people.provinces[area],
                }

    count = copy_model(Dose, doses(), now)

    def statuses():
        for i in range(1, n // 2 + 1):
            area = people.residence(i)
            first, second = _schedule(i, span)
            yield {
                "person_id": i,
                "area_id": area,
                "province_code": people.provinces[area],
                "born_on": people.born(i),
                "doses": 2,
                "first_on": first,
                "full_on": second,
            }

    copy_model(VaccinationStatus, statuses(), now)
    return count


# --- the two measurements --------------------------------------------------------------------------------------


def baseline(week_ending: dt.date) -> float:
    """The raw SQL aggregation of the assessment's inputs: cases per residence, vaccinated people per residence and
    age band, population per area, the areas' paths. Fetched, not processed."""
    first = week_ending - dt.timedelta(days=6)
    y65, y18 = (
        week_ending.replace(year=week_ending.year - 65),
        week_ending.replace(year=week_ending.year - 18),
    )
    started = time.perf_counter()
    _fetch(
        """SELECT area_id,
                  SUM(CASE WHEN report_date >= %s AND detection_setting NOT IN ('quarantine', 'lockdown') THEN 1 ELSE 0 END),
                  SUM(CASE WHEN report_date >= %s THEN 1 ELSE 0 END),
                  SUM(CASE WHEN report_date >= %s AND severity IN ('severe', 'critical') THEN 1 ELSE 0 END),
                  SUM(CASE WHEN outcome = 'died' AND outcome_date BETWEEN %s AND %s THEN 1 ELSE 0 END),
                  MAX(CASE WHEN detection_setting NOT IN ('quarantine', 'lockdown') THEN report_date END),
                  MAX(report_date)
           FROM cases_case WHERE classification = 'confirmed' AND report_date <= %s GROUP BY area_id""",
        [first, first, first, first, week_ending, week_ending],
    )
    _fetch(
        """SELECT area_id, CASE WHEN born_on <= %s THEN '65' WHEN born_on <= %s THEN '18' ELSE 'young' END AS band,
                  COUNT(*), SUM(CASE WHEN full_on <= %s THEN 1 ELSE 0 END)
           FROM vaccination_vaccinationstatus WHERE first_on <= %s GROUP BY area_id, band""",
        [y65, y18, week_ending, week_ending],
    )
    _fetch(
        "SELECT area_id, total, age_0_4, age_5_17, age_18_64, age_65_plus FROM geo_population WHERE year = 2021"
    )
    _fetch("SELECT id, path, kind FROM geo_area WHERE dataset = %s", [DATASET])
    return time.perf_counter() - started


def assess(week_ending: dt.date) -> tuple[float, assessing.Result]:
    started = time.perf_counter()
    result = assessing.assess_week(week_ending, None, dataset=DATASET)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases (default 1,000,000)")
    parser.add_argument(
        "--doses", type=int, default=10_000_000, help="doses, two per person (default 10,000,000)"
    )
    parser.add_argument("--week-ending", type=dt.date.fromisoformat, default=dt.date(2021, 11, 4))
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database (SQLite file) afterwards"
    )
    parser.add_argument("--profile", action="store_true", help="print where the assessment spends its time")
    args = parser.parse_args()

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        var = Path(__file__).resolve().parent.parent / "var"
        var.mkdir(exist_ok=True)
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": str(var / "bench_levels.sqlite3")}
    else:
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": "bench_levels"}
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(args.seed)
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        with transaction.atomic():
            communes, provinces = load_country()
            load_population(communes, rng)
            people = People(max(args.cases, args.doses // 2), communes, provinces)
            load_people(people, now)
            cases = load_cases(args.cases, people, args.week_ending, now)
            doses = load_doses(args.doses, people, args.week_ending, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        units = Area.objects.filter(dataset=DATASET).exclude(kind=AreaKind.VILLAGE).count()
        print(
            f"data: {units:,} units, {people.n:,} people, {cases:,} cases, {doses:,} doses on "
            f"{connection.vendor} in {time.perf_counter() - started:.1f} s"
        )

        base = min(baseline(args.week_ending) for _ in range(3))
        print(f"baseline (raw SQL aggregation of the inputs, best of 3): {base:.3f} s")
        took, result = assess(args.week_ending)
        print(f"assess_week, every unit of the country: {took:.3f} s — {result.summary()}")
        again, _ = assess(args.week_ending)
        print(f"assess_week again (replacing the proposals): {again:.3f} s")
        stored = Assessment.objects.filter(week_ending=args.week_ending).count()
        print(f"assessments stored: {stored:,}")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(assess, args.week_ending)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        print(f"ratio assess / baseline: {took / base:.2f}")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
