"""Reading a generated PDF back: its text (pypdf) and its pages as PNG (pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import unavailable


def pdf_text(path: Path) -> str:
    """All pages' text, every run of white space (no-break spaces too) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def render_pages(path: Path, out: Path) -> list[Path]:
    """Every page as a PNG (pdftoppm); skipped when it is missing, except in CI."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        unavailable("pdftoppm not installed (apt-get install poppler-utils)")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [pdftoppm, "-png", "-r", "40", str(path), str(out / "page")],
        check=True,
        capture_output=True,
    )
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) == len(PdfReader(path).pages)
    for page in pages:
        assert page.stat().st_size > 1000  # a real image, not an empty file
    return pages
