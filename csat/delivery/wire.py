"""The survey email's wire form, written without the email package's generator.

Parsing every header into an object and serialising the message through
:class:`email.generator.BytesGenerator` costs about a millisecond per email,
more than sending it to a nearby server. :class:`WireWriter` writes the same
bytes directly: the constant headers are folded once, and each varying header
is folded once per *shape* (header name and value length, for values drawn
from a small character set that folding treats alike), then reused with the
new value in place. A value outside those shapes (a long subject, a non-ASCII
address, …) makes :meth:`WireWriter.data` return ``None`` and the caller uses
the email package as before. A test checks that both give the same bytes.

A message with a non-ASCII address is always written by the email package,
with :data:`UTF8_POLICY`: RFC 2047 encoded words are not allowed in an
address, so its headers carry raw UTF-8 and it needs SMTPUTF8 (RFC 6531, 6532).
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Callable
from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import EmailPolicy

CRLF = b"\r\n"
_NLCRE = re.compile(rb"\r\n|\r|\n")  # email.generator.NLCRE, for bytes
BOUNDARY = "=_csat_alternative_="
#: The multipart Content-Type. Quoted-printable never contains "=_" unencoded
#: (RFC 2045, 6.7), so a boundary with it cannot occur in the parts, and
#: every message can share one.
ALTERNATIVE = f'multipart/alternative; boundary="{BOUNDARY}"'
FIXED_HEADERS = (
    ("Auto-Submitted", "auto-generated"),
    ("X-Auto-Response-Suppress", "All"),
    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
)

# Value shapes whose folding depends on their length only: one token of
# characters that header parsing and folding treat all alike...
_ADDRESS = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_MSG_ID = re.compile(r"<[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+>")
_URL = re.compile(r"<[A-Za-z0-9_.~%/:-]+>")
# ... or short enough never to be folded (words of printable ASCII, single spaces).
_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*")
_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, remembering the classes it makes.

    ``HeaderRegistry`` builds a new class on every look-up; caching them makes
    building a message about a third cheaper (the classes never change).
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = super().__getitem__(name)
        return made


class _Policy(EmailPolicy):
    """The SMTP policy (CRLF line ends) that folds a recurring header only once.

    Headers made by ``MessageBuilder._constant`` carry a ``csat_folded``
    cache; folding is most of the cost of serialising a message. The cache
    holds this policy's folds, so the ``utf8`` variant folds afresh each time.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        """Fold like :class:`~email.policy.EmailPolicy`, remembering constant headers.

        One exception: a ``List-Unsubscribe`` URL too long for one line would
        become an RFC 2047 encoded word, which mail clients do not decode for
        RFC 8058 one-click unsubscribe; it is written on one unfolded line
        instead (RFC 5322 allows lines up to 998 characters).
        """
        cache: dict[str, bytes] | None = getattr(value, "csat_folded", None)
        if cache is None or self.utf8:
            line = super().fold_binary(name, value)
            if name.lower() == "list-unsubscribe" and b"=?" in line:
                return _unfolded(name, str(value)) or line
            return line
        folded = cache.get(name)
        if folded is None:
            folded = cache[name] = super().fold_binary(name, value)
        return folded


def _unfolded(name: str, value: str) -> bytes | None:
    """``name: value`` on one line, if it is printable ASCII that fits in 998 characters."""
    line = f"{name}: {value}"
    if len(line) > 998 or _TEXT.fullmatch(value) is None or "=?" in value:
        return None
    return line.encode("ascii") + CRLF


#: The SMTP policy (CRLF line ends) with cached header classes and folds.
POLICY = _Policy(linesep="\r\n", header_factory=_HeaderClasses())
#: :data:`POLICY` writing non-ASCII headers as raw UTF-8, for messages sent with SMTPUTF8.
UTF8_POLICY = POLICY.clone(utf8=True)


def encode_body(text: str) -> bytes:
    """``text`` quoted-printable encoded (UTF-8), with the generator's CRLF line ends."""
    return _crlf(quopri.encodestring(text.encode("utf-8")))


def _crlf(payload: bytes) -> bytes:
    """Line ends as the generator writes them (``_write_lines``)."""
    if b"\r" not in payload:  # the usual case: the same, faster
        return payload.replace(b"\n", CRLF)
    return CRLF.join(_NLCRE.split(payload))


class WireWriter:
    """Writes the wire form of one builder's emails (see the module docstring).

    :param constant: the builder's parsed constant header for a name and value.
    """

    def __init__(
        self,
        constant: Callable[[str, str], BaseHeader],
        sender: str,
        reply_to: str | None,
    ) -> None:
        self._constant = constant
        self._from = self._fixed("From", sender)
        self._reply_to = b"" if reply_to is None else self._fixed("Reply-To", reply_to)
        self._fixed_headers = b"".join(self._fixed(name, value) for name, value in FIXED_HEADERS)
        self._tail = self._fixed("MIME-Version", "1.0") + self._fixed("Content-Type", ALTERNATIVE)
        encoding = self._fixed("Content-Transfer-Encoding", "quoted-printable")
        self._plain = self._fixed("Content-Type", 'text/plain; charset="utf-8"') + encoding + CRLF
        self._html = self._fixed("Content-Type", 'text/html; charset="utf-8"') + encoding + CRLF
        self._languages: dict[str, bytes] = {}
        self._shapes: dict[tuple[str, int], tuple[bytes, bytes] | None] = {}

    def _fixed(self, name: str, value: str) -> bytes:
        return POLICY.fold_binary(name, self._constant(name, value))

    def _fold(self, name: str, value: str, shape: re.Pattern[str]) -> bytes | None:
        """``name: value`` folded as the policy folds it, or ``None`` (unknown shape)."""
        if shape.fullmatch(value) is None:
            return None
        encoded = value.encode("ascii")
        if shape is _TEXT and ("=?" in value or len(name) + 2 + len(value) > 78):
            return None  # an encoded word, or long enough to be folded between words
        key = (name, len(value))
        if key not in self._shapes:
            folded = POLICY.fold_binary(name, POLICY.header_factory(name, value))
            head, found, tail = folded.partition(encoded)
            self._shapes[key] = (head, tail) if found and encoded not in tail else None
        around = self._shapes[key]
        return None if around is None else around[0] + encoded + around[1]

    def data(
        self,
        *,
        subject: str,
        recipient: str,
        date: str,
        message_id: str,
        original_id: str | None,
        unsubscribe_url: str,
        locale: str,
        plain: bytes,
        html: bytes,
    ) -> bytes | None:
        """The message's bytes, or ``None`` when a header has an unknown shape.
        ``plain`` and ``html`` are the bodies as :func:`encode_body` gives them."""
        lines: list[bytes] = []
        headers = [
            ("Subject", subject, _TEXT),
            ("To", recipient, _ADDRESS),
            ("Date", date, _DATE),
            ("Message-ID", message_id, _MSG_ID),
        ]
        if original_id is not None:
            headers += [("In-Reply-To", original_id, _MSG_ID), ("References", original_id, _MSG_ID)]
        headers.append(("List-Unsubscribe", f"<{unsubscribe_url}>", _URL))
        for name, value, shape in headers:
            line = self._fold(name, value, shape)
            if line is None:
                return None
            lines.append(line)
        language = self._languages.get(locale)
        if language is None:
            if _TEXT.fullmatch(locale) is None or len(locale) > 16:
                return None
            language = self._languages[locale] = self._fixed("Content-Language", locale)
        subject_line, to_line, *middle, unsubscribe = lines
        boundary = b"--" + BOUNDARY.encode("ascii")
        return b"".join(
            (
                subject_line, self._from, to_line, self._reply_to, *middle, self._fixed_headers,
                unsubscribe, language, self._tail, CRLF,
                boundary, CRLF, self._plain, plain,
                CRLF, boundary, CRLF, self._html, html,
                CRLF, boundary, b"--", CRLF,
            )
        )  # fmt: skip
