"""The levels rule sets a province works with: the shipped versions plus its own adjusted ones.

The shipped versions are read from `epiwatch/policy/data` (`policy.rulesets.builtin`); a province's adjusted
versions are `RuleSetVersion` rows holding the same JSON. `history_for(province)` puts them together so that
`in_force("levels", day)` answers for that province; `build_document` turns the rule editor's values into a new
version's JSON, keeping the base version's "unconfirmed" flags on every value the administrator left alone.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from epiwatch.geo.models import Area
from epiwatch.levels.models import RuleSetVersion
from epiwatch.policy import rulesets
from epiwatch.policy.reader import RuleSetError, is_flagged_value
from epiwatch.policy.rulesets import History, RuleSet

FAMILY = "levels"


def shipped() -> tuple[RuleSet, ...]:
    return rulesets.versions(FAMILY)


def history_for(province: Area | None) -> History:
    """The shipped versions and the province's own (one query)."""
    return histories([province]).get(getattr(province, "pk", None)) or rulesets.builtin()


def histories(provinces: Iterable[Area | None]) -> dict[int | None, History]:
    """The history of each province, keyed by its pk (one query for all of them)."""
    provinces = [p for p in provinces if p is not None]
    own: dict[int, list[RuleSet]] = defaultdict(list)
    for version in RuleSetVersion.objects.filter(province__in=provinces, family=FAMILY):
        own[version.province_id].append(version.ruleset())
    builtin = rulesets.builtin()
    return {p.pk: History([*builtin.all(), *own[p.pk]]) if own[p.pk] else builtin for p in provinces}


def get(name: str) -> RuleSet:
    """A levels rule set by name, shipped or adjusted; LookupError when there is none."""
    for ruleset in shipped():
        if ruleset.name == name:
            return ruleset
    version = RuleSetVersion.objects.filter(name=name, family=FAMILY).first()
    if version is None:
        raise LookupError(f"there is no levels rule set named {name}")
    return version.ruleset()


def names() -> list[str]:
    return [r.name for r in shipped()] + list(
        RuleSetVersion.objects.filter(family=FAMILY).order_by("effective_from").values_list("name", flat=True)
    )


def check_version(province: Area, ruleset: RuleSet, replacing: str | None = None) -> None:
    """RuleSetError unless the version fits the province's history: a free name, and no other version of the
    province (or shipped) taking effect on the same day."""
    if any(r.name == ruleset.name for r in shipped()):
        raise RuleSetError(f"{ruleset.name} is the name of a shipped version; choose another name")
    taken = RuleSetVersion.objects.filter(name=ruleset.name).exclude(name=replacing or "")
    if taken.exists():
        raise RuleSetError(f"a version named {ruleset.name} already exists; choose another name")
    others = [
        v.ruleset()
        for v in RuleSetVersion.objects.filter(province=province, family=FAMILY).exclude(name=replacing or "")
    ]
    History([*rulesets.builtin().all(), *others, ruleset])


# --- the rule editor ---------------------------------------------------------------------------------------------


@dataclass
class BandValues:
    name: str
    lower: float
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool
    met: int | None
    not_met: int | None


@dataclass
class EditorValues:
    """What the rule editor shows and takes back: the values of a levels rule set a province may adjust."""

    bands: list[BandValues]
    coverage: dict[str, float]  # measure -> cut-off (%)
    no_recent_case_days: int | None
    no_recent_case_level: int
    capacity_raise: int
    max_level: int


def editor_values(ruleset: RuleSet) -> EditorValues:
    rules = ruleset.rules
    matrix = {row.band: row for row in rules.matrix}
    return EditorValues(
        bands=[
            BandValues(
                b.name,
                b.lower,
                b.lower_inclusive,
                b.upper,
                b.upper_inclusive and b.upper is not None,  # an open band shows "<" for a bound added later
                matrix[b.name].met,
                matrix[b.name].not_met,
            )
            for b in rules.bands
        ],
        coverage={t.measure: t.at_least for t in rules.coverage},
        no_recent_case_days=rules.no_recent_case_days,
        no_recent_case_level=rules.no_recent_case_level,
        capacity_raise=rules.capacity_raise,
        max_level=rules.max_level,
    )


def _keep(original: Any, new: Any) -> Any:
    """The base's raw value (with its flag and note) when unchanged; the new plain value when changed."""
    plain = original["value"] if is_flagged_value(original) else original
    return original if plain == new else new


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def build_document(
    base: RuleSet,
    *,
    name: str,
    effective_from: dt.date,
    source: str,
    note: str,
    values: EditorValues,
    province: Area,
) -> dict[str, Any]:
    """The JSON of a new version: the base document with the edited values. Not checked here: `rulesets.load`
    does that (gaps, overlaps, matrix, levels, percentages) and its message goes back to the editor."""
    document = copy.deepcopy(base.as_dict())
    document.pop("effective_until", None)
    document["name"] = name
    document["effective_from"] = effective_from.isoformat()
    document["title"] = {
        "en": f"{base.title_en} — adjusted by {province.name} ({name})",
        "vi": f"{base.title_vi} — {province.name} điều chỉnh ({name})",
    }
    document["source"] = source
    document["note"] = note or f"Adjusted by {province.name} from {base.name}."
    rules = document["rules"]

    criterion1 = rules["criterion1"]
    old_bands = {b["band"]: b for b in criterion1["bands"]}
    bands = []
    for band in values.bands:
        old = old_bands.get(band.name, {})
        entry: dict[str, Any] = {"band": band.name}
        if "note" in old:
            entry["note"] = old["note"]
        lower_key = "from" if band.lower_inclusive else "above"
        entry[lower_key] = _keep(old.get(lower_key), _number(band.lower))
        if band.upper is not None:
            upper_key = "up_to" if band.upper_inclusive else "below"
            entry[upper_key] = _keep(old.get(upper_key), _number(band.upper))
        bands.append(entry)
    criterion1["bands"] = bands

    for target in rules["coverage"]["met_when_all"]:
        measure = target["measure"]
        if measure in values.coverage:
            target["at_least"] = _keep(target["at_least"], _number(values.coverage[measure]))

    matrix = {b.name: {"met": b.met, "not_met": b.not_met} for b in values.bands}
    old_matrix = {k: v for k, v in rules["matrix"].items() if k not in ("unconfirmed", "note")}
    if matrix != old_matrix:
        rules["matrix"] = {"note": f"Adjusted by {province.name}.", **matrix}

    if values.no_recent_case_days is None:
        rules.pop("no_recent_case", None)
    else:
        old = rules.get("no_recent_case") or {}
        changed = (old.get("days"), old.get("level")) != (
            values.no_recent_case_days,
            values.no_recent_case_level,
        )
        if changed:
            rules["no_recent_case"] = {
                "note": f"Adjusted by {province.name}.",
                "days": values.no_recent_case_days,
                "level": values.no_recent_case_level,
            }
    capacity = rules["capacity"]
    capacity["raise_by"] = _keep(capacity["raise_by"], values.capacity_raise)
    capacity["max_level"] = _keep(capacity["max_level"], values.max_level)
    return document
