"""The survey email: parts, locale, one-click links, headers, templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import cast
from urllib.parse import parse_qs, urlsplit

import pytest
from jinja2 import ChoiceLoader, DictLoader

from csat import Settings, Survey, stock_survey
from csat.delivery.headers import ENCODED_WORD_BREAK, check_serialised
from csat.delivery.message import (
    Envelope,
    MessageBuilder,
    buttons,
    default_loader,
    format_date,
    message_id,
)
from csat.errors import ConfigurationError, MessageBuildError
from csat.links import one_click_url, unsubscribe_url
from csat.tokens import derive_token

SECRET = b"test-secret-key-0123456789abcdef"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
NONCE = "0f" * 16
BASE = "https://help.example.com/survey"


def _settings(**changes: object) -> Settings:
    values: dict[str, object] = {
        "secret_key": SECRET.decode(),
        "base_url": BASE,
        "mail_from": "IT Support <support@example.com>",
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def _envelope(
    locale: str = "en",
    *,
    reminder: bool = False,
    ticket: str = "INC-1042",
    email: str = "kim.muster@example.com",
) -> Envelope:
    return Envelope(
        invitation_id=7,
        ticket_id=ticket,
        email=email,
        locale=locale,
        nonce=NONCE,
        expires_at=datetime(2026, 10, 19, 10, 0, tzinfo=UTC),
        reminder=reminder,
    )


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs)["href"] or "")
        if tag == "img":
            self.images += 1


def test_english_invitation_parts_and_headers() -> None:
    builder = MessageBuilder(_settings(mail_reply_to="helpdesk@example.com"), SECRET)
    wire = builder.prepare(_envelope(), stock_survey("post_ticket"), NOW)
    message = cast(EmailMessage, message_from_bytes(wire.data, policy=policy.default))

    assert message.get_content_type() == "multipart/alternative"
    assert "INC-1042" in message["Subject"]
    assert message["From"] == "IT Support <support@example.com>"
    assert message["To"] == "kim.muster@example.com"
    assert message["Reply-To"] == "helpdesk@example.com"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "en"
    assert message["Date"] == "Mon, 05 Oct 2026 09:00:00 +0000"
    token = derive_token(SECRET, NONCE)
    # (folded onto its own line: long headers may be, RFC 5322 allows it)
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe_url(BASE, token)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == message_id(7, NONCE, "example.com")
    assert (wire.sender, wire.recipient) == ("support@example.com", "kim.muster@example.com")
    assert b"\r\n" in wire.data and b"\n\n" not in wire.data.replace(b"\r\n", b"")

    plain, html = _parts(message)
    assert "Did you feel that we really understood your concern?" in plain
    assert "October 19, 2026" in plain
    for value in range(1, 6):
        url = one_click_url(BASE, token, "understood", value)
        assert url in plain
        assert url.replace("&", "&amp;") in html or url in html
    assert "(Not at all)" in plain and "(Completely)" in plain
    parser = _Links()
    parser.feed(html)
    assert parser.images == 0
    assert all(link.startswith(BASE) for link in parser.links)
    one_click = [link for link in parser.links if "?" in link]
    assert [parse_qs(urlsplit(link).query) for link in one_click] == [
        {"understood": [str(v)]} for v in range(1, 6)
    ]
    assert unsubscribe_url(BASE, token) in parser.links


def test_german_invitation_is_german_throughout() -> None:
    builder = MessageBuilder(_settings(), SECRET)
    message = builder.build(_envelope("de"), stock_survey("post_ticket"), NOW)
    plain, html = _parts(message)
    assert message["Subject"].startswith("Wie war unser Support?")
    assert message["Content-Language"] == "de"
    assert "Hatten Sie das Gefühl, dass wir Ihr Anliegen wirklich verstanden haben?" in plain
    assert "19. Oktober 2026" in plain
    assert "Überhaupt nicht" in html and "Abmelden" in html
    assert '<html lang="de">' in html
    for english in ("Unsubscribe", "resolved", "survey page"):
        assert english not in plain + html


def test_unknown_locale_falls_back_to_the_default() -> None:
    builder = MessageBuilder(_settings(default_locale="de"), SECRET)
    message = builder.build(_envelope("fr"), stock_survey("post_ticket"), NOW)
    assert message["Content-Language"] == "de"


def test_message_id_is_stable_and_the_reminder_threads_to_the_invitation() -> None:
    builder = MessageBuilder(_settings(), SECRET)
    survey = stock_survey("quick")
    first = builder.build(_envelope(), survey, NOW)
    retry = builder.build(_envelope(), survey, datetime(2026, 10, 6, tzinfo=UTC))
    reminder = builder.build(_envelope(reminder=True), survey, NOW)
    assert first["Message-ID"] == retry["Message-ID"]
    assert re.fullmatch(r"<csat\.7\.[0-9a-f]{20}@example\.com>", first["Message-ID"])
    assert reminder["Message-ID"] != first["Message-ID"]
    assert reminder["In-Reply-To"] == reminder["References"] == first["Message-ID"]
    assert reminder["Subject"].startswith("Reminder:")
    assert "A short reminder" in _parts(reminder)[0]


def test_html_escapes_what_the_host_passed() -> None:
    builder = MessageBuilder(_settings(), SECRET)
    message = builder.build(_envelope(ticket="<b>T&1</b>"), stock_survey("quick"), NOW)
    plain, html = _parts(message)
    assert "<b>T&1</b>" in plain
    assert "&lt;b&gt;T&amp;1&lt;/b&gt;" in html and "<b>T&1" not in html


def test_choice_question_buttons_carry_labels() -> None:
    data = stock_survey("quick").to_dict()
    solved = {
        "key": "solved", "type": "choice", "dimension": "helped", "required": True,
        "text": {"en": "Is your problem solved?", "de": "Ist Ihr Problem gelöst?"},
        "choices": [
            {"value": "yes", "score": 5, "label": {"en": "Yes", "de": "Ja"}},
            {"value": "no", "score": 1, "label": {"en": "No", "de": "Nein"}},
        ],
    }  # fmt: skip
    data["questions"] = [solved, *data["questions"]]
    data["primary"] = "solved"
    survey = Survey.from_dict(data)
    found = buttons(survey.primary_question, "de", BASE, "tok")
    assert [(b.value, b.label) for b in found] == [("yes", "Ja"), ("no", "Nein")]
    assert found[0].url == one_click_url(BASE, "tok", "solved", "yes")
    html = _parts(MessageBuilder(_settings(), SECRET).build(_envelope("de"), survey, NOW))[1]
    assert ">Ja</a>" in html and ">Nein</a>" in html


def test_a_host_overrides_one_template() -> None:
    override = DictLoader({"csat/email/subject.en.txt": "Feedback for {{ ticket_id }}, please"})
    loader = ChoiceLoader([override, default_loader()])
    builder = MessageBuilder(_settings(), SECRET, loader)
    message = builder.build(_envelope(), stock_survey("quick"), NOW)
    assert message["Subject"] == "Feedback for INC-1042, please"
    assert "understood" in _parts(message)[0]  # the other templates are csat's


@pytest.mark.parametrize(
    "value", ["not an address", "a@example.com, b@example.com", "x@example.com\r\nBcc: y@z.com"]
)
def test_invalid_from_is_a_configuration_error(value: str) -> None:
    with pytest.raises(ConfigurationError, match="CSAT_MAIL_FROM"):
        MessageBuilder(_settings(mail_from=value), SECRET)


def test_dates_read_naturally() -> None:
    day = datetime(2026, 3, 2, tzinfo=UTC)
    assert format_date(day, "en") == "March 2, 2026"
    assert format_date(day, "de") == "2. März 2026"


def test_a_host_template_that_transforms_values_is_rendered_for_every_email() -> None:
    override = DictLoader({"csat/email/subject.en.txt": "Ticket {{ ticket_id|upper }}"})
    builder = MessageBuilder(_settings(), SECRET, ChoiceLoader([override, default_loader()]))
    survey = stock_survey("quick")
    subjects = []
    for ticket in ("inc-1", "inc-2"):
        wire = builder.prepare(_envelope(ticket=ticket), survey, NOW)
        subjects.append(
            cast(EmailMessage, message_from_bytes(wire.data, policy=policy.default))["Subject"]
        )
    assert subjects == ["Ticket INC-1", "Ticket INC-2"]


@pytest.mark.parametrize("length", [60, 200, 900])
def test_a_long_unsubscribe_url_stays_a_plain_url(length: int) -> None:
    """RFC 8058 one-click needs the URL itself, never an RFC 2047 encoded word."""
    base = "https://" + "x" * length + ".example.com/survey"
    builder = MessageBuilder(_settings(base_url=base), SECRET)
    token = derive_token(SECRET, NONCE)
    wire = builder.prepare(_envelope(), stock_survey("post_ticket"), NOW)
    assert b"=?" not in wire.data.split(b"\r\n\r\n", 1)[0]
    message = cast(EmailMessage, message_from_bytes(wire.data, policy=policy.default))
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe_url(base, token)}>"
    assert all(len(line) <= 998 for line in wire.data.split(b"\r\n"))


def _ascii(value: str) -> str:
    return value.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")


_JOERG, _HILFE = "Support <jörg@example.com>", "Hilfe <hilfe@exämple.de>"
_INTERNATIONAL = [
    ({}, "jürgen@example.de", "To", "jürgen@example.de"),
    ({"mail_from": _JOERG}, "kim@example.com", "From", _JOERG),
    ({"mail_reply_to": _HILFE}, "kim@example.com", "Reply-To", _HILFE),
]


@pytest.mark.parametrize(
    ("settings", "email", "name", "value"), _INTERNATIONAL, ids=["to", "from", "reply-to"]
)
def test_a_non_ascii_address_is_written_in_utf8_for_smtputf8(
    settings: dict[str, str], email: str, name: str, value: str
) -> None:
    """RFC 2047 encoded words are not allowed in addresses: the headers carry
    raw UTF-8 (RFC 6532) and the email needs SMTPUTF8; the bodies stay the
    quoted-printable bytes of the same email to an ASCII address."""
    survey = stock_survey("post_ticket")
    wire = MessageBuilder(_settings(**settings), SECRET).prepare(
        _envelope(email=email), survey, NOW
    )
    twin_settings = {key: _ascii(value) for key, value in settings.items()}
    twin = MessageBuilder(_settings(**twin_settings), SECRET).prepare(
        _envelope(email=_ascii(email)), survey, NOW
    )
    assert wire.smtputf8 and not twin.smtputf8
    head, _, body = wire.data.partition(b"\r\n\r\n")
    assert f"{name}: {value}" in head.decode("utf-8").split("\r\n")
    assert b"=?" not in head  # not one encoded word
    assert body.isascii() and twin.data.isascii()  # the bodies stay quoted-printable
    parsed = cast(EmailMessage, message_from_bytes(wire.data, policy=policy.SMTPUTF8))
    assert str(parsed[name]) == value
    twin_parsed = cast(EmailMessage, message_from_bytes(twin.data, policy=policy.SMTP))
    assert _parts(parsed) == _parts(twin_parsed)


def test_the_senders_encoded_words_are_checked_and_neutralised() -> None:
    """CSAT_MAIL_FROM's display name is decoded by the email package: a decoded
    line break is refused, decoded ``=?`` is broken up where it is written."""
    with pytest.raises(ConfigurationError, match="CSAT_MAIL_FROM"):
        MessageBuilder(_settings(mail_from="=?utf-8?q?IT=0D=0ABcc:_x@y?= <a@example.com>"), SECRET)
    mail_from = "=?utf-8?q?J=C3=B6rg_=3D=3Futf-8=3Fq=3Fx=3F=3D?= <support@example.com>"
    builder = MessageBuilder(_settings(mail_from=mail_from), SECRET)
    sent = builder.prepare(_envelope(), stock_survey("post_ticket"), NOW)
    parsed = BytesParser(policy=policy.default).parsebytes(sent.data)
    [sender] = parsed["From"].addresses
    assert sender.display_name == f"Jörg ={ENCODED_WORD_BREAK}?utf-8?q?x?="
    assert sender.addr_spec == "support@example.com"


def test_the_serialised_email_is_checked_against_the_headers_written() -> None:
    """What goes out is parsed back: an extra, doubled or missing header, a
    changed value or a bare line end is refused (whatever produced it)."""
    builder = MessageBuilder(_settings(), SECRET)
    sent = builder.prepare(_envelope(), stock_survey("post_ticket"), NOW)
    written = [(name, str(sent.message[name])) for name in sent.message if name not in
               ("MIME-Version", "Content-Type")]  # fmt: skip
    check_serialised(sent.data, written)  # as built: fine
    subject = f"Subject: {sent.message['Subject']}\r\n".encode()
    tampered = {
        "extra": sent.data.replace(subject, subject + b"Bcc: evil@attacker.example\r\n"),
        "doubled": sent.data.replace(subject, subject + subject),
        "missing": sent.data.replace(subject, b""),
        "changed": sent.data.replace(b"Your ticket INC-1042", b"Your ticket INC-1043"),
        "bare LF": sent.data.replace(subject, subject[:-2] + b"\n"),
    }
    problems = {}
    for what, data in tampered.items():
        assert data != sent.data
        with pytest.raises(MessageBuildError) as info:
            check_serialised(data, written)
        problems[what] = str(info.value)
    assert problems == {
        "extra": "cannot build the email: email: headers differ from those written: ['Bcc']",
        "doubled": "cannot build the email: email: headers differ from those written: []",
        "missing": "cannot build the email: email: headers differ from those written: ['Subject']",
        "changed": "cannot build the email: Subject: its serialised value differs from the one "
        "written",
        "bare LF": "cannot build the email: email: a bare CR or LF in the serialised email",
    }


def _survey_with(questions: list[dict[str, object]]) -> Survey:
    """The stock survey's primary question followed by ``questions``."""
    data = stock_survey("quick").to_dict()
    data["questions"] = [data["questions"][0], *questions]
    return Survey.from_dict(data)


def _question(key: str, kind: str = "scale", *, required: bool = False) -> dict[str, object]:
    text = {"en": key, "de": key}
    question: dict[str, object] = {
        "key": key, "type": kind, "dimension": "none", "text": text, "required": required,
    }  # fmt: skip
    if kind == "scale":
        question |= {"min": 1, "max": 5, "dimension": "helped"}
    return question


@pytest.mark.parametrize(
    ("survey", "en", "de"),
    [
        (stock_survey("post_ticket"), "Five more questions and a comment are optional.",
         "Fünf weitere Fragen und ein Kommentar sind freiwillig."),
        (stock_survey("quick"), "One more question and a comment are optional.",
         "Eine weitere Frage und ein Kommentar sind freiwillig."),
        (_survey_with([]), None, None),
        (_survey_with([_question("c", "text")]), "A comment is optional.",
         "Ein Kommentar ist freiwillig."),
        (_survey_with([_question("a", required=True), _question("b"), _question("c")]),
         "One more question is required. Two more questions are optional.",
         "Eine weitere Frage ist Pflicht. Zwei weitere Fragen sind freiwillig."),
    ],
    ids=["post_ticket", "quick", "primary-only", "comment-only", "required"],
)  # fmt: skip
def test_the_email_says_truly_what_else_the_survey_asks(
    survey: Survey, en: str | None, de: str | None
) -> None:
    builder = MessageBuilder(_settings(), SECRET)
    for locale, sentence in (("en", en), ("de", de)):
        plain, html = _parts(builder.build(_envelope(locale), survey, NOW))
        for text in (" ".join(plain.split()), html):
            assert "Two more questions and a comment" not in text
            assert "Zwei weitere Fragen und ein Kommentar" not in text
            if sentence is None:
                assert "optional" not in text and "freiwillig" not in text
            else:
                assert sentence in text
