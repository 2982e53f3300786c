"""The console's live view: a month's figures for team leads, ``{prefix}/live``.

The same data as the monthly report (:meth:`~csat.service.SurveyService.month_report`
and the comparisons of :mod:`csat.metrics.compare`), drawn on the server as SVG
and tables: no JavaScript, no matplotlib. ``month=YYYY-MM`` (default: this
month so far) and ``team=`` choose what is shown; anything else answers 400.
The month's PDF report and CSV export download under the same access rule.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, request
from flask_babel import force_locale, format_date, format_decimal, format_percent

from ...errors import ReportUnavailableError
from ...metrics import QUADRANT_NAMES, MonthPoint, MonthReport, Share, Summary, add_months
from ...metrics.compare import EmpathyCheck, UnitFunnels, empathy_check, unit_funnels
from ...metrics.funnel import Funnel, Position, limits
from ...metrics.stats import Interval
from ..errors import http_status
from ..i18n import gettext
from ..state import get_service
from .views import _error_page, _locale, _render, blueprint

#: The earliest month the view shows (a month before is junk in a URL).
FIRST_YEAR = 2000
#: A team's name in a URL is at most this long (longer: 400 before any query).
TEAM_MAX_LENGTH = 255
#: The PDF's languages.
REPORT_LANGUAGES = ("en", "de")
#: Label every dot of a funnel up to this many units; beyond, only those outside.
LABEL_ALL = 6

# The charts' drawing area, in SVG user units (the SVG scales to the page's width).
WIDTH, HEIGHT = 400, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 10, 44
#: name -> (line dash pattern, marker): told apart without colour.
SERIES = {"understood": ("", "circle"), "helped": ("7 4", "square"), "csat": ("2 3", "triangle")}


class ChoiceError(Exception):
    """A month, team or language in the URL that the view cannot show (answered 400)."""


# -- the request's choices -------------------------------------------------------------


def this_month() -> date:
    """The first day of the current month in ``CSAT_TIMEZONE``, by the service's clock."""
    service = get_service()
    today = service.clock().astimezone(ZoneInfo(service.settings.timezone)).date()
    return today.replace(day=1)


def parse_month(value: str | None, current: date) -> date:
    """``YYYY-MM`` from the URL (``None``: the current month), from 2000 up to the current one.

    :raises ChoiceError: anything else.
    """
    if value is None:
        return current
    year, dash, month = value.partition("-")
    if not (dash and len(year) == 4 and len(month) == 2 and (year + month).isascii()):
        raise ChoiceError("month")
    if not (year + month).isdigit() or not 1 <= int(month) <= 12:
        raise ChoiceError("month")
    chosen = date(int(year), int(month), 1)
    if chosen.year < FIRST_YEAR or chosen > current:
        raise ChoiceError("month")
    return chosen


def parse_team(value: str | None, known: Sequence[str]) -> str | None:
    """A team from the URL: one of ``known``; empty or missing: all teams.

    :raises ChoiceError: any other value.
    """
    if not value:
        return None
    if len(value) > TEAM_MAX_LENGTH or value not in known:
        raise ChoiceError("team")
    return value


@dataclass(frozen=True)
class Choice:
    """What the request asked for: the month, the team and the teams to choose from."""

    month: date
    current: date
    team: str | None
    teams: list[str]

    def args(self, **more: str) -> dict[str, str]:
        """The query arguments of this choice (for links to the downloads)."""
        found = {"month": f"{self.month:%Y-%m}", **more}
        if self.team is not None:
            found["team"] = self.team
        return found


def _choice() -> Choice:
    current = this_month()
    month = parse_month(request.args.get("month"), current)
    teams: list[str] = get_service().teams(add_months(month, -11), month)
    return Choice(month, current, parse_team(request.args.get("team"), teams), teams)


def _bad_request(error: ChoiceError) -> tuple[str, int]:
    return _error_page(400, invalid=str(error))


# -- numbers in the page's language -----------------------------------------------------


def percent(value: float | None) -> str:
    """``0.824`` as ``82.4%`` / ``82,4 %``; a dash without data."""
    return "–" if value is None else str(format_percent(value, format="#,##0.0%"))


def decimal(value: float | None, *, signed: bool = False) -> str:
    """One decimal in the page's language."""
    if value is None:
        return "–"
    return str(format_decimal(value, format="+#,##0.0;−#,##0.0" if signed else "#,##0.0"))


def bracket(low: float, high: float, *, signed: bool = False) -> str:
    """The report's one interval notation, ``[76.1; 87.5]``: the unit is the value's."""
    return f"[{decimal(low, signed=signed)}; {decimal(high, signed=signed)}]"


def span(interval: Interval | None) -> str:
    """An interval of shares in percent."""
    return "–" if interval is None else bracket(interval.low * 100, interval.high * 100)


def change(interval: Interval | None, *, share: bool = True) -> str:
    """A change with its interval: ``+3.1 pp [−2.0; +8.2]`` (shares) or ``−0.2 [−0.5; +0.1]``."""
    if interval is None:
        return "–"
    scale = 100 if share else 1
    low, high = interval.low * scale, interval.high * scale
    shown = decimal(interval.estimate * scale, signed=True)
    unit = " " + gettext("pp") if share else ""
    return f"{shown}{unit} {bracket(low, high, signed=True)}"


# -- the figures ------------------------------------------------------------------------


def _share_row(key: str, label: str, now: Share, before: Share) -> dict[str, Any]:
    interval = now.interval
    return {
        "key": key,
        "label": label,
        "value": percent(now.value),
        "interval": span(interval),
        "n": now.n,
        "change": change(now.change_from(before)),
        "data": {
            "value": now.value,
            "low": interval and interval.low,
            "high": interval and interval.high,
            "n": now.n,
        },
    }


def headline(report: MonthReport) -> list[dict[str, Any]]:
    """Page 1's table of the report: each figure with its interval, n and the change."""
    now, before = report.current, report.previous
    rows = [
        _share_row("understood", gettext("Understood"), now.understood, before.understood),
        _share_row("helped", gettext("Helped"), now.helped, before.helped),
        _share_row("csat", gettext("CSAT"), now.csat, before.csat),
    ]
    ces = now.effort.interval
    rows.append(
        {
            "key": "ces",
            "label": gettext("CES 1–7, higher is better"),
            "value": decimal(now.effort.value),
            "interval": "–" if ces is None else bracket(ces.low, ces.high),
            "n": now.effort.n,
            "change": change(now.effort.change_from(before.effort), share=False),
            "data": {
                "value": now.effort.value,
                "low": ces and ces.low,
                "high": ces and ces.high,
                "n": now.effort.n,
            },
        }
    )
    rate, rate_before = now.response_rate or Share(0, 0), before.response_rate or Share(0, 0)
    rows.append(_share_row("response_rate", gettext("Response rate"), rate, rate_before))
    return rows


def quadrant_label(name: str) -> str:
    """A quadrant's name in the page's language."""
    return {
        "both": gettext("understood and helped"),
        "helped_only": gettext("helped, not understood"),
        "understood_only": gettext("understood, not helped"),
        "neither": gettext("neither"),
    }[name]


def quadrants(summary: Summary) -> dict[str, dict[str, Any]]:
    """The four quadrant shares with their intervals, by name."""
    found = {}
    for name in QUADRANT_NAMES:
        share = summary.quadrants.share(name)
        found[name] = {
            "label": quadrant_label(name),
            "value": percent(share.value),
            "interval": span(share.interval),
            "count": share.successes,
            "share": share.value,
        }
    return found


# -- the charts' geometry ---------------------------------------------------------------


def _y(value: float, low: float, high: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / (high - low), 1)


def _x(value: float, low: float, high: float) -> float:
    if high <= low:
        return float(LEFT + (WIDTH - LEFT - RIGHT) / 2)
    return round(LEFT + (WIDTH - LEFT - RIGHT) * (value - low) / (high - low), 1)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round shares between ``low`` and ``high``."""
    span_ = high - low
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if span_ / s <= count) if span_ else 1
    first = -(-round(low * 1000) // round(step * 1000)) * step
    ticks, value = [], first
    while value <= high + 1e-9:
        ticks.append(round(value, 4))
        value += step
    return ticks


def trend_chart(points: Sequence[MonthPoint], min_n: int) -> dict[str, Any]:
    """The 12-month trend of understood, helped and CSAT: polylines (broken at months
    without data) and markers; months with fewer than ``min_n`` responses hollow."""
    count = len(points)
    xs = [_x(i, -0.5, count - 0.5) for i in range(count)]
    series = []
    for name, (dash, marker) in SERIES.items():
        lines: list[list[tuple[float, float]]] = [[]]
        marks = []
        for x, point in zip(xs, points, strict=True):
            value = getattr(point.summary, name).value
            if value is None:
                lines.append([])
                continue
            y = _y(value, 0.0, 1.0)
            lines[-1].append((x, y))
            marks.append({"x": x, "y": y, "small": point.summary.responses < min_n})
        series.append(
            {
                "name": name,
                "dash": dash,
                "marker": marker,
                "marks": marks,
                "lines": [" ".join(f"{x},{y}" for x, y in line) for line in lines if len(line) > 1],
            }
        )
    return {
        "series": series,
        "months": [
            {"x": x, "month": p.month, "year": i == 0 or p.month.month == 1}
            for i, (x, p) in enumerate(zip(xs, points, strict=True))
        ],
        "ticks": [
            {"y": _y(t, 0.0, 1.0), "label": format_percent(t, format="#,##0%")}
            for t in (0.0, 0.25, 0.5, 0.75, 1.0)
        ],
    }


def position_label(position: Position) -> str:
    """Where a unit lies against the funnel's limits, in words."""
    if position is Position.WITHIN:
        return gettext("within expected variation")
    limit = level(99.8 if position in (Position.ABOVE_998, Position.BELOW_998) else 95)
    if position in (Position.ABOVE_998, Position.ABOVE_95):
        return gettext("above the %(limit)s limit", limit=limit)
    return gettext("below the %(limit)s limit", limit=limit)


def level(value: float) -> str:
    """A confidence level as the texts write it: ``95 %``, ``99.8 %`` / ``99,8 %``."""
    return f"{format_decimal(value, format='#,##0.#')}\u00a0%"  # no break before %


#: A name's height and a character's width on the charts, in SVG units (12 px text).
LINE, CHAR = 14.0, 7.0


def _place_labels(labels: list[dict[str, Any]], dots: Sequence[tuple[float, float]]) -> None:
    """Give each label a spot beside its dot that covers no other label and no dot:
    its own line first, else a line lower or higher (``ly``; ``moved`` draws a leader)."""

    def box(label: dict[str, Any], ly: float) -> tuple[float, float, float, float]:
        width = CHAR * len(label["name"])
        x0 = label["x"] - 9 - width if label["anchor"] == "end" else label["x"] + 9
        return (x0, x0 + width, ly - LINE / 2, ly + LINE / 2)

    def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]

    taken = [(x - 5, x + 5, y - 5, y + 5) for x, y in dots]
    for label in sorted(labels, key=lambda d: (d["y"], d["x"])):
        for step in (0, 1, -1, 2, -2, 3, -3):
            ly = label["y"] + step * LINE
            spot = box(label, ly)
            if TOP <= ly <= HEIGHT - BOTTOM and not any(overlap(spot, b) for b in taken):
                break
        taken.append(spot)
        label["ly"], label["moved"] = round(ly, 1), ly != label["y"]


def funnel_chart(data: Funnel, small: frozenset[str]) -> dict[str, Any]:
    """A funnel plot: the units with enough responses against their n, the target line,
    the 95 % (dashed) and 99.8 % (dotted) limits; small units are left out."""
    units = [u for u in data.units if u.name not in small]
    if not units:
        return {"units": []}
    smallest, largest = min(u.n for u in units), max(u.n for u in units)
    start = max(1, smallest - max(2, smallest // 4))
    end = largest + max(2, largest // 12)
    steps = 48
    ns = sorted({round(start + i * (end - start) / steps) for i in range(steps + 1)})
    curves = [limits(n, data.target) for n in ns]
    edge = limits(smallest, data.target)
    low = min([*(u.share for u in units), edge.low998])
    high = max([*(u.share for u in units), edge.high998])
    pad = max(0.03, 0.08 * (high - low))
    low, high = max(0.0, low - pad), min(1.0, high + pad)

    def line(attr: str) -> str:
        return " ".join(
            f"{_x(c.n, start, end)},{_y(min(high, max(low, getattr(c, attr))), low, high)}"
            for c in curves
        )

    label_all = len(units) <= LABEL_ALL
    dots: list[dict[str, Any]] = []
    for unit in sorted(units, key=lambda u: u.name):
        x, y = _x(unit.n, start, end), _y(unit.share, low, high)
        dots.append(
            {
                "name": unit.name,
                "n": unit.n,
                "x": x,
                "y": y,
                "share": unit.share,
                "value": percent(unit.share),
                "outside": unit.position.outside,
                "position": position_label(unit.position),
                "labelled": label_all or unit.position.outside,
                "anchor": "end" if x > WIDTH * 0.7 else "start",
            }
        )
    _place_labels([d for d in dots if d["labelled"]], [(d["x"], d["y"]) for d in dots])
    count = 5
    x_step = max(1, round((end - start) / count))
    return {
        "units": dots,
        "target": {"y": _y(data.target, low, high), "value": percent(data.target)},
        "lines": {name: line(name) for name in ("low95", "high95", "low998", "high998")},
        "x_ticks": [{"x": _x(n, start, end), "label": n} for n in range(start, end + 1, x_step)],
        "y_ticks": [
            {"y": _y(t, low, high), "label": format_percent(t, format="#,##0%")}
            for t in _ticks(low, high)
        ],
    }


def verdicts(funnels: UnitFunnels) -> list[str]:
    """The funnels' verdicts: the units outside the limits with their direction, or none."""
    said = []
    for measure, label in (("understood", gettext("understood")), ("helped", gettext("helped"))):
        flagged = funnels.flagged(measure)
        if flagged:
            named = "; ".join(f"{u.name} ({position_label(u.position)})" for u in flagged)
            said.append(
                gettext("Outside the limits on %(measure)s: %(units)s.", measure=label, units=named)
            )
        else:
            said.append(
                gettext("On %(measure)s, all are within expected variation.", measure=label)
            )
    return said


def comparison(groups: Sequence[Summary], by: str, teams: dict[str, tuple[str, ...]]) -> Any:
    """The funnels of teams or agents, their verdicts and a table in team and name order."""
    funnels = unit_funnels(groups)
    understood = {u.name: u for u in funnels.understood.units}
    helped = {u.name: u for u in funnels.helped.units}
    names = sorted(set(understood) | set(helped) - funnels.small)
    names = sorted(names, key=lambda name: (teams.get(name, ()), name)) if by == "agent" else names
    rows = []
    for name in names:
        if name in funnels.small:
            continue
        row: dict[str, Any] = {"name": name, "teams": ", ".join(teams.get(name, ()))}
        for measure, units in (("understood", understood), ("helped", helped)):
            unit = units.get(name)
            row[measure] = (
                None
                if unit is None
                else {
                    "n": unit.n,
                    "value": percent(unit.share),
                    "share": unit.share,
                    "position": position_label(unit.position),
                    "outside": unit.position.outside,
                }
            )
        rows.append(row)
    return {
        "by": by,
        "shown": funnels.compared + len(funnels.small) >= 2,
        "understood": funnel_chart(funnels.understood, funnels.small),
        "helped": funnel_chart(funnels.helped, funnels.small),
        "targets": {
            "understood": percent(funnels.understood.target),
            "helped": percent(funnels.helped.target),
        },
        "verdicts": verdicts(funnels),
        "rows": rows,
        "small": len(funnels.small),
        "compared": funnels.compared,
    }


def p_value(value: float) -> str:
    """Three decimals, cut (not rounded) as in the report, so a p below 0.05 never reads
    0.050; ``< 0.001`` below that."""
    if value < 0.001:
        return f"< {format_decimal(0.001, format='0.000')}"
    return str(format_decimal(int(value * 1000) / 1000, format="0.000"))


def empathy(check: EmpathyCheck) -> dict[str, Any]:
    """Solution without empathy: the agents the paired test flags, either way."""
    rows = [
        {
            "name": t.name,
            "helped_only": t.helped_only,
            "understood_only": t.understood_only,
            "p": p_value(t.p_value),
            "without_empathy": t.flagged(check.alpha),
        }
        for t in (*check.without_empathy, *check.without_solution)
    ]
    return {
        "rows": rows,
        "tested": len(check.tests),
        "untested": check.untested,
        "by_chance": decimal(check.by_chance),
    }


# -- the pages --------------------------------------------------------------------------


@blueprint.get("/live")
def live() -> tuple[str, int]:
    """The month's figures (``month=YYYY-MM``, ``team=``): headline, quadrant, trend, funnels."""
    try:
        choice = _choice()
    except ChoiceError as e:
        return _bad_request(e)
    report: MonthReport = get_service().month_report(choice.month, team=choice.team)
    with force_locale(_locale()):
        context: dict[str, Any] = {
            "choice": choice,
            "report": report,
            "previous_month": add_months(choice.current, -1),
            "before_month": add_months(choice.month, -1),
            "format_month": partial(format_date, format="MMMM yyyy"),
            "format_short_month": partial(format_date, format="LLL"),
            "format_share": percent,
            "headline": headline(report),
            "quadrants": quadrants(report.current),
            "trend": trend_chart(report.trend, report.min_n),
            "comparisons": [
                comparison(report.teams, "team", {}),
                comparison(report.agents, "agent", report.agent_teams),
            ],
            "empathy": empathy(empathy_check(report.agents)),
            "quadrant_label": quadrant_label,
            "size": {
                "width": WIDTH,
                "height": HEIGHT,
                "left": LEFT,
                "right": WIDTH - RIGHT,
                "top": TOP,
                "bottom": HEIGHT - BOTTOM,
            },
            "p95": level(95),
            "p998": level(99.8),
            "report_lang": _locale() if _locale() in REPORT_LANGUAGES else "en",
        }
    return _render("live.html", **context)


@blueprint.errorhandler(ReportUnavailableError)
def _report_unavailable(error: ReportUnavailableError) -> tuple[str, int]:
    """matplotlib is missing: say which extra to install (503)."""
    return _error_page(http_status(error), missing=error.missing)


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    """An attachment; ``filename`` is made of the month and the team's safe characters."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def safe_filename(kind: str, choice: Choice, suffix: str) -> str:
    """``csat-report-2026-10.pdf`` or ``csat-report-2026-10-2nd-level.pdf``: ASCII letters,
    digits and dashes only, whatever the team is called."""
    name = f"csat-{kind}-{choice.month:%Y-%m}"
    if choice.team is not None:
        slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in choice.team.lower())
        slug = "-".join(part for part in slug.split("-") if part)[:40].strip("-")
        name = f"{name}-{slug or 'team'}"
    return f"{name}.{suffix}"


@blueprint.get("/live/report.pdf")
def report_pdf() -> Any:
    """The month's PDF report (``lang=en|de``, default the page's language)."""
    try:
        choice = _choice()
        lang = request.args.get("lang") or (_locale() if _locale() in REPORT_LANGUAGES else "en")
        if lang not in REPORT_LANGUAGES:
            raise ChoiceError("lang")
    except ChoiceError as e:
        return _bad_request(e)
    with tempfile.TemporaryDirectory(prefix="csat-live-") as folder:
        path = Path(folder) / "report.pdf"
        get_service().report(choice.month, path, lang=lang, team=choice.team)
        body = path.read_bytes()
    return _download(body, "application/pdf", safe_filename("report", choice, "pdf"))


@blueprint.get("/live/export.csv")
def export_csv() -> Any:
    """The month's responses as CSV (RFC 4180; never the customers' addresses)."""
    try:
        choice = _choice()
    except ChoiceError as e:
        return _bad_request(e)
    out = io.StringIO()
    get_service().export_csv(choice.month, out, team=choice.team)
    return _download(out.getvalue(), "text/csv", safe_filename("export", choice, "csv"))
