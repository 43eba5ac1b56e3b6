"""Cases (F0). The investigation side (exposures, clusters, quarantine) lives in `tracing`."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.geo.models import Area
from epiwatch.people.models import Person


class Classification(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class DetectionSetting(models.TextChoices):
    COMMUNITY = "community", _("Community")
    QUARANTINE = "quarantine", _("In quarantine")
    LOCKDOWN = "lockdown", _("In a locked-down area")
    WORKPLACE = "workplace", _("Workplace screening")
    POINT_OF_ENTRY = "point_of_entry", _("Point of entry")


class Severity(models.TextChoices):
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class CareSetting(models.TextChoices):
    NONE = "", _("Not yet decided")
    HOME = "home", _("Home care")
    TIER_1 = "tier_1", _("Tier 1")
    TIER_2 = "tier_2", _("Tier 2")
    TIER_3 = "tier_3", _("Tier 3")


class CaseOutcome(models.TextChoices):
    ACTIVE = "active", _("Active")
    RECOVERED = "recovered", _("Recovered")
    DIED = "died", _("Died")
    TRANSFERRED = "transferred", _("Transferred out")


class CaseQuerySet(models.QuerySet):
    def confirmed(self) -> "CaseQuerySet":
        return self.filter(classification=Classification.CONFIRMED)

    def community(self) -> "CaseQuerySet":
        return self.filter(detection_setting=DetectionSetting.COMMUNITY)

    def in_area(self, area: Area) -> "CaseQuerySet":
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class Case(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    classification = models.CharField(max_length=12, choices=Classification.choices)
    # the rule (family/version/clause) that decided the classification, e.g. "confirmation/2021-07/pcr_positive"
    classification_rule = models.CharField(max_length=120, blank=True)
    detection_setting = models.CharField(
        max_length=16, choices=DetectionSetting.choices, default=DetectionSetting.COMMUNITY
    )
    onset_date = models.DateField(null=True, blank=True)
    sample_date = models.DateField(null=True, blank=True)
    report_date = models.DateField(db_index=True)
    # residence at report: every count uses it
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True, db_index=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.ASYMPTOMATIC)
    risk_group = models.CharField(max_length=16, blank=True)
    care_setting = models.CharField(max_length=8, choices=CareSetting.choices, default="", blank=True)
    outcome = models.CharField(max_length=12, choices=CaseOutcome.choices, default=CaseOutcome.ACTIVE)
    outcome_date = models.DateField(null=True, blank=True)
    source_result = models.ForeignKey(
        "labs.TestResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values), name="case_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(detection_setting__in=DetectionSetting.values), name="case_setting_valid"
            ),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="case_severity_valid"),
            models.CheckConstraint(condition=Q(outcome__in=CaseOutcome.values), name="case_outcome_valid"),
        ]
        indexes = [
            # lists and counts per area and report date
            models.Index(fields=["province_code", "report_date"], name="case_province_day_idx"),
        ]

    def __str__(self) -> str:
        return f"F0 {self.person} ({self.get_classification_display()})"


class CaseEvent(models.Model):
    """The case's timeline: everything that happened to it, in order."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=400)
    data = models.JSONField(default=dict, blank=True)
    # the result that caused the event, if any: `cases.ingest` reads it to apply each result once
    result = models.ForeignKey(
        "labs.TestResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="case_events"
    )

    class Meta:
        ordering = ["at", "id"]
