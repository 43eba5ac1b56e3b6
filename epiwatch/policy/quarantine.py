"""How long a contact (F1) or a returnee stays in quarantine, where, and on which days they are tested.

The version is the one in force on `on_date`, the day the plan is made (by default the start): a quarantine that
began on 14 Dec 2021 and is planned again on 17 Dec follows dispatch 10696, as provinces applied it to people
already in quarantine. Whether a person counts as vaccinated or recovered is measured on the start date (the
day of arrival for a returnee). Day 1 is the start date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from epiwatch.lib import numfmt
from epiwatch.policy import rulesets, terms
from epiwatch.policy.reasons import Reason
from epiwatch.policy.rulesets import RuleSet
from epiwatch.policy.schema import QuarantineKind, QuarantineRules

_KIND_LABELS = {"f1": ("F1", "F1"), "returnee": ("returnee", "người về từ vùng dịch")}  # (en, vi)


@dataclass(frozen=True)
class QuarantinePlan:
    kind: str
    group: str
    start_date: dt.date
    days: int  # 0: no quarantine, self-monitoring only
    place_options: tuple[str, ...]  # centralized, home
    quarantine_until: dt.date | None  # the last day in quarantine
    test_days: tuple[dt.date, ...]
    self_monitoring_days: int
    self_monitoring_until: dt.date | None  # the last day of self-monitoring
    rule_name: str  # "<version>:<kind>.<group>", stored with the quarantine
    reasons: tuple[Reason, ...]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month, months earlier; the month's last day when it has no such day (31 Aug -> 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan(
    kind: str,
    start_date: dt.date,
    on_date: dt.date | None = None,
    vaccinated_last_dose_date: dt.date | None = None,
    recovered_date: dt.date | None = None,
    ruleset: RuleSet | None = None,
) -> QuarantinePlan:
    if kind not in terms.QUARANTINE_KINDS:
        raise ValueError(f"kind {kind!r} is not one of: {', '.join(terms.QUARANTINE_KINDS)}")
    for field, value in (
        ("start_date", start_date),
        ("on_date", on_date),
        ("vaccinated_last_dose_date", vaccinated_last_dose_date),
        ("recovered_date", recovered_date),
    ):
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            raise ValueError(f"{field} must be a date, got {value!r}")
    if start_date is None:
        raise ValueError("start_date is required")
    ruleset = ruleset or rulesets.in_force("quarantine", on_date or start_date)
    if ruleset.family != "quarantine":
        raise ValueError(f"a quarantine rule set is needed, got {ruleset}")
    rules: QuarantineRules = ruleset.rules
    kind_rules = rules.kind(kind)
    if kind_rules is None:
        raise ValueError(f"quarantine rule set {ruleset.name} has no rules for {kind}")

    met: set[str] = set()
    reasons = []
    vaccinated = _vaccinated(kind_rules, start_date, vaccinated_last_dose_date)
    if vaccinated is not None:
        reasons.append(vaccinated[1])
        if vaccinated[0]:
            met.add("vaccinated")
    recovered = _recovered(kind_rules, start_date, recovered_date)
    if recovered is not None:
        reasons.append(recovered[1])
        if recovered[0]:
            met.add("recovered")
    group = next(g for g in kind_rules.groups if not g.when_any or met & set(g.when_any))
    if not any(g.when_any for g in kind_rules.groups):
        en, vi = _KIND_LABELS[kind]
        reasons = [Reason("same_for_all", f"the same rule for every {en}", f"áp dụng như nhau cho mọi {vi}")]
    elif not reasons:
        reasons.append(
            Reason(
                "no_vaccination_or_recovery",
                "no vaccination or recovery recorded",
                "không ghi nhận tiêm chủng hay khỏi bệnh",
            )
        )

    def day(number: int) -> dt.date:
        return start_date + dt.timedelta(days=number - 1)

    monitoring_from = group.days + 1
    return QuarantinePlan(
        kind=kind,
        group=group.name,
        start_date=start_date,
        days=group.days,
        place_options=group.places,
        quarantine_until=day(group.days) if group.days else None,
        test_days=tuple(day(number) for number in group.test_days),
        self_monitoring_days=group.self_monitoring_days,
        self_monitoring_until=(
            day(monitoring_from + group.self_monitoring_days - 1) if group.self_monitoring_days else None
        ),
        rule_name=ruleset.rule_name(f"{kind}.{group.name}"),
        reasons=tuple(reasons),
    )


def _vaccinated(
    rules: QuarantineKind, start: dt.date, last_dose: dt.date | None
) -> tuple[bool, Reason] | None:
    if last_dose is None or rules.vaccinated_min_days is None or rules.vaccinated_max_months is None:
        return None
    days = (start - last_dose).days
    earliest = months_before(start, rules.vaccinated_max_months)
    window_en = f"{rules.vaccinated_min_days} days to {rules.vaccinated_max_months} months before the start"
    window_vi = (
        f"từ {rules.vaccinated_min_days} ngày đến {rules.vaccinated_max_months} tháng trước khi bắt đầu"
    )
    when_en = f"last dose on {numfmt.date(last_dose, 'en')}, {days} days before the start"
    when_vi = f"liều cuối ngày {numfmt.date(last_dose, 'vi')}, {days} ngày trước khi bắt đầu"
    if days < 0:
        when_en = f"last dose on {numfmt.date(last_dose, 'en')}, after the start"
        when_vi = f"liều cuối ngày {numfmt.date(last_dose, 'vi')}, sau khi bắt đầu"
    if earliest <= last_dose and days >= rules.vaccinated_min_days:
        return True, Reason("vaccinated", f"fully vaccinated: {when_en}", f"đã tiêm đủ liều: {when_vi}")
    return False, Reason(
        "vaccination_outside_window",
        f"vaccination does not count: {when_en} (needs {window_en})",
        f"tiêm chủng không được tính: {when_vi} (cần {window_vi})",
    )


def _recovered(
    rules: QuarantineKind, start: dt.date, recovered: dt.date | None
) -> tuple[bool, Reason] | None:
    if recovered is None or rules.recovered_max_months is None:
        return None
    months = rules.recovered_max_months
    on_en, on_vi = numfmt.date(recovered, "en"), numfmt.date(recovered, "vi")
    if months_before(start, months) <= recovered <= start:
        return True, Reason(
            "recovered",
            f"recovered on {on_en}, within {months} months before the start",
            f"đã khỏi bệnh ngày {on_vi}, trong vòng {months} tháng trước khi bắt đầu",
        )
    return False, Reason(
        "recovery_outside_window",
        f"recovery does not count: {on_en} is not within {months} months before the start",
        f"khỏi bệnh không được tính: ngày {on_vi} không nằm trong {months} tháng trước khi bắt đầu",
    )
