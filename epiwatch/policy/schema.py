"""The rules of each family as frozen dataclasses, and the parsers that build and check them from JSON.

A parser refuses anything an evaluator could not use safely: bands that leave a gap or overlap, a matrix
without a level for some band, a level outside 1-4, a percentage cut-off below 0 or above 100, a positive pool
that would confirm a case. The message names the problem in the words of the rule set ("bands B and C leave a
gap between 50 and 60"); `rulesets.load` adds the family and version in front.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from epiwatch.lib import numfmt
from epiwatch.policy import terms
from epiwatch.policy.reader import Node, RuleSetError

LEVELS = (1, 2, 3, 4)


# ---------------------------------------------------------------------------------------------------- levels


@dataclass(frozen=True)
class LevelName:
    level: int
    colour: str
    name_en: str
    name_vi: str


@dataclass(frozen=True)
class Band:
    name: str
    lower: float
    lower_inclusive: bool  # "from" (>=) when true, "above" (>) when false
    upper: float | None  # None: open-ended, the last band
    upper_inclusive: bool  # "up_to" (<=) when true, "below" (<) when false

    def contains(self, rate: float) -> bool:
        above_lower = rate >= self.lower if self.lower_inclusive else rate > self.lower
        if self.upper is None:
            return above_lower
        below_upper = rate <= self.upper if self.upper_inclusive else rate < self.upper
        return above_lower and below_upper

    def describe(self, lang: str = "en") -> str:
        """'20–<50', '≥150', '>600', '0–≤600' in the language's number format."""
        low = numfmt.number(self.lower, lang, decimals=2, trim=True)
        if self.upper is None:
            return ("≥" if self.lower_inclusive else ">") + low
        high = numfmt.number(self.upper, lang, decimals=2, trim=True)
        return (
            ("" if self.lower_inclusive else ">") + f"{low}–" + ("≤" if self.upper_inclusive else "<") + high
        )


@dataclass(frozen=True)
class CoverageTarget:
    measure: str  # a percentage input of the assessment
    at_least: float
    label_en: str
    label_vi: str


@dataclass(frozen=True)
class MatrixRow:
    band: str
    met: int
    not_met: int


@dataclass(frozen=True)
class Raise:
    """A count whose rate per 100,000 over the window raises the level when above a cut (deaths under 218)."""

    measure: str
    rate_above: float
    by: int
    label_en: str
    label_vi: str


@dataclass(frozen=True)
class LevelRules:
    levels: tuple[LevelName, ...]
    counts: str  # the count input criterion 1 uses: community_cases_7d (4800) or cases_7d (218)
    counts_label_en: str  # "new community case", for "no ... in the last 14 days"
    counts_label_vi: str
    window_days: int
    bands: tuple[Band, ...]
    coverage: tuple[CoverageTarget, ...]  # met when every target is reached
    matrix: tuple[MatrixRow, ...]
    no_recent_case_days: int | None  # no case in this many days -> no_recent_case_level
    no_recent_case_level: int
    capacity_raise: int
    max_level: int
    raises: tuple[Raise, ...]

    def band_for(self, rate: float) -> Band:
        for band in self.bands:
            if band.contains(rate):
                return band
        raise ValueError(
            f"a rate of {rate} falls in no band"
        )  # validation makes this unreachable for rate >= 0

    def matrix_level(self, band: str, coverage_met: bool) -> int:
        row = next(row for row in self.matrix if row.band == band)
        return row.met if coverage_met else row.not_met

    def level_name(self, level: int) -> LevelName:
        return next(name for name in self.levels if name.level == level)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The inputs an assessment under these rules needs."""
        return (self.counts, *(t.measure for t in self.coverage), *(r.measure for r in self.raises))


def _number_text(value: float) -> str:
    return numfmt.number(value, "en", decimals=2, trim=True).replace(",", "")


def _parse_band(node: Node) -> Band:
    name = node.text("band")
    if node.has("from") and node.has("above"):
        raise RuleSetError(f"band {name} has both 'from' and 'above'; give one lower bound")
    if node.has("below") and node.has("up_to"):
        raise RuleSetError(f"band {name} has both 'below' and 'up_to'; give one upper bound")
    if not (node.has("from") or node.has("above")):
        raise RuleSetError(f"band {name} has no lower bound ('from' or 'above')")
    lower_key = "from" if node.has("from") else "above"
    upper_key = "below" if node.has("below") else "up_to"
    lower = node.number(lower_key)
    upper = node.number(upper_key, required=False)
    node.raw("above" if lower_key == "from" else "from", required=False)  # mark the unused spelling as read
    node.raw("up_to" if upper_key == "below" else "below", required=False)
    for bound in (lower, upper):
        if bound is not None and bound < 0:
            raise RuleSetError(f"band {name} has a bound of {_number_text(bound)}; rates are never negative")
    if upper is not None and lower >= upper:
        raise RuleSetError(
            f"band {name} runs from {_number_text(lower)} to {_number_text(upper)}; "
            "its lower bound must be below its upper bound"
        )
    node.done()
    return Band(name, lower, lower_key == "from", upper, upper_key == "up_to")


def check_bands(bands: list[Band]) -> None:
    first = bands[0]
    if first.lower != 0 or not first.lower_inclusive:
        raise RuleSetError(f"band {first.name} must start from 0 (the first band covers a rate of 0)")
    for before, after in zip(bands, bands[1:], strict=False):
        if before.upper is None:
            raise RuleSetError(f"band {before.name} has no upper bound but band {after.name} follows it")
        pair = f"bands {before.name} and {after.name}"
        if before.upper < after.lower:
            raise RuleSetError(
                f"{pair} leave a gap between {_number_text(before.upper)} and {_number_text(after.lower)}"
            )
        if before.upper > after.lower:
            raise RuleSetError(
                f"{pair} overlap between {_number_text(after.lower)} and {_number_text(before.upper)}"
            )
        if before.upper_inclusive and after.lower_inclusive:
            raise RuleSetError(f"{pair} both include {_number_text(after.lower)}")
        if not before.upper_inclusive and not after.lower_inclusive:
            raise RuleSetError(
                f"{pair} leave a gap at exactly {_number_text(after.lower)}: it falls in neither"
            )
    last = bands[-1]
    if last.upper is not None:
        raise RuleSetError(
            f"band {last.name} ends at {_number_text(last.upper)}: higher rates fall in no band; "
            "the last band must be open-ended"
        )


def _check_level(level: int, what: str) -> int:
    if level not in LEVELS:
        raise RuleSetError(f"{what} is {level}; levels run from 1 to 4")
    return level


def _level(node: Node, key: str, what: str) -> int:
    return _check_level(node.integer(key), what)


def parse_levels(rules: Node) -> LevelRules:
    names = []
    for node in rules.items("levels", "level", "level"):
        level = node.integer("level")
        _check_level(level, f"level {level} in 'levels'")
        name_en, name_vi = node.bilingual("name")
        names.append(LevelName(level, node.text("colour"), name_en, name_vi))
        node.done()
    if sorted(name.level for name in names) != list(LEVELS):
        raise RuleSetError("'levels' must name levels 1, 2, 3 and 4, each once")

    c1 = rules.node("criterion1", "criterion 1")
    counts = c1.choice("counts", ("community_cases_7d", "cases_7d"))
    counts_en, counts_vi = c1.bilingual("what")
    window_days = c1.integer("window_days", minimum=1)
    bands = [_parse_band(node) for node in c1.items("bands", "band", "band")]
    check_bands(bands)
    c1.done()
    band_names = [band.name for band in bands]

    coverage_node = rules.node("coverage")
    targets = []
    for node in coverage_node.items("met_when_all", "measure", "coverage measure"):
        measure = node.text("measure")
        if measure not in terms.LEVEL_PERCENT_INPUTS:
            raise RuleSetError(
                f"coverage measure '{measure}' is not a percentage input "
                f"({', '.join(terms.LEVEL_PERCENT_INPUTS)})"
            )
        cut = node.number("at_least")
        if not 0 <= cut <= 100:
            raise RuleSetError(f"coverage cut-off for {measure} is {_number_text(cut)} %, outside 0–100 %")
        label_en, label_vi = node.bilingual("label")
        targets.append(CoverageTarget(measure, cut, label_en, label_vi))
        node.done()
    coverage_node.done()

    matrix_node = rules.node("matrix")
    for key in matrix_node.data:
        if key not in ("unconfirmed", "note") and key not in band_names:
            raise RuleSetError(
                f"matrix has a row for band {key}, which is not one of the bands ({', '.join(band_names)})"
            )
    matrix = []
    for name in band_names:
        if not matrix_node.has(name):
            raise RuleSetError(f"matrix has no row for band {name}")
        row = matrix_node.node(name, f"matrix row {name}")
        for key, when in (("met", "met"), ("not_met", "not met")):
            if not row.has(key):
                raise RuleSetError(f"matrix has no level for band {name} when coverage is {when}")
        met = _level(row, "met", f"matrix level for band {name} when coverage is met")
        not_met = _level(row, "not_met", f"matrix level for band {name} when coverage is not met")
        row.done()
        matrix.append(MatrixRow(name, met, not_met))
    matrix_node.done()

    no_case_days, no_case_level = None, 1
    if rules.has("no_recent_case"):
        no_case = rules.node("no_recent_case", "the no-recent-case rule")
        no_case_days = no_case.integer("days", minimum=1)
        no_case_level = _level(no_case, "level", "the level of a unit without recent cases")
        no_case.done()
    else:
        rules.raw("no_recent_case", required=False)

    capacity = rules.node("capacity", "the capacity rule")
    capacity_raise = capacity.integer("raise_by", minimum=0, maximum=3)
    max_level = _level(capacity, "max_level", "the highest level")
    capacity.done()

    raises = []
    if rules.has("raises"):
        for node in rules.items("raises", "measure", "raise by"):
            measure = node.text("measure")
            if measure not in terms.LEVEL_COUNT_INPUTS:
                raise RuleSetError(
                    f"raise by '{measure}' is not a count input ({', '.join(terms.LEVEL_COUNT_INPUTS)})"
                )
            rate_above = node.number("rate_above", minimum=0)
            by = node.integer("by", minimum=1, maximum=3)
            label_en, label_vi = node.bilingual("label")
            raises.append(Raise(measure, rate_above, by, label_en, label_vi))
            node.done()
    else:
        rules.raw("raises", required=False)

    return LevelRules(
        levels=tuple(sorted(names, key=lambda name: name.level)),
        counts=counts,
        counts_label_en=counts_en,
        counts_label_vi=counts_vi,
        window_days=window_days,
        bands=tuple(bands),
        coverage=tuple(targets),
        matrix=tuple(matrix),
        no_recent_case_days=no_case_days,
        no_recent_case_level=no_case_level,
        capacity_raise=capacity_raise,
        max_level=max_level,
        raises=tuple(raises),
    )


# ---------------------------------------------------------------------------------------------- confirmation


@dataclass(frozen=True)
class ConfirmationRule:
    name: str
    test_types: tuple[str, ...]
    results: tuple[str, ...]
    when: tuple[str, ...]  # context flags that must all be true
    classification: str

    def matches(self, test_type: str, result: str, flags: set[str]) -> bool:
        return test_type in self.test_types and result in self.results and set(self.when) <= flags


@dataclass(frozen=True)
class ConfirmationRules:
    rules: tuple[ConfirmationRule, ...]  # the first that matches decides
    antigen_pair_within_hours: (
        int | None
    )  # for the caller computing previous_antigen_positive_within_8h_with_link


def parse_confirmation(rules: Node) -> ConfirmationRules:
    parsed = []
    for node in rules.items("rules", "name", "rule"):
        rule = ConfirmationRule(
            name=node.text("name"),
            test_types=node.choices("test_types", terms.TEST_TYPES),
            results=node.choices("results", terms.RESULTS),
            when=node.choices("when", terms.CONFIRMATION_FLAGS, required=False),
            classification=node.choice("classification", terms.CLASSIFICATIONS),
        )
        node.done()
        pooled = set(rule.test_types) & set(terms.POOLED_TEST_TYPES)
        if pooled and rule.classification == "confirmed":
            raise RuleSetError(
                f"rule {rule.name} confirms a case from a pooled result; a positive pool confirms nobody "
                "(its members are re-tested individually)"
            )
        parsed.append(rule)
    hours = rules.integer("antigen_pair_within_hours", minimum=1, maximum=72, required=False)
    return ConfirmationRules(tuple(parsed), hours)


# ------------------------------------------------------------------------------------------------ quarantine


@dataclass(frozen=True)
class QuarantineGroup:
    name: str
    when_any: tuple[str, ...]  # empty: everyone not matched by an earlier group
    days: int
    places: tuple[str, ...]
    test_days: tuple[int, ...]  # day 1 is the first day of quarantine (or of self-monitoring when days is 0)
    self_monitoring_days: int


@dataclass(frozen=True)
class QuarantineKind:
    kind: str
    vaccinated_min_days: int | None  # the last dose at least this many days before the start...
    vaccinated_max_months: int | None  # ...and at most this many months before it
    recovered_max_months: int | None  # recovered at most this many months before the start
    groups: tuple[QuarantineGroup, ...]


@dataclass(frozen=True)
class QuarantineRules:
    kinds: tuple[QuarantineKind, ...]

    def kind(self, kind: str) -> QuarantineKind | None:
        return next((k for k in self.kinds if k.kind == kind), None)


def _parse_group(node: Node, kind: str) -> QuarantineGroup:
    name = node.text("group")
    what = f"{kind} group {name}"
    days = node.integer("days", minimum=0, maximum=60)
    places = node.choices("places", terms.QUARANTINE_PLACES, required=False)
    if days and not places:
        raise RuleSetError(f"{what} quarantines for {days} days but names no place")
    if not days and places:
        raise RuleSetError(f"{what} names places but quarantines for 0 days")
    monitoring = node.integer("self_monitoring_days", minimum=0, maximum=60)
    raw_days = node.raw("test_days")
    if not isinstance(raw_days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) for d in raw_days
    ):
        raise RuleSetError(f"the test days of {what} must be a list of day numbers")
    span = days + monitoring
    for day in raw_days:
        if not 1 <= day <= span:
            raise RuleSetError(
                f"test day {day} of {what} is outside its {span} days of quarantine and self-monitoring"
            )
    if sorted(set(raw_days)) != raw_days:
        raise RuleSetError(f"the test days of {what} must be in order, each once")
    group = QuarantineGroup(
        name=name,
        when_any=node.choices("when_any", terms.QUARANTINE_CONDITIONS, required=False),
        days=days,
        places=places,
        test_days=tuple(raw_days),
        self_monitoring_days=monitoring,
    )
    node.done()
    return group


def parse_quarantine(rules: Node) -> QuarantineRules:
    kinds = []
    for kind_code in terms.QUARANTINE_KINDS:
        if not rules.has(kind_code):
            rules.raw(kind_code, required=False)
            continue
        node = rules.node(kind_code, f"quarantine of {kind_code}")
        min_days = max_months = None
        if node.has("vaccinated"):
            vaccinated = node.node("vaccinated", f"'vaccinated' of {kind_code}")
            min_days = vaccinated.integer("min_days_after_last_dose", minimum=0)
            max_months = vaccinated.integer("max_months_after_last_dose", minimum=1)
            vaccinated.done()
        recovered = node.integer("recovered_within_months", minimum=1, required=False)
        groups = [_parse_group(g, kind_code) for g in node.items("groups", "group", f"{kind_code} group")]
        for group in groups:
            if "vaccinated" in group.when_any and min_days is None:
                raise RuleSetError(
                    f"{kind_code} group {group.name} applies to vaccinated people, but 'vaccinated' is missing"
                )
            if "recovered" in group.when_any and recovered is None:
                raise RuleSetError(
                    f"{kind_code} group {group.name} applies to recovered people, but 'recovered_within_months' is missing"
                )
        for group in groups[:-1]:
            if not group.when_any:
                raise RuleSetError(
                    f"{kind_code} group {group.name} applies to everyone, so the groups after it never apply"
                )
        if groups[-1].when_any:
            raise RuleSetError(
                f"the last {kind_code} group ({groups[-1].name}) must apply to everyone else (no 'when_any')"
            )
        node.done()
        kinds.append(QuarantineKind(kind_code, min_days, max_months, recovered, tuple(groups)))
    if not kinds:
        raise RuleSetError(
            f"a quarantine rule set needs rules for at least one of: {', '.join(terms.QUARANTINE_KINDS)}"
        )
    return QuarantineRules(tuple(kinds))


# ------------------------------------------------------------------------------------------------- home care


@dataclass(frozen=True)
class Comorbidity:
    code: str
    label_en: str
    label_vi: str


@dataclass(frozen=True)
class HomeCareRules:
    severities: tuple[str, ...]
    breathing_rate_max: float  # per minute, inclusive
    spo2_min: float  # percent on room air, inclusive
    full_doses: int  # this many doses count as vaccinated...
    one_dose_more_than_days: int  # ...or one dose more than this many days ago
    unvaccinated_age_from: int  # unvaccinated people qualify only within these ages (inclusive),
    unvaccinated_age_to: int  # without a listed comorbidity and not pregnant
    needs_self_care_or_carer: bool
    comorbidities: tuple[Comorbidity, ...]


def _percent(node: Node, key: str, what: str) -> float:
    value = node.number(key)
    if not 0 <= value <= 100:
        raise RuleSetError(f"{what} is {_number_text(value)} %, outside 0–100 %")
    return value


def parse_homecare(rules: Node) -> HomeCareRules:
    severities = rules.choices("severities", terms.SEVERITIES)
    if not severities:
        raise RuleSetError("home care names no severity")
    vaccinated = rules.node("vaccinated")
    unvaccinated = rules.node("unvaccinated")
    age_from = unvaccinated.integer("age_from", minimum=0, maximum=120)
    age_to = unvaccinated.integer("age_to", minimum=0, maximum=120)
    if age_from > age_to:
        raise RuleSetError(f"the unvaccinated age range runs from {age_from} to {age_to}")
    unvaccinated.done()
    comorbidities = []
    raw = rules.raw("comorbidities")
    if not isinstance(raw, list) or not raw:
        raise RuleSetError("'comorbidities' must be a non-empty list")
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != {"code", "en", "vi"}:
            raise RuleSetError(f"comorbidity {position} must have exactly a code, an 'en' and a 'vi' label")
        if not all(isinstance(v, str) and v.strip() for v in item.values()):
            raise RuleSetError(f"comorbidity {position} has an empty code or label")
        comorbidities.append(Comorbidity(item["code"], item["en"], item["vi"]))
    if len({c.code for c in comorbidities}) != len(comorbidities):
        raise RuleSetError("a comorbidity code is listed twice")
    parsed = HomeCareRules(
        severities=severities,
        breathing_rate_max=rules.number("breathing_rate_max", minimum=1),
        spo2_min=_percent(rules, "spo2_min", "the SpO₂ minimum"),
        full_doses=vaccinated.integer("full_doses", minimum=1),
        one_dose_more_than_days=vaccinated.integer("one_dose_more_than_days", minimum=0),
        unvaccinated_age_from=age_from,
        unvaccinated_age_to=age_to,
        needs_self_care_or_carer=rules.boolean("needs_self_care_or_carer"),
        comorbidities=tuple(comorbidities),
    )
    vaccinated.done()
    return parsed


# ----------------------------------------------------------------------------------------------------- tiers


@dataclass(frozen=True)
class Tier:
    tier: int
    severities: tuple[str, ...]
    label_en: str
    label_vi: str


@dataclass(frozen=True)
class TierRules:
    tiers: tuple[Tier, ...]

    def tier_for(self, severity: str) -> Tier:
        return next(tier for tier in self.tiers if severity in tier.severities)


def parse_tiers(rules: Node) -> TierRules:
    tiers = []
    for node in rules.items("tiers", "tier", "tier"):
        number = node.integer("tier", minimum=1, maximum=3)
        severities = node.choices("severities", terms.SEVERITIES)
        label_en, label_vi = node.bilingual("label")
        node.done()
        tiers.append(Tier(number, severities, label_en, label_vi))
    for severity in terms.SEVERITIES:
        holding = [str(tier.tier) for tier in tiers if severity in tier.severities]
        if not holding:
            raise RuleSetError(f"severity '{severity}' has no tier")
        if len(holding) > 1:
            raise RuleSetError(f"severity '{severity}' is in tiers {' and '.join(holding)}")
    return TierRules(tuple(sorted(tiers, key=lambda tier: tier.tier)))


# -------------------------------------------------------------------------------------------------- contacts


@dataclass(frozen=True)
class ContactRules:
    days_before_onset: int  # the infectious period starts this many days before symptom onset...
    days_before_sample: int  # ...or before the positive sample when there are no symptoms


def parse_contacts(rules: Node) -> ContactRules:
    period = rules.node("infectious_period", "the infectious period")
    parsed = ContactRules(
        days_before_onset=period.integer("days_before_onset", minimum=0, maximum=30),
        days_before_sample=period.integer("days_before_sample_when_asymptomatic", minimum=0, maximum=30),
    )
    period.done()
    return parsed


PARSERS: dict[str, Callable[[Node], Any]] = {
    "levels": parse_levels,
    "confirmation": parse_confirmation,
    "quarantine": parse_quarantine,
    "homecare": parse_homecare,
    "tiers": parse_tiers,
    "contacts": parse_contacts,
}
FAMILIES = tuple(PARSERS)
