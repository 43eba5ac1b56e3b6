"""Shift-screening pages (mounted at /screening/): compliance of the enterprises the user sees, an enterprise's
shifts and roster, the screening page of one shift and day (tick a worker's antigen result), the gate guard's
"do not admit" list, and the upload of a shift's results. Enterprises, shifts and results are named by public
UUIDs; every page asks the access module (an enterprise sees its own, a commune or district the enterprises of
its subtree, the province all of them)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.labs import shifts
from epiwatch.labs.models import Outcome, TestResult
from epiwatch.labs.shift_forms import DayForm, ShiftForm, TickForm, UploadForm
from epiwatch.labs.shift_models import Shift, ShiftScreening
from epiwatch.lib import importing, tabular

ERROR_FILES_KEY = "screening_error_files"
ERRORS_SHOWN = 50
HISTORY_DAYS = 7
IMPORT_KINDS = ("roster", "shifts")
TEMPLATE_KINDS = ("roster", "shifts", "results")
FETCH_HEADER = "fetch"  # X-Requested-With of the screening page's script: answer in JSON


def _enterprises():
    return Organization.objects.filter(kind=OrgKind.ENTERPRISE).select_related("area")


def _enterprise(request, org_id) -> Organization:
    return access.get_for_user(_enterprises(), request.user, public_id=org_id)


def _shift(request, public_id) -> Shift:
    return access.get_for_user(
        Shift.objects.select_related("organization", "organization__area"), request.user, public_id=public_id
    )


def _iso_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404("No such day") from None


def _day(request) -> tuple[DayForm, dt.date]:
    form = DayForm(request.GET or None)
    day = form.cleaned_data.get("day") if form.is_valid() else None
    return form, day or timezone.localdate()


def _url(shift: Shift, day: dt.date, name: str = "screening-shift-day") -> str:
    return reverse(name, kwargs={"public_id": shift.public_id, "day": day.isoformat()})


def _totals(sheets) -> dict[str, int]:
    totals = dict.fromkeys(("workers", "tested", "not_tested", "positive", "late", "do_not_admit"), 0)
    for sheet in sheets:
        for key, value in sheet.counts().items():
            totals[key] += value
    return totals


# --- compliance ------------------------------------------------------------------------------------------------


@login_required
def overview(request):
    """Compliance of every enterprise the user sees, per shift, on one day (today by default)."""
    scope = access.require_any_membership(request.user)
    form, day = _day(request)
    enterprises = list(
        access.visible(_enterprises(), scope).filter(is_active=True).order_by("area__path", "name")
    )
    sheets, unassigned = shifts.compliance(enterprises, day)
    with_shifts = {s.organization.pk for s in sheets}
    without = [o for o in enterprises if o.pk not in with_shifts]
    return render(
        request,
        "labs/shifts/overview.html",
        {
            "form": form,
            "day": day,
            "future": day > timezone.localdate(),
            "sheets": sheets,
            "totals": _totals(sheets),
            "unassigned": unassigned,
            "without_shifts": without,
        },
    )


@login_required
def enterprise(request, org_id):
    """One enterprise: each shift's compliance on the day, and the last days' share tested before the shift."""
    organization = _enterprise(request, org_id)
    form, day = _day(request)
    sheets, unassigned = shifts.compliance([organization], day)
    history = []
    for back in range(1, HISTORY_DAYS):
        earlier = day - dt.timedelta(days=back)
        past, _unassigned = shifts.compliance([organization], earlier)
        by_shift = {s.shift.pk: s for s in past}
        history.append((earlier, [by_shift.get(s.shift.pk) for s in sheets]))
    return render(
        request,
        "labs/shifts/enterprise.html",
        {
            "organization": organization,
            "form": form,
            "day": day,
            "future": day > timezone.localdate(),
            "sheets": sheets,
            "totals": _totals(sheets),
            "unassigned": unassigned,
            "history": history,
            "can_define": shifts.may_define_shifts(request.user, organization),
            "can_screen": shifts.may_screen(request.user, organization),
        },
    )


# --- shifts and roster -----------------------------------------------------------------------------------------


def _setup_page(request, organization, form=None, outcome=None, status=200):
    today = timezone.localdate()
    _sheets, unassigned = shifts.compliance([organization], today)
    return render(
        request,
        "labs/shifts/setup.html",
        {
            "organization": organization,
            "shifts": Shift.objects.of(organization).order_by("-active", "starts_at", "code"),
            "form": form or ShiftForm(),
            "upload_form": UploadForm(),
            "unassigned": unassigned,
            "can_define": shifts.may_define_shifts(request.user, organization),
            "can_roster": _may_import(request.user, organization, "roster"),
            "outcome": outcome,
        },
        status=status,
    )


@login_required
def setup(request, org_id):
    """The enterprise's shifts (add one here, or upload a file) and its roster upload."""
    organization = _enterprise(request, org_id)
    if request.method != "POST":
        return _setup_page(request, organization)
    if not shifts.may_define_shifts(request.user, organization):
        raise PermissionDenied("Your role may not change the shifts of this enterprise")
    form = ShiftForm(request.POST)
    if form.is_valid():
        try:
            shift, _changed = shifts.define_shift(organization, **form.cleaned_data)
        except shifts.ShiftInvalid as invalid:
            form.add_problems(invalid.problems)
        else:
            messages.success(request, _("Shift %(shift)s was saved.") % {"shift": shift})
            return redirect("screening-setup", org_id=organization.public_id)
    return _setup_page(request, organization, form=form, status=400)


@login_required
def shift_edit(request, public_id):
    shift = _shift(request, public_id)
    if not shifts.may_define_shifts(request.user, shift.organization):
        raise PermissionDenied("Your role may not change the shifts of this enterprise")
    initial = {
        "code": shift.code,
        "name": shift.name,
        "starts_at": f"{shift.starts_at:%H:%M}",
        "ends_at": f"{shift.ends_at:%H:%M}",
    }
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            shifts.define_shift(shift.organization, shift=shift, **form.cleaned_data)
        except shifts.ShiftInvalid as invalid:
            form.add_problems(invalid.problems)
        else:
            messages.success(request, _("Shift %(shift)s was saved.") % {"shift": shift})
            return redirect("screening-setup", org_id=shift.organization.public_id)
    return render(
        request,
        "labs/shifts/shift_edit.html",
        {"shift": shift, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def shift_retire(request, public_id):
    shift = _shift(request, public_id)
    if not shifts.may_define_shifts(request.user, shift.organization):
        raise PermissionDenied("Your role may not change the shifts of this enterprise")
    shifts.retire_shift(shift)
    messages.success(request, _("Shift %(shift)s is no longer in use.") % {"shift": shift})
    return redirect("screening-setup", org_id=shift.organization.public_id)


def _may_import(user, organization, kind: str) -> bool:
    if kind == "shifts":
        return shifts.may_define_shifts(user, organization)
    from epiwatch.people.access_rules import can_write_roster

    return can_write_roster(user, organization)


def _errors_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "screening" / "errors"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep_errors_token(request, path: Path) -> str | None:
    if not path.exists():
        return None
    token = path.stem
    request.session[ERROR_FILES_KEY] = [*request.session.get(ERROR_FILES_KEY, [])[-19:], token]
    return token


def _run_import(request, run) -> dict:
    """Run an import (`run(errors_to)` -> ImportResult); what the page shows of it."""
    errors_to = _errors_dir() / f"{uuid.uuid4().hex}.csv"
    outcome = {"result": None, "error": "", "links": None, "batch": None}
    try:
        done = run(errors_to)
    except importing.ImportRefused as exc:
        raise PermissionDenied(str(exc)) from None
    except importing.ImportFailed as exc:
        outcome.update(result=exc.result, error=str(exc))
    except tabular.TableError as exc:
        outcome["error"] = str(exc)
    else:
        if isinstance(done, shifts.Upload):
            outcome.update(result=done.result, links=done.links, batch=done.batch)
        else:
            outcome["result"] = done
    if outcome["result"] is not None:
        outcome["errors"] = outcome["result"].errors[:ERRORS_SHOWN]
    outcome["error_token"] = _keep_errors_token(request, errors_to)
    return outcome


@login_required
@require_POST
def import_file(request, org_id, kind: str):
    """Upload the enterprise's roster (kind `roster`) or shifts (kind `shifts`) from a spreadsheet."""
    organization = _enterprise(request, org_id)
    if kind not in IMPORT_KINDS:
        raise Http404("No such import")
    if not _may_import(request.user, organization, kind):
        raise PermissionDenied("Your role may not change this enterprise's roster or shifts")
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        outcome = {"error": " ".join(e for errors in form.errors.values() for e in errors)}
        return _setup_page(request, organization, outcome={**outcome, "kind": kind}, status=400)
    context = importing.Context(
        organization=organization,
        scope=access.scope_for(request.user),
        user=request.user,
        dry_run=form.cleaned_data["dry_run"],
    )

    def run(errors_to):
        with audit.acting(user=request.user, organization=organization, via="web"):
            return importing.run(
                importing.get(kind)(),
                form.cleaned_data["file"],
                context,
                errors_to=errors_to,
                max_mb=settings.UPLOAD_MAX_MB,
            )

    outcome = _run_import(request, run)
    outcome.update(kind=kind, dry_run=form.cleaned_data["dry_run"])
    return _setup_page(request, organization, outcome=outcome, status=400 if outcome["error"] else 200)


@login_required
def upload(request, org_id):
    """Upload a shift's screening results: the `results` import, each stored row linked to its shift by the
    worker's roster shift and the sample time."""
    organization = _enterprise(request, org_id)
    can_screen = shifts.may_screen(request.user, organization)
    form = UploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST":
        if not can_screen:
            raise PermissionDenied("Your role may not submit results for this enterprise")
        if form.is_valid():

            def run(errors_to):
                with audit.acting(user=request.user, organization=organization, via="web"):
                    return shifts.upload(
                        organization,
                        form.cleaned_data["file"],
                        user=request.user,
                        dry_run=form.cleaned_data["dry_run"],
                        errors_to=errors_to,
                    )

            outcome = _run_import(request, run)
            outcome["dry_run"] = form.cleaned_data["dry_run"]
    return render(
        request,
        "labs/shifts/upload.html",
        {"organization": organization, "form": form, "outcome": outcome, "can_screen": can_screen},
        status=400 if (form.errors or (outcome and outcome["error"])) else 200,
    )


@login_required
def import_errors(request, token: str):
    """The rejected rows of an upload, for the user who uploaded the file (in this session)."""
    if token not in request.session.get(ERROR_FILES_KEY, []):
        raise Http404("No such file")
    path = _errors_dir() / f"{token}.csv"
    if not path.exists():
        raise Http404("No such file")
    return FileResponse(path.open("rb"), as_attachment=True, filename="loi-nhap.csv", content_type="text/csv")


@login_required
def import_template(request, kind: str, lang: str, fmt: str):
    access.require_any_membership(request.user)
    if kind not in TEMPLATE_KINDS:
        raise Http404("No such template")
    importer = importing.get(kind)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        importing.write_template(importer, buffer, language=lang, fmt="xlsx")
        body = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        text = io.StringIO(newline="")
        importing.write_template(importer, text, language=lang, fmt="csv")
        body = text.getvalue().encode("utf-8")  # the writer starts it with a BOM for Excel
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}-{lang}.{fmt}"'
    return response


# --- the screening page of one shift and day -------------------------------------------------------------------


def _screening_page(request, shift, day, errors=(), status=200, at_text=""):
    sheet = shifts.shift_compliance(shift, day)
    can_screen = shifts.may_screen(request.user, shift.organization)
    closed = ""
    if can_screen:
        try:
            shifts.check_day(shift, day, timezone.now())
        except shifts.ScreeningRefused as exc:
            closed = str(exc)
    ticked = dict(
        ShiftScreening.objects.on(shift, day)
        .exclude(result__result=Outcome.INVALID)
        .order_by("result__sampled_at", "pk")
        .values_list("person__public_id", "result__public_id")
    )
    for worker in sheet.workers:
        worker.undo_id = ticked.get(worker.person_id)
    return render(
        request,
        "labs/shifts/screening.html",
        {
            "organization": shift.organization,
            "shift": shift,
            "sheet": sheet,
            "day": day,
            "can_screen": can_screen,
            "closed": closed,
            "errors": list(errors),
            "need_time": sheet.ended,
            "at_text": at_text,
            "focus": request.GET.get("focus", ""),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "today": timezone.localdate(),
            "labels": {**shifts.Status.labels(), "undo": _("Undo")},
        },
        status=status,
    )


@login_required
def screening(request, public_id, day: str):
    """The workers of one shift on one day, with their screening; POST ticks one worker's antigen result."""
    shift = _shift(request, public_id)
    day = _iso_day(day)
    if request.method == "POST":
        return _tick(request, shift, day)
    return _screening_page(request, shift, day, at_text=request.GET.get("at", "")[:8])


def _worker_json(sheet, person_id) -> dict:
    worker = next((w for w in sheet.workers if w.person_id == person_id), None)
    if worker is None:
        return {}
    return {
        "status": worker.status,
        "reason": worker.reason(),
        "label": worker.label,
        "time": f"{timezone.localtime(worker.shown.sampled_at):%H:%M}" if worker.shown else "",
    }


def _tick(request, shift, day):
    organization = shift.organization
    if not shifts.may_screen(request.user, organization):
        raise PermissionDenied("Your role may not submit results for this enterprise")
    fetch = request.headers.get("X-Requested-With") == FETCH_HEADER
    data = request.POST.copy()
    if "tick" in data:  # the page without its script: one button per worker and result, "<worker>:<result>"
        data["worker"], _sep, data["result"] = data["tick"].partition(":")
    form = TickForm(data)
    at_text = request.POST.get("at", "")
    errors: list[str] = []
    done = None
    if not form.is_valid():
        errors = [f"{e}" for field_errors in form.errors.values() for e in field_errors]
    else:
        data = form.cleaned_data
        try:
            worker = shifts.find_worker(shift, day, data["worker"])
            if data["at"] is None and timezone.now() >= shift.end_on(day):
                raise shifts.ScreeningRefused(
                    _("This shift has ended: give the time each test was sampled at.")
                )
            with audit.acting(user=request.user, organization=organization, via="web"):
                done = shifts.tick(shift, day, worker, data["result"], user=request.user, at=data["at"])
        except shifts.ScreeningRefused as exc:
            errors = [str(exc)]
        else:
            if done.rejected:
                errors = [done.entry.outcome.message()]
    if errors:
        if fetch:
            return JsonResponse({"error": " ".join(errors)}, status=400)
        return _screening_page(request, shift, day, errors=errors, status=400, at_text=at_text)

    result = done.entry.result
    name = done.worker.person.full_name
    if done.duplicate:
        note = _("Already recorded: %(name)s, %(result)s.") % {
            "name": name,
            "result": result.get_result_display(),
        }
    else:
        note = _("%(name)s: %(result)s.") % {"name": name, "result": result.get_result_display()}
    cases = [f"{name}: {event.text}" for event in done.entry.case_events]
    if fetch:
        sheet = shifts.shift_compliance(shift, day)
        return JsonResponse(
            {
                "message": note,
                "cases": cases,
                "worker": str(done.worker.public_id),
                "undo": str(result.public_id) if result.result != Outcome.INVALID else "",
                **_worker_json(sheet, done.worker.person.public_id),
                "counts": sheet.counts(),
            }
        )
    messages.success(request, note)
    for text in cases:
        messages.warning(request, text)
    query = {"focus": done.worker.public_id, **({"at": at_text} if at_text else {})}
    return redirect(f"{_url(shift, day)}?{urlencode(query)}")


@login_required
@require_POST
def undo(request, public_id):
    """Take back a tick made by mistake: the result becomes invalid by amendment (its old value stays in the
    audit trail); the worker is "not tested" again."""
    screening_link = access.get_for_user(
        ShiftScreening.objects.select_related("shift", "result", "result__person"),
        request.user,
        write=True,
        result__public_id=public_id,
    )
    result = access.get_for_user(TestResult, request.user, write=True, pk=screening_link.result_id)
    try:
        with audit.acting(user=request.user, organization=screening_link.shift.organization, via="web"):
            shifts.undo_tick(result, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Undone: the result of %(name)s is now invalid.")
            % {"name": screening_link.result.person.full_name},
        )
    return redirect(_url(screening_link.shift, screening_link.day))


@login_required
def do_not_admit(request, public_id, day: str):
    """The gate guard's printable list: positive today, or not tested before the shift."""
    shift = _shift(request, public_id)
    day = _iso_day(day)
    sheet = shifts.shift_compliance(shift, day)
    return render(
        request,
        "labs/shifts/do_not_admit.html",
        {
            "organization": shift.organization,
            "shift": shift,
            "sheet": sheet,
            "day": day,
            "printed": timezone.now(),
        },
    )
