"""The scenario planner: pure functions, no database (the page and `care.planning` feed them).

1. Growth over the last 14 days of the line list: a log-linear fit of daily cases gives the growth rate r with
   its standard error, the doubling time ln 2 / r and a reproduction number from r and the generation interval
   (Wallinga & Lipsitch 2007, gamma-distributed interval: R = (1 + r s² / m) ^ (m² / s²)).
2. A compartmental projection for 7 to 30 days: cases grow at r (low / central / high: r ± z·se, the
   uncertainty band); each day's cases enter tier k after its admission delay in the share of the severities
   that tier treats (less the tier-1 cases cared for at home); a tier's census leaves at 1 / length of stay per
   day. The census starts from the patients in a bed today.
3. A manual scenario: N patients under care at once, of them S severe (or shares per severity), without growth.

Both give what is needed (beds per tier, ICU beds, ventilators, oxygen points, doctors, intensive-care doctors,
nurses) against what is available, the shortfall of each, and for projections the day each runs out. A
backtest runs the projection from 14 days earlier and sets it against what happened.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

SEVERITIES = ("asymptomatic", "mild", "moderate", "severe", "critical")
TIER_OF_SEVERITY = {"asymptomatic": 1, "mild": 1, "moderate": 2, "severe": 3, "critical": 3}
TIERS = (1, 2, 3)
RESOURCES = (
    "beds_tier_1",
    "beds_tier_2",
    "beds_tier_3",
    "icu_beds",
    "ventilators",
    "oxygen_points",
    "doctors",
    "icu_doctors",
    "nurses",
)
STAFF = ("doctors", "icu_doctors", "nurses")
MIN_HORIZON, MAX_HORIZON = 7, 30
SHARE_TOLERANCE = 0.005  # shares given in percent may be rounded: 99.5 %-100.5 % adds up


class ScenarioError(ValueError):
    """A scenario that cannot be computed; `field` names the input at fault (None: the scenario as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class StaffRatio:
    doctors: float
    icu_doctors: float
    nurses: float


@dataclass(frozen=True)
class Parameters:
    """What the projection assumes; read from `data/norms.json` (`care.norms`), shown next to every result."""

    severity_shares: Mapping[str, float]
    home_care_share: float
    length_of_stay: Mapping[int, float]
    admission_delay: Mapping[int, int]
    icu_share_of_tier_3: float
    ventilator_share_of_icu: float
    oxygen_share: Mapping[int, float]
    staff_per_bed: Mapping[int, StaffRatio]
    growth_window_days: int = 14
    generation_mean: float = 4.7
    generation_sd: float = 2.9
    band_z: float = 1.96

    def tier_shares(self, shares: Mapping[str, float] | None = None) -> dict[int, float]:
        """The share of cases each tier treats in a bed (tier 1 less home care)."""
        shares = shares or self.severity_shares
        result = {t: 0.0 for t in TIERS}
        for severity, share in shares.items():
            result[TIER_OF_SEVERITY[severity]] += share
        result[1] *= 1 - self.home_care_share
        return result


def check_shares(shares: Mapping[str, float], field_prefix: str = "share_") -> dict[str, float]:
    """Shares per severity (fractions) that cover every severity, are 0-1 each and add up to 1."""
    for severity in SEVERITIES:
        value = shares.get(severity)
        if value is None:
            raise ScenarioError(f"the share of {severity} cases is missing", f"{field_prefix}{severity}")
        if value < 0 or value > 1:
            raise ScenarioError(
                f"the share of {severity} cases is {value * 100:g} %; a share is between 0 and 100 %",
                f"{field_prefix}{severity}",
            )
    unknown = set(shares) - set(SEVERITIES)
    if unknown:
        raise ScenarioError(f"unknown severity {sorted(unknown)[0]!r}")
    total = sum(shares.values())
    if abs(total - 1) > SHARE_TOLERANCE:
        raise ScenarioError(f"the shares add up to {total * 100:.1f} %, not 100 %")
    return {s: shares[s] / total for s in SEVERITIES}


# --- needs --------------------------------------------------------------------------------------------------------


@dataclass
class Needs:
    """What a census per tier takes: one figure per resource (see RESOURCES)."""

    values: dict[str, float]

    def __getitem__(self, resource: str) -> float:
        return self.values[resource]


def needs_for(census: Mapping[int, float], params: Parameters) -> Needs:
    """Beds, ICU beds, ventilators, oxygen points and staff for the patients in each tier."""
    icu = census.get(3, 0) * params.icu_share_of_tier_3
    values = {f"beds_tier_{t}": float(census.get(t, 0)) for t in TIERS}
    values["icu_beds"] = icu
    values["ventilators"] = icu * params.ventilator_share_of_icu
    values["oxygen_points"] = sum(census.get(t, 0) * params.oxygen_share.get(t, 0) for t in TIERS)
    for staff in STAFF:
        values[staff] = sum(census.get(t, 0) * getattr(params.staff_per_bed[t], staff) for t in TIERS)
    return Needs(values)


@dataclass(frozen=True)
class Gap:
    resource: str
    needed: int
    available: int

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)

    @property
    def spare(self) -> int:
        return max(0, self.available - self.needed)


def gaps(needs: Needs, available: Mapping[str, int]) -> list[Gap]:
    """Needed (rounded up: half a nurse is a nurse) against available, per resource."""
    return [Gap(r, math.ceil(needs[r] - 1e-9), int(available.get(r, 0))) for r in RESOURCES]


def shortfall_summary(gap_list: Sequence[Gap]) -> dict[str, int]:
    """{"doctors": 65, "icu_doctors": 15, "nurses": 170, ...}: only the resources short."""
    return {g.resource: g.shortfall for g in gap_list if g.shortfall}


# --- manual scenario ------------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    patients: int
    by_severity: dict[str, float]
    census: dict[int, float]
    at_home: float
    needs: Needs
    gaps: list[Gap]


def manual_scenario(
    patients: int,
    params: Parameters,
    available: Mapping[str, int],
    severe: int | None = None,
    shares: Mapping[str, float] | None = None,
) -> ScenarioResult:
    """ "5,000 cases, 100 severe": `patients` under care at once; `severe` (severe and critical together) fixes
    tier 3 and the other severities share the rest as in `shares` (the parameters' by default)."""
    if patients is None or patients < 0:
        raise ScenarioError("the number of cases must be 0 or more", "patients")
    shares = check_shares(shares) if shares is not None else dict(params.severity_shares)
    by_severity = {s: patients * shares[s] for s in SEVERITIES}
    if severe is not None:
        if severe < 0:
            raise ScenarioError("the number of severe cases must be 0 or more", "severe")
        if severe > patients:
            raise ScenarioError(
                f"{severe} severe cases is more than the {patients} cases of the scenario", "severe"
            )
        grave = shares["severe"] + shares["critical"]
        rest = 1 - grave
        for s in ("severe", "critical"):
            by_severity[s] = severe * (shares[s] / grave if grave else (1.0 if s == "severe" else 0.0))
        for s in ("asymptomatic", "mild", "moderate"):
            by_severity[s] = (patients - severe) * (shares[s] / rest if rest else 0.0)
    tier_1 = by_severity["asymptomatic"] + by_severity["mild"]
    at_home = tier_1 * params.home_care_share
    census = {
        1: tier_1 - at_home,
        2: by_severity["moderate"],
        3: by_severity["severe"] + by_severity["critical"],
    }
    needs = needs_for(census, params)
    return ScenarioResult(patients, by_severity, census, at_home, needs, gaps(needs, available))


# --- growth ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Growth:
    days: int  # days in the fit
    cases: int  # cases in the window
    rate: float  # r per day
    rate_se: float
    intercept: float  # log of the fitted count on the window's first day
    doubling_days: float | None  # None when not growing
    halving_days: float | None  # None when not shrinking
    reproduction: float
    reproduction_low: float
    reproduction_high: float

    def rate_band(self, z: float) -> tuple[float, float]:
        return self.rate - z * self.rate_se, self.rate + z * self.rate_se

    def fitted_last(self) -> float:
        """The fitted count on the window's last day: where the projection starts."""
        return max(0.0, math.exp(self.intercept + self.rate * (self.days - 1)) - 0.5)


def reproduction_number(rate: float, mean: float, sd: float) -> float:
    """R from the growth rate and a gamma-distributed generation interval (Wallinga & Lipsitch 2007)."""
    if sd <= 0:
        return math.exp(rate * mean)
    base = 1 + rate * sd * sd / mean
    if base <= 0:
        return 0.0
    return base ** (mean * mean / (sd * sd))


def estimate_growth(counts: Sequence[int], params: Parameters) -> Growth:
    """Fit log(cases + 0.5) = a + r·t over the daily counts (oldest first) by least squares."""
    n = len(counts)
    if n < 3:
        raise ScenarioError("at least 3 days of cases are needed to estimate growth")
    xs = list(range(n))
    ys = [math.log(c + 0.5) for c in counts]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    rate = sxy / sxx
    intercept = mean_y - rate * mean_x
    residual = sum((y - intercept - rate * x) ** 2 for x, y in zip(xs, ys, strict=True))
    se = math.sqrt(residual / (n - 2) / sxx) if n > 2 else 0.0
    low, high = rate - params.band_z * se, rate + params.band_z * se
    g_mean, g_sd = params.generation_mean, params.generation_sd
    return Growth(
        days=n,
        cases=sum(counts),
        rate=rate,
        rate_se=se,
        intercept=intercept,
        doubling_days=math.log(2) / rate if rate > 1e-9 else None,
        halving_days=math.log(2) / -rate if rate < -1e-9 else None,
        reproduction=reproduction_number(rate, g_mean, g_sd),
        reproduction_low=reproduction_number(low, g_mean, g_sd),
        reproduction_high=reproduction_number(high, g_mean, g_sd),
    )


# --- projection -----------------------------------------------------------------------------------------------------


@dataclass
class Path:
    """One trajectory (low, central or high growth) over the projected days."""

    cases: list[float]
    admissions: dict[int, list[float]]
    census: dict[int, list[float]]
    needs: list[Needs]


@dataclass
class RunOut:
    resource: str
    day: dt.date | None  # central growth
    earliest: dt.date | None  # high growth
    latest: dt.date | None  # low growth


@dataclass
class Projection:
    start: dt.date  # the last observed day; the projection covers start + 1 ... start + horizon
    horizon: int
    growth: Growth
    observed: list[tuple[dt.date, int]]
    census_start: dict[int, int]
    central: Path
    low: Path
    high: Path
    available: list[dict[str, int]]  # per projected day
    run_outs: list[RunOut]
    peak_gaps: list[Gap]  # central growth: the largest shortfall of each resource over the horizon
    peak_gaps_high: list[Gap]
    inputs: dict[str, object] = field(default_factory=dict)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(1, self.horizon + 1)]

    def run_out(self, resource: str) -> RunOut:
        return next(r for r in self.run_outs if r.resource == resource)

    @property
    def first_run_out(self) -> RunOut | None:
        """The resource that runs out first under central growth (None when none does)."""
        dated = [r for r in self.run_outs if r.day is not None]
        return min(dated, key=lambda r: (r.day, RESOURCES.index(r.resource))) if dated else None


def _path(
    rate: float,
    base: float,
    observed: Sequence[int],
    census_start: Mapping[int, int],
    horizon: int,
    params: Parameters,
) -> Path:
    shares = params.tier_shares()
    # cases by day offset from the last observed day (0), past days observed, future days projected
    known = {-(len(observed) - 1) + i: float(c) for i, c in enumerate(observed)}
    cases = [base * math.exp(rate * d) for d in range(1, horizon + 1)]

    def cases_on(offset: int) -> float:
        if offset >= 1:
            return cases[offset - 1]
        return known.get(offset, 0.0)

    admissions: dict[int, list[float]] = {t: [] for t in TIERS}
    census: dict[int, list[float]] = {t: [] for t in TIERS}
    for t in TIERS:
        level = float(census_start.get(t, 0))
        leave = 1 / max(params.length_of_stay[t], 1)
        delay = params.admission_delay[t]
        for d in range(1, horizon + 1):
            # the day's arrivals: the cases reported `delay` days before (observed ones while d <= delay: they
            # were not in a bed yet on the start day, which the starting census counts)
            admitted = cases_on(d - delay) * shares[t]
            level = level * (1 - leave) + admitted
            admissions[t].append(admitted)
            census[t].append(level)
    needs = [needs_for({t: census[t][i] for t in TIERS}, params) for i in range(horizon)]
    return Path(cases, admissions, census, needs)


def project(
    observed: Sequence[tuple[dt.date, int]],
    census_start: Mapping[int, int],
    available: Sequence[Mapping[str, int]],
    params: Parameters,
    horizon: int = 14,
) -> Projection:
    """Project from the observed daily cases (oldest first, the last being the start day) and today's census
    per tier; `available[i]` is the capacity on start + i + 1 (planned changes included)."""
    if not MIN_HORIZON <= horizon <= MAX_HORIZON:
        raise ScenarioError(f"the horizon is {MIN_HORIZON} to {MAX_HORIZON} days, not {horizon}", "horizon")
    if len(available) < horizon:
        raise ValueError("the capacity of every projected day is needed")
    window = [c for _d, c in observed][-params.growth_window_days :]
    growth = estimate_growth(window, params)
    base = growth.fitted_last()
    low_rate, high_rate = growth.rate_band(params.band_z)
    counts = [c for _d, c in observed]
    central = _path(growth.rate, base, counts, census_start, horizon, params)
    low = _path(low_rate, base, counts, census_start, horizon, params)
    high = _path(high_rate, base, counts, census_start, horizon, params)
    start = observed[-1][0]
    days = [start + dt.timedelta(days=i) for i in range(1, horizon + 1)]

    def first_short(path: Path, resource: str) -> dt.date | None:
        for i in range(horizon):
            if math.ceil(path.needs[i][resource] - 1e-9) > available[i].get(resource, 0):
                return days[i]
        return None

    run_outs = [
        RunOut(r, first_short(central, r), first_short(high, r), first_short(low, r)) for r in RESOURCES
    ]

    def peak(path: Path) -> list[Gap]:
        result = []
        for r in RESOURCES:
            worst = max(
                (
                    Gap(r, math.ceil(path.needs[i][r] - 1e-9), int(available[i].get(r, 0)))
                    for i in range(horizon)
                ),
                key=lambda g: (g.shortfall, g.needed),
            )
            result.append(worst)
        return result

    return Projection(
        start=start,
        horizon=horizon,
        growth=growth,
        observed=list(observed),
        census_start={t: int(census_start.get(t, 0)) for t in TIERS},
        central=central,
        low=low,
        high=high,
        available=[dict(a) for a in available[:horizon]],
        run_outs=run_outs,
        peak_gaps=peak(central),
        peak_gaps_high=peak(high),
    )


# --- backtest -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesError:
    name: str  # "cases", "census_tier_1", ...
    projected: tuple[float, ...]
    actual: tuple[int, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def mean_absolute_error(self) -> float:
        return sum(abs(p - a) for p, a in zip(self.projected, self.actual, strict=True)) / len(self.actual)

    @property
    def relative_error(self) -> float | None:
        """Sum of absolute errors over the sum of actual values (None when nothing happened)."""
        total = sum(self.actual)
        if not total:
            return None
        return sum(abs(p - a) for p, a in zip(self.projected, self.actual, strict=True)) / total

    @property
    def bias(self) -> float:
        """Mean of projected - actual: positive when the projection was too high."""
        return sum(p - a for p, a in zip(self.projected, self.actual, strict=True)) / len(self.actual)

    @property
    def within_band(self) -> float:
        """Share of days whose actual value lay within the band."""
        inside = sum(
            1
            for lo, hi, a in zip(self.low, self.high, self.actual, strict=True)
            if min(lo, hi) - 0.5 <= a <= max(lo, hi) + 0.5
        )
        return inside / len(self.actual)


@dataclass
class Backtest:
    projection: Projection
    series: list[SeriesError]

    def get(self, name: str) -> SeriesError:
        return next(s for s in self.series if s.name == name)


def backtest(
    projection: Projection, actual_cases: Sequence[int], actual_census: Mapping[int, Sequence[int]]
) -> Backtest:
    """Set a projection (made on data up to its start day) against what happened on the days it projected."""
    n = projection.horizon
    if len(actual_cases) != n or any(len(actual_census.get(t, ())) != n for t in TIERS):
        raise ValueError("actual values are needed for every projected day")
    series = [
        SeriesError(
            "cases",
            tuple(projection.central.cases),
            tuple(actual_cases),
            tuple(projection.low.cases),
            tuple(projection.high.cases),
        )
    ]
    for t in TIERS:
        series.append(
            SeriesError(
                f"census_tier_{t}",
                tuple(projection.central.census[t]),
                tuple(actual_census[t]),
                tuple(projection.low.census[t]),
                tuple(projection.high.census[t]),
            )
        )
    return Backtest(projection, series)
