"""The monthly management report as an A4 PDF (English or German).

Needs the ``report`` extra (matplotlib, Babel); matplotlib is imported only
when a report is drawn::

    from csat.report import render_report
    render_report(engine, date(2026, 10, 1), "reports/csat-2026-10.pdf", lang="de")
"""

from __future__ import annotations

from .i18n import LANGUAGES, Words
from .render import RenderedReport, render_report, write_pdf

__all__ = ["LANGUAGES", "RenderedReport", "Words", "render_report", "write_pdf"]
