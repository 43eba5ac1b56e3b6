"""Read the packaged Vietnamese administrative-unit data files (no models, no database).

The files live in ``epiwatch/geo/data/`` and are built by ``scripts/build_areas.py``;
see ``epiwatch/geo/data/README.md`` for their sources, licences and counts.

* ``vn-2021``: 63 provinces, districts, communes (three tiers, GSO codes of 2, 3 and
  5 digits).
* ``vn-2025``: 34 provinces and their communes (two tiers: a commune's parent is its
  province).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATASETS = ("vn-2021", "vn-2025")

DATA_DIR = Path(__file__).resolve().parent / "data"
MAPPING_FILE = "vn-2021-to-2025.csv.gz"

_KIND_ORDER = {"province": 0, "district": 1, "commune": 2}


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    kind: str  # "province", "district" or "commune"
    parent_code: str  # "" for provinces


def _read_csv_gz(filename: str) -> list[dict[str, str]]:
    with gzip.open(DATA_DIR / filename, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        return list(csv.DictReader(text))


@lru_cache(maxsize=len(DATASETS))
def _load(dataset: str) -> tuple[AreaRow, ...]:
    rows = [
        AreaRow(code=r["code"], name=r["name"], kind=r["kind"], parent_code=r["parent_code"])
        for r in _read_csv_gz(f"{dataset}.csv.gz")
    ]
    rows.sort(key=lambda row: (_KIND_ORDER[row.kind], row.code))
    return tuple(rows)


def read_areas(dataset: str, province: str | None = None) -> list[AreaRow]:
    """Return the units of ``dataset``, every parent before its children.

    Rows come provinces first, then districts, then communes, each group sorted by
    code. With ``province`` (a province code of that dataset, e.g. ``"95"``) only that
    province and the units under it are returned.

    Raises ``ValueError`` for an unknown dataset or province code.
    """
    if dataset not in DATASETS:
        raise ValueError(f"Unknown area dataset {dataset!r}; expected one of: {', '.join(DATASETS)}")
    rows = _load(dataset)
    if province is None:
        return list(rows)
    if not any(row.kind == "province" and row.code == province for row in rows):
        raise ValueError(f"Unknown province code {province!r} in dataset {dataset!r}")
    included = {province}
    subtree = []
    for row in rows:  # parents come first, so one pass collects the whole subtree
        if row.code == province or row.parent_code in included:
            included.add(row.code)
            subtree.append(row)
    return subtree


@lru_cache(maxsize=1)
def _load_mapping() -> tuple[tuple[str, str], ...]:
    return tuple((r["code_2021"], r["code_2025"]) for r in _read_csv_gz(MAPPING_FILE))


def read_mapping() -> list[tuple[str, str]]:
    """Return the ``(code_2021, code_2025)`` commune pairs, sorted.

    A 2021 commune split between several 2025 communes has one pair per 2025 commune;
    2021 communes abolished by the 2022-2025 mergers have no pair (see the data README).
    """
    return list(_load_mapping())
