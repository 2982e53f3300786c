"""``create_app()``: csat's pages as a small service of their own.

For gunicorn (``gunicorn 'csat.web:create_app()'``) or ``csat serve``. All
settings come from the ``CSAT_*`` environment variables (see
:mod:`csat.config`); ``CSAT_SECRET_KEY`` is required. The tables must exist
(``csat db upgrade``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..config import DEFAULTS, HOOK_SECRET_PREFIX, Settings
from .extension import CSAT


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A Flask app serving only csat's pages, configured from the environment.

    :param config: Flask config values that override the environment.
    """
    app = Flask("csat")
    app.config.from_prefixed_env(prefix="CSAT", loads=str)
    # from_prefixed_env strips the prefix; csat reads the prefixed keys.
    for key in DEFAULTS:
        short = key.removeprefix("CSAT_")
        if short in app.config:
            app.config[key] = app.config.pop(short)
    for short in [name for name in app.config if f"CSAT_{name}".startswith(HOOK_SECRET_PREFIX)]:
        app.config[f"CSAT_{short}"] = app.config.pop(short)  # CSAT_HOOK_SECRET_ZAMMAD …
    app.config.update(config or {})
    secret = Settings.from_mapping(app.config).require_secret_key()
    # Flask's session (the CSRF token) gets a key derived from, not equal to, CSAT_SECRET_KEY.
    app.config.setdefault(
        "SECRET_KEY", hmac.new(secret, b"csat flask session", hashlib.sha256).hexdigest()
    )
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    CSAT(app)
    return app
