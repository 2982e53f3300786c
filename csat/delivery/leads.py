"""The emails to team leads: a new follow-up case, and the digest of overdue ones.

Queued as rows of ``csat_lead_email`` (a new case's when its answer is
stored, a digest by :mod:`csat.follow_ups.digest`) and
sent by the same outbox and senders as the survey emails, after them. A claim
stores each row's Message-ID before its first attempt (``lead_claims``),
so every retry, and the resend after a sender died between sending and
marking, carries the same one. The email is built from the case as it is when
the claim reads it: the customer's comment goes into the body (escaped in the
HTML part), never into the subject, and the customer's address never at all —
the lead sees it in the console, where seeing it is recorded.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..errors import ConfigurationError, InvalidInputError, MessageBuildError
from ..follow_ups.work import CaseRow, cases_by_id
from ..links import check_base_url
from ..storage.models import FollowUp, LeadEmail, Response, metadata
from ..survey.catalog import SurveyCatalog
from ..survey.model import Survey
from .envelope import LeadCase, LeadEnvelope, OutgoingEmail
from .headers import header_text
from .message import LOCALES, MessageBuilder
from .queries import Claimed

_LEAD_EMAILS = metadata.tables[LeadEmail.__tablename__]
#: The kinds of lead email.
KINDS = ("case", "digest")
#: Most cases a digest shows (the earliest due); it says how many more there are.
DIGEST_SHOWN = 50
#: Characters a text from the database loses in an email: C0 and C1 controls
#: but tab and line feed, DEL, lone surrogates, the Unicode line separators.
_UNFIT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def new_message_id(lead_email_id: int, domain: str) -> str:
    """A Message-ID for a lead email: its id and 80 random bits (stored, not derived)."""
    return f"<csat.lead.{lead_email_id}.{secrets.token_hex(10)}@{domain}>"


def lead_claims(
    session: Session, rows: Sequence[Any], catalog: SurveyCatalog, domain: str
) -> list[Claimed]:
    """The ``Claimed`` of claimed lead email rows (of ``LEAD_COLUMNS``, see
    ``csat.delivery.queries``), in the claim's transaction.

    Stores a Message-ID on every row that has none yet (guarded, so a stored one
    is never replaced), then reads the cases, and for a new case the customer's
    comments, with one query each.
    """
    mids = {row.id: row.message_id or new_message_id(row.id, domain) for row in rows}
    fresh = [{"b_id": row.id, "mid": mids[row.id]} for row in rows if row.message_id is None]
    if fresh:
        session.connection().execute(
            update(_LEAD_EMAILS)
            .where(_LEAD_EMAILS.c.id == bindparam("b_id"), _LEAD_EMAILS.c.message_id.is_(None))
            .values(message_id=bindparam("mid")),
            fresh,
        )
    listed = {row.id: _case_ids(row) for row in rows}
    wanted = {row_id: ids[:DIGEST_SHOWN] for row_id, ids in listed.items()}
    cases = cases_by_id(session, [i for ids in wanted.values() for i in ids])
    singles = [row.follow_up_id for row in rows if row.kind == "case" and row.follow_up_id]
    comments, versions = _comments(session, singles)
    surveys = {fp: catalog.version(session, fp) for fp in set(versions.values())}
    claims = []
    for row in rows:
        found = [cases[i] for i in wanted[row.id] if i in cases]
        found.sort(key=lambda case: (case.due_at, case.id))
        single = row.follow_up_id if row.kind == "case" else None
        survey = surveys.get(versions.get(single, "")) if single is not None else None
        envelope = LeadEnvelope(
            lead_email_id=row.id, kind=row.kind, recipient=row.recipient, locale=row.locale,
            message_id=mids[row.id],
            cases=tuple(LeadCase(case, comments.get(case.id, ())) for case in found),
            listed=len(listed[row.id]),
        )  # fmt: skip
        claims.append(Claimed(envelope, survey, row.attempts + 1, row.failing_since))
    return claims


def _case_ids(row: Any) -> list[int]:
    """The cases a lead email row is about (a digest's JSON list may hold anything)."""
    if row.kind == "case":
        return [row.follow_up_id] if row.follow_up_id is not None else []
    ids = row.follow_up_ids if isinstance(row.follow_up_ids, list) else []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


def _comments(
    session: Session, case_ids: list[int]
) -> tuple[dict[int, tuple[tuple[str, str], ...]], dict[int, str]]:
    """The free-text answers of the cases' responses, and their survey versions."""
    if not case_ids:
        return {}, {}
    query = (
        select(FollowUp.id, Response.texts, Response.survey_version)
        .join(Response, Response.invitation_id == FollowUp.invitation_id)
        .where(FollowUp.id.in_(sorted(set(case_ids))))
    )
    comments: dict[int, tuple[tuple[str, str], ...]] = {}
    versions: dict[int, str] = {}
    for case_id, texts, version in session.execute(query):
        versions[case_id] = version
        if isinstance(texts, dict):
            comments[case_id] = tuple(
                (str(key), text) for key, text in texts.items() if isinstance(text, str) and text
            )
    return comments, versions


def body_text(value: str) -> str:
    """``value`` fit for an email body: CR LF and CR become LF, control characters
    and lone surrogates become U+FFFD (shown, not obeyed)."""
    return _UNFIT.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def one_line(value: str) -> str:
    """``value`` as one line of :func:`body_text` (white space collapsed)."""
    return " ".join(body_text(value).split())


def case_url(console_url: str, case_id: int) -> str:
    """The console's page of a case: ``{CSAT_CONSOLE_URL}/follow-ups/{case_id}``."""
    return f"{console_url.rstrip('/')}/follow-ups/{case_id}"


class LeadMessageBuilder:
    """Builds the lead emails with a :class:`~csat.delivery.message.MessageBuilder`'s
    templates, sender and checks.

    :raises ConfigurationError: ``CSAT_CONSOLE_URL`` is not a plain http(s) URL.
    """

    def __init__(self, messages: MessageBuilder) -> None:
        self.messages = messages
        settings = messages.settings
        self.zone = ZoneInfo(settings.timezone)
        self.console_url: str | None = None
        if settings.console_url is not None:
            try:
                self.console_url = check_base_url(settings.console_url)
            except InvalidInputError as e:
                raise ConfigurationError(
                    "CSAT_CONSOLE_URL",
                    f"{settings.console_url!r} is not a plain http(s) base URL "
                    "(printable ASCII, no query or fragment)",
                ) from e

    def locale_for(self, locale: str) -> str:
        """The row's locale if csat has templates for it, else a fallback."""
        for candidate in (locale, self.messages.settings.default_locale):
            if candidate in LOCALES:
                return candidate
        return "en"

    def when(self, moment: datetime, locale: str) -> str:
        """``moment`` in ``CSAT_TIMEZONE``, the zone named, e.g. "2. Dezember 2026,
        10:00 (Europe/Berlin)"."""
        local = moment.astimezone(self.zone)
        day = format_date(local, "long", locale=locale)
        time = format_time(local, "short", tzinfo=self.zone, locale=locale)
        return f"{day}, {time} ({self.zone.key})"

    def case_context(
        self, item: LeadCase, survey: Survey | None, locale: str, now: datetime
    ) -> dict[str, Any]:
        """What the templates see of one case."""
        case: CaseRow = item.case
        labels = {} if survey is None else {q.key: q.text for q in survey.questions}
        order = {} if survey is None else {q.key: n for n, q in enumerate(survey.questions)}
        comments = [
            {"question": one_line(_label(labels.get(key), locale, key)), "text": body_text(text)}
            for key, text in sorted(item.comments, key=lambda c: order.get(c[0], len(order)))
        ]
        return {
            "id": case.id,
            "ticket_id": one_line(case.ticket_id),
            "team": one_line(case.team),
            "agent": one_line(case.agent),
            "channel": one_line(case.channel),
            "customer_locale": one_line(case.locale),
            "reasons": [why.value for why in case.reasons],
            "understood": case.understood_score,
            "helped": case.helped_score,
            "state": case.state.value,
            "claimed_by": None if case.claimed_by is None else one_line(case.claimed_by),
            "outcome": None if case.outcome is None else case.outcome.value,
            "opened_at": self.when(case.opened_at, locale),
            "due_at": self.when(case.due_at, locale),
            "overdue": case.overdue(now),
            "comments": comments,
            "url": None if self.console_url is None else case_url(self.console_url, case.id),
        }

    def context(
        self, envelope: LeadEnvelope, survey: Survey | None, locale: str, now: datetime
    ) -> dict[str, Any]:
        """What the templates see."""
        cases = [self.case_context(item, survey, locale, now) for item in envelope.cases]
        return {
            "locale": locale,
            "kind": envelope.kind,
            "case": cases[0] if envelope.kind == "case" else None,
            "cases": cases,
            "count": max(envelope.listed, len(cases)),
            "more": max(envelope.listed - DIGEST_SHOWN, 0),
            "now": self.when(now, locale),
            "hours": round(self.messages.settings.follow_up_due.total_seconds() / 3600, 1),
            "console_url": self.console_url,
            "sender_name": self.messages.sender.display_name,
        }

    def _build(
        self, envelope: LeadEnvelope, survey: Survey | None, now: datetime
    ) -> tuple[EmailMessage, list[tuple[str, str]]]:
        if envelope.kind not in KINDS:
            raise MessageBuildError("kind", "not a kind of lead email")
        if not envelope.cases:
            raise MessageBuildError("follow_up_id", "its cases no longer exist")
        for item in envelope.cases:
            header_text(item.case.ticket_id, "ticket_id")  # shown in the Subject
            header_text(item.case.team, "team")
        locale = self.locale_for(envelope.locale)
        context = self.context(envelope, survey, locale, now)
        messages = self.messages
        name = f"lead_{envelope.kind}"
        subject = messages.render(f"{name}_subject.{locale}.txt", context)
        draft = messages.draft(envelope.recipient, subject, now, envelope.message_id)
        draft.write("Auto-Submitted", "auto-generated")
        draft.write("X-Auto-Response-Suppress", "All")
        plain = messages.render(f"{name}.{locale}.txt", context)
        html = messages.render(f"{name}.{locale}.html", context)
        return draft.finish(plain, html, locale)

    def build(self, envelope: LeadEnvelope, survey: Survey | None, now: datetime) -> EmailMessage:
        """The complete email for ``envelope``, dated ``now``.

        :raises MessageBuildError: a value cannot go into the email.
        """
        return self._build(envelope, survey, now)[0]

    def prepare(
        self, envelope: LeadEnvelope, survey: Survey | None, now: datetime
    ) -> OutgoingEmail:
        """:meth:`build`, serialised for sending and checked.

        :raises MessageBuildError: the email cannot be built, or its bytes are not
            what csat wrote; the reason names the value, never quotes it.
        """
        build = partial(self._build, envelope, survey, now)
        return self.messages.serialise(build, envelope.recipient)


def _label(texts: Any, locale: str, key: str) -> str:
    if not texts:
        return key
    return str(texts.get(locale) or next(iter(texts.values())))
