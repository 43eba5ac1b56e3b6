"""Who counts as a case: what a test result makes of a person under the confirmation rules in force.

`classify` picks the version in force on the date (the result's sample date is the usual choice) and returns the
classification with the rule that decided it, qualified by its version ("BYT-DP-11042:antigen-positive-f1"): a
case stores that name, so a case confirmed on 30 Dec 2021 by an antigen test in an F1 can be told from one
confirmed by RT-PCR when the rules are read back later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from epiwatch.policy import rulesets, terms
from epiwatch.policy.rulesets import RuleSet
from epiwatch.policy.schema import ConfirmationRules

NO_RULE = "no-rule"


@dataclass(frozen=True)
class Context:
    """What is known about the person when the result arrives; every flag defaults to false."""

    is_f1: bool = False  # a close contact of a case (derived from exposures)
    has_symptoms: bool = False  # symptoms compatible with COVID-19
    # an earlier antigen positive, within the rule set's antigen_pair_within_hours, with an epidemiological link
    previous_antigen_positive_within_8h_with_link: bool = False
    is_suspected: bool = False  # the person has an open suspected case (a negative RT-PCR can discard it)

    def flags(self) -> set[str]:
        return {name for name in terms.CONFIRMATION_FLAGS if getattr(self, name)}


class Classification(NamedTuple):
    classification: str  # suspected, confirmed, discarded or none
    rule_name: str  # "<version>:<rule>"


def classify(
    test_type: str,
    result: str,
    on_date: dt.date,
    context: Context | Mapping[str, bool] | None = None,
    ruleset: RuleSet | None = None,
) -> Classification:
    """("confirmed", "BYT-2022:rt-pcr-positive"); ("none", "...:pooled-positive-retest-members") for a pool."""
    if test_type not in terms.TEST_TYPES:
        raise ValueError(f"test_type {test_type!r} is not one of: {', '.join(terms.TEST_TYPES)}")
    if result not in terms.RESULTS:
        raise ValueError(f"result {result!r} is not one of: {', '.join(terms.RESULTS)}")
    ruleset = ruleset or rulesets.in_force("confirmation", on_date)
    if ruleset.family != "confirmation":
        raise ValueError(f"a confirmation rule set is needed, got {ruleset}")
    rules: ConfirmationRules = ruleset.rules
    flags = _context(context).flags()
    for rule in rules.rules:
        if rule.matches(test_type, result, flags):
            return Classification(rule.classification, ruleset.rule_name(rule.name))
    return Classification("none", ruleset.rule_name(NO_RULE))


def _context(context: Context | Mapping[str, bool] | None) -> Context:
    if context is None:
        return Context()
    if isinstance(context, Context):
        return context
    known = {field.name for field in dataclasses.fields(Context)}
    for key, value in context.items():
        if key not in known:
            raise ValueError(f"unknown context flag '{key}' (known: {', '.join(sorted(known))})")
        if not isinstance(value, bool):
            raise ValueError(f"context flag {key} must be true or false, got {value!r}")
    return Context(**context)
