"""The email texts, rendered once per survey version, locale and kind.

csat's own email templates use the three values that differ from one
invitation to the next (the ticket id, the token in every link, the expiry
date) as they are, so each template is rendered once with a marker in their
place, and every email fills the markers in: the ticket id and date escaped
for HTML as the template would have escaped them, the token as it is (its
alphabet needs no escaping). The first email of each kind is rendered both
ways and the markers are only used when the two agree. A host's own
templates might test or transform the values, so they are always rendered
(see :attr:`MessageBuilder._skeletons <csat.delivery.message.MessageBuilder>`).

The bodies are also kept quoted-printable encoded (:meth:`Skeletons.encoded`):
quoted-printable encodes each line on its own, so the runs of lines without a
marker are encoded once, and an email encodes only its few lines with a
marker, after filling them in. That is the same bytes as encoding the whole
filled text (a test compares them with the email package's output).
"""

from __future__ import annotations

from binascii import b2a_qp
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..survey import Survey
    from .envelope import Envelope
    from .message import MessageBuilder

Texts = tuple[str, str, str]
"""Subject, plain text and HTML."""
Encoded = tuple[str, bytes, bytes]
"""Subject, and the plain text and HTML quoted-printable encoded with CRLF line ends."""
Encode = Callable[[str], bytes]
#: A body as encoded runs of lines without a marker and single lines to fill.
Pieces = tuple[bytes | str, ...]

MARK_TICKET = "\x00csat:ticket\x00"
MARK_LINK = "\x00csat:token\x00"
MARK_EXPIRES = "\x00csat:expires\x00"
#: In a ticket id, these would change the lines of a body (or mark one).
_LINE_CHANGING = frozenset("\x00\r\n")


class _Skeleton:
    """One kind's marked texts, and its bodies as pieces."""

    __slots__ = ("html", "plain", "texts")

    def __init__(self, texts: Texts, encode: Encode) -> None:
        self.texts = texts
        self.plain = _pieces(texts[1], encode)
        self.html = _pieces(texts[2], encode)


def _pieces(text: str, encode: Encode) -> Pieces | None:
    """``text`` as encoded runs of lines without a marker and single marked
    lines (``None`` for text with a carriage return: the encoder then treats
    the whole text's line ends alike, so it is encoded whole)."""
    if "\r" in text:
        return None
    pieces: list[bytes | str] = []
    run: list[str] = []
    *ended, last = text.split("\n")  # not splitlines(): only LF ends a line here
    for line in [f"{line}\n" for line in ended] + ([last] if last else []):
        if "\x00" not in line:
            run.append(line)
            continue
        if run:
            pieces.append(encode("".join(run)))
            run = []
        pieces.append(line)
    if run:
        pieces.append(encode("".join(run)))
    return tuple(pieces)


class Skeletons:
    """The marked texts of one builder's emails, made on first use.

    :param encode: how the bodies are encoded on the wire (quoted-printable).
    """

    def __init__(self, builder: MessageBuilder, encode: Encode) -> None:
        from markupsafe import escape  # with jinja2, which renders the skeletons

        self._builder = builder
        self._encode = encode
        self._escape: Callable[[str], str] = lambda value: str(escape(value))
        self._made: dict[tuple[str, str, bool], _Skeleton | None] = {}

    def texts(
        self, envelope: Envelope, survey: Survey, locale: str, token: str, expires_on: str
    ) -> Texts:
        """The subject, plain text and HTML of ``envelope``'s email."""
        ticket = envelope.ticket_id
        key = (survey.fingerprint, locale, envelope.reminder)
        made = self._made.get(key)
        if made is not None and "\x00" not in ticket:
            return self._fill(made.texts, ticket, token, expires_on)
        real = self._render(ticket, token, expires_on, envelope.reminder, survey, locale)
        if key not in self._made:
            marked = self._render(
                MARK_TICKET, MARK_LINK, MARK_EXPIRES, envelope.reminder, survey, locale
            )
            agrees = "\x00" not in ticket and self._fill(marked, ticket, token, expires_on) == real
            self._made[key] = _Skeleton(marked, self._encode) if agrees else None
        return real

    def encoded(
        self, envelope: Envelope, survey: Survey, locale: str, token: str, expires_on: str
    ) -> Encoded | None:
        """The subject and encoded bodies of ``envelope``'s email, or ``None``
        when there is no skeleton for them yet (use :meth:`texts`)."""
        ticket = envelope.ticket_id
        made = self._made.get((survey.fingerprint, locale, envelope.reminder))
        if made is None or made.plain is None or made.html is None:
            return None
        if not _LINE_CHANGING.isdisjoint(ticket) or "\r" in expires_on:
            return None
        escape = self._escape
        subject = self._fill_line(made.texts[0], ticket, token, expires_on)
        plain = self._fill_body(made.plain, ticket, token, expires_on)
        html = self._fill_body(made.html, escape(ticket), token, escape(expires_on))
        return " ".join(subject.split()), plain, html

    def _render(
        self, ticket: str, token: str, expires_on: str, reminder: bool, survey: Survey, locale: str
    ) -> Texts:
        builder = self._builder
        context = builder.template_context(ticket, token, expires_on, reminder, survey, locale)
        return builder.texts(locale, context)

    def _fill(self, marked: Texts, ticket: str, token: str, expires_on: str) -> Texts:
        escape = self._escape
        subject, plain, html = marked
        return (
            " ".join(self._fill_line(subject, ticket, token, expires_on).split()),
            self._fill_line(plain, ticket, token, expires_on),
            self._fill_line(html, escape(ticket), token, escape(expires_on)),
        )

    @staticmethod
    def _fill_line(text: str, ticket: str, token: str, expires_on: str) -> str:
        return (
            text.replace(MARK_LINK, token)
            .replace(MARK_EXPIRES, expires_on)
            .replace(MARK_TICKET, ticket)
        )

    def _fill_body(self, pieces: Pieces, ticket: str, token: str, expires_on: str) -> bytes:
        # The pieces and values hold no CR (see encoded()): encode_body's line
        # ends are then a plain replace, and this is the same, called directly.
        fill = self._fill_line
        return b"".join(
            piece
            if isinstance(piece, bytes)
            else b2a_qp(fill(piece, ticket, token, expires_on).encode("utf-8")).replace(
                b"\n", b"\r\n"
            )
            for piece in pieces
        )
