"""The survey pages through the Flask test client: every route and status, en and de."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from werkzeug.datastructures import MultiDict

from csat import FixedClock
from csat.errors import UnsubscribedTokenError
from csat.storage.models import Response, metadata
from csat.web import get_service

from .conftest import run_concurrently
from .web import csrf_token, invite, make_app

LANGS = ("en", "de")
TEXTS = {
    "en": {
        "submit": "Send answers",
        "thanks": "Thank you!",
        "comment": "Add a comment",
        "final": "your answers are final",
        "404": "This survey link is not valid",
        "410": "This survey link has expired",
        "edit": "You can change your answers until",
        "check": "Please check the marked answers.",
        "choose": "Please choose an answer.",
        "csrf": "This page was open for too long.",
        "unsub": "Unsubscribe from surveys",
        "unsubbed": "You are unsubscribed",
        "required": "(required)",
        "saved": "your answers are saved. You can change them until",
    },
    "de": {
        "submit": "Antworten senden",
        "thanks": "Vielen Dank!",
        "comment": "Kommentar hinzufügen",
        "final": "Ihre Antworten sind endgültig",
        "404": "Dieser Umfrage-Link ist ungültig",
        "410": "Dieser Umfrage-Link ist abgelaufen",
        "edit": "Sie können Ihre Antworten bis",
        "check": "Bitte prüfen Sie die markierten Antworten.",
        "choose": "Bitte wählen Sie eine Antwort.",
        "csrf": "Diese Seite war zu lange geöffnet.",
        "unsub": "Von Umfragen abmelden",
        "unsubbed": "Sie sind abgemeldet",
        "required": "(Pflichtfrage)",
        "saved": "Ihre Antworten sind gespeichert. Sie können sie bis",
    },
}


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> Flask:
    return make_app(engine, clock)


def _responses(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Response)) or 0)


@pytest.mark.parametrize("lang", LANGS)
def test_get_shows_form_with_one_click_preselected_and_stores_nothing(
    app: Flask, engine: Engine, lang: str
) -> None:
    token = invite(app, locale=lang)
    page = app.test_client().get(f"/survey/{token}?understood=4")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    checked = '<input checked id="understood-3" name="understood" required type="radio" value="4">'
    assert checked in page.text
    assert page.text.count("checked") == 1
    assert "<fieldset" in page.text and "<legend>" in page.text
    assert TEXTS[lang]["submit"] in page.text and TEXTS[lang]["required"] in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text
    assert 'aria-invalid="None"' not in page.text and "aria-invalid" not in page.text
    assert _responses(engine) == 0


def test_question_markup_follows_preselection_errors_and_stored_text(
    app: Flask,
) -> None:
    token = invite(app)
    client = app.test_client()
    checked = '<input checked id="understood-{}" name="understood" required type="radio"'
    for value in ("4", "2", "4"):
        page = client.get(f"/survey/{token}?understood={value}")
        assert checked.format(int(value) - 1) in page.text and page.text.count("checked") == 1
    assert "checked" not in client.get(f"/survey/{token}").text
    csrf = csrf_token(client, f"/survey/{token}")
    invalid = client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "04"})
    assert invalid.status_code == 400 and 'id="understood-error"' in invalid.text
    assert 'aria-invalid="true"' not in invalid.text  # the comment has no error
    data = {"csrf_token": csrf, "understood": "3", "comment": "<i>mine</i>"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    edit = client.get(f"/survey/{token}").text
    assert ">\r\n&lt;i&gt;mine&lt;/i&gt;</textarea>" in edit and checked.format(2) in edit
    assert "&lt;i&gt;mine" not in client.get(f"/survey/{invite(app, 'T-2')}").text


def test_each_page_carries_its_own_token_and_csrf_token(app: Flask, engine: Engine) -> None:
    tokens = [invite(app, f"T-{i}") for i in range(3)]
    pages = []
    for token in tokens:
        client = app.test_client()
        page = client.get(f"/survey/{token}?understood=4")
        others = [t for t in tokens if t != token]
        assert page.text.count(token) == 2 and not any(t in page.text for t in others)
        assert f'action="/survey/{token}"' in page.text
        assert f'href="/survey/{token}/unsubscribe"' in page.text
        pages.append(page.text.replace(token, "TOKEN"))
        csrf = csrf_token(client, f"/survey/{token}?understood=4")
        answer = client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "4"})
        assert answer.status_code == 303
    csrf_values = {re.search(r'type="hidden" value="([^"]+)"', p).group(1) for p in pages}  # type: ignore[union-attr]
    assert len(csrf_values) == 3  # each session its own token
    assert len({re.sub(r'type="hidden" value="[^"]+"', "", p) for p in pages}) == 1
    assert _responses(engine) == 3


def test_form_messages_in_the_page_language(app: Flask) -> None:
    token = invite(app, locale="de")
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    page = client.post(
        f"/survey/{token}",
        data={"csrf_token": csrf, "understood": "4", "solved": "maybe"},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 400 and "Keine gültige Auswahl." in page.text


def test_invalid_one_click_value_preselects_nothing(app: Flask) -> None:
    token = invite(app)
    page = app.test_client().get(f"/survey/{token}?understood=9&helped=x&bogus=1")
    assert page.status_code == 200
    assert "checked" not in page.text


@pytest.mark.parametrize("lang", LANGS)
def test_submit_rating_only_redirects_to_thanks_inviting_a_comment(
    app: Flask, engine: Engine, lang: str
) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    posted = client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "2"})
    assert posted.status_code == 303
    assert posted.headers["Location"] == f"/survey/{token}/thanks"
    thanks = client.get(posted.headers["Location"])
    assert thanks.status_code == 200
    assert TEXTS[lang]["thanks"] in thanks.text
    assert TEXTS[lang]["comment"] in thanks.text
    assert f'href="/survey/{token}#q-comment"' in thanks.text
    assert TEXTS[lang]["edit"] in thanks.text
    view = get_service(app).open(token)
    assert view.answers == {"understood": 2}


@pytest.mark.parametrize("lang", LANGS)
def test_edit_within_window_then_final(app: Flask, clock: FixedClock, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    data = {"csrf_token": csrf, "understood": "5", "solved": "yes", "comment": "Quick & kind <3"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    page = client.get(f"/survey/{token}")
    assert TEXTS[lang]["saved"] in page.text
    assert "Quick &amp; kind &lt;3" in page.text
    thanks = client.get(f"/survey/{token}/thanks")
    assert TEXTS[lang]["comment"] not in thanks.text  # a comment was given
    data.update(understood="3")
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    assert get_service(app).open(token).answers["understood"] == 3

    clock.advance(hours=25)
    final = client.get(f"/survey/{token}")
    assert final.status_code == 200 and TEXTS[lang]["final"] in final.text
    late = client.post(f"/survey/{token}", data=data | {"understood": "1"})
    assert late.status_code == 409 and TEXTS[lang]["final"] in late.text
    assert get_service(app).open(token).answers["understood"] == 3


@pytest.mark.parametrize("lang", LANGS)
def test_invalid_post_rerenders_with_errors(app: Flask, engine: Engine, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    missing = client.post(f"/survey/{token}", data={"csrf_token": csrf, "helped": "9"})
    assert missing.status_code == 400
    assert TEXTS[lang]["check"] in missing.text and TEXTS[lang]["choose"] in missing.text
    too_long = client.post(
        f"/survey/{token}", data={"csrf_token": csrf, "understood": "4", "comment": "x" * 2001}
    )
    assert too_long.status_code == 400
    no_csrf = client.post(f"/survey/{token}", data={"understood": "4"})
    assert no_csrf.status_code == 400 and TEXTS[lang]["csrf"] in no_csrf.text
    assert _responses(engine) == 0


def test_thanks_before_answering_redirects_to_the_form(app: Flask) -> None:
    token = invite(app)
    page = app.test_client().get(f"/survey/{token}/thanks")
    assert page.status_code == 303 and page.headers["Location"] == f"/survey/{token}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["", "/thanks", "/unsubscribe"])
def test_unknown_token_is_a_friendly_404(app: Flask, lang: str, path: str) -> None:
    page = app.test_client().get(
        f"/survey/AAAAAAAAAAAAAAAAAAAAAAAA{path}", headers={"Accept-Language": f"{lang};q=0.9"}
    )
    assert page.status_code == 404
    assert TEXTS[lang]["404"] in page.text
    assert "Traceback" not in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("lang", LANGS)
def test_expired_and_cancelled_are_410_saying_only_expired(
    app: Flask, clock: FixedClock, lang: str
) -> None:
    headers = {"Accept-Language": lang}
    expired = invite(app, "T-1")
    cancelled = invite(app, "T-2")  # still pending (sent after a delay)
    get_service(app).cancel("T-2")
    client = app.test_client()
    gone = client.get(f"/survey/{cancelled}", headers=headers)
    assert gone.status_code == 410 and TEXTS[lang]["410"] in gone.text
    assert "cancel" not in gone.text.lower() and "storn" not in gone.text.lower()
    clock.advance(days=30)
    late = client.get(f"/survey/{expired}", headers=headers)
    assert late.status_code == 410 and TEXTS[lang]["410"] in late.text
    assert late.text == gone.text
    assert client.post(f"/survey/{expired}", headers=headers).status_code == 410


@pytest.mark.parametrize("lang", LANGS)
def test_unsubscribe_asks_on_get_and_acts_on_post(app: Flask, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    service = get_service(app)
    page = client.get(f"/survey/{token}/unsubscribe")
    assert page.status_code == 200 and TEXTS[lang]["unsub"] in page.text
    assert not service.is_opted_out("t-1@example.com")
    assert client.post(f"/survey/{token}/unsubscribe", data={}).status_code == 400
    csrf = csrf_token(client, f"/survey/{token}/unsubscribe")
    done = client.post(f"/survey/{token}/unsubscribe", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/survey/{token}/unsubscribed?lang={lang}"
    assert service.is_opted_out("t-1@example.com")
    confirmed = client.get(done.headers["Location"])
    assert confirmed.status_code == 200 and TEXTS[lang]["unsubbed"] in confirmed.text


def test_rfc8058_one_click_unsubscribe_post(app: Flask) -> None:
    token = invite(app)
    done = app.test_client().post(
        f"/survey/{token}/unsubscribe", data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200
    assert get_service(app).is_opted_out("t-1@example.com")


def test_unsubscribed_page_for_a_gone_link_uses_accept_language(app: Flask) -> None:
    page = app.test_client().get(
        "/survey/AAAAAAAAAAAAAAAAAAAAAAAA/unsubscribed", headers={"Accept-Language": "de"}
    )
    assert page.status_code == 200 and TEXTS["de"]["unsubbed"] in page.text


def test_invitation_locale_beats_accept_language(app: Flask) -> None:
    token = invite(app, locale="de")
    page = app.test_client().get(f"/survey/{token}", headers={"Accept-Language": "en"})
    assert TEXTS["de"]["submit"] in page.text


def test_static_stylesheet(app: Flask) -> None:
    css = app.test_client().get("/survey/static/csat.css")
    assert css.status_code == 200 and "min-height: 2.75rem" in css.text
    css.close()


def test_sixteen_simultaneous_submits_store_exactly_one_response(
    app: Flask, engine: Engine
) -> None:
    token = invite(app)
    clients = [app.test_client() for _ in range(16)]
    tokens = [csrf_token(c, f"/survey/{token}") for c in clients]

    def submit(i: int) -> int:
        data = {"csrf_token": tokens[i], "understood": str(i % 5 + 1), "comment": f"client {i}"}
        return clients[i].post(f"/survey/{token}", data=data).status_code

    assert run_concurrently(submit, 16) == [303] * 16
    assert _responses(engine) == 1
    stored = get_service(app).open(token).answers
    assert stored["comment"] in {f"client {i}" for i in range(16)}


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.text(max_size=3000)
_FIELDS = st.sampled_from(
    ["understood", "respected", "solved", "helped", "effort", "overall", "comment", "x", ""]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.lists(st.tuples(_FIELDS, _TEXT), max_size=12))
def test_fuzzed_posts_never_fail_nor_store_invalid_answers(
    engine: Engine, clock: FixedClock, fields: list[tuple[str, str]]
) -> None:
    app = make_app(engine, clock, WTF_CSRF_ENABLED=False)
    token = invite(app, "T-fuzz")
    response = app.test_client().post(f"/survey/{token}", data=MultiDict(fields))
    assert response.status_code in (303, 400), response.status_code
    view = get_service(app).open(token)
    if response.status_code == 303:
        # Whatever was stored is valid for the survey version it was made with.
        assert view.survey.validate_answers(view.answers) == dict(view.answers)
    else:
        assert not view.answered
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def test_a_comment_that_reads_none_is_kept(app: Flask, engine: Engine) -> None:
    token = invite(app)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    data = {"csrf_token": csrf, "understood": "4", "comment": "None"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    assert get_service(app).open(token).answers == {"understood": 4, "comment": "None"}


def test_a_huge_comment_is_413_and_a_long_one_not_echoed_whole(app: Flask) -> None:
    token = invite(app)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    huge = client.post(f"/survey/{token}", data={"csrf_token": csrf, "comment": "x" * 10_000_000})
    assert huge.status_code == 413 and len(huge.text) < 10_000
    long = client.post(f"/survey/{token}", data={"csrf_token": csrf, "comment": "y" * 200_000})
    assert long.status_code == 400
    assert "y" * 2000 in long.text and "y" * 2001 not in long.text


@pytest.mark.parametrize("lang", LANGS)
def test_comment_limit_is_written_the_same_in_hint_and_error(app: Flask, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    page = client.post(
        f"/survey/{token}", data={"csrf_token": csrf, "understood": "4", "comment": "x" * 2001}
    )
    number = {"en": "2,000", "de": "2.000"}[lang]
    assert page.status_code == 400
    assert page.text.count(f"{number} ") == 2 and "2000 " not in page.text, page.text


def test_crlf_line_breaks_count_as_one_character_and_are_stored_as_lf(app: Flask) -> None:
    token = invite(app)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    comment = ("x" * 39 + "\r\n") * 49 + "x" * (1999 - 40 * 49)  # 1,999 characters as typed
    assert len(comment.replace("\r\n", "\n")) == 1999 and len(comment) == 2048
    data = {"csrf_token": csrf, "understood": "4", "comment": comment}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    assert get_service(app).open(token).answers["comment"] == comment.replace("\r\n", "\n")


def test_invalid_utf8_in_a_form_is_a_400_with_the_field_error(app: Flask) -> None:
    token = invite(app)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    for raw in (b"%ED%A0%80", b"ok%FFok", b"%C3"):
        body = b"csrf_token=" + csrf.encode() + b"&understood=4&comment=" + raw
        page = client.post(
            f"/survey/{token}", data=body, content_type="application/x-www-form-urlencoded"
        )
        assert page.status_code == 400, raw
        assert 'id="comment-error"' in page.text and "could not be read" in page.text
    assert not get_service(app).open(token).answered
    one_click = client.get(f"/survey/{token}?understood=%ED%A0%80&comment=%ED%A0%80")
    assert one_click.status_code == 200 and "checked" not in one_click.text
    assert client.get("/survey/%ED%A0%80").status_code == 404
    assert client.get(f"/survey/{token}/unsubscribed?lang=%ED%A0%80").status_code == 200


def test_unsubscribing_keeps_working_after_the_survey_expired(
    app: Flask, clock: FixedClock
) -> None:
    service = get_service(app)
    one_click, page = invite(app, "T-1"), invite(app, "T-2")
    clock.advance(days=30)
    client = app.test_client()
    assert client.get(f"/survey/{one_click}").status_code == 410
    done = client.post(f"/survey/{one_click}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and service.is_opted_out("t-1@example.com")
    csrf = csrf_token(client, f"/survey/{page}/unsubscribe")
    done = client.post(f"/survey/{page}/unsubscribe", data={"csrf_token": csrf})
    assert done.status_code == 303 and service.is_opted_out("t-2@example.com")
    assert client.post(f"/survey/{page}", data={"understood": "4"}).status_code == 410


@pytest.mark.parametrize("lang", LANGS)
def test_after_unsubscribing_an_answered_survey_says_so(
    app: Flask, engine: Engine, lang: str
) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    data = {"csrf_token": csrf, "understood": "4"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    csrf = csrf_token(client, f"/survey/{token}/unsubscribe")
    done = client.post(f"/survey/{token}/unsubscribe", data={"csrf_token": csrf})
    confirmed = client.get(done.headers["Location"])
    kept = {"en": "were received and are kept", "de": "sind bei uns angekommen"}[lang]
    assert kept in confirmed.text
    page = client.get(f"/survey/{token}", headers={"Accept-Language": lang})
    assert page.status_code == 410 and TEXTS[lang]["410"] not in page.text
    unsubscribed = {"en": "You are unsubscribed", "de": "von unseren Umfragen abgemeldet"}[lang]
    assert unsubscribed in page.text and kept in page.text
    with pytest.raises(UnsubscribedTokenError) as closed:
        get_service(app).open(token)
    assert closed.value.answered and _responses(engine) == 1  # the link closed, the answers kept


@pytest.mark.parametrize(
    ("config", "shown", "link"),
    [
        ({"CSAT_CONTACT": "IT Support, +49 30 1234567"}, "IT Support, +49 30 1234567", None),
        ({"CSAT_MAIL_REPLY_TO": "Help <help@example.com>"}, "help@example.com", "help@example.com"),
        (
            {"CSAT_MAIL_FROM": "Surveys <surveys@example.com>"},
            "surveys@example.com",
            "surveys@example.com",
        ),
    ],
)
def test_error_pages_say_whom_to_contact(
    engine: Engine, clock: FixedClock, config: dict[str, str], shown: str, link: str | None
) -> None:
    app = make_app(engine, clock, **config)
    expired = invite(app)
    clock.advance(days=30)
    client = app.test_client()
    for path, status in (("/survey/AAAAAAAAAAAAAAAAAAAAAAAA", 404), (f"/survey/{expired}", 410)):
        page = client.get(path)
        assert page.status_code == status and shown in page.text
        assert (f'href="mailto:{link}"' in page.text) == (link is not None)


@pytest.mark.parametrize(
    ("lang", "timezone", "config", "when"),
    [
        ("en", "Europe/Berlin", {}, "October 6, 2026, 11:00\u202fAM Central European Summer Time"),
        ("de", "Europe/Berlin", {}, "6. Oktober 2026, 11:00 MESZ"),
        (
            "de",
            None,
            {"CSAT_TIMEZONE": "America/New_York"},
            "6. Oktober 2026, 05:00 Nordamerikanische Ostküsten-Sommerzeit",
        ),
        ("en", None, {"CSAT_TIMEZONE": "America/New_York"}, "October 6, 2026, 5:00\u202fAM EDT"),
        ("en", None, {}, "October 6, 2026, 9:00\u202fAM UTC"),
    ],
)
def test_thanks_gives_the_deadline_in_the_customers_time_zone(
    engine: Engine,
    clock: FixedClock,
    lang: str,
    timezone: str | None,
    config: dict[str, str],
    when: str,
) -> None:
    app = make_app(engine, clock, **config)
    token = invite(app, locale=lang, timezone=timezone)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "4"})
    thanks = client.get(f"/survey/{token}/thanks")
    assert when in thanks.text, thanks.text
    assert when in client.get(f"/survey/{token}").text
