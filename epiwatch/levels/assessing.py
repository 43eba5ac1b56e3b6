"""The weekly assessment: every commune, district and province of one or more provinces, for the 7 days ending on
a date, stored as proposals awaiting declaration.

A pipeline of small steps: pick the units (`units`), read their inputs in a few grouped queries (`levels.inputs`),
decide each with the rule set in force in its province that week (`policy.levels.assess`), and replace the
proposals not yet declared (`store`). Declared assessments are never touched: re-running a week is safe.

Cost for a province of 72 units: about eight queries whatever the number of cases (one grouped count of cases,
one read of population, one of coverage, one of capacity statuses, one of rule set versions, a delete and a bulk
insert). The whole country (about 11,400 units) is the same queries without the province filter.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from epiwatch.geo.models import Area, AreaKind
from epiwatch.levels import inputs, rules
from epiwatch.levels.models import Assessment
from epiwatch.policy import levels as policy_levels
from epiwatch.policy.rulesets import NoRuleSetInForce, RuleSet

ASSESSED_KINDS = (AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE)
DEFAULT_DATASET = "vn-2021"
# up to this many provinces are filtered by path; more read the whole dataset in one scan
FILTER_PROVINCES_UP_TO = 10
BATCH = 2000


@dataclass
class Skipped:
    area: Area
    why: str


@dataclass
class Result:
    week_ending: dt.date
    assessed: int = 0  # proposals written (or, with dry_run, that would be)
    kept: int = 0  # declared assessments left as they are
    skipped: list[Skipped] = field(default_factory=list)
    levels: Counter = field(default_factory=Counter)  # proposed level -> units
    rulesets: set[str] = field(default_factory=set)
    provinces: int = 0
    assessments: list[Assessment] = field(default_factory=list)

    def summary(self) -> str:
        levels = ", ".join(
            f"{self.levels[level]} at level {level}" for level in (4, 3, 2, 1) if self.levels[level]
        )
        text = (
            f"assessed {self.assessed} units of {self.provinces} province(s) for the week ending "
            f"{self.week_ending} ({', '.join(sorted(self.rulesets)) or 'no rule set'})"
        )
        if levels:
            text += f": {levels}"
        text += f"; kept {self.kept} declared; skipped {len(self.skipped)}"
        return text


def units(
    provinces: Sequence[Area] | None, week_ending: dt.date, dataset: str = DEFAULT_DATASET
) -> list[Area]:
    """The provinces, districts and communes assessed, current on the day, parents first (one query)."""
    qs = Area.objects.filter(dataset=dataset, kind__in=ASSESSED_KINDS).current(week_ending)
    if provinces is not None:
        q = Q(pk__in=[])
        for province in provinces:
            q |= Q(path=province.path) | Q(path__startswith=province.path + "/")
        qs = qs.filter(q)
    return list(qs.order_by("path"))


@functools.cache
def _fields() -> tuple:
    return tuple(Assessment._meta.concrete_fields)


def new_assessment(values: dict) -> Assessment:
    """Assessment(**values) through Django's positional path: every concrete field in order (by attname), the
    default of those not given. A third of the cost of the keyword path, which counts for 11,400 units."""
    return Assessment(*[values[f.attname] if f.attname in values else f.get_default() for f in _fields()])


def decide(
    area: Area,
    ruleset: RuleSet,
    week_ending: dt.date,
    counts: inputs.CaseCounts,
    population,
    coverage: inputs.Coverage,
    capacity: inputs.Capacity,
) -> Assessment:
    """One unit's assessment (unsaved) from its inputs. ValueError when the inputs cannot be assessed."""
    level_rules = ruleset.rules
    days = counts.days_since(level_rules.counts, week_ending)
    # no case of the kind on record at all: as far as the records go, none in the rule's 14 days either
    evaluated_days = days if days is not None else level_rules.no_recent_case_days
    level_inputs = policy_levels.LevelInputs(
        population=population.total,
        capacity_ok=capacity.ok,
        community_cases_7d=counts.community_cases_7d,
        cases_7d=counts.cases_7d,
        deaths_7d=counts.deaths_7d,
        severe_7d=counts.severe_7d,
        adults_1dose_pct=coverage.adults_1dose_pct,
        elderly_full_pct=coverage.elderly_full_pct,
        population_full_pct=coverage.population_full_pct,
        high_risk_full_pct=coverage.high_risk_full_pct,
        days_since_last_case=evaluated_days,
        area_name=area.name,
    )
    decision = policy_levels.assess(level_inputs, ruleset)
    assessment = new_assessment(
        dict(
            area_id=area.pk,
            province_code=area.province_code,
            week_ending=week_ending,
            population=population.total,
            community_cases_7d=counts.community_cases_7d,
            cases_7d=counts.cases_7d,
            deaths_7d=counts.deaths_7d,
            severe_7d=counts.severe_7d,
            adults_1dose_pct=coverage.adults_1dose_pct,
            elderly_full_pct=coverage.elderly_full_pct,
            population_full_pct=coverage.population_full_pct,
            high_risk_full_pct=coverage.high_risk_full_pct,
            coverage_source=coverage.source,
            capacity_ok=capacity.ok,
            capacity_known=capacity.known,
            capacity_reason=capacity.reason,
            days_since_last_case=days,
            ruleset=ruleset.name,
            ruleset_digest=ruleset.digest,
            rate_per_100k=decision.rate_per_100k,
            band=decision.band,
            coverage_met=decision.coverage_met,
            matrix_level=decision.matrix_level,
            capacity_adjustment=decision.capacity_adjustment,
            adjustments=[[a.code, a.by] for a in decision.adjustments],
            proposed_level=decision.level,
            explanation_vi=_with_capacity(decision.explanation_vi, capacity.ok, capacity.reason),
            explanation_en=_with_capacity(
                decision.explanation_en, capacity.ok, capacity.reason_en or capacity.reason
            ),
            unconfirmed=list(decision.unconfirmed),
        )
    )
    assessment.area = area  # the instance already read: no query when the caller asks for it
    return assessment


def _with_capacity(explanation: str, ok: bool, reason: str) -> str:
    """The level's explanation, with why criterion 3 is not met when it is not."""
    return f"{explanation}; {reason}" if reason and not ok else explanation


def assess_week(
    week_ending: dt.date,
    provinces: Sequence[Area] | None = None,
    dataset: str = DEFAULT_DATASET,
    dry_run: bool = False,
) -> Result:
    """Assess every unit of the provinces (None: every province of the dataset) for the week ending on the day
    and store the proposals, replacing those not yet declared."""
    result = Result(week_ending=week_ending)
    areas = units(provinces, week_ending, dataset)
    province_areas = [a for a in areas if a.kind == AreaKind.PROVINCE]
    result.provinces = len(province_areas)
    by_province: dict[str, list[Area]] = defaultdict(list)
    for area in areas:
        by_province[area.province_code].append(area)

    histories = rules.histories(province_areas)
    in_force: dict[str, RuleSet] = {}
    for province in province_areas:
        try:
            in_force[province.code] = histories[province.pk].in_force("levels", week_ending)
        except NoRuleSetInForce:
            result.skipped.extend(
                Skipped(a, f"no levels rule set in force on {week_ending}")
                for a in by_province[province.code]
            )

    filtered = None if provinces is None or len(province_areas) > FILTER_PROVINCES_UP_TO else province_areas
    windows = {ruleset.rules.window_days for ruleset in in_force.values()}
    paths = {a.pk: a.path for a in areas}
    counts: dict[int, dict[str, inputs.CaseCounts]] = {
        days: inputs.case_counts(filtered, week_ending, days, dataset, paths) for days in windows
    }
    assessed_areas = [a for a in areas if a.province_code in in_force]
    populations = inputs.population(assessed_areas, week_ending)
    coverage = inputs.coverage(assessed_areas, week_ending)
    capacity = inputs.capacity(assessed_areas, week_ending)

    proposals = []
    for area in assessed_areas:
        ruleset = in_force[area.province_code]
        pop = populations.get(area.pk)
        if pop is None or not pop.total:
            result.skipped.append(Skipped(area, "no population figures"))
            continue
        try:
            assessment = decide(
                area,
                ruleset,
                week_ending,
                counts[ruleset.rules.window_days].get(area.path) or inputs.CaseCounts(),
                pop,
                coverage.get(area.pk) or inputs.Coverage(),
                capacity.get(area.pk, inputs.UNKNOWN_CAPACITY),
            )
        except ValueError as error:
            result.skipped.append(Skipped(area, str(error)))
            continue
        proposals.append(assessment)
    store(proposals, week_ending, sorted(in_force), result, dry_run=dry_run)
    return result


def store(
    proposals: list[Assessment],
    week_ending: dt.date,
    province_codes: list[str],
    result: Result,
    dry_run=False,
) -> None:
    """Replace the week's proposals not yet declared by the new ones; declared assessments stay as they are."""
    with transaction.atomic():
        week = Assessment.objects.filter(week_ending=week_ending, province_code__in=province_codes)
        declared = set(week.declared().values_list("area_id", flat=True))
        fresh = [a for a in proposals if a.area_id not in declared]
        result.kept = len(proposals) - len(fresh)
        result.assessed = len(fresh)
        result.assessments = fresh
        for assessment in fresh:
            result.levels[assessment.proposed_level] += 1
            result.rulesets.add(assessment.ruleset)
        if dry_run:
            return
        # one DELETE: an assessment awaiting declaration has no declaration pointing at it, so Django's
        # collector (one SELECT per batch of rows, to honour the PROTECT of Declaration) has nothing to find
        stale = week.awaiting_declaration()
        stale._raw_delete(stale.db)
        now = timezone.now()
        for assessment in fresh:
            assessment.computed_at = now
        insert(fresh)


def insert(assessments: list[Assessment]) -> None:
    """Write new assessments in one statement per engine: COPY on PostgreSQL, executemany on SQLite. The ORM's
    bulk_create prepares every value through the field (seconds for the country's 11,400 rows) and, on SQLite,
    splits the rows into batches of 27 to stay under its 999 parameters; other engines still use it."""
    if connection.vendor not in ("postgresql", "sqlite"):
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        return
    fields = [f for f in Assessment._meta.concrete_fields if not f.primary_key]
    convert = [_converter(f) for f in fields]
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Assessment._meta.db_table)
    rows = (
        [
            value if to_db is None or value is None else to_db(value)
            for value, to_db in zip([getattr(a, n) for n in names], convert, strict=True)
        ]
        for a in assessments
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))  # noqa: S608


def _converter(field):
    """How a Python value becomes the database's, for the field types an assessment has (None: as it is)."""
    if isinstance(field, models.JSONField):
        return json.dumps
    if connection.vendor != "sqlite":
        return None  # psycopg's COPY adapts UUIDs, dates, datetimes, booleans and numbers itself
    if isinstance(field, models.UUIDField):
        return lambda value: value.hex
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None
