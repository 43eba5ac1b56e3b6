"""Server-rendered SVG charts of the planner (no JavaScript): coordinates computed here, `care/_chart.html` draws
them. A chart has days along x, lines (observed, projected), an uncertainty band, a capacity step line and
markers (today, the day capacity runs out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 34


@dataclass
class Series:
    label: str
    css: str  # class of the line: observed, projected, capacity, actual
    points: str  # "x,y x,y" for <polyline>


@dataclass
class Marker:
    x: float
    label: str
    css: str


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    series: list[Series] = field(default_factory=list)
    band: str = ""  # "x,y ..." polygon of the uncertainty band
    markers: list[Marker] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def _nice_top(peak: float) -> tuple[float, float]:
    """A round top for the y axis and its step (about five ticks)."""
    if peak <= 0:
        return 5.0, 1.0
    magnitude = 10 ** len(str(int(peak))) / 100 if peak >= 10 else 1
    for step in (1, 2, 2.5, 5, 10):
        s = step * magnitude
        if peak / s <= 5:
            return s * -(-peak // s), s
    s = 10 * magnitude
    return s * -(-peak // s), s


def line_chart(
    title: str,
    days: Sequence[dt.date],
    lines: Sequence[tuple[str, str, Sequence[float | None]]],
    band: tuple[Sequence[float], Sequence[float]] | None = None,
    band_from: int = 0,
    markers: Sequence[tuple[dt.date, str, str]] = (),
) -> Chart:
    """`lines`: (label, css class, values per day, None where absent); `band`: (low, high) values for the days
    from index `band_from` on; `markers`: (day, label, css class) vertical lines."""
    chart = Chart(title)
    values = [v for _l, _c, vs in lines for v in vs if v is not None]
    peak = max(values, default=0)
    if band:
        # the band may explode at the far end of a fast growth: it is drawn clipped, the lines decide the scale
        peak = max(peak, min(max(band[1], default=0), 1.5 * peak))
    top, step = _nice_top(peak)
    span = max(len(days) - 1, 1)
    plot_w, plot_h = chart.right - chart.left, chart.bottom - chart.top

    def x(i: float) -> float:
        return round(chart.left + plot_w * i / span, 1)

    def y(v: float) -> float:
        return round(chart.bottom - plot_h * max(0.0, min(v, top)) / top, 1)

    for label, css, vs in lines:
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(vs) if v is not None)
        chart.series.append(Series(label, css, points))
    if band:
        low, high = band
        upper = [f"{x(band_from + i)},{y(v)}" for i, v in enumerate(high)]
        lower = [f"{x(band_from + i)},{y(v)}" for i, v in reversed(list(enumerate(low)))]
        chart.band = " ".join(upper + lower)
    index = {d: i for i, d in enumerate(days)}
    for day, label, css in markers:
        if day in index:
            chart.markers.append(Marker(x(index[day]), label, css))
    every = max(1, len(days) // 8)
    chart.x_ticks = [(x(i), d.strftime("%d/%m")) for i, d in enumerate(days) if i % every == 0]
    ticks, v = [], 0.0
    while v <= top + 1e-9:
        ticks.append((y(v), f"{v:g}"))
        v += step
    chart.y_ticks = ticks
    return chart
