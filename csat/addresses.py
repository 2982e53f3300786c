"""Strict validation of customer email addresses.

One plain address only: no display name, no angle brackets, no list, no
CR/LF or other control characters (no header injection), no quoted local
part. The syntax check itself is :mod:`email_validator`'s.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import cache, lru_cache

from .errors import InvalidAddressError

_FORBIDDEN = frozenset('<>,;"()[]\\')

# The everyday ASCII subset of what email_validator accepts: dot-atom local
# part, LDH labels, an alphabetic top-level domain. Addresses matching it get
# the same result as from email_validator (a test checks this) at a fraction
# of the cost, which matters for nightly imports of 100,000 rows; anything
# else goes through email_validator itself.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EVERYDAY = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


@cache
def _special_use() -> frozenset[str]:
    # email_validator is imported on first use, not with csat: import time.
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    return frozenset(SPECIAL_USE_DOMAIN_NAMES)


def _everyday(candidate: str) -> str | None:
    if len(candidate) > 254 or not _EVERYDAY.fullmatch(candidate):
        return None
    local, _, domain = candidate.rpartition("@")
    if len(local) > 64:
        return None
    domain = domain.lower()
    if _is_special_use(domain):
        return None
    return f"{local}@{domain}".lower()


@lru_cache(maxsize=4096)
def _is_special_use(domain: str) -> bool:
    """True if ``domain`` is or lies under a special-use domain (``localhost``, ...)."""
    labels = domain.split(".")
    special = _special_use()
    return any(".".join(labels[i:]) in special for i in range(len(labels)))


def normalize_address(address: object) -> str:
    """Validate ``address`` and return its normalised, lower-cased form.

    :raises InvalidAddressError: not exactly one plain, valid address.
    """
    if not isinstance(address, str):
        raise InvalidAddressError(repr(address), "not a string")
    fast = _everyday(address)
    if fast is not None:
        return fast
    candidate = address.strip()
    if not candidate:
        raise InvalidAddressError(address, "empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in address):
        raise InvalidAddressError(address, "contains control characters (CR, LF, ...)")
    if any(c.isspace() for c in candidate):
        raise InvalidAddressError(address, "contains white space")
    if any(c in _FORBIDDEN for c in candidate):
        raise InvalidAddressError(address, "not a single plain address")
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
