"""Section 4's comparisons: funnel plots of teams and agents, and "solution without empathy".

The verdicts come from :mod:`csat.metrics.compare`; this module only draws
and words them. Nothing here ranks: a unit is either outside the funnel's
limits (named, with its direction) or within expected variation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..metrics import MonthReport, Summary
from ..metrics.compare import EmpathyCheck, UnitFunnels, empathy_check, unit_funnels
from ..metrics.funnel import Funnel, FunnelUnit, Position, limits
from .charts import SERIES
from .i18n import Words
from .layout import A4, MUTED, PT, SAFETY, Column, Document
from .text import drawable, text_width

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Label every dot up to this many units (teams); beyond it only those outside.
LABEL_ALL = 6
#: The names' font size and line height, in points.
LABEL_SIZE = 6.5
LINE_PT = 8.0
#: A dot's radius, in points, as far as names keep clear of it.
DOT_PT = 3.5
#: Points on each limit curve.
CURVE_POINTS = 80
LIMIT_COLOUR = "#444444"


def _curve_ns(low: int, high: int) -> list[float]:
    if high <= low:
        return [float(low)]
    step = (high - low) / (CURVE_POINTS - 1)
    return [low + i * step for i in range(CURVE_POINTS)]


def funnel_chart(ax: Axes, data: Funnel, small: frozenset[str], words: Words, title: str) -> None:
    """One funnel: each unit's share against its n, the target line, 95 % and 99.8 % limits."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    units = list(data.units)
    ax.set_title(drawable(title), fontsize=8.5, loc="left")
    if not units:  # a survey without this dimension
        ax.set_axis_off()
        ax.text(0.5, 0.5, words("no_data"), ha="center", va="center", fontsize=8, parse_math=False)
        return
    largest = max(u.n for u in units)
    smallest = min(u.n for u in units)
    start = max(1, smallest - max(2, smallest // 4))
    end = largest + max(2, largest // 12)
    ns = [round(n) for n in _curve_ns(start, end)]
    curves = [limits(n, data.target) for n in ns]
    ax.axhline(data.target, color="#1a1a1a", linewidth=1.0)
    for attr, style in (("low95", "--"), ("high95", "--"), ("low998", ":"), ("high998", ":")):
        values = [getattr(c, attr) for c in curves]
        ax.plot(ns, values, color=LIMIT_COLOUR, linestyle=style, linewidth=0.9)
    shares = [u.share for u in units]
    edge = limits(smallest, data.target)
    low = min([*shares, edge.low998])
    high = max([*shares, edge.high998])
    pad = max(0.03, 0.08 * (high - low))
    ylim = (max(-0.02, low - pad), min(1.02, high + pad))
    ax.set_ylim(*ylim)
    ax.set_xlim(start, end)
    label_all = len(units) <= LABEL_ALL
    names = []
    for unit in units:
        outside = unit.position.outside and unit.name not in small
        _dot(ax, unit, unit.name in small, outside)
        if outside or (label_all and unit.name not in small):
            names.append((unit.n, unit.share, drawable(unit.name)))
    dots = [(u.n, u.share) for u in units]
    _place_labels(ax, names, dots, (start, end), ylim)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: words.percent(v, digits=0)))
    ax.grid(color="#e4e4e4", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7)
    ax.set_xlabel(words("funnel_x"), fontsize=7.5)


def _dot(ax: Axes, unit: FunnelUnit, small: bool, outside: bool) -> None:
    """One unit's dot: hollow when small, a diamond when outside the limits."""
    if small:
        ax.scatter([unit.n], [unit.share], s=18, facecolors="none", edgecolors="#888888",
                   linewidths=0.8, zorder=3)  # fmt: skip
    elif outside:
        ax.scatter([unit.n], [unit.share], s=30, marker="D", color=SERIES["helped"][0],
                   edgecolors="#1a1a1a", linewidths=0.7, zorder=4)  # fmt: skip
    else:
        ax.scatter([unit.n], [unit.share], s=20, color=SERIES["understood"][0], alpha=0.8,
                   edgecolors="#1a1a1a", linewidths=0.4, zorder=3)  # fmt: skip


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes ``(x0, x1, y0, y1)`` overlap."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def _place_labels(
    ax: Axes,
    names: Sequence[tuple[float, float, str]],
    dots: Sequence[tuple[float, float]],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> None:
    """Each name beside its dot where it covers no other name and no dot.

    A name goes right of its dot (left in the right part of the plot), else to
    the other side, else a line lower, with a thin leader line to its dot.
    Sizes are measured in data units from the Axes' size in inches and the
    font's widths.
    """
    box = ax.get_position()
    width_in, height_in = A4  # the Document's pages
    per_x = (xlim[1] - xlim[0]) / (box.width * width_in)  # data units per inch
    per_y = (ylim[1] - ylim[0]) / (box.height * height_in)
    em, line, gap = LABEL_SIZE * PT * per_x, LINE_PT * PT * per_y, 5 * PT * per_x
    rx, ry = DOT_PT * PT * per_x, DOT_PT * PT * per_y
    placed = [(x - rx, x + rx, y - ry, y + ry) for x, y in dots]
    for x, y, name in sorted(names, key=lambda item: (-item[1], item[0])):
        width = text_width(name) * em * SAFETY
        preferred = x > xlim[0] + 0.6 * (xlim[1] - xlim[0])  # left of the dot
        # Each line downwards, the preferred side first, then the other one.
        for step, left in ((s, side) for s in range(8) for side in (preferred, not preferred)):
            x0, x1 = (x - gap - width, x - gap) if left else (x + gap, x + gap + width)
            spot = (x0, x1, y - (step + 0.5) * line, y - (step - 0.5) * line)
            if not any(_overlap(spot, b) for b in placed):
                break
        placed.append(spot)
        ax.annotate(
            name,
            (x, y),
            xytext=(-5 if left else 5, -LINE_PT * step),
            textcoords="offset points",
            ha="right" if left else "left",
            va="center",
            fontsize=LABEL_SIZE,
            color="#1a1a1a",
            parse_math=False,
            # A name moved off its dot's line keeps a thin leader to it.
            arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.5} if step else None,
        )


def _direction(words: Words, unit: FunnelUnit) -> str:
    above = unit.position in (Position.ABOVE_95, Position.ABOVE_998)
    said = words("funnel_above" if above else "funnel_below")
    if unit.position in (Position.ABOVE_998, Position.BELOW_998):
        said = f"{said}, {words('funnel_beyond_998')}"
    return f"{unit.name} ({said})"


def _verdicts(words: Words, funnels: UnitFunnels, by: str) -> list[str]:
    lines = []
    for measure in ("understood", "helped"):
        flagged = funnels.flagged(measure)
        if flagged:
            named = "; ".join(_direction(words, u) for u in flagged)
            lines.append(words("funnel_outside", measure=words(measure), units=named))
        else:
            lines.append(words("funnel_all_within", measure=words(measure)))
    compared = funnels.compared
    lines.append(
        words(
            f"funnel_within_{by}",
            k=words.integer(funnels.within),
            m=words.integer(compared),
            c=words.integer(2 * compared),
            e=words.decimal(0.05 * 2 * compared),
        )
    )
    return lines


def funnel_block(
    doc: Document, groups: Sequence[Summary], words: Words, by: str, min_n: int
) -> None:
    """The understood and helped funnels of teams or agents, their caption and verdicts."""
    funnels = unit_funnels(groups)
    if funnels.compared + len(funnels.small) < 2:
        return  # one unit is its own target: nothing to compare
    doc.subheading(words(f"funnel_heading_{by}"), keep=2.9)
    row = doc.axes_row(2.6, 2)
    for ax, measure in zip(row, ("understood", "helped"), strict=True):
        data: Funnel = getattr(funnels, measure)
        title = words("funnel_title", measure=words(measure), target=words.percent(data.target))
        funnel_chart(ax, data, funnels.small, words, title)
    doc.paragraph(words(f"funnel_caption_{by}", n=min_n), size=7.5, color=MUTED)
    for line in _verdicts(words, funnels, by):
        doc.paragraph(line, size=9)


def _empathy_rows(
    words: Words, check: EmpathyCheck, agents: dict[str, Summary], teams: dict[str, tuple[str, ...]]
) -> list[list[str]]:
    rows = []
    flagged = [(t, "empathy_helped") for t in check.without_empathy]
    flagged += [(t, "empathy_understood") for t in check.without_solution]
    for test, direction in sorted(flagged, key=lambda f: (teams.get(f[0].name, ()), f[0].name)):
        rows.append(
            [
                test.name,
                words.integer(agents[test.name].quadrants.n),
                words.integer(test.helped_only),
                words.integer(test.understood_only),
                words.p_value(test.p_value),
                words(direction),
            ]
        )
    return rows


def empathy_block(doc: Document, report: MonthReport, words: Words) -> None:
    """Solution without empathy: each agent's exact McNemar test, the flagged ones named."""
    check = empathy_check(report.agents)
    doc.subheading(words("empathy_heading"))
    doc.paragraph(
        words(
            "empathy_method",
            n=report.min_n,
            k=words.integer(len(check.tests)),
            s=words.integer(check.untested),
            e=words.decimal(check.by_chance),
        ),
        size=8.5,
    )
    agents = {str(a.key): a for a in report.agents}
    rows = _empathy_rows(words, check, agents, report.agent_teams)
    if not rows:
        doc.paragraph(words("empathy_none"), size=9)
        return
    doc.table(
        [
            Column(words("agent"), 1.5),
            Column(words("n"), 0.4, "right"),
            Column(words("helped_only_short"), 1.0, "right"),
            Column(words("understood_only_short"), 1.2, "right"),
            Column("p", 0.65, "right"),
            Column("", 2.1),
        ],
        rows,
    )
    if not check.without_empathy:
        doc.paragraph(words("empathy_no_helped"), size=9)
