"""A tiny host helpdesk (Flask + flask-sqlalchemy) that uses csat's pages.

It has its own ticket model, mounts csat's blueprint at ``/feedback``,
invites the customer when a ticket is resolved, and lets its team lead work
the follow-up cases in csat's console (``/csat/follow-ups``): its access rule
admits whoever signed in to the helpdesk as a lead.

Run with ``make serve`` (or ``python examples/helpdesk_app.py --db sqlite:///demo.db``)
and open http://127.0.0.1:5000/. A relative SQLite path means the same file as
for ``csat`` (relative to the current directory, so ``make demo``'s
``demo.db``), not Flask-SQLAlchemy's ``instance/`` folder.

The demo's only lead is ``demo``, with the password in the environment variable
``HELPDESK_DEMO_PASSWORD`` (``make serve`` sets one and prints it); without it
nobody can sign in: there is no default password. A real helpdesk has its own
users and login (Flask-Login, say) and passes its own rule, e.g.
``console_access=lambda: current_user.has_role("lead") and current_user.name``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, redirect, render_template_string, session, url_for
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField

from csat.demo import DEMO_SECRET_KEY
from csat.storage.migrate import upgrade
from csat.web import CSAT, get_service

#: The demo's team lead; the password comes from HELPDESK_DEMO_PASSWORD.
DEMO_LEAD = "demo"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Ticket(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "helpdesk_ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    customer: Mapped[str]
    agent: Mapped[str]
    team: Mapped[str]
    locale: Mapped[str] = mapped_column(default="en")
    resolved: Mapped[bool] = mapped_column(default=False)
    survey_url: Mapped[str | None]


class LoginForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name")
    password = PasswordField("Password")


STYLE = """
body { font: 1rem/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff;
       max-width: 42rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
ul { list-style: none; padding: 0; margin: 0; }
li { border: 1px solid #c8c8c8; border-radius: .4rem; padding: .6rem .8rem; margin: 0 0 .6rem;
     overflow-wrap: anywhere; }
a { color: #0b57a4; }
a:focus-visible, button:focus-visible { outline: 3px solid #0b57a4; outline-offset: 2px; }
form { margin: .4rem 0 0; }
button { font: inherit; color: #fff; background: #0b57a4; border: 0; border-radius: .3rem;
         padding: .5rem 1rem; min-height: 2.75rem; cursor: pointer; }
button:hover { background: #08437e; }
label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
input { font: inherit; width: 100%; max-width: 20rem; min-height: 2.75rem; padding: .4rem;
        border: 2px solid #5f5f5f; border-radius: .3rem; }
.error { color: #b3261e; font-weight: 600; }
nav { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; }
nav a { display: inline-flex; align-items: center; min-height: 2.75rem; }
"""

PAGE = f"""<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Helpdesk</title>
<style>{STYLE}</style>
<main>"""
PAGE += """<h1>Helpdesk</h1>
<nav><a href="{{ url_for('csat_console.cases') }}">Follow-up cases (team lead)</a>
{% if lead %}<span>Signed in as {{ lead }}</span>
<form method="post" action="{{ url_for('logout') }}"><button>Sign out</button></form>
{% else %}<a href="{{ url_for('login') }}">Sign in as team lead</a>{% endif %}</nav>
<h2>Tickets</h2><ul>
{% for t in tickets %}<li>#{{ t.id }} {{ t.title }} ({{ t.customer }}, {{ t.agent }})
{% if t.resolved %}resolved – survey: <a href="{{ t.survey_url }}">{{ t.survey_url }}</a>
{% else %}<form method="post" action="{{ url_for('resolve', ticket_id=t.id) }}">
<button>Resolve</button></form>{% endif %}</li>{% endfor %}</ul>
</main>"""

LOGIN = f"""<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title>
<style>{STYLE}</style>
<main>"""
LOGIN += """<h1>Sign in as team lead</h1>
{% if not enabled %}<p class="error">No lead can sign in: start the helpdesk with
HELPDESK_DEMO_PASSWORD set (make serve does).</p>{% endif %}
{% if refused %}<p class="error" role="alert">Wrong name or password.</p>{% endif %}
<form method="post" action="{{ url_for('login') }}">{{ form.hidden_tag() }}
<label for="name">Name</label>{{ form.name(autocomplete="username") }}
<label for="password">Password</label>{{ form.password(autocomplete="current-password") }}
<p><button>Sign in</button></p></form>
<p><a href="{{ url_for('index') }}">Back to the tickets</a></p>
</main>"""


def from_current_directory(database_url: str) -> str:
    """``database_url`` with a relative SQLite path made absolute from the current directory.

    Flask-SQLAlchemy would put a relative SQLite file into the app's
    ``instance/`` folder; ``csat`` and ``make demo`` read it from where they run.
    """
    url = make_url(database_url)
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return database_url
    if path.startswith("file:") or Path(path).is_absolute():
        return database_url
    return url.set(database=str(Path(path).resolve())).render_as_string(hide_password=False)


def create_app(
    database_url: str = "sqlite:///demo.db", port: int = 5000, lead_password: str | None = None
) -> Flask:
    """The helpdesk app on ``database_url`` (its tables and csat's), its links on ``port``;
    the lead ``demo`` signs in with ``lead_password`` (``None``: nobody can)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="demo-only-flask-secret",
        SQLALCHEMY_DATABASE_URI=from_current_directory(database_url),
        CSAT_SECRET_KEY=DEMO_SECRET_KEY,  # the key of `csat demo`'s links
        CSAT_URL_PREFIX="/feedback",
        CSAT_BASE_URL=f"http://127.0.0.1:{port}/feedback",
        CSAT_DELAY_SECONDS=0,
        CSAT_COOLDOWN_DAYS=0,
    )
    db.init_app(app)
    # csat uses the helpdesk's engine; its console admits the lead signed in here,
    # by name (for the cases' history), and answers 403 to everyone else.
    CSAT(app, db=db, console_access=lambda: session.get("lead"))
    lead_hash = None if not lead_password else generate_password_hash(lead_password)
    with app.app_context():
        upgrade(db.engine)  # csat's tables on that same engine (idempotent)
        db.create_all()
        if not db.session.query(Ticket).count():
            db.session.add_all(
                [
                    Ticket(
                        title="VPN drops",
                        customer="kim@example.com",
                        agent="ana",
                        team="1st Level",
                        locale="de",
                    ),
                    Ticket(
                        title="Printer jam",
                        customer="lee@example.com",
                        agent="ben",
                        team="1st Level",
                        locale="en",
                    ),
                ]
            )
            db.session.commit()

    @app.get("/")
    def index() -> str:
        tickets = db.session.query(Ticket).order_by(Ticket.id).all()
        return render_template_string(PAGE, tickets=tickets, lead=session.get("lead"))

    @app.route("/login", methods=["GET", "POST"])
    def login() -> tuple[str, int] | Response:
        """The demo's lead signs in (a real helpdesk's login also limits failed attempts)."""
        form = LoginForm()
        refused = False
        if form.validate_on_submit():
            name, password = form.name.data or "", form.password.data or ""
            if lead_hash and name == DEMO_LEAD and check_password_hash(lead_hash, password):
                session.clear()  # a fresh session for the signed-in lead
                session["lead"] = DEMO_LEAD
                return redirect(url_for("csat_console.cases"), 303)
            refused = True
        page = render_template_string(LOGIN, form=form, refused=refused, enabled=bool(lead_hash))
        return page, 400 if refused else 200

    @app.post("/logout")
    def logout() -> Response:
        session.clear()
        return redirect(url_for("index"), 303)

    @app.post("/tickets/<int:ticket_id>/resolve")
    def resolve(ticket_id: int) -> Response:
        ticket = db.get_or_404(Ticket, ticket_id)
        customer, agent, team, locale = ticket.customer, ticket.agent, ticket.team, ticket.locale
        # csat writes in its own transaction; on SQLite, end the helpdesk's read first.
        db.session.rollback()
        result = get_service().invite(
            str(ticket_id),
            customer,
            agent=agent,
            team=team,
            channel="ticket",
            resolved_at=datetime.now(UTC),
            locale=locale,
        )
        ticket = db.session.get(Ticket, ticket_id)
        ticket.resolved, ticket.survey_url = True, result.url
        db.session.commit()
        return redirect(url_for("index"), 303)

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite:///demo.db", help="database URL")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    password = os.environ.get("HELPDESK_DEMO_PASSWORD") or None
    if password:
        print(
            f"Team lead console: http://127.0.0.1:{args.port}/csat/follow-ups "
            f"(sign in as {DEMO_LEAD!r} with the password {password!r}; for this demo only)",
            file=sys.stderr,
            flush=True,
        )
    create_app(args.db, args.port, password).run(host="127.0.0.1", port=args.port)
