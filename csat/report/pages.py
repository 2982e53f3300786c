"""The report's sections (DESIGN.md, "The monthly report"), drawn on a Document.

Section 7, the follow-up cases, lives in :mod:`csat.report.follow_ups`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..follow_ups.rules import THRESHOLD
from ..metrics import QUADRANT_NAMES, MonthReport, Share, Summary, add_months
from ..metrics.stats import Interval
from .charts import quadrant_trend, team_scatter, trend_chart
from .compare import empathy_block, funnel_block
from .follow_ups import follow_ups_section
from .i18n import Words
from .layout import MUTED, Column, Document
from .text import mask_emails

MAX_ROWS = 30
COMMENT_LINES = 9


def _change(words: Words, change: Interval | None) -> str:
    """A change of shares: ``+0.3 pp [−5.7; +6.3]``."""
    if change is None:
        return "–"
    interval = words.bracket(change.low * 100, change.high * 100, signed=True)
    return f"{words.points(change.estimate)} {interval}"


def _mean_change(words: Words, change: Interval | None) -> str:
    """A change of means: ``−0.2 [−0.5; +0.1]``."""
    if change is None:
        return "–"
    interval = words.bracket(change.low, change.high, signed=True)
    return f"{words.decimal(change.estimate, signed=True)} {interval}"


def _interval(words: Words, share: Share) -> str:
    interval = share.interval
    return "–" if interval is None else words.span(interval.low, interval.high)


def sentences(report: MonthReport, words: Words) -> list[str]:
    """Two or three plain sentences that say what the month looked like and what changed."""
    month = words.month(report.month)
    previous = words.month(add_months(report.month, -1))
    now, before = report.current, report.previous
    if report.empty_database:
        return [words("new_install")]
    if now.responses == 0:
        return [words("empty_month", month=month)]
    said = [
        words(
            "headline",
            month=month,
            u=words.percent(now.understood.value),
            n=words.integer(now.responses),
            h=words.percent(now.helped.value),
        )
    ]
    if before.responses == 0:
        said.append(words("no_previous", month=previous))
    else:
        clear = []
        for name in ("understood", "helped"):
            change = getattr(now, name).change_from(getattr(before, name))
            if change is not None and not change.contains(0.0):
                key = "rose" if change.estimate > 0 else "fell"
                d = words.points(abs(change.estimate)).lstrip("+")
                clear.append(words(key, what=words(name), d=d, month=previous))
        said.extend(clear or [words("no_change", month=previous)])
    gap = now.quadrants.share("helped_only")
    if now.responses < report.min_n:
        said.append(words("few", n=now.responses))
    elif gap.value:
        said.append(words("gap", share=words.percent(gap.value)))
    return said[:3]


def summary_section(doc: Document, report: MonthReport, words: Words) -> None:
    """1: the month's figures with n, intervals and change against the previous month."""
    doc.heading(words("s1"))
    for sentence in sentences(report, words):
        doc.paragraph(sentence, size=10.5)
    doc.skip(0.05)
    now, before = report.current, report.previous
    previous = words.month(add_months(report.month, -1))
    rows = []
    for name in ("understood", "helped", "csat"):
        share: Share = getattr(now, name)
        change = share.change_from(getattr(before, name))
        rows.append(
            [
                f"{words(name)} %",
                words.percent(share.value),
                _interval(words, share),
                words.integer(share.n),
                _change(words, change),
            ]
        )
    ces = now.effort.interval
    rows.append(
        [
            words("ces"),
            words.decimal(now.effort.value),
            "–" if ces is None else words.bracket(ces.low, ces.high),
            words.integer(now.effort.n),
            _mean_change(words, now.effort.change_from(before.effort)),
        ]
    )
    rate = now.response_rate or Share(0, 0)
    rate_before = before.response_rate or Share(0, 0)
    rows.append(
        [
            words("response_rate"),
            words.percent(rate.value),
            _interval(words, rate),
            words.integer(rate.n),
            _change(words, rate.change_from(rate_before)),
        ]
    )
    doc.table(
        [
            Column(words("metric"), 2.2),
            Column(words("value"), 0.7, "right"),
            Column(words("interval"), 1.25),
            Column(words("n"), 0.6, "right"),
            Column(words("vs_prev", month=previous), 2.1),
        ],
        rows,
        size=9,
    )
    doc.paragraph(words("summary_note"), size=7.5, color=MUTED)


def quadrant_section(doc: Document, report: MonthReport, words: Words) -> None:
    """2: the four quadrant shares and their 12-month trend."""
    doc.heading(words("s2"))
    quadrants = report.current.quadrants
    rows = [
        [
            words(name),
            words.percent(quadrants.share(name).value),
            _interval(words, quadrants.share(name)),
            words.integer(quadrants.share(name).successes),
        ]
        for name in QUADRANT_NAMES
    ]
    doc.table(
        [
            Column(words("quadrant_month", month=words.month(report.month), n=quadrants.n), 3.0),
            Column(words("share"), 0.9, "right"),
            Column(words("interval"), 1.7),
            Column(words("n"), 0.6, "right"),
        ],
        rows,
    )
    title = words(
        "quadrant_trend",
        first=words.month(report.trend[0].month),
        last=words.month(report.trend[-1].month),
    )
    quadrant_trend(doc.axes(3.3, below=0.75), report.trend, words, title)


def trend_section(doc: Document, report: MonthReport, words: Words) -> None:
    """3: 12 months of understood, helped and CSAT with interval bands and event markers."""
    doc.heading(words("s3"), keep=3.1)
    trend_chart(doc.axes(3.0), report.trend, report.events, words)
    for number, event in enumerate(report.events, 1):
        team = event.team or words("everyone")
        doc.paragraph(f"E{number}: {event.name} ({words.date(event.day)}, {team})", size=8.5)


def _by_name(groups: Sequence[Summary]) -> list[Summary]:
    return sorted(groups, key=lambda g: (g.key is None, g.key or ""))


def _group_table(
    doc: Document,
    report: MonthReport,
    words: Words,
    by: str,
    groups: Sequence[Summary],
    teams: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """A table of groups in name order (agents: by team, then name): never by score."""
    ordered = _by_name(groups)
    if teams is not None:
        ordered.sort(key=lambda g: teams.get(g.key or "", ()))  # stable: names stay in order
    shown = ordered[:MAX_ROWS]
    rows = [
        [
            *([", ".join(teams.get(g.key or "", ()))] if teams is not None else []),
            g.key if g.key is not None else words("none"),
            words.integer(g.responses),
            words.percent(g.understood.value),
            _interval(words, g.understood),
            words.percent(g.helped.value),
            _interval(words, g.helped),
            words("small", n=report.min_n) if g.small else "",
        ]
        for g in shown
    ]
    if teams is not None:
        first = [Column(words("team"), 0.95), Column(words(by), 1.25)]
        widths = (0.35, 0.85, 1.1, 0.75, 1.1)
    else:
        first = [Column(words(by), 2.0)]
        widths = (0.45, 0.9, 1.05, 0.8, 1.05)
    doc.table(
        [
            *first,
            Column(words("n"), widths[0], "right"),
            Column(words("understood"), widths[1], "right"),
            Column(words("interval"), widths[2]),
            Column(words("helped"), widths[3], "right"),
            Column(words("interval"), widths[4]),
            Column("", 0.6 if teams is None else 0.5),
        ],
        rows,
        muted_rows=[g.small for g in shown],
    )
    if len(groups) > MAX_ROWS:
        doc.paragraph(words("more_rows", n=len(groups) - MAX_ROWS), size=8, color=MUTED)


def groups_section(doc: Document, report: MonthReport, words: Words) -> None:
    """4: teams and agents: tables in name order, the scatter, funnel plots, and the
    solution-without-empathy test; 5: channels and categories."""
    doc.heading(words("s4"))
    if not report.teams:
        doc.paragraph(words("no_groups"))
    else:
        _group_table(doc, report, words, "team", report.teams)
        team_scatter(
            doc.axes(3.2, left=0.9, right=1.6, below=0.55), report.teams, words, report.min_n
        )
        funnel_block(doc, report.teams, words, "team", report.min_n)
        doc.subheading(words("agents_heading"))
        _group_table(doc, report, words, "agent", report.agents, teams=report.agent_teams)
        doc.paragraph(words("small_note", n=report.min_n), size=8, color=MUTED)
        funnel_block(doc, report.agents, words, "agent", report.min_n)
        empathy_block(doc, report, words)
    doc.heading(words("s5"))
    if not report.channels:
        doc.paragraph(words("no_groups"))
        return
    _group_table(doc, report, words, "channel", report.channels)
    _group_table(doc, report, words, "category", report.categories)


def _comparison_row(words: Words, label: str, before: Share, after: Share) -> list[str]:
    change = after.change_from(before)
    verdict = (
        words("verdict_na")
        if change is None
        else words("verdict_none")
        if change.contains(0.0)
        else words("verdict_clear")
    )
    return [
        label,
        f"{words.percent(before.value)} (n = {before.n})",
        f"{words.percent(after.value)} (n = {after.n})",
        _change(words, change),
        verdict,
    ]


def _comparison_table(doc: Document, words: Words, first: str, rows: list[list[str]]) -> None:
    doc.table(
        [
            Column(first, 1.05),
            Column(words("before"), 1.2),
            Column(words("after"), 1.2),
            Column(words("change"), 1.85),
            Column("", 1.55),
        ],
        rows,
        size=8,
    )


def events_section(doc: Document, report: MonthReport, words: Words) -> None:
    """6: each event's understood and helped, before against after, with Newcombe intervals.

    An event of one team also shows the other teams' understood % over the
    same windows: if only the event's team changed, the event is the likelier cause.
    """
    doc.heading(words("s6"))
    if not report.events:
        doc.paragraph(words("events_none"))
        return
    doc.paragraph(words("windows", w=report.events[0].weeks), size=8.5, color=MUTED)
    for number, e in enumerate(report.events, 1):
        team = e.team or words("everyone")
        doc.need(1.0 + 0.25 * len(e.controls))
        doc.paragraph(f"E{number}: {e.name} ({words.date(e.day)}, {team})", size=9.5)
        rows = [
            _comparison_row(words, words(name), getattr(e.before, name), getattr(e.after, name))
            for name in ("understood", "helped")
        ]
        _comparison_table(doc, words, "", rows)
        if e.controls:
            controls = [
                _comparison_row(words, c.team, c.before.understood, c.after.understood)
                for c in e.controls
            ]
            doc.paragraph(words("controls"), size=8, color=MUTED)
            _comparison_table(doc, words, words("team"), controls)


def voices_section(doc: Document, report: MonthReport, words: Words) -> None:
    """8: how many needed a call back (the one rule), and selected verbatim comments."""
    doc.heading(words("s8"))
    if report.follow_ups is not None:
        needed = words.integer(report.follow_ups.needed)
        doc.paragraph(words("needed", n=needed, t=THRESHOLD))
    if not report.comments:
        doc.paragraph(words("no_comments"), color=MUTED)
        return
    doc.paragraph(words("comments"), size=9, color=MUTED)
    for comment in report.comments:
        text = mask_emails(comment.text, words("email"))
        meta = words(
            "scores",
            u=comment.understood_score or "–",
            h=comment.helped_score or "–",
            team=comment.team,
            channel=comment.channel,
        )
        doc.need(0.5)
        doc.paragraph(
            f"“{text.strip()}”",
            size=9,
            indent=0.15,
            max_lines=COMMENT_LINES,
            ellipsis=words("shortened"),
        )
        doc.paragraph(meta, size=7.5, indent=0.15, color=MUTED, style="italic")


def method_section(doc: Document, report: MonthReport, words: Words) -> None:
    """9: scales, definitions, interval methods, the comparisons and the minimum n."""
    doc.heading(words("s9"))
    for paragraph in words("method", n=report.min_n).split("\n"):
        doc.paragraph(paragraph, size=9)
    doc.paragraph(words("method_compare"), size=9)


SECTIONS = (
    summary_section,
    quadrant_section,
    trend_section,
    groups_section,
    events_section,
    follow_ups_section,
    voices_section,
    method_section,
)
