"""csat: post-ticket customer satisfaction surveys for IT helpdesks.

Did customers feel *understood* as well as *helped*? csat invites the
customer of a resolved ticket to a short survey, stores the answers and
reports on both every month.

The core API works without Flask::

    from csat import SurveyService
    service = SurveyService("sqlite:///csat.db", secret_key="...")
    result = service.invite("T-1", "kim@example.com", agent="ana", team="1st Level",
                            channel="phone", resolved_at=resolved)

The Flask extension is :class:`csat.web.CSAT`, the senders are in
:mod:`csat.delivery` and every error is in :mod:`csat.errors`.
"""

from __future__ import annotations

from typing import Any

from .answers import RecordResult, SurveyView
from .clock import FixedClock
from .config import DEFAULTS, Settings
from .errors import CSATError
from .invitations import Decision, InviteRequest, InviteResult, Reason, Status
from .service import SurveyService
from .survey import Survey, load_survey, stock_survey

__all__ = [
    "DEFAULTS",
    "CSATError",
    "Decision",
    "FixedClock",
    "InviteRequest",
    "InviteResult",
    "Reason",
    "RecordResult",
    "Settings",
    "Status",
    "Survey",
    "SurveyService",
    "SurveyView",
    "load_survey",
    "stock_survey",
]


def __getattr__(name: str) -> Any:
    # The version is read from the installed distribution only when asked for.
    if name == "__version__":
        from .version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
