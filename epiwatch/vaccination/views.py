"""Pages: the coverage dashboard, the door-to-door lists (page, PDF, XLSX), a person's vaccination card, recording a
dose or a deferral, and the spreadsheet upload. Every page asks the access module."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import AREA_KINDS, Organization
from epiwatch.geo.models import Area, AreaKind
from epiwatch.lib import importing, tabular
from epiwatch.lib.dates import DateError, parse_date
from epiwatch.people.models import Person
from epiwatch.vaccination import card, chart, pdf, recording, unvaccinated
from epiwatch.vaccination import coverage as cov
from epiwatch.vaccination.access_rules import can_see_area
from epiwatch.vaccination.exporters import CoverageExporter, UnvaccinatedExporter, record_export
from epiwatch.vaccination.forms import CoverageFilterForm, DeferralForm, DoseForm, UploadForm
from epiwatch.vaccination.models import Deferral, Dose, Indicator

SERIES_DAYS = 60
ERROR_FILES_KEY = "vaccination_error_files"
ERRORS_SHOWN = 200
PAGE_SIZE = 100


# --- helpers ---------------------------------------------------------------------------------------------------


def _writing_orgs(scope):
    return Organization.objects.filter(pk__in=scope.write_org_ids, is_active=True).order_by("name")


def _home_area(scope) -> Area:
    """The highest area among the user's health organizations (403 for a school, an enterprise, a lab...)."""
    areas = [m.organization.area for m in scope.memberships if m.organization.kind in AREA_KINDS]
    if not areas:
        raise PermissionDenied("Coverage and the lists are for health organizations with an area")
    return min(areas, key=lambda a: (a.path.count("/"), a.path))


def _area(request, scope) -> Area:
    """The area named by ?area=CODE (&dataset=), else the user's own; 404 if unknown or invisible, 403 if the
    user's organizations do not cover it."""
    code = (request.GET.get("area") or "").strip()
    if not code:
        return _home_area(scope)
    dataset = request.GET.get("dataset") or "vn-2021"
    area = access.get_for_user(Area, request.user, dataset=dataset, code=code)
    if not can_see_area(scope, area):
        raise PermissionDenied("Your organizations do not cover this area")
    return area


def _day(request, name: str = "day") -> dt.date | None:
    try:
        day = parse_date(request.GET.get(name))
    except DateError:
        return None
    return day if day is None or day <= timezone.localdate() else None


def _latest_dose_day(area: Area) -> dt.date:
    """The last day with a dose in the area's province, not after today: where the dashboard opens."""
    latest = Dose.objects.filter(province_code=area.province_code).aggregate(day=Max("given_on"))["day"]
    today = timezone.localdate()
    return min(latest, today) if latest else today


def _breadcrumbs(area: Area, scope) -> list[tuple[Area, bool]]:
    return [(a, can_see_area(scope, a)) for a in area.ancestors()]


# --- coverage ----------------------------------------------------------------------------------------------------


INDICATOR_SERIES = (
    (Indicator.ADULTS_1DOSE, "adults_1dose_pct"),
    (Indicator.ADULTS_FULL, "adults_full_pct"),
    (Indicator.ELDERLY_FULL, "elderly_full_pct"),
)


@login_required
def coverage_dashboard(request):
    scope = access.require_any_membership(request.user)
    area = _area(request, scope)
    form = CoverageFilterForm(request.GET or None)
    day = days = None
    if form.is_valid():
        day, days = form.cleaned_data["day"], form.cleaned_data["days"]
    day = day or _latest_dose_day(area)
    days = days or SERIES_DAYS
    first = day - dt.timedelta(days=days - 1)
    own = cov.coverage_series(area, first, day, [area.pk])[area.pk]
    current = own[-1]
    child_pks = list(Area.objects.filter(parent=area).values_list("pk", flat=True))
    children = sorted(
        cov.coverage_by_area(area, day, child_pks).values(), key=lambda c: (c.area.name, c.area.code)
    )
    labels = dict(Indicator.choices)
    statuses = current.target_statuses()
    graph = chart.line_chart(
        [c.on for c in own],
        [(labels[ind], [getattr(c, attr) for c in own]) for ind, attr in INDICATOR_SERIES],
        targets=[
            (f"{labels[t.target.indicator]} {t.target.target_pct:g} %", t.target.target_pct, t.target.due, i)
            for i, (ind, _attr) in enumerate(INDICATOR_SERIES)
            for t in statuses
            if t.target.indicator == ind
        ],
    )
    context = {
        "area": area,
        "breadcrumbs": _breadcrumbs(area, scope),
        "form": form,
        "day": day,
        "first": first,
        "days": days,
        "current": current,
        "rows": [current, *children],
        "targets": statuses,
        "chart": graph,
        "any_aggregate": any(r.aggregate for r in [current, *children]),
        "flagged": access.visible(Dose.objects.in_area(area).flagged(), scope).count(),
        "lists_here": area.kind in (AreaKind.COMMUNE, AreaKind.VILLAGE),
    }
    return render(request, "vaccination/coverage.html", context)


@login_required
def coverage_export(request):
    scope = access.require_any_membership(request.user)
    area = _area(request, scope)
    last = _day(request, "to") or _latest_dose_day(area)
    first = _day(request, "from") or last
    if first > last:
        first = last
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return CoverageExporter().response(fmt, scope=scope, area=area, date_from=first, date_to=last)


@login_required
def flagged_doses(request):
    scope = access.require_any_membership(request.user)
    area = _area(request, scope)
    doses = access.visible(Dose.objects.in_area(area).flagged(), scope).select_related(
        "person", "product", "submitter"
    )
    page = Paginator(doses.order_by("-given_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vaccination/flagged.html", {"area": area, "page": page})


# --- door-to-door lists --------------------------------------------------------------------------------------------


@login_required
def unvaccinated_list(request):
    scope = access.require_any_membership(request.user)
    area = _area(request, scope)
    day = _day(request) or _latest_dose_day(area)
    try:
        min_age = int(request.GET["min_age"]) if request.GET.get("min_age") else None
    except ValueError:
        min_age = None
    min_age = min_age if min_age is None or 0 <= min_age <= 120 else None
    if area.kind not in (AreaKind.COMMUNE, AreaKind.VILLAGE):
        # lists are walked per commune: pick one
        communes = [
            a
            for a in Area.objects.subtree(area)
            .of_kind(AreaKind.COMMUNE)
            .current(day)
            .order_by("parent__name", "name")
            if can_see_area(scope, a)
        ]
        return render(
            request,
            "vaccination/unvaccinated_pick.html",
            {"area": area, "communes": communes, "breadcrumbs": _breadcrumbs(area, scope), "day": day},
        )
    found = unvaccinated.entries(area, day, scope, min_age)
    fmt = request.GET.get("format")
    if fmt in ("pdf", "xlsx", "csv"):
        record_export("unvaccinated people", "people.person", len(found), area)
        name = f"chua-tiem-{area.code}-{day:%Y%m%d}"
        if fmt == "pdf":
            body = pdf.render(area, day, list(unvaccinated.sections(found)), request.user.username)
            response = HttpResponse(body, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
        rows = (UnvaccinatedExporter.row(e) for e in found)
        if fmt == "xlsx":
            return tabular.xlsx_response(
                f"{name}.xlsx", UnvaccinatedExporter.columns, rows, sheet_title="chua-tiem"
            )
        return tabular.csv_response(f"{name}.csv", UnvaccinatedExporter.columns, rows)
    villages = []
    if area.kind == AreaKind.COMMUNE:
        villages = list(Area.objects.filter(parent=area, kind=AreaKind.VILLAGE).current(day).order_by("name"))
    context = {
        "area": area,
        "breadcrumbs": _breadcrumbs(area, scope),
        "day": day,
        "min_age": min_age if min_age is not None else unvaccinated.min_age_on(day),
        "sections": list(unvaccinated.sections(found)),
        "total": len(found),
        "cannot": sum(1 for e in found if e.cannot),
        "villages": villages,
        "query": request.GET.urlencode(),
    }
    return render(request, "vaccination/unvaccinated.html", context)


# --- a person's card, recording doses and deferrals ----------------------------------------------------------------


@login_required
def person_card(request, public_id):
    person = access.get_for_user(
        Person.objects.select_related("residence"), request.user, public_id=public_id
    )
    view = card.card_for(person, request.user)
    return render(request, "vaccination/card.html", {"person": person, "card": view})


def _person_for_writing(request, public_id):
    person = access.get_for_user(
        Person.objects.select_related("residence"), request.user, write=True, public_id=public_id
    )
    if person.is_merged:
        raise PermissionDenied("This record was merged into another one")
    organizations = _writing_orgs(access.scope_for(request.user))
    if not organizations.exists():
        raise PermissionDenied("Your role may not record vaccinations")
    return person, organizations


@login_required
def dose_create(request, public_id):
    person, organizations = _person_for_writing(request, public_id)
    history = recording.history_of(person)
    initial = {
        "dose_number": recording.next_number(history),
        "given_on": timezone.localdate(),
        "organization": organizations.first(),
    }
    form = DoseForm(request.POST or None, initial=initial, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dose, created = recording.record(
                person,
                number=data["dose_number"],
                product=data["product"],
                given_on=data["given_on"],
                submitter=data["organization"],
                site=data["organization"],
                lot=data["lot"],
            )
        except recording.DoseError as exc:
            form.add_error(exc.field, exc.message)
        else:
            if not created:
                messages.info(request, _("This dose was already recorded: nothing was added."))
            else:
                messages.success(request, _("Dose %(number)s was recorded.") % {"number": dose.dose_number})
                if dose.needs_review:
                    messages.warning(
                        request, _("It is flagged for review: %(note)s.") % {"note": dose.review_note}
                    )
            return redirect("vaccination-card", public_id=person.public_id)
    return render(request, "vaccination/dose_form.html", {"person": person, "form": form, "history": history})


@login_required
def deferral_create(request, public_id):
    person, organizations = _person_for_writing(request, public_id)
    form = DeferralForm(
        request.POST or None, initial={"organization": organizations.first()}, organizations=organizations
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        Deferral.objects.create(
            person=person,
            reason=data["reason"],
            permanent=data["permanent"],
            until=data["until"],
            note=data["note"],
            recorded_on=data["recorded_on"],
            recorded_by=data["organization"],
        )
        messages.success(request, _("The deferral was recorded."))
        return redirect("vaccination-card", public_id=person.public_id)
    return render(request, "vaccination/deferral_form.html", {"person": person, "form": form})


# --- spreadsheet upload ---------------------------------------------------------------------------------------------


def _errors_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "vaccination" / "errors"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def upload(request):
    scope = access.require_any_membership(request.user)
    organizations = _writing_orgs(scope)
    if not organizations.exists():
        raise PermissionDenied("Your role may not import data")
    form = UploadForm(request.POST or None, request.FILES or None, organizations=organizations)
    result = error_token = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = Organization.objects.select_related("area").get(pk=data["organization"].pk)
        token = uuid.uuid4().hex
        errors_to = _errors_dir() / f"{token}.csv"
        context = importing.Context(
            organization=organization, scope=scope, user=request.user, dry_run=data["dry_run"]
        )
        try:
            with audit.acting(user=request.user, organization=organization, via="web"):
                result = importing.run(
                    importing.get(data["kind"])(),
                    data["file"],
                    context,
                    errors_to=errors_to,
                    max_mb=settings.UPLOAD_MAX_MB,
                )
        except importing.ImportRefused as exc:
            form.add_error(None, str(exc))
        except importing.ImportFailed as exc:
            result = exc.result
            form.add_error("file", str(exc))
        except tabular.TableError as exc:
            form.add_error("file", str(exc))
        if errors_to.exists():
            error_token = token
            request.session[ERROR_FILES_KEY] = [*request.session.get(ERROR_FILES_KEY, [])[-19:], token]
    context = {
        "form": form,
        "result": result,
        "errors": result.errors[:ERRORS_SHOWN] if result else [],
        "error_token": error_token,
        "kinds": [k for k, _label in UploadForm.KINDS],
    }
    return render(request, "vaccination/upload.html", context)


@login_required
def upload_errors(request, token: str):
    """The rejected rows of an upload, for the user who uploaded the file (in this session)."""
    if token not in request.session.get(ERROR_FILES_KEY, []):
        raise Http404("No such file")
    path = _errors_dir() / f"{token}.csv"
    if not path.exists():
        raise Http404("No such file")
    return FileResponse(path.open("rb"), as_attachment=True, filename="loi-nhap.csv", content_type="text/csv")


@login_required
def import_template(request, kind: str, fmt: str):
    access.require_any_membership(request.user)
    if kind not in [k for k, _label in UploadForm.KINDS] or fmt not in ("csv", "xlsx"):
        raise Http404("No such template")
    language = "en" if request.GET.get("lang") == "en" else "vi"
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv"
    )
    if fmt == "xlsx":
        buffer = io.BytesIO()
        importing.write_template(importing.get(kind), buffer, language=language, fmt="xlsx")
        body = buffer.getvalue()
    else:
        text = io.StringIO(newline="")
        importing.write_template(importing.get(kind), text, language=language, fmt="csv")
        body = text.getvalue().encode("utf-8")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}-{language}.{fmt}"'
    return response
