"""What the tracing pages share: the area a list is about, the organization a user writes for, paging, and the
message summarising what an action did."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization
from epiwatch.geo.models import Area, AreaKind

PAGE_SIZE = 50
MESSAGES_SHOWN = 10  # remarks about single people after a bulk add (a roster of 300 could make 300)


def require_area_user(user) -> access.Scope:
    """Lists per area are for area organizations (health department, CDC, district centre, commune station)."""
    scope = access.require_any_membership(user)
    if not scope.full and not scope.areas:
        raise PermissionDenied("Only health organizations with an area see these lists")
    return scope


def area_choices(scope):
    """The province, districts and communes the user may pick in a list's area filter."""
    kinds = (AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE)
    return access.visible(Area, scope).filter(kind__in=kinds).order_by("path")


def chosen_area(request, scope) -> Area:
    """?area=CODE when the user sees it, else the area of the user's first area organization."""
    code = (request.GET.get("area") or "").strip()
    own = [m.organization.area for m in scope.memberships if m.organization.sees_area]
    if code:
        area = access.visible(Area, scope).filter(code=code).first()
        if area is not None:
            return area
    if own:
        return own[0]
    raise PermissionDenied("No area to show")


def writing_org(scope) -> Organization | None:
    """The organization a change is recorded for: the user's first membership with a writing role."""
    return next((m.organization for m in scope.memberships if m.can_write), None)


def page_of(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def report_added(request, added) -> None:
    """One message for what add_contacts did, then its notes (warnings) and refusals (errors)."""
    f1, f2 = len(added.f1), len(added.f2)
    if added.contacts or added.exposures:
        messages.success(
            request,
            ngettext("%(count)s exposure recorded", "%(count)s exposures recorded", len(added.exposures))
            % {"count": len(added.exposures)}
            + "; "
            + _("%(f1)s F1, %(f2)s F2; %(quarantines)s quarantine(s) planned.")
            % {"f1": f1, "f2": f2, "quarantines": len(added.quarantines)},
        )
    elif not added.skipped:
        messages.info(request, _("Nothing new: these contacts were already recorded."))
    for level, texts in ((messages.WARNING, added.notes), (messages.ERROR, added.skipped)):
        for text in texts[:MESSAGES_SHOWN]:
            messages.add_message(request, level, text)
        if len(texts) > MESSAGES_SHOWN:
            messages.add_message(
                request, level, _("… and %(count)s more like these.") % {"count": len(texts) - MESSAGES_SHOWN}
            )


def safe_next(request, default: str) -> str:
    """Where to go back to after a POST: a page of this site only (never an address someone slipped in)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
