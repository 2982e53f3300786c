"""csat's errors as HTTP answers: the status each one means on the web."""

from __future__ import annotations

from ..errors import (
    AnswerValidationError,
    CancelledTokenError,
    CSATError,
    DatabaseError,
    ExpiredTokenError,
    FollowUpNotFoundError,
    FollowUpStateError,
    HookPayloadError,
    InvalidInputError,
    ReportUnavailableError,
    ResponseFinalError,
    SignatureError,
    UnknownTokenError,
)

#: The HTTP status of each error a web request can run into; subclasses share
#: their base class's status.
HTTP_STATUS: dict[type[CSATError], int] = {
    UnknownTokenError: 404,
    ExpiredTokenError: 410,
    CancelledTokenError: 410,
    ResponseFinalError: 409,
    FollowUpNotFoundError: 404,
    FollowUpStateError: 409,
    AnswerValidationError: 400,
    InvalidInputError: 422,
    SignatureError: 401,
    HookPayloadError: 422,
    DatabaseError: 503,
    ReportUnavailableError: 503,
}


def http_status(error: CSATError) -> int:
    """The HTTP status for ``error`` (500 for an error no request should meet)."""
    for kind in type(error).__mro__:
        status = HTTP_STATUS.get(kind)
        if status is not None:
            return status
    return 500
