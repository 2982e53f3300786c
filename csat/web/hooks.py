"""The helpdesks' own webhooks: ``POST {prefix}/hooks/<name>`` (:mod:`csat.hooks`).

Each is on when ``CSAT_HOOK_SECRETS`` has its secret (404 otherwise).
The request goes through its adapter in the order of
``/hooks/resolved`` (:mod:`csat.web.webhook`): the signature headers (and a
timestamp's window) before the body is read, the body only up to
``CSAT_WEBHOOK_MAX_BODY_BYTES`` (413 beyond, unread), the signature over its
exact bytes before it is parsed. Then the decision: a resolved ticket is
invited (201 new, 200 existing, with the link, as ``/hooks/resolved``
answers), a reopened one has its pending invitation cancelled (200 with the
count), any other event is answered 202 with the reason. Errors are JSON:
400 (not a JSON object), 401 (the signature), 422 (every problem of the body,
by its path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import ConfigurationError, HookPayloadError, SignatureError, UnknownSurveyError
from ..hooks import Headers, Hook, Ignored, Reopened, enabled
from ..service import SurveyService
from .limits import read_body
from .state import get_state
from .webhook import error, invite, json_object


def setup(service: SurveyService) -> Mapping[str, Hook]:
    """The enabled webhooks, their surveys and locales checked now, not per request.

    :raises ConfigurationError: an unknown helpdesk, an invalid option.
    """
    hooks = enabled(service.settings)
    for name, hook in hooks.items():
        adapter = hook.adapter
        try:
            survey = service.survey(adapter.survey)
        except UnknownSurveyError as e:
            raise ConfigurationError("CSAT_HOOK_OPTIONS", f"{name}.survey: {e}") from e
        if adapter.locale is not None and adapter.locale not in survey.locales:
            raise ConfigurationError(
                "CSAT_HOOK_OPTIONS",
                f"{name}.locale: {adapter.locale!r} is not one of the survey's "
                f"({', '.join(survey.locales)})",
            )
    return hooks


def receive(name: str) -> ResponseReturnValue:
    """Invite, cancel or ignore as the helpdesk ``name``'s webhook says."""
    state = get_state()
    hook = state.hooks.get(name)
    if hook is None:
        return error(404, "no such webhook")
    service = state.service
    headers = Headers(request.headers.items())
    now = service.clock()
    try:
        hook.adapter.check_headers(headers, hook.secret, now)
    except SignatureError as e:
        return error(401, e.reason)
    try:  # read only now, after the headers, and never beyond the limit
        body = read_body(service.settings.webhook_max_body_bytes)
    except RequestEntityTooLarge:
        return error(413, "body too large")
    try:
        hook.adapter.verify(headers, body, hook.secret, now)
    except SignatureError as e:
        return error(401, e.reason)
    data = json_object(body)
    if data is None:
        return error(400, "the body must be a JSON object")
    try:
        decision = hook.adapter.parse(data, headers, now)
    except HookPayloadError as e:
        return error(422, "invalid fields", e.problems)
    if isinstance(decision, Ignored):
        return jsonify({"ignored": decision.reason}), 202
    if isinstance(decision, Reopened):
        count = service.cancel(decision.ticket_id, survey=decision.survey)
        return jsonify({"ticket_id": decision.ticket_id, "cancelled": count}), 200
    values: dict[str, Any] = decision.invite_fields()
    # The customer's language only where the survey has it; else the option, else
    # CSAT_DEFAULT_LOCALE. (An unknown survey is refused by invite: 422.)
    try:
        locales = service.survey(decision.survey).locales
    except UnknownSurveyError:
        locales = ()
    if values["locale"] not in locales:
        values["locale"] = hook.adapter.locale
    return invite(decision.ticket_id, decision.email, values)
