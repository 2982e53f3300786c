"""The WSGI apps bench/web.py runs under gunicorn: csat's pages and raw baselines.

``csat_app()`` is :func:`csat.app.create_app` (settings from ``CSAT_*``).
``baseline_app()`` is a bare Flask app with a hello-world GET and a POST that
does what a submit minimally must: claim the token with one raw ``UPDATE`` and
insert one row, in one transaction, on the same database.

``flask_wtf_app()`` is the floor the required stack sets: the bare POST with a
Flask-WTF form in front (CSRF token from the session, one radio field for the
rating, an optional comment), validated before the same claim and insert.
No submit built on Flask-WTF and WTForms can be faster than this one.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, abort, request
from sqlalchemy import text

from csat.db import WRITE_OPTION, create_csat_engine

CLAIM = text("UPDATE bench_token SET claimed = 1 WHERE token_hash = :h AND claimed = 0")
INSERT = text("INSERT INTO bench_answer (token_hash, answer) VALUES (:h, :a)")


def csat_app() -> Flask:
    """csat's pages, configured from the environment."""
    from csat.app import create_app

    return create_app()


def baseline_app() -> Flask:
    """Hello-world GET and a raw claim-and-insert POST."""
    app = Flask("baseline")
    engine = create_csat_engine(os.environ["CSAT_DATABASE_URL"])

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.post("/claim/<token>")
    def claim(token: str) -> tuple[str, int]:
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            if conn.execute(CLAIM, {"h": digest}).rowcount != 1:
                abort(404)
            conn.execute(INSERT, {"h": digest, "a": request.form.get("understood", "")})
        return "", 303

    return app


def flask_wtf_app() -> Flask:
    """The bare claim-and-insert POST behind a minimal Flask-WTF form."""
    from flask_wtf import FlaskForm
    from flask_wtf.csrf import generate_csrf
    from wtforms import RadioField, TextAreaField
    from wtforms.validators import Length, Optional

    class Answer(FlaskForm):
        understood = RadioField(choices=[(str(n), str(n)) for n in range(1, 6)])
        comment = TextAreaField(validators=[Optional(), Length(max=2000)])

    app = Flask("flask_wtf")
    app.config["SECRET_KEY"] = os.environ["CSAT_SECRET_KEY"]
    engine = create_csat_engine(os.environ["CSAT_DATABASE_URL"])

    @app.get("/csrf")
    def csrf() -> str:
        return generate_csrf()  # stored in the session, whose cookie the client keeps

    @app.post("/form/<token>")
    def form(token: str) -> tuple[str, int]:
        answer = Answer()
        if not answer.validate():
            abort(400)
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            if conn.execute(CLAIM, {"h": digest}).rowcount != 1:
                abort(404)
            conn.execute(INSERT, {"h": digest, "a": answer.understood.data})
        return "", 303

    return app
