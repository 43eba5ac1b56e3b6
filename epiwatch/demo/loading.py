"""`load_demo`: Bạc Liêu on 2021-11-04 — its areas, villages, population, organizations, demo users and people.

Every part is idempotent: a second run finds everything in place and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from epiwatch.accounts.models import Organization
from epiwatch.demo import organizations, population, villages
from epiwatch.demo.generator import runner
from epiwatch.geo.loading import load_dataset
from epiwatch.geo.models import Area, AreaKind, Population

DATASET = "vn-2021"
PROVINCE = "95"
DEMO_SEED = 20211104
# 0.1 → about 90,000 people: about 20 s of the two-minute budget on SQLite with two cores, leaving room for the
# results, cases and doses steps that follow (see the timings in the README of this app's report).
DEMO_SCALE = Decimal("0.1")
DEFAULT_PASSWORD = "demo-epiwatch-2021"


@dataclass
class DemoSummary:
    areas: dict[str, int] = field(default_factory=dict)
    population: int = 0
    adults: int = 0
    organizations: int = 0
    users: list[tuple[organizations.DemoUser, Organization | None]] = field(default_factory=list)
    report: runner.Report | None = None
    created: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def load_population(communes: list[Area]) -> tuple[int, int]:
    """Create or correct the demo population of 2021 for the communes. Returns (created, updated)."""
    figures = population.commune_figures([(c.code, c.name, c.parent.code) for c in communes])
    existing = {p.area_id: p for p in Population.objects.filter(area__in=communes, year=population.YEAR)}
    to_create, to_update = [], []
    for commune, fig in zip(communes, figures, strict=True):
        values = {
            "total": fig.total,
            "age_0_4": fig.age_0_4,
            "age_5_17": fig.age_5_17,
            "age_18_64": fig.age_18_64,
            "age_65_plus": fig.age_65_plus,
            "source": population.SOURCE,
        }
        row = existing.get(commune.pk)
        if row is None:
            to_create.append(Population(area=commune, year=population.YEAR, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            to_update.append(row)
    Population.objects.bulk_create(to_create)
    if to_update:
        Population.objects.bulk_update(to_update, ["total", *Population.BANDS, "source"])
    return len(to_create), len(to_update)


def load_demo(
    seed: int = DEMO_SEED,
    scale: Decimal | str | float = DEMO_SCALE,
    password: str = DEFAULT_PASSWORD,
    people: bool = True,
    dry_run: bool = False,
    log: Callable[[str], None] | None = None,
) -> DemoSummary:
    log = log or (lambda message: None)
    started = time.monotonic()
    summary = DemoSummary()
    with transaction.atomic():
        created, updated = load_dataset(DATASET, province=PROVINCE)
        summary.created["areas"] = created
        province = Area.objects.get(dataset=DATASET, code=PROVINCE)
        communes = list(Area.objects.subtree(province).of_kind(AreaKind.COMMUNE).select_related("parent"))
        summary.created["villages"], _ = villages.load_villages(communes)
        summary.created["population"], _ = load_population(communes)
        summary.created["organizations"], _ = organizations.load_organizations(province)
        summary.created["users"], _ = organizations.load_users(password)
        log(f"  areas, villages, population, organizations and users in {time.monotonic() - started:.1f} s")
        if people:
            summary.report = runner.generate(seed, scale, PROVINCE, DATASET, log=log)
        # facilities with the seed's capacity (idempotent); tops up severe cases when the people have none
        from epiwatch.care import demo as care_demo

        log(f"  {care_demo.load(PROVINCE)}")
        _describe(summary, province)
        if dry_run:
            transaction.set_rollback(True)
    summary.seconds = time.monotonic() - started
    return summary


def _describe(summary: DemoSummary, province: Area) -> None:
    subtree = Area.objects.subtree(province)
    summary.areas = {kind: subtree.of_kind(kind).count() for kind in AreaKind.values}
    pops = Population.objects.filter(area__in=subtree.of_kind(AreaKind.COMMUNE), year=population.YEAR)
    summary.population = sum(p.total for p in pops)
    summary.adults = sum(p.adults for p in pops)
    summary.organizations = Organization.objects.in_area(province).count()
    orgs = {o.code: o for o in Organization.objects.select_related("area")}
    summary.users = [
        (u, orgs.get(u.organization) if u.organization else None) for u in organizations.DEMO_USERS
    ]
