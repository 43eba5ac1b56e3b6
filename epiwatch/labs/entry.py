"""Quick entry: one result at a time, for a queue of people at a commune station or a screening point.

    entry = enter(values, context, person=chosen)    # values: the spreadsheet columns as text

Every entry goes through the one pipeline (`labs.pipeline`): a person typed in (national ID, name, birth, sex,
phone, commune) is matched or registered by `people.matching` like a spreadsheet row; a person the user picked
from the lookup is taken as is (`submit_for_person`, see below). Entries are grouped per user, organization and
day in an ImportBatch with source `form`, so that a result says how it arrived and the page can list the user's
last entries. An entry is undone by an amendment (the result becomes `invalid`, the old value stays in the audit
trail, and a case it opened is taken back), never by a deletion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.cases.models import CaseEvent
from epiwatch.labs import amendments, pipeline, storing
from epiwatch.labs.models import ImportBatch, Outcome, TestResult
from epiwatch.labs.pipeline import Context, ItemOutcome, Status
from epiwatch.lib import dates
from epiwatch.people.matching import MatchOutcome
from epiwatch.people.models import Person

SOURCE = "form"
RECENT = 15
PICKED = "picked"  # the MatchOutcome level of a person the user chose from the lookup
PERSON_COLUMNS = ("national_id", "full_name", "date_of_birth", "sex", "phone", "commune_code", "address")


@dataclass
class Entry:
    """What became of one quick entry: the pipeline's outcome, the stored result, what it did to cases."""

    outcome: ItemOutcome
    result: TestResult | None = None
    case_events: list[CaseEvent] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        return self.outcome.stored

    @property
    def duplicate(self) -> bool:
        return self.outcome.status == Status.DUPLICATE


def todays_batch(organization, user) -> ImportBatch:
    """The user's quick-entry batch of today for `organization` (created on the first entry of the day)."""
    start = dt.datetime.combine(timezone.localdate(), dt.time(0), tzinfo=dates.LOCAL_TZ)
    batch = (
        ImportBatch.objects.filter(
            organization=organization, uploaded_by=user, source=SOURCE, created_at__gte=start
        )
        .order_by("created_at")
        .first()
    )
    if batch is None:
        now = timezone.now()
        batch = ImportBatch.objects.create(
            organization=organization,
            uploaded_by=user,
            source=SOURCE,
            file_name=_("quick entry"),
            status=ImportBatch.Status.DONE,
            started_at=now,
            finished_at=now,
        )
    return batch


def person_values(person: Person) -> dict[str, str]:
    """The identity columns of a picked person, for validation: the registry's own values."""
    values = {"full_name": person.full_name}
    if person.national_id:
        values["national_id"] = person.national_id
    if person.date_of_birth:
        values["date_of_birth"] = person.date_of_birth.strftime("%d/%m/%Y")
    elif person.birth_year:
        values["date_of_birth"] = str(person.birth_year)
    if person.sex in ("M", "F"):
        values["sex"] = person.sex
    return values


def submit_for_person(person: Person, item: dict, context: Context) -> ItemOutcome:
    """The pipeline for a person already chosen: parse, validate, authorize, store, act -- every step but
    `match`, which would look again for someone the user has just picked (and, for a child without national ID
    or phone, could not be sure). Adapter until the pipeline takes a chosen person itself."""
    values = {k: v for k, v in item.items() if k not in PERSON_COLUMNS}
    try:
        clean = pipeline.validate(pipeline.parse({**values, **person_values(person)}, 1), context)
    except pipeline.Invalid as invalid:
        return ItemOutcome(1, Status.REJECTED, invalid.errors)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                refused = pipeline.authorize([clean], [person], context)
                if refused:
                    return ItemOutcome(1, Status.REJECTED, list(refused.values()), clean=clean)
                [outcome] = storing.store([clean], [MatchOutcome(person=person, level=PICKED)], context)
                if outcome.stored:
                    storing.act([outcome], context)
                return outcome
        except IntegrityError:
            # the same sample id stored by a concurrent request meanwhile: the second pass finds it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def enter(item: dict, context: Context, person: Person | None = None) -> Entry:
    """One result through the pipeline (for `person` when the user picked one); counts it on the batch."""
    if person is not None:
        outcome = submit_for_person(person, item, context)
    else:
        [outcome] = pipeline.submit([item], context)
    if context.batch is not None:
        counts = {"rows_total": F("rows_total") + 1, "rows_done": F("rows_done") + 1}
        column = {Status.DUPLICATE: "duplicates", Status.REJECTED: "rejected"}.get(outcome.status, "accepted")
        counts[column] = F(column) + 1
        ImportBatch.objects.filter(pk=context.batch.pk).update(**counts)
    entry = Entry(outcome)
    if outcome.result_id is not None:
        entry.result = TestResult.objects.select_related("person").filter(public_id=outcome.result_id).first()
    if entry.result is not None and entry.stored:
        entry.case_events = list(CaseEvent.objects.filter(result=entry.result).select_related("case"))
    return entry


def recent_entries(results, user, limit: int = RECENT):
    """The user's last quick entries (any day), newest first; `results` is what the user may see."""
    return (
        results.filter(batch__uploaded_by=user, batch__source=SOURCE)
        .select_related("person")
        .order_by("-created_at", "-pk")[:limit]
    )


def undo(result: TestResult, user):
    """Take back an entry typed by mistake: an amendment to `invalid` (the audit trail keeps the old value; a
    case the result opened is taken back). Raises ValidationError when it is invalid already."""
    return amendments.amend(result, result=Outcome.INVALID, reason_text=_("Undone in quick entry"), user=user)
