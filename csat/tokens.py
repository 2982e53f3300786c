"""Survey tokens and keyed hashes.

A token is derived, not stored: ``HMAC-SHA256(secret, nonce)`` over a
per-invitation random nonce (128 bits from :mod:`secrets`, stored), cut to
144 bits and base64url-encoded (24 characters). Only the token's SHA-256 is
stored, for look-up, so a database dump alone yields no working link, while
the sender can rebuild the link at any time from the nonce and the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

NONCE_BYTES = 16
TOKEN_BYTES = 18
TOKEN_LENGTH = 24  # base64url characters for TOKEN_BYTES

_TOKEN_CONTEXT = b"csat-token\x00"
_CUSTOMER_CONTEXT = b"csat-customer\x00"
_SAMPLE_CONTEXT = b"csat-sample\x00"
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def _mac(secret: bytes, message: bytes) -> bytes:
    return hmac.digest(secret, message, hashlib.sha256)


def new_nonce() -> str:
    """A fresh random nonce (hex) for one invitation."""
    return secrets.token_hex(NONCE_BYTES)


def new_nonces(count: int) -> list[str]:
    """``count`` fresh random nonces (hex), from one call to the system's CSPRNG."""
    pool = secrets.token_bytes(NONCE_BYTES * count)
    return [pool[i : i + NONCE_BYTES].hex() for i in range(0, len(pool), NONCE_BYTES)]


def derive_token(secret: bytes, nonce: str) -> str:
    """The survey token for ``nonce`` under ``secret``."""
    digest = _mac(secret, _TOKEN_CONTEXT + bytes.fromhex(nonce))
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii")


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token: the stored, look-up form."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def is_well_formed(token: str) -> bool:
    """Cheap shape check before any database look-up."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


def customer_hash(secret: bytes, normalized_email: str) -> str:
    """Keyed hash of a normalised address (cooldown look-ups and opt-outs)."""
    message = _CUSTOMER_CONTEXT + normalized_email.encode("utf-8")
    return _mac(secret, message).hex()


def sample_fraction(secret: bytes, survey_key: str, ticket_id: str) -> float:
    """A stable pseudo-random number in [0, 1) for one (survey, ticket).

    Sampling decides with it, so the decision for a ticket is the same in
    ``invite`` and ``invite_many`` and cannot be guessed without the secret.
    """
    message = _SAMPLE_CONTEXT + survey_key.encode() + b"\x00" + ticket_id.encode()
    digest = _mac(secret, message)
    return int.from_bytes(digest[:8], "big") / 2**64
