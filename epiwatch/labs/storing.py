"""The pipeline's last two steps: store a batch of valid, matched, authorized results, then act on them.

Idempotency (a result arriving twice is stored once):

- with an external id (the sample code): the same submitter and external id is the same result. Arriving again
  with the same person, type, sample time and result it is a duplicate; with another result it is refused
  ("conflicts with the result already stored (positive, 02/11/2021)"): corrections go through `amend`. One
  exception: a stored *pending* result is completed by its final result (the lab's usual two steps);
- without one: the same person, type, sample time and result is a duplicate. The same person, type and sample
  time with ANOTHER result is stored, flagged for review (two results for one sample);
- inside one batch the same rules apply between its rows ("the same sample id as row 5, but ...").

Each result gets `area` and `province_code` from the person's residence (the submitter's area when the person's
residence is unknown, so that the result is not invisible to every area organization).

Queries per batch: the residences (only areas not seen before), the stored results with the batch's external
ids, the stored results of the batch's people around its sample times, the pools it names, the insert and its
audit events; `act` adds the re-test links, the tasks and `cases.ingest.on_results`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _

from epiwatch.labs import bulk, pools
from epiwatch.labs.models import Outcome, TestResult, TestType
from epiwatch.lib import dates
from epiwatch.lib.importing import RowError
from epiwatch.people.matching import MatchOutcome
from epiwatch.tasks.models import TaskKind, TaskSpec, raise_many

REVIEW_DUE_DAYS = 2


def _day(moment) -> str:
    return dates.local_date(moment).strftime("%d/%m/%Y")


def _same_result(a, b) -> bool:
    """Two (person key, type, sample time, result, ct, pool code) tuples are the same result."""
    return a == b


def store(cleans: Sequence, matched: Sequence[MatchOutcome], context) -> list:
    """ItemOutcomes for a batch of valid rows and their matched people, in order; inserts the new results."""
    from epiwatch.labs.pipeline import ItemOutcome, Status

    org = context.organization
    people = [m.person for m in matched]
    areas = context.areas(p.residence_id for p in people)

    external_ids = {c.external_id for c in cleans if c.external_id}
    by_external: dict[str, TestResult] = {}
    if external_ids:
        stored = TestResult.objects.filter(submitter=org, external_id__in=external_ids).exclude(
            external_id=""
        )
        by_external = {r.external_id: r for r in stored}

    # without an external id: the results stored for these people around these sample times
    plain = [(c, p) for c, p in zip(cleans, people, strict=True) if not c.external_id and p.pk is not None]
    by_sample: dict[tuple, dict[str, object]] = {}
    if plain:
        # every column of result_person_sample_idx constrained: a few index probes, never a scan of the table
        rows = TestResult.objects.filter(
            person_id__in={p.pk for _c, p in plain},
            test_type__in={c.test_type for c, _p in plain},
            sampled_at__in={c.sampled_at for c, _p in plain},
        ).values_list("person_id", "test_type", "sampled_at", "result", "public_id")
        for person_id, test_type, sampled_at, result, public_id in rows:
            by_sample.setdefault((person_id, test_type, sampled_at), {})[result] = public_id

    book = pools.PoolBook(org, (c.pool_code for c in cleans))
    seen_external: dict[str, tuple[tuple, ItemOutcome]] = {}
    seen_sample: dict[tuple, ItemOutcome] = {}
    outcomes: list[ItemOutcome] = []
    new: list[TestResult] = []

    for clean, match in zip(cleans, matched, strict=True):
        person = match.person
        person_key = person.pk if person.pk is not None else id(person)
        fingerprint = (
            person_key,
            clean.test_type,
            clean.sampled_at,
            clean.result,
            clean.ct_value,
            clean.pool_code,
        )
        outcome = ItemOutcome(clean.number, Status.ACCEPTED, person_id=person.public_id, clean=clean)
        outcomes.append(outcome)

        def duplicate_of(first: ItemOutcome | None, public_id=None, outcome=outcome, clean=clean) -> None:
            if first is not None and first.status == Status.REJECTED:
                # the repeat of a refused row is refused for the same reasons
                outcome.status = Status.REJECTED
                outcome.errors = [RowError(e.column, e.message, clean.number) for e in first.errors]
                return
            outcome.status = Status.DUPLICATE
            outcome.result_id = public_id if first is None else first.result_id

        def refuse(column: str | None, message: str, outcome=outcome, clean=clean) -> None:
            outcome.status = Status.REJECTED
            outcome.errors.append(RowError(column, message, clean.number))

        # a dry run stores nothing: what earlier batches "stored" is remembered as hashes instead
        dry_keys = ()
        if context.dry_run:
            identity = clean.identity()
            dry_keys = (
                (hash(("x", clean.external_id)),)
                if clean.external_id
                else (hash(("s", identity, clean.test_type, clean.sampled_at, clean.result)),)
            )
            if any(k in context._seen for k in dry_keys):
                duplicate_of(None)
                continue

        if clean.external_id:
            first = seen_external.get(clean.external_id)
            if first is not None:
                if _same_result(first[0], fingerprint):
                    duplicate_of(first[1])
                else:
                    refuse(
                        "external_id",
                        _("the same sample id as row %(row)s, but with a different result or person")
                        % {"row": first[1].number},
                    )
                continue
            seen_external[clean.external_id] = (fingerprint, outcome)
            old = by_external.get(clean.external_id)
            if old is not None:
                same_sample = old.person_id == person.pk and old.test_type == clean.test_type
                if same_sample and old.result == clean.result and old.sampled_at == clean.sampled_at:
                    duplicate_of(None, old.public_id)
                elif same_sample and old.result == Outcome.PENDING and clean.result != Outcome.PENDING:
                    old.result, old.resulted_at = clean.result, clean.resulted_at
                    old.ct_value = clean.ct_value if clean.ct_value is not None else old.ct_value
                    old.person = person
                    if not context.dry_run:
                        old.save()
                        outcome.record = old
                    outcome.result_id = old.public_id
                else:
                    refuse(
                        "external_id",
                        _("conflicts with the result already stored (%(result)s, %(day)s)")
                        % {"result": old.result, "day": _day(old.sampled_at)},
                    )
                continue
        else:
            key = (person_key, clean.test_type, clean.sampled_at, clean.result)
            first = seen_sample.get(key)
            if first is not None:
                duplicate_of(first)
                continue
            seen_sample[key] = outcome
            others = by_sample.get((person.pk, clean.test_type, clean.sampled_at), {})
            if clean.result in others:
                duplicate_of(None, others[clean.result])
                continue

        pool = book.take(clean)
        if isinstance(pool, RowError):
            outcome.status = Status.REJECTED
            outcome.errors.append(pool)
            continue

        notes = list(match.conflict_messages())
        if not clean.external_id:
            others = by_sample.get((person.pk, clean.test_type, clean.sampled_at), {})
            differing = sorted(set(others) - {clean.result})
            if differing:
                notes.append(
                    _("another result (%(results)s) is stored for the same test and sample time")
                    % {"results": ", ".join(differing)}
                )
        area = areas.get(person.residence_id) or org.area
        result = TestResult(
            person=person,
            test_type=clean.test_type,
            sampled_at=clean.sampled_at,
            resulted_at=clean.resulted_at,
            result=clean.result,
            ct_value=clean.ct_value,
            reason=clean.reason,
            submitter=org,
            external_id=clean.external_id,
            pool=pool,
            batch=context.batch,
            area=area,
            province_code=area.province_code,
            needs_review=bool(notes),
            review_note="; ".join(notes)[:300],
        )
        outcome.status = Status.REVIEW if notes else Status.ACCEPTED
        outcome.result_id = result.public_id
        outcome.record = result
        new.append(result)
        context._seen.update(dry_keys)

    if not context.dry_run:
        book.save()  # before the results: they point at the new pools
        bulk.insert_audited(new)  # bulk_create() + audit.record_many(), at a fraction of the cost
        context.statistics.inserted(TestResult, len(new))
    return outcomes


def act(outcomes: Sequence, context) -> None:
    """What the stored results set going: re-test links and tasks of pools, review tasks, and the cases."""
    from epiwatch.cases import ingest

    results = [o.record for o in outcomes if o.record is not None]
    if not results:
        return
    pools.link_retests(results)
    linked = [
        r for r in results if r.test_type == TestType.RT_PCR and r.pool is not None and r.pk is not None
    ]
    if linked:
        TestResult.objects.bulk_update(linked, ["pool"])
    pools.close_retest_tasks(results)

    specs = pools.retest_tasks(results, context.assignees)
    for result in results:
        if result.needs_review:
            day = dates.local_date(result.resulted_at or result.sampled_at)
            specs.append(
                TaskSpec(
                    kind=TaskKind.REVIEW_RESULT,
                    organization=result.submitter,
                    person=result.person,
                    about=result,
                    title=_("Check the result of %(name)s: %(note)s")
                    % {"name": result.person.full_name, "note": result.review_note},
                    due_date=max(day, dates.local_date(context.now)) + dt.timedelta(days=REVIEW_DUE_DAYS),
                )
            )
    raise_many(specs)
    ingest.on_results([r for r in results if ingest.concerns(r)], assignees=context.assignees)
