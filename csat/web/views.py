"""The customer's pages: survey, thanks, unsubscribe (blueprint ``csat``).

URL shapes follow :mod:`csat.links`. A GET never changes anything (mail
scanners prefetch links); every change is a POST, protected by CSRF, answered
with a redirect (Post/Redirect/Get). Unknown links get a 404 page, expired or
cancelled ones a 410 page that says only "expired" (or, after an opt-out,
that the customer is unsubscribed); both name whom to contact. Request
bodies are bounded (``CSAT_MAX_BODY_BYTES``, the webhooks'
``CSAT_WEBHOOK_MAX_BODY_BYTES``): beyond, 413 unread. Times are shown in the
customer's time zone (the invitation's, else ``CSAT_TIMEZONE``), named.
"""

from __future__ import annotations

from email.utils import parseaddr
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, format_decimal
from werkzeug.exceptions import RequestEntityTooLarge

from ..answers.record import SurveyView
from ..errors import (
    AnswerValidationError,
    DatabaseError,
    ResponseFinalError,
    TokenError,
    UnknownTokenError,
    UnsubscribedTokenError,
)
from ..follow_ups.rules import State
from . import hooks, webhook
from .errors import http_status
from .forms import UnsubscribeForm, answers_from, initial_data, survey_form_class
from .i18n import LOCALES, choose_locale, format_when, gettext, ngettext
from .limits import bound_body, read_body, unreadable_fields
from .signals import send_submitted
from .state import get_service, get_state

blueprint = Blueprint(
    "csat", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)
blueprint.add_url_rule("/hooks/resolved", view_func=webhook.resolved, methods=["POST"])
blueprint.add_url_rule("/hooks/<name>", view_func=hooks.receive, methods=["POST"])

#: RFC 8058: the body a mail provider POSTs for one-click unsubscribe.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


def _zone(view: SurveyView | None) -> ZoneInfo:
    """The customer's time zone: the invitation's, else ``CSAT_TIMEZONE``."""
    return ZoneInfo((view and view.timezone) or get_service().settings.timezone)


def _contact() -> tuple[str | None, str | None]:
    """Whom customers can contact (``CSAT_CONTACT``, else the reply-to or from
    address) and the email address to link to, if it is one."""
    settings = get_service().settings
    if settings.contact:
        return settings.contact, None
    address = parseaddr(settings.mail_reply_to or settings.mail_from)[1]
    return (address, address) if "@" in address else (None, None)


def _render(
    template: str, locale: str, code: int = 200, *, zone: ZoneInfo | None = None, **context: Any
) -> tuple[str, int]:
    contact, contact_email = _contact()
    with force_locale(locale):
        body = render_template(
            f"csat/{template}",
            csat_base=get_state().base_template,
            locale=locale,
            _=gettext,
            gettext=gettext,
            ngettext=ngettext,
            format_datetime=partial(format_when, zone=zone or _zone(None)),
            format_number=format_decimal,
            contact=contact,
            contact_email=contact_email,
            **context,
        )
    return body, code


def _error_page(status: int, **context: Any) -> tuple[str, int]:
    locale = choose_locale(None, LOCALES, get_service().settings.default_locale)
    return _render("error.html", locale, status, status=status, **context)


def _view_locale(view: SurveyView) -> str:
    return choose_locale(view.locale, view.survey.locales, get_service().settings.default_locale)


def _form(view: SurveyView, locale: str, **kwargs: Any) -> Any:
    """The survey page's form for ``view`` in ``locale``."""
    forms = get_state().forms
    key = (view.survey.fingerprint, locale)
    form_class = forms.get(key)
    if form_class is None:
        limit = get_service().settings.comment_max_length
        form_class = forms[key] = survey_form_class(view.survey, locale, limit)
    return form_class(**kwargs)


def _survey_page(view: SurveyView, token: str, locale: str, form: Any, status: int = 200) -> Any:
    """The survey page with ``form`` (its data, or the submission and its errors).

    A refused comment comes back cut to its limit: the page never echoes more.
    """
    limit = get_service().settings.comment_max_length
    for q in view.survey.questions:
        field = form[q.key]
        if q.type == "text" and isinstance(field.data, str):
            field.data = field.data[: q.max_length or limit]
    return _render(
        "survey.html", locale, status, zone=_zone(view), view=view, form=form, token=token,
        limit=limit,
    )  # fmt: skip


@blueprint.url_value_preprocessor
def _bound_body(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Bound the request body before anything reads it (413 beyond).

    A URL value preprocessor runs before every ``before_request`` function, a
    host-wide ``CSRFProtect``'s too, which reads the form. A page's POST body
    is read here (bounded) and cached: the form is parsed from that copy, and
    :func:`~csat.web.limits.unreadable_fields` checks its bytes.
    """
    settings = get_service().settings
    if current_app.view_functions.get(request.endpoint or "") in (webhook.resolved, hooks.receive):
        bound_body(settings.webhook_max_body_bytes)  # read by the webhook, headers first
        return
    bound_body(settings.max_body_bytes)
    if request.method == "POST":
        read_body(settings.max_body_bytes)


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    return _error_page(413)


@blueprint.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = get_state().content_security_policy
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@blueprint.errorhandler(TokenError)
def _token_error(error: TokenError) -> tuple[str, int]:
    if isinstance(error, UnsubscribedTokenError):
        return _error_page(http_status(error), unsubscribed=True, answered=error.answered)
    return _error_page(http_status(error))


@blueprint.errorhandler(DatabaseError)
def _database_error(error: DatabaseError) -> tuple[str, int]:
    current_app.logger.error("csat: %s", error)
    return _error_page(http_status(error))


@blueprint.get("/<token>")
def survey(token: str) -> Any:
    """The survey form; ``?question=value`` (one-click links) preselects answers."""
    service = get_service()
    now = service.clock()
    view = service.open(token, now=now)
    locale = _view_locale(view)
    if view.is_final(now):
        return _render("final.html", locale, zone=_zone(view), view=view)
    data = initial_data(view.survey, view.answers, request.args)
    return _survey_page(view, token, locale, _form(view, locale, formdata=None, data=data))


@blueprint.post("/<token>")
def submit(token: str) -> Any:
    """Store (or, within the edit window, change) the answers; then to the thanks page.

    The form of the invitation's survey version is validated first (CSRF, every
    field); :meth:`~csat.SurveyService.record` then looks the token up, checks
    the answers against that version and writes them in one transaction.
    """
    service = get_service()
    now = service.clock()
    view = service.open(token, now=now)
    locale = _view_locale(view)
    if view.is_final(now):
        return _render("final.html", locale, 409, zone=_zone(view), view=view)
    form = _form(view, locale)
    with force_locale(locale):  # WTForms' own messages in the page's language
        valid = form.validate()
        unreadable = unreadable_fields({q.key for q in view.survey.questions})
        for name in unreadable:
            form[name].errors = [gettext("Some characters could not be read. Please check.")]
    if not valid or unreadable:
        return _survey_page(view, token, locale, form, 400)
    try:
        result = service.record(token, answers_from(form, view.survey), now=now)
    except ResponseFinalError:
        return _render("final.html", locale, 409, zone=_zone(view), view=view)
    except AnswerValidationError as e:
        with force_locale(locale):
            for problem in e.problems:
                form[problem.question].errors = [gettext("Please check this answer.")]
        return _survey_page(view, token, locale, form, 400)
    texts = tuple(q.key for q in view.survey.questions if q.type == "text")
    send_submitted(current_app._get_current_object(), result, texts)  # type: ignore[attr-defined]
    return redirect(url_for(".thanks", token=token), 303)


@blueprint.get("/<token>/thanks")
def thanks(token: str) -> Any:
    """Thanks; invites a comment when only ratings were given."""
    service = get_service()
    now = service.clock()
    view = service.open(token, now=now)
    if not view.answered:
        return redirect(url_for(".survey", token=token), 303)
    texts = [q for q in view.survey.questions if q.type == "text"]
    wants_comment = bool(texts) and not any(view.answers.get(q.key) for q in texts)
    return _render(
        "thanks.html",
        _view_locale(view),
        zone=_zone(view),
        view=view,
        token=token,
        editable=not view.is_final(now),
        comment_key=texts[0].key if wants_comment else None,
        promise=_promise(view),
    )


def _promise(view: SurveyView) -> dict[str, Any] | None:
    """What the thanks page promises about a call back: ``None`` for nothing, else
    ``hours`` (``None``: no time is promised). Only when the answers opened a case
    that still needs one, and someone is told of it (the team has leads, or the
    console is set up); ``CSAT_FOLLOW_UP_PROMISE = False`` promises nothing."""
    service = get_service()
    settings = service.settings
    if not settings.follow_up_promise:
        return None
    case = service.follow_up_of(view.invitation_id)
    if case is None or not case.reasons or case.state == State.CLOSED:
        return None
    if not (settings.leads_of(case.team) or get_state().console_enabled):
        return None
    if settings.follow_up_promise != "due":
        return {"hours": None}
    return {"hours": round(settings.follow_up_due.total_seconds() / 3600)}


@blueprint.route("/<token>/unsubscribe", methods=["GET", "POST"])
def unsubscribe(token: str) -> Any:
    """GET asks; POST opts the address out (also RFC 8058 one-click POST).

    Works for as long as the link exists, also after the survey expired.
    """
    service = get_service()
    if request.method == "POST" and request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE:
        service.unsubscribe(token)
        return Response("unsubscribed\n", 200, mimetype="text/plain")
    view = service.unsubscribe_view(token)
    locale = _view_locale(view)
    form = UnsubscribeForm()
    if request.method == "POST":
        if form.validate():
            service.unsubscribe(token)
            return redirect(url_for(".unsubscribed", token=token, lang=locale), 303)
        return _render("unsubscribe.html", locale, 400, form=form, token=token)
    return _render("unsubscribe.html", locale, form=form, token=token)


@blueprint.get("/<token>/unsubscribed")
def unsubscribed(token: str) -> tuple[str, int]:
    """Confirms the opt-out, in the language of the page that asked (``?lang=``),
    and that answers given to this survey are kept."""
    service = get_service()
    try:
        answered = service.unsubscribe_view(token).answered
    except UnknownTokenError:
        answered = False
    locale = choose_locale(request.args.get("lang"), LOCALES, service.settings.default_locale)
    return _render("unsubscribed.html", locale, answered=answered)
