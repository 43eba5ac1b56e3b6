"""What a test result does to cases: THE one place a positive (or a negative RT-PCR) becomes a case change.

    change = on_result(result)          # one result (an amendment, the quick-entry page)
    changes = on_results(results)       # a batch (the pipeline): a few queries whatever its size

The confirmation rule set in force on the sample date decides (`epiwatch.policy.confirmation`, RULES.md §3):

- until 28 Dec 2021 (BYT-2022): an RT-PCR positive confirms a case (a new one, or the person's suspected case is
  upgraded); an antigen positive opens a SUSPECTED case awaiting PCR, with a CONFIRM_PCR task for the commune;
- from 29 Dec 2021 (BYT-DP-11042): an antigen positive also confirms in an F1, with compatible symptoms (we
  read the result's reason "symptoms" as such), or as the second of two antigen positives within the rule set's
  hours with an epidemiological link (we read the reason "contact" as the link). `is_f1` is always False until
  the tracing issue lands and derives F1 status from exposures;
- an RT-PCR negative within DISCARD_WITHIN_DAYS days after the sample that made a suspected case discards it;
- a positive pool confirms nobody (the labs pipeline raises the members' re-test tasks).

A case stores the rule that decided it as `confirmation/<version>/<rule>`; its detection setting comes from the
result's reason (shift screening -> workplace, travel -> point of entry, anything else community: the tracing
issue refines it with quarantine and locked-down areas); its area is the person's residence (the result's area);
a CaseEvent on its timeline names the result. A new confirmed case (or an upgraded one) gets an
INVESTIGATE_CASE task for the commune station of residence, else the district centre.

Idempotent: every change leaves a CaseEvent pointing at the result with the value it applied, and a result
whose value was applied already does nothing more. An amended result (another value than the one applied) moves
the case it changed to what the new value means, or back to what it was before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction
from epiwatch.cases.models import Case, CaseEvent, CaseOutcome, Classification, DetectionSetting
from epiwatch.labs.models import ANTIGEN_TYPES, Outcome, Reason, TestResult, TestType
from epiwatch.lib import dates
from epiwatch.policy import confirmation, rulesets, terms
from epiwatch.tasks.models import Task, TaskKind, TaskSpec, TaskStatus, close_many, raise_many

# How long after the sample of an antigen positive a negative RT-PCR still discards the suspected case. Not in
# the confirmation rule sets yet (policy/ owns them): it belongs there as data.
DISCARD_WITHIN_DAYS = 7
TASK_DUE_DAYS = 1

# labs' test types in the policy's words
POLICY_TEST_TYPES = {
    TestType.RT_PCR: "rt_pcr",
    TestType.POOLED_RT_PCR: "pooled_rt_pcr",
    TestType.ANTIGEN: "antigen_professional",
    TestType.ANTIGEN_SELF: "antigen_self",
}

DETECTION_BY_REASON = {
    Reason.SHIFT_SCREENING: DetectionSetting.WORKPLACE,
    Reason.TRAVEL: DetectionSetting.POINT_OF_ENTRY,
}

OPENED, CONFIRMED, DISCARDED, AMENDED = "opened", "confirmed", "discarded", "amended"


@dataclass
class CaseChange:
    """What one result did: opened a case, confirmed (upgraded) one, discarded one, or amended one."""

    case: Case
    action: str
    classification: str
    rule: str
    result: TestResult


def concerns(result: TestResult) -> bool:
    """Whether a result can change a case at all: a positive that is not a pool's, or a negative RT-PCR."""
    if result.test_type == TestType.POOLED_RT_PCR:
        return False
    return result.result == Outcome.POSITIVE or (
        result.test_type == TestType.RT_PCR and result.result == Outcome.NEGATIVE
    )


def rule_name(ruleset, decided: str) -> str:
    """'BYT-2022:rt-pcr-positive' -> 'confirmation/BYT-2022/rt-pcr-positive' (family/version/clause)."""
    return f"{ruleset.family}/{decided.replace(':', '/', 1)}"


def sample_date(result: TestResult) -> dt.date:
    return dates.local_date(result.sampled_at)


def _event_day(result: TestResult) -> dt.datetime:
    return result.resulted_at or result.sampled_at


@dataclass
class _Batch:
    """What on_results() reads once for a batch and the changes it writes at the end."""

    assignees: object
    applied: dict[int, CaseEvent] = field(default_factory=dict)  # result pk -> its latest event
    active: dict[int, list[Case]] = field(
        default_factory=dict
    )  # person pk -> active suspected/confirmed cases
    antigen_positives: dict[int, list[tuple[dt.datetime, int]]] = field(default_factory=dict)
    new_cases: list[Case] = field(default_factory=list)
    changed_cases: dict[int, Case] = field(default_factory=dict)  # id() -> case
    events: list[CaseEvent] = field(default_factory=list)
    tasks: list[TaskSpec] = field(default_factory=list)
    close: list[tuple[Case, str, str]] = field(default_factory=list)  # (case, status, note) for CONFIRM_PCR

    def case_of(self, person_id: int) -> Case | None:
        cases = self.active.get(person_id) or []
        return cases[-1] if cases else None


def on_result(result: TestResult) -> CaseChange | None:
    """The case change one result makes, None when it makes none (or made it already)."""
    changes = on_results([result])
    return changes[0] if changes else None


def on_results(results: Iterable[TestResult], assignees=None) -> list[CaseChange]:
    """on_result() for a batch, applied in sample-time order. Queries: the events already made by these results,
    the people's active cases, (for antigen positives with a contact reason) their earlier antigen positives,
    then the inserts (cases, their audit events, case events, tasks) and one save per case changed."""
    from epiwatch.tasks.routing import Assignees

    results = sorted((r for r in results if r.pk is not None), key=lambda r: (r.sampled_at, r.pk))
    if not results:
        return []
    # what the steps read of each result: one query per relation, none when the pipeline's objects carry them
    prefetch_related_objects(results, "person", "area", "submitter")
    batch = _Batch(assignees=assignees or Assignees())
    for event in CaseEvent.objects.filter(result__in=results).select_related("case").order_by("at", "id"):
        batch.applied[event.result_id] = event
    people = {r.person_id for r in results}
    for case in Case.objects.filter(
        person_id__in=people,
        outcome=CaseOutcome.ACTIVE,
        classification__in=(Classification.SUSPECTED, Classification.CONFIRMED),
    ).order_by("sample_date", "id"):
        batch.active.setdefault(case.person_id, []).append(case)
    _read_antigen_positives(batch, results)

    changes = []
    with transaction.atomic():
        for result in results:
            change = _apply(result, batch)
            if change is not None:
                changes.append(change)
        _write(batch)
    return changes


def _read_antigen_positives(batch: _Batch, results: list[TestResult]) -> None:
    """Earlier antigen positives of the people whose antigen positive may be the second of a linked pair."""
    wanted = [
        r
        for r in results
        if r.test_type in ANTIGEN_TYPES and r.result == Outcome.POSITIVE and r.reason == Reason.CONTACT
    ]
    if not wanted:
        return
    hours = max((_ruleset(r).rules.antigen_pair_within_hours or 0) for r in wanted)
    if not hours:
        return
    rows = TestResult.objects.filter(
        person_id__in={r.person_id for r in wanted},
        test_type__in=ANTIGEN_TYPES,
        result=Outcome.POSITIVE,
        sampled_at__gte=min(r.sampled_at for r in wanted) - dt.timedelta(hours=hours),
        sampled_at__lte=max(r.sampled_at for r in wanted),
    ).values_list("person_id", "sampled_at", "pk")
    for person_id, sampled_at, pk in rows:
        batch.antigen_positives.setdefault(person_id, []).append((sampled_at, pk))


def _ruleset(result: TestResult):
    return rulesets.in_force("confirmation", sample_date(result))


def _context(result: TestResult, batch: _Batch, ruleset, suspected: Case | None) -> confirmation.Context:
    pair = False
    hours = ruleset.rules.antigen_pair_within_hours
    if hours and result.test_type in ANTIGEN_TYPES and result.reason == Reason.CONTACT:
        earliest = result.sampled_at - dt.timedelta(hours=hours)
        pair = any(
            earliest <= at < result.sampled_at or (at == result.sampled_at and pk < result.pk)
            for at, pk in batch.antigen_positives.get(result.person_id, ())
            if pk != result.pk
        )
    is_suspected = False
    if suspected is not None and suspected.classification == Classification.SUSPECTED:
        days = (sample_date(result) - (suspected.sample_date or sample_date(result))).days
        is_suspected = 0 <= days <= DISCARD_WITHIN_DAYS
    return confirmation.Context(
        is_f1=False,  # until the tracing issue derives it from exposures
        has_symptoms=result.reason == Reason.SYMPTOMS,
        previous_antigen_positive_within_8h_with_link=pair,
        is_suspected=is_suspected,
    )


def _classify(result: TestResult, batch: _Batch, case: Case | None) -> tuple[str, str]:
    ruleset = _ruleset(result)
    if result.result not in terms.RESULTS:
        return "none", ""
    decided = confirmation.classify(
        POLICY_TEST_TYPES[result.test_type],
        result.result,
        sample_date(result),
        _context(result, batch, ruleset, case),
        ruleset=ruleset,
    )
    return decided.classification, rule_name(ruleset, decided.rule_name)


def _apply(result: TestResult, batch: _Batch) -> CaseChange | None:
    previous = batch.applied.get(result.pk)
    if previous is not None:
        if (
            previous.data.get("outcome") == result.result
            and previous.data.get("test_type") == result.test_type
        ):
            return None  # applied already
        return _amend(result, previous, batch)
    if not concerns(result):
        return None
    case = batch.case_of(result.person_id)
    classification, rule = _classify(result, batch, case)
    if classification == Classification.CONFIRMED:
        if case is None:
            return _open(result, batch, Classification.CONFIRMED, rule)
        if case.classification == Classification.CONFIRMED:
            return None  # already a confirmed case
        return _change(result, batch, case, Classification.CONFIRMED, rule, CONFIRMED)
    if classification == Classification.SUSPECTED:
        if case is not None:
            return None  # already suspected (awaiting PCR) or confirmed
        return _open(result, batch, Classification.SUSPECTED, rule)
    if classification == Classification.DISCARDED and case is not None:
        return _change(result, batch, case, Classification.DISCARDED, rule, DISCARDED)
    return None


def _open(result: TestResult, batch: _Batch, classification: str, rule: str) -> CaseChange:
    area = result.area or result.person.residence or result.submitter.area
    case = Case(
        person=result.person,
        classification=classification,
        classification_rule=rule[:120],
        detection_setting=DETECTION_BY_REASON.get(result.reason, DetectionSetting.COMMUNITY),
        sample_date=sample_date(result),
        report_date=dates.local_date(_event_day(result)),
        area=area,
        province_code=area.province_code,
        source_result=result,
    )
    batch.new_cases.append(case)
    batch.active.setdefault(result.person_id, []).append(case)
    text = (
        _("Confirmed case opened: %(type)s positive, sampled %(day)s")
        if classification == Classification.CONFIRMED
        else _("Suspected case opened: %(type)s positive, sampled %(day)s; awaiting RT-PCR")
    )
    _event(batch, case, result, OPENED, text, rule, before=None)
    _tasks_for(batch, case, result, classification)
    return CaseChange(case, OPENED, classification, rule, result)


def _change(
    result: TestResult, batch: _Batch, case: Case, classification: str, rule: str, action: str
) -> CaseChange:
    before = case.classification
    case.classification = classification
    case.classification_rule = rule[:120]
    if classification == Classification.DISCARDED:
        batch.active[case.person_id] = [c for c in batch.active.get(case.person_id, []) if c is not case]
    elif case not in batch.active.setdefault(case.person_id, []):
        batch.active[case.person_id].append(case)
    if case.pk is not None:
        batch.changed_cases[id(case)] = case
    texts = {
        CONFIRMED: _("Confirmed by %(type)s positive, sampled %(day)s"),
        DISCARDED: _("Discarded: %(type)s negative, sampled %(day)s"),
        AMENDED: _("Classification changed: the %(type)s result of %(day)s was amended"),
    }
    _event(batch, case, result, action, texts[action], rule, before=before)
    if classification == Classification.CONFIRMED:
        batch.close.append((case, TaskStatus.DONE, _("confirmed by RT-PCR")))
    elif classification == Classification.DISCARDED:
        batch.close.append((case, TaskStatus.CANCELLED, _("discarded")))
    _tasks_for(batch, case, result, classification)
    return CaseChange(case, action, classification, rule, result)


def _amend(result: TestResult, previous: CaseEvent, batch: _Batch) -> CaseChange | None:
    """The result was amended after it changed `previous.case`: move that case to what the new value means, or
    back to what it was before the result (a case the result opened is discarded)."""
    case = previous.case
    before = previous.data.get("before")
    classification, rule = _classify(result, batch, case if before == Classification.SUSPECTED else None)
    if not concerns(result):
        classification = "none"
    if classification not in (Classification.CONFIRMED, Classification.SUSPECTED, Classification.DISCARDED):
        classification = before or Classification.DISCARDED
        rule = f"amendment/{result.public_id}"
    if case.classification == classification:
        _event(
            batch, case, result, AMENDED, _("The %(type)s result of %(day)s was amended"), rule, before=before
        )
        return None
    change = _change(result, batch, case, classification, rule, AMENDED)
    batch.events[-1].data["before"] = before  # what the case was before this result, still
    return change


def _event(batch: _Batch, case: Case, result: TestResult, kind: str, text: str, rule: str, before) -> None:
    batch.events.append(
        CaseEvent(
            case=case,
            at=_event_day(result),
            kind=kind,
            text=(
                text
                % {"type": result.get_test_type_display(), "day": sample_date(result).strftime("%d/%m/%Y")}
            )[:400],
            result=result,
            data={
                "result": str(result.public_id),
                "outcome": result.result,
                "test_type": result.test_type,
                "rule": rule,
                "before": before,
            },
        )
    )


def _tasks_for(batch: _Batch, case: Case, result: TestResult, classification: str) -> None:
    organization = batch.assignees.for_area(case.area, fallback=result.submitter)
    due = max(case.report_date, dates.local_date(_event_day(result))) + dt.timedelta(days=TASK_DUE_DAYS)
    name = result.person.full_name
    if classification == Classification.CONFIRMED:
        batch.tasks.append(
            TaskSpec(
                kind=TaskKind.INVESTIGATE_CASE,
                organization=organization,
                person=result.person,
                about=case,
                title=_("Investigate the new case %(name)s") % {"name": name},
                due_date=due,
            )
        )
    elif classification == Classification.SUSPECTED:
        batch.tasks.append(
            TaskSpec(
                kind=TaskKind.CONFIRM_PCR,
                organization=organization,
                person=result.person,
                about=case,
                title=_("Take an RT-PCR sample of %(name)s (antigen positive)") % {"name": name},
                due_date=due,
            )
        )


def _write(batch: _Batch) -> None:
    if batch.new_cases:
        Case.objects.bulk_create(batch.new_cases, batch_size=500)
        audit.record_many(AuditAction.CREATE, batch.new_cases)
    for case in batch.changed_cases.values():
        case.save()
    CaseEvent.objects.bulk_create(batch.events, batch_size=500)
    raise_many(batch.tasks)
    if batch.close:
        about_ids = {str(case.public_id) for case, _status, _note in batch.close}
        open_tasks = {
            t.about_id: t
            for t in Task.objects.open().filter(
                kind=TaskKind.CONFIRM_PCR, about_model=Case._meta.label_lower, about_id__in=about_ids
            )
        }
        for case, status, note in batch.close:
            task = open_tasks.pop(str(case.public_id), None)
            if task is not None:
                close_many([task], status=status, note=note)
