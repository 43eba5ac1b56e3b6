"""The lists of results: filters, keyset pages, the export rows, positivity by type and area, and who has not
reported today. Model-level queries only (the pages and the API call them with what the user may see).

Keyset pages never carry an integer id: the cursor holds the last row's sort value and public id, signed so
that it cannot be forged into something else, and the row's position is read back by its public id (one indexed
query per page).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core import signing
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.geo.models import Area
from epiwatch.labs.exporters import ResultExporter
from epiwatch.labs.models import ImportBatch, Outcome, TestResult, TestType
from epiwatch.labs.shift_models import Shift
from epiwatch.lib import dates
from epiwatch.people.models import RosterEntry

CURSOR_SALT = "epiwatch.labs.cursor"
PAGE_SIZE = 50
EXPECTED_WITHIN_DAYS = 7  # a lab or commune station that reported in the last 7 days is expected today


class BadCursor(ValueError):
    """A cursor that was not made by us, or names a row that does not exist."""


# --- filters ---------------------------------------------------------------------------------------------------


@dataclass
class ResultFilter:
    """What a results list or export is narrowed to; every field optional."""

    area: Area | None = None
    submitter: Organization | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    test_type: str = ""
    result: str = ""
    batch: ImportBatch | None = None
    needs_review: bool = False

    def apply(self, results: QuerySet) -> QuerySet:
        results = results.sampled_between(self.date_from, self.date_to)
        if self.area is not None:
            results = results.in_area(self.area).filter(area__dataset=self.area.dataset)
        if self.submitter is not None:
            results = results.filter(submitter=self.submitter)
        if self.test_type:
            results = results.filter(test_type=self.test_type)
        if self.result:
            results = results.filter(result=self.result)
        if self.batch is not None:
            results = results.filter(batch=self.batch)
        if self.needs_review:
            results = results.needing_review()
        return results

    def slug(self) -> str:
        """The filters as a file name part: 'results-954-20211101-20211107-rt_pcr-positive'."""
        parts = ["results"]
        if self.area is not None:
            parts.append(self.area.code)
        if self.submitter is not None:
            parts.append(self.submitter.code)
        if self.date_from or self.date_to:
            parts.append(
                f"{self.date_from:%Y%m%d}" if self.date_from else "start",
            )
            parts.append(f"{self.date_to:%Y%m%d}" if self.date_to else "now")
        parts += [p for p in (self.test_type, self.result) if p]
        if self.needs_review:
            parts.append("review")
        return "-".join(parts)


# --- keyset pages ----------------------------------------------------------------------------------------------


def encode_cursor(value: dt.datetime, public_id) -> str:
    return signing.dumps([value.isoformat(), str(public_id)], salt=CURSOR_SALT)


def decode_cursor(text: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        value, public_id = signing.loads(text, salt=CURSOR_SALT)
        return dt.datetime.fromisoformat(value), uuid.UUID(public_id)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor(str(exc)) from None


@dataclass
class Page:
    rows: list
    next_cursor: str | None = None


def keyset_page(
    results: QuerySet, field_name: str, cursor: str | None, size: int, descending: bool = False
) -> Page:
    """One page of `results` ordered by (field_name, id), after `cursor`. Queries: the cursor's row (when a
    cursor is given) and the page itself."""
    if cursor:
        value, public_id = decode_cursor(cursor)
        pk = TestResult.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
        if pk is None:
            raise BadCursor("unknown row")
        op = "lt" if descending else "gt"
        results = results.filter(
            Q(**{f"{field_name}__{op}": value}) | Q(**{field_name: value, f"pk__{op}": pk})
        )
    order = (f"-{field_name}", "-pk") if descending else (field_name, "pk")
    rows = list(results.order_by(*order)[: size + 1])
    page = Page(rows[:size])
    if len(rows) > size:
        last = page.rows[-1]
        page.next_cursor = encode_cursor(getattr(last, field_name), last.public_id)
    return page


# --- export ----------------------------------------------------------------------------------------------------

# the `results` export's columns (the import template's plus the ids), then who submitted the result
EXPORT_COLUMNS = (*ResultExporter.columns, "submitter", "needs_review", "review_note")
_EXPORT_FIELDS = (
    "public_id",
    "person__public_id",
    "external_id",
    "person__national_id",
    "person__full_name",
    "person__date_of_birth",
    "person__birth_year",
    "person__sex",
    "person__phone",
    "person__residence__code",
    "person__address",
    "test_type",
    "sampled_at",
    "resulted_at",
    "result",
    "ct_value",
    "pool__code",
    "reason",
    "submitter__code",
    "needs_review",
    "review_note",
)


def export_rows(results: QuerySet) -> Iterator[tuple]:
    """The rows of an export, streamed from the database 2,000 at a time (memory stays flat)."""
    for row in results.order_by("sampled_at", "pk").values_list(*_EXPORT_FIELDS).iterator(chunk_size=2000):
        (rid, pid, ext, nid, name, born, year, *rest) = row
        yield (rid, pid, ext, nid, name, born or year, *rest)


# --- positivity by type and area -------------------------------------------------------------------------------


@dataclass
class Counts:
    tested: int = 0
    positive: int = 0
    negative: int = 0

    def add(self, other: Counts) -> None:
        self.tested += other.tested
        self.positive += other.positive
        self.negative += other.negative

    @property
    def conclusive(self) -> int:
        return self.positive + self.negative

    @property
    def rate(self) -> float | None:
        """Positives per 100 conclusive results (positive or negative), None without any."""
        return 100 * self.positive / self.conclusive if self.conclusive else None


@dataclass
class PositivityRow:
    area: Area | None  # None: results placed on the area itself, not on one of its children
    by_type: dict[str, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)
    type_cells: list[Counts] = field(default_factory=list)  # by_type in the table's column order


@dataclass
class Positivity:
    area: Area
    types: list[str]
    rows: list[PositivityRow]
    total: PositivityRow

    def type_labels(self) -> list[str]:
        labels = dict(TestType.choices)
        return [labels[t] for t in self.types]


def positivity(results: QuerySet, area: Area) -> Positivity:
    """Tests, positives and positivity per test type, for each child area of `area` (districts of a province,
    communes of a district, villages of a commune). Queries: one grouped query, one for the children's names."""
    grouped = (
        results.in_area(area)
        .filter(area__dataset=area.dataset)
        .values("area__path", "test_type")
        .annotate(
            tested=Count("pk"),
            positive=Count("pk", filter=Q(result=Outcome.POSITIVE)),
            negative=Count("pk", filter=Q(result=Outcome.NEGATIVE)),
        )
        .order_by()
    )
    prefix = area.path + "/"
    by_child: dict[str | None, PositivityRow] = {}
    total = PositivityRow(area=area)
    for group in grouped:
        path = group["area__path"]
        child = prefix + path[len(prefix) :].split("/", 1)[0] if path.startswith(prefix) else None
        counts = Counts(group["tested"], group["positive"], group["negative"])
        for row in (by_child.setdefault(child, PositivityRow(area=None)), total):
            row.by_type.setdefault(group["test_type"], Counts()).add(counts)
            row.total.add(counts)
    children = {
        a.path: a for a in Area.objects.filter(dataset=area.dataset, path__in=[p for p in by_child if p])
    }
    rows = []
    for path, row in by_child.items():
        row.area = children.get(path) if path else None
        rows.append(row)
    rows.sort(key=lambda r: (r.area is None, r.area.name if r.area else ""))
    types = [t for t in TestType.values if t in total.by_type]
    for row in (*rows, total):
        row.type_cells = [row.by_type.get(t, Counts()) for t in types]
    return Positivity(area=area, types=types, rows=rows, total=total)


# --- who has not reported --------------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dates.LOCAL_TZ)


def _sent(start: dt.datetime, end: dt.datetime) -> Exists:
    """Whether the organization sent a result sampled in [start, end): one seek in the (submitter, sampled_at)
    index per organization, not a scan of the day's results."""
    return Exists(
        TestResult.objects.filter(submitter=OuterRef("pk"), sampled_at__gte=start, sampled_at__lt=end)
    )


def expected_to_report(organizations: QuerySet, day: dt.date) -> QuerySet:
    """The organizations expected to send results on `day`: enterprises with shifts (the rule of testing every
    worker before each shift: shifts set up for screening, or workers on shifts in the roster), and labs and
    commune stations that sent results sampled in the seven days before."""
    start = _day_start(day)
    with_shifts = Exists(Shift.objects.active().filter(organization=OuterRef("pk"))) | Exists(
        RosterEntry.objects.active().exclude(shift="").filter(organization=OuterRef("pk"))
    )
    recently = _sent(start - dt.timedelta(days=EXPECTED_WITHIN_DAYS), start)
    return organizations.filter(is_active=True).filter(
        (Q(kind=OrgKind.ENTERPRISE) & with_shifts)
        | (Q(kind__in=(OrgKind.LAB, OrgKind.COMMUNE_STATION)) & recently)
    )


def not_reported(organizations: QuerySet, day: dt.date) -> QuerySet:
    """The organizations expected on `day` without a result sampled that day, each with `last_sampled` (its
    latest sample time before the day, None if it never sent one). One query."""
    start = _day_start(day)
    latest = (
        TestResult.objects.filter(submitter=OuterRef("pk"), sampled_at__lt=start)
        .order_by("-sampled_at")
        .values("sampled_at")[:1]
    )
    return (
        expected_to_report(organizations, day)
        .exclude(_sent(start, start + dt.timedelta(days=1)))
        .annotate(last_sampled=Subquery(latest))
        .select_related("area")
        .order_by("area__path", "name")
    )
