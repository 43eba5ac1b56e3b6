"""Who sees test results, pools and import batches (registered with the access module from LabsConfig.ready).

- the submitting organization sees what it submitted (a lab, a school, an enterprise: only that);
- an area organization (commune station, district centre, province) sees the results of the people living in
  its subtree: a result's `area` is the person's residence when it arrived;
- a pool: its submitter, and the area organizations holding one of its members;
- an import batch: the organization that uploaded it, and the area organizations above that organization.

Changing a result (an amendment) is for the submitter's writing members and the province administrators.
A lab sees the people it submitted results for (`person_link`), so that it can open their records.
"""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.labs.models import ImportBatch, Pool, TestResult

NOTHING = Q(pk__in=[])


@access.rule(TestResult)
def _result_rule(scope: Scope) -> Q:
    return Q(submitter_id__in=scope.org_ids) | scope.area_q("area__path")


@access.rule(TestResult, write=True)
def _result_write_rule(scope: Scope) -> Q:
    return Q(submitter_id__in=scope.write_org_ids) | scope.province_admin_q("area__path")


@access.rule(Pool)
def _pool_rule(scope: Scope) -> Q:
    q = Q(submitter_id__in=scope.org_ids)
    if scope.areas:
        # a subquery, not a join: a pool with many members in the area must come back once
        members = TestResult.objects.filter(scope.area_q("area__path"), pool__isnull=False)
        q |= Q(pk__in=members.values("pool_id"))
    return q


@access.rule(Pool, write=True)
def _pool_write_rule(scope: Scope) -> Q:
    return Q(submitter_id__in=scope.write_org_ids)


@access.rule(ImportBatch)
def _batch_rule(scope: Scope) -> Q:
    return Q(organization_id__in=scope.org_ids) | scope.area_q("organization__area__path")


@access.rule(ImportBatch, write=True)
def _batch_write_rule(scope: Scope) -> Q:
    # committing or cancelling an upload: the uploading organization's writing members
    return Q(organization_id__in=scope.write_org_ids)


@access.person_link
def _people_with_submitted_results(scope: Scope):
    return TestResult.objects.filter(submitter_id__in=scope.org_ids).values("person_id")
