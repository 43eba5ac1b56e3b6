"""Benchmark: matching incoming rows against a province-sized person registry.

    .venv/bin/python bench/person_matching.py [--registry 1000000] [--rows 100000] [--batch 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/person_matching.py

Runs on the configured database engine but in a database of its own (`bench_epiwatch` on PostgreSQL, a file under
var/ on SQLite), created, migrated and dropped by the run: it never touches real data. It

1. builds a registry of N people (COPY on PostgreSQL, executemany on SQLite) and reports the time;
2. takes the incoming rows: ~60 % people of the registry with their national ID (name typed without accents),
   ~25 % registry people without ID (phone in +84 form, name in capitals, year of birth only), ~15 % new people;
3. baseline: one indexed IN query on national_id per batch, the least any import must do;
4. `people.matching.match_many` per batch (creating the new people, their audit events and candidates).

It prints the rows/s of each, then the ratio match_many / baseline as the last line (one figure, higher is
better; 1.0 would mean matching costs no more than the bare lookup).

Figures on the development machine (2 cores, PostgreSQL 15 local, SQLite with WAL), full size 1,000,000 / 100,000:

    PostgreSQL: registry built in 25 s (COPY, 40,000 people/s); baseline 105,000 rows/s; match_many 5,000 rows/s
                (100,000 rows in 20 s, new people, audit events and candidates included); ratio 0.048
    SQLite:     registry built in 40 s (executemany, 25,000 people/s); baseline 331,000 rows/s; match_many
                5,500 rows/s (18 s); ratio 0.017
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from django.db import connection, transaction  # noqa: E402

from epiwatch.accounts import audit  # noqa: E402
from epiwatch.geo.models import Area, AreaKind  # noqa: E402
from epiwatch.lib import natid  # noqa: E402
from epiwatch.lib.text import normalize_name, unaccent  # noqa: E402
from epiwatch.people.matching import NATIONAL_ID, PHONE_NAME_BIRTH, match_many  # noqa: E402
from epiwatch.people.models import Person  # noqa: E402

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trương Lâm Mai".split()
MIDDLE = "Văn Thị Hữu Minh Thanh Ngọc Quốc Đức Hoàng Kim Thu Xuân Hồng Gia Bảo".split()
GIVEN = (
    "An Anh Bình Châu Chi Cường Dũng Duy Dương Đạt Đông Giang Hà Hải Hạnh Hiếu Hòa Hoa Hùng Hương Huy Khang Khánh "
    "Khoa Lan Linh Long Mai Minh My Nam Nga Ngân Nhi Nhung Phát Phong Phúc Phương Quang Quân Sơn Tâm Thảo Thắng "
    "Thành Thu Thủy Tiến Trang Trí Trung Tuấn Tú Uyên Vân Việt Vy Xuân Yến"
).split()
PROVINCE = "95"
COLUMNS = (
    "public_id, national_id, full_name, name_norm, date_of_birth, birth_year, sex, phone, residence_id, address, "
    "comorbidities, pregnant, created_at, modified_at"
)


_NORMALISED: dict[str, str] = {}  # a few thousand distinct names: normalise each once


def person_row(i: int, communes: list[int], now: dt.datetime, rng: random.Random) -> tuple:
    """The i-th person of the registry: deterministic for a seed; national IDs and phones are unique."""
    sex = "M" if i % 2 == 0 else "F"
    year = 1930 + (i // 2) % 90
    born = dt.date(year, 1 + i % 12, 1 + i % 28)
    province = sorted(natid.PROVINCE_CODES)[(i // 1_000_000) % 63]
    number = natid.build(province, sex, year, (i // 180) % 1_000_000 if i < 180_000_000 else i % 1_000_000)
    middle = "Thị" if sex == "F" and rng.random() < 0.7 else rng.choice(MIDDLE)
    name = f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"
    phone = f"09{i:08d}"
    return (
        str(uuid.uuid4()),
        number,
        name,
        _NORMALISED.get(name) or _NORMALISED.setdefault(name, normalize_name(name)),
        born,
        year,
        sex,
        phone,
        communes[i % len(communes)],
        f"Số {i % 300} khóm {i % 9 + 1}",
        "[]",
        False,
        now,
        now,
    )


def build_areas() -> list[int]:
    province = Area.objects.create(code=PROVINCE, name="Tỉnh Bạc Liêu", kind=AreaKind.PROVINCE, path=PROVINCE)
    communes = []
    for d in range(7):
        district = Area.objects.create(
            code=f"95{d}", name=f"Huyện {d}", kind=AreaKind.DISTRICT, parent=province, path=f"95/95{d}"
        )
        for c in range(9):
            code = f"318{d}{c}"
            communes.append(
                Area.objects.create(
                    code=code,
                    name=f"Xã {d}.{c}",
                    kind=AreaKind.COMMUNE,
                    parent=district,
                    path=f"{district.path}/{code}",
                ).pk
            )
    return communes


def load_registry(n: int, communes: list[int], rng: random.Random) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = (person_row(i, communes, now, rng) for i in range(n))
    with transaction.atomic(), connection.cursor() as django_cursor:  # one transaction: no commit per row
        raw = django_cursor.cursor  # the DB-API cursor under Django's
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY people_person ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Django's SQLite storage: UUIDs as 32 hex digits, naive UTC datetimes with a space
            stamp = now.replace(tzinfo=None).isoformat(" ")
            marks = ", ".join(["?"] * len(COLUMNS.split(",")))
            insert = f"INSERT INTO people_person ({COLUMNS}) VALUES ({marks})"  # noqa: S608
            chunk = []
            for row in rows:
                chunk.append(
                    (row[0].replace("-", ""), *row[1:4], row[4].isoformat(), *row[5:12], stamp, stamp)
                )
                if len(chunk) == 50_000:
                    raw.executemany(insert, chunk)
                    chunk = []
            raw.executemany(insert, chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def incoming_rows(n_rows: int, registry: int, communes: list[int], rng: random.Random) -> list[dict]:
    """The batch to import: 60 % found by national ID, 25 % by phone + name + birth, 15 % new people."""
    areas = {a.pk: a for a in Area.objects.filter(pk__in=communes)}
    picks = rng.sample(range(registry), min(registry, int(n_rows * 0.85)))
    by_id, by_phone = picks[: int(n_rows * 0.60)], picks[int(n_rows * 0.60) :]
    stored = {
        p.phone: p
        for p in Person.objects.filter(phone__in=[f"09{i:08d}" for i in picks]).only(
            "national_id", "full_name", "date_of_birth", "birth_year", "sex", "phone", "residence_id"
        )
    }
    rows = []
    for i in by_id:
        p = stored[f"09{i:08d}"]
        rows.append(
            {
                "national_id": p.national_id,
                "full_name": unaccent(p.full_name),
                "date_of_birth": p.date_of_birth,
                "sex": p.sex,
            }
        )
    for i in by_phone:
        p = stored[f"09{i:08d}"]
        rows.append(
            {
                "full_name": p.full_name.upper(),
                "birth_year": p.birth_year,
                "sex": p.sex,
                "phone": f"+84 {p.phone[1:4]} {p.phone[4:7]} {p.phone[7:]}",
                "residence": areas[p.residence_id],
            }
        )
    now = dt.datetime.now(dt.UTC)
    for k in range(n_rows - len(rows)):
        i = registry + k
        row = person_row(i, communes, now, rng)
        rows.append(
            {
                "national_id": row[1] if k % 3 else None,
                "full_name": row[2],
                "date_of_birth": row[4],
                "sex": row[6],
                "phone": f"08{i:08d}",
                "residence": areas[row[8]],
            }
        )
    rng.shuffle(rows)
    return rows


def batches(rows: list[dict], size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def baseline(rows: list[dict], size: int) -> float:
    """The bare minimum: one indexed IN query on national_id per batch."""
    started = time.perf_counter()
    for batch in batches(rows, size):
        ids = [r["national_id"] for r in batch if r.get("national_id")]
        list(Person.objects.filter(national_id__in=ids).values_list("pk", "national_id"))
    return time.perf_counter() - started


def matching(rows: list[dict], size: int) -> tuple[float, dict]:
    counts = {"national_id": 0, "phone_name_birth": 0, "created": 0, "other": 0, "conflicts": 0}
    started = time.perf_counter()
    with audit.acting(via="command"):
        for batch in batches(rows, size):
            for outcome in match_many(batch):
                if outcome.created:
                    counts["created"] += 1
                elif outcome.level in (NATIONAL_ID, PHONE_NAME_BIRTH):
                    counts[outcome.level] += 1
                else:
                    counts["other"] += 1
                counts["conflicts"] += bool(outcome.conflicts)
    return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--registry", type=int, default=1_000_000, help="people in the registry (default 1,000,000)"
    )
    parser.add_argument("--rows", type=int, default=100_000, help="incoming rows to match (default 100,000)")
    parser.add_argument("--batch", type=int, default=1000, help="rows per match_many() call (default 1,000)")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        var = Path(__file__).resolve().parent.parent / "var"
        var.mkdir(exist_ok=True)
        settings_dict["TEST"] = {
            **settings_dict.get("TEST", {}),
            "NAME": str(var / "bench_person_matching.sqlite3"),
        }
    else:
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": "bench_epiwatch"}
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rng = random.Random(args.seed)
        communes = build_areas()
        started = time.perf_counter()
        load_registry(args.registry, communes, rng)
        built = time.perf_counter() - started
        print(
            f"registry: {args.registry:,} people on {connection.vendor} in {built:.1f} s "
            f"({args.registry / built:,.0f} people/s)"
        )
        rows = incoming_rows(args.rows, args.registry, communes, rng)
        base = baseline(rows, args.batch)
        took, counts = matching(rows, args.batch)
        print(f"outcomes: {json.dumps(counts)}", file=sys.stderr)
        print(f"baseline (IN on national_id): {len(rows) / base:,.0f} rows/s")
        print(f"match_many: {len(rows) / took:,.0f} rows/s ({took:.1f} s for {len(rows):,} rows)")
        print(f"ratio match_many/baseline: {base / took:.3f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
