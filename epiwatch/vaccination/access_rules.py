"""Who may see and record doses, deferrals and coverage counts (registered with the access module).

Like test results: a dose is visible in the area subtree of the person's residence, to the organization that
recorded it or where it was given, and to a roster organization for the people on its active roster (a school sees
its students' doses, not anybody else's). The organizations that recorded a dose see its person too
(`person_link`). Writing follows the same rules through the memberships with a writing role.
"""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.people.models import RosterEntry
from epiwatch.vaccination.models import CoverageCount, Deferral, Dose, VaccinationStatus


def _on_roster(scope: Scope) -> Q:
    if not scope.roster_org_ids:
        return Q(pk__in=[])
    people = RosterEntry.objects.active().filter(organization_id__in=scope.roster_org_ids)
    return Q(person_id__in=people.values("person_id"))


@access.rule(Dose)
def _dose_rule(scope: Scope) -> Q:
    return (
        scope.area_q("person__residence__path")
        | Q(submitter_id__in=scope.org_ids)
        | Q(site_id__in=scope.org_ids)
        | _on_roster(scope)
    )


@access.rule(Deferral)
def _deferral_rule(scope: Scope) -> Q:
    return scope.area_q("person__residence__path") | Q(recorded_by_id__in=scope.org_ids) | _on_roster(scope)


@access.rule(CoverageCount)
def _coverage_count_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(submitter_id__in=scope.org_ids)


@access.rule(VaccinationStatus)
def _status_rule(scope: Scope) -> Q:
    return scope.area_q("person__residence__path") | _on_roster(scope)


@access.rule(VaccinationStatus, write=True)
def _status_write_rule(scope: Scope) -> Q:
    return Q(pk__in=[])  # derived from the doses, never written by hand


@access.person_link
def _people_vaccinated_by(scope: Scope):
    """The organizations that recorded or gave a dose see that person."""
    if not scope.org_ids:
        return Dose.objects.none().values("person_id")
    return Dose.objects.filter(Q(submitter_id__in=scope.org_ids) | Q(site_id__in=scope.org_ids)).values(
        "person_id"
    )


def can_see_area(user_or_scope, area) -> bool:
    """Coverage and the lists of an area are for the health organizations whose area covers it."""
    scope = user_or_scope if isinstance(user_or_scope, Scope) else access.scope_for(user_or_scope)
    return scope.covers_area(area)
