"""Organizations, memberships (user x organization x role), API tokens and the audit log."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epiwatch.geo.models import Area


class OrgKind(models.TextChoices):
    HEALTH_DEPARTMENT = "health_department", _("Health department")
    CDC = "cdc", _("Centre for disease control")
    DISTRICT_CENTRE = "district_centre", _("District health centre")
    COMMUNE_STATION = "commune_station", _("Commune health station")
    HOSPITAL = "hospital", _("Hospital")
    LAB = "lab", _("Laboratory")
    SCHOOL = "school", _("School")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC_UNIT = "public_unit", _("Public unit")
    QUARANTINE_FACILITY = "quarantine_facility", _("Quarantine facility")


# Organizations that see everything living in their area's subtree.
AREA_KINDS = frozenset(
    {OrgKind.HEALTH_DEPARTMENT, OrgKind.CDC, OrgKind.DISTRICT_CENTRE, OrgKind.COMMUNE_STATION}
)
# Organizations that see only the people on their roster (and what they submitted).
ROSTER_KINDS = frozenset({OrgKind.SCHOOL, OrgKind.ENTERPRISE, OrgKind.PUBLIC_UNIT})


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    ANALYST = "analyst", _("Analyst")
    DATA_ENTRY = "data_entry", _("Data entry")
    CLINICIAN = "clinician", _("Clinician")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")
    VIEWER = "viewer", _("Viewer")


WRITE_ROLES = frozenset({Role.ADMIN, Role.DATA_ENTRY, Role.CLINICIAN, Role.LAB_TECHNICIAN})


class OrganizationQuerySet(models.QuerySet):
    def in_area(self, area: Area) -> "OrganizationQuerySet":
        return self.filter(Q(area__path=area.path) | Q(area__path__startswith=area.path + "/"))


class Organization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=40, unique=True, help_text=_("Short unique code, e.g. BL-CDC"))
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrgKind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="organizations")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=OrgKind.values), name="org_kind_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def sees_area(self) -> bool:
        return self.kind in AREA_KINDS

    @property
    def sees_roster(self) -> bool:
        return self.kind in ROSTER_KINDS

    @property
    def is_province_level(self) -> bool:
        return self.sees_area and self.area.kind == "province"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization.code} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def find(self, raw: str) -> "ApiToken | None":
        return self.select_related("user").filter(key_hash=_hash_token(raw), revoked_at=None).first()


class ApiToken(models.Model):
    """An API token; only its hash is stored, the token itself is shown once at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    @classmethod
    def issue(cls, user, name: str = "") -> tuple["ApiToken", str]:
        raw = "ew_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], key_hash=_hash_token(raw))
        return token, raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class OneTimeLink(models.Model):
    """A single-use, expiring link: today, setting a new user's first password."""

    PURPOSE_SET_PASSWORD = "set_password"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_links"
    )
    purpose = models.CharField(max_length=32, default=PURPOSE_SET_PASSWORD)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, user, purpose: str = PURPOSE_SET_PASSWORD, hours: int = 72) -> tuple["OneTimeLink", str]:
        raw = secrets.token_urlsafe(32)
        link = cls.objects.create(
            user=user,
            purpose=purpose,
            key_hash=_hash_token(raw),
            expires_at=timezone.now() + timezone.timedelta(hours=hours),
        )
        return link, raw

    @classmethod
    def claim(cls, raw: str, purpose: str = PURPOSE_SET_PASSWORD) -> "OneTimeLink | None":
        """The link if it is valid now; marks it used atomically, so it works exactly once."""
        now = timezone.now()
        claimed = cls.objects.filter(
            key_hash=_hash_token(raw), purpose=purpose, used_at=None, expires_at__gt=now
        ).update(used_at=now)
        if claimed != 1:
            return None
        return cls.objects.select_related("user").get(key_hash=_hash_token(raw))

    @classmethod
    def peek(cls, raw: str, purpose: str = PURPOSE_SET_PASSWORD) -> "OneTimeLink | None":
        return (
            cls.objects.select_related("user")
            .filter(key_hash=_hash_token(raw), purpose=purpose, used_at=None, expires_at__gt=timezone.now())
            .first()
        )


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    MERGE = "merge", _("Merge")
    UNMERGE = "unmerge", _("Undo merge")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002 - append-only
        raise PermissionError("Audit events are append-only")

    def delete(self):
        raise PermissionError("Audit events are append-only")


class AuditEvent(models.Model):
    """Who changed which person-level record, when, acting for which organization, and how. Append-only."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=32, blank=True, help_text="web, api, command, system")
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    model = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # the audit page's "history of this record" query
            models.Index(fields=["model", "object_id"], name="audit_object_idx"),
            # the audit search by record id alone (users know the id, rarely the model)
            models.Index(fields=["object_id"], name="audit_object_id_idx"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only")

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """The changes as (field, old, new) rows, whatever shape a bulk path stored."""
        if not isinstance(self.changes, dict):
            return [("", None, self.changes)] if self.changes else []
        rows = []
        for field_name, value in self.changes.items():
            if isinstance(value, list | tuple) and len(value) == 2:
                rows.append((str(field_name), value[0], value[1]))
            else:
                rows.append((str(field_name), None, value))
        return rows


# --- additions: user profiles (contact, first-login password change) and readable audit changes ---------------


class UserProfile(models.Model):
    """What Django's User lacks: a phone number, and whether the user must pick a new password at next sign-in.

    The full name lives in `User.first_name` (one field: Vietnamese names do not split into first/last).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    phone = models.CharField(max_length=15, blank=True)
    # set when an administrator handed over an initial password: it was seen by two people
    must_change_password = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @classmethod
    def of(cls, user) -> "UserProfile":
        """The user's profile, created empty on first use (users created before profiles existed have none)."""
        profile, _created = cls.objects.get_or_create(user=user)
        return profile
