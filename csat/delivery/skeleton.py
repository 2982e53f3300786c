"""The email texts, rendered once per survey version, locale and kind.

csat's own email templates use the three values that differ from one
invitation to the next (the ticket id, the token in every link, the expiry
date) as they are, so each template is rendered once with a marker in their
place, and every email fills the markers in: the ticket id and date escaped
for HTML as the template would have escaped them, the token as it is (its
alphabet needs no escaping). The first email of each kind is rendered both
ways and the markers are only used when the two agree. A host's own
templates might test or transform the values, so they are always rendered
(see :attr:`MessageBuilder._skeletons <csat.delivery.message.MessageBuilder>`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..survey import Survey
    from .message import Envelope, MessageBuilder

Texts = tuple[str, str, str]
"""Subject, plain text and HTML."""

MARK_TICKET = "\x00csat:ticket\x00"
MARK_LINK = "\x00csat:token\x00"
MARK_EXPIRES = "\x00csat:expires\x00"


class Skeletons:
    """The marked texts of one builder's emails, made on first use."""

    def __init__(self, builder: MessageBuilder) -> None:
        from markupsafe import escape  # with jinja2, which renders the skeletons

        self._builder = builder
        self._escape: Callable[[str], str] = lambda value: str(escape(value))
        self._made: dict[tuple[str, str, bool], Texts | None] = {}

    def texts(
        self, envelope: Envelope, survey: Survey, locale: str, token: str, expires_on: str
    ) -> Texts:
        """The subject, plain text and HTML of ``envelope``'s email."""
        ticket = envelope.ticket_id
        key = (survey.fingerprint, locale, envelope.reminder)
        made = self._made.get(key)
        if made is not None and "\x00" not in ticket:
            return self._fill(made, ticket, token, expires_on)
        real = self._render(ticket, token, expires_on, envelope.reminder, survey, locale)
        if key not in self._made:
            marked = self._render(
                MARK_TICKET, MARK_LINK, MARK_EXPIRES, envelope.reminder, survey, locale
            )
            agrees = "\x00" not in ticket and self._fill(marked, ticket, token, expires_on) == real
            self._made[key] = marked if agrees else None
        return real

    def _render(
        self, ticket: str, token: str, expires_on: str, reminder: bool, survey: Survey, locale: str
    ) -> Texts:
        builder = self._builder
        context = builder.template_context(ticket, token, expires_on, reminder, survey, locale)
        return builder.texts(locale, context)

    def _fill(self, marked: Texts, ticket: str, token: str, expires_on: str) -> Texts:
        subject, plain, html = (
            text.replace(MARK_LINK, token)
            .replace(MARK_EXPIRES, expires_on if escape is None else escape(expires_on))
            .replace(MARK_TICKET, ticket if escape is None else escape(ticket))
            for text, escape in zip(marked, (None, None, self._escape), strict=True)
        )
        return " ".join(subject.split()), plain, html
