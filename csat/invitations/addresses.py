"""Strict validation of customer email addresses.

One plain address only: no display name, no angle brackets, no list, no
CR/LF or other control characters and no RFC 2047 encoded-word syntax
(``=?``, which the :mod:`email` package would decode inside the ``To``
header; no header injection), no quoted local part. The syntax check itself
is :mod:`email_validator`'s.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from ..errors import InvalidAddressError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")
_FORBIDDEN = re.compile(r'[<>,;"()\[\]\\]')


def normalize_address(address: object) -> str:
    """Validate ``address`` and return its normalised, lower-cased form.

    :raises InvalidAddressError: not exactly one plain, valid address.
    """
    if not isinstance(address, str):
        raise InvalidAddressError(repr(address), "not a string")
    candidate = address.strip()
    if not candidate:
        raise InvalidAddressError(address, "empty")
    if _CONTROL.search(address):
        raise InvalidAddressError(address, "contains control characters (CR, LF, ...)")
    if _SPACE.search(candidate):
        raise InvalidAddressError(address, "contains white space")
    if _FORBIDDEN.search(candidate):
        raise InvalidAddressError(address, "not a single plain address")
    if "=?" in candidate:
        raise InvalidAddressError(address, "contains RFC 2047 encoded-word syntax (=?)")
    # Imported here: compiling email_validator's patterns is most of csat's import time.
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(
            candidate,
            check_deliverability=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            strict=True,
        )
    except EmailNotValidError as e:
        raise InvalidAddressError(address, str(e)) from e
    return result.normalized.lower()


def is_excluded(normalized: str, patterns: tuple[str, ...]) -> bool:
    """True when the address matches one of the (lower-case) shell patterns."""
    return any(fnmatchcase(normalized, pattern) for pattern in patterns)


# Anything shaped like a mailbox: a local part (plain or quoted) and a domain.
_MAILBOX = re.compile(r'(?:"[^"\r\n]*"|[^\s<>()\[\]",;:@]+)@([^\s<>()\[\]"\'`,;:@]+)')


def mask_addresses(text: str) -> str:
    """``text`` with the local part of every address in it replaced by ``…``.

    For what csat stores and prints about deliveries: a server's reply often
    quotes the mailbox, and the cron log must not keep it. The domain stays, as
    it tells an operator which server refused.
    """
    return _MAILBOX.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    # A quote before the address ('kim@example.com') is the text's, not the address's.
    quote = "'" if match.group(0).startswith("'") else ""
    return f"{quote}…@{match.group(1)}"
