"""Why an evaluator decided what it did, in both languages the platform speaks."""

from __future__ import annotations

from dataclasses import dataclass

from epiwatch.lib.numfmt import language


@dataclass(frozen=True)
class Reason:
    code: str  # stable, for tests and for code that reacts to a reason ("capacity_not_met")
    en: str
    vi: str

    def text(self, lang: str = "vi") -> str:
        return self.vi if language(lang) == "vi" else self.en

    def __str__(self) -> str:
        return self.en
