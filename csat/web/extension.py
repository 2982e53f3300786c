"""The Flask extension: :class:`CSAT` mounts the survey pages on a host app.

::

    from flask import Flask
    from csat.web import CSAT

    app = Flask(__name__)
    app.config.update(SECRET_KEY="...", CSAT_SECRET_KEY="...",
                      CSAT_DATABASE_URL="postgresql+psycopg://csat@db/helpdesk")
    csat = CSAT(app)                       # or CSAT(); csat.init_app(app)
    csat.service(app).invite(...)          # the core API on the same database

The staff console (:mod:`csat.web.console`) is mounted at ``CSAT_CONSOLE_PREFIX``;
``CSAT(app, console_access=lambda: current_user.has_role("lead"))`` says who may
open it.

The extension keeps no state itself; each app's state lives in
``app.extensions["csat"]`` (a :class:`CSATState`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..clock import Clock, utcnow
from ..config import DEFAULTS, Settings
from ..service import SurveyService
from ..survey.model import Survey
from .state import ConsoleAccess, CSATState, get_state

_WEB_KEYS = (
    "CSAT_URL_PREFIX",
    "CSAT_BASE_TEMPLATE",
    "CSAT_CONTENT_SECURITY_POLICY",
    "CSAT_WEBHOOK_SECRET",
    "CSAT_WEBHOOK_MAX_AGE_SECONDS",
)


def _bind(
    app: Flask, db: Any, session: sessionmaker[Session] | Engine | None, settings: Settings
) -> str | Engine | sessionmaker[Session]:
    """The host's engine or sessionmaker when given, else ``CSAT_DATABASE_URL``."""
    if session is not None:
        return session
    if db is not None:  # flask-sqlalchemy: its engine needs an app context
        with app.app_context():
            engine: Engine = db.engine
        return engine
    return settings.database_url


def _harden_session_cookie(app: Flask, settings: Settings) -> None:
    """The login of ``CSAT_CONSOLE_USERS`` lives in Flask's session: its cookie is
    HttpOnly, SameSite=Lax (or the app's Strict) and, unless
    ``CSAT_CONSOLE_SECURE_COOKIE`` is false, Secure. Never weaker than the app's."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") != "Strict":
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if settings.console_secure_cookie:
        app.config["SESSION_COOKIE_SECURE"] = True


class CSAT:
    """csat's Flask extension.

    :param app: the app to set up now; or call :meth:`init_app` later.
    :param db: a flask-sqlalchemy ``SQLAlchemy`` object whose engine to use.
    :param session: a SQLAlchemy ``sessionmaker`` (or ``Engine``) to use.
        Without ``db`` and ``session``, csat opens ``CSAT_DATABASE_URL``.
    :param register_blueprint: ``False`` leaves mounting :data:`csat.web.views.blueprint`
        to the host (``app.register_blueprint(blueprint, url_prefix=...)``).
    :param surveys: custom surveys to register besides the stock ones.
    :param clock: the current time (inject a fixed clock in tests).
    :param console_access: who may open the staff console, asked on every console
        request: a false value refuses it (403), ``True`` lets it in as "staff",
        a string as the user of that name. Without it the users of
        ``CSAT_CONSOLE_USERS`` sign in on ``{CSAT_CONSOLE_PREFIX}/login``; with
        neither, the console refuses everyone.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        db: Any = None,
        session: sessionmaker[Session] | Engine | None = None,
        register_blueprint: bool = True,
        surveys: Iterable[Survey] = (),
        clock: Clock = utcnow,
        console_access: ConsoleAccess | None = None,
    ) -> None:
        if console_access is not None and not callable(console_access):
            raise TypeError("console_access must be a callable, e.g. lambda: current_user.is_lead")
        self.db = db
        self.session = session
        self.register_blueprint = register_blueprint
        self.surveys = tuple(surveys)
        self.clock = clock
        self.console_access = console_access
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Set csat up on ``app``: settings, database, translations, pages."""
        if "csat" in app.extensions:
            raise RuntimeError(
                "csat is already set up on this app. Call CSAT().init_app(app) once per app; "
                "use csat.web.get_service() or app.extensions['csat'] to reach it."
            )
        from flask_babel import Babel

        from . import hooks, views, webhook
        from .console import views as console_views
        from .console.access import PasswordLogin
        from .forms import check_field_names

        csrf_field = str(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        for survey in self.surveys:  # a clash fails here, not on a customer's page
            check_field_names(survey, csrf_field)
        for key in _WEB_KEYS:
            app.config.setdefault(key, DEFAULTS[key])
        settings = Settings.from_mapping(app.config)
        service = SurveyService(
            _bind(app, self.db, self.session, settings),
            settings=settings,
            clock=self.clock,
            surveys=self.surveys,
        )
        access = self.console_access
        if access is None and settings.console_users:
            access = PasswordLogin(settings.console_users, service.clock)
            _harden_session_cookie(app, settings)
        secret = app.config["CSAT_WEBHOOK_SECRET"]
        app.extensions["csat"] = CSATState(
            service=service,
            url_prefix=str(app.config["CSAT_URL_PREFIX"]).rstrip("/"),
            base_template=str(app.config["CSAT_BASE_TEMPLATE"]),
            content_security_policy=str(app.config["CSAT_CONTENT_SECURITY_POLICY"]),
            webhook_secret=str(secret).encode() if secret else None,
            webhook_max_age=float(app.config["CSAT_WEBHOOK_MAX_AGE_SECONDS"]),
            console_access=access,
            hooks=hooks.setup(service),
        )
        if "babel" not in app.extensions:
            Babel(app)
        csrf = app.extensions.get("csrf")
        if csrf is not None:  # a host-wide CSRFProtect: these check themselves
            csrf.exempt(views.unsubscribe)
            csrf.exempt(webhook.resolved)
            csrf.exempt(hooks.receive)
        if self.register_blueprint:
            app.register_blueprint(views.blueprint, url_prefix=app.extensions["csat"].url_prefix)
        app.register_blueprint(console_views.blueprint, url_prefix=settings.console_prefix)

    @staticmethod
    def service(app: Flask | None = None) -> SurveyService:
        """The :class:`~csat.SurveyService` of ``app`` (default: the current app)."""
        return get_state(app).service
