"""Daily check-ins of home-care cases and quarantined contacts, and the personal one-time links to send them."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.people.models import Person

SPO2_MIN, SPO2_MAX = 50, 100
BREATHING_MIN, BREATHING_MAX = 5, 80


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    SHORTNESS_OF_BREATH = "shortness_of_breath", _("Shortness of breath")
    CHEST_PAIN = "chest_pain", _("Chest pain or tightness")
    LOSS_OF_SMELL = "loss_of_smell", _("Loss of smell or taste")
    FATIGUE = "fatigue", _("Tiredness")
    MUSCLE_PAIN = "muscle_pain", _("Muscle pain")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    CONFUSION = "confusion", _("Confusion, drowsiness")


class EnteredVia(models.TextChoices):
    STAFF = "staff", _("Commune staff")
    LINK = "link", _("The person, by personal link")


class FollowUpQuerySet(models.QuerySet):
    def alerts(self) -> FollowUpQuerySet:
        return self.filter(alert=True)

    def unhandled(self) -> FollowUpQuerySet:
        return self.filter(alert=True, alert_handled_at=None)

    def in_area(self, area: Area) -> FollowUpQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class FollowUp(AuditedModel):
    """One check-in: symptoms, SpO₂, breathing rate. Either about a home-care case or about a quarantine."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="follow_ups")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    quarantine = models.ForeignKey(
        "tracing.Quarantine", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    day = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    symptoms = models.JSONField(default=list, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO₂ (%)"), null=True, blank=True)
    breathing_rate = models.PositiveSmallIntegerField(_("breathing rate (per minute)"), null=True, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    via = models.CharField(max_length=8, choices=EnteredVia.choices, default=EnteredVia.STAFF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SpO₂ or breathing outside the home-care limits: the reasons, the tier proposed for a case, and when staff
    # dealt with it
    alert = models.BooleanField(default=False)
    alert_reasons = models.JSONField(default=list, blank=True)
    proposed_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    alert_handled_at = models.DateTimeField(null=True, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spo2=None) | Q(spo2__gte=SPO2_MIN, spo2__lte=SPO2_MAX), name="followup_spo2_range"
            ),
            models.CheckConstraint(
                condition=Q(breathing_rate=None)
                | Q(breathing_rate__gte=BREATHING_MIN, breathing_rate__lte=BREATHING_MAX),
                name="followup_breathing_range",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(quarantine__isnull=False), name="followup_has_subject"
            ),
            models.CheckConstraint(condition=Q(via__in=EnteredVia.values), name="followup_via_valid"),
        ]
        indexes = [
            # the missed check-in list: who checked in on a day
            models.Index(fields=["day", "person"], name="followup_day_idx"),
            models.Index(fields=["alert", "alert_handled_at"], name="followup_alert_idx"),
        ]

    def __str__(self) -> str:
        return f"check-in {self.person} {self.day:%d/%m/%Y}"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class CheckInLinkQuerySet(models.QuerySet):
    def for_key(self, raw: str) -> CheckInLinkQuerySet:
        return self.filter(key_hash=_hash(raw))

    def usable(self) -> CheckInLinkQuerySet:
        return self.filter(used_at=None, expires_at__gt=timezone.now())


class CheckInLink(models.Model):
    """A personal link to one check-in form, for a person without an account.

    The key is 256 random bits (`secrets.token_urlsafe(32)`), shown once and stored only as its SHA-256; the link
    expires, works once (the claim is one atomic UPDATE), and opens nothing but the form of its person's subject.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="check_in_links")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    quarantine = models.ForeignKey(
        "tracing.Quarantine", null=True, blank=True, on_delete=models.CASCADE, related_name="check_in_links"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CheckInLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(quarantine__isnull=False), name="checkin_link_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"check-in link of {self.person_id}"

    @staticmethod
    def new_key() -> tuple[str, str]:
        """(the key to send, its hash to store)."""
        raw = secrets.token_urlsafe(32)
        return raw, _hash(raw)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
