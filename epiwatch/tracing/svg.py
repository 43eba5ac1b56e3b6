"""Server-rendered charts: the epidemic curve of a cluster as SVG bars (no JavaScript, no external library)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 36, 10, 10, 36


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: dt.date
    count: int


@dataclass
class Tick:
    x: float
    y: float
    label: str


@dataclass
class Curve:
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT
    right: float = WIDTH - RIGHT


def _step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if peak / step <= 5:
            return step
    return max(1, peak // 5)


def epidemic_curve(days: list[tuple[dt.date, int]]) -> Curve | None:
    """Bars of cases per day, a y axis in round steps, a date label every few days."""
    if not days:
        return None
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max(count for _d, count in days) or 1
    step = _step(peak)
    top = -(-peak // step) * step
    slot = plot_w / len(days)
    bars = []
    for i, (day, count) in enumerate(days):
        h = plot_h * count / top
        bars.append(Bar(LEFT + i * slot + slot * 0.1, TOP + plot_h - h, max(slot * 0.8, 1), h, day, count))
    every = max(1, round(len(days) / 8))
    x_ticks = [
        Tick(LEFT + i * slot + slot / 2, HEIGHT - BOTTOM + 14, day.strftime("%d/%m"))
        for i, (day, _c) in enumerate(days)
        if i % every == 0
    ]
    y_ticks = [Tick(LEFT - 4, TOP + plot_h - plot_h * v / top, str(v)) for v in range(0, top + 1, step)]
    return Curve(bars, x_ticks, y_ticks)
