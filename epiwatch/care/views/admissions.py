"""A case's stays and the forms that move it (admit, transfer, discharge, change of support), and the bulk upload
of admissions and facilities."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import AREA_KINDS, Organization
from epiwatch.care import admissions as moves
from epiwatch.care import capacity
from epiwatch.care.forms import AdmitForm, DischargeForm, SupportForm, TransferForm, UploadForm
from epiwatch.care.models import Admission, Facility
from epiwatch.cases.models import Severity
from epiwatch.lib import importing, tabular
from epiwatch.policy import tiers as policy_tiers
from epiwatch.policy.rulesets import NoRuleSetInForce

ERROR_FILES_KEY = "care_error_files"
ERRORS_SHOWN = 200


def _acting_org(request, facility: Facility | None = None):
    """The organization a move is recorded for: the facility's own when the user writes for it."""
    scope = access.scope_for(request.user)
    if facility is not None and facility.organization_id in scope.write_org_ids:
        return facility.organization
    writing = [m.organization for m in scope.memberships if m.can_write]
    return writing[0] if writing else None


def _suggested_tier(case) -> int | None:
    try:
        return policy_tiers.tier_for(case.severity, case.report_date)
    except (ValueError, NoRuleSetInForce):
        return None


def _case_context(request, case, admit_form=None, transfer_form=None, discharge_form=None):
    scope = access.scope_for(request.user)
    stays = list(
        access.visible(Admission, scope)
        .filter(case=case)
        .select_related("facility", "transferred_to__facility")
        .order_by("-admitted_at")
    )
    current = next((s for s in stays if s.is_open), None)
    hidden_current = current is None and Admission.objects.filter(case=case, discharged_at=None).exists()
    can_move = (
        current is not None
        and access.visible(Admission.objects.filter(pk=current.pk), scope, write=True).exists()
    )
    tier = _suggested_tier(case)
    designated = moves.designated_hospital(case.province_code or case.area.province_code)
    severe = case.severity in (Severity.SEVERE, Severity.CRITICAL)
    targets = (
        moves.admission_targets(request.user, case)
        if current is None and not hidden_current
        else Facility.objects.none()
    )
    initial = {"tier": tier or 1}
    if severe and designated is not None and targets.filter(pk=designated.pk).exists():
        initial["facility"] = designated
    context = {
        "case": case,
        "stays": stays,
        "current": current,
        "hidden_current": hidden_current,
        "suggested_tier": tier,
        "designated": designated,
        "severe": severe,
        "can_move": can_move,
    }
    if current is None and not hidden_current and targets.exists():
        context["admit_form"] = admit_form or AdmitForm(facilities=targets, initial=initial)
    if can_move:
        to = moves.transfer_targets(current)
        transfer_initial = {"tier": current.tier, "support": current.support}
        if severe and designated is not None and current.facility_id != designated.pk:
            transfer_initial.update(facility=designated, tier=3)
        context["transfer_form"] = transfer_form or TransferForm(facilities=to, initial=transfer_initial)
        context["discharge_form"] = discharge_form or DischargeForm()
        context["support_form"] = SupportForm(initial={"support": current.support})
        context["needs_transfer"] = severe and designated is not None and current.facility_id != designated.pk
    return context


@login_required
def case_page(request, public_id):
    case = moves.case_for_user(request.user, public_id)
    return render(request, "care/case.html", _case_context(request, case))


def _warn(request, outcome: moves.Outcome) -> None:
    for warning in outcome.warnings:
        messages.warning(request, warning)


def _refuse(form, exc: moves.AdmissionError, names: dict[str, str]) -> None:
    field = names.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
@require_POST
def admit(request, public_id):
    case = moves.case_for_user(request.user, public_id, write=True)
    targets = moves.admission_targets(request.user, case)
    if not targets.exists():
        raise PermissionDenied("No facility you may admit to")
    form = AdmitForm(request.POST, facilities=targets)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with audit.acting(
                user=request.user, organization=_acting_org(request, data["facility"]), via="web"
            ):
                outcome = moves.admit(
                    case,
                    data["facility"],
                    data["tier"],
                    data["admitted_at"],
                    data["support"],
                    data["note"],
                    organization=_acting_org(request, data["facility"]),
                )
        except moves.AdmissionError as exc:
            _refuse(form, exc, {"admitted_at": "admitted_at", "case": None})
        else:
            messages.success(
                request,
                _("Admitted to %(facility)s, tier %(tier)s.")
                % {"facility": data["facility"].name, "tier": data["tier"]},
            )
            _warn(request, outcome)
            return redirect("care-case", public_id=case.public_id)
    return render(request, "care/case.html", _case_context(request, case, admit_form=form), status=400)


def _open_admission(request, public_id) -> Admission:
    return access.get_for_user(
        Admission.objects.select_related("case__person", "case__area", "facility"),
        request.user,
        write=True,
        public_id=public_id,
    )


@login_required
@require_POST
def transfer(request, public_id):
    admission = _open_admission(request, public_id)
    case = admission.case
    form = TransferForm(request.POST, facilities=moves.transfer_targets(admission))
    if form.is_valid():
        data = form.cleaned_data
        try:
            with audit.acting(
                user=request.user, organization=_acting_org(request, admission.facility), via="web"
            ):
                outcome = moves.transfer(
                    admission,
                    data["facility"],
                    data["tier"],
                    data["at"],
                    data["support"],
                    data["note"],
                    organization=_acting_org(request, admission.facility),
                )
        except moves.AdmissionError as exc:
            _refuse(form, exc, {"at": "at", "facility": "facility", "tier": "tier", "support": "support"})
        else:
            messages.success(
                request,
                _("Transferred to %(facility)s, tier %(tier)s.")
                % {"facility": data["facility"].name, "tier": data["tier"]},
            )
            _warn(request, outcome)
            return redirect("care-case", public_id=case.public_id)
    return render(request, "care/case.html", _case_context(request, case, transfer_form=form), status=400)


@login_required
@require_POST
def discharge(request, public_id):
    admission = _open_admission(request, public_id)
    case = admission.case
    form = DischargeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with audit.acting(
                user=request.user, organization=_acting_org(request, admission.facility), via="web"
            ):
                moves.discharge(admission, data["at"], data["reason"], data["note"])
        except moves.AdmissionError as exc:
            _refuse(form, exc, {"discharged_at": "at", "discharge_reason": "reason"})
        else:
            messages.success(
                request, _("Discharged from %(facility)s.") % {"facility": admission.facility.name}
            )
            return redirect("care-case", public_id=case.public_id)
    return render(request, "care/case.html", _case_context(request, case, discharge_form=form), status=400)


@login_required
@require_POST
def change_support(request, public_id):
    admission = _open_admission(request, public_id)
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            with audit.acting(
                user=request.user, organization=_acting_org(request, admission.facility), via="web"
            ):
                outcome = moves.change_support(admission, form.cleaned_data["support"])
        except moves.AdmissionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The support was changed."))
            _warn(request, outcome)
    else:
        messages.error(request, _("Unknown support."))
    return redirect("care-case", public_id=admission.case.public_id)


# --- bulk upload ---------------------------------------------------------------------------------------------------


def _errors_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "care" / "errors"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_orgs(scope):
    """Organizations the user writes for that record admissions or facilities: area organizations and the
    organizations running a facility."""
    runs = Facility.objects.filter(organization_id__in=scope.write_org_ids).values("organization_id")
    return (
        Organization.objects.filter(
            Q(kind__in=AREA_KINDS) | Q(pk__in=runs), pk__in=scope.write_org_ids, is_active=True
        )
        .select_related("area")
        .order_by("name")
    )


@login_required
def upload(request):
    scope = access.require_any_membership(request.user)
    organizations = _upload_orgs(scope)
    if not organizations.exists():
        raise PermissionDenied("Your role may not import admissions or facilities")
    form = UploadForm(request.POST or None, request.FILES or None, organizations=organizations)
    result = error_token = None
    over = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = data["organization"]
        token = uuid.uuid4().hex
        errors_to = _errors_dir() / f"{token}.csv"
        importer = importing.get(data["kind"])()
        context = importing.Context(
            organization=organization, scope=scope, user=request.user, dry_run=data["dry_run"]
        )
        try:
            with audit.acting(user=request.user, organization=organization, via="web"):
                result = importing.run(
                    importer, data["file"], context, errors_to=errors_to, max_mb=settings.UPLOAD_MAX_MB
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
        touched = getattr(importer, "touched", set())
        if touched and result is not None and not data["dry_run"]:
            # occupancy above capacity is admitted in a surge: say where it now is
            facilities = Facility.objects.filter(pk__in=touched).select_related("area")
            for status in capacity.statuses(facilities):
                over.extend((status.facility, t) for t in status.tiers if t.over)
    context = {
        "form": form,
        "result": result,
        "errors": result.errors[:ERRORS_SHOWN] if result else [],
        "error_token": error_token,
        "over": over,
        "kinds": [k for k, _label in UploadForm.KINDS],
    }
    return render(request, "care/upload.html", context)


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
    if fmt == "xlsx":
        buffer = io.BytesIO()
        importing.write_template(importing.get(kind), buffer, language=language, fmt="xlsx")
        body = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        text = io.StringIO(newline="")
        importing.write_template(importing.get(kind), text, language=language, fmt="csv")
        body = text.getvalue().encode("utf-8")
        content_type = "text/csv"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}-{language}.{fmt}"'
    return response
