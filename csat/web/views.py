"""The customer's pages: survey, thanks, unsubscribe (blueprint ``csat``).

URL shapes follow :mod:`csat.links`. A GET never changes anything (mail
scanners prefetch links); every change is a POST, protected by CSRF, answered
with a redirect (Post/Redirect/Get). Unknown links get a 404 page, expired or
cancelled ones a 410 page that says only "expired".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, format_time, get_timezone

from ..answers.record import SurveyView
from ..errors import (
    AnswerValidationError,
    DatabaseError,
    ResponseFinalError,
    TokenError,
)
from . import webhook
from .errors import http_status
from .forms import UnsubscribeForm, answers_from, initial_data, survey_form_class
from .i18n import LOCALES, choose_locale, gettext, ngettext
from .signals import send_submitted
from .state import get_service, get_state

blueprint = Blueprint(
    "csat", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)
blueprint.add_url_rule("/hooks/resolved", view_func=webhook.resolved, methods=["POST"])

#: RFC 8058: the body a mail provider POSTs for one-click unsubscribe.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


def _when(moment: datetime, _format: str = "") -> str:
    """A date and time as people write it in the page's locale, with the time zone."""
    return f"{format_date(moment, 'long')}, {format_time(moment, 'short')} {get_timezone()}"


def _render(template: str, locale: str, code: int = 200, **context: Any) -> tuple[str, int]:
    with force_locale(locale):
        body = render_template(
            f"csat/{template}",
            csat_base=get_state().base_template,
            locale=locale,
            _=gettext,
            gettext=gettext,
            ngettext=ngettext,
            format_datetime=_when,
            format_number=format_decimal,
            **context,
        )
    return body, code


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
    """The survey page with ``form`` (its data, or the submission and its errors)."""
    limit = get_service().settings.comment_max_length
    return _render("survey.html", locale, status, view=view, form=form, token=token, limit=limit)


@blueprint.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = get_state().content_security_policy
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@blueprint.errorhandler(TokenError)
def _token_error(error: TokenError) -> tuple[str, int]:
    locale = choose_locale(None, LOCALES, get_service().settings.default_locale)
    status = http_status(error)
    return _render("error.html", locale, status, status=status)


@blueprint.errorhandler(DatabaseError)
def _database_error(error: DatabaseError) -> tuple[str, int]:
    current_app.logger.error("csat: %s", error)
    locale = choose_locale(None, LOCALES, get_service().settings.default_locale)
    status = http_status(error)
    return _render("error.html", locale, status, status=status)


@blueprint.get("/<token>")
def survey(token: str) -> Any:
    """The survey form; ``?question=value`` (one-click links) preselects answers."""
    service = get_service()
    now = service.clock()
    view = service.open(token, now=now)
    locale = _view_locale(view)
    if view.is_final(now):
        return _render("final.html", locale, view=view)
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
        return _render("final.html", locale, 409, view=view)
    form = _form(view, locale)
    with force_locale(locale):  # WTForms' own messages in the page's language
        valid = form.validate()
    if not valid:
        return _survey_page(view, token, locale, form, 400)
    try:
        result = service.record(token, answers_from(form, view.survey), now=now)
    except ResponseFinalError:
        return _render("final.html", locale, 409, view=view)
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
        view=view,
        token=token,
        editable=not view.is_final(now),
        comment_key=texts[0].key if wants_comment else None,
    )


@blueprint.route("/<token>/unsubscribe", methods=["GET", "POST"])
def unsubscribe(token: str) -> Any:
    """GET asks; POST opts the address out (also RFC 8058 one-click POST)."""
    service = get_service()
    if request.method == "POST" and request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE:
        service.unsubscribe(token)
        return Response("unsubscribed\n", 200, mimetype="text/plain")
    view = service.open(token)
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
    """Confirms the opt-out, in the language of the page that asked (``?lang=``)."""
    default = get_service().settings.default_locale
    return _render("unsubscribed.html", choose_locale(request.args.get("lang"), LOCALES, default))
