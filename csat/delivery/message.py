"""The survey email: multipart plain text + HTML in the invitation's locale.

Templates live under ``csat/templates/csat/email/`` (``subject.<locale>.txt``,
``invitation.<locale>.txt``, ``invitation.<locale>.html``, which extends
``base.html``); a host overrides any of them with its own Jinja loader (e.g.
``ChoiceLoader([FileSystemLoader("my_templates"), default_loader()])``).
Every email is rendered from them and built with the :mod:`email` package.
Every link is built from the base URL the invitation stored when it was made
(``CSAT_BASE_URL`` for rows older than that); the token is rebuilt from the
stored nonce.

Every value that reaches a header is checked and neutralised, and every
serialised email checked before it goes out (:mod:`csat.delivery.headers`).

The primary question becomes one-click buttons, each opening the survey page
with that answer preselected (a GET never records anything).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from babel.dates import format_date as babel_format_date

from ..config import Settings
from ..errors import InvalidInputError, MessageBuildError
from ..links import check_base_url, one_click_url, survey_url, unsubscribe_url
from ..survey.model import Question, Survey
from ..tokens import derive_token
from .envelope import Envelope, OutgoingEmail
from .headers import (
    POLICY,
    UTF8_POLICY,
    check_serialised,
    header_text,
    parse_address,
    recipient_address,
)

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment

#: Locales with complete stock templates.
LOCALES = ("en", "de")


@dataclass(frozen=True, slots=True)
class Button:
    """One answer of the primary question as a link."""

    value: int | str
    label: str
    url: str
    #: Text under the button: the scale's end labels, else empty.
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Remaining:
    """What the survey asks besides its primary question, so the email says so truly."""

    #: Further questions that must be answered (any type).
    required: int
    #: Optional further questions with a scale or choices.
    questions: int
    #: Optional free-text questions (comments).
    comments: int

    @classmethod
    def of(cls, survey: Survey) -> Remaining:
        """Count the questions of ``survey`` after its primary one."""
        others = [q for q in survey.questions if q.key != survey.primary]
        optional = [q for q in others if not q.required]
        comments = sum(1 for q in optional if q.type == "text")
        return cls(len(others) - len(optional), len(optional) - comments, comments)


def default_loader() -> BaseLoader:
    """The loader of csat's own templates (``csat/templates``)."""
    from jinja2 import PackageLoader

    return PackageLoader("csat.delivery", "templates")


def message_id(invitation_id: int, nonce: str, domain: str, *, reminder: bool = False) -> str:
    """The stable Message-ID of an invitation's email (or of its reminder).

    Derived from the invitation, so every retry carries the same one and a
    receiver can drop a duplicate left by a sender that died before marking.
    """
    kind = "reminder" if reminder else "invitation"
    digest = hashlib.sha256(f"csat-message-id\x00{kind}\x00{nonce}".encode()).hexdigest()[:20]
    suffix = ".r" if reminder else ""
    return f"<csat.{invitation_id}.{digest}{suffix}@{domain}>"


def format_date(value: datetime, locale: str) -> str:
    """A date as people of ``locale`` write it in full (Babel's ``long`` format)."""
    return babel_format_date(value, "long", locale=locale)


def buttons(question: Question, locale: str, base_url: str, token: str) -> list[Button]:
    """The one-click answers of ``question``: every scale point or every choice."""
    if question.type == "choice":
        return [
            Button(c.value, _text(c.label, locale),
                   one_click_url(base_url, token, question.key, c.value))
            for c in question.choices
        ]  # fmt: skip
    assert question.min is not None and question.max is not None
    low, high = question.min, question.max
    result = []
    for value in range(low, high + 1):
        caption = ""
        if value == low:
            caption = _text(question.min_label, locale)
        elif value == high:
            caption = _text(question.max_label, locale)
        url = one_click_url(base_url, token, question.key, value)
        result.append(Button(value, str(value), url, caption))
    return result


#: Most buttons in one row of the HTML part: at 320 px each stays a thumb wide.
MAX_COLUMNS = 7


def button_rows(question: Question, items: list[Button]) -> list[list[Button | None]]:
    """The HTML part's rows of buttons, all as wide as each other: a choice per
    row (its label is a word), a scale in one row of up to :data:`MAX_COLUMNS`,
    else in rows as even as can be, the last filled up with ``None``."""
    if question.type == "choice":
        return [[item] for item in items]
    count = -(-len(items) // MAX_COLUMNS)  # rows
    columns = -(-len(items) // count)
    rows: list[list[Button | None]] = [
        list(items[start : start + columns]) for start in range(0, len(items), columns)
    ]
    rows[-1].extend([None] * (columns - len(rows[-1])))
    return rows


def _text(texts: Any, locale: str) -> str:
    if not texts:
        return ""
    return str(texts.get(locale) or next(iter(texts.values())))


def _environment(loader: BaseLoader) -> Environment:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    return Environment(
        loader=loader,
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class MessageBuilder:
    """Builds the survey emails of one service.

    :param loader: a Jinja loader for the email templates; ``None`` uses csat's.
    """

    def __init__(self, settings: Settings, secret: bytes, loader: BaseLoader | None = None) -> None:
        self.settings = settings
        self.secret = secret
        self.sender = parse_address(settings.mail_from, "CSAT_MAIL_FROM")
        self.reply_to = (
            None
            if settings.mail_reply_to is None
            else parse_address(settings.mail_reply_to, "CSAT_MAIL_REPLY_TO")
        )
        self.domain = self.sender.domain or "localhost"
        #: The Jinja environment (HTML autoescaped, text not).
        self.environment = _environment(loader if loader is not None else default_loader())

    def locale_for(self, survey: Survey, locale: str) -> str:
        """The invitation's locale if the survey and the templates have it, else a fallback."""
        for candidate in (locale, self.settings.default_locale, "en"):
            if candidate in survey.locales and candidate in LOCALES:
                return candidate
        return survey.locales[0]

    def base_url(self, envelope: Envelope) -> str:
        """The base URL of the invitation's links: the one it stored, else ``CSAT_BASE_URL``.

        :raises MessageBuildError: a stored base URL that is not a plain http(s) URL.
        """
        if envelope.base_url is None:
            return self.settings.base_url
        try:
            return check_base_url(envelope.base_url)
        except InvalidInputError as e:
            raise MessageBuildError("base_url", "not a plain http(s) URL") from e

    def context(self, envelope: Envelope, survey: Survey, locale: str) -> dict[str, Any]:
        """What the templates see."""
        base = self.base_url(envelope)
        token = derive_token(self.secret, envelope.nonce)
        question = survey.primary_question
        one_click = buttons(question, locale, base, token)
        rows = button_rows(question, one_click)
        return {
            "locale": locale,
            "reminder": envelope.reminder,
            "ticket_id": envelope.ticket_id,
            "title": _text(survey.title, locale),
            "intro": _text(survey.intro, locale),
            "question": _text(question.text, locale),
            "buttons": one_click,
            "button_rows": rows,
            "columns": len(rows[0]),
            "low_caption": one_click[0].caption,
            "high_caption": one_click[-1].caption,
            "remaining": Remaining.of(survey),
            "survey_url": survey_url(base, token),
            "unsubscribe_url": unsubscribe_url(base, token),
            "expires_on": format_date(envelope.expires_at, locale),
            "sender_name": self.sender.display_name,
        }

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template ``csat/email/<name>``."""
        return self.environment.get_template(f"csat/email/{name}").render(context)

    def needs_smtputf8(self, recipient: str) -> bool:
        """Whether an email to ``recipient`` has a non-ASCII address (To, From or Reply-To).

        Such an email is written with raw UTF-8 headers (RFC 6532; RFC 2047
        encoded words are not allowed in addresses) and needs SMTPUTF8 (RFC 6531).
        """
        addresses = [self.sender.addr_spec, recipient]
        if self.reply_to is not None:
            addresses.append(self.reply_to.addr_spec)
        return not all(address.isascii() for address in addresses)

    def build(self, envelope: Envelope, survey: Survey, now: datetime) -> EmailMessage:
        """The complete email for ``envelope``, dated ``now``.

        Its policy writes raw UTF-8 headers if it :meth:`needs_smtputf8`.

        :raises MessageBuildError: a value of the row cannot go into the email.
        """
        return self._build(envelope, survey, now)[0]

    def _build(
        self, envelope: Envelope, survey: Survey, now: datetime
    ) -> tuple[EmailMessage, list[tuple[str, str]]]:
        """:meth:`build`, and the headers written (name, value as meant)."""
        header_text(envelope.ticket_id, "ticket_id")  # shown in the Subject
        recipient_address(envelope.email)
        locale = self.locale_for(survey, envelope.locale)
        context = self.context(envelope, survey, locale)
        mid = message_id(
            envelope.invitation_id, envelope.nonce, self.domain, reminder=envelope.reminder
        )
        draft = self.draft(envelope.email, self.render(f"subject.{locale}.txt", context), now, mid)
        if envelope.reminder:
            original = message_id(envelope.invitation_id, envelope.nonce, self.domain)
            draft.write("In-Reply-To", original)
            draft.write("References", original)
        draft.write("Auto-Submitted", "auto-generated")
        draft.write("X-Auto-Response-Suppress", "All")
        draft.write("List-Unsubscribe", f"<{context['unsubscribe_url']}>")
        draft.write("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        plain = self.render(f"invitation.{locale}.txt", context)
        html = self.render(f"invitation.{locale}.html", context)
        return draft.finish(plain, html, locale)

    def draft(self, recipient: str, subject: str, now: datetime, mid: str) -> Draft:
        """A new email to ``recipient``: Subject (white space collapsed to one line),
        From, To, Reply-To (if set), Date and Message-ID written, each checked."""
        draft = Draft(UTF8_POLICY if self.needs_smtputf8(recipient) else POLICY)
        draft.write("Subject", " ".join(subject.split()))
        draft.write("From", self.sender)
        draft.write("To", recipient_address(recipient))
        if self.reply_to is not None:
            draft.write("Reply-To", self.reply_to)
        draft.write("Date", format_datetime(now))
        draft.write("Message-ID", mid)
        return draft

    def prepare(self, envelope: Envelope, survey: Survey, now: datetime) -> OutgoingEmail:
        """:meth:`build`, serialised for sending and checked (``check_serialised``).

        :raises MessageBuildError: the email cannot be built, or its bytes are not
            what csat wrote; the reason names the value, never quotes it.
        """
        return self.serialise(lambda: self._build(envelope, survey, now), envelope.email)

    def serialise(
        self, build: Callable[[], tuple[EmailMessage, list[tuple[str, str]]]], recipient: str
    ) -> OutgoingEmail:
        """The email ``build`` makes (with the headers it wrote), serialised for
        ``recipient`` and checked (``check_serialised``).

        :raises MessageBuildError: it cannot be built, or its bytes are not what
            csat wrote; the reason names the value, never quotes it.
        """
        try:
            message, written = build()
            data = message.as_bytes()
        except MessageBuildError:
            raise
        except (ValueError, UnicodeError, MessageError) as e:
            # e.g. a text the email package cannot encode; its message may quote an address
            raise MessageBuildError("email", type(e).__name__) from e
        check_serialised(data, written)
        return OutgoingEmail(
            message=message,
            sender=self.sender.addr_spec,
            recipient=recipient,
            data=data,
            smtputf8=self.needs_smtputf8(recipient),
        )


class Draft:
    """An email being written: each header checked as it is written, and
    remembered (name, value as meant) for :func:`~csat.delivery.headers.check_serialised`."""

    def __init__(self, policy: EmailPolicy[EmailMessage]) -> None:
        self.message = EmailMessage(policy=policy)
        self.written: list[tuple[str, str]] = []

    def write(self, name: str, value: str | Address) -> None:
        """Add the header ``name``; a text value must pass :func:`header_text`."""
        text = str(value)
        if isinstance(value, str):
            value = text = header_text(text, name)
        self.message[name] = value
        self.written.append((name, text))

    def finish(
        self, plain: str, html: str, locale: str
    ) -> tuple[EmailMessage, list[tuple[str, str]]]:
        """Add the text and HTML parts (quoted-printable) and Content-Language."""
        self.message.set_content(plain, cte="quoted-printable")
        self.message.add_alternative(html, subtype="html", cte="quoted-printable")
        # After the parts: making the message multipart moves Content-* headers into them.
        self.write("Content-Language", locale)
        return self.message, self.written
