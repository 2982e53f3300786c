"""The PDF as a file: TrueType fonts (pdffonts), ``/Lang`` and XMP metadata, and text that
poppler's pdftotext reads back section by section, in reading order.

The figures do not depend on the database (tests/test_report.py runs them on all
three), so one SQLite month serves every check here.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest
from pypdf import PdfReader

from csat.report import Words, render_report
from csat.report.pdf import PdfInfo
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata
from tests.conftest import unavailable
from tests.test_report import NOW, OCT, known_month


@dataclass(frozen=True)
class Rendered:
    lang: str
    path: Path


@pytest.fixture(scope="module", params=["en", "de"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    lang: str = request.param
    base = tmp_path_factory.mktemp(f"pdf-{lang}")
    engine = create_csat_engine(f"sqlite:///{base / 'csat.db'}")
    metadata.create_all(engine)
    try:
        known_month(engine)
        path = base / f"report-{lang}.pdf"
        render_report(engine, OCT, path, lang=lang, now=NOW)
    finally:
        engine.dispose()
    return Rendered(lang, path)


def _poppler(tool: str, *args: str) -> str:
    found = shutil.which(tool)
    if found is None:
        unavailable(f"{tool} not installed (apt-get install poppler-utils)")
    done = subprocess.run([found, *args], check=True, capture_output=True, text=True)
    return done.stdout


def test_fonts_are_embedded_truetype_never_type_3(rendered: Rendered) -> None:
    lines = _poppler("pdffonts", str(rendered.path)).splitlines()
    assert lines[0].split()[:2] == ["name", "type"]
    fonts = lines[2:]  # after the header and its rule
    assert fonts, "no fonts listed"
    for line in fonts:
        assert "Type 3" not in line, line
        assert "CID TrueType" in line, line
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, unicode


def test_catalog_language_and_xmp_metadata(rendered: Rendered) -> None:
    reader = PdfReader(rendered.path)
    assert reader.pdf_header == "%PDF-1.4"
    assert reader.root_object["/Lang"] == rendered.lang
    words = Words(rendered.lang)
    title = f"{words('title')} – {words.month(OCT)}"
    info = reader.metadata
    assert info is not None and info.title == title
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert xmp.dc_title == {"x-default": title}
    assert xmp.dc_language == [rendered.lang]
    assert xmp.dc_creator == ["csat"]
    assert xmp.dc_description == {"x-default": info.subject}
    for date in (xmp.xmp_create_date, xmp.xmp_modify_date, xmp.xmp_metadata_date):
        assert date is not None and date.replace(tzinfo=UTC) == NOW
    assert xmp.xmp_creator_tool == info.creator
    stream = reader.root_object["/Metadata"].get_object()
    assert (stream["/Type"], stream["/Subtype"]) == ("/Metadata", "/XML")
    # poppler agrees: the stream is XMP, and the PDF is not tagged (see docs/reports.rst).
    pdfinfo = _poppler("pdfinfo", str(rendered.path))
    assert "Metadata Stream: yes" in pdfinfo
    assert "Tagged:          no" in pdfinfo


def test_metadata_drops_control_characters_and_lone_surrogates() -> None:
    info = PdfInfo("A\x00B\ud800", "csat\r\n", "S\x1b", "c", NOW, "en")
    assert (info.title, info.author, info.subject) == ("AB", "csat", "S")


def _sections(words: Words) -> list[tuple[str, str]]:
    """Each section's heading and a text that must follow it before the next heading."""
    return [
        (words("s1"), words.percent(0.75)),  # the headline sentence's understood share
        (words("s2"), words("both")),
        (words("s3"), "E1:"),
        (words("s4"), "1st Level"),
        (words("s5"), words("channel")),
        (words("s6"), words("windows", w=8)[:20]),
        (words("s7"), words("fu_rule", t="|", due="|").split("|")[0][:20]),
        (words("s8"), words("needed", n="|", t="|").split("|")[1][:20]),
        (words("s9"), "Wilson"),
    ]


@pytest.mark.parametrize("layout", [False, True], ids=["default", "layout"])
def test_pdftotext_reads_every_section_in_reading_order(rendered: Rendered, layout: bool) -> None:
    args = ["-layout"] if layout else []
    pages = _poppler("pdftotext", *args, str(rendered.path), "-").split("\f")[:-1]
    words = Words(rendered.lang)
    assert len(pages) == len(PdfReader(rendered.path).pages) > 1
    for number, page in enumerate(pages, 1):  # the pages come in order
        assert words("page", n=number) in page
    flat = " ".join(" ".join(pages).split())
    at = 0
    headings = []
    for heading, following in _sections(words):
        heading = " ".join(heading.split())
        found = flat.find(heading, at)
        assert found >= 0, f"{heading!r} missing or out of order"
        headings.append((found, heading, following))
        at = found + len(heading)
    ends = [found for found, _, _ in headings[1:]] + [len(flat)]
    for (found, heading, following), end in zip(headings, ends, strict=True):
        where = flat.find(" ".join(following.split()), found + len(heading))
        assert found < where < end, f"{following!r} is not under {heading!r}"
