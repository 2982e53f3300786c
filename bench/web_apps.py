"""The WSGI apps bench/web.py runs under gunicorn: csat's pages and an idiomatic baseline.

``csat_app()`` is :func:`csat.web.create_app` (settings from ``CSAT_*``).

``flask_wtf_app()`` is what a competent developer writes for the same two pages
with the same stack (Flask, Flask-WTF/WTForms, SQLAlchemy Core, Jinja), on
its own two tables in the same database (``BENCH_DATABASE_URL``; session key
``BENCH_SECRET_KEY``):

- the survey page GET looks the token's SHA-256 up with one SELECT, builds the
  seven-question ``FlaskForm`` of the stock survey (a ``RadioField`` per scale
  or choice question, a ``TextAreaField`` for the comment; labels in the
  invitation's language), preselects what the one-click link names
  (``?understood=4``) and renders it with a Jinja template
  (``bench/templates/web/``) into a full HTML page with the CSRF token;
- the submit POST validates the same form with its CSRF token, claims the
  invitation with one UPDATE (not answered, not expired) and stores the
  answers with one INSERT, in one transaction, then redirects (303) to a
  thanks page.

The form classes (one per language) are built once, at start-up, from the
stock survey's definition (``csat.stock_survey``, the same data as
``surveys/post_ticket.toml``), as a developer keeping a form in step with a
survey file would; the widgets render the fields.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

#: The baseline's tables (bench/web.py creates them and its invitations).
metadata = MetaData()
invitations = Table(
    "web_invitation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("ticket_id", String(255), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("answered_at", DateTime),
)
answers = Table(
    "web_answer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("invitation_id", ForeignKey("web_invitation.id"), nullable=False, unique=True),
    Column("answered_at", DateTime, nullable=False),
    Column("understood", Integer, nullable=False),
    Column("respected", Integer),
    Column("solved", String(16)),
    Column("helped", Integer),
    Column("effort", Integer),
    Column("overall", Integer),
    Column("comment", Text),
)
COMMENT_MAX_LENGTH = 2000
#: The page's own words (the questions come from the survey definition).
TEXTS = {
    "en": {
        "required": "required",
        "optional": "Optional, at most 2,000 characters.",
        "send": "Send answers",
        "unsubscribe": "No more surveys for me",
        "thanks": "Thank you for your answers!",
    },
    "de": {
        "required": "Pflicht",
        "optional": "Freiwillig, höchstens 2.000 Zeichen.",
        "send": "Antworten senden",
        "unsubscribe": "Keine Umfragen mehr für mich",
        "thanks": "Vielen Dank für Ihre Antworten!",
    },
}


def token_hash(token: str) -> str:
    """The stored form of a survey token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csat_app() -> Flask:
    """csat's pages, configured from the environment."""
    from csat.web import create_app

    return create_app()


def _survey_forms() -> tuple[Any, dict[str, type[Any]]]:
    """The stock survey and its form class in each of its languages."""
    from flask_wtf import FlaskForm
    from wtforms import Field, RadioField, TextAreaField
    from wtforms.validators import InputRequired, Length, Optional

    from csat import stock_survey

    survey = stock_survey("post_ticket")
    forms: dict[str, type[Any]] = {}
    for locale in survey.locales:
        fields: dict[str, Field] = {}
        for q in survey.questions:
            label = q.text[locale]
            if q.type == "text":
                validators = [Optional(), Length(max=COMMENT_MAX_LENGTH)]
                fields[q.key] = TextAreaField(label, validators=validators)
                continue
            if q.type == "scale":
                choices: list[tuple[Any, str]] = [(v, str(v)) for v in range(q.min, q.max + 1)]
                coerce: Any = int
            else:
                choices = [(c.value, c.label[locale]) for c in q.choices]
                coerce = str
            required = InputRequired() if q.required else Optional()
            fields[q.key] = RadioField(label, choices=choices, coerce=coerce, validators=[required])
        forms[locale] = type(f"SurveyForm_{locale}", (FlaskForm,), fields)
    return survey, forms


def flask_wtf_app() -> Flask:
    """The survey page and its submit, as an idiomatic Flask + Flask-WTF app."""
    from bench.common import baseline_engine

    survey, forms = _survey_forms()
    choice_keys = {q.key for q in survey.questions if q.type != "text"}
    answer_keys = [q.key for q in survey.questions]

    app = Flask(__name__)  # templates from bench/templates
    app.config["SECRET_KEY"] = os.environ["BENCH_SECRET_KEY"]
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    engine = baseline_engine(os.environ["BENCH_DATABASE_URL"])

    def utcnow() -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)

    def page(token: str, locale: str, form: Any, status: int = 200) -> ResponseReturnValue:
        return render_template(
            "web/survey.html",
            survey=survey,
            locale=locale,
            texts=TEXTS[locale],
            form=form,
            token=token,
            limit=COMMENT_MAX_LENGTH,
        ), status

    @app.after_request
    def headers(response: Any) -> Any:
        # The token is in the URL: keep it out of Referer headers and caches.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/survey/<token>")
    def survey_page(token: str) -> ResponseReturnValue:
        with engine.connect() as conn:
            row = conn.execute(
                select(invitations.c.locale, invitations.c.expires_at, invitations.c.answered_at)
                .where(invitations.c.token_hash == token_hash(token))
            ).first()  # fmt: skip
        if row is None:
            abort(404)
        if row.expires_at <= utcnow():
            abort(410)
        if row.answered_at is not None:
            return redirect(url_for("thanks", token=token), 303)
        preselected = {k: v for k, v in request.args.items() if k in choice_keys}
        return page(token, row.locale, forms[row.locale](data=preselected))

    @app.post("/survey/<token>")
    def submit(token: str) -> ResponseReturnValue:
        # Validation is the same in every language; the invitation's language is
        # looked up only to show the form again.
        form = forms[survey.locales[0]]()
        if not form.validate():
            with engine.connect() as conn:
                locale = conn.scalar(
                    select(invitations.c.locale).where(
                        invitations.c.token_hash == token_hash(token)
                    )
                )
            if locale is None:
                abort(404)
            form = forms[locale]()
            form.validate()
            return page(token, locale, form, 400)
        now = utcnow()
        with engine.begin() as conn:
            invitation_id = conn.execute(
                update(invitations)
                .where(
                    invitations.c.token_hash == token_hash(token),
                    invitations.c.answered_at.is_(None),
                    invitations.c.expires_at > now,
                )
                .values(answered_at=now)
                .returning(invitations.c.id)
            ).scalar()
            if invitation_id is None:
                abort(404)  # unknown, expired or answered: the transaction rolls back
            data = form.data
            values = {key: data[key] or None for key in answer_keys}
            conn.execute(
                insert(answers).values(invitation_id=invitation_id, answered_at=now, **values)
            )
        return redirect(url_for("thanks", token=token), 303)

    @app.get("/survey/<token>/thanks")
    def thanks(token: str) -> ResponseReturnValue:
        return render_template("web/thanks.html", texts=TEXTS["en"], locale="en")

    @app.get("/survey/<token>/unsubscribe")
    def unsubscribe(token: str) -> ResponseReturnValue:
        return render_template("web/thanks.html", texts=TEXTS["en"], locale="en")

    return app
