"""Treatment capacity: facilities, their capacity over time, and the admissions that occupy it.

- `Facility`: a place that treats F0 (a hospital, a field hospital in a requisitioned school or dormitory, a
  commune station, a home-care team, a quarantine facility), the tiers it serves, its area; optionally run by an
  `Organization` whose members then see its patients.
- `CapacityChange`: the facility's figures from a date on (beds per tier, ICU beds, ventilators, oxygen points,
  doctors, intensive-care doctors, nurses, and for commune stations the mobile station and home-care plan). The
  capacity on a day is the latest change on or before it; a change dated in the future is planned capacity.
- `Admission`: a case in a facility and tier from `admitted_at` until `discharged_at`. Occupancy is counted from
  the open admissions and never typed in: a transfer closes one admission and opens the next.
- `CareSettings`: a province's alert threshold (the default comes from `data/norms.json`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.cases.models import Case
from epiwatch.geo.models import Area

TIERS = (1, 2, 3)


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    FIELD_HOSPITAL = "field_hospital", _("Field hospital")
    COMMUNE_STATION = "commune_station", _("Commune health station")
    HOME_CARE_TEAM = "home_care_team", _("Home-care team")
    QUARANTINE_FACILITY = "quarantine_facility", _("Quarantine facility")


class Site(models.TextChoices):
    """What a field hospital occupies: the requisitioned building."""

    OWN = "", _("Own premises")
    SCHOOL = "school", _("Requisitioned school")
    DORMITORY = "dormitory", _("Requisitioned dormitory")
    OTHER = "other", _("Other requisitioned building")


class Support(models.TextChoices):
    """What a patient uses besides a bed: counted against oxygen points, ICU beds and ventilators."""

    NONE = "none", _("Bed only")
    OXYGEN = "oxygen", _("Oxygen")
    ICU = "icu", _("ICU bed")
    VENTILATOR = "ventilator", _("ICU bed with ventilator")


# supports that take an ICU bed, and those that take an oxygen point
ICU_SUPPORTS = (Support.ICU, Support.VENTILATOR)
OXYGEN_SUPPORTS = (Support.OXYGEN,)


class DischargeReason(models.TextChoices):
    NONE = "", _("Not discharged")
    RECOVERED = "recovered", _("Recovered")
    HOME_CARE = "home_care", _("Moved to home care")
    TRANSFERRED = "transferred", _("Transferred")
    DIED = "died", _("Died")
    LEFT = "left", _("Left against advice")
    OTHER = "other", _("Other")


def tier_label(tier: int) -> str:
    return gettext("Tier %(tier)s") % {"tier": tier}


# --- facilities -------------------------------------------------------------------------------------------------


class FacilityQuerySet(models.QuerySet):
    def active(self) -> FacilityQuerySet:
        return self.filter(is_active=True)

    def in_area(self, area: Area) -> FacilityQuerySet:
        return self.filter(
            Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"), area__dataset=area.dataset
        )

    def serving(self, tier: int) -> FacilityQuerySet:
        return self.filter(**{f"serves_tier_{tier}": True})

    def designated(self) -> FacilityQuerySet:
        return self.filter(designated=True)


class Facility(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short unique code, e.g. bl-bvdk")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=FacilityKind.choices)
    site = models.CharField(_("site"), max_length=12, choices=Site.choices, default=Site.OWN, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        help_text=_("Its members see the facility's patients."),
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, db_index=True, editable=False)
    serves_tier_1 = models.BooleanField(_("serves tier 1"), default=False)
    serves_tier_2 = models.BooleanField(_("serves tier 2"), default=False)
    serves_tier_3 = models.BooleanField(_("serves tier 3"), default=False)
    designated = models.BooleanField(
        _("designated hospital for severe cases"),
        default=False,
        help_text=_("Severe and critical cases are transferred here."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FacilityKind.values), name="facility_kind_valid"),
            models.CheckConstraint(condition=Q(site__in=Site.values), name="facility_site_valid"),
            models.CheckConstraint(
                condition=Q(serves_tier_1=True) | Q(serves_tier_2=True) | Q(serves_tier_3=True),
                name="facility_serves_a_tier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        if self.area_id is not None:
            self.province_code = self.area.province_code
        super().save(*args, **kwargs)

    @property
    def tiers(self) -> tuple[int, ...]:
        return tuple(t for t in TIERS if self.serves(t))

    def serves(self, tier: int) -> bool:
        return bool(getattr(self, f"serves_tier_{tier}"))

    def clean(self) -> None:
        if not any(getattr(self, f"serves_tier_{t}") for t in TIERS):
            raise ValidationError(gettext("A facility serves at least one tier."))
        if self.designated and not self.serves_tier_3:
            raise ValidationError(
                {"designated": gettext("Only a facility that serves tier 3 can be the designated hospital.")}
            )

    def capacity_on(self, day: dt.date) -> CapacityChange | None:
        """The capacity in force on the day: the latest change on or before it (one query)."""
        return self.capacity_changes.filter(effective_from__lte=day).order_by("-effective_from").first()


# --- capacity ---------------------------------------------------------------------------------------------------

# the figures of a capacity change, in the order of forms, exports and imports
FIGURES = (
    "beds_tier_1",
    "beds_tier_2",
    "beds_tier_3",
    "icu_beds",
    "ventilators",
    "oxygen_points",
    "doctors",
    "icu_doctors",
    "nurses",
)


class CapacityChange(models.Model):
    """A facility's capacity from `effective_from` on: the whole set of figures, not a difference."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="capacity_changes")
    effective_from = models.DateField(_("from"))
    beds_tier_1 = models.IntegerField(_("tier 1 beds"), default=0)
    beds_tier_2 = models.IntegerField(_("tier 2 beds"), default=0)
    beds_tier_3 = models.IntegerField(_("tier 3 beds"), default=0)
    icu_beds = models.IntegerField(_("ICU beds"), default=0, help_text=_("Among the tier 3 beds."))
    ventilators = models.IntegerField(_("ventilators"), default=0)
    oxygen_points = models.IntegerField(
        _("oxygen points"), default=0, help_text=_("Beds with piped oxygen or a concentrator.")
    )
    doctors = models.IntegerField(
        _("doctors"), default=0, help_text=_("All doctors, intensive-care ones included.")
    )
    icu_doctors = models.IntegerField(_("intensive-care doctors"), default=0)
    nurses = models.IntegerField(_("nurses"), default=0)
    mobile_station = models.BooleanField(_("runs a mobile medical station"), default=False)
    home_care_plan = models.BooleanField(_("has a home-care plan"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["facility", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "effective_from"], name="capacity_change_unique_day"),
            models.CheckConstraint(
                condition=Q(
                    beds_tier_1__gte=0,
                    beds_tier_2__gte=0,
                    beds_tier_3__gte=0,
                    icu_beds__gte=0,
                    ventilators__gte=0,
                    oxygen_points__gte=0,
                    doctors__gte=0,
                    icu_doctors__gte=0,
                    nurses__gte=0,
                ),
                name="capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(icu_doctors__lte=F("doctors")), name="capacity_icu_doctors_le_doctors"
            ),
            models.CheckConstraint(
                condition=Q(icu_beds__lte=F("beds_tier_3")), name="capacity_icu_beds_le_tier_3"
            ),
        ]
        indexes = [
            # "the capacity in force on a day" for many facilities: the latest effective_from <= day per facility
            models.Index(fields=["facility", "effective_from"], name="capacity_facility_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.facility.code} from {self.effective_from}: {self.beds} beds"

    @property
    def beds(self) -> int:
        return self.beds_tier_1 + self.beds_tier_2 + self.beds_tier_3

    def beds_in(self, tier: int) -> int:
        return getattr(self, f"beds_tier_{tier}")

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURES}

    def clean(self) -> None:
        errors = check_figures(self.figures(), self.facility if self.facility_id else None)
        if errors:
            raise ValidationError(errors)


def check_figures(figures: dict[str, int | None], facility: Facility | None = None) -> dict[str, str]:
    """The problems of a set of capacity figures, by field (empty when they are fine). Forms, the import and
    the model share it, so that a number is refused with the same words everywhere."""
    errors: dict[str, str] = {}
    for name in FIGURES:
        value = figures.get(name)
        if value is not None and value < 0:
            errors[name] = gettext("%(value)s is negative; a capacity is 0 or more.") % {"value": value}
    if errors:
        return errors
    if (figures.get("icu_doctors") or 0) > (figures.get("doctors") or 0):
        errors["icu_doctors"] = gettext(
            "%(icu)s intensive-care doctors but %(all)s doctors in all: the intensive-care doctors are counted "
            "among the doctors."
        ) % {"icu": figures.get("icu_doctors"), "all": figures.get("doctors") or 0}
    if (figures.get("icu_beds") or 0) > (figures.get("beds_tier_3") or 0):
        errors["icu_beds"] = gettext(
            "%(icu)s ICU beds but %(tier3)s tier 3 beds: the ICU beds are counted among the tier 3 beds."
        ) % {"icu": figures.get("icu_beds"), "tier3": figures.get("beds_tier_3") or 0}
    if facility is not None:
        for tier in TIERS:
            name = f"beds_tier_{tier}"
            if (figures.get(name) or 0) > 0 and not facility.serves(tier):
                errors[name] = gettext("%(facility)s does not serve tier %(tier)s.") % {
                    "facility": facility.name,
                    "tier": tier,
                }
    return errors


# --- admissions -------------------------------------------------------------------------------------------------


class AdmissionQuerySet(models.QuerySet):
    def open(self) -> AdmissionQuerySet:
        """Patients in a bed now."""
        return self.filter(discharged_at=None)

    def present_at(self, moment: dt.datetime) -> AdmissionQuerySet:
        """Patients in a bed at that moment: admitted by then and not yet discharged."""
        return self.filter(Q(discharged_at=None) | Q(discharged_at__gt=moment), admitted_at__lte=moment)

    def at_facilities(self, facilities) -> AdmissionQuerySet:
        return self.filter(facility__in=facilities)

    def in_area(self, area: Area) -> AdmissionQuerySet:
        """Admissions at the facilities of the area's subtree."""
        return self.filter(
            Q(facility__area__path=area.path) | Q(facility__area__path__startswith=area.path + "/"),
            facility__area__dataset=area.dataset,
        )


class Admission(AuditedModel):
    """One stay of a case in a facility and tier. Person-level: every change is audited."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="admissions")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="admissions")
    tier = models.PositiveSmallIntegerField(_("tier"))
    support = models.CharField(_("support"), max_length=12, choices=Support.choices, default=Support.NONE)
    admitted_at = models.DateTimeField(_("admitted at"))
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharge_reason = models.CharField(
        _("discharge reason"), max_length=12, choices=DischargeReason.choices, default="", blank=True
    )
    transferred_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="transferred_from"
    )
    province_code = models.CharField(max_length=8, db_index=True, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = AdmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-admitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(tier__gte=1, tier__lte=3), name="admission_tier_valid"),
            models.CheckConstraint(condition=Q(support__in=Support.values), name="admission_support_valid"),
            models.CheckConstraint(
                condition=Q(discharge_reason__in=DischargeReason.values), name="admission_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(discharged_at=None) | Q(discharged_at__gte=F("admitted_at")),
                name="admission_discharge_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(discharged_at=None, discharge_reason="")
                | (Q(discharged_at__isnull=False) & ~Q(discharge_reason="")),
                name="admission_discharge_has_reason",
            ),
            # a case is in one bed at a time
            models.UniqueConstraint(
                fields=["case"], condition=Q(discharged_at=None), name="admission_one_open_per_case"
            ),
        ]
        indexes = [
            # occupancy now: open admissions grouped by facility and tier
            models.Index(
                fields=["facility", "tier", "support"],
                condition=Q(discharged_at=None),
                name="admission_open_idx",
            ),
            # occupancy on a past day and the planner's census history: admitted_at <= t < discharged_at
            models.Index(fields=["province_code", "admitted_at"], name="admission_province_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.facility_id} tier {self.tier}"

    def save(self, *args, **kwargs):
        if not self.province_code and self.facility_id is not None:
            self.province_code = self.facility.province_code
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None

    def days(self, now: dt.datetime | None = None) -> int:
        end = self.discharged_at or now or timezone.now()
        return max(0, (end - self.admitted_at).days)


# --- settings ---------------------------------------------------------------------------------------------------


class CareSettings(models.Model):
    """A province's own alert threshold; without a row the default of `data/norms.json` applies."""

    province = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="+")
    occupancy_alert_percent = models.PositiveSmallIntegerField(
        _("alert when a tier is fuller than (%)"),
        help_text=_("Occupancy of a tier above this share raises an alert."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(occupancy_alert_percent__gte=1, occupancy_alert_percent__lte=100),
                name="care_settings_percent_valid",
            )
        ]

    def __str__(self) -> str:
        return f"care settings of {self.province}"
