"""A line chart of coverage over time as server-rendered SVG (no JavaScript): the coordinates are computed here,
`vaccination/_chart.html` draws them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 34
COLOURS = ("#0b6e4f", "#2e86c1", "#c0392b", "#8e44ad", "#e67e22")


@dataclass
class Line:
    label: str
    colour: str
    points: str  # "x,y x,y ..." for <polyline>
    last_value: float | None
    last_x: float = 0.0
    last_y: float = 0.0


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, percent)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, "dd/mm")
    targets: list[tuple[float, float, str, str]] = field(
        default_factory=list
    )  # (y, x of due or right edge, label, colour)
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


def line_chart(days: list[dt.date], series: list[tuple[str, list[float | None]]], targets=()) -> Chart:
    """Percent (0-100) series over `days`; `targets`: (label, percent, due day, index of the series it is for)."""
    chart = Chart()
    plot_w = chart.right - chart.left
    plot_h = chart.bottom - chart.top
    span = max(len(days) - 1, 1)

    def x(i: float) -> float:
        return round(chart.left + plot_w * i / span, 1)

    def y(pct: float) -> float:
        return round(chart.bottom - plot_h * max(0.0, min(pct, 100.0)) / 100, 1)

    chart.y_ticks = [(y(p), p) for p in range(0, 101, 20)]
    step = max(1, len(days) // 6)
    chart.x_ticks = [
        (x(i), d.strftime("%d/%m")) for i, d in enumerate(days) if i % step == 0 or i == len(days) - 1
    ]
    for index, (label, values) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        line = Line(label, colour, " ".join(f"{px},{py}" for px, py in points), None)
        known = [v for v in values if v is not None]
        if points:
            line.last_value = known[-1]
            line.last_x, line.last_y = points[-1]
        chart.lines.append(line)
    for label, pct, due, series_index in targets:
        colour = COLOURS[series_index % len(COLOURS)]
        due_x = (
            x(days.index(due)) if due in days else (chart.right if days and due > days[-1] else chart.left)
        )
        chart.targets.append((y(float(pct)), due_x, label, colour))
    return chart
