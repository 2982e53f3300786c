"""Customer text made drawable: glyphs, control characters, wrapping, masked addresses."""

from __future__ import annotations

from csat.report.text import PLACEHOLDER, drawable, mask_emails, text_width, wrap


def test_mask_emails() -> None:
    text = "mail kim.o'neil+x@example.com or (ana@sub.example.org), not @home"
    assert mask_emails(text, "[email]") == "mail [email] or ([email]), not @home"


def test_drawable_keeps_what_the_font_has() -> None:
    text = "$5 \\alpha_1^2 100% Ümläüte ß שלום مرحبا"
    assert drawable(text) == text


def test_drawable_replaces_missing_glyphs_once_per_emoji() -> None:
    assert drawable("ok 👍🏽 fine 👨‍👩‍👧") == f"ok {PLACEHOLDER} fine {PLACEHOLDER}"


def test_drawable_removes_control_characters_and_keeps_line_breaks() -> None:
    assert drawable("a\x00b\x07c\td\r\ne\rf") == "abc d\ne\nf"


def test_wrap_measures_widths_and_keeps_paragraphs() -> None:
    lines = wrap("one two three\n\n\nfour " + "x" * 50, 5)
    assert lines[:2] == ["one two", "three"]
    assert "" in lines
    assert all(text_width(line) <= 5 for line in lines)
    assert "".join(lines[-3:]).endswith("x" * 5)


def test_wrap_cuts_with_an_ellipsis() -> None:
    lines = wrap("word " * 200, 20, max_lines=3, ellipsis="[shortened]")
    assert len(lines) == 3
    assert lines[-1].endswith(" [shortened]")
    assert text_width(lines[-1]) <= 20
    assert wrap("", 10) == []
