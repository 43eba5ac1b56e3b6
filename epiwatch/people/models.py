"""The person registry, duplicate candidates, reversible merges and organization rosters."""

import re
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area
from epiwatch.lib import natid
from epiwatch.lib.text import normalize_name, normalize_phone

_PHONE_PUNCTUATION = re.compile(r"[+()]")


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

    def search(self, text: str) -> "PersonQuerySet":
        """By national ID or phone (exact, in any spelling), else by name: every word of the unaccented,
        case-folded query must appear in the normalised name ("nguyễn văn đức" finds "Nguyen Van Duc")."""
        text = (text or "").strip()
        number = natid.clean(_PHONE_PUNCTUATION.sub("", text))
        if number.isascii() and number.isdigit():
            q = Q(national_id=number)
            phone = normalize_phone(text)
            if phone:
                q |= Q(phone=phone)
            return self.filter(q)
        words = normalize_name(text).split()
        if not words:
            return self.none()
        q = Q()
        for word in words:
            q &= Q(name_norm__contains=word)
        return self.filter(q)


class Person(AuditedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # NULL, not "": many children have no ID and the uniqueness constraint must ignore them
    national_id = models.CharField(_("national ID"), max_length=12, null=True, blank=True)  # noqa: DJ001
    full_name = models.CharField(_("full name"), max_length=200)
    name_norm = models.CharField(max_length=200, editable=False)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    residence = models.ForeignKey(
        Area,
        verbose_name=_("residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    comorbidities = models.JSONField(default=list, blank=True)
    pregnant = models.BooleanField(_("pregnant"), default=False)
    created_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="registered_people"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = PersonQuerySet.as_manager()

    # identity fields a merge or a matched row may fill in when blank on the kept record (never overwritten)
    FILLABLE_FIELDS = (
        "national_id",
        "date_of_birth",
        "birth_year",
        "sex",
        "phone",
        "residence_id",
        "address",
    )

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

    def prepare(self) -> "Person":
        """Derived and canonical fields; save() calls it, bulk paths call it before bulk_create()."""
        self.full_name = " ".join((self.full_name or "").split())
        self.name_norm = normalize_name(self.full_name)
        if self.date_of_birth and not self.birth_year:
            self.birth_year = self.date_of_birth.year
        self.national_id = natid.clean(self.national_id) or None
        self.phone = normalize_phone(self.phone) or (self.phone or "").strip()
        return self

    def save(self, *args, **kwargs):
        self.prepare()
        super().save(*args, **kwargs)

    def age_on(self, day) -> int | None:
        if self.date_of_birth:
            b = self.date_of_birth
            return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        if self.birth_year:
            return day.year - self.birth_year
        return None

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @staticmethod
    def is_blank(attname: str, value) -> bool:
        return value in (None, "") or (attname == "sex" and value == Sex.UNKNOWN)

    def fill_blanks(self, values: dict) -> dict:
        """Set each FILLABLE field that is blank here and given in `values` (attnames); never overwrite.
        Returns {attname: [old, new]} of what changed (the caller saves)."""
        filled = {}
        for attname in self.FILLABLE_FIELDS:
            new = values.get(attname)
            old = getattr(self, attname)
            if not self.is_blank(attname, old) or self.is_blank(attname, new):
                continue
            if attname == "date_of_birth" and self.birth_year and new.year != self.birth_year:
                continue  # a date that contradicts the known year is not a blank to fill
            setattr(self, attname, new)
            filled[attname] = [old, new]
        if (
            "date_of_birth" in filled and self.birth_year != self.date_of_birth.year
        ):  # the year was unknown too
            filled.setdefault("birth_year", [self.birth_year, self.date_of_birth.year])
            self.birth_year = self.date_of_birth.year
        return filled

    def birth_display(self) -> str:
        if self.date_of_birth:
            return self.date_of_birth.strftime("%d/%m/%Y")
        return str(self.birth_year or "")


class RosterEntryQuerySet(models.QuerySet):
    def active(self) -> "RosterEntryQuerySet":
        return self.filter(active=True)


class RosterEntry(AuditedModel):
    """A person on an organization's roster: a student, a worker (with shift), a staff member."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        WORKER = "worker", _("Worker")
        STAFF = "staff", _("Staff")
        TEACHER = "teacher", _("Teacher")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roster")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roster_entries")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.WORKER)
    group = models.CharField(_("group"), max_length=60, blank=True, help_text=_("Class, team or workshop"))
    shift = models.CharField(_("shift"), max_length=30, blank=True)
    employee_code = models.CharField(_("employee code"), max_length=40, blank=True)
    active = models.BooleanField(default=True)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)

    objects = RosterEntryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "person"], name="roster_entry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organization.code}"

    def deactivate(self, day=None) -> None:
        self.active = False
        self.left_on = day or timezone.localdate()
        self.save()

    def reactivate(self) -> None:
        self.active = True
        self.left_on = None
        self.save()


class DuplicateCandidateQuerySet(models.QuerySet):
    def open(self) -> "DuplicateCandidateQuerySet":
        return self.filter(status=DuplicateCandidate.Status.OPEN)


class DuplicateCandidate(models.Model):
    """Two records that may be the same person; a person decides (merge or dismiss)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
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

    objects = DuplicateCandidateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "merged", "dismissed"]), name="duplicate_status_valid"
            ),
        ]

    def decide(self, status: str, user) -> None:
        self.status = status
        self.decided_at = timezone.now()
        self.decided_by = user if getattr(user, "pk", None) else None
        self.save(update_fields=["status", "decided_at", "decided_by"])


class Merge(models.Model):
    """A merge of `source` into `target`, with every moved reference so that it can be undone."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # [{"model": "labs.testresult", "field": "person_id", "pks": [...]}]
    moved = models.JSONField(default=list)
    # rows left with the source because moving them would break a unique constraint on the target, or make a
    # row point at the target twice: [{"model": ..., "field": ..., "pks": [...], "why": ...}]
    kept = models.JSONField(default=list)
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

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    @property
    def moved_count(self) -> int:
        return sum(len(group["pks"]) for group in self.moved)

    @property
    def kept_count(self) -> int:
        return sum(len(group["pks"]) for group in self.kept)
