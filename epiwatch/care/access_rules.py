"""Who sees facilities, capacity and admissions (registered with the access module).

- Facilities and their capacity: the area organizations whose subtree holds the facility, and the members of the
  organization that runs it. Writing: the same through a writing membership (the access module's default).
- Admissions: the members of the organization running the facility (hospital staff see their patients), and the
  area organizations whose subtree holds the facility or the case's residence (district and province see their
  subtree's patients wherever they are treated). Writing: the same through a writing membership.
- People: a facility's organization sees the people it admitted (`person_link`), so their records open.
- Settings: province users read them; province administrators change them.
"""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.care.models import Admission, CapacityChange, CareSettings, Facility

NOTHING = Q(pk__in=[])


@access.rule(Facility)
def _facility_rule(scope: Scope) -> Q:
    return scope.area_q("area__path") | Q(organization_id__in=scope.org_ids)


@access.rule(CapacityChange)
def _capacity_rule(scope: Scope) -> Q:
    return scope.area_q("facility__area__path") | Q(facility__organization_id__in=scope.org_ids)


@access.rule(Admission)
def _admission_rule(scope: Scope) -> Q:
    return (
        scope.area_q("facility__area__path")
        | scope.area_q("case__area__path")
        | Q(facility__organization_id__in=scope.org_ids)
    )


@access.rule(CareSettings)
def _settings_rule(scope: Scope) -> Q:
    return scope.area_q("province__path")


@access.rule(CareSettings, write=True)
def _settings_write_rule(scope: Scope) -> Q:
    return scope.province_admin_q("province__path")


@access.person_link
def _people_admitted(scope: Scope):
    if not scope.org_ids:
        return Admission.objects.none().values("case__person_id")
    return Admission.objects.filter(facility__organization_id__in=scope.org_ids).values("case__person_id")
