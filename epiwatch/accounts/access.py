"""The one access module: who may see and change what.

Every view, export, API endpoint and command asks this module. A user's memberships give a `Scope`:

- area organizations (health department, CDC, district centre, commune station) see everything that lives in their
  area's subtree;
- roster organizations (school, enterprise, public unit) see the people on their roster and what they submitted;
- every organization sees what it submitted itself (a lab sees only that);
- a user without membership sees nothing; operators' commands act with full rights.

A model family joins by registering ONE rule: a function from a Scope to a Q filter on that model
(`@rule(TestResult)`). A model that makes people visible to an organization (results a lab submitted, admissions
of a hospital) registers a `person_link` so that the person registry follows without new code here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404

from epiwatch.accounts.models import AREA_KINDS, ROSTER_KINDS, AuditEvent, Membership, Organization, Role
from epiwatch.geo.models import Area


@dataclass(frozen=True)
class Scope:
    """What one user may see: computed once per request from the memberships (one query)."""

    user_id: int | None
    full: bool = False
    # (dataset, path) of every area subtree the user sees, and whether the user may write there
    areas: tuple[tuple[str, str], ...] = ()
    write_areas: tuple[tuple[str, str], ...] = ()
    roster_org_ids: tuple[int, ...] = ()
    org_ids: tuple[int, ...] = ()
    write_org_ids: tuple[int, ...] = ()
    admin_org_ids: tuple[int, ...] = ()
    province_admin: bool = False
    province_user: bool = False
    memberships: tuple[Membership, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.full and not self.org_ids

    def area_q(self, path_field: str, write: bool = False) -> Q:
        """Q matching rows whose `path_field` (an Area path, e.g. `residence__path`) lies in one of the subtrees.

        The dataset is matched too: province 22 exists in vn-2021 and vn-2025 with different subtrees.
        """
        subtrees = self.write_areas if write else self.areas
        prefix = path_field[: -len("path")]  # "residence__path" -> "residence__", "path" -> ""
        q = Q(pk__in=[])
        for dataset, path in subtrees:
            in_tree = Q(**{path_field: path}) | Q(**{f"{path_field}__startswith": path + "/"})
            q |= in_tree & Q(**{f"{prefix}dataset": dataset})
        return q

    def covers_area(self, area, write: bool = False) -> bool:
        if self.full:
            return True
        subtrees = self.write_areas if write else self.areas
        return any(
            area.dataset == d and (area.path == p or area.path.startswith(p + "/")) for d, p in subtrees
        )

    def can_write_for(self, organization: Organization) -> bool:
        return self.full or organization.pk in self.write_org_ids

    def writing(self) -> Scope:
        """The scope of the memberships with a writing role only: what a model's read rule allows writing.

        A viewer at the CDC who also enters data for one commune writes in that commune, not in the province.
        """
        if self.full:
            return self
        write_memberships = tuple(m for m in self.memberships if m.can_write)
        return Scope(
            user_id=self.user_id,
            areas=self.write_areas,
            write_areas=self.write_areas,
            roster_org_ids=tuple(o for o in self.roster_org_ids if o in self.write_org_ids),
            org_ids=self.write_org_ids,
            write_org_ids=self.write_org_ids,
            admin_org_ids=self.admin_org_ids,
            province_admin=self.province_admin,
            province_user=self.province_user,
            memberships=write_memberships,
        )

    def province_admin_areas(self) -> tuple[Area, ...]:
        """The provinces this user administers (admin of a province-level health department or CDC)."""
        return tuple(
            m.organization.area
            for m in self.memberships
            if m.role == Role.ADMIN and m.organization.is_province_level
        )

    def province_admin_q(self, path_field: str) -> Q:
        """Q matching rows whose area path (`path_field`) lies in a province this user administers."""
        q = Q(pk__in=[])
        for area in self.province_admin_areas():
            q |= Q(**{path_field: area.path}) | Q(**{f"{path_field}__startswith": area.path + "/"})
        return q


FULL = Scope(user_id=None, full=True, province_admin=True, province_user=True)
NOBODY = Scope(user_id=None)


def scope_for(user) -> Scope:
    """The user's scope; cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOBODY
    cached = getattr(user, "_epiwatch_scope", None)
    if cached is not None:
        return cached
    memberships = tuple(
        Membership.objects.filter(user=user, organization__is_active=True).select_related(
            "organization", "organization__area"
        )
    )
    areas, write_areas, roster, orgs, write_orgs, admin_orgs = [], [], [], [], [], []
    province_admin = province_user = False
    for m in memberships:
        org = m.organization
        orgs.append(org.pk)
        if m.can_write:
            write_orgs.append(org.pk)
        if m.role == Role.ADMIN:
            admin_orgs.append(org.pk)
        if org.kind in AREA_KINDS:
            areas.append((org.area.dataset, org.area.path))
            if m.can_write:
                write_areas.append((org.area.dataset, org.area.path))
            if org.area.kind == "province":
                province_user = True
                province_admin = province_admin or m.role == Role.ADMIN
        if org.kind in ROSTER_KINDS:
            roster.append(org.pk)
    scope = Scope(
        user_id=user.pk,
        full=False,
        areas=tuple(areas),
        write_areas=tuple(write_areas),
        roster_org_ids=tuple(roster),
        org_ids=tuple(orgs),
        write_org_ids=tuple(write_orgs),
        admin_org_ids=tuple(admin_orgs),
        province_admin=province_admin,
        province_user=province_user,
        memberships=memberships,
    )
    user._epiwatch_scope = scope
    return scope


Rule = Callable[[Scope], Q]
_rules: dict[type[models.Model], Rule] = {}
_write_rules: dict[type[models.Model], Rule] = {}
_person_links: list[Callable[[Scope], models.QuerySet]] = []


def rule(model: type[models.Model], write: bool = False) -> Callable[[Rule], Rule]:
    """Register the visibility (or, with write=True, the write) rule of a model family."""

    def register(fn: Rule) -> Rule:
        (_write_rules if write else _rules)[model] = fn
        return fn

    return register


def person_link(fn: Callable[[Scope], models.QuerySet]) -> Callable[[Scope], models.QuerySet]:
    """Register a source of visible people: fn(scope) -> queryset of person ids (`values("person_id")`)."""
    _person_links.append(fn)
    return fn


def person_links(scope: Scope) -> list[models.QuerySet]:
    return [fn(scope) for fn in _person_links]


def _rule_for(model: type[models.Model], write: bool) -> Rule:
    table = _write_rules if write else _rules
    for klass in model.__mro__:
        if klass in table:
            return table[klass]
    if write and any(k in _rules for k in model.__mro__):
        # no separate write rule: the read rule applied to the memberships that have a writing role
        read = _rule_for(model, write=False)
        return lambda scope: read(scope.writing()) if scope.write_org_ids else Q(pk__in=[])
    raise LookupError(f"No access rule registered for {model.__name__}")


def visible(model_or_qs, user_or_scope, write: bool = False) -> models.QuerySet:
    """The rows of a model (or queryset) the user may see (write=True: may change)."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    scope = user_or_scope if isinstance(user_or_scope, Scope) else scope_for(user_or_scope)
    if scope.full:
        return qs
    if scope.is_empty:
        return qs.none()
    return qs.filter(_rule_for(qs.model, write)(scope))


def get_for_user(model_or_qs, user, write: bool = False, **lookup):
    """The one object matching lookup if the user may see it (404 otherwise: existence is not revealed),
    and may change it when write=True (403 when visible but read-only)."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    try:
        obj = visible(qs, user).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError):
        # a malformed id (not a UUID) is as unknown as a missing one
        raise Http404(f"No {qs.model._meta.verbose_name} found") from None
    if write and not visible(qs.filter(pk=obj.pk), user, write=True).exists():
        raise PermissionDenied("Your role may not change this record")
    return obj


def require_province_admin(user) -> Scope:
    scope = scope_for(user)
    if not (scope.full or scope.province_admin):
        raise PermissionDenied("Only province administrators may do this")
    return scope


def require_any_membership(user) -> Scope:
    scope = scope_for(user)
    if scope.is_empty:
        raise PermissionDenied("You are not a member of any organization")
    return scope


def ids(objs: Iterable[models.Model]) -> list[int]:
    return [o.pk for o in objs]


# --- rules of the foundation's own models -------------------------------------------------------------------


@rule(Organization)
def _organization_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(pk__in=scope.org_ids)


@rule(Organization, write=True)
def _organization_write_rule(scope: Scope) -> Q:
    # managing an organization (its members, their roles): its own administrators, and the administrators of
    # the province it sits in -- not every organization a province admin happens to see through another role
    return scope.province_admin_q("area__path") | Q(pk__in=scope.admin_org_ids)


@rule(Area)
def _area_rule(scope: Scope) -> Q:
    own = [m.organization.area_id for m in scope.memberships]
    return scope.area_q("path") | Q(pk__in=own)


@rule(Area, write=True)
def _area_write_rule(scope: Scope) -> Q:
    # villages and population belong to the province: only its administrators change areas
    return scope.province_admin_q("path")


@rule(AuditEvent)
def _audit_event_rule(scope: Scope) -> Q:
    """Province administrators read the trail of their province: events of its organizations, and events without
    an organization by users who belong to one of them. Everyone else reads nothing; nobody writes."""
    if not scope.province_admin:
        return Q(pk__in=[])
    orgs = Organization.objects.filter(scope.province_admin_q("area__path")).values("pk")
    members = Membership.objects.filter(organization__in=orgs).values("user_id")
    return Q(organization__in=orgs) | Q(organization=None, user__in=members)


@rule(AuditEvent, write=True)
def _audit_event_write_rule(scope: Scope) -> Q:
    return Q(pk__in=[])
