"""The staff console: team leads work the follow-up cases (list, case, claim,
note, close), under ``CSAT_CONSOLE_PREFIX`` (``/csat``).

Never open by default: a host passes ``CSAT(app, console_access=rule)``
(:mod:`.access`), or the users of ``CSAT_CONSOLE_USERS`` sign in; otherwise
every console page answers 403 and says how access is given.
"""

from __future__ import annotations

from . import live as _live  # noqa: F401 - the live view's routes on the blueprint
from .access import STAFF, LoginLimiter, PasswordLogin, console_user
from .views import blueprint

__all__ = ["STAFF", "LoginLimiter", "PasswordLogin", "blueprint", "console_user"]
