"""Reading CSV and XLSX files into rows of canonical values (see the package docstring)."""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from epiwatch.lib.tabular.cells import cell_text
from epiwatch.lib.tabular.spec import HeaderError, Spec, TableError

HEADER_SEARCH_ROWS = 10  # title rows above the header that we look past
DELIMITERS = (",", ";", "\t")
CHUNK = 1 << 20
SAMPLE = 1 << 16
DEFAULT_MAX_MB = 100
_MAGIC_NOT_SPREADSHEET = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"BM",
)


@dataclass
class Row:
    number: int  # as the user sees it in the spreadsheet: the header is row 1
    values: dict[str, str]
    cells: tuple[str, ...]


@dataclass
class _Records:
    """(row number, cells) of the non-empty rows of one sheet, with a look-ahead buffer for the header search."""

    source: Iterator[tuple[int, list[str]]]
    buffered: list[tuple[int, list[str]]] = field(default_factory=list)

    def head(self, count: int) -> list[tuple[int, list[str]]]:
        while len(self.buffered) < count:
            record = next(self.source, None)
            if record is None:
                break
            self.buffered.append(record)
        return self.buffered[:count]

    def after(self, number: int) -> Iterator[tuple[int, list[str]]]:
        for record in self.buffered:
            if record[0] > number:
                yield record
        self.buffered = []
        yield from self.source


def _non_empty(rows: Iterable[Sequence[Any]], convert=cell_text) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(rows, start=1):
        cells = [convert(v) for v in row]
        if any(cells):
            while cells and not cells[-1]:
                cells.pop()
            yield number, cells


@dataclass
class _Header:
    cells: list[str]
    last_row: int  # the row number of the header's last row (data starts below)
    score: int
    columns: dict[str, int] | None = None
    error: HeaderError | None = None


def _find_header(spec: Spec, head: list[tuple[int, list[str]]]) -> _Header | None:
    """The header among the first rows: one row, or two rows where the lower one names the columns under group
    titles (merged cells) of the upper one and the upper one names the columns merged over both."""
    candidates: list[_Header] = []
    for i, (number, cells) in enumerate(head):
        candidates.append(_Header(cells=cells, last_row=number, score=spec.score(cells)))
        if i + 1 < len(head) and head[i + 1][0] == number + 1:
            lower = head[i + 1][1]
            width = max(len(cells), len(lower))
            combined = [
                (lower[j] if j < len(lower) and lower[j] else (cells[j] if j < len(cells) else ""))
                for j in range(width)
            ]
            candidates.append(_Header(cells=combined, last_row=number + 1, score=spec.score(combined)))
    candidates = [c for c in candidates if c.score > 0]
    for candidate in candidates:
        try:
            candidate.columns = spec.resolve(candidate.cells)
        except HeaderError as exc:
            candidate.error = exc
    if not candidates:
        return None
    # a header that resolves beats one that does not; then the most columns; then the earliest, one row first
    return max(candidates, key=lambda c: (c.columns is not None, c.score, -c.last_row, -len(c.cells)))


class Table:
    """An opened table: `header`, `columns` (name -> index), `format`, `encoding`, `sheet`, `total_rows_hint`;
    iterate it once for the data rows. Close it (or use `with`) to release the file."""

    def __init__(self, spec: Spec, header: _Header, records: _Records, *, fmt: str, hint: int | None, close):
        self.spec = spec
        self.header = header.cells
        self.columns = header.columns or {}
        self.header_rows = header.last_row
        self.format = fmt
        self.encoding: str | None = None
        self.sheet: str | None = None
        self.total_rows_hint = hint
        self._records = records
        self._close = close
        self._started = False

    def __iter__(self) -> Iterator[Row]:
        if self._started:
            raise RuntimeError("a table is read once")
        self._started = True
        names = self.spec.names
        columns = self.columns
        header = list(self.header)
        for number, cells in self._records.after(self.header_rows):
            if cells == header[: len(cells)] and len(cells) * 2 > len(header):
                continue  # the header repeated further down (a report printed page by page)
            values = dict.fromkeys(names, "")
            for name, index in columns.items():
                if index < len(cells):
                    values[name] = cells[index]
            yield Row(number=number, values=values, cells=tuple(cells))

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_table(source: str | os.PathLike | IO[bytes], spec: Spec, *, max_mb: int | None = None) -> Table:
    """Open a CSV or XLSX file (a path, or a binary file object such as an upload) for reading against `spec`.

    Raises TableError when it is empty, has a header but no data, is not a spreadsheet, is too large
    (settings.UPLOAD_MAX_MB by default) or its header does not fit the spec.
    """
    f: IO[bytes]
    if isinstance(source, str | os.PathLike):
        f = open(source, "rb")  # noqa: SIM115 - closed with the table
        close = f.close
    else:
        f = getattr(source, "file", None) or source  # a Django UploadedFile wraps the real file
        close = None
    try:
        if not f.seekable():
            f = _spool(f)
            close = f.close
        table = _open(f, spec, max_mb if max_mb is not None else _max_mb(), close)
    except BaseException:
        if close is not None:
            close()
        raise
    return table


def _max_mb() -> int:
    from django.conf import settings

    return getattr(settings, "UPLOAD_MAX_MB", DEFAULT_MAX_MB) if settings.configured else DEFAULT_MAX_MB


def _spool(f: IO[bytes]) -> IO[bytes]:
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - closed with the table
    while chunk := f.read(CHUNK):
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


def _not_a_spreadsheet() -> TableError:
    return TableError(_("This file is not a spreadsheet: upload a CSV or Excel (.xlsx) file."))


def _open(f: IO[bytes], spec: Spec, max_mb: int, close) -> Table:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    if size > max_mb * 1024 * 1024:
        raise TableError(
            _("The file is %(size)s MB; the largest accepted is %(limit)s MB. Split it into smaller files.")
            % {"size": f"{size / 1024 / 1024:.0f}", "limit": max_mb}
        )
    magic = f.read(8)
    f.seek(0)
    if size == 0:
        raise TableError(_("The file is empty."))
    if magic.startswith(b"PK\x03\x04"):
        return _open_xlsx(f, spec, close)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(
            _("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV and upload it again.")
        )
    if magic.startswith(_MAGIC_NOT_SPREADSHEET):
        raise _not_a_spreadsheet()
    return _open_csv(f, spec, close)


def _no_header_or_rows(spec: Spec, header: _Header | None, records: _Records) -> None:
    if header is None:
        if not records.buffered:
            raise TableError(_("The file is empty."))
        spec.resolve(records.buffered[0][1])  # raises: "this does not look like a ... file"
    assert header is not None
    if header.error is not None:
        raise header.error


def _check_has_rows(records: _Records, header: _Header) -> None:
    if not any(number > header.last_row for number, _cells in records.head(HEADER_SEARCH_ROWS + 2)):
        raise TableError(_("The file has a header row but no data rows."))


# CSV ---


def _detect_encoding(f: IO[bytes]) -> tuple[str, int]:
    """The text encoding, and the number of line breaks (for the row-count hint). Reads the file once, in chunks."""
    head = f.read(4)
    f.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        sample = f.read(SAMPLE)
        f.seek(0)
        if b"\x00" in sample:
            even, odd = sample[0::2].count(0), sample[1::2].count(0)
            half = len(sample) // 2 or 1
            if odd > 0.3 * half and even < 0.05 * half:
                candidates = ["utf-16-le"]
            elif even > 0.3 * half and odd < 0.05 * half:
                candidates = ["utf-16-be"]
            else:
                raise _not_a_spreadsheet()
        else:
            candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        first = True
        try:
            while chunk := f.read(CHUNK):
                text = decoder.decode(chunk)
                if first:
                    _check_text(text)
                    first = False
                if "\x00" in text:
                    raise _not_a_spreadsheet()
                lines += text.count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            f.seek(0)
            continue
        f.seek(0)
        return encoding, lines
    raise TableError(
        _("The file's text cannot be read: save it as CSV UTF-8 (or as .xlsx) and upload it again.")
    )


def _check_text(sample: str) -> None:
    """Binary content that happens to decode (a renamed image or archive) has many control characters."""
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\x0c")
    if controls > max(2, len(sample) // 200):
        raise _not_a_spreadsheet()


def _csv_records(f: IO[bytes], encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
    try:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            yield from _non_empty(reader)
        except csv.Error as exc:
            raise TableError(
                _("Row %(row)s cannot be read (%(reason)s).") % {"row": reader.line_num, "reason": exc}
            ) from None
    finally:
        text.detach()  # the caller closes the file


def _open_csv(f: IO[bytes], spec: Spec, close) -> Table:
    encoding, lines = _detect_encoding(f)
    sample = f.read(SAMPLE).decode(encoding, errors="ignore")
    f.seek(0)
    if len(sample) >= SAMPLE // 4:  # only whole lines: the last one may be cut
        sample = sample[: sample.rfind("\n") + 1] or sample
    if len(sample) < SAMPLE // 4 and not sample.strip(' \t\r\n,;"\ufeff'):
        raise TableError(_("The file is empty."))  # nothing but line breaks and delimiters
    best: tuple[tuple, str, _Header | None] | None = None
    for delimiter in DELIMITERS:
        try:
            head = list(_non_empty(csv.reader(io.StringIO(sample), delimiter=delimiter)))[:HEADER_SEARCH_ROWS]
        except csv.Error:
            continue
        header = _find_header(spec, head)
        width = max((len(cells) for _n, cells in head[:1]), default=0)
        rank = (
            header is not None and header.columns is not None,
            header.score if header else 0,
            width,
            -DELIMITERS.index(delimiter),
        )
        if best is None or rank > best[0]:
            best = (rank, delimiter, header)
    if best is None:
        raise _not_a_spreadsheet()
    _rank, delimiter, header = best
    records = _Records(_csv_records(f, encoding, delimiter))
    records.head(HEADER_SEARCH_ROWS)
    _no_header_or_rows(spec, header, records)
    assert header is not None
    _check_has_rows(records, header)
    table = Table(spec, header, records, fmt="csv", hint=max(lines - header.last_row, 0), close=close)
    table.encoding = encoding
    return table


# XLSX ---


def _sheet_records(sheet) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, cells in _non_empty(sheet.iter_rows(values_only=True)):  # noqa: B007 - used below
            yield number, cells
    except Exception as exc:  # a damaged sheet: the XML parser's errors are not the user's words
        raise TableError(
            _("The sheet %(sheet)s cannot be read after row %(row)s (%(reason)s).")
            % {"sheet": sheet.title, "row": number, "reason": exc.__class__.__name__}
        ) from None


def _open_xlsx(f: IO[bytes], spec: Spec, close) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(f) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
                    raise TableError(
                        _("OpenDocument spreadsheets (.ods) cannot be read: save the file as .xlsx or CSV.")
                    )
                raise _not_a_spreadsheet()
        f.seek(0)
        workbook = openpyxl.load_workbook(f, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(
            _("This Excel file is damaged or not an .xlsx file: %(reason)s") % {"reason": exc}
        ) from None

    def close_all():
        workbook.close()
        if close is not None:
            close()

    first_error: HeaderError | None = None
    any_content = False
    try:
        for sheet in workbook.worksheets:
            hint = sheet.max_row
            sheet.reset_dimensions()  # some writers record wrong dimensions: read what is there
            records = _Records(_sheet_records(sheet))
            head = records.head(HEADER_SEARCH_ROWS)
            any_content = any_content or bool(head)
            header = _find_header(spec, head)
            if header is None or header.columns is None:
                if header is not None and first_error is None:
                    first_error = header.error
                continue
            _check_has_rows(records, header)
            table = Table(
                spec,
                header,
                records,
                fmt="xlsx",
                hint=max(hint - header.last_row, 0) if hint else None,
                close=close_all,
            )
            table.sheet = sheet.title
            return table
    except BaseException:
        workbook.close()
        raise
    workbook.close()
    if first_error is not None:
        raise first_error
    if not any_content:
        raise TableError(_("The file is empty."))
    spec.resolve([])  # raises: "this does not look like a ... file"
    raise AssertionError("unreachable")
