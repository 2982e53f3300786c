"""A4 pages drawn with matplotlib's Figure API: headings, paragraphs, tables, charts.

:class:`Document` keeps a cursor on the current page and starts a new page
when the next block would not fit. Every text is drawn with
``parse_math=False`` and ``usetex=False``: ``$`` and ``\\`` stay literal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .text import drawable, wrap

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

A4 = (8.27, 11.69)
MARGIN = 0.7
BOTTOM = 0.8
INK = "#1a1a1a"
MUTED = "#666666"
#: Points to inches.
PT = 1 / 72
#: Average width of a DejaVu Sans character in ems, for cutting table cells.
CHAR_EM = 0.6
#: Measured text widths are multiplied by this before wrapping (kerning, rounding).
SAFETY = 1.04


@dataclass(frozen=True)
class Column:
    """A table column: header, width in inches, alignment."""

    header: str
    width: float
    align: str = "left"


class Document:
    """Pages of one PDF, filled top to bottom."""

    def __init__(self, pdf: PdfPages, footer: str, page_label: Any) -> None:
        self.pdf = pdf
        self.footer = footer
        self.page_label = page_label
        self.pages = 0
        self.figure: Figure | None = None
        self.y = 0.0

    # -- pages -------------------------------------------------------------------

    def new_page(self) -> None:
        """Finish the current page and start an empty one."""
        from matplotlib.figure import Figure

        self._flush()
        self.figure = Figure(figsize=A4)
        self.pages += 1
        self.y = A4[1] - MARGIN
        self._text(MARGIN, BOTTOM - 0.35, self.footer, size=7.5, color=MUTED)
        label = self.page_label(self.pages)
        self._text(A4[0] - MARGIN, BOTTOM - 0.35, label, size=7.5, color=MUTED, ha="right")

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` inches still fit on this one."""
        if self.figure is None or self.y - height < BOTTOM:
            self.new_page()

    def close(self) -> None:
        """Write the last page."""
        self._flush()

    def _flush(self) -> None:
        if self.figure is not None:
            self.pdf.savefig(self.figure)  # type: ignore[no-untyped-call]
            self.figure = None

    # -- blocks ------------------------------------------------------------------

    @property
    def width(self) -> float:
        """Usable width in inches."""
        return A4[0] - 2 * MARGIN

    def _text(self, x: float, y: float, text: str, *, size: float, **style: Any) -> None:
        assert self.figure is not None
        self.figure.text(
            x / A4[0],
            y / A4[1],
            drawable(text),
            fontsize=size,
            va=style.pop("va", "top"),
            color=style.pop("color", INK),
            parse_math=False,
            usetex=False,
            **style,
        )

    def skip(self, inches: float) -> None:
        """Vertical space."""
        self.y -= inches

    def title(self, text: str, subtitle: str, meta: Sequence[str]) -> None:
        """The report's title block."""
        self.need(1.4)
        self._text(MARGIN, self.y, text, size=20, weight="bold")
        self.y -= 0.42
        self._text(MARGIN, self.y, subtitle, size=11, color=MUTED, style="italic")
        self.y -= 0.28
        for line in meta:
            self._text(MARGIN, self.y, line, size=9, color=MUTED)
            self.y -= 0.18
        self.y -= 0.1

    def heading(self, text: str, keep: float = 1.2) -> None:
        """A section heading, kept on one page with ``keep`` inches of what follows."""
        self.need(keep + 0.46)
        self.y -= 0.12
        self._text(MARGIN, self.y, text, size=13.5, weight="bold")
        self.y -= 0.34

    def subheading(self, text: str, keep: float = 1.0) -> None:
        """A heading within a section, kept with ``keep`` inches of what follows."""
        self.need(keep + 0.32)
        self.y -= 0.06
        self._text(MARGIN, self.y, text, size=10.5, weight="bold")
        self.y -= 0.26

    def ems_per_line(self, size: float, indent: float = 0.0) -> float:
        """How many ems of text fit on a line of the usable width at ``size`` points."""
        return (self.width - indent) / (size * PT) / SAFETY

    def paragraph(
        self,
        text: str,
        *,
        size: float = 10,
        indent: float = 0.0,
        color: str = INK,
        max_lines: int | None = None,
        ellipsis: str = "…",
        style: str = "normal",
    ) -> None:
        """Wrapped text; continues on the next page when long."""
        step = size * 1.4 * PT
        for line in wrap(text, self.ems_per_line(size, indent), max_lines, ellipsis):
            self.need(step)
            if line:
                self._text(MARGIN + indent, self.y, line, size=size, color=color, style=style)
            self.y -= step
        self.y -= size * 0.5 * PT

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        size: float = 8.5,
        muted_rows: Sequence[bool] = (),
        whole: bool = False,
    ) -> None:
        """A ruled table; rows in ``muted_rows`` are drawn in grey (small groups).

        A long table continues on the next page with its header repeated;
        ``whole`` keeps a short one on one page (a list of figures read as one).
        """
        step = size * 1.75 * PT
        self.need(step * ((len(rows) + 1) if whole else min(len(rows) + 1, 4)) + 0.1)
        self._row(columns, [c.header for c in columns], size, INK, bold=True)
        self._rule(self.y + step * 0.15, 0.8)
        for i, row in enumerate(rows):
            if self.y - step < BOTTOM:  # continue on a new page, header repeated
                self.new_page()
                self._row(columns, [c.header for c in columns], size, INK, bold=True)
                self._rule(self.y + step * 0.15, 0.8)
            muted = i < len(muted_rows) and muted_rows[i]
            self._row(columns, row, size, MUTED if muted else INK)
        self._rule(self.y + step * 0.15, 0.5)
        self.y -= 0.12

    def _row(
        self,
        columns: Sequence[Column],
        cells: Sequence[str],
        size: float,
        color: str,
        bold: bool = False,
    ) -> None:
        x = MARGIN
        for index, (column, cell) in enumerate(zip(columns, cells, strict=True)):
            limit = max(3, int(column.width / (size * CHAR_EM * PT)))
            shown = cell if len(cell) <= limit else cell[: limit - 1] + "…"
            right = column.align == "right"
            at = x + column.width - 0.04 if right else x + (0.12 if index else 0.0)
            weight = "bold" if bold else "normal"
            self._text(at, self.y, shown, size=size, color=color, ha=column.align, weight=weight)
            x += column.width
        self.y -= size * 1.75 * PT

    def _rule(self, y: float, width: float) -> None:
        assert self.figure is not None
        from matplotlib.lines import Line2D

        line = Line2D(
            [MARGIN / A4[0], (A4[0] - MARGIN) / A4[0]],
            [y / A4[1], y / A4[1]],
            transform=self.figure.transFigure,
            color=MUTED,
            linewidth=width,
        )
        self.figure.add_artist(line)

    def axes(
        self, height: float, *, left: float = 0.55, right: float = 0.1, below: float = 0.3
    ) -> Axes:
        """An Axes of ``height`` inches across the usable width, ``below`` for its labels."""
        self.need(height + 0.1)
        assert self.figure is not None
        bottom = self.y - height + below
        ax = self.figure.add_axes(
            (
                (MARGIN + left) / A4[0],
                bottom / A4[1],
                (self.width - left - right) / A4[0],
                (height - below - 0.15) / A4[1],
            )
        )
        self.y -= height
        return ax

    def axes_row(
        self,
        height: float,
        count: int,
        *,
        left: float = 0.55,
        gap: float = 0.5,
        below: float = 0.45,
    ) -> list[Axes]:
        """``count`` Axes side by side, ``height`` inches tall, ``left`` for each one's labels."""
        self.need(height + 0.1)
        assert self.figure is not None
        width = (self.width - (count - 1) * gap) / count
        bottom = self.y - height + below
        row = []
        for i in range(count):
            x = MARGIN + i * (width + gap) + left
            row.append(
                self.figure.add_axes(
                    (
                        x / A4[0],
                        bottom / A4[1],
                        (width - left) / A4[0],
                        (height - below - 0.2) / A4[1],
                    )
                )
            )
        self.y -= height
        return row
