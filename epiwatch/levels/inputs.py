"""Where an assessment's inputs come from: the ONLY module that knows.

- criterion 1: confirmed cases by residence at report (`cases.Case.area`), counted in one grouped query and
  rolled up from communes (and villages) to districts and the province, so each unit is assessed on its own
  totals. Community cases are those not found in quarantine or in a locked-down area.
- criterion 2: vaccine coverage from the vaccination app's coverage function (doses, population and aggregate
  counts are its business).
- criterion 3: the per-area capacity status set by hand (`CapacityStatus`) until the treatment-capacity work
  computes it; it is read here, and only here.
- population: `geo.loading.population_by_area` (an area without its own figures sums its sub-areas').
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from epiwatch.cases.models import CaseOutcome, Classification, DetectionSetting, Severity
from epiwatch.geo.loading import population_by_area
from epiwatch.geo.models import Area, Population
from epiwatch.levels.models import CapacityStatus
from epiwatch.lib.dates import window_ending

# cases found here are not community cases (Resolution 128, criterion 1)
NOT_COMMUNITY = (DetectionSetting.QUARANTINE, DetectionSetting.LOCKDOWN)
SEVERE = (Severity.SEVERE, Severity.CRITICAL)


# --- criterion 1: cases -----------------------------------------------------------------------------------------


@dataclass
class CaseCounts:
    community_cases_7d: int = 0
    cases_7d: int = 0
    deaths_7d: int = 0
    severe_7d: int = 0
    last_community_case: dt.date | None = None
    last_case: dt.date | None = None

    def add(self, other: CaseCounts) -> None:
        self.community_cases_7d += other.community_cases_7d
        self.cases_7d += other.cases_7d
        self.deaths_7d += other.deaths_7d
        self.severe_7d += other.severe_7d
        self.last_community_case = _later(self.last_community_case, other.last_community_case)
        self.last_case = _later(self.last_case, other.last_case)

    def days_since(self, counts: str, week_ending: dt.date) -> int | None:
        """Days from the last case criterion 1 counts (`counts`: community_cases_7d or cases_7d) to the end of
        the week: 0 when there was one that day; None when there is none on record."""
        last = self.last_community_case if counts == "community_cases_7d" else self.last_case
        return None if last is None else (week_ending - last).days


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _in_subtrees(path_field: str, paths: Sequence[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{path_field: path}) | Q(**{f"{path_field}__startswith": path + "/"})
    return q


def case_counts(
    provinces: Sequence[Area] | None,
    week_ending: dt.date,
    window_days: int = 7,
    dataset: str = "vn-2021",
    paths: dict[int, str] | None = None,
) -> dict[str, CaseCounts]:
    """Confirmed cases per area path, rolled up: every commune, district and province (and village) with a case
    on record up to `week_ending` gets the counts of its whole subtree.

    One grouped query over the cases reported up to the end of the week (the last case may be long before the
    window), grouped by residence without a join; `paths` (area pk -> path, the units being assessed) saves
    looking up the areas again, and only residences not in it (villages) are read, in one query per 2,000.
    `provinces=None` counts the whole dataset (a nightly run for the country).
    """
    from epiwatch.cases.models import Case

    first, last = window_ending(week_ending, window_days)
    in_window = Q(report_date__gte=first)
    community = ~Q(detection_setting__in=NOT_COMMUNITY)
    cases = Case.objects.filter(classification=Classification.CONFIRMED, report_date__lte=last)
    if provinces is not None:
        areas = Area.objects.filter(dataset=dataset).filter(_in_subtrees("path", [p.path for p in provinces]))
        cases = cases.filter(area__in=areas.values("pk"))
    rows = list(
        cases.order_by()
        .values("area_id")
        .annotate(
            community=Count("pk", filter=in_window & community),
            cases=Count("pk", filter=in_window),
            severe=Count("pk", filter=in_window & Q(severity__in=SEVERE)),
            deaths=Count(
                "pk", filter=Q(outcome=CaseOutcome.DIED, outcome_date__gte=first, outcome_date__lte=last)
            ),
            last_community=Max("report_date", filter=community),
            last_case=Max("report_date"),
        )
    )
    paths = dict(paths or {})
    missing = sorted({row["area_id"] for row in rows} - paths.keys())
    for start in range(0, len(missing), 2000):
        chunk = missing[start : start + 2000]
        paths.update(Area.objects.filter(dataset=dataset, pk__in=chunk).values_list("pk", "path"))
    totals: dict[str, CaseCounts] = {}
    for row in rows:
        path = paths.get(row["area_id"])
        if path is None:
            continue  # a residence in another dataset
        counts = CaseCounts(
            row["community"],
            row["cases"],
            row["deaths"],
            row["severe"],
            row["last_community"],
            row["last_case"],
        )
        # the area itself and each ancestor: at most four steps up the path
        while path:
            totals.setdefault(path, CaseCounts()).add(counts)
            cut = path.rfind("/")
            path = path[:cut] if cut > 0 else ""
    return totals


# --- population ---------------------------------------------------------------------------------------------------


def population_year(on_date: dt.date, years: Iterable[int]) -> int | None:
    """The figures to divide by: the year of the assessment, else the latest year before it, else the earliest
    after it (a province that imported next year's figures early)."""
    years = sorted(set(years))
    before = [y for y in years if y <= on_date.year]
    if before:
        return before[-1]
    return years[0] if years else None


def population(areas: Sequence[Area], on_date: dt.date) -> dict[int, Population]:
    """Population per area pk for the assessment date; areas without figures at or below them are absent."""
    if not areas:
        return {}
    codes = sorted({a.province_code for a in areas})
    years = Population.objects.filter(area__dataset=areas[0].dataset)
    if len(codes) <= 10:  # else the whole dataset: one scan beats a long OR of prefixes
        years = years.filter(_in_subtrees("area__path", codes))
    years = years.order_by().values_list("year", flat=True).distinct()
    year = population_year(on_date, years)
    return population_by_area(areas, year) if year else {}


# --- criterion 2: vaccine coverage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Percentages (0-100) of criterion 2; None when the figures cannot say (no population in the band)."""

    adults_1dose_pct: float | None = None
    elderly_full_pct: float | None = None
    population_full_pct: float | None = None
    high_risk_full_pct: float | None = None
    source: str = ""


def coverage(areas: Sequence[Area], on_date: dt.date) -> dict[int, Coverage]:
    """Coverage of every area on the day, keyed by area pk, from the vaccination app: one call per top area
    (a province), which counts its whole subtree in a few grouped queries."""
    from epiwatch.vaccination.coverage import coverage_by_area

    paths = {a.path for a in areas}
    roots = [a for a in areas if not any(p in paths for p in _ancestor_paths(a.path))]
    wanted = {a.pk for a in areas}
    result = {}
    for root in roots:
        for pk, found in coverage_by_area(root, on_date).items():
            if pk not in wanted:
                continue
            result[pk] = Coverage(
                adults_1dose_pct=found.adults_1dose_pct,
                elderly_full_pct=found.elderly_full_pct,
                population_full_pct=found.population_full_pct,
                # Decision 218's "high-risk groups": the one the coverage figures know is people aged 65+
                high_risk_full_pct=found.elderly_full_pct,
                source="aggregate" if found.aggregate else "records",
            )
    return result


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


# --- criterion 3: care capacity -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    ok: bool
    reason: str = ""
    known: bool = True  # False: nobody set it, so it counts as met
    reason_en: str = ""


UNKNOWN_CAPACITY = Capacity(ok=True, known=False)


def capacity(areas: Sequence[Area], on_date: dt.date) -> dict[int, Capacity]:
    """Criterion 3 for each area on the day: computed from the recorded treatment capacity
    (`epiwatch.care.capacity.criterion3`), unless a person set a status by hand on or before the day (the latest
    wins over the computed one). An area with neither counts as meeting its requirements (`known=False`, shown as
    such). A few queries whatever the number of areas."""
    from epiwatch.care.capacity import criterion3

    ids = [a.pk for a in areas]
    result: dict[int, Capacity] = {
        pk: Capacity(ok=c.ok, reason=c.reason_vi, reason_en=c.reason_en)
        for pk, c in criterion3(areas, on_date).items()
    }
    statuses = (
        CapacityStatus.objects.in_force_on(on_date)
        .filter(area_id__in=ids)
        .order_by("area_id", "-date")
        .values_list("area_id", "ok", "reason")
    )
    if len(ids) > 2000:  # the whole country: one scan instead of a long IN list
        statuses = (
            CapacityStatus.objects.in_force_on(on_date)
            .order_by("area_id", "-date")
            .values_list("area_id", "ok", "reason")
        )
    overridden: set[int] = set()
    for area_id, ok, reason in statuses:
        if area_id not in overridden:
            overridden.add(area_id)
            result[area_id] = Capacity(ok=ok, reason=reason, reason_en=reason)
    return result
