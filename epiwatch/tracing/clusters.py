"""Clusters (ổ dịch): opening one, its members, attack rate, epidemic curve, and closing it when quiet.

A case joins a cluster by hand, or by itself when the case opens (`link_case`, called by `contacts.case_opened`):
through an exposure (the case it was traced from is a member of an active cluster) or through the roster (the person
is on the active roster of the cluster's enterprise or school). A closed cluster that gets a new case opens again:
the outbreak was not over. `close_quiet()` closes the active clusters without a new case for `quiet_days` (the
cluster's own value, else the province default `DEFAULT_QUIET_DAYS`, else settings.CLUSTER_QUIET_DAYS).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from epiwatch.accounts.models import Organization
from epiwatch.people.models import RosterEntry
from epiwatch.tracing.chains import case_day
from epiwatch.tracing.models import Cluster, ClusterMember, ClusterStatus, MemberLink

# Days without a new case after which a cluster is closed. 14 days (one incubation period) is the commonly
# applied value; unconfirmed: provinces set their own (per cluster, or CLUSTER_QUIET_DAYS for all).
DEFAULT_QUIET_DAYS = 14
CURVE_MAX_DAYS = 366  # the curve shows at most the last year of a cluster


class ClusterError(ValueError):
    """The cluster change is refused; the message says why."""


def default_quiet_days() -> int:
    return int(getattr(settings, "CLUSTER_QUIET_DAYS", DEFAULT_QUIET_DAYS))


def open_cluster(
    name: str,
    kind: str,
    area,
    opened_on: dt.date,
    *,
    organization: Organization | None = None,
    quiet_days: int | None = None,
    by_org: Organization | None = None,
    first_case=None,
) -> Cluster:
    with transaction.atomic():
        cluster = Cluster(
            name=" ".join(name.split()),
            kind=kind,
            area=area,
            province_code=area.province_code,
            organization=organization,
            opened_on=opened_on,
            quiet_days=quiet_days,
            created_by=by_org,
        )
        cluster.save()
        if first_case is not None:
            add_member(cluster, first_case, MemberLink.MANUAL, by_org=by_org)
    return cluster


def add_member(
    cluster: Cluster, case, link: str = MemberLink.MANUAL, by_org=None
) -> tuple[ClusterMember, bool]:
    """Add the case (idempotent); a closed cluster opens again. Returns (member, created)."""
    from epiwatch.cases.models import Classification

    if case.classification == Classification.DISCARDED:
        raise ClusterError(_("A discarded case cannot be a member of a cluster."))
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        member = ClusterMember.objects.filter(cluster=cluster, case=case).first()
        if member is not None:
            return member, False
        day = case_day(case)
        member = ClusterMember(cluster=cluster, case=case, link=link, day=day, added_by=by_org)
        member.save()
        changed = []
        if cluster.last_case_on is None or day > cluster.last_case_on:
            cluster.last_case_on = day
            changed.append("last_case_on")
        if not cluster.is_active:
            cluster.status, cluster.closed_on, cluster.closed_automatically = (
                ClusterStatus.ACTIVE,
                None,
                False,
            )
            changed += ["status", "closed_on", "closed_automatically"]
        if changed:
            cluster.save()
    return member, True


def remove_member(member: ClusterMember) -> None:
    with transaction.atomic():
        cluster = member.cluster
        member.delete()
        cluster.last_case_on = (
            ClusterMember.objects.filter(cluster=cluster)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
        cluster.save()


def link_case(case, source_case=None, by_org=None) -> list[Cluster]:
    """Join the case to the active clusters it is linked to by exposure or by roster; returns those clusters."""
    joined = []
    if source_case is not None:
        for cluster in Cluster.objects.active().filter(members__case=source_case):
            member, created = add_member(cluster, case, MemberLink.EXPOSURE, by_org=by_org)
            joined.append(cluster)
    on_roster = RosterEntry.objects.active().filter(person_id=case.person_id).values("organization_id")
    for cluster in (
        Cluster.objects.active().filter(organization__in=on_roster).exclude(pk__in=[c.pk for c in joined])
    ):
        add_member(cluster, case, MemberLink.ROSTER, by_org=by_org)
        joined.append(cluster)
    return joined


def close(cluster: Cluster, on_date: dt.date, automatically: bool = False) -> Cluster:
    if not cluster.is_active:
        raise ClusterError(_("This cluster is already closed."))
    if on_date < cluster.opened_on:
        raise ClusterError(
            _("A cluster cannot close before it opened (%(day)s).")
            % {"day": cluster.opened_on.strftime("%d/%m/%Y")}
        )
    cluster.status, cluster.closed_on, cluster.closed_automatically = (
        ClusterStatus.CLOSED,
        on_date,
        automatically,
    )
    cluster.save()
    return cluster


def quiet_since(cluster: Cluster) -> dt.date:
    return cluster.last_case_on or cluster.opened_on


def closes_on(cluster: Cluster) -> dt.date:
    """The day the cluster closes by itself if no new case comes."""
    return quiet_since(cluster) + dt.timedelta(days=cluster.quiet_days or default_quiet_days())


def close_quiet(today: dt.date, default_days: int | None = None, dry_run: bool = False) -> list[Cluster]:
    """Close every active cluster without a new case for its quiet days; returns them."""
    default_days = default_days or default_quiet_days()
    shortest = min(
        [
            default_days,
            *Cluster.objects.active().exclude(quiet_days=None).values_list("quiet_days", flat=True),
        ]
    )
    horizon = today - dt.timedelta(days=shortest)
    candidates = Cluster.objects.active().filter(
        Q(last_case_on__lte=horizon) | Q(last_case_on=None, opened_on__lte=horizon)
    )
    closed = []
    for cluster in candidates:
        if quiet_since(cluster) + dt.timedelta(days=cluster.quiet_days or default_days) <= today:
            if not dry_run:
                close(cluster, today, automatically=True)
            closed.append(cluster)
    return closed


# --- figures of one cluster ------------------------------------------------------------------------------------


@dataclass
class AttackRate:
    cases: int  # member cases on the roster
    roster: int  # people on the roster
    not_on_roster: int  # member cases who are not (family members, visitors)

    @property
    def percent(self) -> float | None:
        return 100 * self.cases / self.roster if self.roster else None


def attack_rate(cluster: Cluster) -> AttackRate | None:
    """Cases among the organization's roster (people on it while the cluster was open); None without a roster."""
    if cluster.organization_id is None:
        return None
    roster = RosterEntry.objects.filter(organization_id=cluster.organization_id).filter(
        Q(active=True) | Q(left_on__gte=cluster.opened_on)
    )
    size = roster.count()
    if size == 0:
        return None
    members = ClusterMember.objects.filter(cluster=cluster).aggregate(
        on=Count("pk", filter=Q(case__person__in=roster.values("person_id"))), all=Count("pk")
    )
    return AttackRate(cases=members["on"], roster=size, not_on_roster=members["all"] - members["on"])


def curve(cluster: Cluster, until: dt.date | None = None) -> list[tuple[dt.date, int]]:
    """New member cases per day (by onset, else sample, else report date), every day from the first to the last."""
    counts = dict(
        ClusterMember.objects.filter(cluster=cluster)
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    if not counts:
        return []
    first = min(min(counts), cluster.opened_on)
    last = max(max(counts), until or cluster.closed_on or max(counts), first)
    days = (last - first).days + 1
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0)) for i in range(days)]
