"""One cell, in and out: what a read cell becomes as text, and the escape that keeps text from running as a
formula in a spreadsheet program (CSV injection)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_INTEGRAL_TEXT = re.compile(r"^-?\d+\.0$")  # not "1.000": Vietnamese for one thousand


def cell_text(value: Any) -> str:
    """A cell as text: numbers that are really IDs lose their '.0' (79012345678.0 -> '79012345678'), dates are
    ISO, text is NFC-normalised (Windows-1258 and macOS write tone marks as combining characters) and stripped,
    and the `'` that escapes a formula-like cell is removed again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        text = text[1:]
    if _INTEGRAL_TEXT.match(text):
        text = text.split(".", 1)[0]
    return text


def escape_cell(value: Any) -> Any:
    """Text that a spreadsheet program would run as a formula gets a leading `'`; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
