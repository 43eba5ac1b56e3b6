"""Export of the weekly assessments: `epiwatch export levels --area CODE --from D --to D`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from epiwatch.accounts import access
from epiwatch.levels.models import Assessment
from epiwatch.lib import exporting

CHUNK = 2000


def _percent(value):
    return None if value is None else round(value, 2)


@exporting.register
class LevelsExporter(exporting.Exporter):
    """One row per unit and week the scope sees (`area`: only its subtree), weeks in order, parents first.

    `--from/--to` filter on the last day of the week (`week_ending`). `level` is the declared level once
    declared, the proposed one until then; `declared_level` is empty while it awaits declaration.
    """

    kind = "levels"
    label = gettext_lazy("Epidemic levels")
    dated = True
    columns = (
        "week_ending",
        "area_code",
        "area_name",
        "area_kind",
        "parent_code",
        "population",
        "community_cases_7d",
        "cases_7d",
        "deaths_7d",
        "adults_1dose_pct",
        "elderly_full_pct",
        "capacity_ok",
        "days_since_last_case",
        "rate_per_100k",
        "band",
        "coverage_met",
        "matrix_level",
        "capacity_adjustment",
        "proposed_level",
        "declared_level",
        "level",
        "declared_at",
        "override_reason",
        "ruleset",
        "explanation_vi",
        "explanation_en",
    )

    def rows(self, scope, area=None, date_from=None, date_to=None, **options):
        qs = Assessment.objects.all()
        if area is not None:
            qs = qs.in_area(area)
        if date_from is not None:
            qs = qs.filter(week_ending__gte=date_from)
        if date_to is not None:
            qs = qs.filter(week_ending__lte=date_to)
        qs = (
            access.visible(qs, scope)
            .select_related("area", "area__parent")
            .order_by("week_ending", "area__path")
        )
        for a in qs.iterator(chunk_size=CHUNK):
            yield (
                a.week_ending,
                a.area.code,
                a.area.name,
                a.area.kind,
                a.area.parent.code if a.area.parent else "",
                a.population,
                a.community_cases_7d,
                a.cases_7d,
                a.deaths_7d,
                _percent(a.adults_1dose_pct),
                _percent(a.elderly_full_pct),
                a.capacity_ok,
                a.days_since_last_case,
                round(a.rate_per_100k, 2),
                a.band,
                a.coverage_met,
                a.matrix_level,
                a.capacity_adjustment,
                a.proposed_level,
                a.declared_level,
                a.level,
                a.declared_at,
                a.override_reason,
                a.ruleset,
                a.explanation_vi,
                a.explanation_en,
            )
