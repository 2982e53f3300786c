"""The PDF file around the drawn pages: TrueType fonts, document language, XMP metadata.

matplotlib's pdf backend writes the pages and the document information
dictionary; it has no way to set the catalog's ``/Lang`` or an XMP metadata
stream. :func:`finish` adds both with pypdf's public API (the writer's
catalog, :class:`pypdf.xmp.XmpInformation`), from the same values as the
information dictionary, so viewers, screen readers and archives agree on
title, language and dates. The PDF is not tagged (PDF/UA needs another
engine): ``/Lang`` tells a reader the language of all its text.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.backends.backend_pdf import PdfPages

#: matplotlib's ``pdf.fonttype``: 42 embeds TrueType (as CID fonts), never Type 3.
TRUETYPE = 42
#: /Lang and the metadata stream are PDF 1.4 features.
PDF_VERSION = "%PDF-1.4"


def plain(text: str) -> str:
    """``text`` without control characters, lone surrogates or unassigned code points
    (a team name given on the command line ends up in the metadata)."""
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cs", "Co", "Cn"))


@dataclass(frozen=True)
class PdfInfo:
    """What the PDF says about itself, in its information dictionary and its XMP."""

    title: str
    author: str
    subject: str
    creator: str
    created: datetime
    #: The language of its text, a BCP 47 tag (``en``, ``de``).
    lang: str

    def __post_init__(self) -> None:
        for name in ("title", "author", "subject", "creator"):
            object.__setattr__(self, name, plain(getattr(self, name)))

    def metadata(self) -> dict[str, str | datetime]:
        """The information dictionary, as matplotlib's ``PdfPages(metadata=...)`` takes it."""
        return {
            "Title": self.title,
            "Author": self.author,
            "Subject": self.subject,
            "Creator": self.creator,
            "CreationDate": self.created,
        }


@contextmanager
def pages(info: PdfInfo) -> Iterator[tuple[PdfPages, io.BytesIO]]:
    """matplotlib's ``PdfPages`` into memory, with TrueType fonts, for :func:`finish`."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    raw = io.BytesIO()
    # The pdf backend reads the font type from rcParams when it writes the fonts
    # (on close): the context has to span the whole document.
    with (
        matplotlib.rc_context({"pdf.fonttype": TRUETYPE}),
        PdfPages(raw, metadata=info.metadata()) as pdf,
    ):
        yield pdf, raw


def finish(raw: bytes, path: Path, info: PdfInfo) -> None:
    """Write ``raw`` (matplotlib's PDF) to ``path`` with ``/Lang`` and XMP metadata added."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject, TextStringObject
    from pypdf.xmp import XmpInformation

    writer = PdfWriter(clone_from=io.BytesIO(raw))
    writer.pdf_header = PDF_VERSION
    producer = writer.metadata.producer if writer.metadata is not None else None
    writer.root_object[NameObject("/Lang")] = TextStringObject(info.lang)
    xmp = XmpInformation.create()
    xmp.dc_title = {"x-default": info.title}
    xmp.dc_description = {"x-default": info.subject}
    xmp.dc_creator = [info.author]
    xmp.dc_language = [info.lang]
    xmp.dc_format = "application/pdf"
    xmp.xmp_create_date = info.created
    xmp.xmp_modify_date = info.created
    xmp.xmp_metadata_date = info.created
    xmp.xmp_creator_tool = info.creator
    if producer:
        xmp.pdf_producer = producer
    writer.xmp_metadata = xmp
    # ISO 32000-1, 14.3.2: a metadata stream says what it is.
    stream = writer.root_object["/Metadata"].get_object()
    assert isinstance(stream, StreamObject)  # the xmp_metadata setter made it
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    with path.open("wb") as out:
        writer.write(out)
