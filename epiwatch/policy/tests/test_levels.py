"""Epidemic levels: bands, coverage, the combined table, the 14-day rule, raises, explanations, bad inputs."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epiwatch.policy import levels, rulesets
from epiwatch.policy.levels import LevelInputs
from epiwatch.policy.tests.helpers import data_of

V4800 = rulesets.in_force("levels", dt.date(2021, 11, 4))
V218 = rulesets.in_force("levels", dt.date(2022, 2, 1))

COVERED = {"adults_1dose_pct": 90, "elderly_full_pct": 85}
NOT_COVERED = {"adults_1dose_pct": 90, "elderly_full_pct": 50}


def assess_4800(cases=0, population=100_000, capacity_ok=True, **more):
    inputs = {"population": population, "community_cases_7d": cases, "capacity_ok": capacity_ok}
    return levels.assess({**COVERED, **inputs, **more}, V4800)


def assess_218(cases=0, deaths=0, population=100_000, capacity_ok=True, **more):
    inputs = {
        "population": population,
        "cases_7d": cases,
        "deaths_7d": deaths,
        "population_full_pct": 80,
        "high_risk_full_pct": 95,
        "capacity_ok": capacity_ok,
    }
    return levels.assess({**inputs, **more}, V218)


@pytest.mark.parametrize(
    ("rate", "band"),
    [(0, "A"), (19.99, "A"), (20, "B"), (49.99, "B"), (50, "C"), (149.99, "C"), (150, "D"), (10_000, "D")],
)
def test_it_puts_each_rate_in_its_4800_band(rate, band):
    assert levels.band_for(rate, V4800).name == band


@pytest.mark.parametrize(
    ("cases", "population", "band"),
    [(1999, 10_000_000, "A"), (2000, 10_000_000, "B"), (14_999, 10_000_000, "C"), (15_000, 10_000_000, "D")],
)
def test_it_bands_the_rate_computed_from_counts_without_rounding_it_first(cases, population, band):
    decision = assess_4800(cases=cases, population=population)
    assert decision.band == band
    assert decision.rate_per_100k == pytest.approx(cases / 100)


@pytest.mark.parametrize(("rate", "band"), [(149.99, "B"), (150, "C"), (600, "C"), (600.01, "D")])
def test_it_needs_more_than_600_for_the_top_band_under_218(rate, band):
    assert levels.band_for(rate, V218).name == band


def test_it_passes_the_bac_lieu_sanity_check_from_the_rules():
    # ~153 community cases a day in 900,000 people; 75 % of adults with one dose, 16 % fully vaccinated.
    decision = levels.assess(
        LevelInputs(
            population=900_000,
            community_cases_7d=153 * 7,
            adults_1dose_pct=75,
            elderly_full_pct=16,
            capacity_ok=True,
            days_since_last_case=0,
            area_name="Bạc Liêu",
        ),
        V4800,
    )
    assert round(decision.rate_per_100k) == 119
    assert decision.band == "C"
    assert decision.coverage_met is False
    assert decision.matrix_level == 4
    assert decision.level == 4
    assert decision.colour == "red"
    assert decision.ruleset == "BYT-4800"


def test_it_explains_the_decision_in_vietnamese_and_english_number_formats():
    decision = assess_4800(
        cases=452, population=1_000_000, adults_1dose_pct=75, elderly_full_pct=12, area_name="Giá Rai"
    )
    assert decision.explanation_vi == (
        "Giá Rai: 45,2 ca/100.000 dân/tuần (nhóm B); bao phủ không đạt: 65+ đủ liều 12 % < 80 % → cấp 3"
    )
    assert decision.explanation_en == (
        "Giá Rai: 45.2 cases/100,000/week (band B); coverage not met: 65+ fully vaccinated 12 % < 80 % → level 3"
    )
    assert decision.explanation("en") == decision.explanation_en
    assert [reason.code for reason in decision.reasons] == ["rate", "coverage_not_met"]


def test_it_lists_every_target_reached_when_coverage_is_met():
    decision = assess_4800(cases=5, adults_1dose_pct=75.3, elderly_full_pct=80)
    assert decision.coverage_met
    assert decision.explanation_vi == (
        "5,0 ca/100.000 dân/tuần (nhóm A); bao phủ đạt: 18+ ≥1 liều 75,3 % ≥ 70 %, 65+ đủ liều 80 % ≥ 80 % → cấp 1"
    )


@pytest.mark.parametrize(
    ("adults", "elderly", "met"), [(70, 80, True), (69.9, 80, False), (70, 79.9, False), (100, 100, True)]
)
def test_it_meets_coverage_only_when_every_cut_off_is_reached(adults, elderly, met):
    decision = assess_4800(cases=30, adults_1dose_pct=adults, elderly_full_pct=elderly)
    assert decision.coverage_met is met
    assert decision.level == (2 if met else 3)


@pytest.mark.parametrize(("cases", "met", "not_met"), [(10, 1, 2), (30, 2, 3), (100, 3, 4), (200, 4, 4)])
def test_it_reads_the_combined_table(cases, met, not_met):
    assert assess_4800(cases=cases, **COVERED).level == met
    assert assess_4800(cases=cases, **NOT_COVERED).level == not_met


def test_it_puts_a_unit_without_a_community_case_for_14_days_at_level_1():
    decision = assess_4800(cases=0, days_since_last_case=14, capacity_ok=False, **NOT_COVERED)
    assert decision.matrix_level == 2
    assert decision.level == 1
    assert decision.capacity_adjustment == 0
    assert decision.reasons[-1].code == "no_recent_case"
    assert decision.explanation_vi.endswith(
        "→ cấp 2; không có ca mắc mới trong cộng đồng trong 14 ngày qua → cấp 1"
    )
    assert decision.explanation_en.endswith("→ level 2; no new community case in the last 14 days → level 1")


def test_it_keeps_the_table_level_when_the_last_case_was_13_days_ago_or_unknown():
    assert assess_4800(cases=0, days_since_last_case=13, **NOT_COVERED).level == 2
    assert assess_4800(cases=0, days_since_last_case=None, **NOT_COVERED).level == 2


def test_it_raises_the_level_by_one_when_care_capacity_is_not_met():
    decision = assess_4800(cases=30, capacity_ok=False, **COVERED)
    assert (decision.matrix_level, decision.capacity_adjustment, decision.level) == (2, 1, 3)
    assert decision.explanation_vi.endswith("→ cấp 2; không đảm bảo năng lực thu dung, điều trị: +1 → cấp 3")
    assert decision.explanation_en.endswith("→ level 2; care capacity not met: +1 → level 3")


def test_it_caps_the_capacity_raise_at_level_4():
    decision = assess_4800(cases=200, capacity_ok=False, **COVERED)
    assert (decision.matrix_level, decision.capacity_adjustment, decision.level) == (4, 0, 4)
    assert decision.explanation_en.endswith(
        "care capacity not met: +1, already at the highest level 4 → level 4"
    )


def test_it_counts_all_cases_and_raises_for_deaths_above_6_per_100k_under_218():
    assert assess_218(cases=100).level == 2  # band B, coverage met
    decision = assess_218(cases=100, deaths=7)
    assert decision.level == 3
    assert [a.code for a in decision.adjustments] == ["raise_deaths_7d"]
    assert "tử vong 7,0/100.000 dân/tuần > 6: +1 → cấp 3" in decision.explanation_vi
    assert "deaths 7.0/100,000/week > 6: +1 → level 3" in decision.explanation_en
    assert assess_218(cases=100, deaths=6).level == 2  # a rate of exactly 6 is not above 6


def test_it_stacks_raises_up_to_the_highest_level():
    decision = assess_218(cases=300, deaths=10, capacity_ok=False)
    assert decision.matrix_level == 3
    assert [(a.code, a.by) for a in decision.adjustments] == [("raise_deaths_7d", 1), ("capacity_not_met", 0)]
    assert decision.level == 4


def test_it_reports_the_unconfirmed_values_a_decision_relied_on():
    decision = assess_4800(cases=30)
    assert "rules.criterion1.bands.B.below" in decision.unconfirmed
    assert "rules.matrix" in decision.unconfirmed
    assert "rules.criterion1.bands.C.from" not in decision.unconfirmed  # band C was not used
    assert "rules.criterion1.bands.B.below" not in assess_4800(cases=200).unconfirmed


def test_it_uses_the_version_in_force_for_each_week_of_a_history():
    week = {
        "population": 100_000,
        "community_cases_7d": 200,
        "cases_7d": 200,
        "deaths_7d": 0,
        "capacity_ok": True,
    }
    coverage = {**COVERED, "population_full_pct": 80, "high_risk_full_pct": 95}
    before = levels.assess({**week, **coverage}, rulesets.in_force("levels", dt.date(2022, 1, 26)))
    after = levels.assess({**week, **coverage}, rulesets.in_force("levels", dt.date(2022, 1, 27)))
    assert (before.ruleset, before.band, before.level) == ("BYT-4800", "D", 4)
    assert (after.ruleset, after.band, after.level) == ("BYT-218", "C", 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"population": 0}, "population must be more than 0, got 0"),
        ({"population": -900}, "population must be more than 0, got -900"),
        ({"population": "900000"}, "population must be a number"),
        ({"community_cases_7d": -3}, "community_cases_7d must not be negative, got -3"),
        ({"community_cases_7d": 2.5}, "community_cases_7d must be a whole number, got 2.5"),
        ({"community_cases_7d": True}, "community_cases_7d must be a whole number, got True"),
        ({"elderly_full_pct": 120}, "elderly_full_pct must be between 0 and 100, got 120"),
        ({"adults_1dose_pct": -1}, "adults_1dose_pct must be between 0 and 100, got -1"),
        ({"adults_1dose_pct": float("nan")}, "adults_1dose_pct must be a number"),
        ({"adults_1dose_pct": None}, "adults_1dose_pct is required by levels rule set BYT-4800"),
        ({"community_cases_7d": None}, "community_cases_7d is required by levels rule set BYT-4800"),
        ({"capacity_ok": None}, "capacity_ok must be true or false, got None"),
        ({"days_since_last_case": -1}, "days_since_last_case must be a whole number of days, 0 or more"),
        (
            {"days_since_last_case": 9},
            "days_since_last_case is 9, but community_cases_7d counts 5 in the last 7 days",
        ),
        ({"cases_per_week": 5}, "unknown input 'cases_per_week'"),
    ],
)
def test_it_refuses_bad_inputs_naming_the_field(changes, message):
    inputs = {"population": 100_000, "community_cases_7d": 5, "capacity_ok": True, **COVERED, **changes}
    with pytest.raises(ValueError) as info:
        levels.assess(inputs, V4800)
    assert message in str(info.value)


def test_it_refuses_a_last_case_inside_the_window_when_the_window_counts_none():
    with pytest.raises(ValueError, match="days_since_last_case is 3, but community_cases_7d counts none"):
        assess_4800(cases=0, days_since_last_case=3)


def test_it_needs_the_218_inputs_under_218():
    with pytest.raises(ValueError, match="cases_7d is required by levels rule set BYT-218"):
        levels.assess({"population": 1000, "community_cases_7d": 5, "capacity_ok": True}, V218)
    with pytest.raises(ValueError, match="population is required"):
        levels.assess({"cases_7d": 5}, V218)


def test_it_refuses_a_rule_set_of_another_family():
    with pytest.raises(ValueError, match="a levels rule set is needed"):
        levels.assess({"population": 1000}, rulesets.in_force("tiers", dt.date(2021, 11, 4)))


@pytest.mark.parametrize(
    ("population_full", "high_risk_full", "met"), [(75, 90, True), (74.9, 90, False), (75, 89.9, False)]
)
def test_it_needs_75_percent_of_the_population_and_90_percent_of_high_risk_groups_under_218(
    population_full, high_risk_full, met
):
    decision = assess_218(cases=100, population_full_pct=population_full, high_risk_full_pct=high_risk_full)
    assert decision.coverage_met is met


@pytest.mark.parametrize("ruleset", [V4800, V218], ids=lambda r: r.name)
@given(rate=st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_every_rate_falls_in_exactly_one_band(ruleset, rate):
    assert sum(band.contains(rate) for band in ruleset.rules.bands) == 1


def test_it_describes_its_bands_for_pages():
    assert [band.describe("en") for band in V4800.rules.bands] == ["0–<20", "20–<50", "50–<150", "≥150"]
    assert [band.describe("vi") for band in V218.rules.bands][2:] == ["150–≤600", ">600"]
    assert V4800.title("vi") == "Cấp độ dịch theo Nghị quyết 128/NQ-CP và Quyết định 4800/QĐ-BYT"


def test_it_raises_for_severe_cases_in_a_version_that_says_so():
    data = data_of("levels", "BYT-218")
    data["name"] = "BYT-218-severe"
    data["rules"]["raises"].append(
        {"measure": "severe_7d", "rate_above": 10, "by": 1, "label": {"en": "severe cases", "vi": "ca nặng"}}
    )
    version = rulesets.load(data)
    inputs = {
        "population": 100_000,
        "cases_7d": 100,
        "deaths_7d": 0,
        "population_full_pct": 80,
        "high_risk_full_pct": 95,
        "capacity_ok": True,
    }
    with pytest.raises(ValueError, match="severe_7d is required by levels rule set BYT-218-severe"):
        levels.assess(inputs, version)
    assert levels.assess({**inputs, "severe_7d": 10}, version).level == 2
    decision = levels.assess({**inputs, "severe_7d": 11}, version)
    assert decision.level == 3
    assert "ca nặng 11,0/100.000 dân/tuần > 10: +1 → cấp 3" in decision.explanation_vi
