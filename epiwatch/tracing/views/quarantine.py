"""Quarantine pages: the list of a commune (or of a facility), one quarantine (tests, change, release), and the
occupancy of the quarantine facilities."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.tracing import quarantine as quarantines
from epiwatch.tracing.access_rules import may_see_people
from epiwatch.tracing.forms import CapacityForm, QuarantineChangeForm
from epiwatch.tracing.models import FacilityCapacity, Place, Quarantine, QuarantineReason, QuarantineStatus
from epiwatch.tracing.views.common import area_choices, chosen_area, page_of


def _facilities_of(scope):
    return [m.organization for m in scope.memberships if m.organization.kind == OrgKind.QUARANTINE_FACILITY]


@login_required
def quarantine_list(request):
    scope = access.require_any_membership(request.user)
    own_facilities = _facilities_of(scope)
    if not (scope.full or scope.areas or own_facilities):
        raise PermissionDenied("Only health organizations and quarantine facilities see quarantines")
    quarantines_qs = access.visible(Quarantine, scope)
    area = None
    facility = None
    facility_id = request.GET.get("facility")
    if facility_id:
        facility = (
            access.visible(Organization.objects.filter(kind=OrgKind.QUARANTINE_FACILITY), scope)
            .filter(public_id=facility_id)
            .first()
            if _uuid(facility_id)
            else None
        )
    if facility is None and own_facilities and not scope.areas:
        facility = own_facilities[0]
    if facility is not None:
        quarantines_qs = quarantines_qs.filter(facility=facility)
    else:
        area = chosen_area(request, scope)
        quarantines_qs = quarantines_qs.in_area(area)
    status = request.GET.get("status", QuarantineStatus.ACTIVE)
    if status in QuarantineStatus.values:
        quarantines_qs = quarantines_qs.filter(status=status)
    place = request.GET.get("place", "")
    if place in Place.values:
        quarantines_qs = quarantines_qs.filter(place=place)
    reason = request.GET.get("reason", "")
    if reason in QuarantineReason.values:
        quarantines_qs = quarantines_qs.filter(reason=reason)
    page = page_of(request, quarantines_qs.select_related("person", "facility").order_by("start_date", "pk"))
    seen = may_see_people(scope, [q.person_id for q in page])
    for item in page:
        item.visible = item.person_id in seen
    return render(
        request,
        "tracing/quarantine_list.html",
        {
            "page": page,
            "area": area,
            "areas": area_choices(scope) if scope.areas else [],
            "facility": facility,
            "status": status,
            "place": place,
            "reason": reason,
            "statuses": QuarantineStatus.choices,
            "places": Place.choices,
            "reasons": QuarantineReason.choices,
            "today": timezone.localdate(),
        },
    )


def _uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@login_required
def quarantine_detail(request, public_id):
    quarantine = access.get_for_user(
        Quarantine.objects.select_related("person", "facility", "contact__case", "arrival"),
        request.user,
        public_id=public_id,
    )
    scope = access.scope_for(request.user)
    can_write = access.visible(Quarantine.objects.filter(pk=quarantine.pk), scope, write=True).exists()
    form = QuarantineChangeForm(
        request.POST or None,
        initial={
            "start_date": quarantine.start_date,
            "quarantine_until": quarantine.quarantine_until,
            "place": quarantine.place,
            "facility": quarantine.facility,
        },
    )
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("Your role may not change this quarantine")
        if form.is_valid():
            data = form.cleaned_data
            try:
                quarantines.change(
                    quarantine,
                    start_date=data["start_date"],
                    quarantine_until=data["quarantine_until"],
                    place=data["place"],
                    facility=data["facility"],
                )
            except quarantines.QuarantineError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The quarantine was changed."))
                return redirect("tracing-quarantine-detail", public_id=quarantine.public_id)
    tests = quarantines.refresh_tests(quarantine) if quarantine.is_active else list(quarantine.tests.all())
    today = timezone.localdate()
    return render(
        request,
        "tracing/quarantine_detail.html",
        {
            "quarantine": quarantine,
            "visible": bool(may_see_people(scope, [quarantine.person_id])),
            "tests": tests,
            "problems": quarantines.release_problems(quarantine, today) if quarantine.is_active else [],
            "form": form,
            "can_write": can_write and quarantine.is_active,
            "today": today,
        },
    )


@login_required
@require_POST
def quarantine_release(request, public_id):
    quarantine = access.get_for_user(
        Quarantine.objects.select_related("person"), request.user, write=True, public_id=public_id
    )
    try:
        quarantines.release(quarantine, timezone.localdate())
        messages.success(
            request, _("%(name)s was released from quarantine.") % {"name": quarantine.person.full_name}
        )
    except quarantines.QuarantineError as error:
        messages.error(request, _("Not released: %(why)s") % {"why": error})
    return redirect("tracing-quarantine-detail", public_id=quarantine.public_id)


def _may_set_places(scope, facility) -> bool:
    """The health organizations writing in the facility's area, and the facility's own administrators."""
    return scope.full or scope.covers_area(facility.area, write=True) or facility.pk in scope.admin_org_ids


@login_required
def facility_occupancy(request):
    scope = access.require_any_membership(request.user)
    if not (scope.full or scope.areas or _facilities_of(scope)):
        raise PermissionDenied("Only health organizations and quarantine facilities see occupancy")
    facilities = access.visible(
        Organization.objects.filter(kind=OrgKind.QUARANTINE_FACILITY, is_active=True), scope
    )
    rows = quarantines.occupancy(facilities)
    for row in rows:
        row.can_set = _may_set_places(scope, row.facility)
    totals = {
        "places": sum(r.places or 0 for r in rows),
        "total": sum(r.total for r in rows),
        "f1": sum(r.f1 for r in rows),
        "returnees": sum(r.returnees for r in rows),
    }
    return render(request, "tracing/occupancy.html", {"rows": rows, "totals": totals, "form": CapacityForm()})


@login_required
@require_POST
def facility_capacity(request, public_id):
    scope = access.require_any_membership(request.user)
    facility = access.get_for_user(
        Organization.objects.filter(kind=OrgKind.QUARANTINE_FACILITY), request.user, public_id=public_id
    )
    if not _may_set_places(scope, facility):
        raise PermissionDenied("Your role may not set this facility's places")
    form = CapacityForm(request.POST)
    if form.is_valid():
        FacilityCapacity.objects.update_or_create(
            facility=facility, defaults={"places": form.cleaned_data["places"]}
        )
        messages.success(
            request,
            _("Places of %(name)s set to %(places)s.")
            % {"name": facility.name, "places": form.cleaned_data["places"]},
        )
    else:
        messages.error(request, _("The number of places must be a whole number from 0."))
    return redirect("tracing-occupancy")
