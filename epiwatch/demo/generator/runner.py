"""The synthetic-data generator: a list of steps applied in order to one context.

A step is a function `make(ctx) -> int` that writes rows (bulk) and returns how many it made, plus optionally
`restore(ctx)`, which puts back into the context what the step would have added there (the people, the
households) when the step was already applied by an earlier run, so that a step appended later finds
everything it needs. Each step draws from its own random stream (`ctx.rng(step.name)`), so skipping a step or
appending one never changes what the other steps make: the same seed and scale give the same people.

A step applied is recorded as a `GeneratorRun` row and leaves ONE summary audit event (action import, the
step's model, changes {"count": N, "seed": S}) instead of one event per row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from epiwatch.accounts import audit
from epiwatch.accounts.models import AuditAction, AuditEvent, Organization
from epiwatch.demo.models import GeneratorRun
from epiwatch.geo.models import Area, AreaKind, Population

DEMO_DATE = dt.date(2021, 11, 4)
SCALE_QUANTUM = Decimal("0.000001")


class GeneratorError(Exception):
    """The generator cannot run with these arguments or this database; the message says why."""


def normalize_scale(scale: Decimal | float | str) -> Decimal:
    """The scale as stored (six decimals), so that "0.1" and "0.100" are the same run."""
    try:
        value = Decimal(str(scale)).quantize(SCALE_QUANTUM)
    except InvalidOperation:
        raise GeneratorError(f"scale {scale!r} is not a number") from None
    if not Decimal(0) < value <= Decimal(1):
        raise GeneratorError(f"scale {scale} must be above 0 and at most 1 (1 = the whole population)")
    return value


@dataclass
class Household:
    """People living at one address. There is no household model yet: the address is the household key."""

    key: str
    residence: Area
    members: list = field(default_factory=list)


@dataclass
class Context:
    seed: int
    scale: Decimal
    province: Area
    reference_date: dt.date
    communes: list[Area]
    villages: dict[int, list[Area]]  # commune pk -> its villages (may be empty)
    populations: dict[int, Population]  # commune pk -> figures for reference_date.year
    organizations: list[Organization]  # of the province, in code order
    log: Callable[[str], None] = lambda message: None
    # filled in by the steps (or by their restore when they were applied before)
    people: list = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    roster_entries: list = field(default_factory=list)

    def rng(self, stream: str) -> random.Random:
        """A random generator of its own for each step: seeded by seed, scale, province and the stream name."""
        return random.Random(f"{self.seed}:{self.scale}:{self.province.code}:{stream}")

    def organizations_of_kind(self, kind: str) -> list[Organization]:
        return [o for o in self.organizations if o.kind == kind]


@dataclass(frozen=True)
class Step:
    name: str
    model: str  # label of the model the step makes, for the audit summary ("people.person")
    make: Callable[[Context], int]
    restore: Callable[[Context], None] | None = None


@dataclass
class StepOutcome:
    name: str
    created: int
    seconds: float
    skipped: bool


@dataclass
class Report:
    seed: int
    scale: Decimal
    province: str
    outcomes: list[StepOutcome]
    dry_run: bool = False

    @property
    def created(self) -> int:
        return sum(o.created for o in self.outcomes)

    @property
    def seconds(self) -> float:
        return sum(o.seconds for o in self.outcomes)

    def count_of(self, step: str) -> int:
        return next((o.created for o in self.outcomes if o.name == step), 0)

    def summary(self) -> str:
        parts = [
            f"{o.name} skipped (done before)" if o.skipped else f"{o.name} {o.created:,} in {o.seconds:.1f} s"
            for o in self.outcomes
        ]
        prefix = "generate (dry run, nothing saved)" if self.dry_run else "generate"
        return (
            f"{prefix}: seed {self.seed}, scale {self.scale.normalize()}, province {self.province}: "
            + "; ".join(parts)
        )


def load_context(
    seed: int,
    scale: Decimal | float | str,
    province: str = "95",
    dataset: str = "vn-2021",
    reference_date: dt.date = DEMO_DATE,
    log: Callable[[str], None] | None = None,
) -> Context:
    """Everything the steps read from the database: the province's communes, villages, population, orgs."""
    scale = normalize_scale(scale)
    if seed < 0:
        raise GeneratorError(f"seed {seed} must be zero or positive")
    area = Area.objects.filter(dataset=dataset, code=province, kind=AreaKind.PROVINCE).first()
    if area is None:
        raise GeneratorError(
            f"province {province} is not loaded in dataset {dataset}: run `epiwatch load_areas` "
            "(or `epiwatch load_demo` for Bạc Liêu) first"
        )
    subtree = Area.objects.subtree(area)
    communes = list(subtree.of_kind(AreaKind.COMMUNE).select_related("parent").order_by("code"))
    if not communes:
        raise GeneratorError(f"{area.name} has no communes loaded")
    villages: dict[int, list[Area]] = {c.pk: [] for c in communes}
    for village in subtree.of_kind(AreaKind.VILLAGE).current(reference_date).order_by("code"):
        if village.parent_id in villages:
            villages[village.parent_id].append(village)
    year = reference_date.year
    populations = {p.area_id: p for p in Population.objects.filter(area__in=communes, year=year)}
    missing = [c for c in communes if c.pk not in populations]
    if missing:
        names = ", ".join(f"{c.name} ({c.code})" for c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise GeneratorError(
            f"{len(missing)} of the {len(communes)} communes of {area.name} have no population for {year}: "
            f"{names}{more}. Import the population first."
        )
    organizations = list(Organization.objects.in_area(area).filter(is_active=True).select_related("area"))
    return Context(
        seed=seed,
        scale=scale,
        province=area,
        reference_date=reference_date,
        communes=communes,
        villages=villages,
        populations=populations,
        organizations=sorted(organizations, key=lambda o: o.code),
        log=log or (lambda message: None),
    )


def _record_summary(ctx: Context, step: Step, run: GeneratorRun) -> None:
    """One audit event for the whole step: synthetic bulk data is not audited row by row."""
    actor = audit.current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    AuditEvent.objects.create(
        user=user,
        username=user.username if user else "",
        organization=actor.organization,
        via=actor.via,
        action=AuditAction.IMPORT,
        model=step.model,
        object_id=f"generator-run-{run.pk}",
        object_repr=(
            f"synthetic {step.name}: seed {ctx.seed}, scale {ctx.scale.normalize()}, "
            f"province {ctx.province.code}"
        )[:200],
        changes={"count": run.count, "seed": ctx.seed},
    )


def run_steps(ctx: Context, steps: Sequence[Step], dry_run: bool = False) -> Report:
    """Apply the steps not yet applied for (seed, scale, province); restore the others when a later one needs
    them. With dry_run everything is made and then rolled back."""
    done = set(GeneratorRun.objects.of(ctx.seed, ctx.scale, ctx.province).values_list("step", flat=True))
    pending = [i for i, step in enumerate(steps) if step.name not in done]
    last_pending = pending[-1] if pending else -1
    outcomes: list[StepOutcome] = []
    # Each step commits on its own (a failed step leaves the earlier ones applied; the next run resumes);
    # a dry run wraps them all in one transaction that is rolled back.
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        for index, step in enumerate(steps):
            started = time.monotonic()
            if step.name in done:
                if step.restore is not None and index < last_pending:
                    step.restore(ctx)
                outcomes.append(StepOutcome(step.name, 0, time.monotonic() - started, skipped=True))
                continue
            with transaction.atomic():
                count = step.make(ctx)
                seconds = time.monotonic() - started
                run = GeneratorRun.objects.create(
                    seed=ctx.seed,
                    scale=ctx.scale,
                    dataset=ctx.province.dataset,
                    province=ctx.province.code,
                    step=step.name,
                    count=count,
                    seconds=round(seconds, 3),
                )
                _record_summary(ctx, step, run)
            ctx.log(f"  {step.name}: {count:,} rows in {seconds:.1f} s")
            outcomes.append(StepOutcome(step.name, count, seconds, skipped=False))
        if dry_run:
            transaction.set_rollback(True)
    return Report(ctx.seed, ctx.scale, ctx.province.code, outcomes, dry_run=dry_run)


def generate(
    seed: int,
    scale: Decimal | float | str,
    province: str = "95",
    dataset: str = "vn-2021",
    reference_date: dt.date = DEMO_DATE,
    dry_run: bool = False,
    log: Callable[[str], None] | None = None,
    steps: Sequence[Step] | None = None,
) -> Report:
    from epiwatch.demo.generator.steps import STEPS  # the steps import this module

    ctx = load_context(seed, scale, province, dataset, reference_date, log)
    return run_steps(ctx, STEPS if steps is None else steps, dry_run=dry_run)
