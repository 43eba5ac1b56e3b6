"""What-if: the level a unit would have with other inputs ("what if coverage reaches 90 %?"), for a file of rows
(`epiwatch assess_levels --inputs FILE.csv --rules NAME`) or one unit on a page. Nothing is stored.

A file has the columns `area_code, population, community_cases_7d, adults_1dose_pct, elderly_full_pct,
capacity_ok, days_since_last_case` (Vietnamese headers accepted too), and optionally the inputs Decision 218 counts
(`cases_7d, deaths_7d, severe_7d, population_full_pct, high_risk_full_pct`). Every bad row is reported with its
row number and column, and nothing is written when one is bad.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from epiwatch.geo import datasets
from epiwatch.geo.models import Area
from epiwatch.lib import importing, tabular
from epiwatch.lib.importing import RowError
from epiwatch.lib.tabular import Column, Spec
from epiwatch.policy import levels as policy_levels
from epiwatch.policy.rulesets import RuleSet

REQUIRED = (
    Column("area_code", "Mã địa bàn", ("ma", "ma_xa", "code", "gso_code"), required=True),
    Column("population", "Dân số", ("dan_so",), required=True),
    Column("community_cases_7d", "Ca cộng đồng 7 ngày", ("ca_cong_dong_7_ngay",), required=True),
    Column("adults_1dose_pct", "% 18+ ≥1 liều", ("ty_le_18_1_mui",), required=True),
    Column("elderly_full_pct", "% 65+ đủ liều", ("ty_le_65_du_lieu",), required=True),
    Column("capacity_ok", "Đảm bảo năng lực điều trị", ("nang_luc_dieu_tri",), required=True),
    Column("days_since_last_case", "Số ngày từ ca cuối", ("so_ngay_tu_ca_cuoi",), required=True),
)
OPTIONAL = (
    Column("cases_7d", "Ca mắc mới 7 ngày"),
    Column("deaths_7d", "Tử vong 7 ngày"),
    Column("severe_7d", "Ca nặng 7 ngày"),
    Column("population_full_pct", "% dân số đủ liều"),
    Column("high_risk_full_pct", "% nhóm nguy cơ cao đủ liều"),
)
SPEC = Spec("what-if", (*REQUIRED, *OPTIONAL))
COUNTS = ("population", "community_cases_7d", "cases_7d", "deaths_7d", "severe_7d", "days_since_last_case")
PERCENTS = ("adults_1dose_pct", "elderly_full_pct", "population_full_pct", "high_risk_full_pct")
OUTPUTS = ("rate_per_100k", "band", "level", "explanation")
FORMATS = ("csv", "json")

CAPACITY_CHOICES = {
    "true": True,
    "yes": True,
    "1": True,
    "met": True,
    "ok": True,
    "có": True,
    "đạt": True,
    "false": False,
    "no": False,
    "0": False,
    "not met": False,
    "không": False,
    "không đạt": False,
}
_PERCENT = re.compile(r"^(-?\d+(?:[.,]\d+)?)\s*%?$")


class WhatIfError(ValueError):
    """The file cannot be assessed; `errors` lists every problem, each naming its row and column."""

    def __init__(self, errors: Sequence[str]):
        super().__init__("\n".join(errors))
        self.errors = list(errors)


@dataclass
class WhatIfRow:
    number: int  # the row number the user sees (the header is row 1)
    area_code: str
    area_name: str
    inputs: policy_levels.LevelInputs
    columns: tuple[str, ...]  # the input columns the file has, in output order


def percent(row: tabular.Row, column: str, required: bool = True) -> float | None:
    """A percentage 0-100: '75', '75.3', '75,3', '75,3 %'."""
    raw = row.values.get(column, "").strip()
    if not raw:
        if required:
            raise RowError(column, _("a value is required"))
        return None
    match = _PERCENT.match(raw)
    if match is None:
        raise RowError(column, _("'%(value)s' is not a percentage") % {"value": raw})
    value = float(match[1].replace(",", "."))
    if value < 0:
        raise RowError(column, _("%(value)s is negative; a percentage runs from 0 to 100") % {"value": raw})
    if value > 100:
        raise RowError(column, _("%(value)s is above 100 %%") % {"value": raw})
    return value


def parse_row(row: tabular.Row, present: set[str]) -> tuple[str, dict[str, Any]]:
    """(area code, the evaluator's inputs) of one row; RowError names the column of the first problem."""
    code = importing.text(row, "area_code", required=True, max_length=32)
    values: dict[str, Any] = {}
    population = importing.whole_number(row, "population", required=True)
    if population == 0:
        raise RowError("population", _("is 0; a rate per 100,000 needs the unit's population"))
    values["population"] = population
    values["community_cases_7d"] = importing.whole_number(row, "community_cases_7d", required=True)
    values["adults_1dose_pct"] = percent(row, "adults_1dose_pct")
    values["elderly_full_pct"] = percent(row, "elderly_full_pct")
    values["capacity_ok"] = importing.choice(row, "capacity_ok", CAPACITY_CHOICES, required=True)
    values["days_since_last_case"] = importing.whole_number(row, "days_since_last_case", required=False)
    for column in OPTIONAL:
        if column.name not in present:
            continue
        if column.name in PERCENTS:
            values[column.name] = percent(row, column.name, required=False)
        else:
            values[column.name] = importing.whole_number(row, column.name, required=False)
    return code, values


def area_names(codes: Iterable[str], dataset: str = "vn-2021") -> dict[str, str]:
    """Names of the known codes: the areas in the database, else the shipped dataset (one query)."""
    codes = set(codes)
    names = dict(Area.objects.filter(dataset=dataset, code__in=codes).values_list("code", "name"))
    missing = codes - names.keys()
    if missing and dataset in datasets.DATASETS:
        for area in datasets.read_areas(dataset):
            if area.code in missing:
                names[area.code] = area.name
    return names


def read(source, dataset: str = "vn-2021") -> list[WhatIfRow]:
    """Every row of the file, checked; WhatIfError with all the problems found."""
    try:
        table = tabular.open_table(source, SPEC)
    except tabular.TableError as error:
        raise WhatIfError([_("row %(row)s: %(message)s") % {"row": 1, "message": error}]) from None
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    errors: list[RowError] = []
    with table:
        present = set(table.columns)
        columns = tuple(c.name for c in (*REQUIRED, *OPTIONAL) if c.name in present and c.name != "area_code")
        for row in table:
            try:
                code, values = parse_row(row, present)
            except RowError as error:
                error.row = row.number
                errors.append(error)
                continue
            parsed.append((row.number, code, values))
    names = area_names((code for _n, code, _v in parsed), dataset)
    rows = []
    for number, code, values in parsed:
        if code not in names:
            errors.append(
                RowError(
                    "area_code",
                    _("'%(code)s' is not an area code of %(dataset)s") % {"code": code, "dataset": dataset},
                    number,
                )
            )
            continue
        rows.append(
            WhatIfRow(
                number, code, names[code], policy_levels.LevelInputs(**values, area_name=names[code]), columns
            )
        )
    if not rows and not errors:
        errors.append(RowError(None, _("the file has no data rows"), 2))
    if errors:
        raise WhatIfError([str(e) for e in sorted(errors, key=lambda e: e.row or 0)])
    return rows


def evaluate(inputs: policy_levels.LevelInputs, ruleset: RuleSet) -> policy_levels.LevelDecision:
    """The decision for the inputs; ValueError (naming the input) when they cannot be assessed."""
    return policy_levels.assess(inputs, ruleset)


def _value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def assess_rows(rows: list[WhatIfRow], ruleset: RuleSet, lang: str = "vi") -> list[dict[str, Any]]:
    """Per row the inputs and the decision; WhatIfError with the rows the rule set cannot assess."""
    results, errors = [], []
    for row in rows:
        try:
            decision = evaluate(row.inputs, ruleset)
        except ValueError as error:
            errors.append(str(RowError(None, str(error), row.number)))
            continue
        out: dict[str, Any] = {"area_code": row.area_code}
        for column in row.columns:
            out[column] = _value(getattr(row.inputs, column))
        out["rate_per_100k"] = round(decision.rate_per_100k, 2)
        out["band"] = decision.band
        out["level"] = decision.level
        out["explanation"] = decision.explanation(lang)
        results.append(out)
    if errors:
        raise WhatIfError(errors)
    return results


def write(results: list[dict[str, Any]], out: IO[str], fmt: str = "csv") -> None:
    if fmt == "json":
        out.write(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
        return
    header = list(results[0]) if results else ["area_code", *OUTPUTS]
    tabular.write_csv(out, header, ([_csv_cell(r.get(h)) for h in header] for r in results), bom=False)
