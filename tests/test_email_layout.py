"""The email's HTML part in a real headless Chromium: it fits a phone.

Every stock survey (and a choice and an 11-point primary question), in both
languages, at 320, 375 and 800 px: the page is no wider than the window and
the one-click buttons are all as wide (and as high) as each other. The
screenshots are kept under pytest's base temp dir, ``screenshots/email-*``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from csat import Settings, Survey, stock_survey
from csat.delivery.envelope import Envelope, LeadCase, LeadEnvelope
from csat.delivery.leads import LeadMessageBuilder
from csat.delivery.message import MessageBuilder
from csat.follow_ups import Outcome, State, Why
from csat.follow_ups.work import CaseRow

from .conftest import SECRET

WIDTHS = (320, 375, 800)
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
BASE = "https://help.example.com/survey"


def _variant(primary: dict[str, Any]) -> Survey:
    data = stock_survey("quick").to_dict()
    data["questions"] = [primary, *data["questions"][1:]]
    data["primary"] = primary["key"]
    return Survey.from_dict(data)


def _surveys() -> dict[str, Survey]:
    text = {"en": "Is your problem solved?", "de": "Ist Ihr Problem gelöst?"}
    labels = [("yes", "Yes", "Ja"), ("partly", "Partly", "Teilweise"), ("no", "No", "Nein")]
    choices = [
        {"value": v, "score": 5 - 2 * i, "label": {"en": en, "de": de}}
        for i, (v, en, de) in enumerate(labels)
    ]
    choice = {"key": "solved", "type": "choice", "dimension": "helped", "required": True,
              "text": text, "choices": choices}  # fmt: skip
    eleven = {"key": "nps", "type": "scale", "dimension": "overall", "required": True,
              "min": 0, "max": 10, "text": text,
              "min_label": {"en": "Not at all likely", "de": "Äußerst unwahrscheinlich"},
              "max_label": {"en": "Extremely likely", "de": "Äußerst wahrscheinlich"}}  # fmt: skip
    return {
        "post_ticket": stock_survey("post_ticket"),
        "quick": stock_survey("quick"),
        "choice": _variant(choice),
        "eleven": _variant(eleven),
    }


SURVEYS = _surveys()


def _html(survey: Survey, locale: str) -> str:
    builder = MessageBuilder(
        Settings(secret_key=SECRET, base_url=BASE, mail_from="IT Support <it@example.com>"),
        SECRET.encode(),
    )
    envelope = Envelope(
        invitation_id=7, ticket_id="INC-2026-10-05-0000123456-PRINTER-3RD-FLOOR",
        email="kim@example.com", locale=locale, nonce="0f" * 16,
        expires_at=datetime(2026, 10, 19, 10, 0, tzinfo=UTC),
    )  # fmt: skip
    html = builder.build(envelope, survey, NOW).get_body(("html",))
    assert html is not None
    return str(html.get_content())


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("key", list(SURVEYS))
def test_the_email_fits_a_phone_with_equal_buttons(
    browser: Any, shots: Path, key: str, locale: str
) -> None:
    survey = SURVEYS[key]
    count = len(survey.primary_question.choices) or 0
    if not count:
        assert survey.primary_question.max is not None and survey.primary_question.min is not None
        count = survey.primary_question.max - survey.primary_question.min + 1
    html = _html(survey, locale)
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.set_content(html)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            body = page.evaluate("document.body.scrollWidth")
            sizes = page.eval_on_selector_all(
                f'a[href*="?{survey.primary}="]',
                "links => links.map(a => [a.getBoundingClientRect().width,"
                " a.getBoundingClientRect().height, a.getBoundingClientRect().right])",
            )
            page.screenshot(path=str(shots / f"email-{key}-{locale}-{width}.png"), full_page=True)
        finally:
            page.close()
        assert scroll <= width and body <= width, (key, locale, width, scroll, body)
        assert len(sizes) == count
        widths = [w for w, _, _ in sizes]
        heights = [h for _, h, _ in sizes]
        assert max(widths) - min(widths) < 0.5, (width, widths)
        assert max(heights) - min(heights) < 0.5, (width, heights)
        assert min(widths) >= (36 if count > 1 else 200)  # a thumb's width at least
        assert max(right for _, _, right in sizes) <= width


# -- the emails to team leads ------------------------------------------------------------

LEAD_COMMENT = (
    "Der Drucker im 3. OG druckt seit Wochen nicht.\n<b>Niemand</b> hat zugehört & "
    "ich wurde dreimal weiterverbunden: "
    "Ticketnummer-INC-2026-10-05-0000123456-PRINTER-3RD-FLOOR-OHNE-LEERZEICHEN"
)


def _lead_html(kind: str, locale: str, console: bool) -> str:
    url = "https://help.example.com/csat" if console else None
    settings = Settings(secret_key=SECRET, base_url=BASE, timezone="Europe/Berlin",
                        console_url=url)  # fmt: skip
    builder = LeadMessageBuilder(MessageBuilder(settings, SECRET.encode()))
    rows = [
        CaseRow(id=40 + n, ticket_id="INC-2026-10-05-0000123456-PRINTER-3RD-FLOOR",
                team="1st Level",
                agent="Anastasia Papadopoulou-Schmidt", channel="phone", locale="de", state=state,
                opened_at=NOW, due_at=NOW, claimed_by="lea" if state is State.CLAIMED else None,
                outcome=Outcome.RESOLVED if state is State.CLOSED else None, closed_at=None,
                reasons=(Why.NOT_UNDERSTOOD, Why.NOT_SOLVED), understood_score=1,
                helped_score=None)
        for n, state in enumerate((State.OPEN, State.CLAIMED, State.CLOSED))
    ]  # fmt: skip
    cases = (
        (LeadCase(rows[0], (("comment", LEAD_COMMENT),)),)
        if kind == "case"
        else tuple(LeadCase(row) for row in rows)
    )
    envelope = LeadEnvelope(lead_email_id=3, kind=kind, recipient="lead@example.com",
                            locale=locale, message_id="<csat.lead.3.x@example.com>",
                            cases=cases)  # fmt: skip
    html = builder.build(envelope, stock_survey("post_ticket"), NOW).get_body(("html",))
    assert html is not None
    return str(html.get_content())


@pytest.mark.parametrize("console", [True, False])
@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("kind", ["case", "digest"])
def test_the_lead_emails_fit_a_phone_and_show_the_comment_literally(
    browser: Any, shots: Path, kind: str, locale: str, console: bool
) -> None:
    html = _lead_html(kind, locale, console)
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.set_content(html)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            quoted = page.eval_on_selector_all("blockquote", "qs => qs.map(q => q.innerText)")
            bold = page.eval_on_selector_all("blockquote b", "bs => bs.length")
            links = page.eval_on_selector_all("a", "links => links.map(a => a.href)")
            name = f"email-lead-{kind}-{locale}-{'console' if console else 'cli'}-{width}.png"
            page.screenshot(path=str(shots / name), full_page=True)
        finally:
            page.close()
        assert scroll <= width, (kind, locale, width, scroll)
        assert quoted == ([LEAD_COMMENT] if kind == "case" else [])
        assert bold == 0  # the comment's markup is text, not markup
        expected = 1 if kind == "case" else 3
        assert len(links) == (expected if console else 0)
        assert all(link.startswith("https://help.example.com/csat/follow-ups/4") for link in links)
