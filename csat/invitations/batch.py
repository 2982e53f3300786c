"""``invite_many``: the set-based path of :class:`csat.invitations.invite.Inviter`.

All requests are validated first (an address, its hash and its exclusion are
worked out once per batch, however often the customer appears). Then they are
decided in order of due time, in chunks of :data:`csat.invitations.invite.CHUNK_SIZE`:
per chunk one look-up each for existing invitations and cooldowns (opt-outs,
when there are few, are read once per batch). The rules are
:func:`csat.invitations.rules.decide`, exactly as for ``invite``. The decided rows are
inserted with one executemany per :data:`INSERT_SIZE` rows, in the caller's
order (and before a ticket met twice, or a stored one decided again, goes the
one-at-a-time way of ``invite``). Where the database returns an INSERT's
rows, the insert returns each new row's id with its (survey, ticket) key
(SQLAlchemy's "insertmanyvalues", a few statements of many rows each);
elsewhere the ids are read back by that key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, any_, insert, literal, select, text
from sqlalchemy.orm import Session

from ..storage.models import Invitation, OptOut, metadata
from ..tokens import derive_token, new_nonces
from . import invite as invites
from .rules import COOLDOWN_STATUSES, Decision, Reason, decide, status_for

_TABLE = metadata.tables[Invitation.__tablename__]
_EXISTING = (
    Invitation.id, Invitation.survey_key, Invitation.ticket_id, Invitation.reason,
    Invitation.status, Invitation.due_at, Invitation.nonce, Invitation.base_url,
)  # fmt: skip
#: Decided rows held (about 1 KB each) before they are inserted with one
#: executemany, in the caller's order: decisions go in due order, but rows
#: inserted in the order they came (usually the ticket order) keep the unique
#: (survey, ticket) index growing at its end. Look-ups go by CHUNK_SIZE rows.
INSERT_SIZE = 100_000
_COOLDOWN_STATUSES = frozenset(status.value for status in COOLDOWN_STATUSES)


#: After inserting this many invitations at once on PostgreSQL, ``invite_many``
#: refreshes the table's statistics (``ANALYZE``, in its transaction, which
#: counts the new rows) before it reads their ids back. Until then the planner
#: believes they are not there: the read-back scans the whole table for each
#: chunk, and until autovacuum gets to it, the outbox's claim reads and sorts
#: every pending row for each batch instead of reading the first ones from
#: the index.
ANALYZE_AFTER = 1_000


def invite_many(
    inviter: invites.Inviter,
    session: Session,
    requests: Iterable[invites.InviteRequest],
    now: datetime,
) -> list[invites.InviteResult]:
    """Invite for many tickets, set-based; results in the order given."""
    memo = invites.PrepareMemo(inviter.catalog)
    prepared = [inviter.prepare(r, i, memo) for i, r in enumerate(requests, start=1)]
    for key in {p.survey_key for p in prepared}:
        inviter.catalog.ensure_stored(session, memo.survey(key), now)
    # Earliest due first, so the intra-batch cooldown keeps the first survey.
    ordered = sorted(prepared, key=lambda p: (p.due_at, p.index))
    batch = _Batch(inviter, session, now)
    size = invites.CHUNK_SIZE
    for start in range(0, len(ordered), size):
        _invite_chunk(batch, ordered[start : start + size])
    batch.insert()
    return [batch.results[p.index] for p in prepared]


class _Batch:
    """The state of one ``invite_many`` call across its chunks."""

    def __init__(self, inviter: invites.Inviter, session: Session, now: datetime) -> None:
        self.inviter = inviter
        self.session = session
        self.now = now
        self.results: dict[int, invites.InviteResult] = {}
        #: Due times of the surveys each customer gets (stored or in this batch).
        self.claimed: dict[str, list[datetime]] = {}
        #: (survey, ticket) pairs decided in this batch.
        self.seen: set[tuple[str, str]] = set()
        #: Decided rows not inserted yet (inserted every INSERT_SIZE rows).
        self.new: list[tuple[invites._Prepared, Reason]] = []

    def insert(self) -> None:
        """Insert the rows decided so far."""
        if self.new:
            self.new.sort(key=lambda decided: decided[0].index)  # see INSERT_SIZE
            _insert(self.inviter, self.session, self.new, self.now, self.results)
            self.new = []


def _invite_chunk(batch: _Batch, chunk: Sequence[invites._Prepared]) -> None:
    inviter, session, now, claimed = batch.inviter, batch.session, batch.now, batch.claimed
    existing = _existing(session, chunk)
    customers = {p.customer for p in chunk if p.customer is not None}
    opted_out = _opted_out(session, customers)
    cooldown = inviter.settings.cooldown
    if cooldown > timedelta(0):
        _load_cooldowns(inviter, session, chunk, customers, claimed)
    rate = inviter.settings.sampling_rate
    seen = batch.seen
    later: list[invites._Prepared] = []
    for p in chunk:
        pair = (p.survey_key, p.request.ticket_id)
        stored = existing.get(pair)
        if stored is not None and not inviter.reactivatable(stored.status, stored.reason):
            token = derive_token(inviter.secret, stored.nonce)
            batch.results[p.index] = inviter.make_result(
                stored.id, stored.ticket_id, stored.survey_key, stored.reason, stored.status,
                stored.due_at, token, created=False, base_url=stored.base_url,
            )  # fmt: skip
            continue
        if stored is not None or pair in seen:
            # Rare paths (reactivation, a ticket twice in one batch): one at a
            # time, after the rows decided so far are inserted.
            later.append(p)
            continue
        seen.add(pair)
        customer = p.customer
        in_cooldown = False
        if customer is not None and cooldown > timedelta(0):
            times = claimed.get(customer)
            if times:
                low, high = p.due_at - cooldown, p.due_at + cooldown
                in_cooldown = any(low < t < high for t in times)
        facts = inviter.facts(p, opted_out=customer in opted_out, in_cooldown=in_cooldown, now=now)
        reason = decide(facts, sampling_rate=rate, due_at=p.due_at, now=now)
        if customer is not None and reason.decision is not Decision.SKIP:
            claimed.setdefault(customer, []).append(p.due_at)
        batch.new.append((p, reason))
    if later or len(batch.new) >= INSERT_SIZE:
        batch.insert()
    for p in later:
        batch.results[p.index] = inviter.invite_one(session, p.request, now)


def _insert(
    inviter: invites.Inviter,
    session: Session,
    new: list[tuple[invites._Prepared, Reason]],
    now: datetime,
    results: dict[int, invites.InviteResult],
) -> None:
    """Insert the new rows with one executemany; add their results."""
    rows: list[dict[str, Any]] = []
    tokens: list[str] = []
    for (p, reason), nonce in zip(new, new_nonces(len(new)), strict=True):
        values, token = inviter.row_values(p, reason, now, nonce)
        rows.append(values)
        tokens.append(token)
    ids = _insert_rows(session, rows)
    for (p, reason), token, id_ in zip(new, tokens, ids, strict=True):
        results[p.index] = inviter.make_result(
            id_, p.request.ticket_id, p.survey_key, reason, status_for(reason), p.due_at, token,
            created=True, base_url=inviter.base_url,
        )  # fmt: skip


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` with the driver's executemany; their new ids, in the order of
    ``rows``, read back by (survey, ticket) a chunk at a time."""
    session.execute(insert(_TABLE), rows)
    if len(rows) >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {Invitation.__tablename__}"))  # see ANALYZE_AFTER
    ids: dict[tuple[str, str], int] = {}
    for key in {row["survey_key"] for row in rows}:
        tickets = [row["ticket_id"] for row in rows if row["survey_key"] == key]
        for start in range(0, len(tickets), invites.CHUNK_SIZE):
            chunk = tickets[start : start + invites.CHUNK_SIZE]
            query = select(Invitation.ticket_id, Invitation.id).where(
                Invitation.survey_key == key, _among(session, Invitation.ticket_id, chunk)
            )
            ids.update(((key, ticket), id_) for ticket, id_ in session.execute(query))
    return [ids[(row["survey_key"], row["ticket_id"])] for row in rows]


def _among(session: Session, column: Any, values: Collection[str]) -> Any:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``: one parameter
    instead of hundreds, so the statement is far cheaper to send and plan."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY  # only when needed: import time

        return column == any_(literal(list(values), ARRAY(String)))
    return column.in_(values)


def _existing(session: Session, chunk: Sequence[invites._Prepared]) -> dict[tuple[str, str], Any]:
    """Stored invitations for the chunk's (survey, ticket) pairs."""
    existing: dict[tuple[str, str], Any] = {}
    for key in {p.survey_key for p in chunk}:
        tickets = [p.request.ticket_id for p in chunk if p.survey_key == key]
        query = select(*_EXISTING).where(
            Invitation.survey_key == key, _among(session, Invitation.ticket_id, tickets)
        )
        for row in session.execute(query):
            existing[(row.survey_key, row.ticket_id)] = row
    return existing


def _opted_out(session: Session, customers: set[str]) -> set[str]:
    if not customers:
        return set()
    query = select(OptOut.customer_hash).where(_among(session, OptOut.customer_hash, customers))
    return set(session.scalars(query))


def _load_cooldowns(
    inviter: invites.Inviter,
    session: Session,
    chunk: Sequence[invites._Prepared],
    customers: set[str],
    claimed: dict[str, list[datetime]],
) -> None:
    """Add stored invitations that start a cooldown for these customers."""
    if not customers:
        return
    low, _ = inviter.cooldown_window(chunk[0].due_at)  # the chunk is in due order
    _, high = inviter.cooldown_window(chunk[-1].due_at)
    # The status is checked here, not in SQL: with it there, SQLite (lacking
    # statistics) walks the (status, due_at) index over the whole window
    # instead of looking up these customers.
    rows = session.execute(
        select(Invitation.customer_hash, Invitation.due_at, Invitation.status).where(
            _among(session, Invitation.customer_hash, customers),
            Invitation.due_at > low,
            Invitation.due_at < high,
        )
    )
    for customer, due_at, status in rows:  # duplicates of known times are harmless
        if customer is not None and status in _COOLDOWN_STATUSES:
            claimed.setdefault(customer, []).append(due_at)
