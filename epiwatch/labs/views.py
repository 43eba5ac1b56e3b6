"""Results pages: quick entry, lists and exports, positivity, who has not reported, a result's page and its
amendments. The spreadsheet upload's pages are in `upload_views`. Every page asks the access module."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import AuditAction, AuditEvent, Organization
from epiwatch.cases.models import CaseEvent
from epiwatch.geo.models import Area
from epiwatch.labs import entry, lists
from epiwatch.labs.exporters import ResultExporter
from epiwatch.labs.forms import (
    RESULT_WORDS,
    AmendForm,
    DayForm,
    LookupForm,
    PositivityForm,
    QuickEntryForm,
    ResultFilterForm,
    now_text,
    writing_organizations,
)
from epiwatch.labs.models import ImportBatch, Reason, TestResult
from epiwatch.labs.pipeline import Context, Status
from epiwatch.lib import tabular
from epiwatch.people.models import Person

SESSION_KEY = "labs_quick_entry"
LOOKUP_LIMIT = 10
_NOT_DIGITS = re.compile(r"[\s.+()-]")


def _home_area(scope) -> Area | None:
    """The highest area among the user's organizations: where area lists open."""
    areas = [m.organization.area for m in scope.memberships]
    return min(areas, key=lambda a: (a.path.count("/"), a.path)) if areas else None


# --- quick entry -----------------------------------------------------------------------------------------------


def _find(people, q: str):
    """The people with this national ID or phone, exactly: a few digits find nobody (no guessing by prefix)."""
    digits = _NOT_DIGITS.sub("", q or "")
    if not digits.isdigit() or len(digits) < 9:
        return people.none()
    return people.search(q).select_related("residence").order_by("name_norm", "pk")[:LOOKUP_LIMIT]


def _entry_initial(request, picked, q: str, orgs) -> dict:
    remembered = request.session.get(SESSION_KEY, {})
    first = orgs[0]
    org = next((o for o in orgs if o.code == remembered.get("organization")), first)
    initial = {
        "organization": org.code,
        "test_type": remembered.get("test_type", "antigen"),
        "reason": remembered.get(
            "reason", Reason.SHIFT_SCREENING if org.kind == "enterprise" else Reason.SCREENING
        ),
        "sampled_at": now_text(),
        "person": picked.public_id if picked else None,
    }
    if org.area.kind in ("commune", "village"):
        initial["commune_code"] = org.area.code
    digits = _NOT_DIGITS.sub("", q)
    if picked is None and digits:
        initial["national_id" if len(digits) in (9, 12) else "phone"] = digits
    return initial


def _report_entry(request, done: entry.Entry) -> None:
    result = done.result
    what = {
        "name": result.person.full_name,
        "test": result.get_test_type_display(),
        "result": result.get_result_display(),
        "time": timezone.localtime(result.sampled_at).strftime("%d/%m/%Y %H:%M"),
    }
    if done.duplicate:
        messages.info(
            request,
            _("Already recorded: %(name)s, %(test)s %(result)s, sampled %(time)s. Nothing was added.") % what,
        )
    elif done.outcome.status == Status.REVIEW:
        messages.warning(
            request,
            _("Saved, and flagged for review: %(name)s, %(test)s %(result)s (%(note)s).")
            % {**what, "note": result.review_note},
        )
    else:
        messages.success(request, _("Saved: %(name)s, %(test)s %(result)s, sampled %(time)s.") % what)
    for event in done.case_events:
        messages.warning(request, f"{result.person.full_name}: {event.text}")


def _place_cursor(lookup: LookupForm, form: QuickEntryForm, picked, q: str) -> None:
    """Where the keyboard goes: the first field in error, else the result once a person is picked, else the
    name of someone the lookup did not find, else the ID box (the next person in the queue)."""
    if form.errors:
        field = form.fields.get(next(iter(form.errors)))
    elif picked is not None:
        field = form.fields["result"]
    elif q:
        field = form.fields["full_name"]
    else:
        field = lookup.fields["q"]
    if field is not None:
        field.widget.attrs["autofocus"] = True


@login_required
def quick_entry(request):
    """One page for a queue of people: find (or register) the person, type the result, Enter; again."""
    scope = access.scope_for(request.user)
    orgs = list(writing_organizations(request.user).select_related("area"))
    if not orgs:
        raise PermissionDenied("Your role may not enter results")
    people = access.visible(Person.objects.active(), scope)
    lookup = LookupForm(request.GET or None)
    q = lookup.cleaned_data["q"].strip() if lookup.is_valid() else ""
    matches = list(_find(people, q)) if q else []
    chosen = request.POST.get("person") if request.method == "POST" else request.GET.get("person")
    picked = None
    if chosen:
        # a person named in the address or the form: one the user may see, else 404 (nothing revealed)
        picked = access.get_for_user(
            Person.objects.active().select_related("residence"), scope, public_id=chosen
        )
    elif len(matches) == 1:
        picked = matches[0]

    form = QuickEntryForm(
        request.POST or None, user=request.user, initial=_entry_initial(request, picked, q, orgs)
    )
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        context = Context(
            organization=organization, user=request.user, batch=entry.todays_batch(organization, request.user)
        )
        with audit.acting(user=request.user, organization=organization, via="web"):
            done = entry.enter(form.item(), context, person=picked)
        if done.outcome.status == Status.REJECTED:
            form.add_pipeline_errors(done.outcome.errors)
        else:
            request.session[SESSION_KEY] = {
                "organization": organization.code,
                "test_type": form.cleaned_data["test_type"],
                "reason": form.cleaned_data["reason"],
            }
            _report_entry(request, done)
            return redirect("results-entry")

    _place_cursor(lookup, form, picked, q)
    return render(
        request,
        "labs/entry.html",
        {
            "lookup": lookup,
            "q": q,
            "matches": matches,
            "picked": picked,
            "form": form,
            "several_orgs": len(orgs) > 1,
            "recent": entry.recent_entries(access.visible(TestResult, scope), request.user),
            "result_words": RESULT_WORDS,
        },
    )


@login_required
def entry_lookup(request):
    """JSON for the quick-entry page's instant lookup: the people with this national ID or phone whom the user
    may see (nobody else, whether they exist or not)."""
    scope = access.require_any_membership(request.user)
    q = (request.GET.get("q") or "").strip()[:20]
    people = _find(access.visible(Person.objects.active(), scope), q) if q else []
    entry_url = reverse("results-entry")
    return JsonResponse(
        {
            "q": q,
            "people": [
                {
                    "id": str(p.public_id),
                    "full_name": p.full_name,
                    "birth": p.birth_display(),
                    "sex": p.get_sex_display(),
                    "national_id": p.national_id or "",
                    "phone": p.phone,
                    "residence": p.residence.name if p.residence else "",
                    "url": f"{entry_url}?person={p.public_id}",
                }
                for p in people
            ],
        }
    )


@login_required
@require_POST
def entry_undo(request, public_id):
    """Undo a quick entry by an amendment (the result becomes invalid; the audit trail keeps the old value)."""
    result = access.get_for_user(
        TestResult.objects.select_related("person"), request.user, write=True, public_id=public_id
    )
    try:
        change = entry.undo(result, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Undone: the result of %(name)s is now invalid.") % {"name": result.person.full_name}
        )
        if change is not None:
            messages.warning(
                request, f"{result.person.full_name}: {change.case.get_classification_display()}"
            )
    return redirect("results-entry")


# --- lists -----------------------------------------------------------------------------------------------------


def _filters(request, scope) -> tuple[ResultFilterForm, lists.ResultFilter | None]:
    """The list's filters from the address; None when they do not make sense (the form says why)."""
    form = ResultFilterForm(request.GET or None, scope=scope)
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    filters = lists.ResultFilter(
        area=data.get("area"),
        submitter=data.get("submitter"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        test_type=data.get("test_type") or "",
        result=data.get("result") or "",
        needs_review=bool(data.get("needs_review")),
    )
    batch_id = request.GET.get("batch")
    if batch_id:
        filters.batch = access.get_for_user(ImportBatch, scope, public_id=batch_id)
    return form, filters


@login_required
def result_list(request):
    scope = access.require_any_membership(request.user)
    form, filters = _filters(request, scope)
    page = lists.Page([])
    if filters is not None:
        results = filters.apply(access.visible(TestResult, scope)).select_related(
            "person", "submitter", "area"
        )
        try:
            page = lists.keyset_page(
                results, "sampled_at", request.GET.get("after"), lists.PAGE_SIZE, descending=True
            )
        except lists.BadCursor:
            return HttpResponseBadRequest(_("This page address is damaged: start from the first page."))
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "labs/result_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "first_page": "after" in request.GET,
        },
    )


@login_required
def result_export(request, fmt: str):
    """The list as CSV (streamed) or XLSX, with its filters in the file name; one audit event per export."""
    scope = access.require_any_membership(request.user)
    _form, filters = _filters(request, scope)
    if filters is None:
        return HttpResponseBadRequest(_("The filters are not valid: correct them on the list page."))
    results = filters.apply(access.visible(TestResult, scope))
    actor = audit.current_actor()

    def exported(count: int) -> None:
        # a streamed CSV ends after the request's middleware: act as who asked for it
        with audit.acting(user=actor.user, organization=actor.organization, via=actor.via):
            ResultExporter().after_export(
                count, area=filters.area, date_from=filters.date_from, date_to=filters.date_to
            )

    rows = _counted(lists.export_rows(results), exported)
    name = f"{filters.slug()}.{fmt}"
    if fmt == "xlsx":
        return tabular.xlsx_response(name, lists.EXPORT_COLUMNS, rows, sheet_title="results")
    return tabular.csv_response(name, lists.EXPORT_COLUMNS, rows)


def _counted(rows, done):
    count = 0
    try:
        for row in rows:
            count += 1
            yield row
    finally:
        done(count)


@login_required
def positivity(request):
    scope = access.require_any_membership(request.user)
    form = PositivityForm(request.GET or None, scope=scope)
    data = form.cleaned_data if form.is_valid() else {}
    area = data.get("area") or _home_area(scope)
    table = None
    if area is not None and not form.errors:
        results = access.visible(TestResult, scope).sampled_between(
            data.get("date_from"), data.get("date_to")
        )
        table = lists.positivity(results, area)
    return render(request, "labs/positivity.html", {"form": form, "area": area, "table": table})


@login_required
def not_reported(request):
    scope = access.require_any_membership(request.user)
    form = DayForm(request.GET or None)
    day = (form.cleaned_data.get("day") if form.is_valid() else None) or timezone.localdate()
    organizations = lists.not_reported(access.visible(Organization, scope), day)
    return render(
        request,
        "labs/not_reported.html",
        {"form": form, "day": day, "organizations": organizations, "today": timezone.localdate()},
    )


# --- a result --------------------------------------------------------------------------------------------------


def _result_page(request, result: TestResult, form: AmendForm | None = None, status: int = 200):
    scope = access.scope_for(request.user)
    can_write = access.visible(TestResult.objects.filter(pk=result.pk), scope, write=True).exists()
    # the result's own history: whoever may see the result sees how it changed (not only the audit page's readers)
    history = AuditEvent.objects.filter(
        model=TestResult._meta.label_lower, object_id=str(result.public_id), action=AuditAction.UPDATE
    ).order_by("at", "pk")
    return render(
        request,
        "labs/result_detail.html",
        {
            "result": result,
            "person_visible": access.visible(Person.objects.filter(pk=result.person_id), scope).exists(),
            "history": history,
            "case_events": CaseEvent.objects.filter(result=result)
            .select_related("case")
            .order_by("at", "pk"),
            "can_write": can_write,
            "form": form or (AmendForm() if can_write else None),
        },
        status=status,
    )


def _get_result(request, public_id, write: bool = False) -> TestResult:
    return access.get_for_user(
        TestResult.objects.select_related(
            "person", "person__residence", "submitter", "area", "pool", "batch"
        ),
        request.user,
        write=write,
        public_id=public_id,
    )


@login_required
def result_detail(request, public_id):
    return _result_page(request, _get_result(request, public_id))


@login_required
@require_POST
def result_amend(request, public_id):
    from epiwatch.labs.amendments import amend

    result = _get_result(request, public_id, write=True)
    form = AmendForm(request.POST)
    if form.is_valid():
        try:
            change = amend(result, user=request.user, **form.changes())
        except ValidationError as exc:
            form.add_error(None, exc)  # by field: amend() names the form's fields
        else:
            messages.success(request, _("The result was amended; its earlier value stays in its history."))
            if change is not None:
                messages.warning(
                    request,
                    _("The case of %(name)s is now %(classification)s.")
                    % {
                        "name": result.person.full_name,
                        "classification": change.case.get_classification_display(),
                    },
                )
            return redirect("result-detail", public_id=result.public_id)
    return _result_page(request, result, form)
