from django.apps import apps
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from epiwatch.accounts import access, members
from epiwatch.accounts.audit import AuditedModel
from epiwatch.accounts.forms import (
    AddMemberForm,
    AuditSearchForm,
    ChangeRoleForm,
    NewUserForm,
    OrganizationForm,
    area_label,
)
from epiwatch.accounts.models import (
    AuditEvent,
    Membership,
    OneTimeLink,
    Organization,
    OrgKind,
    Role,
    UserProfile,
)
from epiwatch.accounts.password_policy import MUST_CHANGE_SESSION_KEY
from epiwatch.geo.models import Area, AreaKind

ORGS_PER_PAGE = 50
EVENTS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if UserProfile.objects.filter(user=form.get_user(), must_change_password=True).exists():
            # an initial password handed over by an administrator: replace it before anything else
            self.request.session[MUST_CHANGE_SESSION_KEY] = True
            return redirect("password-change")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        UserProfile.objects.filter(user=self.request.user).update(must_change_password=False)
        self.request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        messages.success(self.request, gettext("Your password was changed."))
        return response


@login_required
def home(request):
    scope = access.scope_for(request.user)
    return render(request, "accounts/home.html", {"scope": scope, "memberships": scope.memberships})


# --- organizations ------------------------------------------------------------------------------------------


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@login_required
def org_list(request):
    access.require_any_membership(request.user)
    orgs = access.visible(Organization, request.user).select_related("area").order_by("code")
    # the area filter offers the districts and communes the user sees
    areas = access.visible(Area, request.user).filter(kind__in=[AreaKind.DISTRICT, AreaKind.COMMUNE])
    kind, area_code = request.GET.get("kind", ""), request.GET.get("area", "")
    if kind:
        orgs = orgs.filter(kind=kind)
    area = areas.filter(code=area_code).first() if area_code else None
    if area is not None:
        orgs = orgs.in_area(area)
    page = _page_number(request)
    # one extra row tells whether there is a next page, without counting the table
    rows = list(
        orgs.annotate(member_count=Count("memberships"))[
            (page - 1) * ORGS_PER_PAGE : page * ORGS_PER_PAGE + 1
        ]
    )
    ctx = {
        "orgs": rows[:ORGS_PER_PAGE],
        "has_next": len(rows) > ORGS_PER_PAGE,
        "page": page,
        "kinds": OrgKind.choices,
        "areas": areas.only("code", "name", "kind", "path")[:2000],
        "kind": kind,
        "area": area,
        "area_code": area_code,
        "can_onboard": access.scope_for(request.user).province_admin,
    }
    return render(request, "accounts/org_list.html", ctx)


def _onboarding_areas(user):
    """Districts and communes (still in force) of the provinces the user administers."""
    scope = access.require_province_admin(user)
    # in the dataset of the admin's own organization: when vn-2021 and vn-2025 coexist, not both trees at once
    q = Q(pk__in=[])
    for province in scope.province_admin_areas():
        q |= Q(dataset=province.dataset) & (Q(path=province.path) | Q(path__startswith=province.path + "/"))
    areas = access.visible(Area, user, write=True).filter(q)
    return areas.filter(kind__in=[AreaKind.DISTRICT, AreaKind.COMMUNE], valid_to=None).order_by("path")


@never_cache
@login_required
def org_onboard(request):
    areas = _onboarding_areas(request.user)
    org_form = OrganizationForm(request.POST or None, areas=areas)
    user_form = NewUserForm(request.POST or None)
    # both forms validated, so that every mistake on the page is shown at once
    if request.method == "POST" and all([org_form.is_valid(), user_form.is_valid()]):
        handover = members.onboard(org_form.save(commit=False), **user_form.user_fields())
        org = org_form.instance
        # rendered, not redirected: the link or password appears in this one response and is never stored
        return render(request, "accounts/handover.html", {"org": org, "handover": handover})
    ctx = {
        "org_form": org_form,
        "user_form": user_form,
        "area_options": [area_label(a) for a in areas.only("code", "name")],
    }
    return render(request, "accounts/org_onboard.html", ctx)


@login_required
def org_detail(request, public_id):
    org = access.get_for_user(Organization.objects.select_related("area"), request.user, public_id=public_id)
    can_manage = access.visible(Organization.objects.filter(pk=org.pk), request.user, write=True).exists()
    memberships = (
        Membership.objects.filter(organization=org)
        .select_related("user", "user__profile")
        .order_by("user__username")
    )
    ctx = {
        "org": org,
        "memberships": memberships,
        "can_manage": can_manage,
        "user_form": NewUserForm(),
        "roles": Membership._meta.get_field("role").choices,
    }
    return render(request, "accounts/org_detail.html", ctx)


def _managed_org(request, public_id) -> Organization:
    """The organization if the user manages it (its admin, or an admin of its province); 404/403 otherwise."""
    return access.get_for_user(Organization, request.user, write=True, public_id=public_id)


def _membership_to_manage(request, org: Organization, username: str) -> Membership:
    membership = (
        Membership.objects.filter(organization=org, user__username=username).select_related("user").first()
    )
    if membership is None:
        raise Http404("No such member")
    if membership.user_id == request.user.pk:
        # an administrator cannot lock themselves out by accident; another administrator can do it
        raise PermissionDenied("You cannot change your own membership")
    return membership


@login_required
@require_POST
def org_member_add(request, public_id):
    org = _managed_org(request, public_id)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        user, role = form.cleaned_data["username"], form.cleaned_data["role"]
        try:
            members.add_member(org, user, role)
        except ValueError:
            messages.error(
                request, gettext("%(username)s is already a member.") % {"username": user.username}
            )
        else:
            messages.success(
                request,
                gettext("%(username)s was added as %(role)s.")
                % {"username": user.username, "role": Role(role).label},
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("org-detail", public_id=org.public_id)


@never_cache
@login_required
def org_user_create(request, public_id):
    org = _managed_org(request, public_id)
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        handover = members.create_user(org, **form.user_fields())
        return render(request, "accounts/handover.html", {"org": org, "handover": handover})
    return render(request, "accounts/user_create.html", {"org": org, "user_form": form})


@login_required
@require_POST
def org_member_role(request, public_id):
    org = _managed_org(request, public_id)
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Pick a role."))
        return redirect("org-detail", public_id=org.public_id)
    membership = _membership_to_manage(request, org, form.cleaned_data["username"])
    if members.change_role(membership, form.cleaned_data["role"]):
        messages.success(
            request,
            gettext("%(username)s is now %(role)s.")
            % {"username": membership.user.username, "role": membership.get_role_display()},
        )
    return redirect("org-detail", public_id=org.public_id)


@login_required
@require_POST
def org_member_remove(request, public_id):
    org = _managed_org(request, public_id)
    membership = _membership_to_manage(request, org, request.POST.get("username", ""))
    members.remove_member(membership)
    messages.success(
        request,
        gettext("%(username)s no longer belongs to %(org)s.")
        % {"username": membership.user.username, "org": org.name},
    )
    return redirect("org-detail", public_id=org.public_id)


@login_required
@require_POST
def org_user_active(request, public_id):
    """Deactivate (active=0) or reactivate (active=1) a member's account."""
    org = _managed_org(request, public_id)
    membership = _membership_to_manage(request, org, request.POST.get("username", ""))
    user = membership.user
    # the account is shared by all of the user's organizations: all of them must be ones this admin manages
    managed = access.visible(Organization, request.user, write=True)
    if Membership.objects.filter(user=user).exclude(organization__in=managed).exists():
        raise PermissionDenied("The user also belongs to organizations you do not manage")
    if user.is_staff or user.is_superuser:
        # the installation's operators are managed by the operators (Django admin), not from an organization
        raise PermissionDenied("Operators' accounts are not managed here")
    active = request.POST.get("active") == "1"
    if members.set_active(user, active, org):
        text = (
            gettext("%(username)s can sign in again.")
            if active
            else gettext("%(username)s can no longer sign in.")
        )
        messages.success(request, text % {"username": user.username})
    return redirect("org-detail", public_id=org.public_id)


# --- one-time set-password link -----------------------------------------------------------------------------


@never_cache
def set_password(request, token):
    link = OneTimeLink.peek(token)
    if link is None or not link.user.is_active:
        return render(request, "accounts/set_password_invalid.html", status=410)
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # claim() marks the link used in the same statement that checks it: two tabs cannot both use it
            if OneTimeLink.claim(token) is None:
                return render(request, "accounts/set_password_invalid.html", status=410)
            user = form.save()
            UserProfile.objects.filter(user=user).update(must_change_password=False)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, gettext("Your password is set. Welcome!"))
        return redirect("home")
    return render(request, "accounts/set_password.html", {"form": form, "link_user": link.user})


# --- audit search -------------------------------------------------------------------------------------------


def _audited_model_labels() -> list[str]:
    labels = {m._meta.label_lower for m in apps.get_models() if issubclass(m, AuditedModel)}
    labels.add(Organization._meta.label_lower)
    return sorted(labels)


@login_required
def audit_search(request):
    access.require_province_admin(request.user)
    form = AuditSearchForm(request.GET or None, models=_audited_model_labels())
    events = access.visible(AuditEvent, request.user).select_related("organization")
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    elif form.is_bound:
        events = events.none()
    page = _page_number(request)
    rows = list(events[(page - 1) * EVENTS_PER_PAGE : page * EVENTS_PER_PAGE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form,
        "events": rows[:EVENTS_PER_PAGE],
        "has_next": len(rows) > EVENTS_PER_PAGE,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "accounts/audit_search.html", ctx)
