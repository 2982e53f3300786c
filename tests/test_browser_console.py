"""The staff console in a real headless Chromium (Debian's), driven by Playwright.

JavaScript is off, as for the customer's pages: the console needs none. A lead
works a case from the list to the close; ``csat serve``'s login and logout;
axe-core (WCAG 2.1 AA) on every console page in English and German. The
screenshots (375 and 1280 px, both languages; the layout is also checked at
320 px) are kept under pytest's base temp dir, ``screenshots/console-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.security import generate_password_hash

from csat import FixedClock
from csat.follow_ups.rules import Action, Outcome, State
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata
from csat.web import create_app, get_service

from .conftest import SECRET, unavailable
from .test_browser import AXE, AXE_RUN, CONTRAST_JS, _luminance, _page
from .web import LiveServer, invite, make_app

WIDTHS = (320, 375, 1280)
PASSWORD = "correct horse battery staple"
TEXT = {
    "en": {"list": "Follow-up cases", "claim": "Claim the case", "address": "Show the address",
           "note": "Note", "contacted": "I contacted the customer (or tried to)",
           "add": "Add the note", "outcome": "reached, concern resolved",
           "close": "Close the case", "closed": "closed", "login": "Sign in",
           "name": "User name", "password": "Password", "logout": "Log out"},
    "de": {"list": "Rückrufe", "claim": "Fall übernehmen", "address": "Adresse anzeigen",
           "note": "Notiz", "contacted": "Ich habe Kontakt aufgenommen (oder es versucht)",
           "add": "Notiz speichern", "outcome": "erreicht, Anliegen gelöst",
           "close": "Fall abschließen", "closed": "abgeschlossen", "login": "Anmelden",
           "name": "Benutzername", "password": "Passwort", "logout": "Abmelden"},
}  # fmt: skip
COMMENT = "Nobody listened to me.\nI had to explain the VPN problem three times – again!"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite file for the live server's threads."""
    engine = create_csat_engine(f"sqlite:///{tmp_path / 'console.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _cases(app: Flask, clock: FixedClock) -> int:
    """A lead's morning: one case overdue, one claimed, one closed, one new; the first's id."""
    service = get_service(app)
    first = service.record(
        invite(app, "INC-1042", locale="de"), {"understood": 1, "solved": "no", "comment": COMMENT}
    ).case
    assert first is not None
    claimed = service.record(invite(app, "INC-1043", agent="ben", team="2nd Level"),
                             {"understood": 2}).case  # fmt: skip
    closed = service.record(invite(app, "INC-1044"), {"understood": 4, "helped": 1}).case
    assert claimed is not None and closed is not None
    service.claim_follow_up(claimed.case_id, "ben")
    service.close_follow_up(closed.case_id, "ben", Outcome.NOT_REACHABLE, note="Three calls.")
    clock.advance(hours=26)
    service.record(invite(app, "INC-1045"), {"understood": 2})
    return first.case_id


@pytest.fixture
def live(engine: Engine, clock: FixedClock) -> Iterator[tuple[Flask, LiveServer]]:
    """A host whose rule lets the browser in as "lea"."""
    app = make_app(engine, clock, console_access=lambda: "lea")
    server = LiveServer(app)
    yield app, server
    server.close()


def _check_layout(page: Any) -> None:
    """No sideways scrolling; buttons, options and fields of at least 44 px; AA contrast
    of every visible text (lists and definitions too)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
    sizes = page.locator(
        ".submit, .button, .option, select, .console-bar a, .link, .check"
    ).evaluate_all(
        "els => els.map(e => [e.className || e.tagName, e.getBoundingClientRect().width,"
        " e.getBoundingClientRect().height])"
    )
    for name, width, height in sizes:
        assert width >= 44 and height >= 44, (name, width, height)
    selector = "h1, h2, p, legend, label, a, button, span, textarea, dt, dd, li, strong, select"
    texts = page.evaluate(CONTRAST_JS.replace("h1, p, legend, label, a, button, span, textarea",
                                              selector))  # fmt: skip
    assert texts, "no visible text found"
    for name, color, background in texts:
        light, dark = sorted((_luminance(color), _luminance(background)), reverse=True)
        ratio = (light + 0.05) / (dark + 0.05)
        assert ratio >= 4.5, f"{name}: contrast {ratio:.2f}:1 ({color} on {background})"


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", WIDTHS)
def test_a_lead_works_a_case_from_the_list_to_the_close(
    browser: Any,
    live: tuple[Flask, LiveServer],
    clock: FixedClock,
    shots: Path,
    lang: str,
    width: int,
) -> None:
    app, server = live
    case_id = _cases(app, clock)
    text = TEXT[lang]
    page = _page(browser, width, lang)

    def shot(name: str) -> None:
        _check_layout(page)
        if width != 320:
            page.screenshot(path=shots / f"console-{name}-{lang}-{width}.png", full_page=True)

    page.goto(f"{server.url}/csat/follow-ups")
    assert page.locator("h1").inner_text() == text["list"]
    tickets = page.locator(".case-item h2").all_inner_texts()
    assert tickets == ["Ticket INC-1042", "Ticket INC-1043", "Ticket INC-1044", "Ticket INC-1045"]
    assert page.locator(".case-item.is-late").count() == 2  # closed in time: not late
    shot("list")

    page.get_by_label({"en": "State", "de": "Status"}[lang]).select_option("open")
    page.get_by_role("button", name={"en": "Show cases", "de": "Fälle anzeigen"}[lang]).click()
    page.wait_for_url("**/follow-ups?*state=open*")
    assert page.locator(".case-item h2").all_inner_texts() == [
        "Ticket INC-1042",
        "Ticket INC-1045",
    ]

    page.get_by_role("link", name="Ticket INC-1042").click()
    page.wait_for_url(f"**/csat/follow-ups/{case_id}")
    assert page.locator(".literal").first.inner_text() == COMMENT  # line breaks kept
    assert "inc-1042@example.com" not in page.content()
    shot("case")

    page.get_by_role("button", name=text["address"]).click()
    page.wait_for_url(f"**/csat/follow-ups/{case_id}?address=show")
    assert page.get_by_role("link", name="inc-1042@example.com").is_visible()

    page.get_by_role("button", name=text["claim"]).click()
    page.wait_for_url(f"**/csat/follow-ups/{case_id}")
    page.get_by_label(text["note"], exact=True).fill("Rang twice, no answer.\nTrying at 2 pm.")
    page.get_by_label(text["contacted"]).check()
    page.get_by_role("button", name=text["add"]).click()
    page.wait_for_url(f"**/csat/follow-ups/{case_id}")
    page.get_by_text(text["outcome"], exact=True).click()
    page.get_by_role("button", name=text["close"]).click()
    page.wait_for_url(f"**/csat/follow-ups/{case_id}")
    assert page.locator(".facts .state").first.inner_text() == text["closed"]
    shot("closed")
    page.context.close()

    detail = get_service(app).follow_up(case_id, show_address=False)
    assert detail.case.state == State.CLOSED and detail.case.outcome == Outcome.RESOLVED
    assert [(e.actor, e.action) for e in detail.history] == [
        ("csat", Action.OPENED),
        ("lea", Action.ADDRESS_SHOWN),
        ("lea", Action.CLAIMED),
        ("lea", Action.CONTACTED),
        ("lea", Action.CLOSED),
    ]


def _serve(tmp_path: Path, **config: Any) -> Flask:
    """``csat serve``'s app (no host) with the user "lea", on plain http."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = create_csat_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    users = {"lea": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")}
    return create_app(
        {"CSAT_DATABASE_URL": url, "CSAT_SECRET_KEY": SECRET, "CSAT_CONSOLE_USERS": users,
         "CSAT_CONSOLE_SECURE_COOKIE": False, **config}
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", WIDTHS)
def test_csat_serve_login_and_logout(
    browser: Any, tmp_path: Path, shots: Path, lang: str, width: int
) -> None:
    server = LiveServer(_serve(tmp_path))
    text = TEXT[lang]
    try:
        page = _page(browser, width, lang)
        page.goto(f"{server.url}/csat/follow-ups")
        page.wait_for_url(re.compile(r".*/csat/login\?next=/csat/follow-ups$"))
        _check_layout(page)
        if width != 320:
            page.screenshot(path=shots / f"console-login-{lang}-{width}.png", full_page=True)
        page.get_by_label(text["name"]).fill("lea")
        page.get_by_label(text["password"]).fill("wrong password")
        page.get_by_role("button", name=text["login"]).click()
        assert page.locator("[role=alert]").is_visible()
        page.get_by_label(text["password"]).fill(PASSWORD)
        page.get_by_role("button", name=text["login"]).click()
        page.wait_for_url("**/csat/follow-ups")
        assert "lea" in page.locator(".console-bar .who").inner_text()
        _check_layout(page)
        cookies = page.context.cookies()
        assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
            ("session", True, "Lax")
        ]
        page.get_by_role("button", name=text["logout"]).click()
        page.wait_for_url("**/csat/login")
        page.goto(f"{server.url}/csat/follow-ups")
        page.wait_for_url(re.compile(r".*/csat/login\?next=.*"))  # signed out for good
        page.context.close()
    finally:
        server.close()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_axe_finds_no_violations_on_any_console_page(
    browser: Any,
    live: tuple[Flask, LiveServer],
    clock: FixedClock,
    engine: Engine,
    tmp_path: Path,
    lang: str,
) -> None:
    """axe-core (WCAG 2.1 AA) on every console page; JavaScript and the CSP off for
    axe only: the pages themselves run no script."""
    if not AXE.is_file():
        unavailable(f"no axe-core at {AXE} (make test installs it with npm)")
    app, server = live
    case_id = _cases(app, clock)
    closed = next(c.id for c in get_service(app).follow_ups(state="closed"))
    refusing = LiveServer(make_app(engine, clock, console_access=lambda: False))
    unset = LiveServer(make_app(engine, clock))
    login = LiveServer(_serve(tmp_path))
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
        check("list", 200, f"{server.url}/csat/follow-ups")
        check("list-empty", 200, f"{server.url}/csat/follow-ups?overdue=1&state=closed")
        check("case", 200, f"{server.url}/csat/follow-ups/{case_id}")
        check("case-address", 200, f"{server.url}/csat/follow-ups/{case_id}?address=show")
        page.locator("input[name=claim-csrf_token]").evaluate("e => e.remove()")
        page.locator("form[action$='/claim'] button").click()  # a POST without its token
        assert page.locator("[role=alert]").is_visible()
        check("case-claim-refused", 400)
        assert get_service(app).follow_up(case_id, show_address=False).case.claimed_by is None
        page.locator("textarea[required]").evaluate_all(
            "els => els.forEach(e => e.removeAttribute('required'))"
        )
        page.locator("form[action$='/note'] button").click()
        check("case-note-refused", 400)
        page.locator("input[type=radio]").evaluate_all(
            "els => els.forEach(e => e.removeAttribute('required'))"
        )
        page.locator("form[action$='/close'] button").click()
        check("case-close-refused", 400)
        check("case-closed", 200, f"{server.url}/csat/follow-ups/{closed}")
        check("404", 404, f"{server.url}/csat/follow-ups/999999")
        check("403", 403, f"{refusing.url}/csat/follow-ups")
        check("403-unset", 403, f"{unset.url}/csat/follow-ups")
        page.goto(f"{server.url}/csat/follow-ups/{case_id}")
        get_service(app).close_follow_up(case_id, "ben", Outcome.DECLINED)
        page.locator("input[type=radio]").first.check()
        page.locator("form[action$='/close'] button").click()
        assert re.search("closed already|schon abgeschlossen", page.locator("h1").inner_text())
        check("409", 409)
        check("login", 200, f"{login.url}/csat/login")
        page.locator("#name").fill("lea")
        page.locator("#password").fill("wrong password")
        page.locator("button[type=submit]").click()
        check("login-refused", 400)
        for _ in range(6):  # the sixth failure for one name in the window: 429
            page.locator("#name").fill("nobody")
            page.locator("#password").fill("wrong password")
            page.locator("button[type=submit]").click()
        assert re.search("429|Too many|Zu viele", page.content())
        check("429", 429)
        page.goto(f"{login.url}/csat/login")
        page.locator("#name").fill("lea")
        page.locator("#password").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/csat/follow-ups")
        check("list-signed-in", 200)
    finally:
        context.close()
        refusing.close()
        unset.close()
        login.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_console_error_pages_screenshot(
    browser: Any,
    engine: Engine,
    clock: FixedClock,
    tmp_path: Path,
    shots: Path,
    lang: str,
    width: int,
) -> None:
    """403 (not set up, refused), 404, 409, the refused login and 429, as a lead sees them."""
    closed_app = make_app(engine, clock, console_access=lambda: "lea")
    case_id = _cases(closed_app, clock)
    servers = {
        "unset": LiveServer(make_app(engine, clock)),
        "refusing": LiveServer(make_app(engine, clock, console_access=lambda: False)),
        "lead": LiveServer(closed_app),
        "login": LiveServer(_serve(tmp_path)),
    }
    page = _page(browser, width, lang)

    def shot(name: str, status: int, url: str | None = None) -> None:
        if url is not None:
            response = page.goto(url)
            assert response is not None and response.status == status, (name, response)
        _check_layout(page)
        if width != 320:
            page.screenshot(path=shots / f"console-{name}-{lang}-{width}.png", full_page=True)

    try:
        shot("403-unset", 403, f"{servers['unset'].url}/csat/follow-ups")
        assert page.locator("code").first.inner_text().startswith("CSAT(app, console_access=")
        shot("403-refused", 403, f"{servers['refusing'].url}/csat/follow-ups")
        shot("404", 404, f"{servers['lead'].url}/csat/follow-ups/999999")
        page.goto(f"{servers['lead'].url}/csat/follow-ups/{case_id}")
        get_service(closed_app).close_follow_up(case_id, "ben", Outcome.DECLINED)
        page.get_by_text(TEXT[lang]["outcome"], exact=True).click()
        page.get_by_role("button", name=TEXT[lang]["close"]).click()
        shot("409", 409)
        page.goto(f"{servers['login'].url}/csat/login")
        for attempt in range(6):
            page.get_by_label(TEXT[lang]["name"]).fill("lea")
            page.get_by_label(TEXT[lang]["password"]).fill("wrong password")
            page.get_by_role("button", name=TEXT[lang]["login"]).click()
            if attempt == 0:
                shot("login-refused", 400)
        shot("429", 429)
    finally:
        page.context.close()
        for server in servers.values():
            server.close()
