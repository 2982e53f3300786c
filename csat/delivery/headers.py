"""The headers of a survey email: what may go into them, and the check before sending.

Every value that reaches a header is hostile until checked: control
characters and lone surrogates make the email fail (:class:`MessageBuildError`,
that invitation only), and RFC 2047 encoded-word syntax (``=?``) is broken
with a zero-width space, so that no version of the :mod:`email` package
decodes it into the header (CPython's CVE-2024-6923 wrote a decoded CR LF out
as new headers). The serialised email is then parsed back and must hold
exactly the headers csat wrote, each once, with the values it wrote, and no
bare CR or LF (:func:`check_serialised`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.errors import MessageError, NonASCIILocalPartDefect
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP, EmailPolicy
from email.policy import default as default_policy
from typing import Any

from ..errors import ConfigurationError, InvalidAddressError, MessageBuildError
from ..invitations.addresses import normalize_address

#: Characters no header value may hold: C0 controls, DEL, and what
#: :meth:`str.splitlines` takes for a line end.
_UNSAFE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Put between ``=`` and ``?``: an RFC 2047 encoded word starts with ``=?``.
ENCODED_WORD_BREAK = "\u200b"
#: The headers a survey email has, each once (``Reply-To``, ``In-Reply-To``
#: and ``References`` only where set); the MIME ones come from :mod:`email`.
HEADERS = frozenset({
    "Subject", "From", "To", "Reply-To", "Date", "Message-ID", "In-Reply-To", "References",
    "Auto-Submitted", "X-Auto-Response-Suppress", "List-Unsubscribe", "List-Unsubscribe-Post",
    "MIME-Version", "Content-Type", "Content-Language",
})  # fmt: skip
#: The headers of each of its two parts.
PART_HEADERS = frozenset({"Content-Type", "Content-Transfer-Encoding", "MIME-Version"})
_BARE_LINE_END = re.compile(rb"\r(?!\n)|(?<!\r)\n")


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


def unsafe(value: str) -> str | None:
    """Why ``value`` cannot go into a header (control character, lone surrogate), or None."""
    if _SURROGATE.search(value):
        return "contains a lone surrogate"
    if _UNSAFE.search(value):
        return "contains control characters (CR, LF, ...)"
    return None


def neutralise(value: str) -> str:
    """``value`` with RFC 2047 encoded-word syntax broken up (``=?`` gets a
    zero-width space), so that it is shown as written, never decoded."""
    return value.replace("=?", f"={ENCODED_WORD_BREAK}?")


def header_text(value: str, field: str) -> str:
    """``value`` fit for a header: refused if :func:`unsafe`, else neutralised (:func:`neutralise`).

    :raises MessageBuildError: naming ``field``, never quoting the value.
    """
    problem = unsafe(value)
    if problem is not None:
        raise MessageBuildError(field, problem)
    return neutralise(value)


def parse_address(value: str, key: str) -> Address:
    """One ``Name <user@domain>`` or ``user@domain`` address, or a ConfigurationError.

    A non-ASCII address is valid: its emails are sent with SMTPUTF8. Encoded
    words in the display name are decoded, and the result is checked and
    neutralised like every header value.
    """
    problem = unsafe(value)
    if problem is not None:
        raise ConfigurationError(key, f"must not contain line breaks: {problem}")
    try:
        header = HeaderRegistry()("From", value)
    except ValueError as e:  # e.g. a line break decoded from an encoded word
        raise ConfigurationError(key, f"not a valid address: {value!r} ({e})") from e
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    defects = [
        d for d in getattr(header, "defects", ()) if not isinstance(d, NonASCIILocalPartDefect)
    ]
    if len(addresses) != 1 or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        raise ConfigurationError(key, f"not a single email address: {value!r}")
    if defects:
        raise ConfigurationError(key, f"not a valid address: {value!r} ({defects[0]})")
    address = addresses[0]
    problem = unsafe(address.display_name) or unsafe(address.addr_spec)
    if problem is not None:  # decoded from an encoded word
        raise ConfigurationError(key, f"not a valid address: {value!r} ({problem})")
    name = neutralise(address.display_name)
    return Address(display_name=name, username=address.username, domain=address.domain)


def recipient_address(value: str) -> Address:
    """The ``To`` of an email: exactly one plain address (as stored rows should hold).

    :raises MessageBuildError: anything else (the reason does not quote it).
    """
    problem = unsafe(value)
    if problem is not None:
        raise MessageBuildError("email", problem)
    try:
        normalize_address(value)  # refuses encoded-word syntax, which To would decode
        local, _, domain = value.rpartition("@")
        address = Address(username=local, domain=domain)
    except (InvalidAddressError, ValueError, MessageError) as e:
        raise MessageBuildError("email", "not a single plain address") from e
    if address.addr_spec != value:  # e.g. a local part that needs quoting
        raise MessageBuildError("email", "not a single plain address")
    return address


def check_serialised(data: bytes, written: Sequence[tuple[str, str]]) -> None:
    """Check the bytes of an email before they go out.

    Parsed back with the :mod:`email` package's public parser, they must hold
    the headers of ``written`` (name, value as csat meant it), each once and
    with that value, plus MIME-Version and Content-Type; two parts with only
    MIME headers; and no bare CR or LF anywhere.

    :raises MessageBuildError: the first difference found.
    """
    if _BARE_LINE_END.search(data):
        raise MessageBuildError("email", "a bare CR or LF in the serialised email")
    parsed = BytesParser(policy=default_policy).parsebytes(data)
    names = [name for name, _ in written]
    expected = sorted([*names, "MIME-Version", "Content-Type"])
    found = sorted(parsed.keys())
    if found != expected or not set(found) <= HEADERS:
        extra = sorted(set(found) - set(expected)) or sorted(set(found) ^ set(expected))
        raise MessageBuildError("email", f"headers differ from those written: {extra}")
    for name, value in written:
        if " ".join(str(parsed[name]).split()) != " ".join(value.split()):
            raise MessageBuildError(name, "its serialised value differs from the one written")
    if parsed.get_content_type() != "multipart/alternative":
        raise MessageBuildError("email", "not a multipart/alternative email")
    parts = list(parsed.iter_parts())
    types = [part.get_content_type() for part in parts]
    if types != ["text/plain", "text/html"]:
        raise MessageBuildError("email", f"unexpected parts: {types}")
    for part in parts:
        keys = part.keys()
        if len(keys) != len(set(keys)) or not set(keys) <= PART_HEADERS:
            raise MessageBuildError("email", f"unexpected part headers: {sorted(keys)}")
