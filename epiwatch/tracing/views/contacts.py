"""Adding contacts from a case (household, roster, one person) and the contact list of a commune."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.accounts.models import ROSTER_KINDS, Organization, OrgKind
from epiwatch.cases.models import Case
from epiwatch.geo.models import Area, AreaKind
from epiwatch.people import matching
from epiwatch.people.models import Person
from epiwatch.tracing import contacts as tracing
from epiwatch.tracing.access_rules import may_see_people
from epiwatch.tracing.chains import chain_of
from epiwatch.tracing.derive import infectious_from
from epiwatch.tracing.forms import ContactStatusForm, HouseholdForm, PersonContactForm, RosterForm
from epiwatch.tracing.models import ClusterMember, Contact, ContactLevel, ContactStatus, Quarantine, Setting
from epiwatch.tracing.views.common import (
    area_choices,
    chosen_area,
    page_of,
    report_added,
    require_area_user,
    safe_next,
    writing_org,
)


def _case(request, public_id, write: bool = False) -> Case:
    return access.get_for_user(
        Case.objects.select_related("person", "person__residence", "area"),
        request.user,
        write=write,
        public_id=public_id,
    )


def _roster_orgs(scope):
    return access.visible(Organization, scope).filter(kind__in=ROSTER_KINDS, is_active=True).order_by("name")


def _forms(scope, data=None, which=None):
    areas = access.visible(Area, scope).filter(kind__in=(AreaKind.COMMUNE, AreaKind.VILLAGE)).order_by("path")
    return {
        "household_form": HouseholdForm(data if which == "household" else None, prefix="household"),
        "roster_form": RosterForm(
            data if which == "roster" else None, prefix="roster", organizations=_roster_orgs(scope)
        ),
        "person_form": PersonContactForm(data if which == "person" else None, prefix="person", areas=areas),
    }


@login_required
def case_contacts(request, public_id, forms=None):
    case = _case(request, public_id)
    scope = access.scope_for(request.user)
    can_write = access.visible(Case.objects.filter(pk=case.pk), scope, write=True).exists()
    records = list(
        Contact.objects.filter(case=case)
        .select_related("person", "area", "via")
        .order_by("level", "person__full_name")
    )
    seen = may_see_people(scope, [r.person_id for r in records] + [case.person_id])
    quarantines = {
        q.contact_id: q
        for q in Quarantine.objects.filter(contact__in=records).select_related("facility").order_by("pk")
    }
    for record in records:
        record.visible = record.person_id in seen
        record.quarantine = quarantines.get(record.pk)
    try:
        household = [p for p in tracing.household_of(case.person)]
    except tracing.TracingError:
        household = None
    period = infectious_from(case)
    context = {
        "case": case,
        "case_visible": case.person_id in seen,
        "records": records,
        "f1_count": sum(1 for r in records if r.level == ContactLevel.F1),
        "f2_count": sum(1 for r in records if r.level == ContactLevel.F2),
        "hidden_count": sum(1 for r in records if not r.visible),
        "household": household,
        "infectious_from": period[0] if period else None,
        "rule": period[1] if period else "",
        "can_write": can_write,
        "source_case": tracing.source_case(case),
        "clusters": [m.cluster for m in ClusterMember.objects.filter(case=case).select_related("cluster")],
        "chain": chain_of(case.person),
        **(forms or _forms(scope)),
    }
    return render(request, "tracing/case_contacts.html", context)


def _quarantine_options(form) -> dict:
    data = form.cleaned_data
    return {
        "place": data.get("place") or None,
        "facility": data.get("facility"),
        "quarantine_start": data.get("quarantine_start"),
    }


@login_required
@require_POST
def add_household(request, public_id):
    case = _case(request, public_id, write=True)
    scope = access.scope_for(request.user)
    forms = _forms(scope, request.POST, "household")
    form = forms["household_form"]
    if not form.is_valid():
        return case_contacts(request, public_id, forms=forms)
    try:
        people = tracing.household_of(case.person)
        if not people:
            raise tracing.TracingError(
                _("Nobody else is registered at %(address)s: add the household members one by one.")
                % {"address": case.person.address}
            )
        added = tracing.add_contacts(
            case,
            people,
            form.cleaned_data["last_contact_date"],
            Setting.HOUSEHOLD,
            by_org=writing_org(scope),
            by_user=request.user,
            **_quarantine_options(form),
        )
    except tracing.TracingError as error:
        messages.error(request, str(error))
        return redirect("tracing-case-contacts", public_id=case.public_id)
    report_added(request, added)
    return redirect("tracing-case-contacts", public_id=case.public_id)


@login_required
@require_POST
def add_roster(request, public_id):
    case = _case(request, public_id, write=True)
    scope = access.scope_for(request.user)
    forms = _forms(scope, request.POST, "roster")
    form = forms["roster_form"]
    if not form.is_valid():
        return case_contacts(request, public_id, forms=forms)
    data = form.cleaned_data
    organization = data["organization"]
    people = tracing.roster_of(organization, data["on_date"], shift=data["shift"], group=data["group"])
    if not people:
        messages.error(
            request,
            _("Nobody is on the roster of %(org)s on %(day)s with this shift or class.")
            % {"org": organization.name, "day": data["on_date"].strftime("%d/%m/%Y")},
        )
        return redirect("tracing-case-contacts", public_id=case.public_id)
    setting = Setting.SCHOOL if organization.kind == OrgKind.SCHOOL else Setting.WORKPLACE
    try:
        added = tracing.add_contacts(
            case,
            people,
            data["on_date"],
            setting,
            organization=organization,
            shift=data["shift"],
            group=data["group"],
            by_org=writing_org(scope),
            by_user=request.user,
            **_quarantine_options(form),
        )
    except tracing.TracingError as error:
        messages.error(request, str(error))
        return redirect("tracing-case-contacts", public_id=case.public_id)
    report_added(request, added)
    return redirect("tracing-case-contacts", public_id=case.public_id)


@login_required
@require_POST
def add_person(request, public_id):
    case = _case(request, public_id, write=True)
    scope = access.scope_for(request.user)
    forms = _forms(scope, request.POST, "person")
    form = forms["person_form"]
    if not form.is_valid():
        return case_contacts(request, public_id, forms=forms)
    data = form.cleaned_data
    organization = writing_org(scope)
    with transaction.atomic():
        if data.get("person"):
            person = access.get_for_user(
                Person.objects.select_related("residence"), request.user, public_id=data["person"]
            )
        else:
            outcome = matching.match(form.matching_fields())
            if outcome.found and not may_see_people(scope, [outcome.person.pk]):
                form.add_error(
                    None,
                    _(
                        "This person is already registered by an organization outside your area: ask your district "
                        "health centre to add the contact."
                    ),
                )
                return case_contacts(request, public_id, forms=forms)
            person = matching.commit(outcome, organization).person
        try:
            added = tracing.add_contacts(
                case,
                [person],
                data["last_contact_date"],
                data["setting"],
                by_org=organization,
                by_user=request.user,
                **_quarantine_options(form),
            )
        except tracing.TracingError as error:
            messages.error(request, str(error))
            return redirect("tracing-case-contacts", public_id=case.public_id)
    report_added(request, added)
    return redirect("tracing-case-contacts", public_id=case.public_id)


@login_required
def contact_list(request):
    scope = require_area_user(request.user)
    area = chosen_area(request, scope)
    status = request.GET.get("status", ContactStatus.FOLLOW_UP)
    level = request.GET.get("level", "")
    contacts = access.visible(Contact, scope).in_area(area).current()
    if status in ContactStatus.values:
        contacts = contacts.filter(status=status)
    if level in ("1", "2"):
        contacts = contacts.filter(level=int(level))
    page = page_of(
        request,
        contacts.select_related("person", "case", "case__person", "area").order_by(
            "-last_contact_date", "pk"
        ),
    )
    seen = may_see_people(scope, [c.person_id for c in page] + [c.case.person_id for c in page])
    for contact in page:
        contact.visible = contact.person_id in seen
        contact.case_visible = contact.case.person_id in seen
    return render(
        request,
        "tracing/contact_list.html",
        {
            "area": area,
            "areas": area_choices(scope),
            "page": page,
            "status": status,
            "level": level,
            "statuses": ContactStatus.choices,
            "status_form": ContactStatusForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def contact_status(request, public_id):
    contact = access.get_for_user(
        Contact.objects.select_related("person"), request.user, write=True, public_id=public_id
    )
    form = ContactStatusForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied("Unknown status")
    try:
        tracing.set_status(contact, form.cleaned_data["status"])
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": contact.person.full_name, "status": contact.get_status_display()},
        )
    except tracing.TracingError as error:
        messages.error(request, str(error))
    return redirect(safe_next(request, reverse("tracing-contact-list")))
