"""The area browser (areas, their children and population), villages and population corrections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization
from epiwatch.geo.forms import PopulationForm, VillageCreateForm, VillageEditForm
from epiwatch.geo.loading import latest_population_year, population_by_area
from epiwatch.geo.models import Area, AreaKind, Population

ORGS_SHOWN = 200

# the web page of the `villages` spreadsheet import, when the import pages exist (`epiwatch import villages`)
VILLAGE_IMPORT_URL_NAME = "import-new"


def _top_areas(scope: access.Scope) -> list[Area]:
    """The highest areas the user sees: the areas of their organizations, without those inside another."""
    if scope.full:
        return list(Area.objects.of_kind(AreaKind.PROVINCE))
    own = Area.objects.filter(pk__in={m.organization.area_id for m in scope.memberships})
    areas = list(access.visible(own, scope))
    return [a for a in areas if not any(a != b and a.is_within(b) for b in areas)]


def _with_population(areas: list[Area]) -> tuple[int | None, list[tuple[Area, Population | None]]]:
    """The latest year with figures for any of the areas, and each area with its population that year."""
    years = [y for y in (latest_population_year(a) for a in areas) if y is not None]
    year = max(years, default=None)
    pops = population_by_area(areas, year) if year else {}
    return year, [(a, pops.get(a.pk)) for a in areas]


@login_required
def area_list(request):
    scope = access.scope_for(request.user)
    year, rows = _with_population(_top_areas(scope))
    any_summed = any(pop is not None and pop.summed for _area, pop in rows)
    return render(request, "geo/area_list.html", {"rows": rows, "year": year, "any_summed": any_summed})


@login_required
def area_detail(request, dataset: str, code: str):
    scope = access.scope_for(request.user)
    area = access.get_for_user(Area, request.user, dataset=dataset, code=code)
    ancestors = area.ancestors()
    linked = set(
        access.visible(Area.objects.filter(pk__in=[a.pk for a in ancestors]), scope).values_list(
            "pk", flat=True
        )
    )
    children = list(access.visible(Area.objects.filter(parent=area), scope))
    year = latest_population_year(area)
    pops = population_by_area([area, *children], year) if year else {}
    orgs = access.visible(Organization.objects.in_area(area), scope).filter(is_active=True)
    orgs = orgs.select_related("area").order_by("area__path", "name")
    can_write = access.visible(Area.objects.filter(pk=area.pk), scope, write=True).exists()
    context = {
        "area": area,
        "breadcrumbs": [(a, a.pk in linked) for a in ancestors],
        "children": [(c, pops.get(c.pk)) for c in children],
        "any_summed": any(pops[c.pk].summed for c in children if c.pk in pops),
        "population": pops.get(area.pk),
        "year": year,
        "organizations": orgs[:ORGS_SHOWN],
        "organization_count": orgs.count(),
        "orgs_shown": ORGS_SHOWN,
        "can_write": can_write,
        "can_add_villages": can_write and area.can_have_villages,
        "village_import_url": _village_import_url() if can_write and area.can_have_villages else None,
        "successors": area.successors() if area.kind in (AreaKind.COMMUNE, AreaKind.VILLAGE) else [],
        "predecessors": area.predecessors() if area.kind == AreaKind.COMMUNE else [],
    }
    return render(request, "geo/area_detail.html", context)


def _village_import_url() -> str | None:
    try:
        return reverse(VILLAGE_IMPORT_URL_NAME, kwargs={"kind": "villages"})
    except NoReverseMatch:
        return None


@login_required
def village_create(request, dataset: str, code: str):
    commune = access.get_for_user(Area, request.user, write=True, dataset=dataset, code=code)
    if not commune.can_have_villages:
        raise Http404("Villages are added under a commune")
    form = VillageCreateForm(request.POST or None, commune=commune)
    if request.method == "POST" and form.is_valid():
        village = form.save()
        if village is not None:
            messages.success(request, _("Village %(name)s added.") % {"name": village.name})
            return redirect("area-detail", dataset=commune.dataset, code=commune.code)
    return render(request, "geo/village_form.html", {"form": form, "commune": commune, "village": None})


@login_required
def village_edit(request, dataset: str, code: str):
    village = access.get_for_user(
        Area.objects.of_kind(AreaKind.VILLAGE).select_related("parent"),
        request.user,
        write=True,
        dataset=dataset,
        code=code,
    )
    form = VillageEditForm(request.POST or None, instance=village)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Village %(name)s saved.") % {"name": village.name})
        return redirect("area-detail", dataset=village.dataset, code=village.parent.code)
    return render(
        request, "geo/village_form.html", {"form": form, "commune": village.parent, "village": village}
    )


@login_required
def population_edit(request, dataset: str, code: str):
    area = access.get_for_user(Area, request.user, write=True, dataset=dataset, code=code)
    year = _year_param(request.POST.get("year") if request.method == "POST" else request.GET.get("year"))
    year = year or latest_population_year(area)
    existing = Population.objects.filter(area=area, year=year).first() if year else None
    form = PopulationForm(
        request.POST or None, instance=existing or Population(area=area), initial={"year": year}
    )
    if request.method == "POST" and form.is_valid():
        population = form.save()
        messages.success(
            request,
            _("Population of %(area)s for %(year)s saved.") % {"area": area.name, "year": population.year},
        )
        return redirect("area-detail", dataset=area.dataset, code=area.code)
    return render(request, "geo/population_form.html", {"form": form, "area": area, "existing": existing})


def _year_param(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
