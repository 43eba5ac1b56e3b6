"""Writing CSV and XLSX files from iterators of rows, web downloads, and the error file."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from epiwatch.lib.dates import LOCAL_TZ
from epiwatch.lib.tabular.cells import escape_cell
from epiwatch.lib.tabular.spec import ERROR_COLUMN, header_key

CHUNK = 1 << 20
SAMPLE = 1 << 16


def _plain(value: Any) -> Any:
    """A Python value as a cell: aware datetimes in local time, UUIDs as text, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, int | float | decimal.Decimal | dt.date | dt.time | str):
        return value
    return str(value)


def _csv_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return escape_cell(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = True) -> Iterator[str]:
    """The CSV text, one line at a time (the first carries the BOM)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield ("\ufeff" if bom else "") + writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_value(v) for v in row])


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = True) -> Iterator[bytes]:
    """The CSV as UTF-8 bytes in chunks of about 64 KB: the body of a streaming response."""
    buffer: list[str] = []
    size = 0
    for line in csv_lines(header, rows, bom=bom):
        buffer.append(line)
        size += len(line)
        if size >= SAMPLE:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def write_csv(
    target: str | os.PathLike | IO[str],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    bom: bool = True,
) -> int:
    """Write a CSV file (a path, or a text stream opened with newline=''); returns the number of data rows."""
    count = -1
    if isinstance(target, str | os.PathLike):
        with open(target, "w", encoding="utf-8", newline="") as out:
            return write_csv(out, header, rows, bom=bom)
    for line in csv_lines(header, rows, bom=bom):
        target.write(line)
        count += 1
    return count


def write_xlsx(
    target: str | os.PathLike | IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_title: str = "data",
) -> int:
    """Write an XLSX file with openpyxl's write-only (streaming) workbook; returns the number of data rows.

    Dates become date cells shown as dd/mm/yyyy, datetimes local time as dd/mm/yyyy hh:mm.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "data")
    bold = Font(bold=True)

    def header_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=escape_cell(str(text)))
        cell.font = bold
        return cell

    def cell(value: Any) -> Any:
        value = _plain(value)
        if isinstance(value, str):
            return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
        if isinstance(value, dt.datetime):
            c = WriteOnlyCell(sheet, value=value)
            c.number_format = "dd/mm/yyyy hh:mm"
            return c
        if isinstance(value, dt.date):
            c = WriteOnlyCell(sheet, value=value)
            c.number_format = "dd/mm/yyyy"
            return c
        return value

    sheet.append([header_cell(h) for h in header])
    count = 0
    for row in rows:
        sheet.append([cell(v) for v in row])
        count += 1
    workbook.save(target)
    return count


def _attachment(filename: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    return f'attachment; filename="{safe}"'


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]):
    """A StreamingHttpResponse sending the CSV as it is produced: memory stays flat for any number of rows."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(filename)
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "data"
):
    """A FileResponse with the XLSX, built in a temporary file (a zip cannot be streamed before it is complete)."""
    from django.http import FileResponse

    spooled = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(spooled, header, rows, sheet_title=sheet_title)
    spooled.seek(0)
    return FileResponse(
        spooled,
        as_attachment=True,
        filename=_attachment(filename).split('"')[1],
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- the error file --------------------------------------------------------------------------------------------


def error_header(header: Sequence[str]) -> list[str]:
    """The uploaded header plus an `error` column (an error file uploaded again keeps its single one)."""
    header = list(header)
    if not any(header_key(h) == ERROR_COLUMN for h in header):
        header.append(ERROR_COLUMN)
    return header


class ErrorFile:
    """The rejected rows, written as they come: original cells plus the `error` column, in a CSV (UTF-8 + BOM)
    that the user fixes and uploads again. Nothing is created until the first row is added."""

    def __init__(self, target: str | os.PathLike | IO[str], header: Sequence[str]):
        self.target = target
        self.header = error_header(header)
        self._appended = len(self.header) > len(header)
        self._error_index = next(i for i, h in enumerate(self.header) if header_key(h) == ERROR_COLUMN)
        self._out: IO[str] | None = None
        self._owned = False
        self._writer: Any = None
        self.rows = 0

    def add(self, cells: Sequence[str], message: str) -> None:
        if self._writer is None:
            if isinstance(self.target, str | os.PathLike):
                self._out = open(self.target, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
                self._owned = True
            else:
                self._out = self.target
            self._out.write("\ufeff")
            self._writer = csv.writer(self._out, lineterminator="\r\n")
            self._writer.writerow([escape_cell(h) for h in self.header])
        row = [escape_cell(c) for c in cells]
        if self._error_index == len(self.header) - 1 and self._appended:
            # cells beyond the header (no column name) are kept, after the error
            row = (
                row[: self._error_index]
                + [""] * (self._error_index - len(row))
                + [""]
                + row[self._error_index :]
            )
        row += [""] * (len(self.header) - len(row))
        row[self._error_index] = escape_cell(message)
        self._writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        if self._owned and self._out is not None:
            self._out.close()
        self._out = None

    def __enter__(self) -> ErrorFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def errors_path(path: str | os.PathLike) -> Path:
    """Where the error file of an uploaded file goes: `FILE.errors.csv` next to it."""
    path = Path(path)
    return path.with_name(path.name + ".errors.csv")
