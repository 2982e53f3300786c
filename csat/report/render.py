"""Render the monthly report to an A4 PDF: :func:`render_report`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ..clock import ensure_aware, utcnow
from ..errors import ConfigurationError
from ..metrics import DEFAULT_MIN_N, Bind, MonthReport, month_report
from ..version import version
from .i18n import Words
from .layout import Document
from .pages import SECTIONS
from .pdf import PdfInfo, finish
from .pdf import pages as pdf_pages


@dataclass(frozen=True)
class RenderedReport:
    """Where the report was written, and the figures it shows."""

    path: Path
    pages: int
    data: MonthReport


def render_report(
    bind: Bind,
    month: date,
    path: str | Path,
    *,
    lang: str = "en",
    team: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    event_weeks: int = 8,
    now: datetime | None = None,
    author: str = "csat",
) -> RenderedReport:
    """Write the monthly report for ``month`` (any day in it) to ``path``.

    :param bind: an engine, connection or session on csat's tables.
    :param lang: ``"en"`` or ``"de"``; words, numbers and dates follow it.
    :param team: report on one team only.
    :param min_n: groups with fewer responses are shown but not ranked.
    :param now: the creation date written into the PDF, and the time the
        follow-up cases are judged at (default: the ``SOURCE_DATE_EPOCH``
        environment variable if set, for reproducible output, else now).
    """
    words = Words(lang)
    created = ensure_aware(now, "now") if now is not None else creation_time()
    data = month_report(bind, month, team=team, min_n=min_n, event_weeks=event_weeks, now=created)
    return write_pdf(data, words, Path(path), created, author)


def creation_time() -> datetime:
    """``SOURCE_DATE_EPOCH`` (reproducible builds' convention) if set, else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return utcnow()
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError) as e:
        raise ConfigurationError(
            "SOURCE_DATE_EPOCH", f"must be seconds since 1970-01-01 UTC, not {epoch!r}"
        ) from e


def write_pdf(
    data: MonthReport, words: Words, path: Path, created: datetime, author: str
) -> RenderedReport:
    """Draw ``data`` into a PDF at ``path`` (parent directories are created).

    TrueType fonts, the report's language as ``/Lang``, and XMP metadata that
    repeats the information dictionary (:mod:`csat.report.pdf`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    title = f"{words('title')} – {words.month(data.month)}"
    scope = words("scope_team", team=data.team) if data.team else words("scope_all")
    info = PdfInfo(
        title=title,
        author=author,
        subject=f"{words('subtitle')} ({scope})",
        creator=f"csat {version()}",
        created=created,
        lang=words.lang,
    )
    with pdf_pages(info) as (pdf, raw):
        doc = Document(pdf, f"{title} · {scope}", lambda n: words("page", n=n))
        doc.new_page()
        doc.title(
            title,
            words("subtitle"),
            [scope, words("generated", date=words.date(created.date()))],
        )
        for section in SECTIONS:
            section(doc, data, words)
        doc.close()
    finish(raw.getvalue(), path, info)
    return RenderedReport(path, doc.pages, data)
