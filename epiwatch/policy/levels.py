"""The epidemic level of an area for a week: criterion 1 band x vaccine coverage, then raises, as data says.

Pure: the caller counts (levels/ and stats/ read the database), this decides. Every decision carries the numbers
it was made from, the reasons in both languages and the unconfirmed values it relied on, so an assessment page
can show why a commune is orange and which part of that is not yet confirmed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from epiwatch.lib import numfmt
from epiwatch.policy import terms
from epiwatch.policy.reasons import Reason
from epiwatch.policy.rulesets import RuleSet
from epiwatch.policy.schema import Band, LevelRules

PER_POPULATION = 100_000


@dataclass(frozen=True)
class LevelInputs:
    """What an area's week looks like. Counts cover the rule set's window (7 days ending on the assessment date).

    days_since_last_case counts the same cases as criterion 1 (community cases under 4800, all cases under 218):
    0 when there was one on the assessment date, None when not known (the no-recent-case rule then cannot apply).
    """

    population: int
    capacity_ok: bool | None = None
    community_cases_7d: int | None = None
    cases_7d: int | None = None
    deaths_7d: int | None = None
    severe_7d: int | None = None
    adults_1dose_pct: float | None = None  # people aged 18+ with at least one dose
    elderly_full_pct: float | None = None  # people aged 65+ fully vaccinated
    population_full_pct: float | None = None  # whole population fully vaccinated
    high_risk_full_pct: float | None = None  # high-risk groups fully vaccinated
    days_since_last_case: int | None = None
    area_name: str = ""


@dataclass(frozen=True)
class Adjustment:
    code: str  # "capacity_not_met" or "raise_<measure>"
    by: int  # the raise actually applied (0 when the level was already at the highest)


@dataclass(frozen=True)
class LevelDecision:
    ruleset: str  # the version that decided, stored with the assessment
    rate_per_100k: float
    band: str
    coverage_met: bool
    matrix_level: int
    capacity_adjustment: int
    adjustments: tuple[Adjustment, ...]
    level: int
    colour: str
    reasons: tuple[Reason, ...]
    explanation_vi: str
    explanation_en: str
    unconfirmed: tuple[str, ...]  # paths of unconfirmed values this decision relied on

    def explanation(self, lang: str = "vi") -> str:
        return self.explanation_vi if numfmt.language(lang) == "vi" else self.explanation_en


def band_for(rate: float, ruleset: RuleSet) -> Band:
    """The criterion 1 band of a rate per 100,000 over the window."""
    return _rules(ruleset).band_for(rate)


def assess(inputs: LevelInputs | Mapping[str, Any], ruleset: RuleSet) -> LevelDecision:
    rules = _rules(ruleset)
    inputs = _inputs(inputs)
    _check(inputs, rules, ruleset.name)
    population = inputs.population
    count = getattr(inputs, rules.counts)
    rate = count * PER_POPULATION / population
    band = rules.band_for(rate)
    touched = [f"rules.criterion1.bands.{band.name}", "rules.coverage", "rules.matrix", "rules.capacity"]

    failing = [t for t in rules.coverage if getattr(inputs, t.measure) < t.at_least]
    coverage_met = not failing
    matrix_level = rules.matrix_level(band.name, coverage_met)
    reasons = [_rate_reason(rate, band, rules), _coverage_reason(inputs, rules, failing)]
    steps: list[tuple[Reason, int]] = []  # a reason that moves the level, and the level after it

    level = matrix_level
    adjustments = []
    no_case_days = rules.no_recent_case_days
    if no_case_days is not None:
        touched.append("rules.no_recent_case")
    if (
        no_case_days is not None
        and inputs.days_since_last_case is not None
        and inputs.days_since_last_case >= no_case_days
    ):
        level = rules.no_recent_case_level
        steps.append((_no_recent_case_reason(rules, no_case_days), level))
    else:
        for rule in rules.raises:
            touched.append(f"rules.raises.{rule.measure}")
            measure_rate = getattr(inputs, rule.measure) * PER_POPULATION / population
            if measure_rate > rule.rate_above:
                raised = min(rules.max_level, level + rule.by)
                adjustments.append(Adjustment(f"raise_{rule.measure}", raised - level))
                steps.append((_raise_reason(rule, measure_rate, raised - level, rules), raised))
                level = raised
        if not inputs.capacity_ok and rules.capacity_raise:
            raised = min(rules.max_level, level + rules.capacity_raise)
            adjustments.append(Adjustment("capacity_not_met", raised - level))
            steps.append((_capacity_reason(rules.capacity_raise, raised - level, rules), raised))
            level = raised

    reasons.extend(reason for reason, _ in steps)
    explanations = {}
    for lang in numfmt.LANGUAGES:
        word = "cấp" if lang == "vi" else "level"
        text = f"{reasons[0].text(lang)}; {reasons[1].text(lang)} → {word} {matrix_level}"
        for reason, after in steps:
            text += f"; {reason.text(lang)} → {word} {after}"
        explanations[lang] = f"{inputs.area_name}: {text}" if inputs.area_name else text

    capacity = next((a.by for a in adjustments if a.code == "capacity_not_met"), 0)
    used = sorted(
        path
        for path in ruleset.unconfirmed
        if any(path == t or path.startswith(t + ".") or t.startswith(path + ".") for t in touched)
    )
    return LevelDecision(
        ruleset=ruleset.name,
        rate_per_100k=rate,
        band=band.name,
        coverage_met=coverage_met,
        matrix_level=matrix_level,
        capacity_adjustment=capacity,
        adjustments=tuple(adjustments),
        level=level,
        colour=rules.level_name(level).colour,
        reasons=tuple(reasons),
        explanation_vi=explanations["vi"],
        explanation_en=explanations["en"],
        unconfirmed=tuple(used),
    )


def _rules(ruleset: RuleSet) -> LevelRules:
    if not isinstance(ruleset, RuleSet) or ruleset.family != "levels":
        raise ValueError(f"a levels rule set is needed, got {ruleset}")
    return ruleset.rules


def _inputs(inputs: LevelInputs | Mapping[str, Any]) -> LevelInputs:
    if isinstance(inputs, LevelInputs):
        return inputs
    fields = {field.name for field in dataclasses.fields(LevelInputs)}
    unknown = sorted(set(inputs) - fields)
    if unknown:
        raise ValueError(f"unknown input '{unknown[0]}'")
    if "population" not in inputs:
        raise ValueError("population is required")
    return LevelInputs(**inputs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(inputs: LevelInputs, rules: LevelRules, name: str) -> None:
    """ValueError naming the field for anything the arithmetic would silently get wrong."""
    if not _is_number(inputs.population):
        raise ValueError(f"population must be a number, got {inputs.population!r}")
    if inputs.population <= 0:
        raise ValueError(f"population must be more than 0, got {inputs.population}")
    for field in terms.LEVEL_COUNT_INPUTS:
        value = getattr(inputs, field)
        if value is None:
            continue
        if not _is_number(value) or value != int(value):
            raise ValueError(f"{field} must be a whole number, got {value!r}")
        if value < 0:
            raise ValueError(f"{field} must not be negative, got {value}")
    for field in terms.LEVEL_PERCENT_INPUTS:
        value = getattr(inputs, field)
        if value is None:
            continue
        if not _is_number(value):
            raise ValueError(f"{field} must be a number, got {value!r}")
        if not 0 <= value <= 100:
            raise ValueError(f"{field} must be between 0 and 100, got {value}")
    for field in rules.inputs:
        if getattr(inputs, field) is None:
            raise ValueError(f"{field} is required by levels rule set {name}")
    if not isinstance(inputs.capacity_ok, bool):
        raise ValueError(f"capacity_ok must be true or false, got {inputs.capacity_ok!r}")
    days = inputs.days_since_last_case
    if days is None:
        return
    if not _is_number(days) or days != int(days) or days < 0:
        raise ValueError(f"days_since_last_case must be a whole number of days, 0 or more, got {days!r}")
    count = getattr(inputs, rules.counts)
    if count and days >= rules.window_days:
        raise ValueError(
            f"days_since_last_case is {days}, but {rules.counts} counts {count} in the last "
            f"{rules.window_days} days"
        )
    if not count and days < rules.window_days:
        raise ValueError(
            f"days_since_last_case is {days}, but {rules.counts} counts none in the last {rules.window_days} days"
        )


def _per_window(rules: LevelRules, lang: str) -> str:
    if lang == "vi":
        return "100.000 dân/tuần" if rules.window_days == 7 else f"100.000 dân/{rules.window_days} ngày"
    return "100,000/week" if rules.window_days == 7 else f"100,000/{rules.window_days} days"


def _rate_reason(rate: float, band: Band, rules: LevelRules) -> Reason:
    return Reason(
        "rate",
        en=f"{numfmt.number(rate, 'en', 1)} cases/{_per_window(rules, 'en')} (band {band.name})",
        vi=f"{numfmt.number(rate, 'vi', 1)} ca/{_per_window(rules, 'vi')} (nhóm {band.name})",
    )


def _coverage_reason(inputs: LevelInputs, rules: LevelRules, failing: list) -> Reason:
    shown = failing or list(rules.coverage)
    sign = "<" if failing else "≥"
    parts = {
        lang: ", ".join(
            f"{target.label_vi if lang == 'vi' else target.label_en} "
            f"{numfmt.percent(getattr(inputs, target.measure), lang)} {sign} {numfmt.percent(target.at_least, lang)}"
            for target in shown
        )
        for lang in numfmt.LANGUAGES
    }
    if failing:
        return Reason(
            "coverage_not_met", en=f"coverage not met: {parts['en']}", vi=f"bao phủ không đạt: {parts['vi']}"
        )
    return Reason("coverage_met", en=f"coverage met: {parts['en']}", vi=f"bao phủ đạt: {parts['vi']}")


def _by(raised_by: int, applied: int, rules: LevelRules, lang: str) -> str:
    if applied:
        return f"+{applied}"
    if lang == "vi":
        return f"+{raised_by}, đã ở cấp cao nhất {rules.max_level}"
    return f"+{raised_by}, already at the highest level {rules.max_level}"


def _raise_reason(rule, measure_rate: float, applied: int, rules: LevelRules) -> Reason:
    return Reason(
        f"raise_{rule.measure}",
        en=f"{rule.label_en} {numfmt.number(measure_rate, 'en', 1)}/{_per_window(rules, 'en')} "
        f"> {numfmt.number(rule.rate_above, 'en', 2, trim=True)}: {_by(rule.by, applied, rules, 'en')}",
        vi=f"{rule.label_vi} {numfmt.number(measure_rate, 'vi', 1)}/{_per_window(rules, 'vi')} "
        f"> {numfmt.number(rule.rate_above, 'vi', 2, trim=True)}: {_by(rule.by, applied, rules, 'vi')}",
    )


def _capacity_reason(raised_by: int, applied: int, rules: LevelRules) -> Reason:
    return Reason(
        "capacity_not_met",
        en=f"care capacity not met: {_by(raised_by, applied, rules, 'en')}",
        vi=f"không đảm bảo năng lực thu dung, điều trị: {_by(raised_by, applied, rules, 'vi')}",
    )


def _no_recent_case_reason(rules: LevelRules, days: int) -> Reason:
    return Reason(
        "no_recent_case",
        en=f"no {rules.counts_label_en} in the last {days} days",
        vi=f"không có {rules.counts_label_vi} trong {days} ngày qua",
    )
