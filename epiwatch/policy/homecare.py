"""Whether a case may be cared for at home, and every reason why not, in Vietnamese and English.

A value not measured (breathing rate, SpO₂, age) is a reason, not a pass: home care is decided on what a health
worker has checked. Comorbidities are matched on the rule set's codes or labels, accents and case ignored
("Tăng huyết áp", "hypertension"); anything else is not a listed comorbidity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any, NamedTuple

from epiwatch.lib import numfmt
from epiwatch.lib.text import normalize_name
from epiwatch.policy import rulesets, terms
from epiwatch.policy.reasons import Reason
from epiwatch.policy.rulesets import RuleSet
from epiwatch.policy.schema import Comorbidity, HomeCareRules


class Eligibility(NamedTuple):
    eligible: bool
    reasons: tuple[Reason, ...]  # why not; empty when eligible


def eligibility(
    severity: str,
    breathing_rate: float | None,
    spo2: float | None,
    age: int | None,
    doses: int,
    last_dose_date: dt.date | None,
    comorbidities: Iterable[str] | None,
    pregnant: bool,
    can_self_care_or_carer: bool,
    on_date: dt.date,
    ruleset: RuleSet | None = None,
) -> Eligibility:
    _check(
        severity, breathing_rate, spo2, age, doses, last_dose_date, pregnant, can_self_care_or_carer, on_date
    )
    if isinstance(comorbidities, str):
        raise ValueError(f"comorbidities must be a list of codes, got {comorbidities!r}")
    comorbidities = list(comorbidities or ())
    if not all(isinstance(item, str) for item in comorbidities):
        raise ValueError(f"comorbidities must be a list of codes, got {comorbidities!r}")
    ruleset = ruleset or rulesets.in_force("homecare", on_date)
    if ruleset.family != "homecare":
        raise ValueError(f"a home care rule set is needed, got {ruleset}")
    rules: HomeCareRules = ruleset.rules
    reasons = []

    if severity not in rules.severities:
        allowed_en = " or ".join(terms.severity_label(s, "en") for s in rules.severities)
        allowed_vi = " hoặc ".join(terms.severity_label(s, "vi") for s in rules.severities)
        reasons.append(
            Reason(
                "severity",
                f"severity {terms.severity_label(severity, 'en')}: home care is for {allowed_en} cases",
                f"mức độ {terms.severity_label(severity, 'vi')}: chỉ chăm sóc tại nhà ca {allowed_vi}",
            )
        )
    if breathing_rate is None:
        reasons.append(Reason("breathing_rate_unknown", "breathing rate not measured", "chưa đo nhịp thở"))
    elif breathing_rate > rules.breathing_rate_max:
        rate = {lang: numfmt.number(breathing_rate, lang, 1, trim=True) for lang in numfmt.LANGUAGES}
        most = {
            lang: numfmt.number(rules.breathing_rate_max, lang, 1, trim=True) for lang in numfmt.LANGUAGES
        }
        reasons.append(
            Reason(
                "breathing_rate",
                f"breathing rate {rate['en']}/min > {most['en']}/min",
                f"nhịp thở {rate['vi']} lần/phút > {most['vi']} lần/phút",
            )
        )
    if spo2 is None:
        reasons.append(Reason("spo2_unknown", "SpO₂ not measured", "chưa đo SpO₂"))
    elif spo2 < rules.spo2_min:
        reasons.append(
            Reason(
                "spo2",
                f"SpO₂ {numfmt.percent(spo2, 'en')} < {numfmt.percent(rules.spo2_min, 'en')}",
                f"SpO₂ {numfmt.percent(spo2, 'vi')} < {numfmt.percent(rules.spo2_min, 'vi')}",
            )
        )
    if not _vaccinated(rules, doses, last_dose_date, on_date):
        unvaccinated_reasons = _unvaccinated_reasons(rules, age, comorbidities, pregnant)
        if unvaccinated_reasons:
            reasons.append(_not_vaccinated_reason(rules, doses, last_dose_date, on_date))
            reasons.extend(unvaccinated_reasons)
    if rules.needs_self_care_or_carer and not can_self_care_or_carer:
        reasons.append(
            Reason(
                "no_carer",
                "cannot care for themselves and has no carer",
                "không tự chăm sóc được và không có người chăm sóc",
            )
        )
    return Eligibility(not reasons, tuple(reasons))


def _vaccinated(rules: HomeCareRules, doses: int, last_dose_date: dt.date | None, on_date: dt.date) -> bool:
    if doses >= rules.full_doses:
        return True
    return bool(
        doses >= 1 and last_dose_date and (on_date - last_dose_date).days > rules.one_dose_more_than_days
    )


def _not_vaccinated_reason(
    rules: HomeCareRules, doses: int, last_dose_date: dt.date | None, on_date: dt.date
) -> Reason:
    if doses == 0:
        had_en, had_vi = "no dose", "chưa tiêm liều nào"
    elif last_dose_date is None:
        had_en, had_vi = f"{doses} dose, date unknown", f"{doses} liều, không rõ ngày tiêm"
    else:
        days = (on_date - last_dose_date).days
        had_en, had_vi = f"{doses} dose {days} days ago", f"{doses} liều cách đây {days} ngày"
    needs_en = f"{rules.full_doses} doses, or 1 dose more than {rules.one_dose_more_than_days} days ago"
    needs_vi = f"{rules.full_doses} liều, hoặc 1 liều đã quá {rules.one_dose_more_than_days} ngày"
    return Reason(
        "not_vaccinated",
        f"not vaccinated: {had_en} (needs {needs_en})",
        f"chưa tiêm đủ: {had_vi} (cần {needs_vi})",
    )


def _unvaccinated_reasons(
    rules: HomeCareRules, age: int | None, comorbidities: Iterable[str], pregnant: bool
) -> list[Reason]:
    low, high = rules.unvaccinated_age_from, rules.unvaccinated_age_to
    reasons = []
    if age is None:
        reasons.append(Reason("age_unknown", "age unknown", "không rõ tuổi"))
    elif not low <= age <= high:
        reasons.append(
            Reason(
                "age",
                f"aged {age}: without vaccination only people aged {low} to {high} qualify",
                f"{age} tuổi: người chưa tiêm chỉ đủ điều kiện khi từ {low} đến {high} tuổi",
            )
        )
    listed = listed_comorbidities(rules, comorbidities)
    if listed:
        reasons.append(
            Reason(
                "comorbidity",
                "listed comorbidity: " + ", ".join(c.label_en for c in listed),
                "có bệnh nền: " + ", ".join(c.label_vi for c in listed),
            )
        )
    if pregnant:
        reasons.append(Reason("pregnant", "pregnant", "đang mang thai"))
    return reasons


def listed_comorbidities(rules: HomeCareRules, comorbidities: Iterable[str]) -> list[Comorbidity]:
    """The person's comorbidities that the rules list, in the rules' order."""
    given = {normalize_name(item) for item in comorbidities}
    return [
        c
        for c in rules.comorbidities
        if given & {normalize_name(c.code), normalize_name(c.label_en), normalize_name(c.label_vi)}
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(
    severity: Any,
    breathing_rate: Any,
    spo2: Any,
    age: Any,
    doses: Any,
    last_dose_date: Any,
    pregnant: Any,
    can_self_care_or_carer: Any,
    on_date: Any,
) -> None:
    if severity not in terms.SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of: {', '.join(terms.SEVERITIES)}")
    if breathing_rate is not None and (not _is_number(breathing_rate) or not 0 < breathing_rate <= 150):
        raise ValueError(f"breathing_rate must be breaths per minute (1-150), got {breathing_rate!r}")
    if spo2 is not None and (not _is_number(spo2) or not 0 <= spo2 <= 100):
        raise ValueError(f"spo2 must be a percentage between 0 and 100, got {spo2!r}")
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 130):
        raise ValueError(f"age must be whole years between 0 and 130, got {age!r}")
    if not isinstance(doses, int) or isinstance(doses, bool) or doses < 0:
        raise ValueError(f"doses must be a whole number, 0 or more, got {doses!r}")
    for field, value in (("pregnant", pregnant), ("can_self_care_or_carer", can_self_care_or_carer)):
        if not isinstance(value, bool):
            raise ValueError(f"{field} must be true or false, got {value!r}")
    if not isinstance(on_date, dt.date) or isinstance(on_date, dt.datetime):
        raise ValueError(f"on_date must be a date, got {on_date!r}")
    if last_dose_date is not None:
        if not isinstance(last_dose_date, dt.date) or isinstance(last_dose_date, dt.datetime):
            raise ValueError(f"last_dose_date must be a date, got {last_dose_date!r}")
        if last_dose_date > on_date:
            raise ValueError(f"last_dose_date {last_dose_date} is after on_date {on_date}")
        if doses == 0:
            raise ValueError("last_dose_date is given but doses is 0")
