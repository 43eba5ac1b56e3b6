"""Exports: one class per kind, declared in `<app>/exporters.py`, used by the `export` command and web pages.

    @exporting.register
    class AreaExporter(exporting.Exporter):
        kind = "areas"
        columns = ("code", "name", "kind", "parent_code", "population")

        def rows(self, scope, area=None, date_from=None, date_to=None, **options):
            for area in access.visible(Area, scope)...:
                yield (area.code, ...)

`rows()` always filters through the access module with the scope it is given (operators' commands pass
`access.FULL`); column names are stable snake_case English, whatever the interface language. `write()` turns the
rows into a CSV or XLSX file, `response()` into a download for the web.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from epiwatch.lib import tabular
from epiwatch.lib.importing import UnknownKind

FORMATS = ("csv", "xlsx")


class Exporter:
    kind: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    columns: ClassVar[tuple[str, ...]] = ()
    # whether --from/--to mean something for this kind (the date they filter on is the exporter's business)
    dated: ClassVar[bool] = False

    def rows(
        self,
        scope,
        area=None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        **options: Any,
    ) -> Iterator[tuple]:
        raise NotImplementedError

    def after_export(self, rows: int, area=None, **filters: Any) -> None:
        """Called once an export was written (`rows` data rows): person-level exports leave an audit event."""

    def filename(self, fmt: str) -> str:
        return f"{self.kind}-{dt.date.today():%Y%m%d}.{fmt}"

    def write(self, target: str | os.PathLike | IO, fmt: str = "csv", bom: bool = True, **kwargs: Any) -> int:
        """Write the export to a path or stream (text for CSV, binary for XLSX); returns the number of rows."""
        rows = self.rows(**kwargs)
        if fmt == "xlsx":
            return tabular.write_xlsx(target, self.columns, rows, sheet_title=self.kind)
        if fmt == "csv":
            return tabular.write_csv(target, self.columns, rows, bom=bom)
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")

    def response(self, fmt: str = "csv", **kwargs: Any):
        """A download: CSV streamed as it is produced, XLSX built in a temporary file."""
        rows = self.rows(**kwargs)
        if fmt == "xlsx":
            return tabular.xlsx_response(self.filename(fmt), self.columns, rows, sheet_title=self.kind)
        return tabular.csv_response(self.filename("csv"), self.columns, rows)


_exporters: dict[str, type[Exporter]] = {}


def register(exporter: type[Exporter]) -> type[Exporter]:
    """Class decorator: make an exporter available by its kind."""
    if not exporter.kind or not exporter.columns:
        raise ValueError(f"{exporter.__name__} needs a kind and columns")
    existing = _exporters.get(exporter.kind)
    if existing is not None and existing.__qualname__ != exporter.__qualname__:
        raise ValueError(f"export kind {exporter.kind!r} is registered twice ({existing.__name__})")
    _exporters[exporter.kind] = exporter
    return exporter


def get(kind: str) -> type[Exporter]:
    try:
        return _exporters[kind]
    except KeyError:
        raise UnknownKind(kind, _exporters, what="export") from None


def kinds() -> list[str]:
    return sorted(_exporters)


def batched(iterable, size: int):
    """Lists of up to `size` items (itertools.batched arrives in Python 3.12)."""
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
