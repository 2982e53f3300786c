"""A tiny host helpdesk (Flask + flask-sqlalchemy) that uses csat's pages.

It has its own ticket model, mounts csat's blueprint at ``/feedback``,
invites the customer when a ticket is resolved, and turns csat's
``follow_up_needed`` signal into callback tasks for the team lead.

Run with ``make serve`` (or ``python examples/helpdesk_app.py --db sqlite:///demo.db``)
and open http://127.0.0.1:5000/. A relative SQLite path means the same file as
for ``csat`` (relative to the current directory, so ``make demo``'s
``demo.db``), not Flask-SQLAlchemy's ``instance/`` folder.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template_string, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.wrappers import Response

from csat.demo import DEMO_SECRET_KEY
from csat.storage.migrate import upgrade
from csat.web import CSAT, get_service
from csat.web.signals import follow_up_needed


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


class CallbackTask(db.Model):  # type: ignore[name-defined,misc]
    """ "Rückruf! Eilt!" - a customer did not feel understood or was not helped."""

    __tablename__ = "helpdesk_callback_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[str] = mapped_column(unique=True)
    agent: Mapped[str]
    team: Mapped[str]
    understood: Mapped[int | None]
    helped: Mapped[int | None]
    comment: Mapped[str | None]


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
"""

PAGE = f"""<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Helpdesk</title>
<style>{STYLE}</style>
<main>"""
PAGE += """<h1>Helpdesk</h1><h2>Tickets</h2><ul>
{% for t in tickets %}<li>#{{ t.id }} {{ t.title }} ({{ t.customer }}, {{ t.agent }})
{% if t.resolved %}resolved – survey: <a href="{{ t.survey_url }}">{{ t.survey_url }}</a>
{% else %}<form method="post" action="{{ url_for('resolve', ticket_id=t.id) }}">
<button>Resolve</button></form>{% endif %}</li>{% endfor %}</ul>
<h2>Callback tasks</h2><ul>
{% for c in tasks %}<li>Ticket {{ c.ticket_id }}: call back ({{ c.agent }}, {{ c.team }}; {#
#}understood {{ c.understood }}, helped {{ c.helped or "–" }}){#
#}{% if c.comment %}: “{{ c.comment }}”{% endif %}</li>{% else %}<li>none</li>{% endfor %}</ul>
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


def create_app(database_url: str = "sqlite:///demo.db", port: int = 5000) -> Flask:
    """The helpdesk app on ``database_url`` (its tables and csat's), its links on ``port``."""
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
    CSAT(app, db=db)  # csat uses the helpdesk's engine
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

    def open_callback_task(sender: Flask, **task: Any) -> None:
        with sender.app_context():
            if db.session.query(CallbackTask).filter_by(ticket_id=task["ticket_id"]).count():
                return  # answers edited back into a follow-up case: the task exists
            db.session.add(
                CallbackTask(
                    ticket_id=task["ticket_id"],
                    agent=task["agent"],
                    team=task["team"],
                    understood=task["understood_score"],
                    helped=task["helped_score"],
                    comment=task["comment"],
                )
            )
            db.session.commit()

    follow_up_needed.connect(open_callback_task, app, weak=False)

    @app.get("/")
    def index() -> str:
        tickets = db.session.query(Ticket).order_by(Ticket.id).all()
        tasks = db.session.query(CallbackTask).order_by(CallbackTask.id).all()
        return render_template_string(PAGE, tickets=tickets, tasks=tasks)

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
    create_app(args.db, args.port).run(host="127.0.0.1", port=args.port)
