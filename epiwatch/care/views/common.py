"""Helpers shared by the care views."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import get_language

from epiwatch.accounts import access
from epiwatch.accounts.models import AREA_KINDS
from epiwatch.geo.models import Area
from epiwatch.lib.dates import DateError, parse_date


def lang() -> str:
    return "vi" if (get_language() or "vi").startswith("vi") else "en"


def day_param(value) -> dt.date | None:
    try:
        return parse_date(value)
    except DateError:
        return None


def area_for(request, dataset: str, code: str) -> Area:
    """An area whose subtree the user's area organizations cover (404 when not visible, 403 when visible only
    as the seat of the user's own organization, e.g. a hospital's commune)."""
    area = access.get_for_user(
        Area.objects.select_related("parent"), request.user, dataset=dataset, code=code
    )
    if not access.scope_for(request.user).covers_area(area):
        raise PermissionDenied("Capacity of an area is for its health organizations")
    return area


def top_areas(scope: access.Scope) -> list[Area]:
    """The highest areas among the user's area organizations."""
    if scope.full:
        return list(Area.objects.filter(kind="province"))
    own = {m.organization.area_id for m in scope.memberships if m.organization.kind in AREA_KINDS}
    areas = list(Area.objects.filter(pk__in=own))
    return [a for a in areas if not any(a != b and a.is_within(b) for b in areas)]
