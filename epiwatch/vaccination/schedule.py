"""A person's vaccination status from their doses and the products' schedules: pure functions, no queries.

The primary series is complete when the doses add up to one series: each dose counts for 1/N of a series of its
product (N = the product's `primary_doses`). So AstraZeneca then Pfizer is 1/2 + 1/2 = full; Janssen alone is 1 =
full; Abdala needs three; two Abdala then one Pfizer is 2/3 + 1/2 = full. A dose after the completed series is a
booster. Mixed schedules were allowed in Vietnam from 2021 (AstraZeneca followed by an mRNA vaccine); counting
them this way is our rule, stated here and on the pages, not a quotation of the Ministry's guidance.

The review flags (`review`) say what breaks the schedule without dropping the dose: an interval shorter than the
product allows, a booster earlier than allowed or of a product not used as a booster, a missing earlier dose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

NONE, PARTIAL, FULL, BOOSTER = "none", "partial", "full", "booster"
# shares of a series in whole numbers: a dose of an N-dose product is SERIES // N (exact for N = 1 to 5)
SERIES = 60
# a person counts as protected this many days after completing the primary series ("fully vaccinated 14 days ago")
PROTECTION_DELAY_DAYS = 14


@dataclass(frozen=True)
class DoseFacts:
    """What the schedule needs of a dose: its number as recorded, its date and its product's schedule."""

    number: int
    given_on: dt.date
    product: Any  # a Product (or anything with code, short_name, primary_doses, min_interval_days, ...)
    key: Any = None  # the caller's handle (a Dose's pk), to put the flags back

    @classmethod
    def of(cls, dose) -> DoseFacts:
        return cls(dose.dose_number, dose.given_on, dose.product, dose.pk)


def in_order(doses: Iterable[DoseFacts]) -> list[DoseFacts]:
    return sorted(doses, key=lambda d: (d.given_on, d.number))


@dataclass(frozen=True)
class Milestones:
    """When a person had their first dose, completed the primary series and had a booster (None: not yet)."""

    doses: int = 0
    first_on: dt.date | None = None
    full_on: dt.date | None = None
    booster_on: dt.date | None = None
    completing_dose: DoseFacts | None = None

    def status_on(self, day: dt.date) -> str:
        if self.booster_on is not None and self.booster_on <= day:
            return BOOSTER
        if self.full_on is not None and self.full_on <= day:
            return FULL
        if self.first_on is not None and self.first_on <= day:
            return PARTIAL
        return NONE

    @property
    def status(self) -> str:
        """The status with every recorded dose counted."""
        return self.status_on(dt.date.max)

    @property
    def protected_from(self) -> dt.date | None:
        """The day the person counts as "fully vaccinated 14 days ago" (completion + 14 days)."""
        return self.full_on + dt.timedelta(days=PROTECTION_DELAY_DAYS) if self.full_on else None

    def fully_vaccinated_for(self, days: int, on: dt.date) -> bool:
        return self.full_on is not None and self.full_on + dt.timedelta(days=days) <= on


def milestones(doses: Iterable[DoseFacts]) -> Milestones:
    ordered = in_order(doses)
    share = 0
    first_on = full_on = booster_on = None
    completing = None
    for dose in ordered:
        if first_on is None:
            first_on = dose.given_on
        if full_on is None:
            share += SERIES // max(dose.product.primary_doses, 1)
            if share >= SERIES:
                full_on, completing = dose.given_on, dose
        elif booster_on is None:
            booster_on = dose.given_on
    return Milestones(len(ordered), first_on, full_on, booster_on, completing)


def status_on(doses: Iterable[DoseFacts], day: dt.date) -> str:
    return milestones([d for d in doses if d.given_on <= day]).status_on(day)


# --- review flags -------------------------------------------------------------------------------------------


# what a flag says, in the reader's language; a flag is stored as {"code": ..., its parameters}
FLAG_TEXTS = {
    "missing": _("dose %(numbers)s not recorded"),
    "interval": _("%(days)s days after the previous dose; %(product)s needs at least %(min)s"),
    "not_booster": _("%(product)s is not used as a booster"),
    "early_booster": _("booster %(days)s days after the primary series; at least %(min)s"),
}


def describe(flags: list[dict]) -> str:
    """'14 days after the previous dose; Pfizer-BioNTech needs at least 21' (in the active language)."""
    return "; ".join(str(FLAG_TEXTS[f["code"]]) % f for f in flags if f.get("code") in FLAG_TEXTS)


@dataclass
class Review:
    """The flags of one dose; empty when nothing is wrong."""

    flags: list[dict] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    @property
    def note(self) -> str:
        return describe(self.flags)


def review(doses: Sequence[DoseFacts]) -> dict[Any, Review]:
    """The flags of each of a person's doses (keyed by `DoseFacts.key`), judged on the whole history."""
    ordered = in_order(doses)
    numbers = {d.number for d in ordered}
    share = 0
    full_on = None
    previous: DoseFacts | None = None
    flags: dict[Any, Review] = {}
    for dose in ordered:
        flag = flags.setdefault(dose.key, Review())
        missing = [n for n in range(1, dose.number) if n not in numbers]
        if missing:
            flag.flags.append({"code": "missing", "numbers": ", ".join(str(n) for n in missing)})
        if full_on is None:
            if previous is not None:
                _check_primary_interval(flag, previous, dose)
            share += SERIES // max(dose.product.primary_doses, 1)
            if share >= SERIES:
                full_on = dose.given_on
        else:
            _check_booster(flag, full_on, previous, dose)
        previous = dose
    return flags


def _check_primary_interval(flag: Review, previous: DoseFacts, dose: DoseFacts) -> None:
    # the schedule of the series being continued: the interval the previous dose's product asks for
    minimum = previous.product.min_interval_days
    days = (dose.given_on - previous.given_on).days
    if minimum is not None and days < minimum:
        flag.flags.append(
            {"code": "interval", "days": days, "product": previous.product.short_name, "min": minimum}
        )


def _check_booster(flag: Review, full_on: dt.date, previous: DoseFacts | None, dose: DoseFacts) -> None:
    if previous is not None and previous.given_on > full_on:
        return  # a second booster: no rule of the time to check it against
    minimum = dose.product.booster_min_interval_days
    if minimum is None:
        flag.flags.append({"code": "not_booster", "product": dose.product.short_name})
        return
    days = (dose.given_on - full_on).days
    if days < minimum:
        flag.flags.append({"code": "early_booster", "days": days, "min": minimum})
