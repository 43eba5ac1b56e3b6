"""When a case was infectious, and so whether a close contact on a given day makes an F1.

The infectious period starts a number of days before symptom onset, or before the positive sample when the case
has no symptoms; the rule set says how many. F2 (a close contact of an F1) needs no rule: tracing derives it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from epiwatch.lib import numfmt
from epiwatch.policy import rulesets
from epiwatch.policy.reasons import Reason
from epiwatch.policy.rulesets import RuleSet
from epiwatch.policy.schema import ContactRules


@dataclass(frozen=True)
class ContactDecision:
    is_f1: bool
    infectious_from: dt.date
    rule_name: str  # "<version>:after-onset" or "<version>:after-sample"
    reason: Reason


def infectious_from(
    onset_date: dt.date | None, positive_sample_date: dt.date | None, ruleset: RuleSet | None = None
) -> tuple[dt.date, str]:
    """The first infectious day of the case, and what it was counted from ("onset" or "sample")."""
    ruleset = _ruleset(onset_date, positive_sample_date, ruleset)
    rules: ContactRules = ruleset.rules
    if onset_date is not None:
        return onset_date - dt.timedelta(days=rules.days_before_onset), "onset"
    assert positive_sample_date is not None  # _ruleset refused neither date
    return positive_sample_date - dt.timedelta(days=rules.days_before_sample), "sample"


def assess(
    last_contact_date: dt.date,
    onset_date: dt.date | None = None,
    positive_sample_date: dt.date | None = None,
    ruleset: RuleSet | None = None,
) -> ContactDecision:
    """Whether a close contact on last_contact_date fell in the case's infectious period (so: an F1)."""
    _check_date("last_contact_date", last_contact_date, required=True)
    ruleset = _ruleset(onset_date, positive_sample_date, ruleset)
    start, basis = infectious_from(onset_date, positive_sample_date, ruleset)
    is_f1 = last_contact_date >= start
    basis_en = "symptom onset" if basis == "onset" else "the positive sample (no symptoms)"
    basis_vi = "khởi phát triệu chứng" if basis == "onset" else "lấy mẫu dương tính (không triệu chứng)"
    verdict_en = "within" if is_f1 else "before"
    verdict_vi = "trong" if is_f1 else "trước"
    reason = Reason(
        "infectious_period" if is_f1 else "before_infectious_period",
        f"last contact on {numfmt.date(last_contact_date, 'en')}, {verdict_en} the infectious period "
        f"from {numfmt.date(start, 'en')} (counted from {basis_en})",
        f"tiếp xúc lần cuối ngày {numfmt.date(last_contact_date, 'vi')}, {verdict_vi} thời kỳ lây truyền "
        f"từ ngày {numfmt.date(start, 'vi')} (tính từ {basis_vi})",
    )
    return ContactDecision(is_f1, start, ruleset.rule_name(f"after-{basis}"), reason)


def _check_date(field: str, value: object, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{field} must be a date, got {value!r}")


def _ruleset(
    onset_date: dt.date | None, positive_sample_date: dt.date | None, ruleset: RuleSet | None
) -> RuleSet:
    _check_date("onset_date", onset_date)
    _check_date("positive_sample_date", positive_sample_date)
    anchor = onset_date or positive_sample_date
    if anchor is None:
        raise ValueError("onset_date or positive_sample_date is required")
    ruleset = ruleset or rulesets.in_force("contacts", anchor)
    if ruleset.family != "contacts":
        raise ValueError(f"a contacts rule set is needed, got {ruleset}")
    return ruleset
