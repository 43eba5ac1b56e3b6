"""Keeping each person's derived vaccination state in step with their doses.

Whenever doses of some people are written (a form, an import batch, the API, the demo), `refresh(person_ids)`
recomputes from their whole history: the review flags of each dose (`schedule.review`) and the person's
`VaccinationStatus` row (first dose, completed series, booster; residence and birth copied for coverage). Cost for
a batch: one read of the people, one of their doses, one upsert of the statuses, one update of the flags that
changed. `rebuild()` does the same for everybody (after a merge, an edited birth date or residence, or to repair)
in one streamed pass over the doses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction
from epiwatch.people.models import Person
from epiwatch.vaccination import schedule
from epiwatch.vaccination.models import Dose, Product, VaccinationStatus

CHUNK = 2000
REBUILD_CHUNK = 5000
UPSERT_BATCH = 500
COPY_FROM = 200  # statuses from which PostgreSQL loads them through COPY
# what _write() reads of a person and of each dose, in this order
PERSON_FIELDS = ("pk", "residence_id", "residence__path", "date_of_birth", "birth_year", "merged_into_id")
DOSE_FIELDS = (
    "pk",
    "person_id",
    "dose_number",
    "given_on",
    "product_id",
    "needs_review",
    "review_flags",
    "public_id",
)
STATUS_COLUMNS = (
    "person_id",
    "area_id",
    "province_code",
    "born_on",
    "doses",
    "first_on",
    "full_on",
    "booster_on",
    "refreshed_at",
)


def born_on(date_of_birth: dt.date | None, birth_year: int | None) -> dt.date | None:
    """The birth date coverage counts ages from: 1 January of the year when only the year is known."""
    if date_of_birth is not None:
        return date_of_birth
    return dt.date(birth_year, 1, 1) if birth_year else None


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@transaction.atomic
def refresh(person_ids: Iterable[int]) -> int:
    """Recompute the flags and statuses of these people; returns how many statuses exist for them now."""
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    products = {p.pk: p for p in Product.objects.all()}
    kept = 0
    for chunk in _chunks(ids):
        people = {row[0]: row for row in Person.objects.filter(pk__in=chunk).values_list(*PERSON_FIELDS)}
        doses: dict[int, list[tuple]] = defaultdict(list)
        for row in Dose.objects.filter(person_id__in=chunk).values_list(*DOSE_FIELDS):
            doses[row[1]].append(row)
        kept += _write(chunk, people, doses, products)
    return kept


def rebuild(province_code: str | None = None) -> int:
    """Refresh everybody who has doses (recorded in one province): one streamed pass over the doses with their
    people, written a few thousand people at a time; statuses of people without doses any more are deleted.
    Returns the number of statuses."""
    doses = Dose.objects.all()
    statuses = VaccinationStatus.objects.all()
    if province_code:
        doses = doses.filter(province_code=province_code)
        statuses = statuses.filter(province_code=province_code)
    products = {p.pk: p for p in Product.objects.all()}
    rows = (
        doses.order_by("person_id", "given_on", "dose_number")
        .values_list(*DOSE_FIELDS, *(f"person__{f}" for f in PERSON_FIELDS[1:]))
        .iterator(chunk_size=10_000)
    )
    total = 0
    people: dict[int, tuple] = {}
    by_person: dict[int, list[tuple]] = defaultdict(list)
    with transaction.atomic():
        statuses.exclude(person_id__in=Dose.objects.values("person_id")).delete()
        for row in rows:
            person_id = row[1]
            if person_id not in people:
                if len(people) >= REBUILD_CHUNK:
                    total += _write(list(people), people, by_person, products)
                    people, by_person = {}, defaultdict(list)
                people[person_id] = (person_id, *row[len(DOSE_FIELDS) :])
            by_person[person_id].append(row[: len(DOSE_FIELDS)])
        total += _write(list(people), people, by_person, products)
    return total


def _write(ids: list[int], people: dict, doses: dict, products: dict) -> int:
    """Flags and statuses of a chunk of people, from their rows (PERSON_FIELDS, DOSE_FIELDS)."""
    statuses: list[tuple] = []
    flagged: list[tuple[Dose, dict]] = []
    now = timezone.now()
    for person_id in ids:
        person = people.get(person_id)
        rows = doses.get(person_id, [])
        if person is None or not rows:
            continue
        facts = [schedule.DoseFacts(n, day, products[product], pk) for pk, _p, n, day, product, *_r in rows]
        # a lone first dose that was not flagged has nothing to review
        if len(rows) > 1 or rows[0][2] != 1 or rows[0][5]:
            flags = schedule.review(facts)
            for pk, _p, number, day, product, needs_review, stored, public_id in rows:
                flag = flags[pk]
                if (flag.needs_review, flag.flags) != (needs_review, stored or []):
                    dose = Dose(
                        pk=pk,
                        public_id=public_id,
                        dose_number=number,
                        given_on=day,
                        product=products[product],
                    )
                    dose.needs_review, dose.review_flags = flag.needs_review, flag.flags
                    changes = {
                        "needs_review": [needs_review, flag.needs_review],
                        "review_flags": [stored, flag.flags],
                    }
                    flagged.append((dose, changes))
        if person[5] is not None:
            continue  # merged away: their doses belong to the kept record now
        marks = schedule.milestones(facts)
        statuses.append(
            (
                person_id,
                person[1],
                (person[2] or "").split("/", 1)[0],
                born_on(person[3], person[4]),
                marks.doses,
                marks.first_on,
                marks.full_on,
                marks.booster_on,
                now,
            )
        )
    keep = {s[0] for s in statuses}
    VaccinationStatus.objects.filter(person_id__in=[i for i in ids if i not in keep]).delete()
    _upsert(statuses)
    if flagged:
        for dose, _changes in flagged:
            dose.modified_at = now  # bulk_update() does not run auto_now
        Dose.objects.bulk_update(
            [d for d, _c in flagged], ["needs_review", "review_flags", "modified_at"], batch_size=1000
        )
        changes_of = {id(d): c for d, c in flagged}
        audit.record_many(
            AuditAction.UPDATE, [d for d, _c in flagged], changes_of=lambda d: changes_of[id(d)]
        )
    return len(statuses)


def _upsert(statuses: list[tuple]) -> None:
    """INSERT ... ON CONFLICT (person) DO UPDATE of a chunk of statuses: a derived table rewritten a few thousand
    rows at a time, where bulk_create()'s per-field preparation would cost more than the database. PostgreSQL
    takes a large chunk through COPY into a temporary table (three times faster than VALUES lists); SQLite (3.24+)
    and small chunks take multi-row VALUES."""
    if not statuses:
        return
    ops = connection.ops
    table = ops.quote_name(VaccinationStatus._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in STATUS_COLUMNS)
    conflict = f"ON CONFLICT ({ops.quote_name('person_id')}) DO UPDATE SET " + ", ".join(
        f"{ops.quote_name(c)} = excluded.{ops.quote_name(c)}" for c in STATUS_COLUMNS[1:]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statuses) >= COPY_FROM:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS vaccination_status_load (LIKE {table}) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE vaccination_status_load")
            with cursor.cursor.copy(f"COPY vaccination_status_load ({columns}) FROM STDIN") as copy:
                for values in statuses:
                    copy.write_row(values)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM vaccination_status_load {conflict}"  # noqa: S608
            )
            return
        row = "(" + ", ".join(["%s"] * len(STATUS_COLUMNS)) + ")"
        for batch in _chunks(statuses, UPSERT_BATCH):
            params = []
            for values in batch:
                params += [
                    *values[:3],
                    ops.adapt_datefield_value(values[3]),
                    values[4],
                    *(ops.adapt_datefield_value(v) for v in values[5:8]),
                    ops.adapt_datetimefield_value(values[8]),
                ]
            values_sql = ", ".join([row] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values_sql} {conflict}", params)  # noqa: S608
