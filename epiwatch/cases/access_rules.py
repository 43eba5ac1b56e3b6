"""Who sees cases: the area organizations whose subtree holds the case's area (the residence at report).

A lab, a school or an enterprise sees no case: it sees the results it submitted. Writing needs the same through a
writing membership (the access module's default for a model without a write rule)."""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.cases.models import Case, CaseEvent


@access.rule(Case)
def _case_rule(scope: Scope) -> Q:
    return scope.area_q("area__path")


@access.rule(CaseEvent)
def _case_event_rule(scope: Scope) -> Q:
    return scope.area_q("case__area__path")
