"""A facility: its tiers, occupancy, alerts, patients and capacity history; creating and editing facilities and
recording capacity ("+850 beds from 05/11")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization
from epiwatch.care import capacity
from epiwatch.care.forms import CapacityForm, FacilityForm
from epiwatch.care.models import FIGURES, Admission, CapacityChange, Facility
from epiwatch.care.views.common import area_for, day_param
from epiwatch.lib.dates import DateError, parse_date

PATIENTS_SHOWN = 200
DISCHARGES_SHOWN = 30


def _facility(request, public_id, write: bool = False) -> Facility:
    return access.get_for_user(
        Facility.objects.select_related("area", "organization"),
        request.user,
        write=write,
        public_id=public_id,
    )


def _history(changes: list[CapacityChange]) -> list[tuple[CapacityChange, dict[str, int]]]:
    """Each change with its difference from the one before ("+850 beds")."""
    rows = []
    ordered = sorted(changes, key=lambda c: c.effective_from)
    previous = None
    for change in ordered:
        delta = {
            name: getattr(change, name) - (getattr(previous, name) if previous else 0)
            for name in (*FIGURES, "beds")
        }
        rows.append((change, delta))
        previous = change
    return list(reversed(rows))


@login_required
def detail(request, public_id):
    facility = _facility(request, public_id)
    scope = access.scope_for(request.user)
    day = day_param(request.GET.get("date")) or timezone.localdate()
    threshold = capacity.alert_threshold(facility.area)
    status = capacity.statuses([facility], day, threshold=threshold)[0]
    patients = (
        access.visible(Admission, scope)
        .filter(facility=facility)
        .open()
        .select_related("case__person", "case__area")
        .order_by("tier", "admitted_at")[:PATIENTS_SHOWN]
    )
    discharged = (
        access.visible(Admission, scope)
        .filter(facility=facility, discharged_at__isnull=False)
        .select_related("case__person", "transferred_to__facility")
        .order_by("-discharged_at")[:DISCHARGES_SHOWN]
    )
    can_write = access.visible(Facility.objects.filter(pk=facility.pk), scope, write=True).exists()
    context = {
        "facility": facility,
        "status": status,
        "day": day,
        "threshold": threshold,
        "patients": list(patients),
        "discharged": list(discharged),
        "history": _history(list(facility.capacity_changes.all())),
        "can_write": can_write,
        "staff_needed": capacity.staff_needed(status.figures),
    }
    return render(request, "care/facility.html", context)


def _organizations(scope, area):
    """Organizations a facility may be run by: the visible ones in the area's province."""
    return access.visible(Organization, scope).filter(is_active=True).in_area(area).order_by("name")


@login_required
def create(request, dataset: str, code: str):
    area = area_for(request, dataset, code)
    scope = access.scope_for(request.user)
    if not scope.covers_area(area, write=True):
        raise PermissionDenied("Your role may not add facilities here")
    province = area if area.parent_id is None else area.ancestors()[0]
    form = FacilityForm(
        request.POST or None,
        organizations=_organizations(scope, province),
        scope=scope,
        dataset=area.dataset,
        initial={"area_code": area.code, "serves_tier_1": True},
    )
    if request.method == "POST" and form.is_valid():
        facility = form.save()
        messages.success(request, _("The facility was added: record its capacity now."))
        return redirect("care-capacity", public_id=facility.public_id)
    return render(request, "care/facility_form.html", {"form": form, "area": area})


@login_required
def edit(request, public_id):
    facility = _facility(request, public_id, write=True)
    scope = access.scope_for(request.user)
    province_area = facility.area.ancestors()[0] if facility.area.parent_id else facility.area
    form = FacilityForm(
        request.POST or None,
        instance=facility,
        organizations=_organizations(scope, province_area),
        scope=scope,
        dataset=facility.area.dataset,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The facility was saved."))
        return redirect("care-facility", public_id=facility.public_id)
    return render(
        request, "care/facility_form.html", {"form": form, "facility": facility, "area": facility.area}
    )


@login_required
def record_capacity(request, public_id):
    """Record the facility's capacity from a day on; the same day again replaces its figures."""
    facility = _facility(request, public_id, write=True)
    instance = None
    if request.method == "POST":
        try:
            day = parse_date(request.POST.get("effective_from"))
        except DateError:
            day = None
        if day is not None:
            instance = CapacityChange.objects.filter(facility=facility, effective_from=day).first()
        form = CapacityForm(request.POST, instance=instance, facility=facility)
        if form.is_valid():
            change = form.save(commit=False)
            change.recorded_by = request.user
            change.recorded_at = timezone.now()
            change.save()
            if instance is not None:
                messages.success(
                    request,
                    _("The capacity from %(day)s was replaced.")
                    % {"day": change.effective_from.strftime("%d/%m/%Y")},
                )
            else:
                messages.success(
                    request,
                    _("The capacity from %(day)s was recorded.")
                    % {"day": change.effective_from.strftime("%d/%m/%Y")},
                )
            status = capacity.statuses([facility], max(change.effective_from, timezone.localdate()))[0]
            for tier in status.tiers:
                if tier.over:
                    messages.warning(
                        request,
                        _("Tier %(tier)s holds %(occupied)s patients for %(beds)s beds: over capacity.")
                        % {"tier": tier.tier, "occupied": tier.occupied, "beds": tier.beds},
                    )
            return redirect("care-facility", public_id=facility.public_id)
    else:
        current = facility.capacity_on(timezone.localdate())
        initial = {"effective_from": timezone.localdate()}
        if current is not None:
            initial.update({name: getattr(current, name) for name in FIGURES})
            initial.update(mobile_station=current.mobile_station, home_care_plan=current.home_care_plan)
        form = CapacityForm(initial=initial, facility=facility)
    return render(request, "care/capacity_form.html", {"form": form, "facility": facility})
