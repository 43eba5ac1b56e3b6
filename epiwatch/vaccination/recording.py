"""Whether a new dose may be recorded for a person, whatever way it arrives (form, spreadsheet, API).

`check()` refuses what cannot be true — a date in the future, before the person was born or before the product was
approved, a dose number already taken by another dose, numbers out of order with the dates — and recognises the
same dose arriving again (a duplicate, not an error). What is merely unusual (an interval shorter than the schedule
allows, a missing earlier dose) is accepted and flagged afterwards by `status.refresh`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.vaccination import status
from epiwatch.vaccination.models import Dose, Product

DAY = "%d/%m/%Y"


class DoseError(ValueError):
    """The dose cannot be recorded: `field` (given_on, dose_number, product) and `message`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Recorded:
    """A dose the person already has (from the database, or stored earlier in the same batch)."""

    number: int
    given_on: dt.date
    product: Product
    handle: Any = None  # the Dose, for the caller


def check_date(given_on: dt.date, product: Product, date_of_birth, birth_year, today: dt.date) -> None:
    if given_on > today:
        raise DoseError("given_on", _("%(day)s is in the future") % {"day": given_on.strftime(DAY)})
    if date_of_birth is not None and given_on < date_of_birth:
        raise DoseError(
            "given_on",
            _("%(day)s is before the person was born (%(born)s)")
            % {"day": given_on.strftime(DAY), "born": date_of_birth.strftime(DAY)},
        )
    if date_of_birth is None and birth_year and given_on.year < birth_year:
        raise DoseError(
            "given_on",
            _("%(day)s is before the person was born (%(born)s)")
            % {"day": given_on.strftime(DAY), "born": birth_year},
        )
    if product.approved_on is not None and given_on < product.approved_on:
        raise DoseError(
            "given_on",
            _("%(day)s is before %(product)s was approved for use (%(approved)s)")
            % {
                "day": given_on.strftime(DAY),
                "product": product.short_name,
                "approved": product.approved_on.strftime(DAY),
            },
        )


def check(
    number: int,
    product: Product,
    given_on: dt.date,
    history: Iterable[Recorded],
    *,
    date_of_birth: dt.date | None = None,
    birth_year: int | None = None,
    today: dt.date,
) -> Recorded | None:
    """None when the dose is new and may be recorded; the recorded dose when it is the same one arriving again.
    Raises DoseError saying what is wrong."""
    check_date(given_on, product, date_of_birth, birth_year, today)
    history = list(history)
    for other in history:
        if other.number == number:
            if other.product.pk == product.pk and other.given_on == given_on:
                return other
            raise DoseError(
                "dose_number",
                _("dose %(number)s is already recorded (%(product)s on %(day)s)")
                % {
                    "number": number,
                    "product": other.product.short_name,
                    "day": other.given_on.strftime(DAY),
                },
            )
    for other in history:
        if other.given_on == given_on:
            raise DoseError(
                "given_on",
                _("dose %(number)s was already given on %(day)s; two doses on one day cannot both be right")
                % {"number": other.number, "day": given_on.strftime(DAY)},
            )
        if (other.number < number) != (other.given_on < given_on):
            raise DoseError(
                "dose_number",
                _("dose %(number)s on %(day)s is out of order with dose %(other)s on %(other_day)s")
                % {
                    "number": number,
                    "day": given_on.strftime(DAY),
                    "other": other.number,
                    "other_day": other.given_on.strftime(DAY),
                },
            )
    return None


def next_number(history: Iterable[Recorded]) -> int:
    return max((r.number for r in history), default=0) + 1


def history_of(person) -> list[Recorded]:
    """The person's recorded doses (one query)."""
    return [
        Recorded(d.dose_number, d.given_on, d.product, d)
        for d in Dose.objects.filter(person=person).select_related("product").order_by("given_on")
    ]


def record(
    person,
    *,
    number: int,
    product: Product,
    given_on: dt.date,
    submitter,
    site=None,
    lot: str = "",
    external_id: str = "",
    today: dt.date | None = None,
):
    """Record one dose (a form): checked, stored with its audit event, the person's flags and status refreshed.

    Returns (dose, created); created is False when the same dose was recorded before. Raises DoseError.
    """
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            same = check(
                number,
                product,
                given_on,
                history_of(person),
                date_of_birth=person.date_of_birth,
                birth_year=person.birth_year,
                today=today,
            )
            if same is not None:
                return same.handle, False
            residence = person.residence
            dose = Dose.objects.create(
                person=person,
                dose_number=number,
                product=product,
                given_on=given_on,
                site=site,
                lot=lot,
                submitter=submitter,
                external_id=external_id,
                area=residence,
                province_code=residence.province_code if residence else "",
            )
            status.refresh([person.pk])
    except IntegrityError:
        # the same number was recorded meanwhile by someone else
        raise DoseError(
            "dose_number", _("dose %(number)s is already recorded") % {"number": number}
        ) from None
    dose.refresh_from_db(fields=["needs_review", "review_flags"])
    return dose, True
