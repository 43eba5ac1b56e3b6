"""Daily check-ins of home-care cases (F0) and of people in home quarantine (F1, returnees).

Who is due a check-in on a day: active cases cared for at home, and active home quarantines that day. A check-in
with SpO₂ below, or a breathing rate above, the home-care limits of the rule set in force (`policy.homecare`: 96 %,
20/min) raises an alert: for a case, the next tier up is proposed (home/tier 1 -> tier 2 -> tier 3) and a task goes
to the commune station; for a quarantined person, the task asks to test and assess them now.

Personal links let the person check in without an account: `issue_link()` returns a key of 256 random bits once,
only its hash is stored; the link expires, works once, and shows nothing but its form (see views.checkin).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts.models import Organization
from epiwatch.policy import rulesets
from epiwatch.policy.rulesets import NoRuleSetInForce
from epiwatch.tasks.models import TaskKind, raise_task
from epiwatch.tasks.routing import Assignees
from epiwatch.tracing.models import CheckInLink, EnteredVia, FollowUp, Place, Quarantine, Symptom
from epiwatch.tracing.models.followup import BREATHING_MAX, BREATHING_MIN, SPO2_MAX, SPO2_MIN

LINK_HOURS = 24

TIER_OF_CARE = {"": 1, "home": 1, "tier_1": 1, "tier_2": 2, "tier_3": 3}


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- who is due --------------------------------------------------------------------------------------------------


@dataclass
class Due:
    """One person due a check-in: the case or quarantine it is about, and the day's check-in if there is one."""

    person: object
    case: object | None = None
    quarantine: Quarantine | None = None
    checked_in: FollowUp | None = None

    @property
    def kind(self) -> str:
        return "case" if self.case is not None else "quarantine"

    @property
    def subject(self):
        return self.case or self.quarantine


def home_cases(day: dt.date):
    from epiwatch.cases.models import CareSetting, Case, CaseOutcome, Classification

    return Case.objects.filter(
        care_setting=CareSetting.HOME, outcome=CaseOutcome.ACTIVE, report_date__lte=day
    ).exclude(classification=Classification.DISCARDED)


def home_quarantines(day: dt.date):
    return (
        Quarantine.objects.active()
        .filter(place=Place.HOME, start_date__lte=day)
        .filter(Q(quarantine_until__gte=day) | Q(quarantine_until=None))
    )


def due(day: dt.date, cases, quarantines) -> list[Due]:
    """Who is due a check-in on the day among these (already access-filtered) cases and quarantines, with their
    check-in of the day if any. Three queries."""
    rows = [
        Due(c.person, case=c)
        for c in home_cases(day).filter(pk__in=cases.values("pk")).select_related("person", "area")
    ]
    rows += [
        Due(q.person, quarantine=q)
        for q in home_quarantines(day)
        .filter(pk__in=quarantines.values("pk"))
        .select_related("person", "area")
    ]
    checked = {}
    for followup in FollowUp.objects.filter(day=day, person_id__in=[r.person.pk for r in rows]).order_by(
        "recorded_at"
    ):
        checked[followup.person_id] = followup
    for row in rows:
        row.checked_in = checked.get(row.person.pk)
    rows.sort(key=lambda r: (r.checked_in is not None, r.person.full_name))
    return rows


def raise_missed_tasks(day: dt.date, cases=None, quarantines=None) -> int:
    """A MISSED_CHECKIN task, due the next day, for everyone due a check-in on `day` without one."""
    from epiwatch.cases.models import Case

    assignees = Assignees()
    raised = 0
    rows = due(
        day,
        cases if cases is not None else Case.objects.all(),
        quarantines if quarantines is not None else Quarantine.objects.all(),
    )
    for row in rows:
        if row.checked_in is not None:
            continue
        organization = assignees.for_area(row.person.residence if row.person.residence_id else None)
        if organization is None:
            continue
        _task, created = raise_task(
            TaskKind.MISSED_CHECKIN,
            organization,
            _("No check-in on %(day)s: %(name)s") % {"day": _d(day), "name": row.person.full_name},
            day + dt.timedelta(days=1),
            person=row.person,
            about=row.subject,
        )
        raised += created
    return raised


# --- recording a check-in ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    spo2_min: float
    breathing_rate_max: float
    rule: str


def limits(day: dt.date) -> Limits:
    try:
        ruleset = rulesets.in_force("homecare", day)
    except NoRuleSetInForce:
        ruleset = rulesets.versions("homecare")[0]
    return Limits(ruleset.rules.spo2_min, ruleset.rules.breathing_rate_max, ruleset.name)


def check_values(spo2, breathing_rate, temperature, symptoms) -> dict:
    """Field -> message for values outside what a person can have (the form shows them next to the fields)."""
    errors = {}
    if spo2 is not None and not SPO2_MIN <= spo2 <= SPO2_MAX:
        errors["spo2"] = _("SpO₂ must be between %(min)s and %(max)s %%; %(value)s was entered.") % {
            "min": SPO2_MIN,
            "max": SPO2_MAX,
            "value": spo2,
        }
    if breathing_rate is not None and not BREATHING_MIN <= breathing_rate <= BREATHING_MAX:
        errors["breathing_rate"] = _(
            "The breathing rate must be between %(min)s and %(max)s per minute; %(value)s was entered."
        ) % {"min": BREATHING_MIN, "max": BREATHING_MAX, "value": breathing_rate}
    if temperature is not None and not Decimal("34") <= Decimal(temperature) <= Decimal("43"):
        errors["temperature"] = _("The temperature must be between 34 and 43 °C; %(value)s was entered.") % {
            "value": temperature
        }
    unknown = [s for s in symptoms if s not in Symptom.values]
    if unknown:
        errors["symptoms"] = _("Unknown symptom(s): %(list)s.") % {"list": ", ".join(unknown)}
    return errors


def record(
    person,
    *,
    case=None,
    quarantine: Quarantine | None = None,
    day: dt.date,
    spo2: int | None = None,
    breathing_rate: int | None = None,
    temperature=None,
    symptoms: list[str] | None = None,
    note: str = "",
    via: str = EnteredVia.STAFF,
    user=None,
    organization: Organization | None = None,
) -> FollowUp:
    """Store a check-in; ValidationError (by field) for impossible values. Raises the alert task when needed."""
    symptoms = list(dict.fromkeys(symptoms or []))
    errors = check_values(spo2, breathing_rate, temperature, symptoms)
    if (case is None) == (quarantine is None):
        errors["__all__"] = _("A check-in is about one home-care case or one quarantine.")
    if errors:
        raise ValidationError(errors)
    bounds = limits(day)
    reasons = []
    if spo2 is not None and spo2 < bounds.spo2_min:
        reasons.append(_("SpO₂ %(value)s %% < %(min)s %%") % {"value": spo2, "min": f"{bounds.spo2_min:g}"})
    if breathing_rate is not None and breathing_rate > bounds.breathing_rate_max:
        reasons.append(
            _("breathing %(value)s/min > %(max)s/min")
            % {"value": breathing_rate, "max": f"{bounds.breathing_rate_max:g}"}
        )
    proposed = None
    if reasons and case is not None:
        proposed = min(3, TIER_OF_CARE.get(case.care_setting, 1) + 1)
    area = person.residence
    with transaction.atomic():
        followup = FollowUp(
            person=person,
            case=case,
            quarantine=quarantine,
            day=day,
            symptoms=symptoms,
            spo2=spo2,
            breathing_rate=breathing_rate,
            temperature=temperature,
            note=note,
            via=via,
            recorded_by=user if getattr(user, "pk", None) else None,
            organization=organization,
            alert=bool(reasons),
            alert_reasons=reasons,
            proposed_tier=proposed,
            area=area,
            province_code=area.province_code if area else "",
        )
        followup.save()
        if reasons:
            _raise_alert(followup, person, case, reasons, proposed, organization)
    return followup


def _raise_alert(followup, person, case, reasons, proposed, organization) -> None:
    assignee = Assignees().for_area(person.residence, fallback=organization)
    if assignee is None:
        return
    if case is not None:
        title = _("%(name)s: %(reasons)s: consider moving the case to tier %(tier)s") % {
            "name": person.full_name,
            "reasons": "; ".join(reasons),
            "tier": proposed,
        }
    else:
        title = _("%(name)s (in quarantine): %(reasons)s: test and assess now") % {
            "name": person.full_name,
            "reasons": "; ".join(reasons),
        }
    raise_task(TaskKind.OTHER, assignee, title[:300], followup.day, person=person, about=followup)


def mark_handled(followup: FollowUp) -> FollowUp:
    if followup.alert and followup.alert_handled_at is None:
        followup.alert_handled_at = timezone.now()
        followup.save()
    return followup


# --- personal links ----------------------------------------------------------------------------------------------


def issue_link(
    person, *, case=None, quarantine=None, user=None, hours: int = LINK_HOURS
) -> tuple[CheckInLink, str]:
    """A new personal link; the key is returned once and never stored."""
    raw, key_hash = CheckInLink.new_key()
    link = CheckInLink.objects.create(
        person=person,
        case=case,
        quarantine=quarantine,
        key_hash=key_hash,
        expires_at=timezone.now() + dt.timedelta(hours=hours),
        created_by=user if getattr(user, "pk", None) else None,
    )
    return link, raw


class LinkRefused(Exception):
    """The link cannot be used: `reason` is 'unknown', 'expired' or 'used'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def open_link(raw: str) -> CheckInLink:
    """The link behind a key if it may be used now; LinkRefused says why not."""
    link = CheckInLink.objects.for_key(raw or "").select_related("person", "case", "quarantine").first()
    if link is None:
        raise LinkRefused("unknown")
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.is_expired:
        raise LinkRefused("expired")
    if not _subject_is_current(link):
        raise LinkRefused("expired")
    return link


def _subject_is_current(link: CheckInLink) -> bool:
    from epiwatch.cases.models import CaseOutcome

    if link.case is not None:
        return link.case.outcome == CaseOutcome.ACTIVE
    return link.quarantine is not None and link.quarantine.is_active


def submit_by_link(raw: str, **values) -> FollowUp:
    """Record the person's own check-in and use the link up, in one transaction: claimed by one atomic UPDATE,
    so two submissions of the same link cannot both succeed. ValidationError leaves the link usable."""
    link = open_link(raw)
    with transaction.atomic():
        claimed = CheckInLink.objects.filter(pk=link.pk, used_at=None, expires_at__gt=timezone.now()).update(
            used_at=timezone.now()
        )
        if claimed != 1:
            raise LinkRefused("used")
        followup = record(
            link.person,
            case=link.case,
            quarantine=link.quarantine,
            day=timezone.localdate(),
            via=EnteredVia.LINK,
            **values,
        )
        CheckInLink.objects.filter(pk=link.pk).update(follow_up=followup)
    return followup
