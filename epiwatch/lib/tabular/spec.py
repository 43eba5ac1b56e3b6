"""The column spec of a kind of file: canonical names, Vietnamese headers, aliases; how a header row maps
onto them, and the errors of reading a table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from epiwatch.lib.text import unaccent

ERROR_COLUMN = "error"  # the column the error file adds, ignored when the file comes back

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


class TableError(ValueError):
    """The file cannot be read as a table of the expected kind; the message says why."""


class HeaderError(TableError):
    """The header row does not fit the column spec (missing, unknown or repeated columns)."""


def header_key(text: Any) -> str:
    """The form headers are compared in: no accents, no case, no spaces or punctuation ('Mã xã' == 'MA_XA')."""
    return _NON_ALNUM.sub("", unaccent(str(text or "")).casefold())


# --- the column spec -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a kind of file: its canonical snake_case name, its Vietnamese header, other accepted
    headers, and whether a file without it is refused."""

    name: str
    vi: str = ""
    aliases: tuple[str, ...] = ()
    required: bool = False

    def keys(self) -> set[str]:
        return {header_key(h) for h in (self.name, self.vi, *self.aliases) if header_key(h)}

    def label(self) -> str:
        return f"{self.name} ({self.vi})" if self.vi else self.name


class Spec:
    """The columns of one kind of file, and how a header row maps onto them."""

    def __init__(self, kind: str, columns: Sequence[Column]):
        self.kind = kind
        self.columns = tuple(columns)
        self._by_key: dict[str, str] = {}
        for column in self.columns:
            for key in column.keys():
                other = self._by_key.setdefault(key, column.name)
                if other != column.name:
                    raise ValueError(f"{kind}: header {key!r} would mean both {other} and {column.name}")
        if header_key(ERROR_COLUMN) in self._by_key:
            raise ValueError(f"{kind}: {ERROR_COLUMN!r} is reserved for the error file")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def header(self, language: str = "en") -> list[str]:
        """The header row of a template: canonical names ('en') or Vietnamese headers ('vi')."""
        if language == "vi":
            return [c.vi or c.name for c in self.columns]
        return self.names

    def match(self, cell: Any) -> str | None:
        return self._by_key.get(header_key(cell))

    def score(self, cells: Sequence[str]) -> int:
        """How many distinct columns of the spec a candidate header row names."""
        return len({m for m in map(self.match, cells) if m})

    def resolve(self, cells: Sequence[str]) -> dict[str, int]:
        """Column name -> index in the row. Raises HeaderError saying what is wrong."""
        found: dict[str, list[int]] = {}
        for index, cell in enumerate(cells):
            name = self.match(cell)
            if name:
                found.setdefault(name, []).append(index)
        if not found:
            raise HeaderError(
                _("This does not look like a %(kind)s file: expected columns %(columns)s.")
                % {"kind": self.kind, "columns": ", ".join(c.label() for c in self.columns)}
            )
        repeated = {name: idx for name, idx in found.items() if len(idx) > 1}
        if repeated:
            raise HeaderError(
                _("Column(s) given more than once: %(columns)s.")
                % {
                    "columns": "; ".join(
                        _("%(name)s in columns %(letters)s")
                        % {"name": name, "letters": ", ".join(column_letter(i) for i in idx)}
                        for name, idx in repeated.items()
                    )
                }
            )
        missing = [c for c in self.columns if c.required and c.name not in found]
        if missing:
            raise HeaderError(
                _("Missing required column(s): %(columns)s.")
                % {"columns": ", ".join(c.label() for c in missing)}
            )
        return {name: idx[0] for name, idx in found.items()}


def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB': how a spreadsheet names the column at a 0-based index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
