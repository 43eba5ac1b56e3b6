"""Which tier of the three-tier treatment model a case belongs in, by severity."""

from __future__ import annotations

import datetime as dt

from epiwatch.policy import rulesets, terms
from epiwatch.policy.rulesets import RuleSet
from epiwatch.policy.schema import Tier, TierRules


def tier_for(severity: str, on_date: dt.date | None = None, ruleset: RuleSet | None = None) -> int:
    """tier_for("moderate") == 2, under the version in force on on_date (today when not given)."""
    return tier_of(severity, on_date, ruleset).tier


def tier_of(severity: str, on_date: dt.date | None = None, ruleset: RuleSet | None = None) -> Tier:
    """The tier with its labels, for pages that show where a case should be treated."""
    if severity not in terms.SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of: {', '.join(terms.SEVERITIES)}")
    ruleset = ruleset or rulesets.in_force("tiers", on_date or dt.date.today())
    if ruleset.family != "tiers":
        raise ValueError(f"a tiers rule set is needed, got {ruleset}")
    rules: TierRules = ruleset.rules
    return rules.tier_for(severity)
