"""Catalogs: complete German, compiled .mo in sync with the .po, locale choice."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask

from csat.web.i18n import LOCALES, TRANSLATIONS, choose_locale

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("csat/**.py", "python"), ("csat/web/templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_catalog_translates_every_ui_string(locale: str) -> None:
    po = TRANSLATIONS / locale / "LC_MESSAGES" / "csat.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, f"{po}: untranslated (run `make translations`): {missing}"


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_compiled_mo_matches_po(locale: str) -> None:
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "csat.po").open("rb") as f:
        catalog = read_po(f)
    with (folder / "csat.mo").open("rb") as f:
        shipped = read_mo(f)

    def table(messages: Any) -> dict[object, object]:
        def plain(value: object) -> object:  # plural forms: tuples in one, lists in the other
            return tuple(value) if isinstance(value, list | tuple) else value

        return {plain(m.id): plain(m.string) for m in messages if m.id and not m.fuzzy}

    assert table(shipped) == table(catalog), "csat.mo is stale: run `make translations`"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert buffer.getvalue()


@pytest.mark.parametrize(
    ("preferred", "accept", "expected"),
    [
        ("de", "en", "de"),
        ("de_AT", "en", "de"),
        ("fr", "de-CH,de;q=0.9", "de"),
        (None, "en-GB,en;q=0.8", "en"),
        (None, "fr", "en"),
        (None, "", "en"),
    ],
)
def test_choose_locale(preferred: str | None, accept: str, expected: str) -> None:
    app = Flask("t")
    with app.test_request_context(headers={"Accept-Language": accept}):
        assert choose_locale(preferred, ("en", "de"), "en") == expected
