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
marker, after filling them in. Those lines are filled and encoded together,
in one string with a line holding only NUL between them (no filled-in value
holds a NUL, so its encoded form, ``=00``, parts them again unambiguously).
That is the same bytes as encoding the whole filled text (a test compares
them with the email package's output).

Most marked lines hold the token only (the links). A token always has the
same length and only characters that quoted-printable leaves as they are,
so such a line is encoded once with a placeholder of that length in the
token's place, which gives the same line breaks; each email then only puts
its token in place of the placeholder in the encoded bytes.
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
#: Between the marked lines of a body, filled and encoded together; and encoded.
_SEPARATOR = "\x00\n"
_ENCODED_SEPARATOR = b"\r\n=00\r\n"
#: Stands for the token in lines encoded once: as long as a token, and of its alphabet.
PLACEHOLDER = "_csat-token-placeholder_"
_PLACEHOLDER = PLACEHOLDER.encode("ascii")

MARK_TICKET = "\x00csat:ticket\x00"
MARK_LINK = "\x00csat:token\x00"
MARK_EXPIRES = "\x00csat:expires\x00"
#: In a ticket id, these would change the lines of a body (or mark one).
_LINE_CHANGING = frozenset("\x00\r\n")


class _Body:
    """A body as the encoded runs of lines without a marker (or with the token's
    :data:`PLACEHOLDER`), with the marked lines between them (joined by
    :data:`_SEPARATOR`, to fill in)."""

    __slots__ = ("marked", "placeholders", "runs")

    def __init__(self, runs: tuple[bytes, ...], marked: str) -> None:
        self.runs = runs
        self.marked = marked
        #: Whether the runs hold the placeholder.
        self.placeholders = any(_PLACEHOLDER in run for run in runs)

    @classmethod
    def of(cls, text: str, encode: Encode) -> _Body | None:
        """``text`` split so (``None`` for text with a carriage return: the encoder
        then treats the whole text's line ends alike, so it is encoded whole)."""
        if "\r" in text:
            return None
        runs: list[bytes] = []
        marked: list[str] = []
        run: list[bytes] = []
        placeholders = PLACEHOLDER not in text
        *ended, last = text.split("\n")  # not splitlines(): only LF ends a line here
        for line in [f"{line}\n" for line in ended] + ([last] if last else []):
            encoded = _once(line, encode) if placeholders else None
            if encoded is not None:
                run.append(encoded)
                continue
            runs.append(b"".join(run))
            run = []
            marked.append(line)
        runs.append(b"".join(run))
        return cls(tuple(runs), _SEPARATOR.join(marked))


def _once(line: str, encode: Encode) -> bytes | None:
    """``line`` encoded once for every email (the token as :data:`PLACEHOLDER`),
    or ``None`` if it is to be filled in per email."""
    if "\x00" not in line:
        return encode(line)
    tokens = line.count(MARK_LINK)
    if line.count("\x00") != 2 * tokens:  # another marker too
        return None
    encoded = encode(line.replace(MARK_LINK, PLACEHOLDER))
    return encoded if encoded.count(_PLACEHOLDER) == tokens else None


class _Skeleton:
    """One kind's marked texts, and its bodies."""

    __slots__ = ("html", "plain", "texts")

    def __init__(self, texts: Texts, encode: Encode) -> None:
        self.texts = texts
        self.plain = _Body.of(texts[1], encode)
        self.html = _Body.of(texts[2], encode)


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
        if len(token) != len(PLACEHOLDER) or PLACEHOLDER in ticket:
            return None  # not a token of derive_token's, or the ticket would be changed
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

    def _fill_body(self, body: _Body, ticket: str, token: str, expires_on: str) -> bytes:
        """The body filled in and encoded. The values hold no CR, LF or NUL (see
        encoded()): encode_body's line ends are then a plain replace, and the
        separators stay lines of their own, so this is the same, called directly."""
        runs = body.runs
        if len(runs) == 1:
            filled = runs[0]
        else:
            text = self._fill_line(body.marked, ticket, token, expires_on).encode("utf-8")
            lines = b2a_qp(text).replace(b"\n", b"\r\n").split(_ENCODED_SEPARATOR)
            ends = [b"\r\n"] * (len(lines) - 1) + [b""]
            filled = (
                b"".join(part for pair in zip(runs, lines, ends, strict=False) for part in pair)
                + runs[-1]
            )
        if body.placeholders:
            return filled.replace(_PLACEHOLDER, token.encode("ascii"))
        return filled
