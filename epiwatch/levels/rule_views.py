"""Rule set versions (the shipped ones and a province's adjusted ones) and the boundary upload for the map."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.geo.models import Area, AreaKind
from epiwatch.levels import maps, rules
from epiwatch.levels.forms import BoundaryForm, RuleSetForm
from epiwatch.levels.models import Boundary, RuleSetVersion
from epiwatch.policy.rulesets import RuleSet

MAX_GEOJSON_MB = 50


def _lang() -> str:
    return "vi" if (get_language() or "vi").startswith("vi") else "en"


@login_required
def rule_list(request):
    scope = access.require_any_membership(request.user)
    versions = access.visible(RuleSetVersion, request.user).select_related("province")
    context = {
        "shipped": rules.shipped(),
        "versions": versions,
        "can_create": scope.full or bool(scope.province_admin_areas()),
        "lang": _lang(),
    }
    return render(request, "levels/rule_list.html", context)


def _visible_ruleset(request, name: str) -> tuple[RuleSet, RuleSetVersion | None]:
    for ruleset in rules.shipped():
        if ruleset.name == name:
            return ruleset, None
    version = access.get_for_user(RuleSetVersion.objects.select_related("province"), request.user, name=name)
    return version.ruleset(), version


@login_required
def rule_detail(request, name: str):
    access.require_any_membership(request.user)
    ruleset, version = _visible_ruleset(request, name)
    lr = ruleset.rules
    bands = [
        {
            "band": band,
            "describe": band.describe(_lang()),
            "met": next(r.met for r in lr.matrix if r.band == band.name),
            "not_met": next(r.not_met for r in lr.matrix if r.band == band.name),
            "unconfirmed": any(
                ruleset.is_unconfirmed(f"rules.criterion1.bands.{band.name}.{k}")
                for k in ("from", "above", "below", "up_to")
            ),
        }
        for band in lr.bands
    ]
    can_edit = (
        version is not None
        and access.visible(RuleSetVersion.objects.filter(pk=version.pk), request.user, write=True).exists()
    )
    context = {
        "ruleset": ruleset,
        "version": version,
        "rules": lr,
        "bands": bands,
        "coverage": [
            (t, ruleset.is_unconfirmed(f"rules.coverage.met_when_all.{t.measure}.at_least"))
            for t in lr.coverage
        ],
        "matrix_unconfirmed": ruleset.is_unconfirmed("rules.matrix"),
        "no_recent_case_unconfirmed": ruleset.is_unconfirmed("rules.no_recent_case"),
        "notes": [(path, note) for path, note in ruleset.notes if ruleset.is_unconfirmed(path)],
        "can_edit": can_edit and not version.is_used,
        "is_used": version.is_used if version else True,
        "can_copy": access.scope_for(request.user).full
        or bool(access.scope_for(request.user).province_admin_areas()),
        "lang": _lang(),
    }
    return render(request, "levels/rule_detail.html", context)


def _admin_province(request) -> Area:
    """The province the administrator adjusts the rules of (?province=CODE when they administer several)."""
    scope = access.require_province_admin(request.user)
    provinces = (
        list(scope.province_admin_areas())
        if not scope.full
        else list(Area.objects.of_kind(AreaKind.PROVINCE))
    )
    wanted = request.GET.get("province") or request.POST.get("province")
    if wanted:
        provinces = [p for p in provinces if p.code == wanted]
    if not provinces:
        raise Http404("No such province")
    return provinces[0]


@login_required
def rule_create(request):
    province = _admin_province(request)
    base_name = request.GET.get("from") or rules.shipped()[0].name
    try:
        base = rules.history_for(province).get("levels", base_name)
    except LookupError:
        raise Http404("No such rule set") from None
    form = RuleSetForm(request.POST or None, base=base, province=province)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            RuleSetVersion.objects.create(
                province=province,
                name=form.ruleset.name,
                effective_from=form.ruleset.effective_from,
                based_on=base.name,
                document=form.document,
                created_by=request.user,
            )
        messages.success(
            request,
            _("Version %(name)s saved; it is in force in %(province)s from %(day)s.")
            % {
                "name": form.ruleset.name,
                "province": province.name,
                "day": form.ruleset.effective_from.strftime("%d/%m/%Y"),
            },
        )
        return redirect("levels-rule", name=form.ruleset.name)
    context = {"form": form, "base": base, "province": province, "version": None, "lang": _lang()}
    return render(request, "levels/rule_form.html", context)


@login_required
def rule_edit(request, name: str):
    version = access.get_for_user(
        RuleSetVersion.objects.select_related("province"), request.user, write=True, name=name
    )
    if version.is_used:
        raise PermissionDenied("A version that assessments used never changes: create a new version")
    base = version.ruleset()
    form = RuleSetForm(
        request.POST or None,
        base=base,
        province=version.province,
        replacing=version.name,
        initial={
            "name": version.name,
            "effective_from": version.effective_from,
            "source": base.source,
            "note": base.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        version.name = form.ruleset.name
        version.effective_from = form.ruleset.effective_from
        version.document = form.document
        version.save()
        messages.success(request, _("Version %(name)s saved.") % {"name": version.name})
        return redirect("levels-rule", name=version.name)
    context = {"form": form, "base": base, "province": version.province, "version": version, "lang": _lang()}
    return render(request, "levels/rule_form.html", context)


@login_required
def boundaries(request, dataset: str, code: str):
    """Upload the outlines of a province's units (GeoJSON keyed by GSO code); its administrators only."""
    province = access.get_for_user(
        Area.objects.of_kind(AreaKind.PROVINCE), request.user, dataset=dataset, code=code
    )
    scope = access.scope_for(request.user)
    if not (scope.full or any(p.pk == province.pk for p in scope.province_admin_areas())):
        raise PermissionDenied("Only the province's administrators upload boundaries")
    form = BoundaryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_GEOJSON_MB * 1024 * 1024:
                raise maps.BoundaryError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_GEOJSON_MB})
            saved = save_boundaries(province, maps.read_geojson(upload.read()), request.user)
        except maps.BoundaryError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("%(n)s boundaries saved.") % {"n": saved})
            return redirect("levels-overview", dataset=dataset, code=code)
    count = Boundary.objects.filter(area__dataset=dataset, area__path__startswith=province.path + "/").count()
    count += Boundary.objects.filter(area=province).count()
    return render(request, "levels/boundaries.html", {"form": form, "province": province, "count": count})


@transaction.atomic
def save_boundaries(province: Area, geometries: dict, user) -> int:
    """Store the outlines, replacing those of the same areas; BoundaryError when a code is not of the province."""
    areas = {a.code: a for a in Area.objects.subtree(province).filter(code__in=list(geometries))}
    unknown = sorted(set(geometries) - set(areas))
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise maps.BoundaryError(
            _("These codes are not areas of %(province)s: %(codes)s")
            % {"province": province.name, "codes": shown}
        )
    Boundary.objects.filter(area__in=list(areas.values())).delete()
    Boundary.objects.bulk_create(
        [
            Boundary(area=areas[code], geometry=geometry, uploaded_by=user)
            for code, geometry in geometries.items()
        ],
        batch_size=500,
    )
    return len(geometries)
