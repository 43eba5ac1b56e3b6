"""The shipped data: vaccine products and schedules, coverage targets and the ages offered vaccination over time.

`load()` makes the Product and CoverageTarget tables match `data/products.json` and `data/targets.json`
(idempotent: a second run changes nothing); the initial migration calls it, `epiwatch load_products` runs it
again after the files were edited. Products and targets missing from the files are kept (doses point at them).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
PRODUCT_FIELDS = (
    "name",
    "manufacturer",
    "aliases",
    "primary_doses",
    "min_interval_days",
    "recommended_interval_min",
    "recommended_interval_max",
    "approved_on",
    "booster_min_interval_days",
    "unconfirmed",
    "notes",
)
TARGET_FIELDS = ("target_pct", "source", "unconfirmed")


class CatalogueError(ValueError):
    """The data file is wrong; the message names the entry and the field."""


def _date(value, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CatalogueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _read(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def product_rows() -> list[dict]:
    rows = []
    for entry in _read("products.json")["products"]:
        where = f"products.json, {entry.get('code', '?')}"
        interval = entry.get("recommended_interval_days") or [None, None]
        row = {
            "code": entry["code"],
            "name": entry["name"],
            "manufacturer": entry.get("manufacturer", ""),
            "aliases": list(entry.get("aliases", [])),
            "primary_doses": int(entry["primary_doses"]),
            "min_interval_days": entry.get("min_interval_days"),
            "recommended_interval_min": interval[0],
            "recommended_interval_max": interval[1],
            "approved_on": _date(entry.get("approved_on"), where),
            "booster_min_interval_days": entry.get("booster_min_interval_days"),
            "unconfirmed": list(entry.get("unconfirmed", [])),
            "notes": entry.get("notes", ""),
        }
        if not 1 <= row["primary_doses"] <= 5:
            raise CatalogueError(f"{where}: primary_doses must be 1 to 5")
        if row["primary_doses"] > 1 and row["min_interval_days"] is None:
            raise CatalogueError(f"{where}: a series of several doses needs min_interval_days")
        rows.append(row)
    return rows


def target_rows() -> list[dict]:
    rows = []
    for entry in _read("targets.json")["targets"]:
        where = f"targets.json, {entry.get('indicator', '?')}"
        rows.append(
            {
                "dataset": entry.get("dataset", "vn-2021"),
                "area_code": entry.get("area") or "",
                "indicator": entry["indicator"],
                "target_pct": entry["target_pct"],
                "due": _date(entry["due"], where),
                "source": entry.get("source", ""),
                "unconfirmed": bool(entry.get("unconfirmed", False)),
            }
        )
    return rows


def _differs(stored, value) -> bool:
    if isinstance(stored, Decimal):
        return stored != Decimal(str(value))
    return stored != value


@dataclass(frozen=True)
class Loaded:
    created: int
    updated: int

    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}"


def load(product_model=None, target_model=None) -> Loaded:
    """Create or update the products and targets from the data files. Idempotent.

    The migration passes its historical models; everyone else gets the current ones.
    """
    if product_model is None or target_model is None:
        from epiwatch.vaccination.models import CoverageTarget, Product

        product_model, target_model = product_model or Product, target_model or CoverageTarget
    created = updated = 0
    products = {p.code: p for p in product_model.objects.all()}
    for row in product_rows():
        values = {f: row[f] for f in PRODUCT_FIELDS}
        product = products.get(row["code"])
        if product is None:
            product_model.objects.create(code=row["code"], **values)
            created += 1
        elif any(getattr(product, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(product, f, v)
            product.save()
            updated += 1
    targets = {(t.dataset, t.area_code, t.indicator, t.due): t for t in target_model.objects.all()}
    for row in target_rows():
        key = (row["dataset"], row["area_code"], row["indicator"], row["due"])
        target = targets.get(key)
        values = {f: row[f] for f in TARGET_FIELDS}
        if target is None:
            target_model.objects.create(**row)
            created += 1
        elif any(_differs(getattr(target, f), v) for f, v in values.items()):
            for f, v in values.items():
                setattr(target, f, v)
            target.save()
            updated += 1
    return Loaded(created, updated)


# --- who was offered vaccination when -------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    since: dt.date
    min_age: int
    source: str
    unconfirmed: bool


@cache
def eligibility() -> tuple[Eligibility, ...]:
    rows = [
        Eligibility(
            since=_date(e["from"], "products.json, eligible_ages"),
            min_age=int(e["min_age"]),
            source=e.get("source", ""),
            unconfirmed=bool(e.get("unconfirmed", False)),
        )
        for e in _read("products.json").get("eligible_ages", [])
    ]
    return tuple(sorted(rows, key=lambda e: e.since))


def eligible_from(day: dt.date) -> Eligibility | None:
    """The rule in force on `day`: people of at least `min_age` were offered vaccination (None: nobody yet)."""
    in_force = [e for e in eligibility() if e.since <= day]
    return in_force[-1] if in_force else None
