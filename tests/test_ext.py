"""The Flask extension: setup, per-app state, host database, overrides, flask csat."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.cli import FlaskGroup
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from csat import FixedClock
from csat.errors import DatabaseError
from csat.storage import migrate
from csat.storage.engine import masked_url
from csat.storage.models import Invitation, metadata
from csat.web import CSAT, get_service, get_state
from csat.web.views import blueprint

from .conftest import SECRET
from .web import invite, make_app


def test_init_app_later_keeps_state_per_app(engine: Engine, clock: FixedClock) -> None:
    ext = CSAT(session=engine, clock=clock)
    one, two = Flask("one"), Flask("two")
    for app in (one, two):
        app.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET)
        ext.init_app(app)
    assert not hasattr(ext, "app")
    assert get_state(one) is not get_state(two)
    assert get_service(one).engine is engine
    assert one.config["CSAT_URL_PREFIX"] == "/survey"
    assert "csat.survey" in {rule.endpoint for rule in one.url_map.iter_rules()}


def test_registering_twice_says_what_to_do(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock)
    with pytest.raises(RuntimeError, match=r"once per app.*app\.extensions\['csat'\]"):
        CSAT(app)


def test_not_set_up_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"CSAT\(app\)"):
        get_state(Flask("bare"))


def test_custom_prefix_and_own_mounting(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock, CSAT_URL_PREFIX="/feedback/")
    token = invite(app)
    assert app.test_client().get(f"/feedback/{token}").status_code == 200
    assert app.test_client().get(f"/survey/{token}").status_code == 404

    host = Flask("host")
    host.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET)
    CSAT(host, session=sessionmaker(engine), clock=clock, register_blueprint=False)
    assert "csat.survey" not in {r.endpoint for r in host.url_map.iter_rules()}
    host.register_blueprint(blueprint, url_prefix="/q")
    assert host.test_client().get(f"/q/{token}").status_code == 200


def test_flask_sqlalchemy_host_database(tmp_path: Path, clock: FixedClock) -> None:
    app = Flask("helpdesk")
    app.config.update(
        SECRET_KEY="s",
        CSAT_SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.db'}",
    )
    db = SQLAlchemy(app)
    CSAT(app, db=db, clock=clock)
    with app.app_context():
        assert get_service(app).engine is db.engine
        metadata.create_all(db.engine)
    token = invite(app)
    assert app.test_client().get(f"/survey/{token}").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_own_engine_from_config(tmp_path: Path) -> None:
    app = Flask("own")
    url = f"sqlite:///{tmp_path / 'own.db'}"
    app.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET, CSAT_DATABASE_URL=url)
    CSAT(app)
    service = get_service(app)
    assert str(service.engine.url) == url
    service.engine.dispose()


def test_host_overrides_a_template_with_its_own_folder(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    (templates / "csat").mkdir(parents=True)
    (templates / "layout.html").write_text(
        "<!doctype html><title>{% block title %}{% endblock %}</title>"
        "<header>ACME Helpdesk</header>{% block content %}{% endblock %}"
    )
    (templates / "csat" / "thanks.html").write_text(
        '{% extends csat_base %}{% block content %}<p class="acme">{{ _("Thank you!") }}</p>'
        "{% endblock %}"
    )
    app = Flask("acme", template_folder=str(templates))
    app.config.update(
        SECRET_KEY="s", CSAT_SECRET_KEY=SECRET, CSAT_BASE_TEMPLATE="layout.html", TESTING=True
    )
    CSAT(app, session=engine, clock=clock)
    token = invite(app, locale="de")
    client = app.test_client()
    survey = client.get(f"/survey/{token}")
    assert "<header>ACME Helpdesk</header>" in survey.text and "Antworten senden" in survey.text
    get_service(app).record(token, {"understood": 4})
    thanks = client.get(f"/survey/{token}/thanks")
    assert '<p class="acme">Vielen Dank!</p>' in thanks.text
    assert "<header>ACME Helpdesk</header>" in thanks.text


def test_host_overrides_the_question_markup(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    (templates / "csat").mkdir(parents=True)
    (templates / "csat" / "_question.html").write_text(
        '<p class="acme-q" data-key="{{ q.key }}">{{ field.label.text }}</p>'
    )
    app = Flask("acme", template_folder=str(templates))
    app.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET, TESTING=True)
    CSAT(app, session=engine, clock=clock)
    token = invite(app, locale="en")
    for _ in range(2):  # a template like any other: the same page every time
        page = app.test_client().get(f"/survey/{token}?understood=2")
        assert page.text.count('<p class="acme-q"') == 7
        assert '<p class="acme-q" data-key="understood">Did you feel' in page.text


def test_flask_csat_command_group(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    app = Flask("cli")
    app.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET, CSAT_DATABASE_URL=url)
    CSAT(app)
    runner = app.test_cli_runner()
    flask = FlaskGroup()  # the `flask` command: it finds csat's group by its entry point
    done = runner.invoke(flask, ["csat", "db", "upgrade"], env={"CSAT_DATABASE_URL": None})
    assert done.exit_code == 0, done.output
    assert "(head)" in done.output
    invited = runner.invoke(
        flask,
        [
            "csat",
            "invite",
            "--ticket",
            "T-9",
            "--email",
            "kim@example.com",
            "--agent",
            "ana",
            "--team",
            "1st",
            "--channel",
            "phone",
        ],
    )
    assert invited.exit_code == 0, invited.output
    assert invited.output.startswith("http://localhost:5000/survey/")
    assert "CSAT_SECRET_KEY" not in os.environ  # the app's config was lent, not left
    get_service(app).engine.dispose()


def test_bodies_are_bounded_before_a_host_wide_csrf_protect_reads_them(
    engine: Engine, clock: FixedClock
) -> None:
    app = Flask("host")
    app.config.update(SECRET_KEY="host-session-secret", CSAT_SECRET_KEY=SECRET)
    CSRFProtect(app)
    CSAT(app, session=engine, clock=clock)
    token = invite(app)
    client = app.test_client()
    huge = client.post(f"/survey/{token}", data={"comment": "x" * 1_000_000})
    assert huge.status_code == 413  # not CSRFProtect's 400 after reading it all
    small = client.post(f"/survey/{token}", data={"comment": "x"})
    assert small.status_code == 400


def _host(url: str, clock: FixedClock, **config: Any) -> tuple[Flask, SQLAlchemy, Engine]:
    """A Flask-SQLAlchemy host on ``url`` with ``CSAT(app, db=db)``, and its engine."""
    app = Flask("helpdesk", **config)
    app.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET, SQLALCHEMY_DATABASE_URI=url)
    db = SQLAlchemy(app)
    CSAT(app, db=db, clock=clock)
    with app.app_context():
        engine: Engine = db.engine
    return app, db, engine


def test_flask_csat_db_upgrade_migrates_the_extensions_engine(
    fresh_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """`CSAT(app, db=db)`: the error names the host's database, `flask csat` migrates it."""
    app, _, engine = _host(fresh_url, clock)
    shown = masked_url(engine.url)
    with pytest.raises(DatabaseError) as info:
        invite(app)
    assert str(info.value).startswith(f"database {shown}: ")
    assert "`flask csat db upgrade`" in str(info.value)
    assert "csat.storage.migrate.upgrade(engine)" in str(info.value)
    decoy = tmp_path / "csat.db"  # what CSAT_DATABASE_URL names; it must stay untouched
    env = {"CSAT_DATABASE_URL": f"sqlite:///{decoy}"}
    runner = app.test_cli_runner()
    done = runner.invoke(FlaskGroup(), ["csat", "db", "upgrade"], env=env)
    assert (done.exit_code, done.output) == (0, f"{shown}: revision {migrate.head()} (head)\n")
    assert migrate.current(engine) == migrate.head()
    current = runner.invoke(FlaskGroup(), ["csat", "db", "current"], env=env)
    assert current.output == f"{migrate.head()} (head)\n"
    args = ["csat", "invite", "--ticket", "T-9", "--email", "kim@example.com", "--agent", "ana",
            "--team", "1st", "--channel", "phone"]  # fmt: skip
    invited = runner.invoke(FlaskGroup(), args, env=env)
    assert invited.exit_code == 0, invited.output
    assert not decoy.exists()
    token = invite(app)  # the pages and the service on the host's database
    assert app.test_client().get(f"/survey/{token}").status_code == 200
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Invitation)) == 2
    explicit = runner.invoke(
        FlaskGroup(), ["csat", "db", "current", "--db", env["CSAT_DATABASE_URL"]]
    )
    assert explicit.output == "none (run `csat db upgrade`)\n"  # --db names another database
    engine.dispose()


def test_flask_csat_db_upgrade_finds_flask_sqlalchemys_instance_folder(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A relative SQLite URL is in the app's instance/ folder: that file gets the tables."""
    app, _, engine = _host("sqlite:///host.db", clock, instance_path=str(tmp_path / "instance"))
    done = app.test_cli_runner().invoke(FlaskGroup(), ["csat", "db", "upgrade"])
    assert done.exit_code == 0, done.output
    assert migrate.current(f"sqlite:///{tmp_path / 'instance' / 'host.db'}") == migrate.head()
    assert app.test_client().get(f"/survey/{invite(app)}").status_code == 200
    engine.dispose()
