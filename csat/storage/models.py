"""Storage: csat's tables on its own :data:`metadata`.

Every table is prefixed ``csat_`` and every constraint is named by the
naming convention, so a host can add :data:`metadata` to its own Alembic
``target_metadata``. Ticket, agent, team, category and customer are opaque
strings from the host: there are no foreign keys into host tables.

Times are stored as naive UTC and come back timezone-aware (:class:`UTCDateTime`).
A response copies the invitation's team, agent, channel and category so the
monthly report groups one table by answer time without a join.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""csat's own MetaData; add it to a host's Alembic ``target_metadata``."""

# Integer on SQLite so the primary key is the rowid (autoincrement there).
BigID = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, naive UTC in the database, aware UTC out."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql  # only when needed: import time

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a csat column; use an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base bound to csat's :data:`metadata`."""

    metadata = metadata


class SurveyVersion(Base):
    """One immutable version of a survey definition, keyed by its fingerprint."""

    __tablename__ = "csat_survey_version"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_key: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    """A survey invitation for one ticket: the outbox row and its token hash."""

    __tablename__ = "csat_invitation"
    __table_args__ = (
        UniqueConstraint("survey_key", "ticket_id"),
        Index("ix_csat_invitation_status_due_at", "status", "due_at"),
        Index("ix_csat_invitation_customer_hash_due_at", "customer_hash", "due_at"),
        Index("ix_csat_invitation_status_reminder_due_at", "status", "reminder_due_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    survey_key: Mapped[str] = mapped_column(String(64))
    survey_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("csat_survey_version.fingerprint")
    )
    ticket_id: Mapped[str] = mapped_column(String(255))
    #: The customer's address; NULL once erased (forget / retention).
    email: Mapped[str | None] = mapped_column(String(320))
    #: Keyed hash of the normalised address for cooldown look-ups; NULL once erased.
    customer_hash: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(255))
    team: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(16))
    #: IANA time zone the customer is shown times in; NULL: ``CSAT_TIMEZONE``.
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: Base URL of the invitation's links, fixed when it is created; NULL (rows
    #: from before 0004): ``CSAT_BASE_URL``.
    base_url: Mapped[str | None] = mapped_column(String(2000))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the invitation may be sent (resolved time plus the delay).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: pending, sent, skipped, cancelled, failed or expired.
    status: Mapped[str] = mapped_column(String(16))
    #: Why the rules decided as they did (see :class:`csat.invitations.rules.Reason`).
    reason: Mapped[str] = mapped_column(String(32))
    #: Per-invitation random value (hex); the token is HMAC(secret, nonce).
    nonce: Mapped[str] = mapped_column(String(64))
    #: SHA-256 (hex) of the token: the only form in which a token is stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Delivery attempts (claims) for this invitation's emails, the reminder's included.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # -- the outbox (csat.delivery) --
    #: Earliest time of the next delivery attempt after a transient failure.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: First failure of the current run of transient failures (for giving up).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The sender run holding this row, and until when (a lease: a sender that
    #: died loses its rows when it ends).
    claim_id: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Message-ID of the invitation email (the same on every attempt).
    message_id: Mapped[str | None] = mapped_column(String(255))
    #: When the one reminder is due; NULL once reminded, or when none is planned.
    reminder_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Response(Base):
    """The answers to one invitation (at most one per invitation)."""

    __tablename__ = "csat_response"
    __table_args__ = (
        Index("ix_csat_response_answered_at_team", "answered_at", "team"),
        Index("ix_csat_response_answered_at_agent", "answered_at", "agent"),
        # Holds every score a month's figures count: the trend and the summaries
        # read only this index, not the rows.
        Index(
            "ix_csat_response_answered_at_scores",
            "answered_at",
            "understood_score",
            "helped_score",
            "overall_score",
            "effort_score",
        ),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    invitation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("csat_invitation.id", ondelete="CASCADE"), unique=True
    )
    survey_key: Mapped[str] = mapped_column(String(64))
    survey_version: Mapped[str] = mapped_column(
        String(64), ForeignKey("csat_survey_version.fingerprint")
    )
    #: First submission; the edit window counts from here.
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Cleaned answers by question key, without the free-text ones.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Free-text answers (the comment) by question key; NULL once erased.
    texts: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    understood_score: Mapped[int | None] = mapped_column(SmallInteger)
    helped_score: Mapped[int | None] = mapped_column(SmallInteger)
    overall_score: Mapped[int | None] = mapped_column(SmallInteger)
    effort_score: Mapped[float | None] = mapped_column(Double)
    team: Mapped[str] = mapped_column(String(255))
    agent: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(16))


class OptOut(Base):
    """A customer who asked for no more surveys, kept only as a keyed hash."""

    __tablename__ = "csat_opt_out"

    customer_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Event(Base):
    """A marker such as a training, compared before/after in the report."""

    __tablename__ = "csat_event"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    date: Mapped[date] = mapped_column(Date, index=True)
    #: The team it concerns; NULL means everyone.
    team: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FollowUp(Base):
    """A follow-up case: an answer that needs a call back, and how the team worked it.

    One per invitation, opened in the transaction that stored the answer
    (see :mod:`csat.follow_ups`). The customer's address and comment are not
    copied here: the case page reads them from the invitation and the
    response, so erasing them there erases them from the case too.
    """

    __tablename__ = "csat_follow_up"
    __table_args__ = (
        Index("ix_csat_follow_up_state_due_at", "state", "due_at"),
        Index("ix_csat_follow_up_opened_at_team", "opened_at", "team"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    invitation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("csat_invitation.id", ondelete="CASCADE"), unique=True
    )
    ticket_id: Mapped[str] = mapped_column(String(255))
    team: Mapped[str] = mapped_column(String(255))
    agent: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    #: The customer's language, for the call.
    locale: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``opened_at`` plus ``CSAT_FOLLOW_UP_HOURS``.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: open, claimed or closed (see :class:`csat.follow_ups.rules.State`).
    state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The first recorded attempt to reach the customer (a note saying so, or the close).
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(255))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: How it ended (see :class:`csat.follow_ups.rules.Outcome`); NULL while not closed.
    outcome: Mapped[str | None] = mapped_column(String(32))
    #: Why the answers need a call back, comma-separated (:class:`~csat.follow_ups.rules.Why`);
    #: empty once an edit no longer needs one.
    reasons: Mapped[str] = mapped_column(String(64))
    #: The scores the answers have now (an edit updates them).
    understood_score: Mapped[int | None] = mapped_column(SmallInteger)
    helped_score: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FollowUpEntry(Base):
    """One line of a case's history: who did what when (and a note, if any)."""

    __tablename__ = "csat_follow_up_entry"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    follow_up_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("csat_follow_up.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Who did it: a console user's name, ``csat`` for what csat did itself.
    actor: Mapped[str] = mapped_column(String(255))
    #: See :class:`csat.follow_ups.rules.Action`.
    action: Mapped[str] = mapped_column(String(32))
    #: A note's text; NULL once erased (forget / retention).
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))


class LeadEmail(Base):
    """The outbox of emails to team leads: a new case, or a digest of overdue ones.

    The body is built from the case when the email goes out, so it holds no
    copy of the customer's comment; the retry and lease columns work as on
    :class:`Invitation`.
    """

    __tablename__ = "csat_lead_email"
    __table_args__ = (
        UniqueConstraint("follow_up_id", "recipient"),
        Index("ix_csat_lead_email_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    #: ``case`` (one new case; ``follow_up_id`` set) or ``digest`` (``follow_up_ids``).
    kind: Mapped[str] = mapped_column(String(16))
    follow_up_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("csat_follow_up.id", ondelete="CASCADE")
    )
    #: The overdue cases a digest lists.
    follow_up_ids: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    recipient: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: pending, sent or failed.
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_id: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(255))
