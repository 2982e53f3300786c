"""The console's live view in a real headless Chromium (Debian's), JavaScript off:
the layout at 320, 375 and 1280 px, axe-core (WCAG 2.1 AA) in English and German,
and screenshots (375 and 1280 px, both languages) under pytest's base temp dir,
``screenshots/console-live-*.png``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from csat import FixedClock
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata
from tests.live_data import NOW, add_year

from .conftest import unavailable
from .test_browser import AXE, AXE_RUN, _page
from .test_browser_console import WIDTHS, _check_layout
from .web import LiveServer, make_app

HEADINGS = {
    "en": ["The figures", "Understood and helped", "The last 12 months", "Teams compared",
           "Agents compared", "Solution without empathy"],
    "de": ["Die Kennzahlen", "Verstanden und geholfen", "Die letzten 12 Monate",
           "Teams im Vergleich", "Mitarbeitende im Vergleich", "Lösung ohne Empathie"],
}  # fmt: skip


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, LiveServer]]:
    """The demo-like year on a SQLite file, the clock in October 2026, a lead let in."""
    path = tmp_path_factory.mktemp("live") / "live.db"
    engine: Engine = create_csat_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    add_year(engine)
    app = make_app(engine, FixedClock(NOW), console_access=lambda: "lea")
    server = LiveServer(app)
    yield app, server
    server.close()
    engine.dispose()


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_live_view_reads_at_every_width(
    browser: Any, live: tuple[Flask, LiveServer], shots: Path, lang: str, width: int
) -> None:
    _, server = live
    page = _page(browser, width, lang)
    try:
        page.goto(f"{server.url}/csat/follow-ups")
        page.get_by_role("link", name={"en": "Live view", "de": "Live-Ansicht"}[lang]).click()
        page.wait_for_url("**/csat/live")
        assert page.locator("h2").all_inner_texts() == HEADINGS[lang]
        assert page.locator("svg[role=img]").count() == 5
        for chart in page.locator("svg[role=img]").all():
            box = chart.bounding_box()
            assert box is not None and box["width"] <= width, box
        _check_layout(page)
        if width != 320:
            page.screenshot(path=shots / f"console-live-{lang}-{width}.png", full_page=True)
        page.get_by_label({"en": "Month", "de": "Monat"}[lang], exact=True).select_option("2026-09")
        page.get_by_label("Team", exact=True).select_option("2nd Level")
        page.get_by_role("button", name={"en": "Show", "de": "Anzeigen"}[lang]).click()
        page.wait_for_url("**/csat/live?month=2026-09&team=2nd+Level")
        assert "September 2026" in page.locator("h1").inner_text()
        _check_layout(page)
        if width != 320:
            page.screenshot(path=shots / f"console-live-team-{lang}-{width}.png", full_page=True)
        with page.expect_download() as download:
            page.get_by_role(
                "link",
                name={"en": "The month's responses (CSV)", "de": "Antworten des Monats (CSV)"}[
                    lang
                ],
            ).click()
        assert download.value.suggested_filename == "csat-export-2026-09-2nd-level.csv"
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_axe_finds_no_violations_on_the_live_view(
    browser: Any, live: tuple[Flask, LiveServer], lang: str
) -> None:
    """axe-core on the live view (all teams; one team; the 12 months' table open; a
    refused month); JavaScript and the CSP off for axe only."""
    if not AXE.is_file():
        unavailable(f"no axe-core at {AXE} (make test installs it with npm)")
    _, server = live
    context = browser.new_context(
        java_script_enabled=True, bypass_csp=True, locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )  # fmt: skip
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def check(name: str, status: int, url: str | None = None) -> None:
        if url is not None:
            response = page.goto(url)
            assert response is not None and response.status == status, (name, response)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN)
        if violations:
            found[name] = violations

    try:
        check("live", 200, f"{server.url}/csat/live")
        page.locator("details summary").click()
        check("live-table", 200)
        check("live-team", 200, f"{server.url}/csat/live?month=2026-09&team=Field%20Service")
        check("live-400", 400, f"{server.url}/csat/live?month=2026-13")
    finally:
        context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
