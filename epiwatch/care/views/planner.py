"""The scenario planner page: the projection from the line list, a manual scenario, the backtest. Every result
is shown with its inputs (the parameters, the observed days, the census and capacity it started from)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiwatch.care import chart, planner, planning
from epiwatch.care import norms as care_norms
from epiwatch.care.capacity import STAFF_WORDS
from epiwatch.care.forms import ScenarioForm
from epiwatch.care.models import TIERS, tier_label
from epiwatch.care.views.common import area_for, day_param

RESOURCE_LABELS = {
    "beds_tier_1": lambda: _("Tier 1 beds"),
    "beds_tier_2": lambda: _("Tier 2 beds"),
    "beds_tier_3": lambda: _("Tier 3 beds"),
    "icu_beds": lambda: _("ICU beds"),
    "ventilators": lambda: _("Ventilators"),
    "oxygen_points": lambda: _("Oxygen points"),
    "doctors": lambda: _("Doctors"),
    "icu_doctors": lambda: _("Intensive-care doctors"),
    "nurses": lambda: _("Nurses"),
}


def resource_label(resource: str) -> str:
    return RESOURCE_LABELS[resource]()


def shortfall_sentence(short: dict[str, int]) -> str:
    """ "65 doctors, 15 of them intensive-care, 170 nurses, 20 ventilators" (empty when nothing is short)."""
    parts = []
    doctors, icu = short.get("doctors", 0), short.get("icu_doctors", 0)
    if doctors:
        parts.append(STAFF_WORDS["doctors"](doctors))
        if icu:
            parts.append(_("%(n)s of them intensive-care") % {"n": icu})
    elif icu:
        parts.append(STAFF_WORDS["icu_doctors"](icu))
    if short.get("nurses"):
        parts.append(STAFF_WORDS["nurses"](short["nurses"]))
    for tier in TIERS:
        n = short.get(f"beds_tier_{tier}")
        if n:
            parts.append(
                ngettext("%(n)s tier %(tier)s bed", "%(n)s tier %(tier)s beds", n) % {"n": n, "tier": tier}
            )
    words = {
        "icu_beds": lambda n: ngettext("%(n)s ICU bed", "%(n)s ICU beds", n),
        "ventilators": lambda n: ngettext("%(n)s ventilator", "%(n)s ventilators", n),
        "oxygen_points": lambda n: ngettext("%(n)s oxygen point", "%(n)s oxygen points", n),
    }
    for resource, word in words.items():
        if short.get(resource):
            parts.append(word(short[resource]) % {"n": short[resource]})
    return ", ".join(parts)


def _rows(gaps: list[planner.Gap], extra: dict[str, object] | None = None):
    return [
        {"label": resource_label(g.resource), "gap": g, **((extra or {}).get(g.resource, {}))} for g in gaps
    ]


def _projection_charts(projection: planner.Projection) -> list[chart.Chart]:
    observed = projection.observed
    days = [d for d, _n in observed] + projection.days
    n_obs = len(observed)
    charts = [
        chart.line_chart(
            _("New cases per day"),
            days,
            [
                (_("reported"), "observed", [float(n) for _d, n in observed] + [None] * projection.horizon),
                (
                    _("projected"),
                    "projected",
                    [None] * (n_obs - 1) + [float(observed[-1][1])] + projection.central.cases,
                ),
            ],
            band=(projection.low.cases, projection.high.cases),
            band_from=n_obs,
            markers=[(projection.start, _("today"), "today")],
        )
    ]
    for tier in TIERS:
        key = f"beds_tier_{tier}"
        run_out = projection.run_out(key)
        start = float(projection.census_start[tier])
        markers = [(projection.start, _("today"), "today")]
        if run_out.day is not None:
            markers.append((run_out.day, _("full"), "runout"))
        charts.append(
            chart.line_chart(
                _("%(tier)s: patients and beds") % {"tier": tier_label(tier)},
                [projection.start, *projection.days],
                [
                    (
                        _("beds"),
                        "capacity",
                        [float(projection.available[0][key])] + [float(a[key]) for a in projection.available],
                    ),
                    (_("patients (projected)"), "projected", [start, *projection.central.census[tier]]),
                ],
                band=([start, *projection.low.census[tier]], [start, *projection.high.census[tier]]),
                markers=markers,
            )
        )
    return charts


def _backtest_charts(result: planner.Backtest) -> list[chart.Chart]:
    p = result.projection
    days = p.days
    charts = []
    for series in result.series:
        title = (
            _("New cases per day")
            if series.name == "cases"
            else _("%(tier)s: patients") % {"tier": tier_label(int(series.name[-1]))}
        )
        charts.append(
            chart.line_chart(
                title,
                days,
                [
                    (_("projected 14 days earlier"), "projected", list(series.projected)),
                    (_("what happened"), "actual", [float(a) for a in series.actual]),
                ],
                band=(series.low, series.high),
            )
        )
    return charts


def _parameters(norms: care_norms.Norms) -> list[tuple[str, str, bool]]:
    """The planner's parameters as (label, value, unconfirmed) rows for the page."""
    p = norms.planner
    unconfirmed = norms.is_unconfirmed("planner")
    rows = [
        (
            _("Share of cases by severity"),
            ", ".join(f"{s} {p.severity_shares[s] * 100:g} %" for s in planner.SEVERITIES),
            unconfirmed,
        ),
        (_("Tier 1 cases cared for at home"), f"{p.home_care_share * 100:g} %", unconfirmed),
        (
            _("Length of stay (days), tiers 1/2/3"),
            " / ".join(f"{p.length_of_stay[t]:g}" for t in TIERS),
            unconfirmed,
        ),
        (
            _("Report to admission (days), tiers 1/2/3"),
            " / ".join(str(p.admission_delay[t]) for t in TIERS),
            unconfirmed,
        ),
        (_("Tier 3 patients in an ICU bed"), f"{p.icu_share_of_tier_3 * 100:g} %", unconfirmed),
        (_("ICU patients on a ventilator"), f"{p.ventilator_share_of_icu * 100:g} %", unconfirmed),
        (
            _("Patients on oxygen, tiers 1/2/3"),
            " / ".join(f"{p.oxygen_share[t] * 100:g} %" for t in TIERS),
            unconfirmed,
        ),
        (
            _("Staff per patient, tiers 1/2/3 (doctors; intensive-care doctors; nurses)"),
            "; ".join(
                " / ".join(f"{getattr(p.staff_per_bed[t], s):g}" for t in TIERS)
                for s in ("doctors", "icu_doctors", "nurses")
            ),
            norms.is_unconfirmed("staff_per_bed"),
        ),
        (
            _("Generation interval (days): mean, sd"),
            f"{p.generation_mean:g}, {p.generation_sd:g}",
            unconfirmed,
        ),
        (_("Days of cases the growth is fitted on"), str(p.growth_window_days), unconfirmed),
        (_("Band (standard errors either side)"), f"±{p.band_z:g}", unconfirmed),
    ]
    return rows


@login_required
def plan(request, dataset: str, code: str):
    area = area_for(request, dataset, code)
    norms = care_norms.load()
    params = norms.planner
    today = day_param(request.GET.get("date")) or planning.last_report_day(area)
    form = ScenarioForm(request.GET or None, initial={"horizon": 14})
    horizon = 14
    scenario = scenario_error = None
    valid = form.is_bound and form.is_valid()
    if valid:
        horizon = form.cleaned_data.get("horizon") or 14
    result, backtest = planning.plan(area, horizon, today, params)
    available_now = result.available_now
    if valid:
        if form.cleaned_data.get("patients") is not None:
            try:
                scenario = planner.manual_scenario(
                    form.cleaned_data["patients"],
                    params,
                    available_now,
                    severe=form.cleaned_data.get("severe"),
                    shares=form.shares,
                )
            except planner.ScenarioError as exc:
                scenario_error = exc.message
    context = {
        "area": area,
        "form": form,
        "today": today,
        "parameters": _parameters(norms),
        "norms": norms,
        "available_now": available_now,
        "scenario": scenario,
        "scenario_error": scenario_error,
    }
    if scenario is not None:
        short = planner.shortfall_summary(scenario.gaps)
        context["scenario_rows"] = _rows(scenario.gaps)
        context["scenario_shortfall"] = shortfall_sentence(short)
        context["scenario_census"] = [(tier_label(t), scenario.census[t]) for t in TIERS]
    projection = result.projection
    run_outs = {r.resource: {"run_out": r} for r in projection.run_outs}
    first = projection.first_run_out
    context.update(
        plan=result,
        projection=projection,
        projection_rows=_rows(projection.peak_gaps, run_outs),
        projection_rows_high=_rows(projection.peak_gaps_high),
        projection_shortfall=shortfall_sentence(planner.shortfall_summary(projection.peak_gaps)),
        projection_shortfall_high=shortfall_sentence(planner.shortfall_summary(projection.peak_gaps_high)),
        first_run_out=first,
        first_run_out_label=resource_label(first.resource) if first else "",
        charts=_projection_charts(projection),
        daily=[
            (
                day,
                projection.central.cases[i],
                [projection.central.admissions[t][i] for t in TIERS],
                [projection.central.census[t][i] for t in TIERS],
                [projection.available[i][f"beds_tier_{t}"] for t in TIERS],
            )
            for i, day in enumerate(projection.days)
        ],
        census_now=[(tier_label(t), result.census_now[t]) for t in TIERS],
    )
    context.update(
        backtest=backtest,
        backtest_from=backtest.projection.start,
        backtest_rows=[
            {
                "label": _("New cases per day") if s.name == "cases" else tier_label(int(s.name[-1])),
                "series": s,
                "relative_pct": None if s.relative_error is None else round(100 * s.relative_error),
                "within_pct": round(100 * s.within_band),
                "projected_total": round(sum(s.projected)),
                "actual_total": sum(s.actual),
            }
            for s in backtest.series
        ],
        backtest_charts=_backtest_charts(backtest),
    )
    return render(request, "care/plan.html", context)
