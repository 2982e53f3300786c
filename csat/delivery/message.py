"""The survey email: multipart plain text + HTML in the invitation's locale.

Templates live under ``csat/templates/csat/email/`` (``subject.<locale>.txt``,
``invitation.<locale>.txt``, ``invitation.<locale>.html``, which extends
``base.html``); a host overrides any of them with its own Jinja loader (e.g.
``ChoiceLoader([FileSystemLoader("my_templates"), default_loader()])``).
Every email is rendered from them and built with the :mod:`email` package.
Every link is built from ``CSAT_BASE_URL``; the token is rebuilt from the
stored nonce. The primary question becomes one-click buttons, each opening the
survey page with that answer preselected (a GET never records anything).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.errors import NonASCIILocalPartDefect
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from babel.dates import format_date as babel_format_date

from ..config import Settings
from ..errors import ConfigurationError
from ..links import one_click_url, survey_url, unsubscribe_url
from ..survey.model import Question, Survey
from ..tokens import derive_token
from .envelope import Envelope, OutgoingEmail

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment

#: Locales with complete stock templates.
LOCALES = ("en", "de")


class _UnfoldedHeader(UnstructuredHeader, BaseHeader):
    """``List-Unsubscribe``: written on one line while it fits RFC 5322's 998 characters.

    Folded like other headers, a URL too long for one 78-character line would
    become an RFC 2047 encoded word, which mail providers do not decode for
    RFC 8058 one-click unsubscribe.
    """

    def fold(self, *, policy: Any) -> str:
        """The header unfolded if it is ASCII and fits, else folded as usual."""
        line = f"{self.name}: {self}"
        if line.isascii() and len(line) <= 998:
            return line + str(policy.linesep)
        return str(super().fold(policy=policy))


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _UnfoldedHeader)
#: The policy of the emails: SMTP's line ends, the one-line List-Unsubscribe.
POLICY: EmailPolicy[EmailMessage] = SMTP.clone(header_factory=_HEADERS)
#: For an email with a non-ASCII address: raw UTF-8 headers (RFC 6532), sent with SMTPUTF8.
UTF8_POLICY: EmailPolicy[EmailMessage] = POLICY.clone(utf8=True)


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

    return PackageLoader("csat.delivery", "templates")


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

    def context(self, envelope: Envelope, survey: Survey, locale: str) -> dict[str, Any]:
        """What the templates see."""
        base = self.settings.base_url
        token = derive_token(self.secret, envelope.nonce)
        question = survey.primary_question
        return {
            "locale": locale,
            "reminder": envelope.reminder,
            "ticket_id": envelope.ticket_id,
            "title": _text(survey.title, locale),
            "intro": _text(survey.intro, locale),
            "question": _text(question.text, locale),
            "buttons": buttons(question, locale, base, token),
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
        """
        locale = self.locale_for(survey, envelope.locale)
        context = self.context(envelope, survey, locale)
        utf8 = self.needs_smtputf8(envelope.email)
        message = EmailMessage(policy=UTF8_POLICY if utf8 else POLICY)
        message["Subject"] = " ".join(self.render(f"subject.{locale}.txt", context).split())
        message["From"] = self.sender
        message["To"] = envelope.email
        if self.reply_to is not None:
            message["Reply-To"] = self.reply_to
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id(
            envelope.invitation_id, envelope.nonce, self.domain, reminder=envelope.reminder
        )
        if envelope.reminder:
            original = message_id(envelope.invitation_id, envelope.nonce, self.domain)
            message["In-Reply-To"] = original
            message["References"] = original
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        message["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        plain = self.render(f"invitation.{locale}.txt", context)
        message.set_content(plain, cte="quoted-printable")
        html = self.render(f"invitation.{locale}.html", context)
        message.add_alternative(html, subtype="html", cte="quoted-printable")
        # After the parts: making the message multipart moves Content-* headers into them.
        message["Content-Language"] = locale
        return message

    def prepare(self, envelope: Envelope, survey: Survey, now: datetime) -> OutgoingEmail:
        """:meth:`build`, serialised for sending."""
        message = self.build(envelope, survey, now)
        return OutgoingEmail(
            message=message,
            sender=self.sender.addr_spec,
            recipient=envelope.email,
            data=message.as_bytes(),
            smtputf8=self.needs_smtputf8(envelope.email),
        )
