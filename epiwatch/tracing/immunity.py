"""What tracing knows of a person's vaccination and past infection, for the quarantine rules.

Vaccination comes from the vaccination app's derived status (`VaccinationStatus.full_on`: the day the primary
series was completed), read for many people in one query. When the app is not installed, or holds no dose for the
person, the vaccination is *unknown*: the plan then treats the person as not vaccinated, and says so (a person
registered without their doses is not known to be unvaccinated). A declared vaccination (a returnee's card) is
used when the registry has none. Recovery is the outcome date of an earlier case that recovered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Immunity:
    full_on: (
        dt.date | None
    )  # fully vaccinated on (completion of the primary series), if it was by the date asked
    vaccination_known: bool
    recovered_on: dt.date | None


def vaccination_app_installed() -> bool:
    return apps.is_installed("epiwatch.vaccination")


def immunity_of(
    person_ids: Iterable[int],
    on_date: dt.date,
    declared_full_on: dict[int, dt.date | None] | None = None,
    declared_recovered_on: dict[int, dt.date | None] | None = None,
) -> dict[int, Immunity]:
    """Per person: vaccination and recovery as of `on_date` (two queries for any number of people)."""
    ids = list(set(person_ids))
    declared_full_on = declared_full_on or {}
    declared_recovered_on = declared_recovered_on or {}
    full: dict[int, dt.date | None] = {}
    if vaccination_app_installed() and ids:
        from epiwatch.vaccination.models import VaccinationStatus

        full = dict(VaccinationStatus.objects.filter(person_id__in=ids).values_list("person_id", "full_on"))
    recovered = _recovered(ids, on_date)
    found = {}
    for person_id in ids:
        known = person_id in full
        full_on = full.get(person_id)
        if full_on is None and declared_full_on.get(person_id):
            full_on, known = declared_full_on[person_id], True
        if full_on is not None and full_on > on_date:
            full_on = None  # completed after the date asked about: not yet vaccinated then
        found[person_id] = Immunity(
            full_on=full_on,
            vaccination_known=known,
            recovered_on=declared_recovered_on.get(person_id) or recovered.get(person_id),
        )
    return found


def _recovered(ids: list[int], on_date: dt.date) -> dict[int, dt.date]:
    from epiwatch.cases.models import Case, CaseOutcome

    rows = (
        Case.objects.filter(person_id__in=ids, outcome=CaseOutcome.RECOVERED, outcome_date__lte=on_date)
        .order_by("person_id", "outcome_date")
        .values_list("person_id", "outcome_date")
    )
    return dict(rows)  # the latest recovery wins (ordered by date)
