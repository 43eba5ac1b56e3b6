"""Deriving the contact records (F1, F2) from exposures, dates and the cases' infectious periods.

- F1: the exposure's source has a case (suspected or confirmed) and the last contact falls in that case's infectious
  period (`policy.contacts.assess`: from 2 days before onset, or before the positive sample; the report date stands in
  for the sample when neither is known);
- F2: the source is an F1 of a case under follow-up, exposed on or after the day the F1 was (before that the F1
  had nothing to pass on); and when someone becomes an F1, the people they exposed since become F2 of that case.

A contact who is already an active case gets no contact record (the exposure is kept for the chain). One record per
(case, person): a later exposure moves its date forward, an F1 exposure turns an F2 record into an F1.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.people.models import Person
from epiwatch.policy import contacts as policy
from epiwatch.policy.rulesets import NoRuleSetInForce
from epiwatch.tracing.models import Contact, ContactLevel, ContactStatus, Exposure


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _active_cases(person_ids) -> dict[int, list]:
    """Suspected or confirmed cases of these people, newest first."""
    from epiwatch.cases.models import Case, Classification

    found: dict[int, list] = defaultdict(list)
    rows = (
        Case.objects.filter(person_id__in=list(person_ids))
        .exclude(classification=Classification.DISCARDED)
        .select_related("person", "area")
        .order_by("-report_date", "-pk")
    )
    for case in rows:
        found[case.person_id].append(case)
    return found


def _is_open_case(case) -> bool:
    from epiwatch.cases.models import CaseOutcome

    return case.outcome == CaseOutcome.ACTIVE


def infectious_from(case) -> tuple[dt.date, str] | None:
    """The first infectious day of the case and the rule version, or None when no contacts rule covers it."""
    sample = case.sample_date or (case.report_date if case.onset_date is None else None)
    try:
        decision = policy.assess(case.onset_date or sample, case.onset_date, sample)
    except (NoRuleSetInForce, ValueError):
        return None
    return decision.infectious_from, decision.rule_name


@dataclass
class Derived:
    contacts: list[Contact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Upserter:
    """Creates or improves contact records, one (case, person) at a time, remembering what it did."""

    def __init__(self, by_org):
        self.by_org = by_org
        self.known: dict[tuple[int, int], Contact] = {}
        self.changed: dict[tuple[int, int], Contact] = {}

    def load(self, pairs) -> None:
        pairs = [p for p in pairs if p not in self.known]
        if not pairs:
            return
        cases = {c for c, _p in pairs}
        people = {p for _c, p in pairs}
        for contact in Contact.objects.filter(case_id__in=cases, person_id__in=people):
            self.known[(contact.case_id, contact.person_id)] = contact

    def put(
        self, case, person: Person, level: int, exposure: Exposure, via=None, rule: str = ""
    ) -> Contact | None:
        key = (case.pk, person.pk)
        current = self.known.get(key)
        day = exposure.last_contact_date
        if current is None:
            current = Contact(
                case=case,
                person=person,
                level=level,
                via=via,
                exposure=exposure,
                last_contact_date=day,
                rule=rule,
                area=person.residence or case.area,
                province_code=(person.residence or case.area).province_code,
                created_by=self.by_org,
            )
            current.save()
        elif level < current.level or (level == current.level and day > current.last_contact_date):
            current.level, current.via, current.exposure, current.rule = level, via, exposure, rule
            current.last_contact_date = max(day, current.last_contact_date) if level == current.level else day
            if current.status == ContactStatus.COMPLETED and day > (current.follow_up_until or day):
                current.status, current.status_changed_on = ContactStatus.FOLLOW_UP, timezone.localdate()
            current.save()
        else:
            return None
        self.known[key] = self.changed[key] = current
        return current


def derive(exposures: list[Exposure], by_org=None) -> Derived:
    """Create or improve the contact records these exposures imply (see the module docstring)."""
    derived = Derived()
    if not exposures:
        return derived
    upsert = _Upserter(by_org)
    people = {e.source_id for e in exposures} | {e.contact_id for e in exposures}
    cases = _active_cases(people)
    f1_of = _f1_records({e.source_id for e in exposures})
    upsert.load(
        [(case.pk, e.contact_id) for e in exposures for case in cases.get(e.source_id, [])]
        + [(r.case_id, e.contact_id) for e in exposures for r in f1_of.get(e.source_id, [])]
    )
    new_f1: list[Contact] = []
    for exposure in exposures:
        contact = exposure.contact
        open_cases = [c for c in cases.get(contact.pk, []) if _is_open_case(c)]
        if open_cases:
            derived.notes.append(
                _(
                    "%(name)s is already a case (reported %(day)s): the exposure is recorded for the chain, "
                    "no contact follow-up is opened."
                )
                % {"name": contact.full_name, "day": _d(open_cases[0].report_date)}
            )
            continue
        for case in cases.get(exposure.source_id, []):
            if case.person_id == contact.pk:
                continue
            period = infectious_from(case)
            if period is None:
                continue
            start, rule = period
            if exposure.last_contact_date < start:
                derived.notes.append(
                    _(
                        "%(name)s: last contact on %(day)s, before the infectious period of the case (from "
                        "%(start)s): recorded, not an F1."
                    )
                    % {"name": contact.full_name, "day": _d(exposure.last_contact_date), "start": _d(start)}
                )
                continue
            record = upsert.put(case, contact, ContactLevel.F1, exposure, rule=rule)
            if record is not None:
                new_f1.append(record)
        for f1 in f1_of.get(exposure.source_id, []):
            if f1.case.person_id == contact.pk or exposure.last_contact_date < f1.last_contact_date:
                continue
            upsert.put(f1.case, contact, ContactLevel.F2, exposure, via=exposure.source)
    # people who just became F1 pass F2 on to those they exposed since
    onward = defaultdict(list)
    for e in Exposure.objects.filter(source_id__in={r.person_id for r in new_f1}).select_related(
        "contact", "source"
    ):
        onward[e.source_id].append(e)
    upsert.load([(r.case_id, e.contact_id) for r in new_f1 for e in onward.get(r.person_id, [])])
    onward_cases = _active_cases({e.contact_id for es in onward.values() for e in es})
    for record in new_f1:
        for e in onward.get(record.person_id, []):
            if e.contact_id == record.case.person_id or e.last_contact_date < record.last_contact_date:
                continue
            if any(_is_open_case(c) for c in onward_cases.get(e.contact_id, [])):
                continue
            upsert.put(record.case, e.contact, ContactLevel.F2, e, via=record.person)
    derived.contacts = list(upsert.changed.values())
    return derived


def _f1_records(person_ids) -> dict[int, list[Contact]]:
    found: dict[int, list[Contact]] = defaultdict(list)
    rows = (
        Contact.objects.open()
        .f1()
        .filter(person_id__in=list(person_ids))
        .select_related("case", "case__area")
    )
    for record in rows:
        found[record.person_id].append(record)
    return found
