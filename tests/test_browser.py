"""The customer's pages in a real headless Chromium (Debian's), driven by Playwright.

JavaScript is switched off: the pages must work without it. Screenshots of
every page, in both languages and at 375 px and 1280 px (the survey page
also at 320 px), are kept under pytest's base temp dir, ``screenshots/``
(``pytest --basetemp=DIR`` keeps them in a known place).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from csat import FixedClock
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata
from csat.web import get_service

from .conftest import unavailable
from .web import LiveServer, invite, make_app

WIDTHS = (375, 1280)
THANKS = {"en": "Thank you!", "de": "Vielen Dank!"}
SUBMIT = {"en": "Send answers", "de": "Antworten senden"}


@pytest.fixture
def live(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Flask, LiveServer]]:
    engine: Engine = create_csat_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    metadata.create_all(engine)
    # With a lead, an answer that needs a call back shows the promise on the thanks page.
    app = make_app(engine, clock, CSAT_TEAM_LEADS={"*": ["lead@example.com"]})
    server = LiveServer(app)
    yield app, server
    server.close()
    engine.dispose()


def _page(browser: Any, width: int, lang: str) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        java_script_enabled=False,
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )
    return context.new_page()


CONTRAST_JS = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const background = e => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll("h1, p, legend, label, a, button, span, textarea")]
    .filter(e => e.offsetParent !== null && e.textContent.trim())
    .map(e => [e.tagName + "." + e.className, rgb(getComputedStyle(e).color).slice(0, 3),
               background(e)]);
}"""


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _check_contrast(page: Any) -> None:
    """Every visible text meets WCAG AA (4.5:1) against its background."""
    texts = page.evaluate(CONTRAST_JS)
    assert texts, "no visible text found"
    for name, color, background in texts:
        light, dark = sorted((_luminance(color), _luminance(background)), reverse=True)
        ratio = (light + 0.05) / (dark + 0.05)
        assert ratio >= 4.5, f"{name}: contrast {ratio:.2f}:1 ({color} on {background})"


def _check_layout(page: Any) -> None:
    """Touch targets of at least 44 px; no sideways scrolling; AA contrast."""
    _check_contrast(page)
    sizes = page.locator(".option, .submit, .button").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])"
    )
    for width, height in sizes:
        assert width >= 44 and height >= 44, sizes
    outside = page.locator(".option").evaluate_all(
        """els => els.filter(e => e.getBoundingClientRect().right
                              > e.closest('.question').getBoundingClientRect().right).length"""
    )
    assert outside == 0, f"{outside} options stick out of their question"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", WIDTHS)
def test_one_click_change_comment_submit_thanks(
    browser: Any, live: tuple[Flask, LiveServer], shots: Path, lang: str, width: int
) -> None:
    app, server = live
    token = invite(app, locale=lang)
    page = _page(browser, width, lang)
    page.goto(f"{server.url}/survey/{token}?understood=4")
    assert page.locator("#understood-3").is_checked()
    assert (
        page.locator("legend")
        .first.inner_text()
        .startswith({"en": "Did you feel", "de": "Hatten Sie"}[lang])
    )
    _check_layout(page)
    page.screenshot(path=shots / f"survey-{lang}-{width}.png", full_page=True)

    page.locator("label[for=understood-4]").click()  # change the one-click answer to 5
    page.locator("label[for=helped-3]").click()
    page.get_by_label({"en": "What could we do better?", "de": "Was können wir"}[lang]).fill(
        "Sehr verständnisvoll – danke! 👍"
    )
    page.get_by_role("button", name=SUBMIT[lang]).click()
    page.wait_for_url(f"**/survey/{token}/thanks")
    assert THANKS[lang] in page.locator("h1").inner_text()
    page.screenshot(path=shots / f"thanks-{lang}-{width}.png", full_page=True)
    view = get_service(app).open(token)
    assert view.answers == {
        "understood": 5,
        "helped": 4,
        "comment": "Sehr verständnisvoll – danke! 👍",
    }
    page.context.close()


def test_keyboard_only_answering(browser: Any, live: tuple[Flask, LiveServer]) -> None:
    app, server = live
    token = invite(app, locale="en")
    page = _page(browser, 375, "en")
    page.goto(f"{server.url}/survey/{token}")
    page.keyboard.press("Tab")  # the first radio of the first question
    assert page.evaluate("document.activeElement.id") == "understood-0"
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    )
    assert outline == "solid"  # visible focus
    page.keyboard.press("ArrowRight")  # moves and selects 2
    assert page.locator("#understood-1").is_checked()
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", [320, *WIDTHS])
def test_every_page_screenshot(
    browser: Any,
    live: tuple[Flask, LiveServer],
    clock: FixedClock,
    shots: Path,
    lang: str,
    width: int,
) -> None:
    app, server = live
    token = invite(app, "T-1", locale=lang)
    rated = invite(app, "T-2", locale=lang)
    page = _page(browser, width, lang)

    def shot(name: str, path: str, status: int) -> None:
        response = page.goto(f"{server.url}{path}")
        assert response is not None and response.status == status, (name, response)
        _check_layout(page)
        page.screenshot(path=shots / f"{name}-{lang}-{width}.png", full_page=True)

    shot("survey", f"/survey/{token}", 200)
    shot("unsubscribe", f"/survey/{token}/unsubscribe", 200)
    page.get_by_role("button").click()
    page.wait_for_url("**/unsubscribed*")
    page.screenshot(path=shots / f"unsubscribed-{lang}-{width}.png", full_page=True)

    shot("thanks-start", f"/survey/{rated}?understood=2", 200)
    page.get_by_role("button", name=SUBMIT[lang]).click()
    page.wait_for_url("**/thanks")
    assert page.locator(".invite").is_visible()  # only rated: invites a comment
    assert page.locator(".promise").is_visible()  # understood 2: a call back is promised
    _check_layout(page)
    page.screenshot(path=shots / f"thanks-invite-{lang}-{width}.png", full_page=True)
    shot("edit", f"/survey/{rated}", 200)
    shot("404", "/survey/AAAAAAAAAAAAAAAAAAAAAAAA", 404)
    clock.advance(days=2)
    shot("final", f"/survey/{rated}", 200)
    clock.advance(days=30)
    shot("410", f"/survey/{rated}", 410)
    page.context.close()


def test_server_side_errors_screenshot(
    browser: Any, live: tuple[Flask, LiveServer], shots: Path
) -> None:
    app, server = live
    for lang in ("en", "de"):
        token = invite(app, f"T-{lang}", locale=lang)
        page = _page(browser, 375, lang)
        page.goto(f"{server.url}/survey/{token}")
        page.locator("label[for=helped-0]").click()
        page.get_by_label({"en": "What could we do", "de": "Was können wir"}[lang]).fill("x" * 10)
        # Bypass the browser's own check of the required answer to reach the server's.
        page.locator("input[required]").evaluate_all(
            "els => els.forEach(e => e.removeAttribute('required'))"
        )
        page.get_by_role("button", name=SUBMIT[lang]).click()
        assert page.locator("[role=alert]").is_visible()
        assert page.locator(".question.invalid legend").count() == 1
        page.screenshot(path=shots / f"errors-{lang}-375.png", full_page=True)
        page.context.close()


AXE = Path(
    os.environ.get(
        "CSAT_TEST_AXE", Path(__file__).parents[1] / ".venv/axe/node_modules/axe-core/axe.min.js"
    )
)
AXE_RUN = """() => axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => r.violations.map(v =>
    `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`))"""


@pytest.mark.parametrize("lang", ["en", "de"])
def test_axe_finds_no_violations_on_any_page(
    browser: Any, live: tuple[Flask, LiveServer], clock: FixedClock, lang: str
) -> None:
    """axe-core (WCAG 2.1 AA) on every customer page; JavaScript and the CSP off
    for axe only: the pages themselves run no script."""
    if not AXE.is_file():
        unavailable(f"no axe-core at {AXE} (make test installs it with npm)")
    app, server = live
    token, rated, gone = (invite(app, f"T-{i}", locale=lang) for i in range(3))
    context = browser.new_context(
        java_script_enabled=True, bypass_csp=True, locale=lang,
        extra_http_headers={"Accept-Language": lang},
    )  # fmt: skip
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def check(name: str, status: int, path: str | None = None) -> None:
        if path is not None:
            response = page.goto(f"{server.url}{path}")
            assert response is not None and response.status == status, (name, response)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN)
        if violations:
            found[name] = violations

    check("survey", 200, f"/survey/{token}")
    page.locator("input[required]").evaluate_all(
        "els => els.forEach(e => e.removeAttribute('required'))"
    )
    page.locator("textarea").fill("x" * 10)
    page.locator("button[type=submit]").click()
    check("errors", 400)
    check("unsubscribe", 200, f"/survey/{gone}/unsubscribe")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/unsubscribed*")
    check("unsubscribed", 200)
    check("unsubscribed-410", 410, f"/survey/{gone}")
    page.goto(f"{server.url}/survey/{rated}?understood=2")
    page.get_by_role("button", name=SUBMIT[lang]).click()
    page.wait_for_url("**/thanks")
    assert page.locator(".promise").is_visible()  # understood 2: a case, a lead told
    check("thanks", 200)
    check("edit", 200, f"/survey/{rated}")
    check("404", 404, "/survey/AAAAAAAAAAAAAAAAAAAAAAAA")
    clock.advance(days=2)
    check("final", 200, f"/survey/{rated}")
    clock.advance(days=30)
    check("410", 410, f"/survey/{rated}")
    check("unsubscribe-expired", 200, f"/survey/{rated}/unsubscribe")
    context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def test_a_comment_at_the_limit_with_line_breaks_is_accepted_as_typed(
    browser: Any, live: tuple[Flask, LiveServer]
) -> None:
    """Chromium counts a line break as one character for maxlength but sends CRLF."""
    app, server = live
    token = invite(app, locale="en")
    page = _page(browser, 1280, "en")
    page.goto(f"{server.url}/survey/{token}")
    page.locator("label[for=understood-3]").click()
    comment = ("x" * 39 + "\n") * 49 + "x" * (1999 - 40 * 49)  # 1,999 characters, 49 breaks
    box = page.get_by_label("What could we do better?")
    box.fill(comment)
    assert box.input_value() == comment  # maxlength let all of it in
    page.get_by_role("button", name=SUBMIT["en"]).click()
    page.wait_for_url(f"**/survey/{token}/thanks")
    assert get_service(app).open(token).answers["comment"] == comment
    page.context.close()
