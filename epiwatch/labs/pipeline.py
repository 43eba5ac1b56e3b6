"""The one pipeline every test result goes through, whichever way it came in (quick entry, spreadsheet, API,
command): parse -> validate -> match the person -> authorize -> store -> act.

    outcomes = submit(items, Context(organization=lab))      # items: spreadsheet Rows or API dicts

Each step is a small function with one reason to change:

- `parse`: a spreadsheet Row or an API dict -> `Item` (column -> text); the words people write are read later,
  by `words.code_of`;
- `validate`: an Item -> `Clean` (typed values), or `Invalid` listing every RowError(column, message) of the row;
- `match`: the batch's people, found in or added to the registry (`people.matching.match_many`); a row whose
  national ID belongs to someone with another birth date, sex or name is FLAGGED: stored with needs_review, the
  registry untouched, a REVIEW_RESULT task for the submitter;
- `authorize`: a school, enterprise or public unit submits only for the people on its roster;
- `store`: idempotent (see `storing`), in bulk, audited, area and province code from the person's residence;
- `act`: pools, re-test links and `cases.ingest.on_results` for positives and PCR negatives.

`stream()` works through the items ~1,000 at a time, each batch in one transaction (retried once when a
concurrent submission stored the same national ID or sample id meanwhile), so memory stays flat whatever the
input size; `submit()` is the same returning a list. With `Context.dry_run` every step runs and nothing is
written (the preview of an upload).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epiwatch.accounts import access
from epiwatch.accounts.models import Organization, OrgKind
from epiwatch.geo.models import Area, AreaKind
from epiwatch.labs import words
from epiwatch.labs.models import ANTIGEN_TYPES, ImportBatch, Reason, TestType
from epiwatch.lib import dates, natid
from epiwatch.lib.importing import RowError
from epiwatch.lib.tabular import Row, cell_text
from epiwatch.lib.text import normalize_name, normalize_phone
from epiwatch.people import matching
from epiwatch.people.models import Person, RosterEntry, Sex

BATCH_SIZE = 1000
COLUMNS = (
    "external_id",
    "national_id",
    "full_name",
    "date_of_birth",
    "sex",
    "phone",
    "commune_code",
    "address",
    "test_type",
    "sampled_at",
    "resulted_at",
    "result",
    "ct_value",
    "pool_id",
    "reason",
)
CT_MIN, CT_MAX = decimal.Decimal(0), decimal.Decimal(45)
FIRST_SAMPLE_DAY = dt.date(2020, 1, 1)  # SARS-CoV-2 testing began in 2020: an earlier date is a typing error
FIRST_BIRTH_YEAR = 1900
CLOCK_SKEW = dt.timedelta(minutes=10)  # a device clock ahead of the server's is not "the future"


class Status:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    REVIEW = "review"  # stored, but flagged for a person to check (needs_review)


class SubmissionRefused(PermissionError):
    """The user may not submit results for this organization."""


@dataclass
class Context:
    """Who submits: the submitting organization (and user), the import batch if any, whether this is a dry run.

    One context serves a whole submission (every batch of a file): it caches the areas and checks made once."""

    organization: Organization
    user: Any = None
    batch: ImportBatch | None = None
    dry_run: bool = False
    now: dt.datetime | None = None  # "the present" that sample times may not pass (tests pin it)
    # caches for the whole submission
    _communes: dict[str, Area | None] = field(default_factory=dict, repr=False)
    _areas: dict[int, Area] = field(default_factory=dict, repr=False)
    _seen: set[int] = field(default_factory=set, repr=False)  # dry run: hashes of the keys "stored"
    _assignees: Any = field(default=None, repr=False)
    _statistics: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.now = self.now or timezone.now()
        self.dataset = self.organization.area.dataset

    @property
    def default_reason(self) -> str:
        # an enterprise's results are its workers' tests before their shift (the Quảng Ninh rule)
        return Reason.SHIFT_SCREENING if self.organization.kind == OrgKind.ENTERPRISE else Reason.SCREENING

    def commune(self, code: str) -> Area | None:
        if code not in self._communes:
            self._communes[code] = Area.objects.filter(
                dataset=self.dataset, code=code, kind__in=(AreaKind.COMMUNE, AreaKind.VILLAGE)
            ).first()
        return self._communes[code]

    def areas(self, pks: Iterable[int | None]) -> dict[int, Area]:
        """Areas by pk, read once per submission (one query for the ones not seen yet)."""
        missing = {pk for pk in pks if pk is not None and pk not in self._areas}
        if missing:
            self._areas.update(Area.objects.in_bulk(missing))
        return self._areas

    @property
    def statistics(self):
        if self._statistics is None:
            from epiwatch.labs.bulk import Statistics

            self._statistics = Statistics()
        return self._statistics

    @property
    def assignees(self):
        if self._assignees is None:
            from epiwatch.tasks.routing import Assignees

            self._assignees = Assignees()
        return self._assignees


def check_submitter(user, organization: Organization) -> None:
    """A user submits for an organization they enter data for (a writing membership); raises SubmissionRefused."""
    scope = access.scope_for(user)
    if not scope.can_write_for(organization):
        raise SubmissionRefused(_("You may not submit results for %(org)s.") % {"org": organization.name})


# --- parse -----------------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One result as text, by canonical column name: what parse() makes of a Row or an API dict."""

    number: int  # the spreadsheet row number, or the position (from 1) in an API batch
    values: dict[str, str]
    cells: tuple[str, ...] = ()  # the original cells, for the error file
    unknown: tuple[str, ...] = ()  # API fields that are no column


def parse(source: Row | dict, number: int = 0) -> Item:
    """A spreadsheet Row or an API dict -> Item. Dict values may be numbers, dates or None."""
    if isinstance(source, Row):
        values = {name: source.values.get(name, "") for name in COLUMNS}
        return Item(number=source.number, values=values, cells=source.cells)
    if not isinstance(source, dict):
        return Item(number=number, values=dict.fromkeys(COLUMNS, ""), unknown=("(not an object)",))
    values = {name: cell_text(source.get(name)) for name in COLUMNS}
    unknown = tuple(sorted(str(k) for k in source if k not in values))
    return Item(number=number, values=values, unknown=unknown)


# --- validate --------------------------------------------------------------------------------------------------


@dataclass
class Clean:
    """A valid result, typed."""

    number: int
    external_id: str
    national_id: str | None
    full_name: str
    date_of_birth: dt.date | None
    birth_year: int | None
    sex: str
    phone: str
    residence: Area | None
    address: str
    test_type: str
    sampled_at: dt.datetime
    resulted_at: dt.datetime | None
    result: str
    ct_value: decimal.Decimal | None
    pool_code: str
    reason: str
    cells: tuple[str, ...] = ()

    def person_fields(self) -> dict:
        return {
            "national_id": self.national_id,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth,
            "birth_year": self.birth_year,
            "sex": self.sex,
            "phone": self.phone,
            "residence": self.residence,
            "address": self.address,
        }

    def identity(self) -> tuple:
        """Who the row is about, without the registry: what a dry run tells repeated rows apart by."""
        return (self.national_id or "", normalize_name(self.full_name), self.date_of_birth, self.birth_year)


class Invalid(Exception):
    """Every problem of one row."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class _Checker:
    """Collects the errors of one row, column by column, so that the user sees them all at once."""

    def __init__(self, item: Item):
        self.item = item
        self.errors: list[RowError] = []

    def raw(self, column: str) -> str:
        return self.item.values.get(column, "").strip()

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(column, message, self.item.number))

    def text(self, column: str, max_length: int, required: bool = False) -> str:
        value = " ".join(self.raw(column).split())
        if required and not value:
            self.error(column, _("a value is required"))
        elif len(value) > max_length:
            self.error(
                column,
                _("is %(length)s characters long; at most %(max)s")
                % {"length": len(value), "max": max_length},
            )
            return value[:max_length]
        return value

    def word(self, column: str, kind: str, required: bool = False, default: str = "") -> str:
        raw = self.raw(column)
        code = words.code_of(kind, raw)
        if code is None:
            self.error(
                column,
                _("'%(value)s' is not one of: %(choices)s")
                % {"value": raw, "choices": ", ".join(words.SHOWN[kind])},
            )
            return ""
        if not code and required:
            self.error(column, _("a value is required"))
        return code or default

    def moment(
        self, column: str, now: dt.datetime, required: bool = False
    ) -> tuple[dt.datetime | None, bool]:
        """(aware datetime or None, whether a time of day was given)."""
        raw = self.raw(column)
        if not raw:
            if required:
                self.error(column, _("a value is required"))
            return None, False
        try:
            value = dates.parse_datetime(raw)
        except dates.DateError as exc:
            self.error(column, str(exc))
            return None, False
        has_time = value.astimezone(dates.LOCAL_TZ).time() != dt.time(0) or ":" in raw
        if value > now + CLOCK_SKEW:
            self.error(column, _("'%(value)s' is in the future") % {"value": raw})
            return None, has_time
        if dates.local_date(value) < FIRST_SAMPLE_DAY:
            self.error(column, _("'%(value)s' is before 2020: a typing error?") % {"value": raw})
            return None, has_time
        return value, has_time


def validate(item: Item, context: Context) -> Clean:
    """The row's values, typed and checked; raises Invalid with every RowError of the row."""
    check = _Checker(item)
    for name in item.unknown:
        check.error(name, _("unknown field; the fields are: %(columns)s") % {"columns": ", ".join(COLUMNS)})
    today = dates.local_date(context.now)

    external_id = check.text("external_id", 64)
    full_name = check.text("full_name", 200, required=True)
    sex = check.word("sex", "sex", default=Sex.UNKNOWN)

    birth_raw = check.raw("date_of_birth")
    born, birth_year = None, None
    if birth_raw.isdigit() and len(birth_raw) == 4:  # only the year is known
        birth_year = int(birth_raw)
    elif birth_raw:
        try:
            born = dates.parse_date(birth_raw)
            birth_year = born.year if born else None
        except dates.DateError as exc:
            check.error("date_of_birth", str(exc))
    if birth_year is not None and not FIRST_BIRTH_YEAR <= birth_year <= today.year:
        check.error("date_of_birth", _("%(value)s is not a plausible year of birth") % {"value": birth_raw})
        born, birth_year = None, None
    elif born is not None and born > today:
        check.error("date_of_birth", _("'%(value)s' is in the future") % {"value": birth_raw})
        born, birth_year = None, None

    national_id = None
    if check.raw("national_id"):
        try:
            number = natid.parse(check.raw("national_id"), today=today)
        except natid.NationalIdError as exc:
            check.error("national_id", str(exc))
        else:
            national_id = number.number
            if not number.agrees_with(sex=sex, birth_year=birth_year):
                check.error(
                    "national_id",
                    _("%(number)s is the number of a %(sex)s person born in %(year)s; the row says otherwise")
                    % {
                        "number": number.number,
                        "sex": _("male") if number.sex == Sex.MALE else _("female"),
                        "year": number.birth_year(),
                    },
                )
    elif birth_year is None and not birth_raw:
        check.error("date_of_birth", _("a person without a national ID needs a date (or year) of birth"))

    phone_raw = check.raw("phone")
    phone = normalize_phone(phone_raw)
    if phone_raw and not phone:
        check.error("phone", _("'%(value)s' is not a Vietnamese phone number") % {"value": phone_raw})

    residence = None
    code = check.raw("commune_code").replace(" ", "")
    if code:
        residence = context.commune(code)
        if residence is None:
            check.error(
                "commune_code",
                _("unknown commune code '%(code)s' in dataset %(dataset)s")
                % {"code": code, "dataset": context.dataset},
            )
    address = check.text("address", 300)

    test_type = check.word("test_type", "test_type", required=True)
    result = check.word("result", "result", required=True)
    reason = check.word("reason", "reason", default=context.default_reason)

    sampled_at, _sample_time = check.moment("sampled_at", context.now, required=True)
    resulted_at, result_time = check.moment("resulted_at", context.now)
    if sampled_at and resulted_at:
        # a result day without a time may be the sample's day: compare days then
        before = (
            resulted_at < sampled_at
            if result_time
            else dates.local_date(resulted_at) < dates.local_date(sampled_at)
        )
        if before:
            check.error(
                "resulted_at",
                _("the result time %(result)s is before the sample time %(sample)s")
                % {"result": check.raw("resulted_at"), "sample": check.raw("sampled_at")},
            )

    ct_value = None
    ct_raw = check.raw("ct_value").replace(",", ".")
    if ct_raw:
        try:
            ct_value = decimal.Decimal(ct_raw)
            if not ct_value.is_finite():
                raise decimal.InvalidOperation
        except decimal.InvalidOperation:
            check.error("ct_value", _("'%(value)s' is not a number") % {"value": check.raw("ct_value")})
            ct_value = None
        else:
            if not CT_MIN <= ct_value <= CT_MAX:
                check.error(
                    "ct_value",
                    _("Ct value %(value)s is out of range: a Ct value is between 0 and 45")
                    % {"value": check.raw("ct_value")},
                )
                ct_value = None
            else:
                ct_value = ct_value.quantize(decimal.Decimal("0.1"))
        if ct_value is not None and test_type in ANTIGEN_TYPES:
            check.error("ct_value", _("a Ct value comes from an RT-PCR test, not a rapid antigen test"))

    pool_code = check.text("pool_id", 64)
    if test_type == TestType.POOLED_RT_PCR and not pool_code:
        check.error("pool_id", _("a pooled RT-PCR result needs the pool's sample code"))
    elif pool_code and test_type in ANTIGEN_TYPES:
        check.error("pool_id", _("a pool code goes with a pooled RT-PCR result (or its individual re-test)"))

    if check.errors:
        raise Invalid(check.errors)
    return Clean(
        number=item.number,
        external_id=external_id,
        national_id=national_id,
        full_name=full_name,
        date_of_birth=born,
        birth_year=birth_year,
        sex=sex,
        phone=phone,
        residence=residence,
        address=address,
        test_type=test_type,
        sampled_at=sampled_at,
        resulted_at=resulted_at,
        result=result,
        ct_value=ct_value,
        pool_code=pool_code,
        reason=reason,
        cells=item.cells,
    )


# --- match and authorize ---------------------------------------------------------------------------------------


def match(cleans: list[Clean], context: Context, create: bool = True) -> list[matching.MatchOutcome]:
    """The registry's person for each row (created when unknown, unless `create` is False or a dry run).

    A row contradicting the record its national ID finds comes back with `conflicts`: the registry keeps its
    values (match_many fills no blank from such a row) and `store` flags the result."""
    if not cleans:
        return []
    return matching.match_many(
        [c.person_fields() for c in cleans],
        organization=context.organization,
        create=create and not context.dry_run,
    )


def authorize(cleans: list[Clean], people: list[Person | None], context: Context) -> dict[int, RowError]:
    """The rows the submitter may not submit, by position: a roster organization (school, enterprise, public
    unit) only for the people on its active roster; labs, hospitals and area organizations for anyone.
    `people` are the matched records (None, or unsaved, for someone the registry does not know). One query."""
    org = context.organization
    if not org.sees_roster:
        return {}
    known = [p.pk for p in people if p is not None and p.pk is not None]
    on_roster = set(
        RosterEntry.objects.active()
        .filter(organization=org, person_id__in=known)
        .values_list("person_id", flat=True)
    )
    refused = {}
    for position, (clean, person) in enumerate(zip(cleans, people, strict=True)):
        if person is None or person.pk not in on_roster:
            refused[position] = RowError(
                None,
                _("%(name)s is not on the roster of %(org)s") % {"name": clean.full_name, "org": org.name},
                clean.number,
            )
    return refused


# --- the whole of it -------------------------------------------------------------------------------------------


@dataclass
class ItemOutcome:
    """What became of one item: accepted, duplicate, rejected or review (stored and flagged)."""

    number: int
    status: str
    errors: list[RowError] = field(default_factory=list)
    result_id: Any = None  # the stored (or already stored) result's public id
    person_id: Any = None
    clean: Clean | None = None
    record: Any = field(default=None, repr=False)  # the TestResult stored or completed by this item

    @property
    def stored(self) -> bool:
        return self.status in (Status.ACCEPTED, Status.REVIEW)

    def message(self) -> str:
        return "; ".join(
            (f"{e.column}: {e.message}" if e.column and i else e.message) for i, e in enumerate(self.errors)
        )

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "status": self.status,
            "result_id": str(self.result_id) if self.result_id else None,
            "person_id": str(self.person_id) if self.person_id else None,
            "errors": [{"column": e.column, "message": e.message} for e in self.errors],
        }


def _check(item: Item, context: Context) -> Clean | ItemOutcome:
    try:
        return validate(item, context)
    except Invalid as invalid:
        return ItemOutcome(item.number, Status.REJECTED, invalid.errors)


def process(items: list[Item], context: Context) -> list[ItemOutcome]:
    """One batch through every step, in one transaction; the outcomes in input order."""
    checked = [_check(item, context) for item in items]
    cleans = [c for c in checked if isinstance(c, Clean)]
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                written = _write(cleans, context)
            break
        except IntegrityError:
            # a concurrent submission stored one of these national IDs, pools or sample ids meanwhile: the
            # second pass finds them
            if attempt == 2:
                raise
    by_number = iter(written)
    return [next(by_number) if isinstance(c, Clean) else c for c in checked]


def _write(cleans: list[Clean], context: Context) -> list[ItemOutcome]:
    from epiwatch.labs import storing

    if not cleans:
        return []
    outcomes: list[ItemOutcome | None] = [None] * len(cleans)
    allowed = list(range(len(cleans)))
    if context.organization.sees_roster:
        # read-only first: a person the registry does not know cannot be on the roster, and must not be added
        # to the registry by a submission that is then refused
        found = match(cleans, context, create=False)
        refused = authorize(cleans, [m.person if m.found else None for m in found], context)
        for position, error in refused.items():
            outcomes[position] = ItemOutcome(
                cleans[position].number, Status.REJECTED, [error], clean=cleans[position]
            )
        allowed = [i for i in allowed if i not in refused]
    matched = match([cleans[i] for i in allowed], context)
    stored = storing.store([cleans[i] for i in allowed], matched, context)
    for position, outcome in zip(allowed, stored, strict=True):
        outcomes[position] = outcome
    if not context.dry_run:
        storing.act([o for o in stored if o.stored], context)
    return [o for o in outcomes if o is not None]


def _batches(items: Iterable[Row | dict], size: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for number, source in enumerate(items, start=1):
        batch.append(parse(source, number))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def stream(
    items: Iterable[Row | dict], context: Context, batch_size: int = BATCH_SIZE
) -> Iterator[ItemOutcome]:
    """submit() as a generator: one batch in memory at a time."""
    for batch in _batches(items, batch_size):
        yield from process(batch, context)


def submit(items: Iterable[Row | dict], context: Context) -> list[ItemOutcome]:
    """Every item through the pipeline; one outcome per item, in order (see `stream` for huge inputs)."""
    return list(stream(items, context))
