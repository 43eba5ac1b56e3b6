"""Follow-up pages: who is due a check-in today, who missed one, recording a check-in, sending a personal link, and
the personal link's own page (no account: the only page of the site a stranger may open with a key)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.cases.models import Case
from epiwatch.lib import dates
from epiwatch.tracing import followup as checkins
from epiwatch.tracing.access_rules import may_see_people
from epiwatch.tracing.forms import CheckInForm, StaffCheckInForm
from epiwatch.tracing.models import FollowUp, Quarantine
from epiwatch.tracing.views.common import area_choices, chosen_area, require_area_user, safe_next, writing_org

# the personal link page: requests per client address, and per link, in a window
LINK_RATE = {"per_address": 30, "per_link": 10, "window_seconds": 600}


def _day(request, default: dt.date) -> dt.date:
    try:
        return dates.parse_date(request.GET.get("day", "")) or default
    except dates.DateError:
        return default


def _due_rows(request, scope, area, day):
    from epiwatch.cases.models import Case as CaseModel

    cases = access.visible(CaseModel, scope).in_area(area)
    quarantines = access.visible(Quarantine, scope).in_area(area)
    rows = checkins.due(day, cases, quarantines)
    seen = may_see_people(scope, [r.person.pk for r in rows])
    for row in rows:
        row.visible = row.person.pk in seen
    return rows


@login_required
def due_list(request):
    scope = require_area_user(request.user)
    area = chosen_area(request, scope)
    today = timezone.localdate()
    day = min(_day(request, today), today)
    rows = _due_rows(request, scope, area, day)
    alerts = (
        access.visible(FollowUp, scope)
        .unhandled()
        .in_area(area)
        .select_related("person", "case")
        .order_by("-day", "-recorded_at")[:50]
    )
    seen = may_see_people(scope, [a.person_id for a in alerts])
    for alert in alerts:
        alert.visible = alert.person_id in seen
    return render(
        request,
        "tracing/followup_due.html",
        {
            "area": area,
            "areas": area_choices(scope),
            "day": day,
            "rows": rows,
            "done": sum(1 for r in rows if r.checked_in is not None),
            "alerts": alerts,
            "can_write": bool(scope.write_areas) or scope.full,
        },
    )


@login_required
def missed_list(request):
    scope = require_area_user(request.user)
    area = chosen_area(request, scope)
    today = timezone.localdate()
    day = min(_day(request, today - dt.timedelta(days=1)), today)
    if request.method == "POST":
        if not scope.write_areas:
            raise PermissionDenied("Your role may not raise tasks")
        cases = access.visible(Case, scope, write=True).in_area(area)
        quarantines = access.visible(Quarantine, scope, write=True).in_area(area)
        raised = checkins.raise_missed_tasks(day, cases, quarantines)
        messages.success(request, _("%(count)s task(s) raised for the missed check-ins.") % {"count": raised})
        return redirect(f"{reverse('tracing-followup-missed')}?area={area.code}&day={day:%Y-%m-%d}")
    rows = [r for r in _due_rows(request, scope, area, day) if r.checked_in is None]
    return render(
        request,
        "tracing/followup_missed.html",
        {
            "area": area,
            "areas": area_choices(scope),
            "day": day,
            "rows": rows,
            "can_write": bool(scope.write_areas),
        },
    )


def _subject(request, kind: str, public_id, write: bool = True):
    """The home-care case or the quarantine a check-in is about, if the user may write it (404/403 otherwise)."""
    if kind == "case":
        case = access.get_for_user(
            Case.objects.select_related("person", "person__residence"),
            request.user,
            write=write,
            public_id=public_id,
        )
        if not checkins.home_cases(timezone.localdate()).filter(pk=case.pk).exists():
            raise Http404("This case is not cared for at home")
        return case.person, {"case": case}
    if kind == "quarantine":
        quarantine = access.get_for_user(
            Quarantine.objects.select_related("person", "person__residence"),
            request.user,
            write=write,
            public_id=public_id,
        )
        if not quarantine.is_active:
            raise Http404("This quarantine is over")
        return quarantine.person, {"quarantine": quarantine}
    raise Http404("Unknown kind of check-in")


@login_required
def checkin_create(request, kind, public_id):
    person, subject = _subject(request, kind, public_id)
    scope = access.scope_for(request.user)
    form = StaffCheckInForm(request.POST or None, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            followup = checkins.record(
                person,
                day=form.cleaned_data["day"],
                via="staff",
                user=request.user,
                organization=writing_org(scope),
                **subject,
                **form.values(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(None if field == "__all__" else field, problems)
        else:
            if followup.alert:
                messages.warning(
                    request, _("Alert: %(reasons)s.") % {"reasons": "; ".join(followup.alert_reasons)}
                )
            else:
                messages.success(request, _("Check-in recorded."))
            return redirect("tracing-followup-due")
    return render(
        request, "tracing/checkin_form.html", {"form": form, "person": person, "kind": kind, **subject}
    )


@login_required
@require_POST
def checkin_link(request, kind, public_id):
    person, subject = _subject(request, kind, public_id)
    link, raw = checkins.issue_link(person, user=request.user, **subject)
    url = request.build_absolute_uri(reverse("tracing-checkin", args=[raw]))
    response = render(
        request, "tracing/checkin_link_issued.html", {"person": person, "url": url, "link": link}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def alert_handled(request, public_id):
    followup = access.get_for_user(FollowUp, request.user, write=True, public_id=public_id)
    checkins.mark_handled(followup)
    return redirect(safe_next(request, reverse("tracing-followup-due")))


# --- the personal link -------------------------------------------------------------------------------------------


def _too_many(request, key: str) -> bool:
    """Fixed-window counters in the cache: per client address and per link."""
    window = LINK_RATE["window_seconds"]
    address = request.META.get("REMOTE_ADDR", "")
    over = False
    for name, limit in (
        (f"checkin-ip:{address}", LINK_RATE["per_address"]),
        (f"checkin-key:{key[:64]}", LINK_RATE["per_link"]),
    ):
        cache.add(name, 0, timeout=window)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=window)
            count = 1
        over = over or count > limit
    return over


_REFUSED_STATUS = {"unknown": 404, "expired": 410, "used": 410}


@never_cache
@csrf_protect
def checkin(request, key):
    """The person's own check-in. Shows nothing but the form: no name, no record, no other page's link."""
    if _too_many(request, key):
        response = render(request, "tracing/checkin_public.html", {"refused": "rate"}, status=429)
        response["Retry-After"] = str(LINK_RATE["window_seconds"])
        return response
    try:
        link = checkins.open_link(key)
    except checkins.LinkRefused as refused:
        return render(
            request,
            "tracing/checkin_public.html",
            {"refused": refused.reason},
            status=_REFUSED_STATUS[refused.reason],
        )
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checkins.submit_by_link(key, **form.values())
        except checkins.LinkRefused as refused:
            return render(
                request,
                "tracing/checkin_public.html",
                {"refused": refused.reason},
                status=_REFUSED_STATUS[refused.reason],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(None if field == "__all__" else field, problems)
        else:
            return render(request, "tracing/checkin_public.html", {"done": True})
    return render(
        request,
        "tracing/checkin_public.html",
        {"form": form, "expires_at": link.expires_at, "about_case": link.case_id is not None},
    )
