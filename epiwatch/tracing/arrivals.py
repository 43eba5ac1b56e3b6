"""Returnees: recording an arrival from another province and planning its monitoring (RULES §4, dispatch 6386).

The same `register()` serves the form, the `arrivals` import and the API. The origin is a province of the 2021 GSO
list (63 provinces, packaged with geo), given by code ("79") or by name ("TP Hồ Chí Minh", "Ho Chi Minh"). Every
arrival is planned as a returnee from an epidemic area: which origin levels count as "epidemic area" is not in the
quarantine rule set yet, so the level is recorded and shown, not used to skip the plan.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from epiwatch.accounts.models import Organization
from epiwatch.geo import datasets
from epiwatch.lib.tabular import header_key
from epiwatch.people.models import Person
from epiwatch.tracing import quarantine as quarantines
from epiwatch.tracing.immunity import immunity_of
from epiwatch.tracing.models import Arrival, QuarantineReason

ORIGIN_DATASET = "vn-2021"
_PREFIX = re.compile(r"^(tinh|thanhpho|tp)")


class ArrivalError(ValueError):
    """The arrival cannot be recorded; `field` names the input at fault."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@functools.cache
def provinces() -> tuple[tuple[str, str], ...]:
    """(code, name) of the 63 provinces of 2021, by code."""
    return tuple(
        (row.code, row.name) for row in datasets.read_areas(ORIGIN_DATASET) if row.kind == "province"
    )


@functools.cache
def _by_key() -> dict[str, tuple[str, str]]:
    found = {}
    for code, name in provinces():
        found[code] = (code, name)
        key = header_key(name)
        found[key] = found[_PREFIX.sub("", key)] = (code, name)
    return found


def find_province(text: str) -> tuple[str, str] | None:
    """A province by GSO code ('79', '9' for '09') or by name, with or without 'Tỉnh'/'Thành phố'/'TP'."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return _by_key().get(text.zfill(2))
    key = header_key(text)
    return _by_key().get(key) or _by_key().get(_PREFIX.sub("", key))


@dataclass
class Registered:
    arrival: Arrival
    created: bool
    quarantine: object | None = None
    notes: tuple[str, ...] = ()


def register(
    person: Person,
    *,
    origin: str,
    arrival_date: dt.date,
    submitter: Organization,
    origin_level: int | None = None,
    doses: int = 0,
    fully_vaccinated_on: dt.date | None = None,
    recovered_on: dt.date | None = None,
    place: str | None = None,
    facility: Organization | None = None,
    external_id: str = "",
    today: dt.date,
) -> Registered:
    """Record the arrival and plan the returnee's quarantine (from the arrival date). The same person arriving on
    the same day, or the same external id of the same submitter, is the arrival already recorded."""
    province = find_province(origin)
    if province is None:
        raise ArrivalError(
            "origin_province",
            _(
                "unknown province '%(value)s': give the GSO code (e.g. 79) or the name of one of the 63 provinces"
            )
            % {"value": origin},
        )
    if arrival_date > today:
        raise ArrivalError(
            "arrival_date",
            _("the arrival date %(day)s is in the future") % {"day": arrival_date.strftime("%d/%m/%Y")},
        )
    if person.residence is not None and person.residence.province_code == province[0]:
        raise ArrivalError(
            "origin_province",
            _("%(name)s is the province they live in, not another one") % {"name": province[1]},
        )
    if origin_level is not None and not 1 <= origin_level <= 4:
        raise ArrivalError(
            "origin_level", _("the epidemic level is 1, 2, 3 or 4, not %(value)s") % {"value": origin_level}
        )
    for field, day in (("fully_vaccinated_on", fully_vaccinated_on), ("recovered_on", recovered_on)):
        if day is not None and day > today:
            raise ArrivalError(field, _("%(day)s is in the future") % {"day": day.strftime("%d/%m/%Y")})
    existing = Arrival.objects.filter(person=person, arrival_date=arrival_date).first()
    if existing is None and external_id:
        existing = Arrival.objects.filter(submitter=submitter, external_id=external_id).first()
        if existing is not None and (existing.person_id, existing.arrival_date) != (person.pk, arrival_date):
            raise ArrivalError(
                "external_id",
                _("external id %(id)s was already used for another arrival (%(day)s)")
                % {"id": external_id, "day": existing.arrival_date.strftime("%d/%m/%Y")},
            )
    if existing is not None:
        return Registered(existing, False)
    with transaction.atomic():
        arrival = Arrival(
            person=person,
            origin_province_code=province[0],
            origin_province_name=province[1],
            origin_level=origin_level,
            arrival_date=arrival_date,
            doses=doses or 0,
            fully_vaccinated_on=fully_vaccinated_on,
            recovered_on=recovered_on,
            area=person.residence,
            province_code=person.residence.province_code if person.residence else "",
            submitter=submitter,
            external_id=external_id,
        )
        arrival.save()
        immunity = immunity_of(
            [person.pk],
            arrival_date,
            declared_full_on={person.pk: fully_vaccinated_on},
            declared_recovered_on={person.pk: recovered_on},
        )[person.pk]
        try:
            planned = quarantines.plan(
                person,
                QuarantineReason.RETURNEE,
                arrival_date,
                place=place,
                facility=facility,
                arrival=arrival,
                by_org=submitter,
                immunity=immunity,
            )
        except quarantines.QuarantineError as error:
            raise ArrivalError("place", str(error)) from None
    return Registered(arrival, True, planned.quarantine, tuple(planned.notes))
