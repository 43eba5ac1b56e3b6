"""Who sees and changes levels: one rule per model family, registered with the access module.

- Assessments: a province-level organization (health department, CDC) sees every assessment of its province,
  proposals included; every other area organization sees the *declared* levels of its subtree. Only province
  users with a writing role declare (the write rule).
- Rule set versions: whoever sees an area of the province sees its versions; its administrators make them.
- Capacity statuses: seen in the area subtree; set by the writing members of an organization over the area.
- Boundaries: seen in the area subtree; uploaded by the province's administrators.
"""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.levels.models import Assessment, Boundary, CapacityStatus, RuleSetVersion


def _subtree(path_field: str, path: str) -> Q:
    return Q(**{path_field: path}) | Q(**{f"{path_field}__startswith": path + "/"})


def _is_province(path: str) -> bool:
    return "/" not in path


@access.rule(Assessment)
def _assessment_rule(scope: access.Scope) -> Q:
    q = Q(pk__in=[])
    for _dataset, path in scope.areas:
        if _is_province(path):
            q |= _subtree("area__path", path)
        else:
            q |= _subtree("area__path", path) & Q(declared_level__isnull=False)
    return q


@access.rule(Assessment, write=True)
def _assessment_write_rule(scope: access.Scope) -> Q:
    # declaring: a province-level organization, through a membership with a writing role
    q = Q(pk__in=[])
    for _dataset, path in scope.write_areas:
        if _is_province(path):
            q |= _subtree("area__path", path)
    return q


@access.rule(RuleSetVersion)
def _ruleset_rule(scope: access.Scope) -> Q:
    provinces = sorted({path.split("/", 1)[0] for _dataset, path in scope.areas})
    return Q(province__code__in=provinces, province__kind="province")


@access.rule(RuleSetVersion, write=True)
def _ruleset_write_rule(scope: access.Scope) -> Q:
    return scope.province_admin_q("province__path")


@access.rule(CapacityStatus)
def _capacity_rule(scope: access.Scope) -> Q:
    return scope.area_q("area__path")


@access.rule(Boundary)
def _boundary_rule(scope: access.Scope) -> Q:
    return scope.area_q("area__path")


@access.rule(Boundary, write=True)
def _boundary_write_rule(scope: access.Scope) -> Q:
    return scope.province_admin_q("area__path")
