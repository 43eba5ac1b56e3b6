"""Quarantine of F1 contacts and returnees: where, from when to when, the test days, and the release."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.people.models import Person


class QuarantineReason(models.TextChoices):
    F1 = "f1", _("F1 contact")
    RETURNEE = "returnee", _("Returnee from an epidemic area")


class Place(models.TextChoices):
    CENTRALIZED = "centralized", _("Centralized facility")
    HOME = "home", _("At home")
    SELF_MONITORING = "self_monitoring", _("Self-monitoring only")


class QuarantineStatus(models.TextChoices):
    ACTIVE = "active", _("In quarantine")
    RELEASED = "released", _("Released")
    CONVERTED = "converted", _("Became a case")
    CANCELLED = "cancelled", _("Cancelled")


class QuarantineQuerySet(models.QuerySet):
    def active(self) -> QuarantineQuerySet:
        return self.filter(status=QuarantineStatus.ACTIVE)

    def centralized(self) -> QuarantineQuerySet:
        return self.filter(place=Place.CENTRALIZED)

    def at_home(self) -> QuarantineQuerySet:
        return self.filter(place__in=(Place.HOME, Place.SELF_MONITORING))

    def in_area(self, area: Area) -> QuarantineQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class Quarantine(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="quarantines")
    reason = models.CharField(_("reason"), max_length=10, choices=QuarantineReason.choices)
    place = models.CharField(_("place"), max_length=16, choices=Place.choices)
    facility = models.ForeignKey(
        Organization,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quarantined",
    )
    contact = models.ForeignKey(
        "tracing.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="quarantines"
    )
    arrival = models.ForeignKey(
        "tracing.Arrival", null=True, blank=True, on_delete=models.SET_NULL, related_name="quarantines"
    )
    start_date = models.DateField(_("start"))
    # the last day in quarantine (None: no quarantine, self-monitoring only) and the last day of self-monitoring
    quarantine_until = models.DateField(_("last day of quarantine"), null=True, blank=True)
    monitoring_until = models.DateField(_("last day of self-monitoring"), null=True, blank=True)
    # the rule set version and group that planned it ("BYT-MT-10696:f1.vaccinated_or_recovered"), and why
    rule = models.CharField(max_length=120)
    plan_reasons = models.JSONField(default=list, blank=True)
    # False: the vaccination status could not be read (the plan then treats the person as not vaccinated)
    vaccination_known = models.BooleanField(default=True)
    status = models.CharField(
        max_length=10, choices=QuarantineStatus.choices, default=QuarantineStatus.ACTIVE
    )
    released_on = models.DateField(null=True, blank=True)
    # residence at the start: the commune that follows a home quarantine, and the counts
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)
    created_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = QuarantineQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=QuarantineReason.values), name="quarantine_reason_valid"
            ),
            models.CheckConstraint(condition=Q(place__in=Place.values), name="quarantine_place_valid"),
            models.CheckConstraint(
                condition=Q(status__in=QuarantineStatus.values), name="quarantine_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(quarantine_until=None) | Q(quarantine_until__gte=F("start_date")),
                name="quarantine_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(monitoring_until=None) | Q(monitoring_until__gte=F("start_date")),
                name="quarantine_monitoring_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(place=Place.CENTRALIZED) | Q(facility__isnull=False),
                name="quarantine_centralized_has_facility",
            ),
        ]
        indexes = [
            # facility occupancy: active centralized quarantines per facility
            models.Index(fields=["status", "place", "facility"], name="quarantine_occupancy_idx"),
            models.Index(fields=["status", "area"], name="quarantine_area_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.person} from {self.start_date:%d/%m/%Y}"

    @property
    def is_active(self) -> bool:
        return self.status == QuarantineStatus.ACTIVE

    @property
    def ends_on(self):
        """The last day anything is asked of the person: quarantine, then self-monitoring."""
        return self.monitoring_until or self.quarantine_until or self.start_date


class QuarantineTestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")


class QuarantineTest(AuditedModel):
    """A test day of a quarantine plan; its QUARANTINE_TEST task is about this row."""

    __test__ = False  # not a pytest test class

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    quarantine = models.ForeignKey(Quarantine, on_delete=models.CASCADE, related_name="tests")
    day_number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=QuarantineTestStatus.choices, default=QuarantineTestStatus.PENDING
    )
    result = models.ForeignKey(
        "labs.TestResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_date"]
        constraints = [
            models.UniqueConstraint(fields=["quarantine", "day_number"], name="quarantine_test_day_unique"),
            models.CheckConstraint(
                condition=Q(status__in=QuarantineTestStatus.values), name="quarantine_test_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"day {self.day_number} ({self.due_date:%d/%m/%Y})"


class FacilityCapacity(models.Model):
    """How many people a quarantine facility takes (occupancy is counted from the quarantines)."""

    facility = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="quarantine_capacity"
    )
    places = models.PositiveIntegerField(_("places"))
    modified_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.facility}: {self.places}"
