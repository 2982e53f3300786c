"""Customer text made safe to draw: shown literally, wrapped, addresses masked.

matplotlib never sees mathtext (every text is drawn with ``parse_math=False``),
and characters the font lacks (most emoji) become a placeholder before they
reach the renderer, so it neither warns nor draws empty boxes silently.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

EMAIL = re.compile(r"[^\s@<>()\[\]]+@[^\s@<>()\[\]]+\.[^\s@<>()\[\]]+")
PLACEHOLDER = "\N{WHITE SQUARE}"
FONT = "DejaVu Sans"


@cache
def _font() -> object:
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family=FONT))
    font = ft2font.FT2Font(path)
    font.set_size(1000, 72)
    return font


@cache
def _charmap() -> frozenset[int]:
    return frozenset(_font().get_charmap())  # type: ignore[attr-defined]


@cache
def _advance(char: str) -> float:
    """The width of ``char`` in ems (unknown characters count as a wide one)."""
    if ord(char) not in _charmap():
        return 1.0
    glyph = _font().load_char(ord(char))  # type: ignore[attr-defined]
    return float(glyph.linearHoriAdvance) / 65536 / 1000


def text_width(text: str) -> float:
    """The width of ``text`` in ems of the report font."""
    return sum(_advance(c) for c in text)


def mask_emails(text: str, replacement: str) -> str:
    """``text`` with every email address replaced."""
    return EMAIL.sub(replacement, text)


def drawable(text: str) -> str:
    """``text`` with control characters removed and glyphs missing from the font replaced.

    Line breaks stay; tabs become spaces; a character the font has no glyph for
    becomes a white square (with its modifiers and joiners dropped).
    """
    charmap = _charmap()
    out = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "):
        if char == "\n":
            out.append(char)
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn"):
            continue
        if out and out[-1] == PLACEHOLDER and category in ("Mn", "Me", "Cf", "Sk"):
            continue  # a joiner, variation selector or skin tone of a replaced emoji
        if ord(char) in charmap:
            out.append(char)
        elif category in ("Mn", "Me", "Cf", "Sk"):
            continue  # a variation selector, zero-width joiner or skin tone: no box for it
        elif not out or out[-1] != PLACEHOLDER:
            out.append(PLACEHOLDER)
    return "".join(out)


def _break_word(word: str, width: float) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and text_width(current + char) > width:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def _wrap_paragraph(paragraph: str, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _break_word(word, width) if text_width(word) > width else [word]
        lines.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        lines.append(current)
    return lines


def wrap(text: str, width: float, max_lines: int | None = None, ellipsis: str = "…") -> list[str]:
    """``text`` broken into lines at most ``width`` ems wide, paragraphs kept.

    Long words are broken. With ``max_lines`` the rest is cut and the last
    line ends with ``ellipsis``.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            if lines and lines[-1]:
                lines.append("")
            continue
        lines.extend(_wrap_paragraph(paragraph, width))
    while lines and not lines[-1]:
        lines.pop()
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(f"{last} {ellipsis}") > width:
            last = last[:-1]
        lines[-1] = f"{last.rstrip()} {ellipsis}"
    return lines
