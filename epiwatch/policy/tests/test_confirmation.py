"""Case confirmation: RT-PCR only until 28 Dec 2021, antigen with a reason from 29 Dec; pools confirm nobody."""

import datetime as dt

import pytest

from epiwatch.policy import confirmation
from epiwatch.policy.confirmation import Context

OLD = dt.date(2021, 12, 28)  # the last day of RT-PCR-only confirmation
NEW = dt.date(2021, 12, 29)  # the first day of dispatch 11042


def test_it_confirms_an_rt_pcr_positive_under_both_versions():
    assert confirmation.classify("rt_pcr", "positive", OLD) == ("confirmed", "BYT-2022:rt-pcr-positive")
    assert confirmation.classify("rt_pcr", "positive", NEW) == ("confirmed", "BYT-DP-11042:rt-pcr-positive")


def test_it_unpacks_as_a_classification_and_a_rule_name():
    classification, rule_name = confirmation.classify("rt_pcr", "positive", NEW)
    assert (classification, rule_name) == ("confirmed", "BYT-DP-11042:rt-pcr-positive")


@pytest.mark.parametrize("day", [OLD, NEW])
def test_it_confirms_nobody_from_a_positive_pool(day):
    everything = Context(is_f1=True, has_symptoms=True, previous_antigen_positive_within_8h_with_link=True)
    classification, rule_name = confirmation.classify("pooled_rt_pcr", "positive", day, everything)
    assert classification == "none"
    assert rule_name.endswith(":pooled-positive-retest-members")


@pytest.mark.parametrize("test_type", ["antigen_professional", "antigen_self"])
def test_it_keeps_an_antigen_positive_suspected_until_28_december_whatever_the_context(test_type):
    everything = Context(is_f1=True, has_symptoms=True, previous_antigen_positive_within_8h_with_link=True)
    assert confirmation.classify(test_type, "positive", OLD, everything) == (
        "suspected",
        "BYT-2022:antigen-positive-awaits-pcr",
    )


@pytest.mark.parametrize(
    ("context", "rule"),
    [
        ({"is_f1": True}, "antigen-positive-f1"),
        ({"has_symptoms": True}, "antigen-positive-symptoms"),
        ({"previous_antigen_positive_within_8h_with_link": True}, "antigen-positive-twice-linked"),
    ],
)
def test_it_confirms_an_antigen_positive_with_a_reason_from_29_december(context, rule):
    assert confirmation.classify("antigen_professional", "positive", NEW, context) == (
        "confirmed",
        f"BYT-DP-11042:{rule}",
    )


def test_it_keeps_an_antigen_positive_without_a_reason_suspected_from_29_december():
    assert confirmation.classify("antigen_self", "positive", NEW) == (
        "suspected",
        "BYT-DP-11042:antigen-positive-suspected",
    )


def test_it_discards_a_suspected_case_on_a_negative_rt_pcr_only():
    assert confirmation.classify("rt_pcr", "negative", NEW, {"is_suspected": True}) == (
        "discarded",
        "BYT-DP-11042:rt-pcr-negative-discards-suspected",
    )
    assert confirmation.classify("rt_pcr", "negative", OLD, {"is_suspected": True})[0] == "discarded"
    assert confirmation.classify("rt_pcr", "negative", NEW) == ("none", "BYT-DP-11042:no-rule")
    assert confirmation.classify("antigen_professional", "negative", NEW, {"is_suspected": True})[0] == "none"


@pytest.mark.parametrize("result", ["invalid", "pending"])
def test_it_decides_nothing_on_an_invalid_or_pending_result(result):
    assert confirmation.classify("rt_pcr", result, NEW, {"is_f1": True}) == ("none", "BYT-DP-11042:no-rule")


def test_it_gives_callers_the_antigen_pair_window():
    from epiwatch.policy import rulesets

    assert rulesets.in_force("confirmation", NEW).rules.antigen_pair_within_hours == 8
    assert rulesets.in_force("confirmation", OLD).rules.antigen_pair_within_hours is None


def test_it_refuses_unknown_words():
    with pytest.raises(ValueError, match="test_type 'lamp' is not one of"):
        confirmation.classify("lamp", "positive", NEW)
    with pytest.raises(ValueError, match="result 'weak positive' is not one of"):
        confirmation.classify("rt_pcr", "weak positive", NEW)
    with pytest.raises(ValueError, match="unknown context flag 'is_f2'"):
        confirmation.classify("antigen_self", "positive", NEW, {"is_f2": True})
    with pytest.raises(ValueError, match="context flag is_f1 must be true or false, got 'yes'"):
        confirmation.classify("antigen_self", "positive", NEW, {"is_f1": "yes"})
