"""csat: post-ticket customer satisfaction surveys for IT helpdesks.

Did customers feel *understood* as well as *helped*? csat invites the
customer of a resolved ticket to a short survey, stores the answers and
reports on both every month.

The core API works without Flask::

    from csat import SurveyService
    service = SurveyService("sqlite:///csat.db", secret_key="...")
    result = service.invite("T-1", "kim@example.com", agent="ana", team="1st Level",
                            channel="phone", resolved_at=resolved)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .clock import FixedClock
    from .config import DEFAULTS, Settings
    from .delivery.report import SendReport
    from .delivery.senders import CallableSender, DirectorySender, SMTPSender
    from .errors import (
        AnswerProblem,
        AnswerValidationError,
        CancelledTokenError,
        ConfigurationError,
        CSATError,
        DatabaseError,
        DeliveryError,
        ExpiredTokenError,
        InvalidAddressError,
        InvalidInputError,
        NaiveDatetimeError,
        PermanentDeliveryError,
        ResponseFinalError,
        SenderConfigurationError,
        SurveyDefinitionError,
        TokenError,
        TransientDeliveryError,
        UnknownSurveyError,
        UnknownTokenError,
    )
    from .ext import CSAT
    from .invites import CHANNELS, InviteRequest, InviteResult
    from .models import metadata
    from .privacy import ErasureResult
    from .responses import RecordResult, SurveyView
    from .rules import Decision, Reason, Status
    from .service import SurveyService
    from .survey import Choice, DimensionScores, Question, Survey
    from .survey_toml import load_survey, loads_survey, stock_survey, stock_survey_keys

# The public names are loaded on first use (PEP 562), so ``import csat`` in a
# host app costs almost nothing until csat is actually used.
_LAZY = {
    "FixedClock": "clock",
    "DEFAULTS": "config",
    "Settings": "config",
    "CallableSender": "delivery.senders",
    "DirectorySender": "delivery.senders",
    "SMTPSender": "delivery.senders",
    "SendReport": "delivery.report",
    "DeliveryError": "errors",
    "PermanentDeliveryError": "errors",
    "SenderConfigurationError": "errors",
    "TransientDeliveryError": "errors",
    "AnswerProblem": "errors",
    "AnswerValidationError": "errors",
    "CSATError": "errors",
    "CancelledTokenError": "errors",
    "ConfigurationError": "errors",
    "DatabaseError": "errors",
    "ExpiredTokenError": "errors",
    "InvalidAddressError": "errors",
    "InvalidInputError": "errors",
    "NaiveDatetimeError": "errors",
    "ResponseFinalError": "errors",
    "SurveyDefinitionError": "errors",
    "TokenError": "errors",
    "UnknownSurveyError": "errors",
    "UnknownTokenError": "errors",
    "CSAT": "ext",
    "CHANNELS": "invites",
    "InviteRequest": "invites",
    "InviteResult": "invites",
    "metadata": "models",
    "ErasureResult": "privacy",
    "RecordResult": "responses",
    "SurveyView": "responses",
    "Decision": "rules",
    "Reason": "rules",
    "Status": "rules",
    "SurveyService": "service",
    "Choice": "survey",
    "DimensionScores": "survey",
    "Question": "survey",
    "Survey": "survey",
    "load_survey": "survey_toml",
    "loads_survey": "survey_toml",
    "stock_survey": "survey_toml",
    "stock_survey_keys": "survey_toml",
}

__version__ = "0.1.0.dev0"

__all__ = [
    "CHANNELS",
    "CSAT",
    "DEFAULTS",
    "AnswerProblem",
    "AnswerValidationError",
    "CSATError",
    "CallableSender",
    "CancelledTokenError",
    "Choice",
    "ConfigurationError",
    "DatabaseError",
    "Decision",
    "DeliveryError",
    "DimensionScores",
    "DirectorySender",
    "ErasureResult",
    "ExpiredTokenError",
    "FixedClock",
    "InvalidAddressError",
    "InvalidInputError",
    "InviteRequest",
    "InviteResult",
    "NaiveDatetimeError",
    "PermanentDeliveryError",
    "Question",
    "Reason",
    "RecordResult",
    "ResponseFinalError",
    "SMTPSender",
    "SendReport",
    "SenderConfigurationError",
    "Settings",
    "Status",
    "Survey",
    "SurveyDefinitionError",
    "SurveyService",
    "SurveyView",
    "TokenError",
    "TransientDeliveryError",
    "UnknownSurveyError",
    "UnknownTokenError",
    "load_survey",
    "loads_survey",
    "metadata",
    "stock_survey",
    "stock_survey_keys",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'csat' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
