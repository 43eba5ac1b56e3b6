"""Granting access: onboarding an organization with its first user, and managing who belongs to it.

Each function is one action an administrator takes from a page. They check nothing about the acting user: the views
ask the access module first (`access.get_for_user(Organization, ..., write=True)`). Every change of a membership or a
user's status leaves an audit event on the organization, so the audit page answers "who gave X access to Y".
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, Membership, OneTimeLink, Organization, UserProfile

SET_PASSWORD_HOURS = 72
# no 0/O, 1/l/I: an initial password is read aloud or copied from a screen onto paper
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Handover:
    """How a new user gets in: a one-time set-password link, or an initial password to hand over. Shown once."""

    user: User
    link: str = ""
    link_expires_at: dt.datetime | None = None
    password: str = ""


def initial_password() -> str:
    """Three groups of four characters (about 70 bits): readable on a phone screen, typed once."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))


def set_password_url(raw_token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("set-password", args=[raw_token])


def _record(organization: Organization, changes: dict, action: str = AuditAction.UPDATE) -> None:
    audit.record(action, organization, changes)


@transaction.atomic
def create_user(
    organization: Organization,
    *,
    username: str,
    full_name: str,
    role: str,
    phone: str = "",
    email: str = "",
    hand_over_password: bool = False,
) -> Handover:
    """A new user, member of `organization` with `role`, and the way they get in.

    Without `hand_over_password` the user has no usable password until they open the set-password link (72 h, once).
    With it, an initial password is returned once (only its hash is stored) and must be changed at first sign-in.
    """
    user = User(username=username, first_name=full_name, email=email)
    password = initial_password() if hand_over_password else ""
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    UserProfile.objects.create(user=user, phone=phone, must_change_password=bool(password))
    Membership.objects.create(user=user, organization=organization, role=role)
    _record(organization, {f"member:{username}": [None, role]})
    if password:
        return Handover(user=user, password=password)
    link, raw = OneTimeLink.issue(user, hours=SET_PASSWORD_HOURS)
    return Handover(user=user, link=set_password_url(raw), link_expires_at=link.expires_at)


@transaction.atomic
def onboard(organization: Organization, **user_fields) -> Handover:
    """Save a new organization and create its first user (see `create_user`): the one-minute onboarding."""
    organization.save()
    _record(
        organization,
        {
            "code": [None, organization.code],
            "name": [None, organization.name],
            "kind": [None, organization.kind],
            "area": [None, organization.area.code],
        },
        action=AuditAction.CREATE,
    )
    return create_user(organization, **user_fields)


def add_member(organization: Organization, user: User, role: str) -> Membership:
    """Give an existing user a role in `organization`. Raises ValueError when they already belong to it."""
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, defaults={"role": role}
        )
        if not created:
            raise ValueError(f"{user.username} is already a member of {organization.code}")
        _record(organization, {f"member:{user.username}": [None, role]})
    return membership


def change_role(membership: Membership, role: str) -> bool:
    """Change a member's role; False when it was already that role."""
    old = membership.role
    if old == role:
        return False
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        _record(membership.organization, {f"member:{membership.user.username}": [old, role]})
    return True


def remove_member(membership: Membership) -> None:
    with transaction.atomic():
        _record(membership.organization, {f"member:{membership.user.username}": [membership.role, None]})
        membership.delete()


def set_active(user: User, active: bool, organization: Organization) -> bool:
    """Deactivate (or reactivate) a user everywhere; recorded on the organization it was done from.

    A deactivated user cannot sign in and their API tokens stop working; their memberships and records remain.
    False when nothing changed.
    """
    if user.is_active == active:
        return False
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        _record(organization, {f"user:{user.username}.is_active": [not active, active]})
    return True
