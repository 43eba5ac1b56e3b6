"""Capacity and occupancy of many facilities at once, their alerts, and criterion 3 of the epidemic level.

Everything here reads in a fixed number of queries whatever the number of facilities: the capacity in force
(one query over the changes), the occupancy (one grouped count of the admissions present), the facilities
(one query). Pages, the export, the API, the planner and the level assessment all read through here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epiwatch.care import norms as care_norms
from epiwatch.care.models import (
    FIGURES,
    ICU_SUPPORTS,
    OXYGEN_SUPPORTS,
    TIERS,
    Admission,
    CapacityChange,
    CareSettings,
    Facility,
    FacilityKind,
    Support,
)
from epiwatch.geo.loading import population_by_area
from epiwatch.geo.models import Area, AreaKind, Population

EMPTY = dict.fromkeys(FIGURES, 0)


@dataclass(frozen=True)
class Figures:
    """A facility's capacity on a day (zeros when nothing was recorded yet)."""

    values: dict[str, int]
    effective_from: dt.date | None = None
    mobile_station: bool = False
    home_care_plan: bool = False

    def __getitem__(self, name: str) -> int:
        return self.values[name]

    def beds(self, tier: int) -> int:
        return self.values[f"beds_tier_{tier}"]

    @property
    def total_beds(self) -> int:
        return sum(self.beds(t) for t in TIERS)

    @property
    def known(self) -> bool:
        return self.effective_from is not None


NO_FIGURES = Figures(dict(EMPTY))


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a local day: occupancy "on" a day is who was in a bed when it ended."""
    start = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start - dt.timedelta(microseconds=1)


def capacities_on(facility_ids: Iterable[int], day: dt.date) -> dict[int, Figures]:
    """The capacity in force on the day per facility: the latest change on or before it. One query."""
    ids = list(facility_ids)
    rows = (
        CapacityChange.objects.filter(facility_id__in=ids, effective_from__lte=day)
        .order_by("facility_id", "effective_from")
        .values_list("facility_id", "effective_from", "mobile_station", "home_care_plan", *FIGURES)
    )
    result: dict[int, Figures] = {}
    for facility_id, since, mobile, plan, *values in rows:
        # ordered by day: the last row of a facility is the one in force
        result[facility_id] = Figures(dict(zip(FIGURES, values, strict=True)), since, mobile, plan)
    return result


def capacities_over(facility_ids: Iterable[int], first: dt.date, last: dt.date) -> list[dict[str, int]]:
    """The summed capacity of the facilities on each day from first to last (planned changes count from their
    day). One query."""
    ids = list(facility_ids)
    changes: dict[int, list[tuple[dt.date, tuple[int, ...]]]] = defaultdict(list)
    rows = (
        CapacityChange.objects.filter(facility_id__in=ids, effective_from__lte=last)
        .order_by("facility_id", "effective_from")
        .values_list("facility_id", "effective_from", *FIGURES)
    )
    for facility_id, since, *values in rows:
        changes[facility_id].append((since, tuple(values)))
    days = (last - first).days + 1
    totals = [[0] * len(FIGURES) for _ in range(days)]
    for history in changes.values():
        for index, (since, values) in enumerate(history):
            until = history[index + 1][0] if index + 1 < len(history) else last + dt.timedelta(days=1)
            begin = max(0, (since - first).days)
            end = min(days, (until - first).days)
            for i in range(begin, end):
                row = totals[i]
                for j, v in enumerate(values):
                    row[j] += v
    return [dict(zip(FIGURES, row, strict=True)) for row in totals]


@dataclass
class Usage:
    """Who is in a bed at one facility: patients per tier, and the ICU beds, ventilators, oxygen they use."""

    by_tier: dict[int, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    icu: int = 0
    ventilators: int = 0
    oxygen: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_tier.values())


def usage(
    facility_ids: Iterable[int] | None = None, at: dt.datetime | None = None, admissions=None
) -> dict[int, Usage]:
    """Patients present per facility (at `at`, now by default): one grouped query over the admissions."""
    qs = admissions if admissions is not None else Admission.objects.all()
    qs = qs.open() if at is None else qs.present_at(at)
    if facility_ids is not None:
        qs = qs.filter(facility_id__in=list(facility_ids))
    result: dict[int, Usage] = defaultdict(Usage)
    for facility_id, tier, support, n in (
        qs.values_list("facility_id", "tier", "support").annotate(n=Count("pk")).order_by()
    ):
        u = result[facility_id]
        u.by_tier[tier] = u.by_tier.get(tier, 0) + n
        if support in ICU_SUPPORTS:
            u.icu += n
        if support == Support.VENTILATOR:
            u.ventilators += n
        if support in OXYGEN_SUPPORTS:
            u.oxygen += n
    return dict(result)


# --- alerts ---------------------------------------------------------------------------------------------------


class AlertKind:
    TIER_FULL = "tier_full"  # above the threshold
    OVER_CAPACITY = "over_capacity"  # more patients than beds: allowed in a surge, always shown
    ICU_FULL = "icu_full"
    VENTILATORS_FULL = "ventilators_full"
    STAFF_SHORT = "staff_short"


@dataclass(frozen=True)
class Alert:
    kind: str
    message: str
    tier: int | None = None
    resource: str = ""

    @property
    def is_critical(self) -> bool:
        return self.kind in (AlertKind.OVER_CAPACITY, AlertKind.ICU_FULL, AlertKind.VENTILATORS_FULL)


def percent(part: int, whole: int) -> float | None:
    return None if not whole else 100 * part / whole


def staff_needed(figures: Figures, norms: care_norms.Norms | None = None) -> dict[str, int]:
    """Staff the beds need under the norms (rounded up)."""
    norms = norms or care_norms.load()
    needed = {}
    for staff in ("doctors", "icu_doctors", "nurses"):
        need = sum(figures.beds(t) * getattr(norms.staff_per_bed[t], staff) for t in TIERS)
        needed[staff] = math.ceil(need - 1e-9)
    return needed


STAFF_WORDS = {
    "doctors": lambda n: ngettext("%(n)s doctor", "%(n)s doctors", n) % {"n": n},
    "icu_doctors": lambda n: (
        ngettext("%(n)s intensive-care doctor", "%(n)s intensive-care doctors", n) % {"n": n}
    ),
    "nurses": lambda n: ngettext("%(n)s nurse", "%(n)s nurses", n) % {"n": n},
}


def alerts_for(
    figures: Figures, used: Usage, threshold: float, norms: care_norms.Norms | None = None
) -> list[Alert]:
    """A facility's alerts: a tier above the threshold or above its beds, ICU or ventilators full, staff per bed
    below the norms."""
    alerts = []
    for tier in TIERS:
        beds, occupied = figures.beds(tier), used.by_tier.get(tier, 0)
        if occupied > beds:
            alerts.append(
                Alert(
                    AlertKind.OVER_CAPACITY,
                    _("Tier %(tier)s holds %(occupied)s patients in %(beds)s beds: over capacity.")
                    % {"tier": tier, "occupied": occupied, "beds": beds},
                    tier=tier,
                )
            )
        elif beds and 100 * occupied / beds > threshold:
            alerts.append(
                Alert(
                    AlertKind.TIER_FULL,
                    _(
                        "Tier %(tier)s is %(pct)s %% full (%(occupied)s of %(beds)s beds; alert above %(threshold)s %%)."
                    )
                    % {
                        "tier": tier,
                        "pct": round(100 * occupied / beds),
                        "occupied": occupied,
                        "beds": beds,
                        "threshold": f"{threshold:g}",
                    },
                    tier=tier,
                )
            )
    if (figures["icu_beds"] or used.icu) and used.icu >= figures["icu_beds"]:
        alerts.append(
            Alert(
                AlertKind.ICU_FULL,
                _("ICU full: %(used)s patients for %(beds)s ICU beds.")
                % {"used": used.icu, "beds": figures["icu_beds"]},
                resource="icu_beds",
            )
        )
    if (figures["ventilators"] or used.ventilators) and used.ventilators >= figures["ventilators"]:
        alerts.append(
            Alert(
                AlertKind.VENTILATORS_FULL,
                _("Every ventilator in use: %(used)s patients for %(count)s ventilators.")
                % {"used": used.ventilators, "count": figures["ventilators"]},
                resource="ventilators",
            )
        )
    needed = staff_needed(figures, norms)
    short = {s: needed[s] - figures[s] for s in needed if figures[s] < needed[s]}
    if short:
        alerts.append(
            Alert(
                AlertKind.STAFF_SHORT,
                _("Staff below the norms for %(beds)s beds: short of %(short)s.")
                % {
                    "beds": figures.total_beds,
                    "short": ", ".join(STAFF_WORDS[s](n) for s, n in short.items()),
                },
                resource=",".join(short),
            )
        )
    return alerts


def alert_threshold(area: Area | None) -> float:
    """The province's own threshold when set, the norms' default otherwise (one query)."""
    if area is not None:
        province = area.province_code
        own = (
            CareSettings.objects.filter(province__dataset=area.dataset, province__code=province)
            .values_list("occupancy_alert_percent", flat=True)
            .first()
        )
        if own is not None:
            return float(own)
    return float(care_norms.load().occupancy_alert_percent)


# --- facility status --------------------------------------------------------------------------------------------


@dataclass
class TierStatus:
    tier: int
    beds: int
    occupied: int

    @property
    def free(self) -> int:
        return max(0, self.beds - self.occupied)

    @property
    def over(self) -> int:
        return max(0, self.occupied - self.beds)

    @property
    def percent(self) -> float | None:
        return percent(self.occupied, self.beds)

    @property
    def width(self) -> int:
        """Width of the occupancy bar, 0-100."""
        return min(100, round(self.percent or 0))


@dataclass
class FacilityStatus:
    facility: Facility
    figures: Figures
    used: Usage
    alerts: list[Alert]

    @property
    def tiers(self) -> list[TierStatus]:
        return [
            TierStatus(t, self.figures.beds(t), self.used.by_tier.get(t, 0))
            for t in TIERS
            if self.facility.serves(t) or self.figures.beds(t) or self.used.by_tier.get(t, 0)
        ]

    def tier(self, tier: int) -> TierStatus:
        return TierStatus(tier, self.figures.beds(tier), self.used.by_tier.get(tier, 0))

    @property
    def occupied(self) -> int:
        return self.used.total

    @property
    def free(self) -> int:
        return sum(t.free for t in self.tiers)


def statuses(
    facilities: Sequence[Facility] | Iterable[Facility],
    day: dt.date | None = None,
    threshold: float | None = None,
    norms: care_norms.Norms | None = None,
) -> list[FacilityStatus]:
    """Capacity, occupancy and alerts of each facility on the day (today: the patients in a bed now). Two
    queries besides the facilities'."""
    facilities = list(facilities)
    norms = norms or care_norms.load()
    today = timezone.localdate()
    day = day or today
    ids = [f.pk for f in facilities]
    figures = capacities_on(ids, day)
    used = usage(ids, at=None if day >= today else end_of_day(day))
    threshold = norms.occupancy_alert_percent if threshold is None else threshold
    result = []
    for f in facilities:
        fig = figures.get(f.pk, NO_FIGURES)
        u = used.get(f.pk, Usage())
        result.append(FacilityStatus(f, fig, u, alerts_for(fig, u, threshold, norms)))
    return result


@dataclass
class Totals:
    """The sum over many facilities: free beds per tier at a glance, ICU, ventilators, staff."""

    tiers: list[TierStatus]
    figures: dict[str, int]
    icu_used: int
    ventilators_used: int
    oxygen_used: int
    facilities: int
    alerts: int

    def tier(self, tier: int) -> TierStatus:
        return next(t for t in self.tiers if t.tier == tier)

    @property
    def beds(self) -> int:
        return sum(t.beds for t in self.tiers)

    @property
    def occupied(self) -> int:
        return sum(t.occupied for t in self.tiers)

    @property
    def free(self) -> int:
        return sum(t.free for t in self.tiers)

    @property
    def icu_free(self) -> int:
        return max(0, self.figures["icu_beds"] - self.icu_used)

    @property
    def ventilators_free(self) -> int:
        return max(0, self.figures["ventilators"] - self.ventilators_used)


def totals(rows: Sequence[FacilityStatus]) -> Totals:
    figures = dict(EMPTY)
    by_tier = dict.fromkeys(TIERS, 0)
    icu = vent = oxygen = alerts = 0
    for s in rows:
        for name in FIGURES:
            figures[name] += s.figures[name]
        for t in TIERS:
            by_tier[t] += s.used.by_tier.get(t, 0)
        icu += s.used.icu
        vent += s.used.ventilators
        oxygen += s.used.oxygen
        alerts += len(s.alerts)
    return Totals(
        [TierStatus(t, figures[f"beds_tier_{t}"], by_tier[t]) for t in TIERS],
        figures,
        icu,
        vent,
        oxygen,
        len(rows),
        alerts,
    )


# --- criterion 3 of the epidemic level ------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion3:
    """Whether an area meets its care requirements on a day, and why (Resolution 128, criterion 3)."""

    ok: bool
    reason_vi: str
    reason_en: str


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _population_year(on_date: dt.date, areas: Sequence[Area]) -> dict[int, Population]:
    """Population of the latest year up to the day's year that has figures (at most three queries)."""
    for year in (on_date.year, on_date.year - 1, on_date.year - 2):
        found = population_by_area(areas, year)
        if found:
            return found
    return {}


def criterion3(areas: Sequence[Area], on_date: dt.date) -> dict[int, Criterion3]:
    """Criterion 3 per area pk, computed from the recorded capacity (thresholds in `data/norms.json`):

    - commune: a facility of the commune (commune station or home-care team) runs a mobile medical station, and
      one has a home-care plan, in force on the day;
    - district: treatment beds (tiers 1-3) of the district's facilities per 10,000 population at least the
      norm, and those beds not fuller than the norm's maximum occupancy;
    - province: ICU beds per 100,000 population at least the norm.

    An area of a province where no facility is recorded at all is left out (the caller treats it as unknown,
    as before capacity was recorded); villages are left out. A few queries whatever the number of areas.
    """
    areas = [a for a in areas if a.kind in (AreaKind.PROVINCE, AreaKind.DISTRICT, AreaKind.COMMUNE)]
    if not areas:
        return {}
    rules = care_norms.load().criterion3
    provinces = {(a.dataset, a.province_code) for a in areas}
    facility_q = Q(pk__in=[])
    for dataset, code in provinces:
        facility_q |= Q(area__dataset=dataset, province_code=code)
    facilities = list(
        Facility.objects.active().filter(facility_q).values_list("pk", "kind", "area__path", "area__dataset")
    )
    if not facilities:
        return {}
    tracked = {(dataset, path.split("/", 1)[0]) for _pk, _kind, path, dataset in facilities}
    ids = [f[0] for f in facilities]
    figures = capacities_on(ids, on_date)
    today = timezone.localdate()
    used = usage(ids, at=None if on_date >= today else end_of_day(on_date))
    population = _population_year(on_date, [a for a in areas if a.kind != AreaKind.COMMUNE])

    # each facility under every unit above it (at most four): linear in facilities, whatever the areas
    below: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for pk, kind, path, dataset in facilities:
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            below[(dataset, "/".join(parts[:i]))].append((pk, kind))

    def inside(area: Area) -> list[tuple[int, str]]:
        return below.get((area.dataset, area.path), [])

    result: dict[int, Criterion3] = {}
    for area in areas:
        if (area.dataset, area.province_code) not in tracked:
            continue
        if area.kind == AreaKind.COMMUNE:
            result[area.pk] = _commune(area, inside(area), figures, rules)
        elif area.kind == AreaKind.DISTRICT:
            result[area.pk] = _district(
                area, [pk for pk, _k in inside(area)], figures, used, population, rules
            )
        else:
            result[area.pk] = _province(area, [pk for pk, _k in inside(area)], figures, population, rules)
    return result


def _commune(area, facilities, figures, rules) -> Criterion3:
    mobile = any(figures.get(pk, NO_FIGURES).mobile_station for pk, _kind in facilities)
    plan = any(
        figures.get(pk, NO_FIGURES).home_care_plan
        or (kind == FacilityKind.HOME_CARE_TEAM and figures.get(pk, NO_FIGURES).known)
        for pk, kind in facilities
    )
    missing_vi, missing_en = [], []
    if rules.commune_mobile_station and not mobile:
        missing_vi.append("trạm y tế lưu động")
        missing_en.append("a mobile medical station")
    if rules.commune_home_care_plan and not plan:
        missing_vi.append("phương án chăm sóc F0 tại nhà")
        missing_en.append("a home-care plan")
    if missing_en:
        return Criterion3(
            False,
            f"{area.name} chưa có {' và '.join(missing_vi)}",
            f"{area.name} lacks {' and '.join(missing_en)}",
        )
    return Criterion3(
        True,
        f"{area.name} có trạm y tế lưu động và phương án chăm sóc F0 tại nhà",
        f"{area.name} has a mobile medical station and a home-care plan",
    )


def _district(area, ids, figures, used, population, rules) -> Criterion3:
    beds = sum(figures.get(pk, NO_FIGURES).total_beds for pk in ids)
    occupied = sum(used[pk].total for pk in ids if pk in used)
    pop = population.get(area.pk)
    if pop is None or not pop.total:
        return Criterion3(
            beds > 0,
            f"{area.name}: {beds} giường điều trị, chưa có số dân để so định mức",
            f"{area.name}: {beds} treatment beds, no population to compare with the norm",
        )
    per_10000 = 10_000 * beds / pop.total
    needed = rules.district_beds_per_10000
    if per_10000 + 1e-9 < needed:
        return Criterion3(
            False,
            f"{area.name} có {_fmt(per_10000)} giường điều trị/10.000 dân, dưới định mức {_fmt(needed)}",
            f"{area.name} has {_fmt(per_10000)} treatment beds per 10,000 population, below the norm of {_fmt(needed)}",
        )
    fill = 100 * occupied / beds if beds else 0.0
    if beds and fill >= rules.district_max_occupancy_percent:
        return Criterion3(
            False,
            f"{area.name}: giường điều trị đã đầy {_fmt(fill)} % ({occupied}/{beds})",
            f"{area.name}: treatment beds {_fmt(fill)} % full ({occupied} of {beds})",
        )
    return Criterion3(
        True,
        f"{area.name} có {_fmt(per_10000)} giường điều trị/10.000 dân (định mức {_fmt(needed)}), còn {beds - occupied} giường trống",
        f"{area.name} has {_fmt(per_10000)} treatment beds per 10,000 population (norm {_fmt(needed)}), {beds - occupied} free",
    )


def _province(area, ids, figures, population, rules) -> Criterion3:
    icu = sum(figures.get(pk, NO_FIGURES)["icu_beds"] for pk in ids)
    pop = population.get(area.pk)
    needed = rules.province_icu_beds_per_100000
    if pop is None or not pop.total:
        return Criterion3(
            icu > 0,
            f"{area.name}: {icu} giường hồi sức tích cực, chưa có số dân để so định mức",
            f"{area.name}: {icu} ICU beds, no population to compare with the norm",
        )
    per_100000 = 100_000 * icu / pop.total
    if per_100000 + 1e-9 < needed:
        return Criterion3(
            False,
            f"{area.name} có {_fmt(per_100000)} giường hồi sức tích cực/100.000 dân, dưới định mức {_fmt(needed)}",
            f"{area.name} has {_fmt(per_100000)} ICU beds per 100,000 population, below the norm of {_fmt(needed)}",
        )
    return Criterion3(
        True,
        f"{area.name} có {_fmt(per_100000)} giường hồi sức tích cực/100.000 dân (định mức {_fmt(needed)})",
        f"{area.name} has {_fmt(per_100000)} ICU beds per 100,000 population (norm {_fmt(needed)})",
    )
