"""Returnees: the arrivals of an area and the arrival form; and the tracing start page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.geo.models import Area, AreaKind
from epiwatch.people import matching
from epiwatch.tracing import arrivals
from epiwatch.tracing.access_rules import may_see_people
from epiwatch.tracing.forms import ArrivalForm
from epiwatch.tracing.models import Arrival, Contact, Quarantine
from epiwatch.tracing.views.common import area_choices, chosen_area, page_of, require_area_user, writing_org


@login_required
def home(request):
    scope = require_area_user(request.user)
    area = chosen_area(request, scope)
    today = timezone.localdate()
    contacts = access.visible(Contact, scope).in_area(area).open()
    quarantines = access.visible(Quarantine, scope).in_area(area).active()
    return render(
        request,
        "tracing/home.html",
        {
            "area": area,
            "areas": area_choices(scope),
            "open_contacts": contacts.count(),
            "in_quarantine": quarantines.count(),
            "in_centralized": quarantines.centralized().count(),
            "arrivals_7d": access.visible(Arrival, scope)
            .in_area(area)
            .filter(arrival_date__gt=today - timezone.timedelta(days=7))
            .count(),
        },
    )


@login_required
def arrival_list(request):
    scope = require_area_user(request.user)
    area = chosen_area(request, scope)
    items = (
        access.visible(Arrival, scope)
        .in_area(area)
        .select_related("person", "area")
        .prefetch_related("quarantines")
    )
    page = page_of(request, items.order_by("-arrival_date", "-pk"))
    seen = may_see_people(scope, [a.person_id for a in page])
    for item in page:
        item.visible = item.person_id in seen
        item.plan = next(iter(item.quarantines.all()), None)
    return render(
        request,
        "tracing/arrival_list.html",
        {"area": area, "areas": area_choices(scope), "page": page, "can_write": bool(scope.write_areas)},
    )


@login_required
def arrival_create(request):
    scope = require_area_user(request.user)
    organization = writing_org(scope)
    if organization is None or not scope.write_areas:
        raise PermissionDenied("Your role may not record arrivals")
    areas = (
        access.visible(Area, scope)
        .filter(scope.area_q("path", write=True))
        .filter(kind__in=(AreaKind.COMMUNE, AreaKind.VILLAGE))
        .order_by("path")
    )
    form = ArrivalForm(request.POST or None, areas=areas, provinces=arrivals.provinces())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "national_id": data.get("national_id") or None,
            "full_name": data["full_name"],
            "date_of_birth": data.get("date_of_birth"),
            "birth_year": data.get("birth_year"),
            "sex": data["sex"],
            "phone": data.get("phone"),
            "residence": data["residence"],
            "address": data.get("address") or "",
        }
        with transaction.atomic():
            outcome = matching.match(fields)
            if outcome.found and not may_see_people(scope, [outcome.person.pk]):
                form.add_error(None, _("This person is registered by an organization outside your area."))
            else:
                person = matching.commit(outcome, organization).person
                try:
                    registered = arrivals.register(
                        person,
                        origin=data["origin_province"],
                        arrival_date=data["arrival_date"],
                        submitter=organization,
                        origin_level=data.get("origin_level"),
                        doses=data.get("doses") or 0,
                        fully_vaccinated_on=data.get("fully_vaccinated_on"),
                        recovered_on=data.get("recovered_on"),
                        place=data.get("place") or None,
                        facility=data.get("facility"),
                        today=timezone.localdate(),
                    )
                except arrivals.ArrivalError as error:
                    transaction.set_rollback(True)
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                else:
                    if registered.created:
                        messages.success(
                            request, _("The arrival of %(name)s was recorded.") % {"name": person.full_name}
                        )
                    else:
                        messages.info(request, _("This arrival was already recorded."))
                    for note in registered.notes:
                        messages.warning(request, note)
                    return redirect("tracing-arrival-list")
    return render(request, "tracing/arrival_form.html", {"form": form})
