"""Who may see and change people, rosters, duplicate candidates and merges (registered with the access module).

A person is visible to a user whose scope covers the person's residence, whose roster organization has the person
on its active roster, whose organization registered the person, or through any registered `access.person_link`
(results a lab submitted, admissions of a hospital, ...). Writing needs the same through a writing membership.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.people.models import DuplicateCandidate, Merge, Person, RosterEntry

NOTHING = Q(pk__in=[])


def writing_scope(scope: Scope) -> Scope:
    """The part of a scope the user may write in: write areas and writing memberships only."""
    write_orgs = set(scope.write_org_ids)
    return dataclasses.replace(
        scope,
        areas=scope.write_areas,
        roster_org_ids=tuple(o for o in scope.roster_org_ids if o in write_orgs),
        org_ids=scope.write_org_ids,
        memberships=tuple(m for m in scope.memberships if m.organization_id in write_orgs),
    )


def person_q(scope: Scope) -> Q:
    q = scope.area_q("residence__path")
    if scope.roster_org_ids:
        # a subquery, not a join: a person on two rosters must not come back twice
        on_roster = RosterEntry.objects.active().filter(organization_id__in=scope.roster_org_ids)
        q |= Q(pk__in=on_roster.values("person_id"))
    if scope.org_ids:
        q |= Q(created_by_id__in=scope.org_ids)
    for linked in access.person_links(scope):
        q |= Q(pk__in=linked)
    return q


@access.rule(Person)
def _person_rule(scope: Scope) -> Q:
    return person_q(scope)


@access.rule(Person, write=True)
def _person_write_rule(scope: Scope) -> Q:
    return person_q(writing_scope(scope)) if scope.write_org_ids else NOTHING


@access.rule(RosterEntry)
def _roster_rule(scope: Scope) -> Q:
    return Q(organization_id__in=scope.roster_org_ids) | scope.area_q("organization__area__path")


@access.rule(RosterEntry, write=True)
def _roster_write_rule(scope: Scope) -> Q:
    return _roster_rule(writing_scope(scope)) if scope.write_org_ids else NOTHING


def _province_admin_only(person_field: str):
    def rule(scope: Scope) -> Q:
        if not scope.province_admin:
            return NOTHING
        # a province admin decides about the people their province sees, not about another province's
        return Q(**{f"{person_field}__in": Person.objects.filter(person_q(scope)).values("pk")})

    return rule


access.rule(DuplicateCandidate)(_province_admin_only("person_a"))
access.rule(DuplicateCandidate, write=True)(_province_admin_only("person_a"))
access.rule(Merge)(_province_admin_only("target"))
access.rule(Merge, write=True)(_province_admin_only("target"))


def can_write_roster(user_or_scope, organization) -> bool:
    """May add people to and deactivate entries of this organization's roster."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else access.scope_for(user_or_scope)
    return scope.full or scope.can_write_for(organization) or scope.covers_area(organization.area, write=True)
