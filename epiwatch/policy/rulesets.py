"""Rule sets: named, immutable versions of a family of rules, each in force from a date.

A rule set is a JSON document (the shipped ones live in `data/`, one file per family and version, named
`<family>-<name>.json`) with a header and the family's rules:

    {"family": "levels", "name": "BYT-4800",
     "title": {"en": "...", "vi": "..."}, "source": "Decision 4800/QĐ-BYT (12 Oct 2021)",
     "effective_from": "2021-10-12", "effective_until": null, "note": "...",
     "rules": {...}}

`load()` builds a frozen `RuleSet` from it and refuses it, with a message naming the version and the problem,
when an evaluator could not use it. A `History` holds the versions of every family: a version is in force from
its `effective_from` until the next version of its family starts (or until its own `effective_until`), so a
province adjusting the criteria (Resolution 128 allows it) adds a version instead of editing one, and every
decision keeps pointing at the version that made it. Two versions never share a name with different content.

Values marked unconfirmed in the data (see `reader`) are listed in `RuleSet.unconfirmed`, for pages to label.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epiwatch.policy.reader import Flags, Node, RuleSetError
from epiwatch.policy.schema import FAMILIES, PARSERS

__all__ = [
    "FAMILIES",
    "History",
    "NoRuleSetInForce",
    "RuleSet",
    "RuleSetError",
    "builtin",
    "get",
    "in_force",
    "load",
    "loads",
    "read",
    "versions",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

# Names appear in file names, URLs and stored decisions ("BYT-4800:antigen-f1"): keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class NoRuleSetInForce(LookupError):
    """No version of the family is in force on the date asked about."""


@dataclass(frozen=True)
class RuleSet:
    family: str
    name: str
    title_en: str
    title_vi: str
    source: str
    effective_from: dt.date
    effective_until: dt.date | None  # an expiry written in the version itself; None: until superseded
    note: str
    rules: Any  # the family's frozen rules dataclass (schema.LevelRules, ...)
    unconfirmed: frozenset[str]  # dotted paths of values or tables marked unconfirmed
    notes: tuple[tuple[str, str], ...]  # (path, note) pairs
    document: str  # the canonical JSON text: what a database would store
    digest: str  # sha256 of `document`

    @property
    def key(self) -> str:
        return f"{self.family}:{self.name}"

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang.startswith("vi") else self.title_en

    def is_unconfirmed(self, path: str) -> bool:
        """True when the value at path, or a table that contains it, is marked unconfirmed."""
        return any(path == flagged or path.startswith(flagged + ".") for flagged in self.unconfirmed)

    def note_for(self, path: str) -> str:
        return dict(self.notes).get(path, "")

    def rule_name(self, rule: str) -> str:
        """The name a decision stores: the version and the rule inside it, 'BYT-DP-11042:antigen-positive-f1'."""
        return f"{self.name}:{rule}"

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.document)

    def __str__(self) -> str:
        return self.key


def load(data: Mapping[str, Any]) -> RuleSet:
    """Build and check a rule set from its JSON data; RuleSetError names the version and what is wrong."""
    if not isinstance(data, Mapping):
        raise RuleSetError("a rule set must be a JSON object")
    family = data.get("family")
    name = data.get("name")
    if family not in FAMILIES:
        raise RuleSetError(f"rule set family {family!r} is not one of: {', '.join(FAMILIES)}")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RuleSetError(
            f"{family} rule set name {name!r} must be letters, digits, '.', '_' or '-' (up to 64 characters)"
        )
    try:
        return _build(family, name, dict(data))
    except RuleSetError as error:
        raise RuleSetError(f"{family} rule set {name}: {error}") from None


def _build(family: str, name: str, data: dict[str, Any]) -> RuleSet:
    flags = Flags()
    root = Node(data, "", flags)
    root.text("family")
    root.text("name")
    title_en, title_vi = root.bilingual("title")
    source = root.text("source")
    effective_from = root.date("effective_from")
    effective_until = root.date("effective_until", required=False)
    if effective_until is not None and effective_until < effective_from:
        raise RuleSetError(f"it ends on {effective_until} before it starts on {effective_from}")
    note = root.text("note", required=False) or ""
    rules_node = root.node("rules")
    rules = PARSERS[family](rules_node)
    rules_node.done()
    root.done()
    document = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return RuleSet(
        family=family,
        name=name,
        title_en=title_en,
        title_vi=title_vi,
        source=source,
        effective_from=effective_from,
        effective_until=effective_until,
        note=note,
        rules=rules,
        unconfirmed=frozenset(flags.unconfirmed),
        notes=tuple(sorted(flags.notes.items())),
        document=document,
        digest=hashlib.sha256(document.encode()).hexdigest(),
    )


def loads(text: str) -> RuleSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RuleSetError(f"not valid JSON: {error}") from None
    return load(data)


def read(path: Path) -> RuleSet:
    """A rule set file; its name must be `<family>-<name>.json` so the folder cannot hold a version twice."""
    try:
        ruleset = loads(path.read_text(encoding="utf-8"))
    except RuleSetError as error:
        raise RuleSetError(f"{path.name}: {error}") from None
    expected = f"{ruleset.family}-{ruleset.name}.json"
    if path.name != expected:
        raise RuleSetError(f"{path.name}: holds {ruleset.key}, so it must be named {expected}")
    return ruleset


class History:
    """Every version of every family, checked to never leave two versions in force on the same day."""

    def __init__(self, rulesets: Iterable[RuleSet]) -> None:
        by_family: dict[str, list[RuleSet]] = {family: [] for family in FAMILIES}
        names: dict[str, RuleSet] = {}
        for ruleset in rulesets:
            known = names.get(ruleset.key)
            if known is not None:
                if known.digest == ruleset.digest:
                    continue  # the same version twice (shipped and stored): one version
                raise RuleSetError(
                    f"{ruleset.family} rule set {ruleset.name} already exists with different content; "
                    "versions are immutable: give the new one a new name"
                )
            names[ruleset.key] = ruleset
            by_family[ruleset.family].append(ruleset)
        self._families: dict[str, tuple[RuleSet, ...]] = {}
        for family, members in by_family.items():
            ordered = sorted(members, key=lambda r: r.effective_from)
            for before, after in zip(ordered, ordered[1:], strict=False):
                if before.effective_from == after.effective_from:
                    raise RuleSetError(
                        f"{family} rule sets {before.name} and {after.name} both take effect on "
                        f"{after.effective_from}"
                    )
                if before.effective_until is not None and before.effective_until >= after.effective_from:
                    raise RuleSetError(
                        f"{family} rule sets {before.name} (until {before.effective_until}) and {after.name} "
                        f"(from {after.effective_from}) overlap"
                    )
            self._families[family] = tuple(ordered)

    def versions(self, family: str) -> tuple[RuleSet, ...]:
        """The family's versions, oldest first."""
        return self._families[_family(family)]

    def get(self, family: str, name: str) -> RuleSet:
        for ruleset in self.versions(family):
            if ruleset.name == name:
                return ruleset
        raise LookupError(f"there is no {family} rule set named {name}")

    def in_force(self, family: str, on_date: dt.date) -> RuleSet:
        if not isinstance(on_date, dt.date) or isinstance(on_date, dt.datetime):
            raise TypeError(f"on_date must be a date, got {on_date!r}")
        current = None
        for ruleset in self.versions(family):
            if ruleset.effective_from <= on_date:
                current = ruleset
        if current is None or (current.effective_until is not None and on_date > current.effective_until):
            raise NoRuleSetInForce(f"no {family} rule set is in force on {on_date}")
        return current

    def in_force_until(self, ruleset: RuleSet) -> dt.date | None:
        """The last day the version is in force: its own end, or the day before the next version starts."""
        following = [r for r in self.versions(ruleset.family) if r.effective_from > ruleset.effective_from]
        ends = [r.effective_from - dt.timedelta(days=1) for r in following[:1]]
        if ruleset.effective_until is not None:
            ends.append(ruleset.effective_until)
        return min(ends) if ends else None

    def with_version(self, ruleset: RuleSet) -> History:
        """A new history that also holds this version (the shipped history is never changed in place)."""
        return History([*self.all(), ruleset])

    def all(self) -> list[RuleSet]:
        return [ruleset for family in FAMILIES for ruleset in self._families[family]]


def _family(family: str) -> str:
    if family not in FAMILIES:
        raise LookupError(f"rule set family {family!r} is not one of: {', '.join(FAMILIES)}")
    return family


@functools.cache
def builtin() -> History:
    """The versions shipped in data/ (read once per process)."""
    return History(read(path) for path in sorted(DATA_DIR.glob("*.json")))


def in_force(family: str, on_date: dt.date) -> RuleSet:
    """The shipped version of the family in force on the date: in_force("levels", date(2022, 1, 27)) is 218."""
    return builtin().in_force(family, on_date)


def get(family: str, name: str) -> RuleSet:
    return builtin().get(family, name)


def versions(family: str) -> tuple[RuleSet, ...]:
    return builtin().versions(family)
