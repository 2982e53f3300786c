"""The one exception hierarchy of csat, rooted at :class:`CSATError`.

Every error carries the context needed to act on it as attributes, and
errors raised while handling another one are chained (``raise ... from e``).
The Flask layer maps the errors a web request can run into to HTTP answers
(:data:`csat.web.HTTP_STATUS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class CSATError(Exception):
    """Base class of every error csat raises on purpose."""


class ConfigurationError(CSATError):
    """A required setting is missing or has an invalid value."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


class SurveyDefinitionError(CSATError):
    """A survey definition is invalid.

    ``source`` names the file (or ``"<python>"``), ``question`` the question
    key when the problem belongs to one, and ``line`` the line number for
    TOML syntax errors.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "<python>",
        question: str | None = None,
        line: int | None = None,
    ) -> None:
        self.source = source
        self.question = question
        self.line = line
        self.reason = message
        where = source if line is None else f"{source}, line {line}"
        if question is not None:
            where = f"{where}, question {question!r}"
        super().__init__(f"{where}: {message}")


class InvalidInputError(CSATError, ValueError):
    """An argument passed to the API is invalid (``field`` names it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class UnknownSurveyError(InvalidInputError, LookupError):
    """No survey with this key (or version fingerprint) is known."""

    def __init__(self, key: str, known: tuple[str, ...] = ()) -> None:
        self.key = key
        self.known = known
        hint = f" (known: {', '.join(known)})" if known else ""
        super().__init__("survey", f"unknown survey {key!r}{hint}")


class NaiveDatetimeError(InvalidInputError):
    """A datetime without timezone was given where an aware one is required."""

    def __init__(self, field: str) -> None:
        super().__init__(field, "datetime must be timezone-aware (e.g. tzinfo=timezone.utc)")


class InvalidAddressError(InvalidInputError):
    """An email address is malformed or not a single plain address."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        super().__init__("email", f"invalid address {address!r}: {reason}")


@dataclass(frozen=True)
class AnswerProblem:
    """One problem found while validating answers to a survey."""

    question: str
    message: str

    def __str__(self) -> str:
        return f"{self.question}: {self.message}"


class AnswerValidationError(CSATError, ValueError):
    """Answers do not fit the survey version; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[AnswerProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class TokenError(CSATError):
    """Base class for survey tokens that cannot be answered."""


class UnknownTokenError(TokenError):
    """The token does not belong to any answerable invitation (HTTP 404)."""

    def __init__(self) -> None:
        super().__init__("unknown survey link")


class ExpiredTokenError(TokenError):
    """The invitation's validity period has ended (HTTP 410)."""

    def __init__(self) -> None:
        super().__init__("survey link expired")


class CancelledTokenError(TokenError):
    """The invitation was cancelled (ticket reopened, opt-out; HTTP 410).

    The page shown to a customer only says "expired": it gives no hint
    about why.
    """

    def __init__(self) -> None:
        super().__init__("survey link cancelled")


class UnsubscribedTokenError(CancelledTokenError):
    """The invitation was cancelled because its customer opted out (HTTP 410).

    The customer asked for that, so the page says so: they are unsubscribed,
    and the answers they gave (``answered``) are kept.
    """

    def __init__(self, *, answered: bool) -> None:
        self.answered = answered
        TokenError.__init__(self, "survey link cancelled: the customer unsubscribed")


class ResponseFinalError(CSATError):
    """The edit window of a stored response has closed (HTTP 409)."""

    def __init__(self) -> None:
        super().__init__("the answers are final and can no longer be changed")


class FollowUpNotFoundError(InvalidInputError, LookupError):
    """No follow-up case with this id (HTTP 404)."""

    def __init__(self, case_id: object) -> None:
        self.case_id = case_id
        super().__init__("case_id", f"no follow-up case {case_id!r}")


class FollowUpStateError(CSATError):
    """The case's state does not allow the action, e.g. closing a closed case (HTTP 409)."""

    def __init__(self, case_id: int, state: str, action: str) -> None:
        self.case_id = case_id
        self.state = state
        self.action = action
        super().__init__(f"follow-up case {case_id} is {state}: cannot {action} it")


class SignatureError(CSATError):
    """A helpdesk's webhook is not signed as that helpdesk signs (HTTP 401).

    ``helpdesk`` names the adapter (``zammad``, ``jira`` …), ``reason`` says
    what is wrong without quoting the secret or the signature.
    """

    def __init__(self, helpdesk: str, reason: str) -> None:
        self.helpdesk = helpdesk
        self.reason = reason
        super().__init__(f"{helpdesk} webhook: {reason}")


class HookPayloadError(CSATError, ValueError):
    """A helpdesk's webhook body lacks fields or holds invalid ones (HTTP 422).

    ``problems`` maps each path in the body (``ticket.customer.email``) to what
    is wrong with it: every problem of the body at once.
    """

    def __init__(self, helpdesk: str, problems: Mapping[str, str]) -> None:
        self.helpdesk = helpdesk
        self.problems = dict(problems)
        listed = "; ".join(f"{path}: {problem}" for path, problem in self.problems.items())
        super().__init__(f"{helpdesk} webhook: {listed}")


class DatabaseError(CSATError):
    """The database could not be reached or used (``url`` is the masked URL)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        super().__init__(f"database {url}: {message}")


class ReportUnavailableError(CSATError):
    """The PDF report needs matplotlib, which is not installed (the ``report`` extra)."""

    def __init__(self, missing: str) -> None:
        self.missing = missing
        super().__init__(f"the PDF report needs {missing}: pip install 'csat-surveys[report]'")


class DeliveryError(CSATError):
    """A survey email could not be delivered; ``reason`` is the server's reply or the cause."""

    #: False for failures that retrying cannot fix (an SMTP 5xx reply).
    transient: bool = True

    def __init__(self, reason: str) -> None:
        self.reason = " ".join(reason.split())[:1000]
        super().__init__(self.reason)


class TransientDeliveryError(DeliveryError):
    """A failure worth retrying later: a 4xx reply, a dropped connection, a timeout."""


class PermanentDeliveryError(DeliveryError):
    """A failure retrying cannot fix, e.g. a 5xx reply: the invitation fails at once."""

    transient = False


class MessageBuildError(PermanentDeliveryError):
    """An invitation's email cannot be built safely (e.g. a stored value unfit for
    a header): that invitation fails with the reason, the run goes on.

    ``field`` names the value; the reason never quotes it (it may be an address).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"cannot build the email: {field}: {reason}")


class SenderConfigurationError(DeliveryError, ConfigurationError):
    """The sender itself cannot work (login refused, bad TLS set-up): nothing is sent."""

    transient = True

    def __init__(self, key: str, reason: str) -> None:
        ConfigurationError.__init__(self, key, reason)
        self.reason = " ".join(reason.split())[:1000]
