"""Sections of the person page that other apps contribute (test results, cases, doses, quarantine...).

An app registers a function `fn(person, user) -> Section | None` (None: nothing to show this user); the page
renders each section's template with its context, in registration order. The people app knows none of them.

    @sections.register
    def results(person, user):
        rows = access.visible(TestResult, user).filter(person=person)[:50]
        return sections.Section(_("Test results"), "labs/_person_results.html", {"results": rows}) if rows else None
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from epiwatch.people.models import Person


@dataclass
class Section:
    title: str
    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[[Person, object], "Section | None"]
_providers: list[Provider] = []


def register(fn: Provider) -> Provider:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def sections_for(person: Person, user) -> list[Section]:
    return [section for fn in _providers if (section := fn(person, user)) is not None]
