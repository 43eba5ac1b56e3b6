"""The person registry, duplicate candidates, reversible merges and organization rosters."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.lib.text import normalize_name


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class PersonQuerySet(models.QuerySet):
    def active(self) -> "PersonQuerySet":
        """People not merged into another record."""
        return self.filter(merged_into=None)

    def in_area(self, area: Area) -> "PersonQuerySet":
        return self.filter(Q(residence__path=area.path) | Q(residence__path__startswith=area.path + "/"))


class Person(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # NULL, not "": many children have no ID and the uniqueness constraint must ignore them
    national_id = models.CharField(max_length=12, null=True, blank=True)  # noqa: DJ001
    full_name = models.CharField(max_length=200)
    name_norm = models.CharField(max_length=200, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=15, blank=True)
    residence = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="residents"
    )
    address = models.CharField(max_length=300, blank=True)
    comorbidities = models.JSONField(default=list, blank=True)
    pregnant = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="registered_people"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(national_id__isnull=False, merged_into=None),
                name="person_national_id_unique",
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="person_sex_valid"),
        ]
        indexes = [
            # matching step 2: phone + normalised name + birth
            models.Index(fields=["phone", "name_norm"], name="person_phone_name_idx"),
            # matching step 3: normalised name + birth + commune
            models.Index(fields=["name_norm", "birth_year"], name="person_name_birth_idx"),
            models.Index(fields=["national_id"], name="person_national_id_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.name_norm = normalize_name(self.full_name)
        if self.date_of_birth and not self.birth_year:
            self.birth_year = self.date_of_birth.year
        if self.national_id == "":
            self.national_id = None
        super().save(*args, **kwargs)

    def age_on(self, day) -> int | None:
        if self.date_of_birth:
            b = self.date_of_birth
            return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        if self.birth_year:
            return day.year - self.birth_year
        return None


class RosterEntry(AuditedModel):
    """A person on an organization's roster: a student, a worker (with shift), a staff member."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        WORKER = "worker", _("Worker")
        STAFF = "staff", _("Staff")
        TEACHER = "teacher", _("Teacher")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roster")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roster_entries")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.WORKER)
    group = models.CharField(max_length=60, blank=True, help_text=_("Class, team or workshop"))
    shift = models.CharField(max_length=30, blank=True)
    employee_code = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "person"], name="roster_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organization.code}"


class DuplicateCandidate(models.Model):
    """Two records that may be the same person; a person decides (merge or dismiss)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    score = models.FloatField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "merged", "dismissed"]), name="duplicate_status_valid"
            ),
        ]


class Merge(models.Model):
    """A merge of `source` into `target`, with every moved reference so that it can be undone."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # [{"model": "labs.testresult", "field": "person_id", "pks": [...]}]
    moved = models.JSONField(default=list)
    # fields of the target that the merge filled in from the source: {"phone": [old, new]}
    filled = models.JSONField(default=dict)
    merged_at = models.DateTimeField(auto_now_add=True)
    merged_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
