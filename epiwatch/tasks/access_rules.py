"""Who sees a task: its assignee organization, and the area organizations above it (a district centre sees the
work lists of its communes' stations). Writing (done, cancelled) needs the same through a writing membership."""

from __future__ import annotations

from django.db.models import Q

from epiwatch.accounts import access
from epiwatch.accounts.access import Scope
from epiwatch.tasks.models import Task


@access.rule(Task)
def _task_rule(scope: Scope) -> Q:
    return Q(organization_id__in=scope.org_ids) | scope.area_q("organization__area__path")
