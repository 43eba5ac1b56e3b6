"""Reading assessments back: counts per level, what changed since last week, the trend of a unit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext

from epiwatch.levels.models import COLOUR_WORDS, LEVELS, Assessment, AssessmentQuerySet

TREND_WEEKS = 8


def level_counts(assessments) -> dict[int, int]:
    """Units per level (declared when declared, proposed otherwise), every level present, highest first."""
    counted = Counter(a.level for a in assessments)
    return {level: counted[level] for level in sorted(LEVELS, reverse=True)}


def counts_text(counts: dict[int, int]) -> str:
    """'20 đỏ, 8 cam, 36 vàng' in the active language: the levels that have units, highest first."""
    parts = [f"{n} {COLOUR_WORDS[level]}" for level, n in counts.items() if n]
    return ", ".join(parts) if parts else gettext("no unit assessed")


@dataclass(frozen=True)
class Change:
    assessment: Assessment
    before: int
    after: int

    @property
    def direction(self) -> str:
        return "up" if self.after > self.before else "down"


def changes(current: AssessmentQuerySet | list[Assessment], previous: AssessmentQuerySet) -> list[Change]:
    """The units whose level went up or down against the week before (two queries), highest rise first."""
    before = {a.area_id: a.level for a in previous.only("area_id", "proposed_level", "declared_level")}
    found = [
        Change(a, before[a.area_id], a.level)
        for a in current
        if a.area_id in before and before[a.area_id] != a.level
    ]
    return sorted(found, key=lambda c: (-(c.after - c.before), c.assessment.area.path))


def previous_week(week_ending: dt.date) -> dt.date:
    return week_ending - dt.timedelta(days=7)


def trend(visible: AssessmentQuerySet, area, week_ending: dt.date, weeks: int = TREND_WEEKS) -> list:
    """The unit's assessments for the weeks ending 7, 14, ... days before `week_ending` (oldest first), None where
    a week was not assessed (one query)."""
    days = [week_ending - dt.timedelta(days=7 * i) for i in range(weeks - 1, -1, -1)]
    found = {a.week_ending: a for a in visible.filter(area=area, week_ending__in=days)}
    return [(day, found.get(day)) for day in days]
