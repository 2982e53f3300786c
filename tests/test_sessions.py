"""The session interface that reuses its signer: same cookies as Flask's, key changes honoured."""

from __future__ import annotations

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface

from csat.sessions import CachedSigningSessionInterface


def _app(secret: str, interface: SecureCookieSessionInterface) -> Flask:
    app = Flask("host")
    app.config.update(SECRET_KEY=secret, TESTING=True)
    app.session_interface = interface

    @app.get("/set/<value>")
    def set_value(value: str) -> str:
        session["value"] = value
        return "ok"

    @app.get("/get")
    def get_value() -> str:
        return str(session.get("value"))

    return app


def test_cookies_are_flasks_own_both_ways() -> None:
    cached = _app("k1", CachedSigningSessionInterface())
    plain = _app("k1", SecureCookieSessionInterface())
    for writer, reader in ((cached, plain), (plain, cached)):
        client = writer.test_client()
        client.get("/set/a<b>&x")
        cookie = client.get_cookie("session")
        assert cookie is not None
        other = reader.test_client()
        other.set_cookie("session", cookie.value)
        assert other.get("/get").text == "a<b>&x"


def test_signer_is_reused_and_follows_the_secret_key_and_fallbacks() -> None:
    interface = CachedSigningSessionInterface()
    app = _app("old", interface)
    first = interface.get_signing_serializer(app)
    assert first is not None and interface.get_signing_serializer(app) is first
    client = app.test_client()
    client.get("/set/kept")
    app.config.update(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["old"])
    assert interface.get_signing_serializer(app) is not first
    assert client.get("/get").text == "kept"  # signed with the fallback, still valid
    app.config.update(SECRET_KEY_FALLBACKS=None)
    assert client.get("/get").text == "None"  # the old key is no longer accepted
    app.config.update(SECRET_KEY=None)
    assert interface.get_signing_serializer(app) is None
