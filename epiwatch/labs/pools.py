"""Pooled RT-PCR: several people's samples tested together.

The rows of a pool are the members' results: type pooled_rt_pcr, the pool's sample code in `pool_id`, the pool's
result. A submitter's pool codes are its own (two labs may both have a pool "G-001"). A negative pool records a
negative result for every member; a positive pool confirms nobody (the confirmation rules say so) and raises a
RETEST task for each member, for the commune station of where they live (else the submitter). The individual
RT-PCR of a member that follows, within RETEST_WINDOW_DAYS, is linked to the pool (`TestResult.pool`, with type
rt_pcr) and closes that member's re-test task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, Organization
from epiwatch.labs.models import Outcome, Pool, TestResult, TestType
from epiwatch.lib import dates
from epiwatch.lib.importing import RowError
from epiwatch.tasks.models import Task, TaskKind, TaskSpec, close_many

RETEST_WINDOW_DAYS = 7
RETEST_DUE_DAYS = 1


class PoolBook:
    """The pools a batch names, read in one query; new pools and result changes written by save()."""

    def __init__(self, submitter: Organization, codes: Iterable[str]):
        self.submitter = submitter
        codes = {c for c in codes if c}
        self.pools: dict[str, Pool] = (
            {p.code: p for p in Pool.objects.filter(submitter=submitter, code__in=codes)} if codes else {}
        )
        self.new: list[Pool] = []
        self.changed: dict[str, Pool] = {}

    def take(self, clean) -> Pool | RowError | None:
        """The pool of a valid row (creating it on its first pooled row), or the RowError why not."""
        code = clean.pool_code
        if not code:
            return None
        pool = self.pools.get(code)
        if clean.test_type != TestType.POOLED_RT_PCR:  # an individual re-test naming its pool
            if pool is None or pool.pk is None and pool not in self.new:
                return RowError(
                    "pool_id",
                    _("no pool %(code)s of %(org)s is known") % {"code": code, "org": self.submitter.name},
                    clean.number,
                )
            return pool
        if pool is None:
            pool = Pool(
                submitter=self.submitter,
                code=code,
                sampled_at=clean.sampled_at,
                resulted_at=clean.resulted_at,
                result=clean.result,
            )
            self.pools[code] = pool
            self.new.append(pool)
            return pool
        if pool.result == clean.result:
            return pool
        if pool.result == Outcome.PENDING:
            pool.result, pool.resulted_at = clean.result, clean.resulted_at
            if pool.pk is not None:
                self.changed[code] = pool
            return pool
        return RowError(
            "result",
            _("pool %(code)s was reported %(pool)s; this row says %(row)s")
            % {"code": code, "pool": pool.result, "row": clean.result},
            clean.number,
        )

    def save(self) -> None:
        if self.new:
            Pool.objects.bulk_create(self.new)
            audit.record_many(AuditAction.CREATE, self.new)
        for pool in self.changed.values():
            pool.save()


def link_retests(results: list[TestResult]) -> None:
    """Set `pool` on individual RT-PCR results of people who were in a positive pool in the days before
    (one query for the batch). Results that name their pool already keep it."""
    wanted = [
        r for r in results if r.test_type == TestType.RT_PCR and r.pool is None and r.person.pk is not None
    ]
    if not wanted:
        return
    first = min(r.sampled_at for r in wanted) - dt.timedelta(days=RETEST_WINDOW_DAYS)
    last = max(r.sampled_at for r in wanted)
    positive_pools: dict[int, list[tuple[dt.datetime, int]]] = {}
    for person_id, pool_id, sampled_at in TestResult.objects.filter(
        person_id__in={r.person.pk for r in wanted},
        test_type=TestType.POOLED_RT_PCR,
        result=Outcome.POSITIVE,
        sampled_at__gte=first,
        sampled_at__lte=last,
        pool__isnull=False,
    ).values_list("person_id", "pool_id", "sampled_at"):
        positive_pools.setdefault(person_id, []).append((sampled_at, pool_id))
    pools = Pool.objects.in_bulk({pool_id for hits in positive_pools.values() for _at, pool_id in hits})
    for result in wanted:
        window = result.sampled_at - dt.timedelta(days=RETEST_WINDOW_DAYS)
        earlier = [
            (at, pool_id)
            for at, pool_id in positive_pools.get(result.person.pk, ())
            if window <= at <= result.sampled_at
        ]
        if earlier:
            result.pool = pools[max(earlier)[1]]


def retest_tasks(results: list[TestResult], assignees) -> list[TaskSpec]:
    """A RETEST task for each member of a positive pool among `results`."""
    specs = []
    for result in results:
        if (
            result.test_type != TestType.POOLED_RT_PCR
            or result.result != Outcome.POSITIVE
            or result.pool is None
        ):
            continue
        organization = assignees.commune_station(result.area) or result.submitter
        day = dates.local_date(result.resulted_at or result.sampled_at)
        specs.append(
            TaskSpec(
                kind=TaskKind.RETEST,
                organization=organization,
                person=result.person,
                about=result.pool,
                title=_("Re-test %(name)s individually: pool %(code)s is positive")
                % {"name": result.person.full_name, "code": result.pool.code},
                due_date=day + dt.timedelta(days=RETEST_DUE_DAYS),
            )
        )
    return specs


def close_retest_tasks(results: list[TestResult]) -> int:
    """The individual re-test arrived: the member's RETEST task of that pool is done (one query, one update)."""
    retests = {
        (r.person.pk, str(r.pool.public_id)): r
        for r in results
        if r.test_type == TestType.RT_PCR and r.pool is not None and r.person.pk is not None
    }
    if not retests:
        return 0
    open_tasks = Task.objects.open().filter(
        kind=TaskKind.RETEST,
        about_model=Pool._meta.label_lower,
        about_id__in={pool_id for _person, pool_id in retests},
        person_id__in={person for person, _pool_id in retests},
    )
    by_outcome: dict[str, list[Task]] = {}
    for task in open_tasks:
        result = retests.get((task.person_id, task.about_id))
        if result is not None:
            by_outcome.setdefault(result.result, []).append(task)
    return sum(
        close_many(tasks, note=_("re-tested individually by RT-PCR: %(result)s") % {"result": outcome})
        for outcome, tasks in by_outcome.items()
    )
