"""Loading the shipped area datasets into the Area table, and population lookups."""

from __future__ import annotations

from django.db import transaction

from epiwatch.geo import datasets
from epiwatch.geo.models import Area, Population


@transaction.atomic
def load_dataset(dataset: str, province: str | None = None) -> tuple[int, int]:
    """Create or update the areas of a shipped dataset (optionally one province). Idempotent.

    Returns (created, updated). Villages the province added below communes are left alone.
    """
    rows = datasets.read_areas(dataset, province=province)
    existing = {a.code: a for a in Area.objects.filter(dataset=dataset, code__in=[r.code for r in rows])}
    created = updated = 0
    by_code: dict[str, Area] = dict(existing)
    to_update = []
    for row in rows:  # parents come before children
        parent = by_code.get(row.parent_code) if row.parent_code else None
        path = f"{parent.path}/{row.code}" if parent else row.code
        area = existing.get(row.code)
        if area is None:
            area = Area.objects.create(
                dataset=dataset, code=row.code, name=row.name, kind=row.kind, parent=parent, path=path
            )
            created += 1
        elif (area.name, area.kind, area.parent_id, area.path) != (
            row.name,
            row.kind,
            getattr(parent, "pk", None),
            path,
        ):
            area.name, area.kind, area.parent, area.path = row.name, row.kind, parent, path
            to_update.append(area)
        by_code[row.code] = area
    if to_update:
        Area.objects.bulk_update(to_update, ["name", "kind", "parent", "path"], batch_size=1000)
        updated = len(to_update)
    return created, updated


def population_total(area: Area, year: int) -> Population | None:
    """The area's population in `year`: its own figures, else the sum of its children's (recursively).

    The returned object is unsaved when it was summed from children. None when nothing below has figures.
    """
    own = Population.objects.filter(area=area, year=year).first()
    if own is not None:
        return own
    children = list(Area.objects.filter(parent=area))
    if not children:
        return None
    parts = [population_total(child, year) for child in children]
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    summed = Population(area=area, year=year, source="sum of sub-areas")
    for band in ("total", *Population.BANDS):
        setattr(summed, band, sum(getattr(p, band) for p in parts))
    return summed


def population_by_area(areas: list[Area], year: int) -> dict[int, Population]:
    """Population for many areas in few queries: own figures where present, else summed from the leaves below."""
    if not areas:
        return {}
    dataset = areas[0].dataset
    rows = list(
        Population.objects.filter(area__dataset=dataset, year=year).values_list(
            "area_id", "area__path", "total", *Population.BANDS
        )
    )
    own = {r[0]: r for r in rows}
    result: dict[int, Population] = {}
    for area in areas:
        if area.pk in own:
            r = own[area.pk]
        else:
            # sum the top-most figures below: rows under the path not already inside another row with figures
            below = [r for r in rows if r[1].startswith(area.path + "/")]
            covered_paths = {r[1] for r in below}
            leaves = [r for r in below if not any(r[1].startswith(p + "/") for p in covered_paths)]
            if not leaves:
                continue
            r = (area.pk, area.path, *[sum(x[i] for x in leaves) for i in range(2, 7)])
        pop = Population(
            area=area, year=year, total=r[2], age_0_4=r[3], age_5_17=r[4], age_18_64=r[5], age_65_plus=r[6]
        )
        result[area.pk] = pop
    return result


def total_population(area: Area, year: int) -> int:
    pop = population_total(area, year)
    return pop.total if pop else 0
