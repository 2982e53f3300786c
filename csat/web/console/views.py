"""The staff console: the follow-up cases (blueprint ``csat_console``).

Mounted under ``CSAT_CONSOLE_PREFIX`` (``/csat``), apart from the customer's
pages. Every request passes the access rule first (:mod:`.access`): refused,
the console answers 403 with how access is given; with the login of
``CSAT_CONSOLE_USERS``, a visitor not signed in is sent to ``/login``. A GET
never changes a case, except that showing the customer's address
(``?address=show``) is written to the case's history. Every change is a POST
of a Flask-WTF form (CSRF), answered with 303 to the case page. Times are in
``CSAT_TIMEZONE``, named; the language is the browser's (English or German).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from math import ceil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import force_locale, format_decimal
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from ...errors import DatabaseError, FollowUpNotFoundError, FollowUpStateError, InvalidInputError
from ...follow_ups.rules import Action, Outcome, State, Why
from ...follow_ups.work import NOTE_MAX_LENGTH, CaseDetail
from ...survey.model import AnswerValue, Question
from ..errors import http_status
from ..i18n import LOCALES, choose_locale, format_when, gettext, ngettext
from ..limits import bound_body, read_body, unreadable_fields
from ..state import get_service, get_state
from .access import NAME_MAX_LENGTH, PasswordLogin, console_user
from .forms import PREFIXES, ClaimForm, CloseForm, LoginForm, LogoutForm, NoteForm

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
blueprint = Blueprint("csat_console", __name__, template_folder=str(TEMPLATES))

#: The list shows at most this many cases (the filters narrow it).
LIST_LIMIT = 200
#: The largest case id (the ids are 64-bit); a larger one in a URL is unknown.
_ID = "int(max=9223372036854775807)"
#: The pages open without the access rule: the login of ``CSAT_CONSOLE_USERS``.
_OPEN = frozenset({"csat_console.login", "csat_console.logout"})


# -- texts --------------------------------------------------------------------------


def state_label(state: State | str) -> str:
    """A case's state, in the page's language."""
    return {
        State.OPEN: gettext("open"),
        State.CLAIMED: gettext("claimed"),
        State.CLOSED: gettext("closed"),
    }[State(state)]


def outcome_label(outcome: Outcome | str) -> str:
    """A closed case's outcome, in the page's language."""
    return {
        Outcome.RESOLVED: gettext("reached, concern resolved"),
        Outcome.NOT_RESOLVED: gettext("reached, concern not resolved"),
        Outcome.NOT_REACHABLE: gettext("not reachable"),
        Outcome.DECLINED: gettext("did not want to talk"),
    }[Outcome(outcome)]


def channel_label(channel: str) -> str:
    """How the ticket came in, in the page's language (a host's own value as it is)."""
    labels = {"ticket": gettext("ticket"), "phone": gettext("phone"), "chat": gettext("chat")}
    return labels.get(channel, channel)


def reason_label(why: Why) -> str:
    """Why the answers need a call back, in the page's language."""
    return {
        Why.NOT_UNDERSTOOD: gettext("did not feel understood"),
        Why.NOT_HELPED: gettext("did not feel helped"),
        Why.NOT_SOLVED: gettext("problem not solved"),
    }[why]


def action_label(action: Action) -> str:
    """What a line of the history records, in the page's language."""
    return {
        Action.OPENED: gettext("case opened"),
        Action.UPDATED: gettext("answers changed, the case still applies"),
        Action.NO_LONGER_NEEDED: gettext("answers changed: no call back needed any more"),
        Action.CLAIMED: gettext("claimed"),
        Action.NOTE: gettext("note"),
        Action.CONTACTED: gettext("contacted (or tried to)"),
        Action.CLOSED: gettext("closed"),
        Action.REOPENED: gettext("reopened"),
        Action.ADDRESS_SHOWN: gettext("was shown the address"),
    }[action]


def language_name(code: str) -> str:
    """The name of the language ``code`` in the page's language (``Deutsch``, ``German``)."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


# -- rendering ----------------------------------------------------------------------


def _locale() -> str:
    """The page's language: the browser's, among csat's."""
    locale: str | None = g.get("csat_console_locale")
    if locale is None:
        locale = choose_locale(None, LOCALES, get_service().settings.default_locale)
        g.csat_console_locale = locale
    return locale


def _user() -> str:
    """The name the access rule let this request in as."""
    user: str = g.csat_console_user
    return user


def _form(form_class: type[FlaskForm], *, fresh: bool = False) -> Any:
    """A form with its prefix; ``fresh``: empty, not filled from this request."""
    prefix = PREFIXES.get(form_class, "")
    return form_class(prefix=prefix, formdata=None) if fresh else form_class(prefix=prefix)


def _render(template: str, code: int = 200, **context: Any) -> tuple[str, int]:
    state = get_state()
    locale = _locale()
    zone = ZoneInfo(state.service.settings.timezone)
    login = isinstance(state.console_access, PasswordLogin)
    with force_locale(locale):
        body = render_template(
            f"csat/console/{template}",
            csat_base=state.base_template,
            locale=locale,
            _=gettext,
            gettext=gettext,
            ngettext=ngettext,
            format_datetime=partial(format_when, zone=zone, date_format="medium"),
            format_number=format_decimal,
            state_label=state_label,
            outcome_label=outcome_label,
            reason_label=reason_label,
            channel_label=channel_label,
            action_label=action_label,
            language_name=language_name,
            note_limit=NOTE_MAX_LENGTH,
            name_limit=NAME_MAX_LENGTH,
            user=g.get("csat_console_user"),
            logout_form=_form(LogoutForm, fresh=True) if login and g.get("csat_console_user")
            else None,
            **context,
        )  # fmt: skip
    return body, code


def _error_page(status: int, **context: Any) -> tuple[str, int]:
    enabled = get_state().console_access is not None
    return _render("error.html", status, status=status, enabled=enabled, **context)


def _valid(form: FlaskForm) -> bool:
    """Validate ``form`` in the page's language; bytes that are not UTF-8 mark their field."""
    with force_locale(_locale()):
        valid = bool(form.validate())
        names = {field.name: field for field in form}
        for name in unreadable_fields(set(names)):
            names[name].errors = [gettext("Some characters could not be read. Please check.")]
            valid = False
    return valid


# -- every request --------------------------------------------------------------------


@blueprint.url_value_preprocessor
def _bound_body(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Bound the body before anything reads it, a host-wide ``CSRFProtect`` too (413)."""
    limit = get_service().settings.max_body_bytes
    bound_body(limit)
    if request.method == "POST":
        read_body(limit)


@blueprint.before_request
def _admit() -> Any:
    """Let the request in under the access rule, or refuse it (403, or to the login)."""
    rule = get_state().console_access
    if request.endpoint in _OPEN:
        if not isinstance(rule, PasswordLogin):
            return _error_page(404)
        g.csat_console_user = rule()
        return None
    if rule is None:
        return _error_page(403)
    user = console_user(rule)
    if user is None:
        if isinstance(rule, PasswordLogin):
            here = request.script_root + request.full_path.rstrip("?")
            target = here if request.method == "GET" else None
            return redirect(url_for(".login", next=target), 303)
        return _error_page(403)
    g.csat_console_user = user
    return None


@blueprint.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = get_state().content_security_policy
    response.headers["Cache-Control"] = "no-store"  # the pages show personal data
    return response


@blueprint.errorhandler(FollowUpNotFoundError)
@blueprint.errorhandler(FollowUpStateError)
def _case_error(error: FollowUpNotFoundError | FollowUpStateError) -> tuple[str, int]:
    case_id = error.case_id if isinstance(error, FollowUpStateError) else None
    return _error_page(http_status(error), case_id=case_id)


@blueprint.errorhandler(DatabaseError)
def _database_error(error: DatabaseError) -> tuple[str, int]:
    current_app.logger.error("csat: %s", error)
    return _error_page(http_status(error))


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    return _error_page(413)


@blueprint.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    """A host-wide ``CSRFProtect`` refused the POST before the console saw it."""
    return _error_page(400)


# -- the list ------------------------------------------------------------------------


def _choice(value: str | None, allowed: list[str]) -> str | None:
    """``value`` if it is one of ``allowed``, else ``None`` (no filter)."""
    return value if value in allowed else None


@blueprint.get("/follow-ups")
def cases() -> tuple[str, int]:
    """The cases, sorted by due time; filters ``team``, ``agent``, ``state``, ``overdue=1``."""
    service = get_service()
    now = service.clock()
    teams, agents = service.follow_up_teams_and_agents()
    team = _choice(request.args.get("team"), teams)
    agent = _choice(request.args.get("agent"), agents)
    state = _choice(request.args.get("state"), [s.value for s in State])
    overdue = request.args.get("overdue") == "1"
    rows = service.follow_ups(
        team=team, agent=agent, state=state, overdue=overdue, limit=LIST_LIMIT + 1, now=now
    )
    return _render(
        "cases.html",
        cases=rows[:LIST_LIMIT],
        more=len(rows) > LIST_LIMIT,
        limit=LIST_LIMIT,
        counts=service.follow_up_counts(team=team, agent=agent, now=now),
        teams=teams,
        agents=agents,
        states=list(State),
        chosen={"team": team, "agent": agent, "state": state, "overdue": overdue},
        filtered=any((team, agent, state, overdue)),
        now=now,
    )


# -- one case ------------------------------------------------------------------------


def _answer(question: Question, value: AnswerValue | None, locale: str) -> dict[str, Any]:
    """One answer as the case page shows it: the question's label and the answer."""
    label = question.text.get(locale) or next(iter(question.text.values()))
    shown: str | None = None
    ends = None
    if value is not None and value != "":
        if question.type == "scale":
            shown = gettext("%(value)s of %(max)s", value=value, max=question.max)
            if question.min_label and question.max_label:
                low = question.min_label.get(locale) or next(iter(question.min_label.values()))
                high = question.max_label.get(locale) or next(iter(question.max_label.values()))
                ends = f"{question.min} = {low}, {question.max} = {high}"
        elif question.type == "choice":
            labels = {c.value: c.label.get(locale) or c.value for c in question.choices}
            shown = labels.get(str(value), str(value))
        else:
            shown = str(value)
    return {"key": question.key, "label": label, "text": question.type == "text",
            "value": shown, "ends": ends}  # fmt: skip


def _answers(detail: CaseDetail, locale: str) -> list[dict[str, Any]]:
    answers: Mapping[str, AnswerValue] = detail.answers
    with force_locale(locale):
        return [_answer(q, answers.get(q.key), locale) for q in detail.survey.questions]


def _case_page(
    case_id: int, *, show_address: bool = False, status: int = 200, **forms: Any
) -> tuple[str, int]:
    """The case page; ``forms`` replace the empty ones (a refused POST's, with errors)."""
    service = get_service()
    now = service.clock()
    detail = service.follow_up(case_id, viewer=_user(), show_address=show_address, now=now)
    shown = {
        "claim": _form(ClaimForm, fresh=True),
        "note": _form(NoteForm, fresh=True),
        "close": _form(CloseForm, fresh=True),
        **forms,
    }
    return _render(
        "case.html",
        status,
        detail=detail,
        case=detail.case,
        answers=_answers(detail, _locale()),
        overdue=detail.case.overdue(now),
        now=now,
        forms=shown,
        refused=[name for name, form in forms.items() if form.errors],
    )


def _to_case(case_id: int) -> Any:
    return redirect(url_for(".case", case_id=case_id), 303)


@blueprint.get(f"/follow-ups/<{_ID}:case_id>")
def case(case_id: int) -> tuple[str, int]:
    """One case; ``?address=show`` shows the customer's address (and records that)."""
    return _case_page(case_id, show_address=request.args.get("address") == "show")


@blueprint.post(f"/follow-ups/<{_ID}:case_id>/claim")
def claim(case_id: int) -> Any:
    """Take the case (also from another lead who claimed it)."""
    form = _form(ClaimForm)
    if not _valid(form):
        return _case_page(case_id, status=400, claim=form)
    get_service().claim_follow_up(case_id, _user())
    return _to_case(case_id)


@blueprint.post(f"/follow-ups/<{_ID}:case_id>/note")
def note(case_id: int) -> Any:
    """Add a note; ``contacted``: it records an attempt to reach the customer."""
    form = _form(NoteForm)
    if _valid(form):
        try:
            get_service().note_follow_up(
                case_id, _user(), form.note.data, contacted=bool(form.contacted.data)
            )
        except FollowUpNotFoundError:
            raise
        except InvalidInputError:  # the note: control characters the form let through
            with force_locale(_locale()):
                form.note.errors = [gettext("Please write the note as plain text.")]
        else:
            return _to_case(case_id)
    return _case_page(case_id, status=400, note=form)


@blueprint.post(f"/follow-ups/<{_ID}:case_id>/close")
def close(case_id: int) -> Any:
    """Close the case with an outcome and an optional note (409 when closed already)."""
    form = _form(CloseForm)
    if _valid(form):
        text = form.note.data or None
        try:
            get_service().close_follow_up(case_id, _user(), form.outcome.data, note=text)
        except FollowUpNotFoundError:
            raise
        except InvalidInputError:  # the note: control characters the form let through
            with force_locale(_locale()):
                form.note.errors = [gettext("Please write the note as plain text.")]
        else:
            return _to_case(case_id)
    return _case_page(case_id, status=400, close=form)


# -- the login of CSAT_CONSOLE_USERS ---------------------------------------------------------


def _next() -> str:
    """Where to go after the login: ``?next=`` if it is a console page, else the list."""
    home = url_for(".cases")
    target = request.args.get("next", "")
    safe = target.startswith(home) and target.isascii() and target.isprintable()
    if not safe or "//" in target or "\\" in target or " " in target:
        return home
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login page; a POST signs in (a fresh session) or counts a failure.

    Too many failures for a name or from an address within the limiter's
    window answer 429, with ``Retry-After``, before any password is checked.
    """
    rule = get_state().console_access
    assert isinstance(rule, PasswordLogin)  # _admit answers 404 otherwise
    if request.method == "GET":
        if g.csat_console_user is not None:
            return redirect(_next(), 303)
        return _render("login.html", form=LoginForm(formdata=None), next=request.args.get("next"))
    form = LoginForm()
    name = str(request.form.get("name", ""))[:NAME_MAX_LENGTH]
    address = request.remote_addr or "unknown"
    wait = rule.limiter.retry_after(address, name)
    if wait is not None:
        seconds = max(1, ceil(wait.total_seconds()))
        body, status = _error_page(429, minutes=ceil(seconds / 60))
        return body, status, {"Retry-After": str(seconds)}
    if not _valid(form):
        return _render("login.html", 400, form=form, next=request.args.get("next"))
    if not rule.check(form.name.data, form.password.data):
        rule.limiter.failed(address, name)
        return _render("login.html", 400, form=form, refused=True, next=request.args.get("next"))
    rule.limiter.succeeded(name)
    rule.sign_in(form.name.data)
    return redirect(_next(), 303)


@blueprint.post("/logout")
def logout() -> Any:
    """Sign out: the session is cleared; then to the login page."""
    form = _form(LogoutForm)
    if not _valid(form):
        return _error_page(400)
    PasswordLogin.sign_out()
    return redirect(url_for(".login"), 303)
