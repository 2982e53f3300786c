"""What the extension keeps per app (``app.extensions["csat"]``), and how views reach it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from ..hooks import Hook
from ..service import SurveyService

#: Who may open the staff console, asked on every console request: a false
#: value refuses (403), ``True`` lets the request in as "staff", a string lets
#: it in as the user of that name (for the cases' history).
ConsoleAccess = Callable[[], object]


@dataclass(frozen=True)
class CSATState:
    """What the extension keeps per app (``app.extensions["csat"]``)."""

    service: SurveyService
    url_prefix: str
    base_template: str
    content_security_policy: str
    webhook_secret: bytes | None
    webhook_max_age: float
    #: The helpdesks' webhooks that are on (``/hooks/<name>``), by name.
    hooks: Mapping[str, Hook] = field(default_factory=dict)
    #: The survey page's form class by survey version and locale, made on first
    #: use: the same survey gives the same class, so no request builds it again.
    forms: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False)
    #: The console's access rule: the host's ``console_access``, else the login of
    #: ``CSAT_CONSOLE_USERS`` (a :class:`~csat.web.console.access.PasswordLogin`),
    #: else ``None`` (the console refuses every request).
    console_access: ConsoleAccess | None = field(default=None, compare=False)

    @property
    def console_enabled(self) -> bool:
        """Whether staff can open the console (an access rule or its users are set up)."""
        return self.console_access is not None or bool(self.service.settings.console_users)


def get_state(app: Flask | None = None) -> CSATState:
    """csat's state on ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    try:
        state: CSATState = target.extensions["csat"]
    except KeyError:
        raise RuntimeError(
            "csat is not set up on this app: call CSAT(app) or CSAT().init_app(app) first."
        ) from None
    return state


def get_service(app: Flask | None = None) -> SurveyService:
    """The :class:`~csat.SurveyService` of ``app`` (default: the current app)."""
    return get_state(app).service
