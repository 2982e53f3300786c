"""The report's charts, drawn on a given Axes; readable in greyscale.

Each series differs by line style, marker and hatching as well as by colour,
so a black-and-white print keeps them apart.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..metrics import QUADRANT_NAMES, EventEffect, MonthPoint, Share, Summary
from .i18n import Words
from .text import drawable

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: name -> (colour, line style, marker); dark blue, orange, grey: distinct in greyscale too.
SERIES = {
    "understood": ("#1f4e8c", "-", "o"),
    "helped": ("#d0701c", "--", "s"),
    "csat": ("#6b6b6b", ":", "^"),
}
#: quadrant -> (face colour, hatch)
QUADRANT_STYLE = {
    "both": ("#1f4e8c", ""),
    "helped_only": ("#f2c9a1", "////"),
    "understood_only": ("#b9cde6", "...."),
    "neither": ("#ffffff", "xx"),
}


def _style(ax: Axes, words: Words) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: words.percent(v, digits=0)))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7.5)


def _value(share: Share) -> float:
    value = share.value
    return math.nan if value is None else value


def _month_ticks(ax: Axes, points: Sequence[MonthPoint], words: Words) -> None:
    ax.set_xticks(range(len(points)))
    ax.set_xticklabels([words.short_month(p.month) for p in points], fontsize=7.5)
    ax.set_xlim(-0.5, len(points) - 0.5)


def trend_chart(
    ax: Axes, points: Sequence[MonthPoint], events: Sequence[EventEffect], words: Words
) -> None:
    """Understood, helped and CSAT per month with 95 % interval bands and event markers."""
    xs = list(range(len(points)))
    for name, (colour, line, marker) in SERIES.items():
        shares = [getattr(p.summary, name) for p in points]
        intervals = [s.interval for s in shares]
        low = [math.nan if i is None else i.low for i in intervals]
        high = [math.nan if i is None else i.high for i in intervals]
        ax.fill_between(xs, low, high, color=colour, alpha=0.13, linewidth=0)
        ax.plot(
            xs,
            [_value(s) for s in shares],
            color=colour,
            linestyle=line,
            marker=marker,
            markersize=4.5,
            linewidth=1.6,
            label=words(name),
        )
    first = points[0].month
    for number, event in enumerate(events, 1):
        months = (event.day.year - first.year) * 12 + event.day.month - first.month
        days = calendar.monthrange(event.day.year, event.day.month)[1]
        x = months + (event.day.day - 1) / days - 0.5
        ax.axvline(x, color="#333333", linewidth=0.8, linestyle="-.")
        ax.text(x, 1.01, f"E{number}", ha="center", va="bottom", fontsize=7, parse_math=False)
    _style(ax, words)
    _month_ticks(ax, points, words)
    ax.legend(loc="lower left", fontsize=7.5, frameon=False, ncols=3)


def quadrant_trend(ax: Axes, points: Sequence[MonthPoint], words: Words, title: str) -> None:
    """The four quadrant shares per month as stacked, hatched bars, under ``title``."""
    xs = list(range(len(points)))
    bottoms = [0.0] * len(points)
    for name in QUADRANT_NAMES:
        colour, hatch = QUADRANT_STYLE[name]
        values = []
        for p in points:
            value = p.summary.quadrants.share(name).value
            values.append(0.0 if value is None else value)
        ax.bar(
            xs,
            values,
            bottom=bottoms,
            color=colour,
            hatch=hatch,
            edgecolor="#333333",
            linewidth=0.5,
            label=words(name),
            width=0.72,
        )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, p in zip(xs, points, strict=True):
        if p.summary.quadrants.n == 0:
            ax.text(x, 0.5, "–", ha="center", va="center", fontsize=8, parse_math=False)
    _style(ax, words)
    ax.grid(False)
    _month_ticks(ax, points, words)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=7.5, frameon=False, ncols=2)
    ax.set_title(drawable(title), fontsize=9, loc="left")


def _zoomed(values: Sequence[float]) -> tuple[float, float]:
    """Axis limits around ``values``, padded, at least 20 points wide, within 0–100 %."""
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = max(0.04, 0.15 * (high - low))
    low, high = low - pad, high + pad
    if high - low < 0.2:
        middle = (low + high) / 2
        low, high = middle - 0.1, middle + 0.1
    return max(-0.03, low), min(1.03, high)


def team_scatter(ax: Axes, groups: Sequence[Summary], words: Words, min_n: int) -> None:
    """Helped % against understood % per group; point size = n; small groups hollow, grey."""
    largest = max((g.responses for g in groups), default=1)
    placed: list[tuple[float, float]] = []
    for g in groups:
        x, y = g.understood.value, g.helped.value
        if x is None or y is None:
            continue
        # A label near one already placed goes below its point instead of above.
        crowded = any(abs(x - px) < 0.12 and abs(y - py) < 0.06 for px, py in placed)
        placed.append((x, y))
        size = 30 + 370 * g.responses / largest
        style: dict[str, Any] = (
            {"facecolors": "none", "edgecolors": "#888888", "linestyle": "--"}
            if g.small
            else {"color": SERIES["understood"][0], "alpha": 0.75, "edgecolors": "#222222"}
        )
        ax.scatter([x], [y], s=size, linewidths=0.8, **style)
        label = drawable(g.key if g.key is not None else words("none"))
        ax.annotate(
            label if not g.small else f"{label} ({words('small', n=min_n)})",
            (x, y),
            xytext=(size**0.5 / 2 + 2, -11 if crowded else 4),  # right of the marker's edge
            textcoords="offset points",
            fontsize=7,
            color="#888888" if g.small else "#1a1a1a",
            parse_math=False,
        )
    _style(ax, words)
    xs, ys = [x for x, _ in placed], [y for _, y in placed]
    ax.set_xlim(*_zoomed(xs))  # the labels may reach into the margin on the right
    ax.set_ylim(*_zoomed(ys))
    ax.xaxis.set_major_formatter(ax.yaxis.get_major_formatter())
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_xlabel(words("understood"), fontsize=8)
    ax.set_ylabel(words("helped"), fontsize=8)
    ax.set_title(words("scatter_title"), fontsize=9, loc="left")
