"""Pages of the person registry: search, a person's page, create and edit (with matching), duplicates and merges
(province administrators), and organization rosters."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization
from epiwatch.people import matching
from epiwatch.people.access_rules import can_write_roster
from epiwatch.people.forms import PersonForm, RosterEntryForm, SearchForm
from epiwatch.people.merge import MergeError, merge, undo
from epiwatch.people.models import DuplicateCandidate, Merge, Person, RosterEntry
from epiwatch.people.sections import sections_for

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _writing_org(scope) -> Organization | None:
    """The organization a new record is registered by: the user's first membership with a writing role."""
    return next((m.organization for m in scope.memberships if m.can_write), None)


def _is_visible(person: Person, user) -> bool:
    return access.visible(Person.objects.filter(pk=person.pk), user).exists()


def _report(request, outcome: matching.MatchOutcome) -> None:
    """Tell the user what matching did besides finding or creating the person."""
    for text in outcome.conflict_messages():
        messages.warning(request, _("Check this record: %(problem)s.") % {"problem": text})
    if outcome.candidate is not None:
        messages.warning(
            request,
            _("A possible duplicate (%(reason)s) was recorded for the province to review.")
            % {"reason": outcome.candidate.reason},
        )


# --- search and the person's page -----------------------------------------------------------------------------


@login_required
def person_search(request):
    scope = access.require_any_membership(request.user)
    form = SearchForm(request.GET or None)
    page = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        people = access.visible(Person.objects.active(), scope).search(form.cleaned_data["q"])
        page = _page(request, people.select_related("residence").order_by("name_norm", "id"))
    return render(
        request,
        "people/search.html",
        {"form": form, "page": page, "can_create": _writing_org(scope) is not None},
    )


@login_required
def person_detail(request, public_id):
    person = access.get_for_user(
        Person.objects.select_related("residence", "created_by"), request.user, public_id=public_id
    )
    scope = access.scope_for(request.user)
    roster = access.visible(RosterEntry, scope).filter(person=person).select_related("organization")
    merged_into = (
        person.merged_into
        if person.merged_into_id and _is_visible(person.merged_into, request.user)
        else None
    )
    context = {
        "person": person,
        "ancestors": person.residence.ancestors() if person.residence else [],
        "roster": roster,
        "merged_into": merged_into,
        "merged_from": access.visible(person.merged_from.all(), scope),
        "can_write": access.visible(Person.objects.filter(pk=person.pk), scope, write=True).exists(),
        "sections": sections_for(person, request.user),
        "is_province_admin": scope.province_admin,
    }
    if scope.province_admin:
        merges = access.visible(Merge.objects.select_related("source", "target"), scope)
        context["merges"] = merges.filter(source=person) | merges.filter(target=person)
        candidates = access.visible(DuplicateCandidate.objects.open(), scope)
        context["open_candidates"] = (
            candidates.filter(person_a=person) | candidates.filter(person_b=person)
        ).count()
    return render(request, "people/detail.html", context)


# --- create and edit ------------------------------------------------------------------------------------------


@login_required
def person_create(request):
    scope = access.require_any_membership(request.user)
    organization = _writing_org(scope)
    if organization is None:
        raise PermissionDenied("Your role may not register people")
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.matching_fields()
        outcome = matching.match(fields)
        if outcome.found and _is_visible(outcome.person, request.user):
            messages.info(
                request, _("This person is already registered: here is the record (nothing was added).")
            )
            _report(request, outcome)
            return redirect("person-detail", public_id=outcome.person.public_id)
        if outcome.found:
            form.add_error(
                None,
                _(
                    "This person is already registered (same %(key)s) by an organization outside your area. "
                    "Check the details; if they are right, ask your district health centre to update the record."
                )
                % {"key": _key_label(outcome.level)},
            )
        else:
            outcome = matching.match_or_create(fields, organization)
            if outcome.created:
                messages.success(request, _("%(name)s was registered.") % {"name": outcome.person.full_name})
            _report(request, outcome)
            return redirect("person-detail", public_id=outcome.person.public_id)
    return render(request, "people/form.html", {"form": form, "person": None})


def _key_label(level: str) -> str:
    return {
        matching.NATIONAL_ID: _("national ID"),
        matching.PHONE_NAME_BIRTH: _("phone, name and birth"),
        matching.NAME_BIRTH_COMMUNE: _("name, date of birth and commune"),
    }.get(level, level)


@login_required
def person_edit(request, public_id):
    person = access.get_for_user(Person, request.user, write=True, public_id=public_id)
    if person.is_merged:
        messages.info(request, _("This record was merged into another one: change that one instead."))
        return redirect("person-detail", public_id=person.public_id)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data.get("national_id")
        holder = (
            Person.objects.active().filter(national_id=number).exclude(pk=person.pk).first()
            if number
            else None
        )
        if holder is not None:
            form.add_error(
                "national_id",
                _("National ID %(id)s already belongs to another record%(who)s.")
                % {
                    "id": number,
                    "who": f" ({holder.full_name})" if _is_visible(holder, request.user) else "",
                },
            )
        else:
            with transaction.atomic():
                person = form.save()
                found = matching.find_possible_duplicates(person)
            messages.success(request, _("The changes were saved."))
            if found:
                messages.warning(
                    request,
                    _("This record now resembles %(count)s other record(s): the province will review them.")
                    % {"count": len(found)},
                )
            return redirect("person-detail", public_id=person.public_id)
    return render(request, "people/form.html", {"form": form, "person": person})


# --- duplicates and merges (province administrators) ----------------------------------------------------------


@login_required
def duplicate_list(request):
    scope = access.require_province_admin(request.user)
    candidates = access.visible(DuplicateCandidate.objects.open(), scope).select_related(
        "person_a__residence", "person_b__residence"
    )
    page = _page(request, candidates.order_by("-score", "created_at", "id"))
    return render(request, "people/duplicates.html", {"page": page})


def _candidate_for_admin(request, public_id) -> DuplicateCandidate:
    access.require_province_admin(request.user)
    candidate = access.get_for_user(
        DuplicateCandidate.objects.select_related("person_a", "person_b"),
        request.user,
        write=True,
        public_id=public_id,
    )
    pair = Person.objects.filter(pk__in=[candidate.person_a_id, candidate.person_b_id])
    if access.visible(pair, request.user, write=True).count() != 2:
        raise PermissionDenied("You may not change both records")
    return candidate


@login_required
@require_POST
def duplicate_merge(request, public_id):
    candidate = _candidate_for_admin(request, public_id)
    if candidate.status != DuplicateCandidate.Status.OPEN:
        messages.error(request, _("This pair was already decided."))
        return redirect("duplicate-list")
    keep = request.POST.get("keep")
    if keep not in ("a", "b"):
        messages.error(request, _("Choose which record to keep."))
        return redirect("duplicate-list")
    target, source = (
        (candidate.person_a, candidate.person_b) if keep == "a" else (candidate.person_b, candidate.person_a)
    )
    try:
        record = merge(source, target, request.user)
    except MergeError as exc:
        messages.error(request, str(exc))
        return redirect("duplicate-list")
    messages.success(
        request,
        _("%(source)s was merged into %(target)s. You can undo it from this page.")
        % {"source": source.full_name, "target": target.full_name},
    )
    return redirect("merge-undo", public_id=record.public_id)


@login_required
@require_POST
def duplicate_dismiss(request, public_id):
    candidate = _candidate_for_admin(request, public_id)
    if candidate.status == DuplicateCandidate.Status.OPEN:
        candidate.decide(DuplicateCandidate.Status.DISMISSED, request.user)
        messages.success(request, _("Marked as two different people."))
    return redirect("duplicate-list")


@login_required
def merge_undo(request, public_id):
    scope = access.require_province_admin(request.user)
    record = access.get_for_user(
        Merge.objects.select_related("source", "target", "merged_by", "undone_by"), scope, public_id=public_id
    )
    if request.method == "POST":
        access.get_for_user(Merge, request.user, write=True, public_id=public_id)
        try:
            record = undo(record, request.user)
        except MergeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The merge was undone: both records are separate again."))
            for group in getattr(record, "not_returned", []):
                messages.warning(
                    request,
                    _("%(count)s row(s) of %(model)s were not returned: %(why)s.")
                    % {"count": len(group["pks"]), "model": group["model"], "why": group["why"]},
                )
        return redirect("merge-undo", public_id=public_id)
    return render(request, "people/merge.html", {"merge": record})


# --- rosters --------------------------------------------------------------------------------------------------


def _roster_org(request, org_id) -> Organization:
    organization = access.get_for_user(
        Organization.objects.select_related("area"), request.user, public_id=org_id
    )
    if not organization.sees_roster:
        raise Http404("This organization keeps no roster")
    return organization


@login_required
def roster(request, org_id):
    organization = _roster_org(request, org_id)
    show_all = request.GET.get("show") == "all"
    # a merged record's entry stays behind when the kept record is on the same roster: list the kept one only
    entries = access.visible(RosterEntry, request.user).filter(
        organization=organization, person__merged_into=None
    )
    if not show_all:
        entries = entries.active()
    q = request.GET.get("q", "").strip()
    if q:
        entries = entries.filter(person__in=Person.objects.search(q))
    entries = entries.select_related("person", "person__residence").order_by(
        "-active", "group", "person__name_norm", "id"
    )
    return render(
        request,
        "people/roster.html",
        {
            "organization": organization,
            "page": _page(request, entries),
            "show_all": show_all,
            "q": q,
            "can_write": can_write_roster(request.user, organization),
        },
    )


@login_required
def roster_add(request, org_id):
    organization = _roster_org(request, org_id)
    if not can_write_roster(request.user, organization):
        raise PermissionDenied("Your role may not change this roster")
    form = RosterEntryForm(request.POST or None, user=request.user, initial=_default_role(organization))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            outcome = matching.match_or_create(form.matching_fields(), organization)
            entry = RosterEntry.objects.filter(organization=organization, person=outcome.person).first()
            if entry is None:
                RosterEntry.objects.create(
                    organization=organization, person=outcome.person, **form.entry_values()
                )
                messages.success(
                    request, _("%(name)s was added to the roster.") % {"name": outcome.person.full_name}
                )
            elif not entry.active:
                entry.reactivate()
                messages.success(
                    request, _("%(name)s is on the roster again.") % {"name": outcome.person.full_name}
                )
            else:
                messages.info(
                    request, _("%(name)s is already on the roster.") % {"name": outcome.person.full_name}
                )
        _report(request, outcome)
        return redirect("roster", org_id=organization.public_id)
    return render(request, "people/roster_add.html", {"organization": organization, "form": form})


def _default_role(organization: Organization) -> dict:
    return {"role": RosterEntry.Role.STUDENT if organization.kind == "school" else RosterEntry.Role.WORKER}


@login_required
@require_POST
def roster_deactivate(request, public_id):
    entry = access.get_for_user(
        RosterEntry.objects.select_related("organization", "person"),
        request.user,
        write=True,
        public_id=public_id,
    )
    if entry.active:
        entry.deactivate()
        messages.success(request, _("%(name)s was taken off the roster.") % {"name": entry.person.full_name})
    return redirect("roster", org_id=entry.organization.public_id)
