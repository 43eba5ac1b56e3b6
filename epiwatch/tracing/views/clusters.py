"""Clusters: list, opening one (from a case or on its own), its page, adding a case, closing; chain and cluster
graphs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.cases.models import Case
from epiwatch.geo.models import Area, AreaKind
from epiwatch.tracing import clusters as outbreaks
from epiwatch.tracing import graph as graphs
from epiwatch.tracing import svg
from epiwatch.tracing.access_rules import may_see_people
from epiwatch.tracing.forms import ClusterForm, ClusterMemberForm
from epiwatch.tracing.models import Cluster, ClusterMember, ClusterStatus, MemberLink
from epiwatch.tracing.views.common import page_of, writing_org

CLUSTER_ORG_KINDS = (OrgKind.ENTERPRISE, OrgKind.SCHOOL, OrgKind.PUBLIC_UNIT)


@login_required
def cluster_list(request):
    scope = access.require_any_membership(request.user)
    status = request.GET.get("status", ClusterStatus.ACTIVE)
    clusters = (
        access.visible(Cluster, scope).select_related("area", "organization").annotate(cases=Count("members"))
    )
    if status in ClusterStatus.values:
        clusters = clusters.filter(status=status)
    can_create = scope.full or bool(scope.write_areas)
    return render(
        request,
        "tracing/cluster_list.html",
        {
            "page": page_of(request, clusters.order_by("-opened_on", "name")),
            "status": status,
            "can_create": can_create,
        },
    )


@login_required
def cluster_create(request):
    scope = access.require_any_membership(request.user)
    if not (scope.full or scope.write_areas):
        raise PermissionDenied("Opening a cluster is for health organizations with a writing role")
    write_areas = (
        access.visible(Area, scope)
        .filter(scope.area_q("path", write=True))
        .filter(kind__in=(AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE, AreaKind.VILLAGE))
        .order_by("path")
    )
    organizations = (
        access.visible(Organization.objects.filter(is_active=True), scope)
        .filter(kind__in=CLUSTER_ORG_KINDS)
        .order_by("name")
    )
    case = None
    if request.GET.get("case") or request.POST.get("case"):
        case = access.get_for_user(
            Case.objects.select_related("person", "area"),
            request.user,
            write=True,
            public_id=request.GET.get("case") or request.POST.get("case"),
        )
    initial = {"opened_on": timezone.localdate()}
    if case is not None:
        initial.update(area=case.area_id, opened_on=case.report_date)
    form = ClusterForm(request.POST or None, initial=initial, areas=write_areas, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cluster = outbreaks.open_cluster(
            data["name"],
            data["kind"],
            data["area"],
            data["opened_on"],
            organization=data["organization"],
            quiet_days=data["quiet_days"],
            by_org=writing_org(scope),
            first_case=case,
        )
        messages.success(request, _("Cluster %(name)s opened.") % {"name": cluster.name})
        return redirect("tracing-cluster-detail", public_id=cluster.public_id)
    return render(request, "tracing/cluster_form.html", {"form": form, "case": case})


@login_required
def cluster_detail(request, public_id):
    cluster = access.get_for_user(
        Cluster.objects.select_related("area", "organization"), request.user, public_id=public_id
    )
    scope = access.scope_for(request.user)
    can_write = access.visible(Cluster.objects.filter(pk=cluster.pk), scope, write=True).exists()
    members = page_of(
        request,
        ClusterMember.objects.filter(cluster=cluster)
        .select_related("case", "case__person", "case__area")
        .order_by("day", "pk"),
    )
    seen = may_see_people(scope, [m.case.person_id for m in members])
    for member in members:
        member.visible = member.case.person_id in seen
    until = (
        min(timezone.localdate(), outbreaks.closes_on(cluster)) if cluster.is_active else cluster.closed_on
    )
    days = outbreaks.curve(cluster, until=until)[-outbreaks.CURVE_MAX_DAYS :]
    return render(
        request,
        "tracing/cluster_detail.html",
        {
            "cluster": cluster,
            "members": members,
            "member_count": members.paginator.count,
            "attack_rate": outbreaks.attack_rate(cluster),
            "curve": svg.epidemic_curve(days),
            "closes_on": outbreaks.closes_on(cluster) if cluster.is_active else None,
            "quiet_days": cluster.quiet_days or outbreaks.default_quiet_days(),
            "can_write": can_write,
            "member_form": ClusterMemberForm(),
        },
    )


@login_required
@require_POST
def cluster_add_member(request, public_id):
    cluster = access.get_for_user(Cluster, request.user, write=True, public_id=public_id)
    form = ClusterMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the id of a case."))
        return redirect("tracing-cluster-detail", public_id=cluster.public_id)
    case = access.get_for_user(Case, request.user, public_id=form.cleaned_data["case"])
    try:
        _member, created = outbreaks.add_member(
            cluster, case, MemberLink.MANUAL, by_org=writing_org(access.scope_for(request.user))
        )
    except outbreaks.ClusterError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The case was added.") if created else _("The case was already a member.")
        )
    return redirect("tracing-cluster-detail", public_id=cluster.public_id)


@login_required
@require_POST
def cluster_close(request, public_id):
    cluster = access.get_for_user(Cluster, request.user, write=True, public_id=public_id)
    try:
        outbreaks.close(cluster, timezone.localdate())
        messages.success(request, _("Cluster %(name)s closed.") % {"name": cluster.name})
    except outbreaks.ClusterError as error:
        messages.error(request, str(error))
    return redirect("tracing-cluster-detail", public_id=cluster.public_id)


def _number(request, name: str, default: int) -> int:
    try:
        return int(request.GET.get(name, default))
    except ValueError:
        return default


@login_required
def chain_graph(request, public_id):
    chain = graphs.chain_for_user(public_id, request.user)
    if str(chain.public_id) != str(public_id):
        return redirect("tracing-chain-graph", public_id=chain.public_id)
    graph = graphs.build(
        graphs.chain_nodes(chain),
        request.user,
        page=_number(request, "page", 1),
        limit=_number(request, "limit", graphs.DEFAULT_LIMIT),
    )
    return render(
        request, "tracing/graph.html", {"graph": graph, "chain": chain, "title": _("Chain of transmission")}
    )


@login_required
def cluster_graph(request, public_id):
    cluster = access.get_for_user(Cluster, request.user, public_id=public_id)
    graph = graphs.build(
        graphs.cluster_nodes(cluster),
        request.user,
        page=_number(request, "page", 1),
        limit=_number(request, "limit", graphs.DEFAULT_LIMIT),
    )
    return render(request, "tracing/graph.html", {"graph": graph, "cluster": cluster, "title": cluster.name})
