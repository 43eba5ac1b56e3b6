"""Level pages: the overview of a province or district (counts, map, table, changes, approval), one unit's
assessment with its trend and history, declaring, what-if and capacity. Rule sets and boundaries: `rule_views`.

Every page reads through the access module: a province-level organization sees the proposals of its province,
every other area organization the declared levels of its subtree; only province users with a writing role
declare. An area is named in URLs by its dataset and GSO code, an assessment by its public id.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.geo.models import Area, AreaKind
from epiwatch.levels import maps, rules, summary, whatif
from epiwatch.levels.exporters import LevelsExporter
from epiwatch.levels.forms import CapacityForm, OverrideForm, WhatIfForm
from epiwatch.levels.models import Assessment, Boundary, CapacityStatus, Declaration
from epiwatch.lib import exporting
from epiwatch.lib.dates import DateError, parse_date
from epiwatch.policy.levels import LevelInputs
from epiwatch.policy.rulesets import NoRuleSetInForce

HISTORY_SHOWN = 30


def _lang() -> str:
    return "vi" if (get_language() or "vi").startswith("vi") else "en"


def _day(value) -> dt.date | None:
    try:
        return parse_date(value)
    except DateError:
        return None


def _pick_week(weeks: list[dt.date], asked) -> dt.date | None:
    """The week asked for (?week=YYYY-MM-DD) when assessed, else the latest one."""
    day = _day(asked)
    if day is not None and day in weeks:
        return day
    return weeks[0] if weeks else None


def _top_areas(scope: access.Scope) -> list[Area]:
    if scope.full:
        return list(Area.objects.of_kind(AreaKind.PROVINCE))
    own = {m.organization.area_id for m in scope.memberships if m.organization.sees_area}
    areas = list(Area.objects.filter(pk__in=own))
    return [a for a in areas if not any(a != b and a.is_within(b) for b in areas)]


def _area(request, dataset: str, code: str) -> Area:
    return access.get_for_user(
        Area.objects.select_related("parent"), request.user, dataset=dataset, code=code
    )


def _unconfirmed_notes(assessments) -> list[tuple[str, str, str]]:
    """(rule set, path, note) of every unconfirmed rule value the shown decisions relied on."""
    seen: dict[tuple[str, str], str] = {}
    cache = {}
    for a in assessments:
        for path in a.unconfirmed_paths():
            if (a.ruleset, path) in seen:
                continue
            if a.ruleset not in cache:
                try:
                    cache[a.ruleset] = rules.get(a.ruleset)
                except LookupError:
                    cache[a.ruleset] = None
            ruleset = cache[a.ruleset]
            seen[(a.ruleset, path)] = ruleset.note_for(path) if ruleset else ""
    return [(name, path, note) for (name, path), note in sorted(seen.items())]


@login_required
def home(request):
    """The user's own area, or a choice when they have several."""
    scope = access.require_any_membership(request.user)
    areas = _top_areas(scope)
    if len(areas) == 1:
        return redirect("levels-overview", dataset=areas[0].dataset, code=areas[0].code)
    return render(request, "levels/home.html", {"areas": areas})


@login_required
def overview(request, dataset: str, code: str):
    area = _area(request, dataset, code)
    if area.kind not in (AreaKind.PROVINCE, AreaKind.DISTRICT):
        return redirect("levels-area", dataset=dataset, code=code)
    visible = access.visible(Assessment, request.user).in_area(area)
    weeks = visible.weeks()
    week = _pick_week(weeks, request.GET.get("week"))
    assessments = list(visible.for_week(week).select_related("area__parent", "declared_by")) if week else []
    own = next((a for a in assessments if a.area_id == area.pk), None)
    districts = [a for a in assessments if a.area.kind == AreaKind.DISTRICT]
    communes = [a for a in assessments if a.area.kind == AreaKind.COMMUNE]
    counts = summary.level_counts(communes)
    scope = access.scope_for(request.user)
    writable = access.visible(Assessment.objects.in_area(area), request.user, write=True)
    can_declare = week is not None and writable.for_week(week).exists()
    awaiting = writable.for_week(week).awaiting_declaration().count() if can_declare else 0
    context = {
        "area": area,
        "week": week,
        "weeks": weeks[:52],
        "window_start": week - dt.timedelta(days=6) if week else None,
        "own": own,
        "assessments": assessments,
        "districts": districts,
        "communes": communes,
        "counts": counts,
        "counts_text": summary.counts_text(counts),
        "changes": summary.changes(assessments, visible.for_week(summary.previous_week(week)))
        if week
        else [],
        "previous_week": summary.previous_week(week) if week else None,
        "can_declare": can_declare,
        "awaiting": awaiting,
        "unconfirmed": _unconfirmed_notes(assessments),
        "drawing": _drawing(request, area, assessments),
        "tiles": _tiles(area, districts, communes),
        "lang": _lang(),
        "is_admin": scope.full or any(p.code == area.province_code for p in scope.province_admin_areas()),
    }
    return render(request, "levels/overview.html", context)


def _drawing(request, area: Area, assessments: list[Assessment]):
    """The communes' outlines coloured by level, when boundaries were uploaded for them (one query)."""
    by_area = {a.area_id: a for a in assessments if a.area.kind == AreaKind.COMMUNE}
    if not by_area:
        return None
    outlines = access.visible(Boundary, request.user).filter(area_id__in=list(by_area))
    items = [(by_area[b.area_id], b.geometry) for b in outlines]
    return maps.svg_shapes(items) if items else None


def _tiles(area: Area, districts: list[Assessment], communes: list[Assessment]) -> list[dict]:
    """Without outlines: communes as tiles grouped by their district (its level when the user sees it)."""
    levels = {d.area_id: d for d in districts}
    groups: dict[str, dict] = {}
    for c in communes:
        parent = c.area.parent
        group = groups.setdefault(
            parent.path, {"area": parent, "district": levels.get(parent.pk), "communes": []}
        )
        group["communes"].append(c)
    return [group for _path, group in sorted(groups.items())]


@login_required
def area_detail(request, dataset: str, code: str):
    area = _area(request, dataset, code)
    scope = access.scope_for(request.user)
    visible = access.visible(Assessment, request.user).filter(area=area)
    weeks = visible.weeks()
    week = _pick_week(weeks, request.GET.get("week"))
    assessment = (
        visible.filter(week_ending=week).select_related("area", "declared_by").first() if week else None
    )
    can_declare = (
        assessment is not None
        and access.visible(Assessment.objects.filter(pk=assessment.pk), request.user, write=True).exists()
    )
    history = Declaration.objects.filter(assessment__in=visible).select_related("assessment")[:HISTORY_SHOWN]
    context = {
        "area": area,
        "week": week,
        "weeks": weeks[:52],
        "assessment": assessment,
        "trend": summary.trend(visible, area, week) if week else [],
        "history": history,
        "unconfirmed": _unconfirmed_notes([assessment] if assessment else []),
        "can_declare": can_declare,
        "override_form": OverrideForm(initial={"level": assessment.level}) if can_declare else None,
        "capacity": access.visible(CapacityStatus, request.user).filter(area=area)[:10],
        "capacity_form": CapacityForm(initial={"date": week or dt.date.today(), "ok": "yes"})
        if scope.covers_area(area, write=True)
        else None,
        "parent_overview": area.parent if area.parent and area.parent.kind != AreaKind.COMMUNE else None,
        "lang": _lang(),
    }
    return render(request, "levels/area.html", context)


@login_required
@require_POST
def approve(request, dataset: str, code: str):
    """Declare every proposal of the week in the area, as proposed."""
    area = _area(request, dataset, code)
    week = _day(request.POST.get("week"))
    if week is None:
        raise Http404("No such week")
    writable = access.visible(Assessment.objects.in_area(area).for_week(week), request.user, write=True)
    if not writable.exists():
        raise PermissionDenied("Only province users with a writing role declare levels")
    declared = writable.approve_all(request.user)
    messages.success(request, _("%(n)s levels declared as proposed.") % {"n": declared})
    return redirect(reverse("levels-overview", args=[dataset, code]) + f"?week={week.isoformat()}")


@login_required
@require_POST
def override(request, public_id):
    assessment = access.get_for_user(
        Assessment.objects.select_related("area"), request.user, write=True, public_id=public_id
    )
    form = OverrideForm(request.POST)
    url = reverse("levels-area", args=[assessment.area.dataset, assessment.area.code])
    url += f"?week={assessment.week_ending.isoformat()}"
    if form.is_valid():
        try:
            assessment.declare(request.user, form.cleaned_data["level"], form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(url)
        messages.success(
            request,
            _("Level %(level)s declared for %(area)s.")
            % {"level": assessment.declared_level, "area": assessment.area.name},
        )
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
    return redirect(url)


@login_required
def what_if(request, dataset: str, code: str):
    """Edit a unit's inputs and see the level they would give ("what if coverage reaches 90 %?")."""
    area = _area(request, dataset, code)
    province = Area.objects.filter(dataset=area.dataset, code=area.province_code).first()
    history = rules.history_for(province)
    names = [r.name for r in history.versions("levels")]
    visible = access.visible(Assessment, request.user).filter(area=area)
    week = _pick_week(visible.weeks(), request.GET.get("week"))
    base = visible.filter(week_ending=week).select_related("area").first() if week else None
    initial = {}
    if base is not None:
        inputs = base.inputs()
        initial = {name: getattr(inputs, name) for name in WhatIfForm.INPUTS}
        initial["capacity_ok"] = "yes" if base.capacity_ok else "no"
        initial["ruleset"] = base.ruleset
    else:
        try:
            initial["ruleset"] = history.in_force("levels", dt.date.today()).name
        except NoRuleSetInForce:
            pass
    submitted = "population" in request.GET
    form = WhatIfForm(request.GET if submitted else None, initial=initial, ruleset_names=names)
    decision = None
    if submitted and form.is_valid():
        ruleset = history.get("levels", form.cleaned_data["ruleset"])
        inputs = {**form.level_inputs(), "area_name": area.name}
        try:
            decision = whatif.evaluate(LevelInputs(**inputs), ruleset)
        except ValueError as error:
            form.add_error(None, _("These inputs cannot be assessed: %(reason)s") % {"reason": error})
    context = {"area": area, "form": form, "base": base, "decision": decision, "week": week, "lang": _lang()}
    return render(request, "levels/what_if.html", context)


@login_required
@require_POST
def set_capacity(request, dataset: str, code: str):
    """Whether the unit meets its care requirements from a date on (criterion 3): the writing members of an
    organization over the area set it."""
    area = _area(request, dataset, code)
    if not access.scope_for(request.user).covers_area(area, write=True):
        raise PermissionDenied("Your role may not set the capacity of this area")
    form = CapacityForm(request.POST)
    if form.is_valid():
        ok = form.cleaned_data["ok"] == "yes"
        CapacityStatus.objects.update_or_create(
            area=area,
            date=form.cleaned_data["date"],
            defaults={"ok": ok, "reason": form.cleaned_data["reason"].strip(), "set_by": request.user},
        )
        messages.success(request, _("Capacity saved; it counts from the next assessment."))
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
    return redirect("levels-area", dataset=dataset, code=code)


@login_required
def export(request, dataset: str, code: str):
    """The levels of the area's units as CSV or XLSX (?from=&to= on the week's last day)."""
    area = _area(request, dataset, code)
    fmt = request.GET.get("format", "csv")
    if fmt not in exporting.FORMATS:
        raise Http404("Unknown format")
    return LevelsExporter().response(
        fmt,
        scope=access.scope_for(request.user),
        area=area,
        date_from=_day(request.GET.get("from")),
        date_to=_day(request.GET.get("to")),
    )
