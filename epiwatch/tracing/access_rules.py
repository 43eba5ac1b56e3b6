"""Who sees what of tracing (registered with the access module).

- Contacts: the area organizations of where the contact lives (the commune that must follow them), and those of the
  case's area (the investigators see who they traced, though maybe not the person: see `may_see_people`).
- Exposures: whoever may see either of the two people. Chains: whoever may see one of their people; the graph then
  shows the other nodes without personal data (tracing.graph).
- Clusters and their members: the area organizations of the cluster's area, and the cluster's own organization.
- Quarantines, their tests and check-ins: the area of the person's residence, and the facility they are in.
- Arrivals: the area where the returnee stays, and the organization that submitted them.

A contact without a residence, a person in a facility's care and a returnee submitted by a checkpoint are visible
to those organizations through `person_link`s. Writing needs the same through a writing membership (the access
module's default), except the check-in links that nobody lists.
"""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.people.access_rules import person_q
from epiwatch.people.models import Person
from epiwatch.tracing.models import (
    Arrival,
    Chain,
    ChainNode,
    CheckInLink,
    Cluster,
    ClusterMember,
    Contact,
    Exposure,
    FacilityCapacity,
    FollowUp,
    Quarantine,
    QuarantineTest,
)

NOTHING = Q(pk__in=[])


def visible_people(scope: Scope):
    return Person.objects.filter(person_q(scope)).values("pk")


def may_see_people(user_or_scope, person_ids) -> set[int]:
    """Which of these people the user may see (one query): the others are shown without personal data."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else access.scope_for(user_or_scope)
    ids = list(set(person_ids))
    if scope.full:
        return set(ids)
    return set(access.visible(Person.objects.filter(pk__in=ids), scope).values_list("pk", flat=True))


@access.rule(Contact)
def _contact_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | scope.area_q("case__area__path")


@access.rule(Contact, write=True)
def _contact_write_rule(scope: Scope) -> Q:
    # the follow-up status belongs to the commune that follows the contact (and the levels above it)
    return scope.area_q("area__path", write=True)


@access.rule(Exposure)
def _exposure_rule(scope: Scope) -> Q:
    people = visible_people(scope)
    return Q(source__in=people) | Q(contact__in=people)


@access.rule(Chain)
def _chain_rule(scope: Scope) -> Q:
    return Q(pk__in=ChainNode.objects.filter(person__in=visible_people(scope)).values("chain_id"))


@access.rule(ChainNode)
def _node_rule(scope: Scope) -> Q:
    return Q(person__in=visible_people(scope))


@access.rule(Cluster)
def _cluster_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(organization_id__in=scope.org_ids)


@access.rule(Cluster, write=True)
def _cluster_write_rule(scope: Scope) -> Q:
    # opening, closing and adding cases are the health service's decisions, not the enterprise's
    return scope.area_q("area__path", write=True)


@access.rule(ClusterMember)
def _cluster_member_rule(scope: Scope) -> Q:
    return scope.area_q("cluster__area__path") | Q(cluster__organization_id__in=scope.org_ids)


@access.rule(ClusterMember, write=True)
def _cluster_member_write_rule(scope: Scope) -> Q:
    return scope.area_q("cluster__area__path", write=True)


@access.rule(Quarantine)
def _quarantine_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(facility_id__in=scope.org_ids) | Q(created_by_id__in=scope.org_ids)


@access.rule(QuarantineTest)
def _quarantine_test_rule(scope: Scope) -> Q:
    return (
        scope.area_q("quarantine__area__path")
        | Q(quarantine__facility_id__in=scope.org_ids)
        | Q(quarantine__created_by_id__in=scope.org_ids)
    )


@access.rule(FacilityCapacity)
def _capacity_rule(scope: Scope) -> Q:
    return scope.area_q("facility__area__path") | Q(facility_id__in=scope.org_ids)


@access.rule(FacilityCapacity, write=True)
def _capacity_write_rule(scope: Scope) -> Q:
    return scope.area_q("facility__area__path", write=True) | Q(facility_id__in=scope.admin_org_ids)


@access.rule(FollowUp)
def _followup_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(quarantine__facility_id__in=scope.org_ids)


@access.rule(CheckInLink)
def _link_rule(scope: Scope) -> Q:
    return scope.area_q("person__residence__path", write=True)


@access.rule(Arrival)
def _arrival_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(submitter_id__in=scope.org_ids)


@access.person_link
def _contacts_followed(scope: Scope):
    """A contact with no residence is followed where the case is: that commune sees them."""
    if not scope.areas:
        return Contact.objects.none().values("person_id")
    return (
        Contact.objects.filter(person__residence=None).filter(scope.area_q("area__path")).values("person_id")
    )


@access.person_link
def _people_in_facilities(scope: Scope):
    if not scope.org_ids:
        return Quarantine.objects.none().values("person_id")
    return Quarantine.objects.filter(facility_id__in=scope.org_ids).values("person_id")


@access.person_link
def _returnees_submitted(scope: Scope):
    if not scope.org_ids:
        return Arrival.objects.none().values("person_id")
    return Arrival.objects.filter(submitter_id__in=scope.org_ids).values("person_id")
