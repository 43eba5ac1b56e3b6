"""The import pipeline every spreadsheet upload goes through: read -> validate each row -> set aside duplicates ->
store in batches -> report.

An app declares a kind of import in `<app>/importers.py`:

    @importing.register
    class PopulationImporter(importing.Importer):
        kind = "population"
        columns = Spec("population", [Column("area_code", "Mã đơn vị", required=True), ...])

        def validate_row(self, row, context): ...   # -> cleaned data, or raise RowError(column, message)
        def key(self, data): ...                    # identity inside one file (duplicates), or None
        def store(self, batch, context): ...        # -> Stored(accepted, duplicates)

`run(importer, file, context)` does the rest and returns `ImportResult(accepted, rejected, duplicates, errors)`:

- a row that fails validation is reported with its row number, column and message, and written with its original
  cells to the error file; its neighbours go on;
- a row repeating an earlier row of the same file is counted as a duplicate and not stored again (the same key
  with different values is an error: which one is right?);
- valid rows are stored `batch_size` at a time, each batch in its own transaction. A batch the database refuses
  is retried row by row, so one bad row never costs the others;
- `context.dry_run` runs everything, store included, inside a transaction that is rolled back: the counts are the
  real ones and nothing is kept.

Importers must not cache what they wrote in memory: a batch may be rolled back and retried.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from epiwatch.lib import dates
from epiwatch.lib.tabular import (
    Column,
    ErrorFile,
    Row,
    Spec,
    TableError,
    header_key,
    open_table,
    write_csv,
    write_xlsx,
)

MAX_ERRORS_KEPT = 1000  # in the result, for display; the error file has them all


class RowError(ValueError):
    """One row cannot be imported: `column` (canonical name, or None for the row as a whole) and `message`."""

    def __init__(self, column: str | None, message: str, row: int | None = None):
        super().__init__(message)
        self.column = column
        self.message = message
        self.row = row

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRefused(Exception):
    """The import cannot start with this context (e.g. a roster for an organization that has none)."""


class UnknownKind(LookupError):
    def __init__(self, kind: str, known: Iterable[str], what: str = "import"):
        self.kind = kind
        self.known = sorted(known)
        message = (
            _("Unknown export kind '%(kind)s'; known kinds: %(known)s.")
            if what == "export"
            else _("Unknown import kind '%(kind)s'; known kinds: %(known)s.")
        )
        super().__init__(message % {"kind": kind, "known": ", ".join(self.known) or "-"})


@dataclass
class Context:
    """Who imports, for which organization, with what rights; `options` carries kind-specific settings."""

    organization: Any = None
    scope: Any = None  # an epiwatch.accounts.access.Scope: what the importing user may write
    user: Any = None
    dry_run: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Valid:
    """A row that passed validation, with its cleaned data."""

    row: Row
    data: Any


@dataclass
class Stored:
    """What `store()` did with a batch."""

    accepted: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    dry_run: bool = False
    # set when the file became unreadable part-way: what was stored before that stays stored
    failure: str = ""

    def summary(self) -> str:
        return f"accepted {self.accepted}, rejected {self.rejected}, duplicates {self.duplicates}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "failure": self.failure,
            "errors": [e.as_dict() for e in self.errors],
        }


class ImportFailed(TableError):
    """The file became unreadable part-way; `result` counts what was done before."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message)
        self.result = result


class Importer:
    """One kind of import. Subclasses set `kind` and `columns` and implement `validate_row` and `store`."""

    kind: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    columns: ClassVar[Spec]
    batch_size: ClassVar[int] = 1000

    def check_context(self, context: Context) -> None:
        """Raise ImportRefused when this import cannot run for the context (before the file is read)."""

    def prepare(self, context: Context) -> None:
        """Called once before the first row (load lookups here)."""

    def validate_row(self, row: Row, context: Context) -> Any:
        raise NotImplementedError

    def key(self, data: Any) -> Hashable | None:
        """The identity of a record inside one file; a later row with the same key is a duplicate."""
        return None

    def fingerprint(self, data: Any) -> Hashable:
        """What must be equal for a same-key row to be a harmless duplicate rather than a conflict."""
        if isinstance(data, dict):
            return repr(sorted(data.items(), key=lambda kv: kv[0]))
        return repr(data)

    def conflict_message(self, data: Any, first_row: int) -> str:
        return _("the same record as row %(row)s, but with different values") % {"row": first_row}

    def store(self, batch: list[Valid], context: Context) -> Stored | tuple[int, int]:
        raise NotImplementedError

    @classmethod
    def header(cls, language: str = "en") -> list[str]:
        return cls.columns.header(language)

    @classmethod
    def template_rows(cls) -> list[list[Any]]:
        """Example rows for the downloadable template."""
        return []


# --- the registry ----------------------------------------------------------------------------------------------

_importers: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Class decorator: make an importer available by its kind (commands, upload pages, API)."""
    if not importer.kind:
        raise ValueError(f"{importer.__name__} has no kind")
    existing = _importers.get(importer.kind)
    if existing is not None and existing.__qualname__ != importer.__qualname__:
        raise ValueError(f"import kind {importer.kind!r} is registered twice ({existing.__name__})")
    _importers[importer.kind] = importer
    return importer


def get(kind: str) -> type[Importer]:
    try:
        return _importers[kind]
    except KeyError:
        raise UnknownKind(kind, _importers) from None


def kinds() -> list[str]:
    return sorted(_importers)


# --- running an import -----------------------------------------------------------------------------------------


def _as_stored(outcome: Stored | tuple[int, int]) -> Stored:
    if isinstance(outcome, Stored):
        return outcome
    accepted, duplicates = outcome
    return Stored(accepted=accepted, duplicates=duplicates)


class _Run:
    def __init__(self, importer: Importer, context: Context, errors: ErrorFile | None, on_progress):
        self.importer = importer
        self.context = context
        self.errors = errors
        self.on_progress = on_progress
        self.result = ImportResult(dry_run=context.dry_run)
        self.seen: dict[Hashable, tuple[int, int]] = {}  # key -> (row number, hash of fingerprint)
        self.pending: list[Valid] = []

    def reject(self, row: Row, error: RowError) -> None:
        error.row = row.number
        self.result.rejected += 1
        if len(self.result.errors) < MAX_ERRORS_KEPT:
            self.result.errors.append(error)
        if self.errors is not None:
            self.errors.add(row.cells, str(error))

    def take(self, row: Row) -> None:
        self.result.rows += 1
        try:
            data = self.importer.validate_row(row, self.context)
        except RowError as error:
            self.reject(row, error)
            return
        key = self.importer.key(data)
        if key is not None:
            fingerprint = hash(self.importer.fingerprint(data))
            first = self.seen.setdefault(key, (row.number, fingerprint))
            if first[0] != row.number:
                if first[1] == fingerprint:
                    self.result.duplicates += 1
                else:
                    self.reject(row, RowError(None, self.importer.conflict_message(data, first[0])))
                return
        self.pending.append(Valid(row, data))
        if len(self.pending) >= self.importer.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            with transaction.atomic():
                stored = _as_stored(self.importer.store(batch, self.context))
        except (DatabaseError, RowError):
            # one by one, so that the row the database refuses does not take its neighbours with it
            stored = Stored()
            for item in batch:
                try:
                    with transaction.atomic():
                        one = _as_stored(self.importer.store([item], self.context))
                except RowError as error:
                    error.row = item.row.number
                    one = Stored(errors=[error])
                except DatabaseError as exc:
                    one = Stored(
                        errors=[
                            RowError(
                                None,
                                _("could not be stored (%(reason)s)")
                                % {"reason": str(exc).splitlines()[0][:200]},
                                item.row.number,
                            )
                        ]
                    )
                stored.accepted += one.accepted
                stored.duplicates += one.duplicates
                stored.errors.extend(one.errors)
        self.result.accepted += stored.accepted
        self.result.duplicates += stored.duplicates
        rows = {item.row.number: item.row for item in batch}
        for problem in stored.errors:
            row = rows.get(problem.row) if problem.row is not None else None
            if row is None:
                raise ValueError(f"{type(self.importer).__name__}.store() reported an error without its row")
            self.reject(row, problem)


def run(
    importer: Importer,
    source: str | os.PathLike | IO[bytes],
    context: Context,
    *,
    errors_to: str | os.PathLike | IO[str] | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
    max_mb: int | None = None,
) -> ImportResult:
    """Import a file. Raises TableError when it cannot be read at all, ImportRefused when the context does not
    allow this kind; otherwise returns the result (rejected rows included) and, with `errors_to`, writes the
    error file there (only when some row was rejected)."""
    importer.check_context(context)
    with open_table(source, importer.columns, max_mb=max_mb) as table:
        errors = ErrorFile(errors_to, table.header) if errors_to is not None else None
        job = _Run(importer, context, errors, on_progress)
        try:
            with transaction.atomic() if context.dry_run else contextlib.nullcontext():
                importer.prepare(context)
                try:
                    for row in table:
                        job.take(row)
                        if on_progress is not None and job.result.rows % importer.batch_size == 0:
                            on_progress(job.result.rows, table.total_rows_hint)
                    job.flush()
                except TableError as exc:
                    job.flush()  # the valid rows read before the damage are kept
                    job.result.failure = str(exc)
                    raise ImportFailed(str(exc), job.result) from None
                finally:
                    if context.dry_run:
                        transaction.set_rollback(True)
        finally:
            if errors is not None:
                errors.close()
    if on_progress is not None:
        on_progress(job.result.rows, job.result.rows)
    return job.result


# --- field parsers: each returns the cleaned value or raises RowError naming the column -----------------------


def text(row: Row, column: str, required: bool = False, max_length: int | None = None) -> str:
    value = " ".join(row.values.get(column, "").split())
    if required and not value:
        raise RowError(column, _("a value is required"))
    if max_length is not None and len(value) > max_length:
        raise RowError(
            column,
            _("is %(length)s characters long; at most %(max)s") % {"length": len(value), "max": max_length},
        )
    return value


def whole_number(
    row: Row, column: str, required: bool = True, minimum: int | None = 0, maximum: int | None = None
) -> int | None:
    """A whole number; '12.345' and '12,345' (thousands grouped by dot, comma or space) are 12345."""
    raw = row.values.get(column, "").strip()
    if not raw:
        if required:
            raise RowError(column, _("a value is required"))
        return None
    compact = raw.replace("\u00a0", " ")
    sign = ""
    if compact[:1] in "+-":
        sign, compact = compact[0], compact[1:].strip()
    groups = compact.replace(".", " ").replace(",", " ").split(" ")
    grouped = len(groups) > 1 and groups[0].isdigit() and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    digits = "".join(groups) if grouped else compact
    if not digits.isdigit():
        raise RowError(column, _("'%(value)s' is not a whole number") % {"value": raw})
    value = int(sign + digits)
    if minimum is not None and value < minimum:
        if minimum == 0:
            raise RowError(column, _("'%(value)s' is negative; expected 0 or more") % {"value": raw})
        raise RowError(
            column, _("%(value)s is below the minimum of %(min)s") % {"value": raw, "min": minimum}
        )
    if maximum is not None and value > maximum:
        raise RowError(
            column, _("%(value)s is above the maximum of %(max)s") % {"value": raw, "max": maximum}
        )
    return value


def date(row: Row, column: str, required: bool = False, not_after=None):
    raw = row.values.get(column, "")
    try:
        value = dates.parse_date(raw)
    except dates.DateError as exc:
        raise RowError(column, str(exc)) from None
    if value is None and required:
        raise RowError(column, _("a value is required"))
    if value is not None and not_after is not None and value > not_after:
        raise RowError(column, _("'%(value)s' is in the future") % {"value": raw})
    return value


def choice(
    row: Row, column: str, choices: dict[str, Any], required: bool = False, default: Any = None
) -> Any:
    """One of `choices` (accepted text -> value), matched without accents, case or spaces ('Nữ' == 'nu')."""
    raw = row.values.get(column, "").strip()
    if not raw:
        if required:
            raise RowError(column, _("a value is required"))
        return default
    by_key = {header_key(k): v for k, v in choices.items()}
    key = header_key(raw)
    if key not in by_key:
        shown = list(dict.fromkeys(str(k) for k in choices))[:12]
        raise RowError(
            column, _("'%(value)s' is not one of: %(choices)s") % {"value": raw, "choices": ", ".join(shown)}
        )
    return by_key[key]


# --- templates -------------------------------------------------------------------------------------------------


def write_template(importer: type[Importer], target, language: str = "vi", fmt: str = "xlsx") -> None:
    """The downloadable template of a kind: its header (Vietnamese or English) and the example rows."""
    header = importer.header(language)
    rows = importer.template_rows()
    if fmt == "xlsx":
        write_xlsx(target, header, rows, sheet_title=importer.kind)
    else:
        write_csv(target, header, rows)


__all__ = [
    "Column",
    "Context",
    "ImportFailed",
    "ImportRefused",
    "ImportResult",
    "Importer",
    "RowError",
    "Spec",
    "Stored",
    "TableError",
    "UnknownKind",
    "Valid",
    "choice",
    "date",
    "get",
    "kinds",
    "register",
    "run",
    "text",
    "whole_number",
]
