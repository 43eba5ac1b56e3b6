"""A person's vaccination card: what one user may see of their doses and deferrals, and the status they give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.people.models import Person, RosterEntry
from epiwatch.vaccination import schedule
from epiwatch.vaccination.models import Deferral, Dose

STATUS_LABELS = {
    schedule.NONE: _("Not vaccinated"),
    schedule.PARTIAL: _("Partly vaccinated"),
    schedule.FULL: _("Fully vaccinated"),
    schedule.BOOSTER: _("Fully vaccinated, with a booster"),
}


def status_label(status: str):
    return STATUS_LABELS[status]


@dataclass
class Card:
    person: Person
    doses: list[Dose]
    deferrals: list[Deferral]
    milestones: schedule.Milestones
    today: dt.date
    can_write: bool
    # whether the user sees every dose of the person (their area, or their roster), not only what they recorded
    complete: bool = True

    @property
    def status(self) -> str:
        return self.milestones.status_on(self.today)

    @property
    def status_label(self):
        return status_label(self.status)

    @property
    def active_deferrals(self) -> list[Deferral]:
        return [d for d in self.deferrals if d.is_active(self.today)]

    @property
    def next_number(self) -> int:
        return max((d.dose_number for d in self.doses), default=0) + 1

    @property
    def flagged(self) -> bool:
        return any(d.needs_review for d in self.doses)


def card_for(person: Person, user, today: dt.date | None = None) -> Card:
    """A few queries: the visible doses (with products and sites), the visible deferrals, the write check, the
    roster check of a roster organization."""
    scope = access.scope_for(user)
    doses = list(
        access.visible(Dose, scope)
        .filter(person=person)
        .select_related("product", "site", "submitter")
        .order_by("given_on", "dose_number")
    )
    deferrals = list(
        access.visible(Deferral, scope)
        .filter(person=person)
        .select_related("recorded_by")
        .order_by("-recorded_on")
    )
    can_write = (
        not person.is_merged
        and access.visible(Person.objects.filter(pk=person.pk), scope, write=True).exists()
    )
    complete = (
        scope.full
        or (person.residence is not None and scope.covers_area(person.residence))
        or (
            bool(scope.roster_org_ids)
            and RosterEntry.objects.active()
            .filter(person=person, organization_id__in=scope.roster_org_ids)
            .exists()
        )
    )
    return Card(
        person=person,
        doses=doses,
        deferrals=deferrals,
        milestones=schedule.milestones(schedule.DoseFacts.of(d) for d in doses),
        today=today or timezone.localdate(),
        can_write=can_write,
        complete=complete,
    )
