"""What the planner reads from the records, for one area: the line list's daily cases, the census per tier (now,
on a past day, and day by day for the backtest) and the capacity of every day ahead. The planner itself
(`care.planner`) is pure; this module is the only one that knows where its inputs come from.

The area's facilities serve the area's cases: the census and the capacity are those of the facilities in the
area's subtree, the cases those whose residence at report lies in it (confirmed ones, by report date). For a
province that is the whole system; for a district, patients sent to the provincial hospital count there.
The backtest takes the data "as it was" by report date and admission time (a case entered late with an earlier
report date counts on its report date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from epiwatch.care import capacity, planner
from epiwatch.care import norms as care_norms
from epiwatch.care.models import TIERS, Admission, Facility
from epiwatch.cases.models import Case, Classification
from epiwatch.geo.models import Area, AreaKind

BACKTEST_DAYS = 14


def facility_ids(area: Area) -> list[int]:
    return list(Facility.objects.active().in_area(area).values_list("pk", flat=True))


def daily_cases(area: Area, first: dt.date, last: dt.date, cases=None) -> list[tuple[dt.date, int]]:
    """Confirmed cases per report day from first to last (every day, zeros included). One grouped query."""
    qs = cases if cases is not None else Case.objects.all()
    # the province code on every case lets the (province_code, report_date) index pick the days
    qs = qs.filter(province_code=area.province_code)
    if area.kind != AreaKind.PROVINCE:
        qs = qs.in_area(area)
    counts = dict(
        qs.filter(
            area__dataset=area.dataset,
            classification=Classification.CONFIRMED,
            report_date__gte=first,
            report_date__lte=last,
        )
        .values("report_date")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("report_date", "n")
    )
    days = (last - first).days + 1
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0)) for i in range(days)]


def last_report_day(area: Area, today: dt.date | None = None) -> dt.date:
    """The last day with a confirmed case reported in the area (not after today), today when none: where the line
    list ends, so that a projection does not start from days nobody reported yet. One query."""
    today = today or timezone.localdate()
    last = (
        Case.objects.in_area(area)
        .filter(area__dataset=area.dataset, classification=Classification.CONFIRMED, report_date__lte=today)
        .aggregate(last=Max("report_date"))["last"]
    )
    return last or today


def census_series(ids: list[int], first: dt.date, last: dt.date) -> dict[int, list[int]]:
    """Patients per tier in the facilities at the end of each day from first to last (the last day being today:
    who is in a bed now). One scan of the stays that overlap the days, one conditional count per day and tier:
    no per-row function, so it stays fast on SQLite too."""
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    ends = [capacity.end_of_day(d) for d in days]
    overlapping = Admission.objects.filter(facility_id__in=ids, admitted_at__lte=ends[-1]).filter(
        Q(discharged_at=None) | Q(discharged_at__gt=ends[0])
    )
    counts = {
        f"d{i}": Count(
            "pk", filter=Q(admitted_at__lte=end) & (Q(discharged_at=None) | Q(discharged_at__gt=end))
        )
        for i, end in enumerate(ends)
    }
    rows = {row.pop("tier"): row for row in overlapping.values("tier").annotate(**counts).order_by()}
    return {t: [rows.get(t, {}).get(f"d{i}", 0) for i in range(len(days))] for t in TIERS}


@dataclass
class Plan:
    area: Area
    projection: planner.Projection
    params: planner.Parameters
    available_now: dict[str, int]
    census_now: dict[int, int]


def plan(
    area: Area, horizon: int = 14, today: dt.date | None = None, params: planner.Parameters | None = None
) -> tuple[Plan, planner.Backtest]:
    """The projection from the area's line list up to `today` (the last observed day), and the backtest: the
    projection made on data as it was 14 days earlier, against what happened since. Five queries: the
    facilities, the daily cases, the census of every day, the capacity of every day."""
    params = params or care_norms.load().planner
    today = today or timezone.localdate()
    window = params.growth_window_days
    as_of = today - dt.timedelta(days=BACKTEST_DAYS)
    ids = facility_ids(area)
    cases = daily_cases(area, as_of - dt.timedelta(days=window - 1), today)  # ..., as_of, ..., today
    census = census_series(ids, as_of, today)  # as_of ... today
    available = capacity.capacities_over(
        ids, as_of + dt.timedelta(days=1), today + dt.timedelta(days=horizon)
    )
    census_now = {t: census[t][-1] for t in TIERS}
    projection = planner.project(cases[-window:], census_now, available[BACKTEST_DAYS:], params, horizon)
    current = Plan(area, projection, params, available[BACKTEST_DAYS - 1], census_now)

    earlier = planner.project(
        cases[:window], {t: census[t][0] for t in TIERS}, available[:BACKTEST_DAYS], params, BACKTEST_DAYS
    )
    actual_cases = [n for _d, n in cases[window:]]
    actual_census = {t: census[t][1:] for t in TIERS}
    return current, planner.backtest(earlier, actual_cases, actual_census)
