"""Exposures (who met whom, when, where) and the contact records derived from them (F1, F2).

An exposure is a fact typed in by an investigator: person A was in close contact with person B, last on day D, at
home / at work / at school. Whether B is an F1 or an F2, and of which case, is never typed in: `tracing.contacts`
derives a `Contact` from the exposures, the case's infectious period (RULES §4, `policy.contacts`) and the dates.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.people.models import Person


class Setting(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORKPLACE = "workplace", _("Workplace")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community")
    HEALTHCARE = "healthcare", _("Healthcare")
    OTHER = "other", _("Other")


class ExposureQuerySet(models.QuerySet):
    def involving(self, person: Person) -> ExposureQuerySet:
        return self.filter(Q(source=person) | Q(contact=person))

    def in_generations(self) -> ExposureQuerySet:
        """The exposures generations are counted over: all but those that would close a cycle."""
        return self.filter(closes_cycle=False)


class Exposure(AuditedModel):
    """Source person -> contact person, last contact on a day, in a setting. One row per ordered pair: recording
    the same pair again moves the last contact date forward."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="exposures_out")
    contact = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="exposures_in")
    last_contact_date = models.DateField(_("last contact"))
    setting = models.CharField(
        _("setting"), max_length=16, choices=Setting.choices, default=Setting.COMMUNITY
    )
    # when the exposure comes from a roster: the enterprise or school, and the shift or class
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shift = models.CharField(_("shift"), max_length=30, blank=True)
    group = models.CharField(_("class or team"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # A -> B -> A: the second exposure is kept and drawn, but it would make A its own descendant, so generations
    # ignore it (see tracing.chains)
    closes_cycle = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = ExposureQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("contact")), name="exposure_not_to_oneself"),
            models.UniqueConstraint(fields=["source", "contact"], name="exposure_pair_unique"),
            models.CheckConstraint(condition=Q(setting__in=Setting.values), name="exposure_setting_valid"),
        ]
        # the unique pair (source, contact) serves "exposures out of a person"; the contact FK's own index serves
        # "exposures into a person" (walking a chain both ways)

    def __str__(self) -> str:
        return f"{self.source} -> {self.contact} ({self.last_contact_date:%d/%m/%Y})"


class ContactStatus(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Under follow-up")
    COMPLETED = "completed", _("Follow-up completed")
    CONVERTED = "converted", _("Became a case")
    LOST = "lost", _("Lost to follow-up")


OPEN_CONTACT_STATUSES = (ContactStatus.FOLLOW_UP,)


class ContactLevel(models.IntegerChoices):
    F1 = 1, _("F1 (close contact of a case)")
    F2 = 2, _("F2 (contact of an F1)")


class ContactQuerySet(models.QuerySet):
    def open(self) -> ContactQuerySet:
        return self.filter(status=ContactStatus.FOLLOW_UP)

    def f1(self) -> ContactQuerySet:
        return self.filter(level=ContactLevel.F1)

    def in_area(self, area: Area) -> ContactQuerySet:
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))

    def current(self) -> ContactQuerySet:
        """Records of people not merged into another record."""
        return self.filter(person__merged_into=None)


class Contact(AuditedModel):
    """A person traced from a case: F1 (exposed to the case in its infectious period) or F2 (exposed to one of
    the case's F1), derived from the exposures; one record per (case, person), followed by the commune where the
    person lives."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="contacts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contact_records")
    level = models.PositiveSmallIntegerField(choices=ContactLevel.choices)
    # for an F2: the F1 they were exposed to
    via = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exposure = models.ForeignKey(Exposure, on_delete=models.PROTECT, related_name="contact_records")
    last_contact_date = models.DateField()
    # the rule version and clause that made this person an F1 ("BYT-F1:after-onset"), for the F1 level
    rule = models.CharField(max_length=120, blank=True)
    # where the person lives (else the case's area): the commune that follows them, and the counts
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province_code = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=12, choices=ContactStatus.choices, default=ContactStatus.FOLLOW_UP)
    status_changed_on = models.DateField(null=True, blank=True)
    follow_up_until = models.DateField(null=True, blank=True)
    # the case this contact became: its source is `case`
    resulting_case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="source_contacts"
    )
    created_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="contact_case_person_unique"),
            models.CheckConstraint(condition=Q(level__in=ContactLevel.values), name="contact_level_valid"),
            models.CheckConstraint(condition=Q(status__in=ContactStatus.values), name="contact_status_valid"),
            models.CheckConstraint(
                condition=Q(level=ContactLevel.F1, via=None) | Q(level=ContactLevel.F2, via__isnull=False),
                name="contact_f2_has_via",
            ),
        ]
        indexes = [
            # a commune's contact list: open contacts of the areas below it, newest exposure first
            models.Index(fields=["status", "area", "last_contact_date"], name="contact_worklist_idx"),
        ]

    def __str__(self) -> str:
        return f"F{self.level} {self.person} of {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.status == ContactStatus.FOLLOW_UP
