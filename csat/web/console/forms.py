"""The console's forms (Flask-WTF, so every POST carries a CSRF token).

Several forms share the case page, so each has a prefix (``claim-``, ``note-``
…): their fields, the CSRF field too, get distinct names and ids. Labels and
messages are translated when shown (:func:`~csat.web.i18n.lazy_gettext`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ...follow_ups.rules import Outcome
from ...follow_ups.work import NOTE_MAX_LENGTH
from ..forms import browser_newlines
from ..i18n import lazy_gettext
from .access import NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH

_TOO_LONG = lazy_gettext("Please write at most %(max)s characters.")


class ClaimForm(FlaskForm):  # type: ignore[misc]
    """Take the case (CSRF only)."""


class NoteForm(FlaskForm):  # type: ignore[misc]
    """A note, and whether it records an attempt to reach the customer."""

    note = TextAreaField(
        lazy_gettext("Note"),
        filters=[browser_newlines],
        validators=[
            InputRequired(lazy_gettext("Please write a note.")),
            Length(max=NOTE_MAX_LENGTH, message=_TOO_LONG),
        ],
    )
    contacted = BooleanField(lazy_gettext("I contacted the customer (or tried to)"))


class CloseForm(FlaskForm):  # type: ignore[misc]
    """Close the case with an outcome and, optionally, a last note."""

    outcome = RadioField(
        lazy_gettext("Outcome"),
        choices=[outcome.value for outcome in Outcome],
        validators=[InputRequired(lazy_gettext("Please choose an outcome."))],
    )
    note = TextAreaField(
        lazy_gettext("Note (optional)"),
        filters=[browser_newlines],
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH, message=_TOO_LONG)],
    )


class LoginForm(FlaskForm):  # type: ignore[misc]
    """The console's login of ``csat serve``."""

    name = StringField(
        lazy_gettext("User name"),
        validators=[
            InputRequired(lazy_gettext("Please enter your user name.")),
            Length(max=NAME_MAX_LENGTH, message=_TOO_LONG),
        ],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            InputRequired(lazy_gettext("Please enter your password.")),
            Length(max=PASSWORD_MAX_LENGTH, message=_TOO_LONG),
        ],
    )


class LogoutForm(FlaskForm):  # type: ignore[misc]
    """Sign out (CSRF only)."""


#: Each form's prefix on the case page and in the header.
PREFIXES = {ClaimForm: "claim", NoteForm: "note", CloseForm: "close", LogoutForm: "logout"}
