"""The customer's pages: survey, thanks, unsubscribe (blueprint ``csat``).

URL shapes follow :mod:`csat.links`. A GET never changes anything (mail
scanners prefetch links); every change is a POST, protected by CSRF, answered
with a redirect (Post/Redirect/Get). Unknown links get a 404 page, expired or
cancelled ones a 410 page that says only "expired".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, format_time, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from . import webhook
from .errors import (
    AnswerValidationError,
    DatabaseError,
    ResponseFinalError,
    TokenError,
    UnknownTokenError,
)
from .ext import get_service, get_state
from .forms import UnsubscribeForm, answers_from, initial_data, survey_form_class
from .i18n import LOCALES, choose_locale, gettext, ngettext
from .responses import SurveyView
from .signals import send_submitted
from .survey import Question

blueprint = Blueprint(
    "csat", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)
blueprint.add_url_rule("/hooks/resolved", view_func=webhook.resolved, methods=["POST"])
webhook_resolved = webhook.resolved

#: At most this many rendered questions are kept per app (then the cache starts anew).
_MAX_FRAGMENTS = 2048
#: At most this many rendered survey pages are kept per app (then the cache starts anew).
_MAX_PAGES = 512

#: Stand-ins for the token and the CSRF token in a cached survey page: letters and
#: digits only, so escaping and URL quoting leave them as they are.
_TOKEN_MARK = "csattoken" + secrets.token_hex(12)
_CSRF_MARK = "csatcsrf" + secrets.token_hex(12)
_TEMPLATES = Path(__file__).parent / "templates"

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


def _render_partial(template: str, context: dict[str, Any]) -> Markup:
    """A piece of a page, inside the page's :func:`_render` (its locale is in force)."""
    html = render_template(
        f"csat/{template}", _=gettext, gettext=gettext, format_number=format_decimal, **context
    )
    return Markup(html)  # noqa: S704 - autoescaped template output, safe as it is


def _view_locale(view: SurveyView) -> str:
    return choose_locale(view.locale, view.survey.locales, get_service().settings.default_locale)


def _form(view: SurveyView, locale: str, **kwargs: Any) -> Any:
    limit = get_service().settings.comment_max_length
    return survey_form_class(view.survey, locale, limit)(**kwargs)


class _LazyForm:
    """The page's WTForms form, built on first use.

    A survey page whose question markup is reused (no errors, no stored text)
    needs no form at all: only the CSRF token, which Flask-WTF keeps per request.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build: Callable[[], Any] | None = build
        self._form: Any = None

    @property
    def built(self) -> bool:
        return self._build is None

    def get(self) -> Any:
        if self._build is not None:
            self._form, self._build = self._build(), None
        return self._form

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def __getitem__(self, name: str) -> Any:
        return self.get()[name]

    def __contains__(self, name: str) -> bool:
        return name in self.get()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.get())


def _own_page_templates(base_template: str) -> bool:
    """True when the survey page and its layout are csat's own (a host's could vary per request)."""
    env = current_app.jinja_env
    for name in ("csat/survey.html", base_template):
        filename = env.get_template(name).filename
        if filename is None or not Path(filename).is_relative_to(_TEMPLATES):
            return False
    return True


def _survey_page(
    view: SurveyView,
    token: str,
    locale: str,
    form: Any,
    status: int = 200,
    data: Mapping[str, Any] | None = None,
) -> Any:
    """The survey page; ``form`` may be a :class:`_LazyForm` over initial ``data``."""
    limit = get_service().settings.comment_max_length
    fingerprint = view.survey.fingerprint
    fragments = get_state().fragments
    reuse = not current_app.jinja_env.auto_reload
    lazy = isinstance(form, _LazyForm)
    config = current_app.config
    csrf_field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if not config.get("WTF_CSRF_ENABLED", True):
        csrf_field = None

    def question(q: Question) -> Markup:
        """One question's markup; the same inputs always give the same markup, so
        it is rendered once and reused, unless it shows errors or stored text."""
        if lazy and not form.built and data is not None:
            value, errors = data.get(q.key), False
        else:
            field = form[q.key]
            value, errors = field.data, bool(field.errors)
        key = (fingerprint, locale, limit, q.key, value)
        markup = fragments.get(key) if reuse and not errors else None
        if markup is None:
            context = {"q": q, "field": form[q.key], "locale": locale, "limit": limit}
            markup = _render_partial("_question.html", context)
            if reuse and not errors and not (q.type == "text" and value):
                if len(fragments) >= _MAX_FRAGMENTS:
                    fragments.clear()
                fragments[key] = markup
        return markup

    def render(token: str, csrf_token: Callable[[], str]) -> tuple[str, int]:
        return _render(
            "survey.html",
            locale,
            status,
            view=view,
            form=form,
            errors=form.errors if not lazy or form.built else {},
            csrf_field=csrf_field,
            csrf_token=csrf_token,
            token=token,
            limit=limit,
            question=question,
        )

    if not (reuse and lazy and not form.built and data is not None and not view.answered):
        return render(token, generate_csrf)
    # A first visit: the page is the same for every token of this survey version, locale
    # and preselection but for the token and the CSRF token, so it is rendered once with
    # stand-ins (csat's own templates only) and they are replaced, escaped, on each request.
    state = get_state()
    key = (fingerprint, locale, limit, csrf_field, request.script_root, *sorted(data.items()))
    page = state.pages.get(key)
    if page is None:
        if not _own_page_templates(state.base_template):
            return render(token, generate_csrf)
        page, _ = render(_TOKEN_MARK, lambda: _CSRF_MARK)
        if len(state.pages) >= _MAX_PAGES:
            state.pages.clear()
        state.pages[key] = page
    body = page.replace(_TOKEN_MARK, str(escape(token)))
    if csrf_field:
        body = body.replace(_CSRF_MARK, str(escape(generate_csrf())))
    return body, status


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
    status = 404 if isinstance(error, UnknownTokenError) else 410
    return _render("error.html", locale, status, status=status)


@blueprint.errorhandler(DatabaseError)
def _database_error(error: DatabaseError) -> tuple[str, int]:
    current_app.logger.error("csat: %s", error)
    locale = choose_locale(None, LOCALES, get_service().settings.default_locale)
    return _render("error.html", locale, 503, status=503)


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
    form = _LazyForm(lambda: _form(view, locale, formdata=None, data=data))
    return _survey_page(view, token, locale, form, data=data)


class _NotStoredError(Exception):
    """Ends a submission without storing; ``page`` renders the answer (after the rollback)."""

    def __init__(self, page: Callable[[], tuple[str, int]]) -> None:
        self.page = page


@blueprint.post("/<token>")
def submit(token: str) -> Any:
    """Store (or, within the edit window, change) the answers; then to the thanks page."""
    service = get_service()
    now = service.clock()
    seen: dict[str, Any] = {}

    def validated(view: SurveyView) -> dict[str, object]:
        # Called inside the one transaction that looks the token up and stores.
        locale = _view_locale(view)
        seen.update(view=view, locale=locale)
        if view.is_final(now):
            raise _NotStoredError(lambda: _render("final.html", locale, 409, view=view))
        form = seen["form"] = _form(view, locale)
        if not form.validate():
            raise _NotStoredError(lambda: _survey_page(view, token, locale, form, 400))
        return answers_from(form, view.survey)

    try:
        result = service.record(token, validated, now=now)
    except _NotStoredError as e:
        return e.page()
    except ResponseFinalError:
        return _render("final.html", seen["locale"], 409, view=seen["view"])
    except AnswerValidationError as e:
        view, locale, form = seen["view"], seen["locale"], seen["form"]
        with force_locale(locale):
            for problem in e.problems:
                form[problem.question].errors = [gettext("Please check this answer.")]
        return _survey_page(view, token, locale, form, 400)
    texts = tuple(q.key for q in seen["view"].survey.questions if q.type == "text")
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
