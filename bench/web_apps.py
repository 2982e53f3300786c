"""The WSGI apps bench/web.py runs under gunicorn: csat's pages and raw baselines.

``csat_app()`` is :func:`csat.app.create_app` (settings from ``CSAT_*``).
``baseline_app()`` is a bare Flask app with a hello-world GET and a POST that
does what a submit minimally must: claim the token with one raw ``UPDATE`` and
insert one row, in one transaction, on the same database.

``flask_wtf_app()`` is the floor the required stack sets: the bare POST with a
plain Flask-WTF form in front (CSRF token from the session, the stock survey's
seven questions as six radio fields and a text area), validated before the
same claim and insert. A submit of that survey built on Flask-WTF and
WTForms does at least this much work.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, abort, request
from sqlalchemy import text

from csat.storage.engine import WRITE_OPTION, create_csat_engine

CLAIM = text("UPDATE bench_token SET claimed = 1 WHERE token_hash = :h AND claimed = 0")
INSERT = text("INSERT INTO bench_answer (token_hash, answer) VALUES (:h, :a)")


def csat_app() -> Flask:
    """csat's pages, configured from the environment."""
    from csat.web import create_app

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
    """The bare claim-and-insert POST behind a plain Flask-WTF form with the
    stock survey's questions (a radio field each, the comment a text area)."""
    from flask_wtf import FlaskForm
    from flask_wtf.csrf import generate_csrf
    from wtforms import Field, RadioField, TextAreaField
    from wtforms.validators import DataRequired, Length, Optional

    from csat import stock_survey

    fields: dict[str, Field] = {}
    for question in stock_survey("post_ticket").questions:
        if question.type == "text":
            fields[question.key] = TextAreaField(validators=[Optional(), Length(max=2000)])
            continue
        if question.type == "choice":
            values: list[object] = [c.value for c in question.choices]
        else:
            values = list(range(question.min or 1, (question.max or 5) + 1))
        required = DataRequired() if question.required else Optional()
        fields[question.key] = RadioField(
            choices=[(str(v), str(v)) for v in values], validators=[required]
        )
    answer_form = type("Answer", (FlaskForm,), fields)

    app = Flask("flask_wtf")
    app.config["SECRET_KEY"] = os.environ["CSAT_SECRET_KEY"]
    engine = create_csat_engine(os.environ["CSAT_DATABASE_URL"])

    @app.get("/csrf")
    def csrf() -> str:
        return generate_csrf()  # stored in the session, whose cookie the client keeps

    @app.post("/form/<token>")
    def form(token: str) -> tuple[str, int]:
        answer = answer_form()
        if not answer.validate():
            abort(400)
        digest = hashlib.sha256(token.encode()).hexdigest()
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            if conn.execute(CLAIM, {"h": digest}).rowcount != 1:
                abort(404)
            conn.execute(INSERT, {"h": digest, "a": answer.understood.data})
        return "", 303

    return app
