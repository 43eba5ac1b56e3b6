"""The door-to-door lists: per commune and village, the people not vaccinated, split into "not yet" and "cannot".

"Cannot" are the people with a medical deferral in force (a permanent contraindication, an acute illness or a
pregnancy until a date); everyone else without a dose is "not yet", with a refusal or an absence shown when one was
recorded. Inside each list the order is the priority the province asked for: 65+ with comorbidities, then 65+,
then adults with comorbidities, then everyone else; then the household address (numbers in number order) and the
name, so that a team walks one street at a time.

Only people of the ages offered vaccination on the list's day are listed (`catalogue.eligible_from`), unless the
caller asks for another minimum age; people whose age is not known are listed (last) so that a team can ask.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.geo.models import Area, AreaKind
from epiwatch.people.models import Person
from epiwatch.vaccination import catalogue
from epiwatch.vaccination.coverage import years_before
from epiwatch.vaccination.models import Deferral, Dose

CHUNK = 2000
ELDERLY_AGE = 65
ADULT_AGE = 18

PRIORITY_ELDERLY_COMORBID, PRIORITY_ELDERLY, PRIORITY_ADULT_COMORBID, PRIORITY_OTHER = 1, 2, 3, 4
PRIORITY_LABELS = {
    PRIORITY_ELDERLY_COMORBID: _("65+ with comorbidities"),
    PRIORITY_ELDERLY: _("65+"),
    PRIORITY_ADULT_COMORBID: _("Adult with comorbidities"),
    PRIORITY_OTHER: _("Others"),
}
NOT_YET, CANNOT = "not_yet", "cannot"
LIST_LABELS = {NOT_YET: _("Not yet vaccinated"), CANNOT: _("Cannot be vaccinated")}

_NUMBERS = re.compile(r"(\d+)")


def natural(text: str) -> tuple:
    """'Số 2' before 'Số 12': digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _NUMBERS.split(text or ""))


def priority(age: int | None, comorbidities) -> int:
    comorbid = bool(comorbidities)
    if age is not None and age >= ELDERLY_AGE:
        return PRIORITY_ELDERLY_COMORBID if comorbid else PRIORITY_ELDERLY
    if age is not None and age >= ADULT_AGE and comorbid:
        return PRIORITY_ADULT_COMORBID
    return PRIORITY_OTHER


@dataclass
class Entry:
    person: Person
    age: int | None
    priority: int
    deferral: Deferral | None
    commune: Area | None
    village: Area | None

    @property
    def list(self) -> str:
        return CANNOT if self.deferral is not None and self.deferral.cannot else NOT_YET

    @property
    def cannot(self) -> bool:
        return self.list == CANNOT

    @property
    def priority_label(self):
        return PRIORITY_LABELS[self.priority]

    @property
    def reason(self) -> str:
        """'Acute illness, until 15/11/2021', 'Contraindication (permanent): allergy', 'Refused'."""
        d = self.deferral
        if d is None:
            return ""
        text = str(d.get_reason_display())
        if d.permanent:
            text += f" ({_('permanent')})"
        elif d.until:
            text += f", {_('until')} {d.until:%d/%m/%Y}"
        return f"{text}: {d.note}" if d.note else text

    def sort_key(self) -> tuple:
        return (
            natural(self.village.name if self.village else ""),
            self.list == CANNOT,
            self.priority,
            self.age is None,
            natural(self.person.address),
            self.person.name_norm,
        )


def min_age_on(day: dt.date) -> int:
    rule = catalogue.eligible_from(day)
    return rule.min_age if rule else ADULT_AGE


def people(area: Area, on: dt.date, scope, min_age: int | None = None):
    """The people of the area's subtree visible to `scope`, not merged, without a dose given by `on`, of the
    ages offered vaccination (or unknown)."""
    min_age = min_age_on(on) if min_age is None else min_age
    cutoff = years_before(on, min_age)
    old_enough = (
        Q(date_of_birth__lte=cutoff)
        | Q(date_of_birth=None, birth_year__lte=on.year - min_age)
        | Q(date_of_birth=None, birth_year=None)
    )
    vaccinated = Dose.objects.filter(person=OuterRef("pk"), given_on__lte=on)
    qs = (
        Person.objects.active()
        .in_area(area)
        .filter(old_enough, residence__dataset=area.dataset)
        .filter(~Exists(vaccinated))
    )
    return access.visible(qs, scope)


def entries(area: Area, on: dt.date, scope, min_age: int | None = None) -> list[Entry]:
    """The lists of the area on `on`, in walking order. Queries: the people (with their residence), their
    deferrals in force (a query per 2,000 people), the communes of their villages."""
    found = list(people(area, on, scope, min_age).select_related("residence"))
    deferrals: dict[int, Deferral] = {}
    ids = [p.pk for p in found]
    for start in range(0, len(ids), CHUNK):
        in_force = Deferral.objects.active_on(on).filter(person__in=ids[start : start + CHUNK])
        for deferral in in_force.order_by("recorded_on", "pk"):
            current = deferrals.get(deferral.person_id)
            # a medical reason outranks a refusal; among equals the latest recorded
            if current is None or deferral.cannot >= current.cannot:
                deferrals[deferral.person_id] = deferral
    parent_ids = {
        p.residence.parent_id for p in found if p.residence and p.residence.kind == AreaKind.VILLAGE
    }
    communes = {a.pk: a for a in Area.objects.filter(pk__in=parent_ids)}
    result = []
    for person in found:
        residence = person.residence
        village = residence if residence and residence.kind == AreaKind.VILLAGE else None
        commune = communes.get(residence.parent_id) if village else residence
        age = person.age_on(on)
        result.append(
            Entry(
                person=person,
                age=age,
                priority=priority(age, person.comorbidities),
                deferral=deferrals.get(person.pk),
                commune=commune,
                village=village,
            )
        )
    result.sort(key=lambda e: (natural(e.commune.name if e.commune else ""), *e.sort_key()))
    return result


@dataclass
class Section:
    """One village (or the commune's people without a village) with its two lists."""

    commune: Area | None
    village: Area | None
    not_yet: list[Entry]
    cannot: list[Entry]

    @property
    def title(self) -> str:
        if self.village is not None:
            return f"{self.village.name}, {self.commune.name}" if self.commune else self.village.name
        return str(self.commune.name) if self.commune else ""


def sections(found: list[Entry]) -> Iterator[Section]:
    current: Section | None = None
    for entry in found:
        key = (entry.commune, entry.village)
        if current is None or (current.commune, current.village) != key:
            if current is not None:
                yield current
            current = Section(entry.commune, entry.village, [], [])
        (current.cannot if entry.cannot else current.not_yet).append(entry)
    if current is not None:
        yield current
