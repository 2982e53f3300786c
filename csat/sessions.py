"""Flask's signed-cookie session with its signer built once per key.

Flask's :class:`~flask.sessions.SecureCookieSessionInterface` builds a new
itsdangerous serializer for every request (to read the cookie, and again to
write it). The serializer only depends on the secret key, its fallbacks and
the interface's class settings, and it keeps no state while signing, so
:class:`CachedSigningSessionInterface` keeps one per key. Cookies are the
same; :func:`csat.app.create_app` uses it, and a host may set it too::

    app.session_interface = CachedSigningSessionInterface()
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

#: Serializers kept per interface (a key rotation adds one; then the cache starts anew).
_MAX_SERIALIZERS = 8


class CachedSigningSessionInterface(SecureCookieSessionInterface):
    """:class:`~flask.sessions.SecureCookieSessionInterface`, its serializer reused."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current secret key and fallbacks."""
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        key = (app.secret_key, tuple(fallbacks) if fallbacks else ())
        try:
            return self._serializers[key]
        except KeyError:
            pass
        serializer = super().get_signing_serializer(app)
        if len(self._serializers) >= _MAX_SERIALIZERS:
            self._serializers.clear()
        self._serializers[key] = serializer
        return serializer
