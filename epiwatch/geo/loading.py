"""Loading the shipped area datasets and the 2021 -> 2025 mapping into the database, and population lookups."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from epiwatch.geo import datasets
from epiwatch.geo.models import Area, AreaKind, AreaMapping, Population

# The units of a dataset are valid from this day on (None: in force before the platform's first disease).
VALID_FROM = {"vn-2021": None, "vn-2025": dt.date(2025, 7, 1)}

# The mapping file is commune-to-commune; these island districts of 2021 have no communes and became special zones
# (communes of vn-2025) on 1 July 2025 (see data/README.md).
ISLAND_DISTRICT_SUCCESSORS = {
    "318": "11948",  # Bạch Long Vĩ
    "471": "19742",  # Cồn Cỏ
    "498": "20333",  # Hoàng Sa
    "536": "21548",  # Lý Sơn
    "755": "26732",  # Côn Đảo
}
MAPPING_FROM, MAPPING_TO = "vn-2021", "vn-2025"

BATCH = 2000


@transaction.atomic
def load_dataset(dataset: str, province: str | None = None) -> tuple[int, int]:
    """Create or update the areas of a shipped dataset (optionally one province). Idempotent.

    Returns (created, updated). Raises ValueError for an unknown dataset or province. Villages the province added
    below communes are left alone (their paths follow when a commune moves); areas missing from the file are kept
    (people and organizations may point at them).

    Cost: one query to read what exists, one bulk insert per tier (provinces, districts, communes), one bulk update
    of what changed. A full vn-2021 load is ~11,400 rows.
    """
    rows = datasets.read_areas(dataset, province=province)
    existing_qs = Area.objects.filter(dataset=dataset).exclude(kind=AreaKind.VILLAGE)
    if province is not None:
        existing_qs = existing_qs.filter(Q(path=province) | Q(path__startswith=province + "/"))
    existing = {a.code: a for a in existing_qs}
    if province is not None and rows:
        # a unit moved here from another province is found by its code
        missing = [r.code for r in rows if r.code not in existing]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            existing.update({a.code: a for a in Area.objects.filter(dataset=dataset, code__in=chunk)})
    valid_from = VALID_FROM.get(dataset)

    by_code: dict[str, Area] = dict(existing)
    created = 0
    to_update: list[Area] = []
    moved: list[tuple[str, str]] = []  # (old path, new path) of units whose path changed
    tiers: dict[str, list] = defaultdict(list)
    for row in rows:
        tiers[row.kind].append(row)
    for kind in ("province", "district", "commune"):  # parents come before children
        new_areas = []
        for row in tiers[kind]:
            parent = by_code.get(row.parent_code) if row.parent_code else None
            path = f"{parent.path}/{row.code}" if parent else row.code
            area = existing.get(row.code)
            if area is None:
                area = Area(
                    dataset=dataset,
                    code=row.code,
                    name=row.name,
                    kind=row.kind,
                    parent=parent,
                    path=path,
                    valid_from=valid_from,
                )
                new_areas.append(area)
            elif (area.name, area.kind, area.parent_id, area.path, area.valid_from) != (
                row.name,
                row.kind,
                getattr(parent, "pk", None),
                path,
                valid_from,
            ):
                if area.path != path:
                    moved.append((area.path, path))
                area.name, area.kind, area.parent, area.path = row.name, row.kind, parent, path
                area.valid_from = valid_from
                to_update.append(area)
            by_code[row.code] = area
        # returns primary keys on PostgreSQL and SQLite >= 3.35, which the next tier needs for its parents
        Area.objects.bulk_create(new_areas, batch_size=BATCH)
        created += len(new_areas)
    if to_update:
        Area.objects.bulk_update(
            to_update, ["name", "kind", "parent", "path", "valid_from"], batch_size=BATCH
        )
    for old, new in moved:
        _move_villages(dataset, old, new)
    return created, len(to_update)


def _move_villages(dataset: str, old_path: str, new_path: str) -> None:
    """Villages (the only areas the file does not describe) follow their commune when its path changes."""
    villages = list(
        Area.objects.filter(dataset=dataset, kind=AreaKind.VILLAGE, path__startswith=old_path + "/")
    )
    for village in villages:
        village.path = new_path + village.path[len(old_path) :]
    Area.objects.bulk_update(villages, ["path"], batch_size=BATCH)


@dataclass(frozen=True)
class MappingResult:
    created: int
    deleted: int
    total: int


@transaction.atomic
def load_mapping() -> MappingResult:
    """Make the AreaMapping table match the shipped 2021 -> 2025 mapping, for the areas present in the database.

    Idempotent: links whose two ends are loaded are created, links no longer in the file are deleted, links whose
    ends are not loaded (yet) are skipped. Cost: three reads, one bulk insert, at most one delete.
    """
    old_ids = dict(
        Area.objects.filter(dataset=MAPPING_FROM, kind__in=[AreaKind.DISTRICT, AreaKind.COMMUNE]).values_list(
            "code", "pk"
        )
    )
    new_ids = dict(Area.objects.filter(dataset=MAPPING_TO, kind=AreaKind.COMMUNE).values_list("code", "pk"))
    pairs = [*datasets.read_mapping(), *ISLAND_DISTRICT_SUCCESSORS.items()]
    wanted = {(old_ids[a], new_ids[b]) for a, b in pairs if a in old_ids and b in new_ids}
    have = {(a, b): pk for pk, a, b in AreaMapping.objects.values_list("pk", "from_area_id", "to_area_id")}
    to_create = sorted(wanted - have.keys())
    stale = [pk for pair, pk in have.items() if pair not in wanted]
    AreaMapping.objects.bulk_create(
        [AreaMapping(from_area_id=a, to_area_id=b) for a, b in to_create], batch_size=BATCH
    )
    for start in range(0, len(stale), BATCH):
        AreaMapping.objects.filter(pk__in=stale[start : start + BATCH]).delete()
    return MappingResult(created=len(to_create), deleted=len(stale), total=len(wanted))


def successors(area: Area) -> list[Area]:
    """The 2025 units a 2021 area became, from the mapping in the database (one query).

    A commune: the commune(s) it became (several when it was split; none when it was merged away between 2022
    and mid-2025, see data/README.md). A village: its commune's. A district or province: every 2025 unit one of
    its communes went to. An area of another dataset has none.
    """
    if area.dataset != MAPPING_FROM:
        return []
    return list(_successor_query(area).distinct().order_by("path"))


def _successor_query(area: Area):
    targets = Area.objects.filter(dataset=MAPPING_TO)
    if area.kind == AreaKind.VILLAGE:
        commune_path = area.path.rsplit("/", 1)[0]
        return targets.filter(
            predecessor_links__from_area__dataset=area.dataset,
            predecessor_links__from_area__path=commune_path,
        )
    if area.kind == AreaKind.COMMUNE:
        return targets.filter(predecessor_links__from_area=area)
    return targets.filter(
        Q(predecessor_links__from_area__path=area.path)
        | Q(predecessor_links__from_area__path__startswith=area.path + "/"),
        predecessor_links__from_area__dataset=area.dataset,
    )


# --- population -----------------------------------------------------------------------------------------------

_FIELDS = ("total", *Population.BANDS)


def population_by_area(areas: Iterable[Area], year: int) -> dict[int, Population]:
    """Population of many areas in `year`, keyed by area pk: one query per dataset.

    An area with its own figures gets them. An area without gets the sum of the top-most figures below it (a
    district without figures sums its communes'; a commune with figures hides its villages'); such an unsaved
    Population has `summed = True`. Areas with nothing below are absent from the result.

    Linear: the figures of the provinces concerned are read once, and each row is added to the ancestors it
    stands for by walking up its path until an ancestor with figures of its own (at most four steps).
    """
    areas = list(areas)
    result: dict[int, Population] = {}
    by_dataset: dict[str, list[Area]] = defaultdict(list)
    for area in areas:
        by_dataset[area.dataset].append(area)
    for dataset, group in by_dataset.items():
        result.update(_population_in_dataset(dataset, group, year))
    return result


def _population_in_dataset(dataset: str, areas: list[Area], year: int) -> dict[int, Population]:
    provinces = {a.province_code for a in areas}
    qs = Population.objects.filter(area__dataset=dataset, year=year)
    if len(provinces) <= 10:  # else the whole dataset: one scan beats a long OR of prefixes
        subtree = Q(pk__in=[])
        for code in provinces:
            subtree |= Q(area__path=code) | Q(area__path__startswith=code + "/")
        qs = qs.filter(subtree)
    rows = list(qs.values_list("area__path", "pk", *_FIELDS, "source"))
    own = {r[0]: r for r in rows}
    sums: dict[str, list[int]] = {}
    for row in rows:
        path, figures = row[0], row[2:7]
        cut = path.rfind("/")
        while cut > 0:
            ancestor = path[:cut]
            if ancestor in own:
                break  # the ancestor's own figures stand for this row above it
            acc = sums.setdefault(ancestor, [0, 0, 0, 0, 0])
            for i, value in enumerate(figures):
                acc[i] += value
            cut = ancestor.rfind("/")
    result = {}
    for area in areas:
        if area.path in own:
            _path, pk, *figures, source = own[area.path]
            pop = Population(
                pk=pk, area=area, year=year, source=source, **dict(zip(_FIELDS, figures, strict=True))
            )
        elif area.path in sums:
            pop = Population(
                area=area,
                year=year,
                source="sum of sub-areas",
                **dict(zip(_FIELDS, sums[area.path], strict=True)),
            )
            pop.summed = True
        else:
            continue
        result[area.pk] = pop
    return result


def population_total(area: Area, year: int) -> Population | None:
    """The area's population in `year`: its own figures, else the sum of its sub-areas' (`summed = True`, unsaved).

    None when nothing at or below the area has figures for that year. One query.
    """
    return population_by_area([area], year).get(area.pk)


def total_population(area: Area, year: int) -> int:
    pop = population_total(area, year)
    return pop.total if pop else 0


def latest_population_year(area: Area) -> int | None:
    """The latest year with figures for the area or anything below it (one query)."""
    return Population.objects.in_subtree(area).latest_year()
