"""Exposures in, contacts (F1, F2) out: what happens when an investigator records who met a case.

`record_exposures()` stores exposures (refusing the impossible ones with a message: oneself, a date in the future or
before birth), puts the people into chains (`tracing.chains.link`) and derives the contact records, F1 and F2, from
the dates and the cases' infectious periods (`tracing.derive`). The bulk
adds (`add_contacts` with `household_of` / `roster_of`) plan the F1 quarantines and raise a CALL_CONTACT task for
each new F1. `case_opened(case)` is what `cases.ingest` calls when a person becomes a case: their contact records
become "converted" and the earliest-traced one names the source case; their quarantine ends; their own exposures
make F1s of the new case; the case joins the clusters it is linked to.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, Organization
from epiwatch.lib.text import unaccent
from epiwatch.people.models import Person, RosterEntry
from epiwatch.tasks.models import TaskKind, raise_task
from epiwatch.tasks.routing import Assignees
from epiwatch.tracing import chains
from epiwatch.tracing import quarantine as quarantines
from epiwatch.tracing.derive import derive
from epiwatch.tracing.models import Contact, ContactLevel, ContactStatus, Exposure, QuarantineReason, Setting


class TracingError(ValueError):
    """An exposure or a contact cannot be recorded as asked; the message says why (shown to the user)."""


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Added:
    exposures: list[Exposure] = field(default_factory=list)  # new or moved to a later date
    contacts: list[Contact] = field(default_factory=list)  # new or changed contact records
    quarantines: list = field(default_factory=list)  # quarantines planned
    skipped: list[str] = field(default_factory=list)  # people not added, and why
    notes: list[str] = field(default_factory=list)  # added, with a remark

    @property
    def f1(self) -> list[Contact]:
        return [c for c in self.contacts if c.level == ContactLevel.F1]

    @property
    def f2(self) -> list[Contact]:
        return [c for c in self.contacts if c.level == ContactLevel.F2]


# --- checks ------------------------------------------------------------------------------------------------------


def check_exposure(source: Person, contact: Person, day: dt.date, today: dt.date) -> None:
    """Raise TracingError for an exposure that cannot be: to oneself, in the future, before a person's birth."""
    if source.pk == contact.pk:
        raise TracingError(_("%(name)s cannot be their own contact.") % {"name": source.full_name})
    for person in (source, contact):
        if person.merged_into_id is not None:
            raise TracingError(
                _("%(name)s was merged into another record: use that record.") % {"name": person.full_name}
            )
    if day > today:
        raise TracingError(_("The last contact date %(day)s is in the future.") % {"day": _d(day)})
    for person in (source, contact):
        born = person.date_of_birth or (dt.date(person.birth_year, 1, 1) if person.birth_year else None)
        if born is not None and day < born:
            raise TracingError(
                _("The last contact (%(day)s) is before %(name)s was born (%(born)s).")
                % {"day": _d(day), "name": person.full_name, "born": person.birth_display()}
            )


# --- recording exposures ---------------------------------------------------------------------------------------


def record_exposures(
    source: Person,
    contacts: list[tuple[Person, dt.date]],
    setting: str = Setting.COMMUNITY,
    *,
    organization: Organization | None = None,
    shift: str = "",
    group: str = "",
    note: str = "",
    by_org: Organization | None = None,
    by_user=None,
    today: dt.date | None = None,
) -> Added:
    """Store the exposures source -> each contact, link the chains and derive the contact records."""
    today = today or timezone.localdate()
    if setting not in Setting.values:
        raise TracingError(_("Unknown setting %(setting)s.") % {"setting": setting})
    added = Added()
    wanted: dict[int, tuple[Person, dt.date]] = {}
    for person, day in contacts:
        try:
            check_exposure(source, person, day, today)
        except TracingError as error:
            added.skipped.append(str(error))
            continue
        if person.pk not in wanted or day > wanted[person.pk][1]:
            wanted[person.pk] = (person, day)
    if not wanted:
        return added
    with transaction.atomic():
        existing = {e.contact_id: e for e in Exposure.objects.filter(source=source, contact_id__in=wanted)}
        new = []
        for person_id, (person, day) in wanted.items():
            exposure = existing.get(person_id)
            if exposure is None:
                new.append(
                    Exposure(
                        source=source,
                        contact=person,
                        last_contact_date=day,
                        setting=setting,
                        organization=organization,
                        shift=shift,
                        group=group,
                        note=note,
                        created_by=by_org,
                        created_by_user=by_user if getattr(by_user, "pk", None) else None,
                    )
                )
            elif day > exposure.last_contact_date:
                exposure.last_contact_date = day
                exposure.save()
                added.exposures.append(exposure)
        Exposure.objects.bulk_create(new, batch_size=1000)
        audit.record_many(AuditAction.CREATE, new)
        chains.link(new)
        added.exposures.extend(new)
        for exposure in new:
            if exposure.closes_cycle:
                added.notes.append(
                    _(
                        "%(contact)s is already upstream of %(source)s in this chain: the exposure is recorded "
                        "but does not change the generations."
                    )
                    % {"contact": exposure.contact.full_name, "source": source.full_name}
                )
        derived = derive(added.exposures, by_org=by_org)
        added.contacts.extend(derived.contacts)
        added.notes.extend(derived.notes)
    return added


# --- who to add ------------------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_address(address: str) -> str:
    """'Số 12, Khóm 3' and 'so 12 khom 3' are one address: no accents, case or punctuation."""
    return " ".join(_NON_ALNUM.sub(" ", unaccent(address or "").casefold()).split())


def household_of(person: Person) -> list[Person]:
    """Everyone else at the same address: the same residence area and the same address once normalised."""
    if person.residence_id is None or not normalize_address(person.address):
        raise TracingError(
            _(
                "No address is recorded for %(name)s: add the household members one by one, or record the address first."
            )
            % {"name": person.full_name}
        )
    wanted = normalize_address(person.address)
    neighbours = (
        Person.objects.active().filter(residence_id=person.residence_id).exclude(pk=person.pk).only("address")
    )
    ids = [p.pk for p in neighbours.iterator(chunk_size=5000) if normalize_address(p.address) == wanted]
    return list(Person.objects.filter(pk__in=ids).select_related("residence").order_by("full_name", "pk"))


def roster_of(organization: Organization, on_date: dt.date, shift: str = "", group: str = "") -> list[Person]:
    """Everyone on the organization's roster on that day, on that shift and/or in that class or team."""
    entries = RosterEntry.objects.filter(organization=organization, person__merged_into=None).filter(
        Q(joined_on=None) | Q(joined_on__lte=on_date)
    )
    entries = entries.filter(Q(left_on=None, active=True) | Q(left_on__gte=on_date))
    if shift.strip():
        entries = entries.filter(shift__iexact=shift.strip())
    if group.strip():
        entries = entries.filter(group__iexact=group.strip())
    return [
        e.person
        for e in entries.select_related("person", "person__residence").order_by("person__full_name", "pk")
    ]


# --- the workflow a case page offers ---------------------------------------------------------------------------


def add_contacts(
    case,
    people: list[Person],
    last_contact_date: dt.date,
    setting: str,
    *,
    organization: Organization | None = None,
    shift: str = "",
    group: str = "",
    place: str | None = None,
    facility: Organization | None = None,
    quarantine_start: dt.date | None = None,
    by_org: Organization | None = None,
    by_user=None,
    today: dt.date | None = None,
) -> Added:
    """Record the exposures case -> people, derive the contacts, plan the new F1s' quarantines (from the last
    contact date unless told otherwise) and raise a CALL_CONTACT task per new F1 for their commune station."""
    from epiwatch.tracing.immunity import immunity_of

    today = today or timezone.localdate()
    people = [p for p in people if p.pk != case.person_id] if len(people) > 1 else people
    if not people:
        raise TracingError(_("Nobody to add."))
    with transaction.atomic():
        added = record_exposures(
            case.person,
            [(p, last_contact_date) for p in people],
            setting,
            organization=organization,
            shift=shift,
            group=group,
            by_org=by_org,
            by_user=by_user,
            today=today,
        )
        assignees = Assignees()
        start = quarantine_start or last_contact_date
        f1 = [c for c in added.f1 if c.is_open]
        immunity = immunity_of([c.person_id for c in f1], start)
        for contact in f1:
            try:
                planned = quarantines.plan(
                    contact.person,
                    QuarantineReason.F1,
                    start,
                    place=place,
                    facility=facility,
                    contact=contact,
                    by_org=by_org,
                    immunity=immunity[contact.person_id],
                    assignees=assignees,
                )
            except quarantines.QuarantineError as error:
                added.notes.append(f"{contact.person.full_name}: {error}")
                continue
            added.notes.extend(planned.notes)
            if planned.created:
                added.quarantines.append(planned.quarantine)
            contact.follow_up_until = planned.quarantine.ends_on
            contact.save()
            organization_to_call = assignees.for_area(contact.person.residence, fallback=by_org)
            if organization_to_call is not None:
                raise_task(
                    TaskKind.CALL_CONTACT,
                    organization_to_call,
                    _("Call F1 %(name)s (contact of %(case)s on %(day)s)")
                    % {
                        "name": contact.person.full_name,
                        "case": case.person.full_name,
                        "day": _d(contact.last_contact_date),
                    },
                    today,
                    person=contact.person,
                    about=contact,
                )
        for contact in added.f2:
            if contact.follow_up_until is None and contact.via_id is not None:
                via = Contact.objects.filter(case=contact.case, person_id=contact.via_id).first()
                if via is not None and via.follow_up_until is not None:
                    contact.follow_up_until = via.follow_up_until
                    contact.save()
    return added


# --- status ------------------------------------------------------------------------------------------------------

MANUAL_TRANSITIONS = {
    ContactStatus.FOLLOW_UP: (ContactStatus.COMPLETED, ContactStatus.LOST),
    ContactStatus.LOST: (ContactStatus.FOLLOW_UP,),
    ContactStatus.COMPLETED: (ContactStatus.FOLLOW_UP,),
}


def set_status(contact: Contact, status: str, today: dt.date | None = None) -> Contact:
    """A person's decision: follow-up completed, lost, or resumed. 'Became a case' is set by case_opened only."""
    allowed = MANUAL_TRANSITIONS.get(contact.status, ())
    if status not in allowed:
        raise TracingError(
            _("A contact who is '%(current)s' cannot be marked '%(new)s'.")
            % {
                "current": contact.get_status_display(),
                "new": ContactStatus(status).label if status in ContactStatus.values else status,
            }
        )
    contact.status, contact.status_changed_on = status, today or timezone.localdate()
    contact.save()
    return contact


def complete_due(today: dt.date) -> int:
    """Close the follow-up of contacts whose follow-up period is over and who are not in quarantine any more."""
    from epiwatch.tracing.models import Quarantine

    due = list(
        Contact.objects.open()
        .filter(follow_up_until__lt=today)
        .exclude(person__in=Quarantine.objects.active().values("person_id"))
    )
    for contact in due:
        contact.status, contact.status_changed_on = ContactStatus.COMPLETED, today
    Contact.objects.bulk_update(due, ["status", "status_changed_on"], batch_size=1000)
    audit.record_many(
        AuditAction.UPDATE,
        due,
        changes_of=lambda c: {"status": [ContactStatus.FOLLOW_UP, ContactStatus.COMPLETED]},
    )
    return len(due)


def _f1_on(on_date: dt.date):
    return (
        Contact.objects.f1()
        .filter(last_contact_date__lte=on_date)
        .exclude(status=ContactStatus.LOST)
        .filter(Q(follow_up_until__gte=on_date) | Q(follow_up_until=None, status=ContactStatus.FOLLOW_UP))
    )


def is_f1(person, on_date: dt.date) -> bool:
    """Whether the person was an F1 on that day (for the case-confirmation rule: an antigen positive in an F1)."""
    return _f1_on(on_date).filter(person=person).exists()


def f1_among(person_ids, on_date: dt.date) -> set[int]:
    """Which of these people were F1 on that day: one query, for a batch of results (cases.ingest)."""
    ids = list(set(person_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 2000):
        found.update(
            _f1_on(on_date)
            .filter(person_id__in=ids[start : start + 2000])
            .values_list("person_id", flat=True)
        )
    return found


# --- a person becomes a case -------------------------------------------------------------------------------------


@dataclass
class CaseLinks:
    source_case: object | None = None  # the case this one was traced from (its F1 record's case)
    converted: int = 0
    contacts: list[Contact] = field(default_factory=list)
    clusters: list = field(default_factory=list)


def case_opened(case, by_org: Organization | None = None) -> CaseLinks:
    """What tracing does when a person becomes a (suspected or confirmed) case; safe to call again."""
    from epiwatch.tracing import clusters

    links = CaseLinks()
    with transaction.atomic():
        chains.mark_case(case)
        records = list(
            Contact.objects.filter(person_id=case.person_id)
            .exclude(case=case)
            .filter(Q(status=ContactStatus.FOLLOW_UP) | Q(resulting_case=case))
            .select_related("case")
            .order_by("level", "-last_contact_date", "pk")
        )
        if records:
            links.source_case = records[0].case
        for record in records:
            if record.status == ContactStatus.CONVERTED:
                continue
            record.status, record.status_changed_on, record.resulting_case = (
                ContactStatus.CONVERTED,
                case.report_date,
                case,
            )
            record.save()
            links.converted += 1
        quarantines.end_for_case(case)
        outgoing = list(Exposure.objects.filter(source_id=case.person_id).select_related("source", "contact"))
        links.contacts = derive(outgoing, by_org=by_org).contacts
        links.clusters = clusters.link_case(case, links.source_case, by_org=by_org)
    return links


def source_case(case):
    """The case this one was traced from, if it was an F1 (or F2) of another case."""
    record = (
        Contact.objects.filter(resulting_case=case)
        .select_related("case")
        .order_by("level", "-last_contact_date")
        .first()
    )
    return record.case if record is not None else None
