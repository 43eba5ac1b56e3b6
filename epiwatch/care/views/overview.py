"""The capacity overview of an area: free beds per tier at a glance, by sub-area and facility, the alerts, the
severe cases still outside the designated hospital, planned capacity; the alert threshold; the export."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.care import capacity
from epiwatch.care import norms as care_norms
from epiwatch.care.exporters import CapacityExporter
from epiwatch.care.forms import SettingsForm
from epiwatch.care.models import Admission, CapacityChange, CareSettings, Facility, FacilityKind
from epiwatch.care.views.common import area_for, day_param, top_areas
from epiwatch.cases.models import Severity
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import exporting

TO_TRANSFER_SHOWN = 50


@login_required
def home(request):
    """The user's area, a choice of areas, or the facilities a hospital's staff work in."""
    scope = access.require_any_membership(request.user)
    areas = top_areas(scope)
    if len(areas) == 1:
        return redirect("care-overview", dataset=areas[0].dataset, code=areas[0].code)
    facilities = list(access.visible(Facility, scope).active().select_related("area"))
    if not areas and not facilities:
        raise PermissionDenied("No treatment facility or area to show")
    rows = capacity.statuses(facilities)
    return render(request, "care/home.html", {"areas": areas, "rows": rows})


def _child(area: Area, facility: Facility, children: dict[str, Area]) -> Area | None:
    """The sub-area of `area` holding the facility (its district for a province, its commune for a district)."""
    parts = facility.area.path.split("/")
    depth = len(area.path.split("/"))
    if len(parts) <= depth:
        return None
    return children.get("/".join(parts[: depth + 1]))


@login_required
def overview(request, dataset: str, code: str):
    area = area_for(request, dataset, code)
    scope = access.scope_for(request.user)
    today = timezone.localdate()
    day = day_param(request.GET.get("date")) or today
    facilities = list(
        access.visible(Facility.objects.active().in_area(area), scope).select_related("area", "organization")
    )
    settings_row = CareSettings.objects.filter(
        province__dataset=area.dataset, province__code=area.province_code
    ).first()
    norms = care_norms.load()
    threshold = float(settings_row.occupancy_alert_percent if settings_row else norms.occupancy_alert_percent)
    rows = capacity.statuses(facilities, day, threshold=threshold)
    total = capacity.totals(rows)

    children = {a.path: a for a in Area.objects.filter(parent=area).exclude(kind=AreaKind.VILLAGE)}
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        child = _child(area, row.facility, children)
        grouped[child.pk if child else 0].append(row)
    by_child = [
        (a, capacity.totals(grouped[a.pk]))
        for a in sorted(children.values(), key=lambda a: a.code)
        if a.pk in grouped
    ]
    if 0 in grouped:
        by_child.insert(0, (area, capacity.totals(grouped[0])))

    alerts = [(row.facility, alert) for row in rows for alert in row.alerts]
    alerts.sort(key=lambda fa: (not fa[1].is_critical, fa[0].code))
    to_transfer = (
        access.visible(Admission, scope)
        .open()
        .in_area(area)
        .filter(case__severity__in=(Severity.SEVERE, Severity.CRITICAL), facility__designated=False)
        .select_related("case__person", "facility")
        .order_by("admitted_at")[:TO_TRANSFER_SHOWN]
    )
    planned = (
        access.visible(CapacityChange, scope)
        .filter(facility__in=facilities, effective_from__gt=day)
        .select_related("facility")
        .order_by("effective_from")[:20]
    )
    can_set = _can_set_threshold(scope, area)
    # commune stations and home-care teams without beds are listed apart: the criterion 3 requirement, not beds
    stations = [
        r
        for r in rows
        if r.facility.kind in (FacilityKind.COMMUNE_STATION, FacilityKind.HOME_CARE_TEAM)
        and not r.figures.total_beds
        and not r.occupied
    ]
    context = {
        "area": area,
        "day": day,
        "today": today,
        "rows": [r for r in rows if r not in stations],
        "stations": stations,
        "stations_ready": sum(1 for r in stations if r.figures.mobile_station and r.figures.home_care_plan),
        "total": total,
        "by_child": by_child,
        "alerts": alerts,
        "to_transfer": list(to_transfer),
        "planned": list(planned),
        "threshold": threshold,
        "threshold_is_default": settings_row is None,
        "settings_form": SettingsForm(initial={"occupancy_alert_percent": int(threshold)})
        if can_set
        else None,
        "can_add": scope.covers_area(area, write=True),
        "norms": norms,
        "staff_needed": capacity.staff_needed(capacity.Figures(total.figures), norms),
    }
    return render(request, "care/overview.html", context)


def _can_set_threshold(scope: access.Scope, area: Area) -> bool:
    """The alert threshold is the province's: its administrators set it."""
    return scope.full or any(area.is_within(p) for p in scope.province_admin_areas())


@login_required
@require_POST
def set_threshold(request, dataset: str, code: str):
    area = area_for(request, dataset, code)
    province = Area.objects.get(dataset=area.dataset, code=area.province_code)
    if not _can_set_threshold(access.scope_for(request.user), area):
        raise PermissionDenied("Only the province's administrators set the alert threshold")
    form = SettingsForm(request.POST)
    if form.is_valid():
        CareSettings.objects.update_or_create(
            province=province,
            defaults={
                "occupancy_alert_percent": form.cleaned_data["occupancy_alert_percent"],
                "updated_by": request.user,
                "updated_at": timezone.now(),
            },
        )
        messages.success(request, _("The alert threshold was saved."))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("care-overview", dataset=dataset, code=code)


@login_required
def export(request, dataset: str, code: str, fmt: str):
    """The capacity export of the area on a day (?date=), as CSV or XLSX."""
    area = area_for(request, dataset, code)
    if fmt not in exporting.FORMATS:
        raise Http404("Unknown format")
    day: dt.date = day_param(request.GET.get("date")) or timezone.localdate()
    return CapacityExporter().response(fmt, scope=access.scope_for(request.user), area=area, on_date=day)
