"""The survey email: multipart plain text + HTML in the invitation's locale.

Templates live under ``csat/templates/csat/email/`` (``subject.<locale>.txt``,
``invitation.<locale>.txt``, ``invitation.<locale>.html``, which extends
``base.html``); a host overrides any of them with its own Jinja loader (e.g.
``ChoiceLoader([FileSystemLoader("my_templates"), default_loader()])``).
Every link is built from ``CSAT_BASE_URL``; the token is rebuilt from the
stored nonce. The primary question becomes one-click buttons, each opening the
survey page with that answer preselected (a GET never records anything).
"""

from __future__ import annotations

import hashlib
import quopri
from dataclasses import dataclass
from datetime import datetime
from email.errors import NonASCIILocalPartDefect
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import ConfigurationError
from ..links import one_click_url, survey_url, unsubscribe_url
from ..survey import Question, Survey
from ..tokens import derive_token
from .envelope import Envelope as Envelope  # re-exported, as csat.delivery.message.*
from .envelope import OutgoingEmail as OutgoingEmail
from .skeleton import Skeletons
from .wire import ALTERNATIVE, FIXED_HEADERS, POLICY, UTF8_POLICY, WireWriter, encode_body

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment

#: Locales with complete stock templates.
LOCALES = ("en", "de")
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}  # fmt: skip


_ALTERNATIVE = ALTERNATIVE
_FIXED_HEADERS = FIXED_HEADERS


@dataclass(frozen=True, slots=True)
class Button:
    """One answer of the primary question as a link."""

    value: int | str
    label: str
    url: str
    #: Text under the button: the scale's end labels, else empty.
    caption: str = ""


def default_loader() -> BaseLoader:
    """The loader of csat's own templates (``csat/templates``)."""
    from jinja2 import PackageLoader

    return PackageLoader("csat", "templates")


def mail_domain(address: str) -> str:
    """The domain of a ``From`` address (names the Message-IDs)."""
    domain = parse_address(address, "CSAT_MAIL_FROM").domain
    return domain or "localhost"


def parse_address(value: str, key: str) -> Address:
    """One ``Name <user@domain>`` or ``user@domain`` address, or a ConfigurationError.

    A non-ASCII address is valid: its emails are sent with SMTPUTF8.
    """
    if any(c in value for c in "\r\n"):
        raise ConfigurationError(key, "must not contain line breaks")
    header = HeaderRegistry()("From", value)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    defects = [
        d for d in getattr(header, "defects", ()) if not isinstance(d, NonASCIILocalPartDefect)
    ]
    if len(addresses) != 1 or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        raise ConfigurationError(key, f"not a single email address: {value!r}")
    if defects:
        raise ConfigurationError(key, f"not a valid address: {value!r} ({defects[0]})")
    return addresses[0]


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
    """A date as people read it: ``14 October 2026`` / ``14. Oktober 2026``."""
    month = _MONTHS.get(locale, _MONTHS["en"])[value.month - 1]
    return (
        f"{value.day}. {month} {value.year}"
        if locale == "de"
        else (f"{value.day} {month} {value.year}")
    )


def buttons(question: Question, locale: str, base_url: str, token: str) -> list[Button]:
    """The one-click answers of ``question``: every scale point or every choice."""
    if question.type == "choice":
        return [
            Button(c.value, _text(c.label, locale), one_click_url(base_url, token, question.key,
                                                                  c.value))
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
        auto_reload=False,  # no stat() of every template for every message
    )


@lru_cache(maxsize=1)
def _stock_environment() -> Environment:
    """The environment of csat's own email templates, shared by all builders."""
    return _environment(default_loader())


class MessageBuilder:
    """Builds the survey emails of one service (templates compiled once).

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
        # A non-ASCII From or Reply-To address makes every message need SMTPUTF8.
        self._utf8_headers = not all(
            a.addr_spec.isascii() for a in (self.sender, self.reply_to) if a is not None
        )
        self._loader = loader
        self._headers: dict[tuple[str, str], BaseHeader] = {}
        self._last_date: tuple[datetime, str] | None = None

    @cached_property
    def environment(self) -> Environment:
        """The Jinja environment (HTML autoescaped, text not)."""
        if self._loader is None:
            return _stock_environment()  # compiled once per process, not once per run
        return _environment(self._loader)

    def locale_for(self, survey: Survey, locale: str) -> str:
        """The invitation's locale if the survey and the templates have it, else a fallback."""
        for candidate in (locale, self.settings.default_locale, "en"):
            if candidate in survey.locales and candidate in LOCALES:
                return candidate
        return survey.locales[0]

    def context(self, envelope: Envelope, survey: Survey, locale: str) -> dict[str, Any]:
        """What the templates see."""
        token = derive_token(self.secret, envelope.nonce)
        expires_on = format_date(envelope.expires_at, locale)
        return self.template_context(
            envelope.ticket_id, token, expires_on, envelope.reminder, survey, locale
        )

    def template_context(
        self,
        ticket_id: str,
        token: str,
        expires_on: str,
        reminder: bool,
        survey: Survey,
        locale: str,
    ) -> dict[str, Any]:
        """:meth:`context` from the values that differ per email."""
        base = self.settings.base_url
        question = survey.primary_question
        return {
            "locale": locale,
            "reminder": reminder,
            "ticket_id": ticket_id,
            "title": _text(survey.title, locale),
            "intro": _text(survey.intro, locale),
            "question": _text(question.text, locale),
            "buttons": buttons(question, locale, base, token),
            "survey_url": survey_url(base, token),
            "unsubscribe_url": unsubscribe_url(base, token),
            "expires_on": expires_on,
            "sender_name": self.sender.display_name,
        }

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template ``csat/email/<name>``."""
        return self.environment.get_template(f"csat/email/{name}").render(context)

    def texts(self, locale: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """The rendered subject, plain text and HTML."""
        subject = " ".join(self.render(f"subject.{locale}.txt", context).split())
        plain = self.render(f"invitation.{locale}.txt", context)
        html = self.render(f"invitation.{locale}.html", context)
        return subject, plain, html

    def needs_smtputf8(self, recipient: str) -> bool:
        """Whether an email to ``recipient`` has a non-ASCII address (To, From or Reply-To).

        Such an email is written with raw UTF-8 headers (RFC 6532; RFC 2047
        encoded words are not allowed in addresses) and needs SMTPUTF8 (RFC 6531).
        """
        return self._utf8_headers or not recipient.isascii()

    def build(self, envelope: Envelope, survey: Survey, now: datetime) -> EmailMessage:
        """The complete email for ``envelope``, dated ``now``.

        Its policy writes raw UTF-8 headers if it :meth:`needs_smtputf8`.
        """
        locale = self.locale_for(survey, envelope.locale)
        context = self.context(envelope, survey, locale)
        texts = self.texts(locale, context)
        return self._message(envelope, locale, context["unsubscribe_url"], texts, now)

    def _message(
        self,
        envelope: Envelope,
        locale: str,
        unsubscribe: str,
        texts: tuple[str, str, str],
        now: datetime,
    ) -> EmailMessage:
        subject, plain, html = texts
        mid = message_id(
            envelope.invitation_id, envelope.nonce, self.domain, reminder=envelope.reminder
        )
        message = EmailMessage(
            policy=UTF8_POLICY if self.needs_smtputf8(envelope.email) else POLICY
        )
        message["Subject"] = subject
        message["From"] = self._constant("From", str(self.sender))
        message["To"] = envelope.email
        if self.reply_to is not None:
            message["Reply-To"] = self._constant("Reply-To", str(self.reply_to))
        message["Date"] = format_datetime(now)
        message["Message-ID"] = mid
        if envelope.reminder:
            original = message_id(envelope.invitation_id, envelope.nonce, self.domain)
            message["In-Reply-To"] = original
            message["References"] = original
        for name, value in _FIXED_HEADERS:
            message[name] = self._constant(name, value)
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["Content-Language"] = self._constant("Content-Language", locale)
        message["MIME-Version"] = self._constant("MIME-Version", "1.0")
        message["Content-Type"] = self._constant("Content-Type", _ALTERNATIVE)
        message.set_payload([self._part("plain", plain), self._part("html", html)])
        return message

    def _constant(self, name: str, value: str) -> BaseHeader:
        """A parsed header, made once: the same headers recur in every message."""
        header = self._headers.get((name, value))
        if header is None:
            header = self._headers[(name, value)] = POLICY.header_factory(name, value)
            header.csat_folded = {}  # see _Policy
        return header

    def _part(self, subtype: str, text: str) -> EmailMessage:
        """A quoted-printable UTF-8 text part (what ``set_content`` makes, made faster)."""
        part = EmailMessage(policy=POLICY)
        part["Content-Type"] = self._constant("Content-Type", f'text/{subtype}; charset="utf-8"')
        part["Content-Transfer-Encoding"] = self._constant(
            "Content-Transfer-Encoding", "quoted-printable"
        )
        part.set_payload(quopri.encodestring(text.encode("utf-8")).decode("ascii"))
        return part

    def prepare(self, envelope: Envelope, survey: Survey, now: datetime) -> OutgoingEmail:
        """:meth:`build`, serialised for sending.

        The wire form is written directly when every header has a shape whose
        folding is known (see :mod:`csat.delivery.wire`); it is then byte for byte what
        :meth:`build` and :meth:`~email.message.EmailMessage.as_bytes` give
        (a test checks this). Other messages take that slower path, among them
        every message that :meth:`needs_smtputf8`.
        """
        locale = self.locale_for(survey, envelope.locale)
        token = derive_token(self.secret, envelope.nonce)
        expires_on = format_date(envelope.expires_at, locale)
        values = (envelope, survey, locale, token, expires_on)
        unsubscribe = unsubscribe_url(self.settings.base_url, token)
        utf8 = self.needs_smtputf8(envelope.email)
        if not utf8:
            mid = message_id(
                envelope.invitation_id, envelope.nonce, self.domain, reminder=envelope.reminder
            )
            data = self._wire_form(values, unsubscribe, mid, now)
            if data is not None:
                return OutgoingEmail(None, self.sender.addr_spec, envelope.email, data, mid)
        message = self._message(envelope, locale, unsubscribe, self._texts(*values), now)
        return OutgoingEmail(
            message, self.sender.addr_spec, envelope.email, message.as_bytes(), smtputf8=utf8
        )

    def _texts(
        self, envelope: Envelope, survey: Survey, locale: str, token: str, expires_on: str
    ) -> tuple[str, str, str]:
        """Subject, plain text and HTML (csat's own templates through their skeletons)."""
        if self._skeletons is not None:
            return self._skeletons.texts(envelope, survey, locale, token, expires_on)
        context = self.template_context(
            envelope.ticket_id, token, expires_on, envelope.reminder, survey, locale
        )
        return self.texts(locale, context)

    def _wire_form(
        self,
        values: tuple[Envelope, Survey, str, str, str],
        unsubscribe: str,
        mid: str,
        now: datetime,
    ) -> bytes | None:
        """The message written directly (see :mod:`csat.delivery.wire`), or ``None``."""
        envelope, _, locale, _, _ = values
        encoded = None if self._skeletons is None else self._skeletons.encoded(*values)
        if encoded is None:
            subject, plain, html = self._texts(*values)
            encoded = (subject, encode_body(plain), encode_body(html))
        subject, plain_qp, html_qp = encoded
        original = None
        if envelope.reminder:
            original = message_id(envelope.invitation_id, envelope.nonce, self.domain)
        return self._wire.data(
            subject=subject, recipient=envelope.email, date=self._date(now), message_id=mid,
            original_id=original, unsubscribe_url=unsubscribe,
            locale=locale, plain=plain_qp, html=html_qp,
        )  # fmt: skip

    def _date(self, now: datetime) -> str:
        """The Date header's value: whole seconds, so made once per second."""
        second = now.replace(microsecond=0)
        last = self._last_date
        if last is None or last[0] != second:
            last = self._last_date = (second, format_datetime(second))
        return last[1]

    @cached_property
    def _skeletons(self) -> Skeletons | None:
        # Only csat's own templates: they use these values as they are (a host's
        # template might test or transform them).
        if self._loader is not None:
            return None
        return Skeletons(self, encode_body)

    @cached_property
    def _wire(self) -> WireWriter:
        reply_to = None if self.reply_to is None else str(self.reply_to)
        return WireWriter(self._constant, str(self.sender), reply_to)
