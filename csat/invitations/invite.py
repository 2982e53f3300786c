"""Invitations: one (``invite``) or many at once (``invite_many``).

Both apply the same rules (:mod:`csat.invitations.rules`) and return the same
:class:`InviteResult`. ``invite_many`` is set-based: it looks facts up and
inserts rows in chunks, never with a database round trip per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import ensure_aware
from ..config import Settings
from ..errors import ConfigurationError, InvalidAddressError, InvalidInputError
from ..links import check_base_url, survey_url
from ..storage.models import Invitation, OptOut
from ..survey.catalog import SurveyCatalog
from ..survey.model import Survey
from ..tokens import customer_hash, derive_token, new_nonce, sample_fraction, token_hash
from .addresses import is_excluded, normalize_address
from .rules import (
    COOLDOWN_STATUSES,
    Decision,
    Facts,
    Reason,
    Status,
    decide,
    due_time,
    is_stale,
    status_for,
)

CHANNELS = ("ticket", "phone", "chat")
#: C0 controls, DEL, and the other characters :meth:`str.splitlines` ends a line at.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
#: Half of a UTF-16 pair alone (e.g. from undecodable bytes in argv): no
#: database, email or page can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Rows per look-up or insert statement in ``invite_many``.
CHUNK_SIZE = 900


@dataclass(frozen=True)
class InviteRequest:
    """A resolved ticket (or call) that may get a survey."""

    ticket_id: str
    email: str
    agent: str
    team: str
    channel: str
    resolved_at: datetime
    category: str | None = None
    locale: str | None = None
    survey: str | None = None
    #: The customer's IANA time zone (e.g. ``Europe/Berlin``): the pages show
    #: times in it; ``None``: ``CSAT_TIMEZONE``.
    timezone: str | None = None


@dataclass(frozen=True)
class InviteResult:
    """What ``invite`` decided for one ticket, and the survey link if any."""

    invitation_id: int
    ticket_id: str
    survey_key: str
    decision: Decision
    reason: Reason
    status: Status
    due_at: datetime
    #: The survey token; ``None`` when the invitation was skipped.
    token: str | None
    #: The survey link (``CSAT_BASE_URL`` + token); ``None`` when skipped.
    url: str | None
    #: ``False`` when the invitation existed already (idempotent call).
    created: bool


@dataclass(slots=True)
class _Prepared:
    """A validated request with the values the rules and the row need."""

    index: int
    request: InviteRequest
    survey_key: str
    fingerprint: str
    locale: str
    resolved_at: datetime
    due_at: datetime
    email: str | None
    customer: str | None
    excluded: bool


@dataclass
class PrepareMemo:
    """What :meth:`Inviter.prepare` remembers within one ``invite_many`` call."""

    catalog: SurveyCatalog
    surveys: dict[str, Survey] = field(default_factory=dict)
    #: Raw address -> (normalised address or None, customer hash, excluded).
    addresses: dict[str, tuple[str | None, str | None, bool]] = field(default_factory=dict)

    def survey(self, key: str) -> Survey:
        """The current survey for ``key``, looked up once per batch."""
        survey = self.surveys.get(key)
        if survey is None:
            survey = self.surveys[key] = self.catalog.get(key)
        return survey


def _text(value: object, field: str, *, optional: bool = False, limit: int = 255) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "must be a non-empty string")
    if len(value) > limit:
        raise InvalidInputError(field, f"must be at most {limit} characters")
    if _SURROGATE.search(value):
        raise InvalidInputError(field, "must not contain lone surrogates")
    if _CONTROL.search(value):
        raise InvalidInputError(field, "must not contain control characters")
    return value


def _timezone(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInputError("timezone", "must be an IANA time zone name, e.g. Europe/Berlin")
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError) as e:
        raise InvalidInputError("timezone", f"{value!r} is not a known IANA time zone") from e


class Inviter:
    """The invite logic, on a session the caller manages."""

    def __init__(self, settings: Settings, catalog: SurveyCatalog, secret: bytes) -> None:
        self.settings = settings
        self.catalog = catalog
        self.secret = secret
        try:
            #: Stored with every new invitation: its links are built on it.
            self.base_url = check_base_url(settings.base_url)
        except InvalidInputError as e:
            raise ConfigurationError("CSAT_BASE_URL", str(e)) from e

    def link(self, token: str, base_url: str | None = None) -> str:
        """The survey URL for ``token`` on an invitation's stored ``base_url``
        (``None``, rows made before it was stored: ``CSAT_BASE_URL``)."""
        return survey_url(base_url if base_url is not None else self.settings.base_url, token)

    def prepare(
        self, request: InviteRequest, index: int = 0, memo: PrepareMemo | None = None
    ) -> _Prepared:
        """Validate one request; an invalid address is a rule outcome, not an error.

        ``memo`` (``invite_many``) remembers what repeats within one batch: the
        surveys, and each address's checks and hash.
        """
        try:
            _text(request.ticket_id, "ticket_id")
            _text(request.agent, "agent")
            _text(request.team, "team")
            _text(request.category, "category", optional=True)
            if request.channel not in CHANNELS:
                raise InvalidInputError("channel", f"must be one of {', '.join(CHANNELS)}")
            resolved = ensure_aware(request.resolved_at, "resolved_at")
            _timezone(request.timezone)
            key = request.survey or self.settings.default_survey
            survey = self.catalog.get(key) if memo is None else memo.survey(key)
        except InvalidInputError as e:
            if index == 0:
                raise
            raise InvalidInputError(e.field, f"row {index}: {e}") from e
        locale = request.locale or self.settings.default_locale
        if locale not in survey.locales:
            where = "" if index == 0 else f"row {index}: "
            raise InvalidInputError("locale", f"{where}{locale!r} not in {survey.locales}")
        raw = request.email
        checked = None if memo is None or not isinstance(raw, str) else memo.addresses.get(raw)
        if checked is None:
            checked = self.check_address(raw)
            if memo is not None and isinstance(raw, str):
                memo.addresses[raw] = checked
        email, customer, excluded = checked
        return _Prepared(
            index=index,
            request=request,
            survey_key=survey.key,
            fingerprint=survey.fingerprint,
            locale=locale,
            resolved_at=resolved,
            due_at=due_time(resolved, self.settings.delay),
            email=email,
            customer=customer,
            excluded=excluded,
        )

    def check_address(self, address: object) -> tuple[str | None, str | None, bool]:
        """An address's normalised form, customer hash and exclusion (``None`` if invalid)."""
        try:
            email = normalize_address(address)
        except InvalidAddressError:
            return None, None, False
        excluded = is_excluded(email, self.settings.exclude_addresses)
        return email, customer_hash(self.secret, email), excluded

    def result(self, row: Invitation, *, created: bool) -> InviteResult:
        """The result for a stored invitation row."""
        return self.make_result(
            row.id, row.ticket_id, row.survey_key, row.reason, row.status, row.due_at,
            derive_token(self.secret, row.nonce), created=created, base_url=row.base_url,
        )  # fmt: skip

    def make_result(
        self,
        invitation_id: int,
        ticket_id: str,
        survey_key: str,
        reason_value: str | Reason,
        status_value: str | Status,
        due_at: datetime,
        token: str,
        *,
        created: bool,
        base_url: str | None,
    ) -> InviteResult:
        """The result of an invitation; its link on its stored ``base_url``."""
        reason = reason_value if isinstance(reason_value, Reason) else Reason(reason_value)
        status = status_value if isinstance(status_value, Status) else Status(status_value)
        shown = None if status is Status.SKIPPED else token
        return InviteResult(
            invitation_id=invitation_id,
            ticket_id=ticket_id,
            survey_key=survey_key,
            decision=reason.decision,
            reason=reason,
            status=status,
            due_at=due_at,
            token=shown,
            url=None if shown is None else self.link(shown, base_url),
            created=created,
        )

    def facts(self, p: _Prepared, *, opted_out: bool, in_cooldown: bool, now: datetime) -> Facts:
        """The facts the rules need about a prepared request, decided at ``now``."""
        return Facts(
            address_valid=p.email is not None,
            excluded=p.excluded,
            opted_out=opted_out,
            stale=is_stale(p.resolved_at, self.settings.max_age, now),
            # With everyone sampled in, the per-ticket number is not needed.
            sample_fraction=0.0
            if self.settings.sampling_rate >= 1.0
            else sample_fraction(self.secret, p.survey_key, p.request.ticket_id),
            in_cooldown=in_cooldown,
        )

    def row_values(
        self, p: _Prepared, reason: Reason, now: datetime, nonce: str | None = None
    ) -> tuple[dict[str, Any], str]:
        """Column values of a new invitation row, and its token (``nonce``: a fresh one)."""
        if nonce is None:
            nonce = new_nonce()
        token = derive_token(self.secret, nonce)
        # A skipped invitation never mails the customer: it keeps no address
        # (data minimisation), and so nothing for forget() or purge() to find.
        keep_address = reason.decision is not Decision.SKIP
        return {
            "survey_key": p.survey_key,
            "survey_version": p.fingerprint,
            "ticket_id": p.request.ticket_id,
            "email": p.email if keep_address else None,
            "customer_hash": p.customer if keep_address else None,
            "agent": p.request.agent,
            "team": p.request.team,
            "channel": p.request.channel,
            "category": p.request.category,
            "locale": p.locale,
            "timezone": p.request.timezone,
            "resolved_at": p.resolved_at,
            "created_at": now,
            "due_at": p.due_at,
            "expires_at": max(p.due_at, now) + self.settings.validity,
            "status": status_for(reason).value,
            "reason": reason.value,
            "nonce": nonce,
            "token_hash": token_hash(token),
            "attempts": 0,
            "base_url": self.base_url,
        }, token

    # -- one -------------------------------------------------------------------

    def invite_one(self, session: Session, request: InviteRequest, now: datetime) -> InviteResult:
        """Invite for one ticket (idempotent per survey and ticket)."""
        p = self.prepare(request)
        existing = session.scalars(
            select(Invitation).where(
                Invitation.survey_key == p.survey_key,
                Invitation.ticket_id == request.ticket_id,
            )
        ).one_or_none()
        if existing is not None and not self.reactivatable(existing.status, existing.reason):
            return self.result(existing, created=False)
        opted_out = p.customer is not None and session.get(OptOut, p.customer) is not None
        in_cooldown = False
        if p.customer is not None and self.settings.cooldown > timedelta(0):
            low, high = self.cooldown_window(p.due_at)
            query = select(Invitation.id).where(
                Invitation.customer_hash == p.customer,
                Invitation.status.in_(COOLDOWN_STATUSES),
                Invitation.due_at > low,
                Invitation.due_at < high,
            )
            if existing is not None:
                query = query.where(Invitation.id != existing.id)
            in_cooldown = session.scalars(query.limit(1)).first() is not None
        reason = decide(
            self.facts(p, opted_out=opted_out, in_cooldown=in_cooldown, now=now),
            sampling_rate=self.settings.sampling_rate,
            due_at=p.due_at,
            now=now,
        )
        self.catalog.ensure_stored(session, self.catalog.get(p.survey_key), now)
        values, _ = self.row_values(p, reason, now)
        if existing is not None:  # decided again (see _reactivatable): same row, same link
            for key in ("nonce", "token_hash", "created_at", "base_url"):
                values.pop(key)
            for key, value in values.items():
                setattr(existing, key, value)
            session.flush()
            return self.result(existing, created=False)
        row = Invitation(**values)
        session.add(row)
        session.flush()
        return self.result(row, created=True)

    @staticmethod
    def reactivatable(status: str, reason: str) -> bool:
        """Rows a later call decides again: a reopened ticket resolved again, or
        an address that was invalid (a typo must not block the ticket's survey)."""
        if status == Status.CANCELLED:
            return reason == Reason.REOPENED
        return status == Status.SKIPPED and reason == Reason.INVALID_ADDRESS

    def cooldown_window(self, due_at: datetime) -> tuple[datetime, datetime]:
        """Due times of other surveys that put one due at ``due_at`` in cooldown (open)."""
        cooldown = self.settings.cooldown
        return due_at - cooldown, due_at + cooldown
