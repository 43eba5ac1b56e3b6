"""Shift screening (the Quảng Ninh rule: every worker rapid-tested before each shift): an enterprise's shifts and
the link from a screening test to the (enterprise, shift, day) it was taken for.

A `Shift` is a definition (code A/B/C, name, start and end time of day); a night shift crosses midnight (22:00 ->
06:00) and belongs to the day it starts. Who works which shift is the roster's `RosterEntry.shift` text, which
names a shift by its code or its name ("A", "Ca A", "Ca đêm"). A `ShiftScreening` row says that one test result
was taken for one shift on one day (ticked on the screening page or uploaded): the record the compliance pages
are about. Compliance itself is computed (`epiwatch.labs.shifts`), never stored.

Loaded with `labs.models` (its last line imports this module); registers its access rules and the `shifts`
import kind at the end.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.lib.tabular import header_key
from epiwatch.people.models import Person

__all__ = ["SCREENING_WINDOW", "Shift", "ShiftScreening"]

DAY = dt.timedelta(days=1)
# A test counts for a shift when it was sampled at most this long before the shift starts. Not in RULES.md (the
# Quảng Ninh directive says "before each shift"): 12 hours keeps the windows of one shift on two days apart.
SCREENING_WINDOW = dt.timedelta(hours=12)
LONGEST_SHIFT = dt.timedelta(hours=12)


class ShiftQuerySet(models.QuerySet):
    def active(self) -> ShiftQuerySet:
        return self.filter(active=True)

    def of(self, organization: Organization) -> ShiftQuerySet:
        return self.filter(organization=organization)


class Shift(models.Model):
    """One shift of an enterprise: code, name, start and end time of day (the end may be the next morning)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="shifts")
    code = models.CharField(_("code"), max_length=10, help_text=_("As on the roster, e.g. A, B, C"))
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. Ca sáng, Ca đêm"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["organization_id", "starts_at", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="shift_code_unique_per_org"),
            # a shift of no length (or of 24 hours) is a typing error
            models.CheckConstraint(condition=~Q(starts_at=models.F("ends_at")), name="shift_has_length"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.hours})"

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name}" if self.name else self.code

    @property
    def hours(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.ends_at < self.starts_at

    @property
    def duration(self) -> dt.timedelta:
        return self.span(self.starts_at, self.ends_at)

    @staticmethod
    def span(start: dt.time, end: dt.time) -> dt.timedelta:
        """How long a shift from `start` to `end` lasts (crossing midnight when end is earlier than start)."""
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        return dt.timedelta(minutes=minutes if minutes > 0 else minutes + 24 * 60)

    def start_on(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.starts_at, tzinfo=LOCAL_TZ)

    def end_on(self, day: dt.date) -> dt.datetime:
        """The end of the shift that starts on `day` (the next morning for a night shift)."""
        return dt.datetime.combine(day + DAY if self.crosses_midnight else day, self.ends_at, tzinfo=LOCAL_TZ)

    def window_on(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """When a test sampled counts for the shift of `day`: from SCREENING_WINDOW before the start to the end
        (a test after the start counts, as "tested after the shift started")."""
        return self.start_on(day) - SCREENING_WINDOW, self.end_on(day)

    def day_of(self, moment: dt.datetime) -> dt.date | None:
        """The day whose shift a test sampled at `moment` was for, or None when it is in no window. Windows of
        one shift on two days never overlap (a shift lasts at most LONGEST_SHIFT)."""
        local = moment.astimezone(LOCAL_TZ).date()
        for day in (local + DAY, local, local - DAY):  # the coming shift first
            first, last = self.window_on(day)
            if first <= moment <= last:
                return day
        return None

    def keys(self) -> set[str]:
        """How the roster may name this shift: its code, its name, or "Ca <code>" (in any case and accents)."""
        keys = {header_key(self.code), header_key("ca" + self.code)}
        if self.name:
            keys.add(header_key(self.name))
        return keys - {""}

    def overlaps(self, other: Shift) -> bool:
        """Whether the two shifts share working time on a 24-hour clock (touching ends do not overlap)."""
        return overlap(self.starts_at, self.ends_at, other.starts_at, other.ends_at)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def overlap(start_a: dt.time, end_a: dt.time, start_b: dt.time, end_b: dt.time) -> bool:
    """Two daily shifts share time: their intervals overlap on a 24-hour circle."""
    a0 = _minutes(start_a)
    a1 = a0 + Shift.span(start_a, end_a).seconds // 60
    b0 = _minutes(start_b)
    b1 = b0 + Shift.span(start_b, end_b).seconds // 60
    return any(a0 < b1 + shift and b0 + shift < a1 for shift in (-1440, 0, 1440))


def shift_for(shifts, roster_text: str):
    """The shift (among `shifts`) that a roster entry's shift text names, or None."""
    key = header_key(roster_text)
    if not key:
        return None
    for shift in shifts:
        if key in shift.keys():
            return shift
    return None


class ShiftScreeningQuerySet(models.QuerySet):
    def on(self, shift: Shift, day: dt.date) -> ShiftScreeningQuerySet:
        return self.filter(shift=shift, day=day)


class ShiftScreening(AuditedModel):
    """One test result taken for one shift of an enterprise on one day: ticked at the gate, or uploaded."""

    class Source(models.TextChoices):
        TICK = "tick", _("Ticked on the screening page")
        UPLOAD = "upload", _("Uploaded file")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="shift_screenings")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="screenings")
    day = models.DateField(_("day"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="shift_screenings")
    result = models.OneToOneField("labs.TestResult", on_delete=models.PROTECT, related_name="shift_screening")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.TICK)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShiftScreeningQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["tick", "upload"]), name="shift_screening_source_valid"
            )
        ]
        indexes = [
            # the screening page and the compliance of one enterprise's day
            models.Index(fields=["organization", "day"], name="shift_screening_org_day_idx"),
        ]

    def __str__(self) -> str:
        # no related object: the audit trail calls this for every row linked in bulk
        return f"{self.source} {self.day:%d/%m/%Y}"


# --- access: the enterprise's members, and the area organizations above the enterprise -------------------------


@access.rule(Shift)
def _shift_rule(scope: Scope) -> Q:
    return Q(organization_id__in=scope.org_ids) | scope.area_q("organization__area__path")


@access.rule(Shift, write=True)
def _shift_write_rule(scope: Scope) -> Q:
    # the enterprise's own writing members, and the administrators of its province
    return Q(organization_id__in=scope.write_org_ids) | scope.province_admin_q("organization__area__path")


@access.rule(ShiftScreening)
def _screening_rule(scope: Scope) -> Q:
    return Q(organization_id__in=scope.org_ids) | scope.area_q("organization__area__path")


@access.rule(ShiftScreening, write=True)
def _screening_write_rule(scope: Scope) -> Q:
    return Q(organization_id__in=scope.write_org_ids)


from epiwatch.labs import shift_importers  # noqa: E402,F401 - registers the "shifts" import kind
