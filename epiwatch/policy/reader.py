"""Reading a rule set's JSON: typed getters that refuse bad values with the place they sit, and the flags.

Any value may be written plainly (`"below": 50`) or with a flag and a note next to it
(`"below": {"value": 50, "unconfirmed": true, "note": "middle cut as commonly cited"}`); any table (a JSON
object) may carry `"unconfirmed": true` and a `"note"` that cover everything in it. The reader records the dotted
path of each flagged value or table ("rules.criterion1.bands.B.below", "rules.matrix") so pages can label them.
Unknown keys are refused, so a typo in an administrator's version fails loudly instead of being ignored.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, TypeGuard

_FLAG_KEYS = {"value", "unconfirmed", "note"}


class RuleSetError(ValueError):
    """A rule set that cannot be used; the message names the version and the problem."""


class Flags:
    """What one rule set's reading found: the unconfirmed paths and the notes."""

    def __init__(self) -> None:
        self.unconfirmed: set[str] = set()
        self.notes: dict[str, str] = {}

    def take(self, path: str, holder: dict[str, Any]) -> None:
        flag = holder.get("unconfirmed", False)
        if not isinstance(flag, bool):
            raise RuleSetError(
                f"'unconfirmed' of {path or 'the rule set'} must be true or false, got {flag!r}"
            )
        if flag:
            self.unconfirmed.add(path)
        note = holder.get("note")
        if note is not None:
            if not isinstance(note, str):
                raise RuleSetError(f"the note of {path or 'the rule set'} must be text")
            self.notes[path] = note


def is_flagged_value(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and "value" in value and set(value) <= _FLAG_KEYS


def join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


class Node:
    """One JSON object of a rule set, read key by key."""

    def __init__(self, data: Any, path: str, flags: Flags, what: str = "") -> None:
        self.path = path
        self.what = what or path or "the rule set"
        if not isinstance(data, dict):
            raise RuleSetError(f"{self.what} must be an object, got {type(data).__name__}")
        self.data = data
        self.flags = flags
        self.used = {"unconfirmed", "note"}
        flags.take(path, data)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str, required: bool = True) -> Any:
        """The value under key, unwrapped from its flag; None when absent and not required."""
        self.used.add(key)
        value = self.data.get(key)
        if is_flagged_value(value):
            self.flags.take(join(self.path, key), value)
            value = value["value"]
        if value is None and required:
            raise RuleSetError(f"{self.where(key)} is missing")
        return value

    def where(self, key: str) -> str:
        return f"'{key}' of {self.what}"

    def number(
        self,
        key: str,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
        required: bool = True,
    ) -> Any:
        value = self.raw(key, required)
        if value is None:
            return None
        kind = "a whole number" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RuleSetError(f"{self.where(key)} must be {kind}, got {value!r}")
        if integer and value != int(value):
            raise RuleSetError(f"{self.where(key)} must be {kind}, got {value!r}")
        if minimum is not None and value < minimum:
            raise RuleSetError(f"{self.where(key)} is {value}, below the minimum of {minimum}")
        if maximum is not None and value > maximum:
            raise RuleSetError(f"{self.where(key)} is {value}, above the maximum of {maximum}")
        return int(value) if integer else value

    def integer(
        self, key: str, minimum: int | None = None, maximum: int | None = None, required: bool = True
    ) -> Any:
        return self.number(key, minimum, maximum, integer=True, required=required)

    def text(self, key: str, required: bool = True) -> Any:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise RuleSetError(f"{self.where(key)} must be non-empty text, got {value!r}")
        return value.strip()

    def boolean(self, key: str, required: bool = True) -> Any:
        value = self.raw(key, required)
        if value is not None and not isinstance(value, bool):
            raise RuleSetError(f"{self.where(key)} must be true or false, got {value!r}")
        return value

    def date(self, key: str, required: bool = True) -> Any:
        value = self.raw(key, required)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise RuleSetError(
                f"{self.where(key)} must be a date written YYYY-MM-DD, got {value!r}"
            ) from None

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.raw(key)
        if value not in choices:
            raise RuleSetError(f"{self.where(key)} is {value!r}, not one of: {', '.join(choices)}")
        return value

    def choices(self, key: str, choices: tuple[str, ...], required: bool = True) -> tuple[str, ...]:
        value = self.raw(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise RuleSetError(f"{self.where(key)} must be a list of names")
        for item in value:
            if item not in choices:
                raise RuleSetError(f"{self.where(key)} names {item!r}, not one of: {', '.join(choices)}")
        if len(set(value)) != len(value):
            raise RuleSetError(f"{self.where(key)} names the same entry twice")
        return tuple(value)

    def bilingual(self, key: str) -> tuple[str, str]:
        """A {"en": ..., "vi": ...} pair, returned as (en, vi)."""
        node = self.node(key)
        pair = (node.text("en"), node.text("vi"))
        node.done()
        return pair

    def node(self, key: str, what: str = "") -> Node:
        value = self.raw(key)
        return Node(value, join(self.path, key), self.flags, what or f"'{key}' of {self.what}")

    def items(self, key: str, label_key: str, what: str) -> list[Node]:
        """A list of objects, each named by its label_key ("band": "B"), read with that name in its path."""
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            raise RuleSetError(f"{self.where(key)} must be a non-empty list")
        nodes = []
        seen = set()
        for position, item in enumerate(value, start=1):
            label = item.get(label_key) if isinstance(item, dict) else None
            if is_flagged_value(label):
                label = label["value"]
            if label is None or isinstance(label, bool | list | dict):
                raise RuleSetError(f"entry {position} of {self.where(key)} has no '{label_key}'")
            if label in seen:
                raise RuleSetError(f"{what} {label} is defined twice")
            seen.add(label)
            nodes.append(Node(item, join(join(self.path, key), label), self.flags, f"{what} {label}"))
        return nodes

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise RuleSetError(f"unknown field '{unknown[0]}' in {self.what}")
