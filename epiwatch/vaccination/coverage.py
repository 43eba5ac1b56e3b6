"""Vaccination coverage per area and age band, on a day or as a daily series, against the targets.

Numerators come from `VaccinationStatus` (one row per vaccinated person, kept by `status.refresh`): one grouped
query counts, for every area that has residents, the people of each age band with at least one dose, fully
vaccinated and boosted; the sums are then rolled up the area tree in Python (a village into its commune, a commune
into its district...). Where a commune reported aggregate counts (`CoverageCount`), the count for that age band and
level is the larger of the reported figure and the individual records, and the figure is marked aggregate there and
above. Denominators are the population figures (`geo.loading.population_by_area`) of the latest year not after the
day; the 5-17 band is split into 5-11 and 12-17 in proportion to the years it spans (7/13 and 6/13), an estimate
the pages say is one.

Ages are taken on the day counted. A series takes them on its last day (one query per dose level for the whole
series instead of one per day): a person who turned 18 during the series counts as an adult on its earlier days
too, so the series' last day equals `coverage(area, last)` exactly and earlier days may differ from
`coverage(area, day)` by the few people with such a birthday.

`coverage(area, day)` is what the epidemic level's criterion 2 reads; `coverage_by_area(root, day)` gives every area
of a subtree at once (the levels assess all communes of a province in one call).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, DateField, F, Q, Value, When

from epiwatch.geo.loading import population_by_area
from epiwatch.geo.models import Area, Population
from epiwatch.vaccination.models import (
    AgeBand,
    CoverageCount,
    CoverageTarget,
    DoseLevel,
    Indicator,
    VaccinationStatus,
)

BANDS = tuple(AgeBand.values)  # 5_11, 12_17, 18_64, 65_plus
OTHER = "other"  # under 5, or age unknown: counted in the totals only
LEVELS = tuple(DoseLevel.values)  # 1dose, full, booster
LEVEL_FIELDS = {DoseLevel.ONE_DOSE: "first_on", DoseLevel.FULL: "full_on", DoseLevel.BOOSTER: "booster_on"}
# the 5-17 population band spans 13 years of age: 5-11 is 7 of them, 12-17 six
CHILDREN_SHARE_OF_5_17 = 7 / 13
ONE_DAY = dt.timedelta(days=1)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band(on: dt.date) -> Case:
    """SQL: the age band of a status's person on `on` (born_on at or before the day they turned 65, 18...)."""
    return Case(
        When(born_on__lte=years_before(on, 65), then=Value(AgeBand.ELDERLY.value)),
        When(born_on__lte=years_before(on, 18), then=Value(AgeBand.ADULTS_18_64.value)),
        When(born_on__lte=years_before(on, 12), then=Value(AgeBand.TEENS.value)),
        When(born_on__lte=years_before(on, 5), then=Value(AgeBand.CHILDREN.value)),
        default=Value(OTHER),
        output_field=CharField(),
    )


# --- the counts of one area -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """People per (level, band) in an area, and which of those figures include aggregate counts."""

    counts: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    aggregate: set[tuple[str, str]] = field(default_factory=set)

    def add(self, other: Tally) -> None:
        for key, value in other.counts.items():
            self.counts[key] += value
        self.aggregate |= other.aggregate

    def get(self, level: str, *bands: str) -> int:
        return sum(self.counts.get((level, band), 0) for band in bands)


@dataclass(frozen=True)
class TargetStatus:
    """How an area stands against one target: the share reached and the people still to vaccinate."""

    target: CoverageTarget
    pct: float | None
    shortfall: int | None
    denominator: int

    @property
    def met(self) -> bool:
        return self.pct is not None and self.pct >= float(self.target.target_pct)


def _pct(count: int, population: int | None) -> float | None:
    if not population:
        return None
    return round(100 * count / population, 2)


@dataclass(frozen=True)
class Coverage:
    """Coverage of one area on one day. Percentages are 0-100 (None when the population is not known)."""

    area: Area
    on: dt.date
    population: Population | None
    tally: Tally
    targets: tuple[CoverageTarget, ...] = ()

    # --- denominators
    @property
    def population_year(self) -> int | None:
        return self.population.year if self.population else None

    @property
    def total_population(self) -> int | None:
        return self.population.total if self.population else None

    @property
    def adults(self) -> int | None:
        return self.population.adults if self.population else None

    @property
    def elderly(self) -> int | None:
        return self.population.age_65_plus if self.population else None

    @property
    def children(self) -> int | None:
        """Aged 5-11: an estimate, 7/13 of the 5-17 band."""
        return round(self.population.age_5_17 * CHILDREN_SHARE_OF_5_17) if self.population else None

    @property
    def teens(self) -> int | None:
        """Aged 12-17: an estimate, the rest of the 5-17 band."""
        return self.population.age_5_17 - self.children if self.population else None

    # --- numerators
    @property
    def adults_1dose(self) -> int:
        return self.tally.get(DoseLevel.ONE_DOSE, AgeBand.ADULTS_18_64, AgeBand.ELDERLY)

    @property
    def adults_full(self) -> int:
        return self.tally.get(DoseLevel.FULL, AgeBand.ADULTS_18_64, AgeBand.ELDERLY)

    @property
    def elderly_1dose(self) -> int:
        return self.tally.get(DoseLevel.ONE_DOSE, AgeBand.ELDERLY)

    @property
    def elderly_full(self) -> int:
        return self.tally.get(DoseLevel.FULL, AgeBand.ELDERLY)

    @property
    def teens_1dose(self) -> int:
        return self.tally.get(DoseLevel.ONE_DOSE, AgeBand.TEENS)

    @property
    def teens_full(self) -> int:
        return self.tally.get(DoseLevel.FULL, AgeBand.TEENS)

    @property
    def children_1dose(self) -> int:
        return self.tally.get(DoseLevel.ONE_DOSE, AgeBand.CHILDREN)

    @property
    def children_full(self) -> int:
        return self.tally.get(DoseLevel.FULL, AgeBand.CHILDREN)

    @property
    def people_1dose(self) -> int:
        return self.tally.get(DoseLevel.ONE_DOSE, *BANDS, OTHER)

    @property
    def people_full(self) -> int:
        return self.tally.get(DoseLevel.FULL, *BANDS, OTHER)

    @property
    def people_booster(self) -> int:
        return self.tally.get(DoseLevel.BOOSTER, *BANDS, OTHER)

    # --- percentages
    @property
    def adults_1dose_pct(self) -> float | None:
        return _pct(self.adults_1dose, self.adults)

    @property
    def adults_full_pct(self) -> float | None:
        return _pct(self.adults_full, self.adults)

    @property
    def elderly_full_pct(self) -> float | None:
        return _pct(self.elderly_full, self.elderly)

    @property
    def teens_1dose_pct(self) -> float | None:
        return _pct(self.teens_1dose, self.teens)

    @property
    def teens_full_pct(self) -> float | None:
        return _pct(self.teens_full, self.teens)

    @property
    def children_1dose_pct(self) -> float | None:
        return _pct(self.children_1dose, self.children)

    @property
    def children_full_pct(self) -> float | None:
        return _pct(self.children_full, self.children)

    @property
    def population_full_pct(self) -> float | None:
        """The whole population fully vaccinated (Decision 218's coverage measure)."""
        return _pct(self.people_full, self.total_population)

    @property
    def aggregate(self) -> bool:
        """Some figure of this area includes counts reported in aggregate (no individual records)."""
        return bool(self.tally.aggregate)

    # --- targets
    def measure(self, indicator: str) -> tuple[int, int | None]:
        """(people, population) behind an indicator."""
        return {
            Indicator.ADULTS_1DOSE: (self.adults_1dose, self.adults),
            Indicator.ADULTS_FULL: (self.adults_full, self.adults),
            Indicator.ELDERLY_FULL: (self.elderly_full, self.elderly),
            Indicator.TEENS_1DOSE: (self.teens_1dose, self.teens),
            Indicator.CHILDREN_1DOSE: (self.children_1dose, self.children),
        }[indicator]

    def against(self, target: CoverageTarget) -> TargetStatus:
        count, population = self.measure(target.indicator)
        if not population:
            return TargetStatus(target, None, None, 0)
        wanted = math.ceil(float(target.target_pct) * population / 100)
        return TargetStatus(target, _pct(count, population), max(0, wanted - count), population)

    def target_statuses(self) -> list[TargetStatus]:
        return [self.against(t) for t in self.targets]


# --- targets ---------------------------------------------------------------------------------------------------


def targets_for(
    area: Area, on: dt.date, all_targets: list[CoverageTarget] | None = None
) -> tuple[CoverageTarget, ...]:
    """Per indicator, the target of the nearest area (the area, its ancestors, then "everywhere") that is due on or
    after `on`, else its last one."""
    if all_targets is None:
        all_targets = list(CoverageTarget.objects.filter(dataset=area.dataset))
    return Targets(all_targets, area.dataset).of(area, on)


class Targets:
    """The targets of a dataset by area code and indicator, for finding each area's quickly."""

    def __init__(self, targets: list[CoverageTarget], dataset: str):
        self.by_code: dict[str, dict[str, list[CoverageTarget]]] = defaultdict(lambda: defaultdict(list))
        for target in targets:
            if target.dataset == dataset:
                self.by_code[target.area_code][target.indicator].append(target)

    def of(self, area: Area, on: dt.date) -> tuple[CoverageTarget, ...]:
        if not self.by_code:
            return ()
        codes = [*reversed(area.path.split("/")), ""]  # the nearest first, "everywhere" last
        chosen = []
        for indicator in Indicator.values:
            mine = next(
                (found for code in codes if (found := self.by_code.get(code, {}).get(indicator))), None
            )
            if not mine:
                continue
            upcoming = sorted((t for t in mine if t.due >= on), key=lambda t: t.due)
            chosen.append(upcoming[0] if upcoming else max(mine, key=lambda t: t.due))
        return tuple(chosen)


# --- computing -------------------------------------------------------------------------------------------------


def population_year(root: Area, on: dt.date) -> int | None:
    """The latest year with figures in the subtree not after `on` (else the earliest one there is)."""
    years = sorted(set(Population.objects.in_subtree(root).values_list("year", flat=True)))
    before = [y for y in years if y <= on.year]
    return before[-1] if before else (years[0] if years else None)


def _statuses(root: Area):
    # the province code is on every row (its index serves this filter); below a province, the subtree's areas
    qs = VaccinationStatus.objects.filter(province_code=root.province_code)
    if "/" in root.path:
        qs = qs.filter(area__in=Area.objects.subtree(root).values("pk"))
    return qs.order_by()


# Counts are vectors: one int per (level, band) key, in this order.
KEYS = tuple((level, band) for level in LEVELS for band in (*BANDS, OTHER))
INDEX = {key: i for i, key in enumerate(KEYS)}
WIDTH = len(KEYS)


def _new_people(root: Area, first: dt.date, last: dt.date) -> list[tuple[int, int, int, int]]:
    """(area pk, day index, key index, people) of people reaching a level on a day; day index 0 holds everyone
    who reached it on or before `first`. One grouped query when first == last, else one per level."""
    found = []
    if first == last:
        rows = (
            _statuses(root)
            .filter(first_on__lte=last)
            .annotate(band=age_band(last))
            .values("area_id", "band")
            .annotate(
                one=Count("pk"),
                full=Count("pk", filter=Q(full_on__lte=last)),
                booster=Count("pk", filter=Q(booster_on__lte=last)),
            )
        )
        for row in rows:
            for level, name in (
                (DoseLevel.ONE_DOSE, "one"),
                (DoseLevel.FULL, "full"),
                (DoseLevel.BOOSTER, "booster"),
            ):
                if row[name]:
                    found.append((row["area_id"], 0, INDEX[(level, row["band"])], row[name]))
        return found
    for level, field_name in LEVEL_FIELDS.items():
        rows = (
            _statuses(root)
            .filter(**{f"{field_name}__lte": last})
            .annotate(
                band=age_band(last),
                day=Case(
                    When(**{f"{field_name}__lt": first}, then=Value(first)),
                    default=F(field_name),
                    output_field=DateField(),
                ),
            )
            .values_list("area_id", "band", "day")
            .annotate(n=Count("pk"))
        )
        for area_id, band, day, n in rows:
            found.append((area_id, (day - first).days, INDEX[(level, band)], n))
    return found


def _aggregates(root: Area, last: dt.date) -> dict[int, list[tuple[dt.date, int, int]]]:
    """Reported counts per area: (day, key index, people), in date order."""
    rows = (
        CoverageCount.objects.in_area(root)
        .filter(area__dataset=root.dataset, on__lte=last)
        .order_by("on", "pk")
        .values_list("area_id", "on", "level", "age_band", "count")
    )
    by_area: dict[int, list] = defaultdict(list)
    for area_id, on, level, band, count in rows:
        by_area[area_id].append((on, INDEX[(level, band)], count))
    return by_area


class _Tree:
    """The areas of a subtree and each one's ancestors inside it (itself first)."""

    def __init__(self, root: Area):
        self.root = root
        self.areas = list(Area.objects.subtree(root))
        self.by_pk = {a.pk: a for a in self.areas}
        pk_of = {a.path: a.pk for a in self.areas}
        self.lineage: dict[int, list[int]] = {}
        for area in self.areas:
            chain, path = [area.pk], area.path
            while path != root.path and "/" in path:
                path = path.rsplit("/", 1)[0]
                if path in pk_of:
                    chain.append(pk_of[path])
            self.lineage[area.pk] = chain

    def depth(self, pk: int) -> int:
        return len(self.lineage[pk])


def _totals(tree: _Tree, days: int, first: dt.date, new_people, reports, wanted: set[int]):
    """Per wanted area and day: (counts vector, set of key indexes that include aggregate counts).

    Individual counts flow up the tree as daily increments (each grouped row is added to its area and the area's
    ancestors once), then add up over the days. Where an area reported aggregate counts, a figure below the latest
    report is raised to it, and the difference flows up to the ancestors the same way (deepest areas first, so a
    village's report is inside its commune's figure before the commune's report is compared with it).
    """
    aggregated = set(reports)
    needed = set(wanted)
    for pk in aggregated:
        needed.update(tree.lineage.get(pk, ()))
    increments = {pk: [[0] * WIDTH for _ in range(days)] for pk in needed}
    for area_id, day, key, n in new_people:
        for pk in tree.lineage.get(area_id, ()):
            if pk in increments:
                increments[pk][day][key] += n
    totals = {}
    for pk, rows in increments.items():
        running = [0] * WIDTH
        cumulative = []
        for row in rows:
            running = [a + b for a, b in zip(running, row, strict=True)]
            cumulative.append(running)
        totals[pk] = cumulative
    flags: dict[int, list[set[int]]] = {pk: [set() for _ in range(days)] for pk in needed}
    for pk in sorted(aggregated & tree.by_pk.keys(), key=lambda pk: -tree.depth(pk)):
        latest: dict[int, int] = {}
        pending, next_report = reports[pk], 0
        for day_index in range(days):
            day = first + dt.timedelta(days=day_index)
            while next_report < len(pending) and pending[next_report][0] <= day:
                _on, key, count = pending[next_report]
                latest[key] = count
                next_report += 1
            for key, count in latest.items():
                short = count - totals[pk][day_index][key]
                if short < 0:
                    continue  # the individual records already count more people: they stand
                for ancestor in tree.lineage[pk]:
                    totals[ancestor][day_index][key] += short
                    flags[ancestor][day_index].add(key)
    return {pk: (totals[pk], flags[pk]) for pk in wanted}


def coverage_series(
    root: Area, first: dt.date, last: dt.date, areas: list[int] | None = None
) -> dict[int, list[Coverage]]:
    """Daily coverage from `first` to `last` (inclusive) of the root and every area below it (or only of the areas
    whose pks are given), keyed by area pk.

    Queries: the areas, the statuses (one grouped query for one day, one per dose level for a series), the
    aggregate counts, the population, the targets.
    """
    if first > last:
        raise ValueError("first is after last")
    tree = _Tree(root)
    wanted = set(tree.by_pk) if areas is None else {pk for pk in areas if pk in tree.by_pk}
    days = (last - first).days + 1
    year = population_year(root, last)
    populations = population_by_area([tree.by_pk[pk] for pk in wanted], year) if year else {}
    targets = Targets(list(CoverageTarget.objects.filter(dataset=root.dataset)), root.dataset)
    totals = _totals(tree, days, first, _new_people(root, first, last), _aggregates(root, last), wanted)
    result: dict[int, list[Coverage]] = {}
    for pk in wanted:
        area = tree.by_pk[pk]
        area_targets = targets.of(area, last)
        counts, flags = totals[pk]
        result[pk] = [
            Coverage(
                area,
                first + dt.timedelta(days=i),
                populations.get(pk),
                _tally(counts[i], flags[i]),
                area_targets,
            )
            for i in range(days)
        ]
    return result


def _tally(vector: list[int], flagged: set[int]) -> Tally:
    tally = Tally()
    tally.counts.update({KEYS[i]: n for i, n in enumerate(vector) if n})
    tally.aggregate = {KEYS[i] for i in flagged}
    return tally


def coverage_by_area(root: Area, on: dt.date, areas: list[int] | None = None) -> dict[int, Coverage]:
    """Coverage on `on` of the root and of every area below it (or of the given area pks), keyed by area pk."""
    return {pk: series[0] for pk, series in coverage_series(root, on, on, areas).items()}


def coverage(area: Area, on: dt.date) -> Coverage:
    """The coverage of one area on one day (criterion 2 of the epidemic level reads adults_1dose_pct and
    elderly_full_pct)."""
    return coverage_by_area(area, on, [area.pk])[area.pk]
