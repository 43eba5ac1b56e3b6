"""Benchmark: a result file imported end to end, against the bare cost of loading the same rows.

    .venv/bin/python bench/ingest.py [--rows 200000] [--registry N] [--batch 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ingest.py --rows 1000000

Runs on the configured database engine but in a database of its own (`bench_ingest` on PostgreSQL, a file under
var/ on SQLite), created, migrated and dropped by the run: it never touches real data. It

1. builds a province (7 districts, 63 communes, their stations, a lab) and a registry of people (COPY on
   PostgreSQL, executemany on SQLite);
2. writes N synthetic result rows to a CSV with the Vietnamese headers: ~88 % people of the registry by national
   ID (names typed without accents half the time), ~12 % people the registry does not know (a third of them
   children without ID); ~70 % antigen tests, ~24 % RT-PCR, ~6 % pooled RT-PCR (pools of 5); ~2 % positive; a
   sample id on the PCR rows; Bạc Liêu, October-November 2021;
3. imports the file as `epiwatch import results` does: read, parse, validate, match (creating the new people),
   authorize, store, audit, and positives into cases and tasks, 1,000 rows per transaction;
4. baseline: the same rows read from the same CSV and loaded into a bare table with the columns and indexes of
   the results table (PostgreSQL COPY, SQLite executemany), the least any import must do.

It prints rows/s and peak memory (resident set size) of each, and the ratio import/baseline as the LAST line (one
figure, higher is better; 1.0 would mean the pipeline costs no more than loading the rows bare).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epiwatch.settings")
os.environ.setdefault("EPIWATCH_ALLOW_INSECURE_KEY", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from epiwatch.accounts import access, audit  # noqa: E402
from epiwatch.accounts.models import Organization, OrgKind  # noqa: E402
from epiwatch.cases.models import Case  # noqa: E402
from epiwatch.geo.models import Area, AreaKind  # noqa: E402
from epiwatch.labs.importers import ResultImporter  # noqa: E402
from epiwatch.labs.models import TestResult  # noqa: E402
from epiwatch.lib import importing, natid  # noqa: E402
from epiwatch.lib.dates import LOCAL_TZ  # noqa: E402
from epiwatch.lib.text import normalize_name, unaccent  # noqa: E402
from epiwatch.people.models import Person  # noqa: E402

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trương Lâm Mai".split()
MIDDLE = "Văn Thị Hữu Minh Thanh Ngọc Quốc Đức Hoàng Kim Thu Xuân Hồng Gia Bảo".split()
GIVEN = (
    "An Anh Bình Châu Chi Cường Dũng Duy Dương Đạt Đông Giang Hà Hải Hạnh Hiếu Hòa Hoa Hùng Hương Huy Khang Khánh "
    "Khoa Lan Linh Long Mai Minh My Nam Nga Ngân Nhi Nhung Phát Phong Phúc Phương Quang Quân Sơn Tâm Thảo Thắng"
).split()
HEADER = [
    "Mã mẫu",
    "Số CCCD/CMND",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Mã xã",
    "Địa chỉ",
    "Loại xét nghiệm",
    "Thời gian lấy mẫu",
    "Thời gian có kết quả",
    "Kết quả",
    "Giá trị Ct",
    "Mã mẫu gộp",
    "Lý do",
]
PERSON_COLUMNS = (
    "public_id, national_id, full_name, name_norm, date_of_birth, birth_year, sex, phone, residence_id, address, "
    "comorbidities, pregnant, created_at, modified_at"
)
FIRST_DAY = dt.datetime(2021, 10, 1, 6, 0)
TYPES = {"test nhanh": "antigen", "PCR": "rt_pcr", "PCR gộp": "pooled_rt_pcr"}
RESULTS = {"dương tính": "positive", "âm tính": "negative"}
REASONS = {"sàng lọc": "screening", "tiếp xúc": "contact", "triệu chứng": "symptoms"}


def peak_mib() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the province and its registry ------------------------------------------------------------------------------


def build_province() -> tuple[list[Area], Organization]:
    province = Area.objects.create(code="95", name="Tỉnh Bạc Liêu", kind=AreaKind.PROVINCE, path="95")
    communes = []
    for d in range(7):
        district = Area.objects.create(
            code=f"95{d}", name=f"Huyện {d}", kind=AreaKind.DISTRICT, parent=province, path=f"95/95{d}"
        )
        Organization.objects.create(
            code=f"bl-ttyt-95{d}", name=f"TTYT {d}", kind=OrgKind.DISTRICT_CENTRE, area=district
        )
        for c in range(9):
            code = f"318{d}{c}"
            commune = Area.objects.create(
                code=code,
                name=f"Xã {d}.{c}",
                kind=AreaKind.COMMUNE,
                parent=district,
                path=f"{district.path}/{code}",
            )
            communes.append(commune)
            if c % 3:  # two communes in three have a station: the others' tasks go to the district centre
                Organization.objects.create(
                    code=f"bl-tyt-{code}", name=f"TYT {code}", kind=OrgKind.COMMUNE_STATION, area=commune
                )
    lab = Organization.objects.create(code="bl-lab", name="CDC lab", kind=OrgKind.LAB, area=province)
    return communes, lab


def person(i: int) -> dict:
    """The i-th person, the same in the registry and in the file; national IDs unique up to 63 million."""
    sex = "M" if i % 2 == 0 else "F"
    year = 1940 + (i // 2) % 66
    middle = "Thị" if sex == "F" and i % 10 < 7 else MIDDLE[(i // 7) % len(MIDDLE)]
    province = sorted(natid.PROVINCE_CODES)[(61 + i // 1_000_000) % 63]  # "95" first
    return {
        "national_id": natid.build(province, sex, year, i % 1_000_000),
        "full_name": f"{FAMILY[(i * 7919) % len(FAMILY)]} {middle} {GIVEN[(i * 104729) % len(GIVEN)]}",
        "date_of_birth": dt.date(year, 1 + i % 12, 1 + i % 28),
        "sex": sex,
        "phone": f"09{i:08d}",
    }


def load_registry(n: int, communes: list[Area]) -> None:
    now = dt.datetime.now(dt.UTC)
    names: dict[str, str] = {}
    commune_ids = [c.pk for c in communes]

    def rows():
        for i in range(n):
            p = person(i)
            name = p["full_name"]
            yield (
                str(uuid.uuid4()),
                p["national_id"],
                name,
                names.get(name) or names.setdefault(name, normalize_name(name)),
                p["date_of_birth"],
                p["date_of_birth"].year,
                p["sex"],
                p["phone"],
                commune_ids[i % len(commune_ids)],
                f"Số {i % 300} khóm {i % 9 + 1}",
                "[]",
                False,
                now,
                now,
            )

    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY people_person ({PERSON_COLUMNS}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            stamp = now.replace(tzinfo=None).isoformat(" ")
            marks = ", ".join(["?"] * len(PERSON_COLUMNS.split(",")))
            insert = f"INSERT INTO people_person ({PERSON_COLUMNS}) VALUES ({marks})"  # noqa: S608
            chunk = []
            for row in rows():
                chunk.append(
                    (row[0].replace("-", ""), *row[1:4], row[4].isoformat(), *row[5:12], stamp, stamp)
                )
                if len(chunk) == 50_000:
                    raw.executemany(insert, chunk)
                    chunk = []
            raw.executemany(insert, chunk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- the file ---------------------------------------------------------------------------------------------------


def write_rows(path: Path, n: int, registry: int, communes: list[Area], rng: random.Random) -> int:
    """The CSV of n result rows; returns how many are positive."""
    positives = 0
    codes = [c.code for c in communes]
    pool_left, pool_code, pool_result = 0, "", "âm tính"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(n):
            roll = rng.random()
            if roll < 0.88:
                k = rng.randrange(registry)
                p = person(k)
                name = unaccent(p["full_name"]) if rng.random() < 0.5 else p["full_name"]
                commune = codes[k % len(codes)]
                national_id, born = p["national_id"], p["date_of_birth"].strftime("%d/%m/%Y")
            else:
                k = registry + i
                p = person(k)
                name, commune = p["full_name"], rng.choice(codes)
                child = rng.random() < 0.33
                national_id = "" if child else p["national_id"]
                born = (
                    f"{1 + k % 28:02d}/{1 + k % 12:02d}/{2010 + k % 10}"
                    if child
                    else p["date_of_birth"].strftime("%d/%m/%Y")
                )
            sampled = FIRST_DAY + dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
            kind = rng.random()
            positive = rng.random() < 0.02
            if pool_left:
                test_type, pool_left = "PCR gộp", pool_left - 1
                result, pool = pool_result, pool_code
            elif kind < 0.05:
                test_type, pool_left, pool_code = "PCR gộp", 4, f"G-{i}"
                pool_result = "dương tính" if positive else "âm tính"
                result, pool = pool_result, pool_code
            else:
                test_type = "test nhanh" if kind < 0.75 else "PCR"
                result, pool = ("dương tính" if positive else "âm tính"), ""
            positives += result == "dương tính"
            pcr = test_type != "test nhanh"
            writer.writerow(
                [
                    f"BL-{i:08d}" if pcr else "",
                    national_id,
                    name,
                    born,
                    "Nam" if p["sex"] == "M" else "Nữ",
                    "",
                    commune,
                    "",
                    test_type,
                    sampled.strftime("%d/%m/%Y %H:%M"),
                    (sampled + dt.timedelta(hours=8)).strftime("%d/%m/%Y %H:%M") if pcr else "",
                    result,
                    f"{rng.uniform(15, 35):.1f}".replace(".", ",") if pcr and result == "dương tính" else "",
                    pool,
                    rng.choice(list(REASONS)),
                ]
            )
    return positives


# --- the two runs -----------------------------------------------------------------------------------------------


def run_import(path: Path, lab: Organization, batch: int) -> tuple[float, importing.ImportResult]:
    ResultImporter.batch_size = batch
    context = importing.Context(organization=lab, scope=access.FULL)
    started = time.perf_counter()
    with audit.acting(organization=lab, via="command"):
        result = importing.run(ResultImporter(), path, context, max_mb=10_000)
    return time.perf_counter() - started, result


def baseline_table() -> None:
    """An empty table with the columns and indexes of labs_testresult, without its foreign keys."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE bench_baseline (LIKE labs_testresult INCLUDING ALL)")
            return
        cursor.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'labs_testresult' AND sql IS NOT NULL "
            "ORDER BY type DESC"  # the table before its indexes
        )
        for kind, sql in cursor.fetchall():
            sql = sql.replace('"labs_testresult"', '"bench_baseline"')
            if kind == "index":
                sql = re.sub(r'INDEX "', 'INDEX "bench_', sql, count=1)
            else:
                sql = re.sub(r" REFERENCES \S+ \(\S+\)( DEFERRABLE INITIALLY DEFERRED)?", "", sql)
            cursor.execute(sql)


BASELINE_COLUMNS = (
    "public_id, person_id, test_type, sampled_at, resulted_at, result, ct_value, reason, submitter_id, external_id, "
    "province_code, needs_review, review_note, amendment_reason, created_at, modified_at"
)


def run_baseline(path: Path, lab: Organization, first_person: int, registry: int) -> float:
    """Read the CSV and load its rows into the bare table: the least an import must do."""
    baseline_table()
    now = dt.datetime.now(dt.UTC)

    def moment(text: str):
        return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=LOCAL_TZ) if text else None

    def rows():
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for i, cells in enumerate(reader):
                yield (
                    uuid.uuid4(),
                    first_person + i % registry,
                    TYPES[cells[8]],
                    moment(cells[9]),
                    moment(cells[10]),
                    RESULTS[cells[11]],
                    cells[12].replace(",", ".") or None,
                    REASONS[cells[14]],
                    lab.pk,
                    cells[0],
                    "95",
                    False,
                    "",
                    "",
                    now,
                    now,
                )

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as django_cursor:
        raw = django_cursor.cursor
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY bench_baseline ({BASELINE_COLUMNS}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(BASELINE_COLUMNS.split(",")))
            insert = f"INSERT INTO bench_baseline ({BASELINE_COLUMNS}) VALUES ({marks})"  # noqa: S608
            chunk = []
            for row in rows():
                chunk.append(
                    (
                        row[0].hex,
                        *row[1:3],
                        _sqlite_time(row[3]),
                        _sqlite_time(row[4]),
                        *row[5:14],
                        _sqlite_time(now),
                        _sqlite_time(now),
                    )
                )
                if len(chunk) == 10_000:
                    raw.executemany(insert, chunk)
                    chunk = []
            raw.executemany(insert, chunk)
    return time.perf_counter() - started


def _sqlite_time(moment):
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ") if moment else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="result rows in the file (default 200,000)")
    parser.add_argument(
        "--registry", type=int, help="people in the registry (default: as many as rows, at most 1,000,000)"
    )
    parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1,000)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--keep-file", action="store_true", help="keep the generated CSV under var/")
    args = parser.parse_args()
    registry = args.registry or min(args.rows, 1_000_000)

    settings_dict = connection.settings_dict
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    if connection.vendor == "sqlite":
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": str(var / "bench_ingest.sqlite3")}
    else:
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": "bench_ingest"}
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    path = var / f"bench_ingest_{args.rows}.csv"
    try:
        rng = random.Random(args.seed)
        communes, lab = build_province()
        started = time.perf_counter()
        load_registry(registry, communes)
        first_person = Person.objects.order_by("pk").values_list("pk", flat=True).first()
        print(
            f"registry: {registry:,} people on {connection.vendor} in {time.perf_counter() - started:.1f} s"
        )
        positives = write_rows(path, args.rows, registry, communes, rng)
        print(f"file: {args.rows:,} rows ({positives:,} positive), {path.stat().st_size / 2**20:.0f} MiB")
        before = peak_mib()

        took, result = run_import(path, lab, args.batch)
        after = peak_mib()
        print(
            f"import: {args.rows / took:,.0f} rows/s ({took:.1f} s): {result.summary()}; "
            f"{Case.objects.count():,} cases; {Person.objects.count() - registry:,} people added"
        )
        print(f"peak memory (RSS): {after:,.0f} MiB ({before:,.0f} MiB before the import)")
        assert TestResult.objects.count() == result.accepted

        base = run_baseline(path, lab, first_person, registry)
        print(
            f"baseline ({'COPY' if connection.vendor == 'postgresql' else 'executemany'} into a bare table): {args.rows / base:,.0f} rows/s ({base:.1f} s)"
        )
        print(f"ratio import/baseline: {base / took:.3f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if not args.keep_file and path.exists():
            path.unlink()


if __name__ == "__main__":
    main()
