"""opt_out, forget and the retention purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csat import FixedClock, Reason, SurveyService
from csat.errors import ExpiredTokenError, InvalidAddressError
from csat.storage.models import Invitation, OptOut, Response, metadata


def _answered(service: SurveyService, ticket: str, email: str, comment: str) -> int:
    result = service.invite(
        ticket,
        email,
        agent="ana",
        team="1st",
        channel="chat",
        resolved_at=service.clock() - timedelta(hours=2),
    )
    assert result.token is not None
    service.record(result.token, {"understood": 2, "helped": 4, "comment": comment})
    return result.invitation_id


def _dump(service: SurveyService) -> str:
    """Every stored value of every column of every csat table, as one string."""
    parts = []
    with service.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_forget_erases_personal_data_and_keeps_scores(
    service: SurveyService, clock: FixedClock
) -> None:
    _answered(service, "T-1", "Kim@Example.com", "Call me on 0151 and ask for Kim")
    clock.advance(days=20)
    _answered(service, "T-2", "kim@example.com", "second")
    pending = service.invite(
        "T-3",
        "kim@example.com",
        agent="a",
        team="t",
        channel="chat",
        resolved_at=clock() + timedelta(days=30),
    )
    _answered(service, "T-9", "other@example.com", "keep me")
    result = service.forget("KIM@example.com")
    # no sender ran in this test, so all three of kim's invitations were still pending
    assert (result.invitations, result.comments, result.cancelled) == (3, 2, 3)
    dump = _dump(service)
    assert "kim@example.com" not in dump.lower()
    assert "Call me" not in dump and "second" not in dump
    assert "keep me" in dump and "other@example.com" in dump
    with Session(service.engine) as s:
        scores = s.execute(select(Response.understood_score, Response.helped_score)).all()
        assert sorted(scores) == [(2, 4), (2, 4), (2, 4)]
        row = s.get(Invitation, pending.invitation_id)
        assert row is not None and (row.status, row.reason) == ("cancelled", "erased")
    assert service.forget("kim@example.com").invitations == 0


def test_opt_out_survives_forget_as_keyed_hash(service: SurveyService) -> None:
    assert service.opt_out("kim@example.com") == 0
    assert service.opt_out("kim@example.com") == 0  # idempotent
    service.forget("kim@example.com")
    assert service.is_opted_out("Kim@Example.com")
    assert "kim" not in _dump(service).lower()
    result = service.invite(
        "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=service.clock()
    )
    assert result.reason is Reason.OPTED_OUT


def test_opt_out_cancels_pending_invitations(service: SurveyService) -> None:
    result = service.invite(
        "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=service.clock()
    )
    assert service.opt_out("kim@example.com") == 1
    with Session(service.engine) as s:
        row = s.get(Invitation, result.invitation_id)
        assert row is not None and (row.status, row.reason) == ("cancelled", "opted_out")


def test_opt_out_hash_is_keyed(service: SurveyService) -> None:
    import hashlib

    service.opt_out("kim@example.com")
    with Session(service.engine) as s:
        [stored] = s.scalars(select(OptOut.customer_hash)).all()
    assert stored != hashlib.sha256(b"kim@example.com").hexdigest()


def test_purge_erases_only_old_personal_data(engine, settings, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    service = SurveyService(
        engine, settings=settings.replace(retention=timedelta(days=90)), clock=clock
    )
    _answered(service, "T-old", "old@example.com", "old comment")
    clock.advance(days=60)
    _answered(service, "T-new", "new@example.com", "new comment")
    clock.advance(days=31)
    result = service.purge()
    assert (result.invitations, result.comments) == (1, 1)
    dump = _dump(service)
    assert "old@example.com" not in dump and "old comment" not in dump
    assert "new@example.com" in dump and "new comment" in dump
    assert service.purge().invitations == 0


def test_purge_without_retention_is_a_no_op(service: SurveyService) -> None:
    _answered(service, "T-1", "kim@example.com", "hello")
    assert service.purge().invitations == 0
    assert "kim@example.com" in _dump(service)


def test_invalid_address_is_an_error(service: SurveyService) -> None:
    with pytest.raises(InvalidAddressError):
        service.forget("not an address")
    with pytest.raises(InvalidAddressError):
        service.opt_out("kim@example.com\r\nBcc: x@example.com")


def test_unsubscribe_by_token(service: SurveyService) -> None:
    first = service.invite(
        "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=service.clock()
    )
    assert first.token is not None
    assert service.unsubscribe(first.token) == 1
    assert service.is_opted_out("kim@example.com")
    later = service.invite(
        "T-2", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=service.clock()
    )
    assert later.reason is Reason.OPTED_OUT


def test_after_forget_nothing_holds_the_address_and_the_link_only_unsubscribes(
    service: SurveyService, clock: FixedClock
) -> None:
    """#15 item 18: no column keeps the address, its forms or the comment (a
    server's reply quoting the mailbox included); the link takes no more answers;
    its one-click unsubscribe still records the opt-out."""
    result = service.invite(
        "T-1", "Jürgen.Groß@Example.de", agent="a", team="t", channel="chat",
        resolved_at=clock() - timedelta(hours=2),
    )  # fmt: skip
    assert result.token is not None
    service.record(result.token, {"understood": 4, "comment": "Ruf mich an, Jürgen"})
    with Session(service.engine) as s, s.begin():
        row = s.get(Invitation, result.invitation_id)
        assert row is not None
        row.status = "sent"  # as if csat send had delivered it, after one 450 quoting it
        row.last_error = "RCPT: 450 4.2.0 <jürgen.groß@example.de>: mailbox busy"
    erased = service.forget("jürgen.groß@example.de")
    assert (erased.invitations, erased.comments) == (1, 1)
    dump = _dump(service).lower()
    for fragment in ("jürgen.groß@example.de", "jürgen.groß", "ruf mich an"):
        assert fragment not in dump
    with pytest.raises(ExpiredTokenError):
        service.open(result.token)
    with pytest.raises(ExpiredTokenError):
        service.record(result.token, {"understood": 1})
    assert not service.is_opted_out("jürgen.groß@example.de")
    assert service.unsubscribe(result.token) == 0  # nothing pending left to cancel
    assert service.is_opted_out("jürgen.groß@example.de")
    assert "jürgen" not in _dump(service).lower()


def test_erased_comments_are_counted_once(service: SurveyService) -> None:
    _answered(service, "T-1", "kim@example.com", "first")
    _answered(service, "T-2", "kim2@example.com", "")  # no comment: nothing to erase
    assert service.forget("kim@example.com").comments == 1
    assert service.forget("kim@example.com").comments == 0
    assert service.forget("kim2@example.com").comments == 0
