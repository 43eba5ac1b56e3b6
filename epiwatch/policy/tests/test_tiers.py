"""The three-tier treatment model: which tier treats which severity."""

import datetime as dt

import pytest

from epiwatch.policy import rulesets, tiers
from epiwatch.policy.tests.helpers import data_of


@pytest.mark.parametrize(
    ("severity", "tier"),
    [("asymptomatic", 1), ("mild", 1), ("moderate", 2), ("severe", 3), ("critical", 3)],
)
def test_it_puts_each_severity_in_its_tier(severity, tier):
    assert tiers.tier_for(severity) == tier
    assert tiers.tier_for(severity, on_date=dt.date(2021, 11, 4)) == tier


def test_it_labels_the_tier_in_both_languages():
    tier = tiers.tier_of("critical", on_date=dt.date(2021, 11, 4))
    assert tier.label_en == "Tier 3: intensive care"
    assert tier.label_vi == "Tầng 3: hồi sức tích cực"


def test_it_follows_a_province_that_treats_severe_cases_in_tier_2():
    data = data_of("tiers", "BYT-3TIER")
    data["name"] = "HCM-2021"
    data["rules"]["tiers"][1]["severities"] = ["moderate", "severe"]
    data["rules"]["tiers"][2]["severities"] = ["critical"]
    adapted = rulesets.load(data)
    assert tiers.tier_for("severe", ruleset=adapted) == 2
    assert tiers.tier_for("critical", ruleset=adapted) == 3


def test_it_refuses_an_unknown_severity():
    with pytest.raises(ValueError, match="severity 'grave' is not one of"):
        tiers.tier_for("grave")
