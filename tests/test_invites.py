"""invite and invite_many: idempotency, the rules, and their agreement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csat import Decision, FixedClock, InviteRequest, Reason, Settings, Status, SurveyService
from csat.errors import (
    ConfigurationError,
    InvalidInputError,
    NaiveDatetimeError,
    UnknownSurveyError,
)
from csat.storage.models import Invitation, SurveyVersion
from csat.tokens import derive_token, token_hash

from .conftest import SECRET, run_concurrently


def _invite(service: SurveyService, ticket: str, email: str, *, hours_ago: float = 2, **kw: object):
    args: dict[str, object] = {
        "agent": "ana",
        "team": "1st Level",
        "channel": "phone",
        "resolved_at": service.clock() - timedelta(hours=hours_ago),
    }
    args.update(kw)
    return service.invite(ticket, email, **args)  # type: ignore[arg-type]


def _count(service: SurveyService) -> int:
    with Session(service.engine) as s:
        return int(s.scalar(select(func.count()).select_from(Invitation)) or 0)


def test_invite_due_returns_link_and_stores_only_token_hash(service: SurveyService) -> None:
    result = _invite(service, "T-1", "Kim.Muster@Example.COM")
    assert result.decision is Decision.SEND
    assert result.reason is Reason.DUE
    assert result.status is Status.PENDING
    assert result.created
    assert result.token is not None and len(result.token) == 24
    assert result.url == f"http://localhost:5000/survey/{result.token}"
    with Session(service.engine) as s:
        row = s.get(Invitation, result.invitation_id)
        assert row is not None
        assert row.email == "kim.muster@example.com"
        assert row.token_hash == token_hash(result.token)
        stored = [str(getattr(row, c.key)) for c in Invitation.__table__.columns]
        assert all(result.token not in value for value in stored)
        assert derive_token(SECRET.encode(), row.nonce) == result.token
        assert len(bytes.fromhex(row.nonce)) * 8 >= 128


def test_invite_is_idempotent_per_survey_and_ticket(service: SurveyService) -> None:
    first = _invite(service, "T-1", "kim@example.com")
    again = _invite(service, "T-1", "other@example.com", agent="bob", hours_ago=0)
    assert again.created is False
    assert again.invitation_id == first.invitation_id
    assert again.url == first.url
    assert _count(service) == 1
    other_survey = _invite(service, "T-1", "kim@example.com", survey="quick")
    assert other_survey.invitation_id != first.invitation_id
    assert _count(service) == 2


def test_concurrent_invites_for_one_ticket_make_one_invitation(service: SurveyService) -> None:
    results = run_concurrently(lambda _: _invite(service, "T-race", "kim@example.com"), 8)
    assert len({r.invitation_id for r in results}) == 1
    assert len({r.url for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert _count(service) == 1


def test_delay_after_resolution(service: SurveyService) -> None:
    result = _invite(service, "T-1", "kim@example.com", hours_ago=0.25)
    assert result.decision is Decision.DELAY
    assert result.reason is Reason.DELAYED
    assert result.due_at == service.clock() + timedelta(minutes=45)
    assert result.url is not None


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("not-an-address", Reason.INVALID_ADDRESS),
        ("kim@example.com\r\nBcc: all@example.com", Reason.INVALID_ADDRESS),
        ('"Boss" <kim@example.com>', Reason.INVALID_ADDRESS),
        ("a@example.com, b@example.com", Reason.INVALID_ADDRESS),
        ("agent@helpdesk.example.com", Reason.EXCLUDED_ADDRESS),
        ("NoReply@corp.example.com", Reason.EXCLUDED_ADDRESS),
    ],
)
def test_address_rules(engine, clock: FixedClock, email: str, reason: Reason) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        secret_key=SECRET, exclude_addresses=("*@helpdesk.example.com", "noreply@*")
    )
    service = SurveyService(engine, settings=settings, clock=clock)
    result = _invite(service, "T-1", email)
    assert result.reason is reason
    assert result.decision is Decision.SKIP
    assert result.status is Status.SKIPPED
    assert result.token is None and result.url is None
    with Session(engine) as s:
        row = s.get(Invitation, result.invitation_id)
        assert row is not None
        # A skipped invitation never mails, so it keeps no address, malformed or not.
        assert row.email is None and row.customer_hash is None


def test_opted_out_customer_is_skipped(service: SurveyService) -> None:
    service.opt_out("kim@example.com")
    assert _invite(service, "T-1", "KIM@example.com").reason is Reason.OPTED_OUT


def test_cooldown_per_customer(service: SurveyService, clock: FixedClock) -> None:
    assert _invite(service, "T-1", "kim@example.com").reason is Reason.DUE
    assert _invite(service, "T-2", "kim@example.com").reason is Reason.COOLDOWN
    assert _invite(service, "T-3", "other@example.com").reason is Reason.DUE
    clock.advance(days=14)
    assert _invite(service, "T-4", "kim@example.com").reason is Reason.DUE


def test_skipped_invitations_do_not_start_a_cooldown(service: SurveyService) -> None:
    quick = service.settings.replace(sampling_rate=0.0)
    sampled = SurveyService(service.engine, settings=quick, clock=service.clock)
    assert _invite(sampled, "T-1", "kim@example.com").reason is Reason.SAMPLED_OUT
    assert _invite(service, "T-2", "kim@example.com").reason is Reason.DUE


def test_sampling_rate_is_deterministic_and_roughly_right(engine, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    service = SurveyService(
        engine,
        settings=Settings(secret_key=SECRET, sampling_rate=0.3, cooldown=timedelta(0)),
        clock=clock,
    )
    requests = [
        InviteRequest(
            f"S-{i}", f"c{i}@example.com", "ana", "1st", "ticket", clock() - timedelta(hours=3)
        )
        for i in range(400)
    ]
    results = service.invite_many(requests)
    sent = sum(r.reason is Reason.DUE for r in results)
    assert 80 < sent < 160  # 30 % of 400 = 120
    assert {r.reason for r in results} == {Reason.DUE, Reason.SAMPLED_OUT}


def test_reopened_ticket_cancels_pending_and_reinvite_reuses_link(service: SurveyService) -> None:
    first = _invite(service, "T-1", "kim@example.com", hours_ago=0)
    assert first.decision is Decision.DELAY
    assert service.cancel("T-1") == 1
    assert service.cancel("T-1") == 0
    assert service.cancel("T-unknown") == 0
    with Session(service.engine) as s:
        row = s.get(Invitation, first.invitation_id)
        assert row is not None
        assert (row.status, row.reason) == ("cancelled", "reopened")
    again = _invite(service, "T-1", "kim@example.com", hours_ago=3)
    assert again.invitation_id == first.invitation_id
    assert again.url == first.url
    assert again.reason is Reason.DUE
    assert again.status is Status.PENDING


def test_cancel_leaves_sent_invitations_answerable(service: SurveyService) -> None:
    result = _invite(service, "T-1", "kim@example.com")
    with Session(service.engine) as s, s.begin():
        row = s.get(Invitation, result.invitation_id)
        assert row is not None
        row.status = "sent"
    assert service.cancel("T-1") == 0
    assert result.token is not None
    assert service.open(result.token).ticket_id == "T-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"agent": ""}, "agent"),
        ({"team": "x" * 256}, "team"),
        ({"ticket_id": "T\n1"}, "ticket_id"),
        ({"ticket_id": "T\u20281"}, "ticket_id"),
        ({"ticket_id": "T-\ud800"}, "ticket_id"),
        ({"agent": "ana\udcff"}, "agent"),
        ({"team": "\udfff1st"}, "team"),
        ({"category": "VPN\ud83d"}, "category"),
        ({"locale": "fr"}, "locale"),
        ({"category": ""}, "category"),
    ],
)
def test_invalid_input_is_rejected(
    service: SurveyService, change: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {
        "ticket_id": "T-1",
        "email": "kim@example.com",
        "agent": "ana",
        "team": "1st",
        "channel": "phone",
        "resolved_at": service.clock(),
    }
    args.update(change)
    with pytest.raises(InvalidInputError) as info:
        service.invite(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert _count(service) == 0


@pytest.mark.parametrize("field", ["ticket_id", "agent", "team", "category"])
def test_a_lone_surrogate_is_refused_in_every_text_field_of_invite_many(
    service: SurveyService, clock: FixedClock, field: str
) -> None:
    """A lone surrogate (e.g. from undecodable bytes) fits no database, email or
    page: it is refused by name before anything is written."""
    bad = replace(_requests(clock, 1)[0], **{"ticket_id": "B-1", field: "x\ud800y"})
    with pytest.raises(
        InvalidInputError, match=r"row 4: .*must not contain lone surrogates"
    ) as info:
        service.invite_many([*_requests(clock, 3), bad])
    assert info.value.field == field
    assert "\ud800" not in str(info.value)
    assert _count(service) == 0


def test_an_encoded_word_in_a_ticket_id_is_kept_as_written(service: SurveyService) -> None:
    """Ticket ids are the host's keys: RFC 2047 syntax is stored as given (the
    email neutralises it where it reaches a header)."""
    ticket = "=?utf-8?q?x=0D=0AReply-To:_evil@attacker.example?="
    result = _invite(service, ticket, "kim@example.com")
    assert result.ticket_id == ticket and result.decision is Decision.SEND
    assert service.cancel(ticket) == 1


def test_naive_datetime_is_rejected(service: SurveyService) -> None:
    with pytest.raises(NaiveDatetimeError, match=r"resolved_at.*timezone-aware"):
        _invite(service, "T-1", "kim@example.com", resolved_at=datetime(2026, 1, 1))
    with pytest.raises(NaiveDatetimeError, match="now"):
        _invite(service, "T-1", "kim@example.com", now=datetime(2026, 1, 1))


def test_unknown_survey(service: SurveyService) -> None:
    with pytest.raises(UnknownSurveyError, match="nope"):
        _invite(service, "T-1", "kim@example.com", survey="nope")


def test_times_round_trip_as_aware_utc(service: SurveyService) -> None:
    from zoneinfo import ZoneInfo

    resolved = datetime(2026, 10, 5, 8, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    result = _invite(service, "T-1", "kim@example.com", resolved_at=resolved)
    with Session(service.engine) as s:
        row = s.get(Invitation, result.invitation_id)
        assert row is not None
        assert row.resolved_at == resolved
        assert row.resolved_at.tzinfo is UTC
        assert row.resolved_at.microsecond == 123456


def test_survey_version_is_stored_once(service: SurveyService) -> None:
    _invite(service, "T-1", "a@example.com")
    _invite(service, "T-2", "b@example.com")
    with Session(service.engine) as s:
        versions = s.scalars(select(SurveyVersion)).all()
    assert [v.fingerprint for v in versions] == [service.survey().fingerprint]
    assert versions[0].definition == service.survey().to_dict()


# -- invite_many -------------------------------------------------------------------


def _requests(clock: FixedClock, n: int) -> list[InviteRequest]:
    return [
        InviteRequest(
            ticket_id=f"M-{i}",
            email=["kim@example.com", "bad address", "x@helpdesk.example.com"][i % 7 % 3]
            if i % 7 < 3
            else f"c{i % 11}@example.com",
            agent=f"agent{i % 4}",
            team="1st" if i % 2 else "2nd",
            channel=("phone", "ticket", "chat")[i % 3],
            resolved_at=clock() - timedelta(hours=i * 7 % 500 / 10),
            category="printer" if i % 5 else None,
            locale="de" if i % 3 else "en",
        )
        for i in range(n)
    ]


def test_invite_many_agrees_with_invite(engine, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(secret_key=SECRET, exclude_addresses=("*@helpdesk.example.com",))
    service = SurveyService(engine, settings=settings, clock=clock)
    service.opt_out("c3@example.com")
    recent = InviteRequest(
        "R-1", "new@example.com", "ana", "1st", "chat", clock() - timedelta(minutes=10)
    )
    requests = [*_requests(clock, 60), recent]
    one_by_one = []
    for r in sorted(requests, key=lambda r: (r.resolved_at, r.ticket_id)):
        one_by_one.append(
            (
                r.ticket_id,
                service.invite(
                    r.ticket_id,
                    r.email,
                    agent=r.agent,
                    team=r.team,
                    channel=r.channel,
                    resolved_at=r.resolved_at,
                    category=r.category,
                    locale=r.locale,
                ).reason,
            )
        )
    with engine.begin() as conn:
        conn.execute(Invitation.__table__.delete())
    batch = service.invite_many(requests)
    assert [r.ticket_id for r in batch] == [r.ticket_id for r in requests]
    assert dict(one_by_one) == {r.ticket_id: r.reason for r in batch}
    assert {r.reason for r in batch} >= {
        Reason.DUE,
        Reason.DELAYED,
        Reason.COOLDOWN,
        Reason.OPTED_OUT,
        Reason.INVALID_ADDRESS,
        Reason.EXCLUDED_ADDRESS,
    }


def test_invite_many_is_idempotent_and_matches_invite_links(
    service: SurveyService, clock: FixedClock
) -> None:
    requests = _requests(clock, 30)
    first = service.invite_many(requests)
    assert all(r.created for r in first)
    again = service.invite_many([*requests, requests[0]])
    assert not any(r.created for r in again)
    assert [r.url for r in again[:-1]] == [r.url for r in first]
    single = service.invite(
        requests[5].ticket_id,
        requests[5].email,
        agent="x",
        team="y",
        channel="chat",
        resolved_at=clock(),
    )
    assert single.url == first[5].url
    assert _count(service) == 30


def test_invite_many_same_ticket_twice_in_one_batch(
    service: SurveyService, clock: FixedClock
) -> None:
    r = InviteRequest("D-1", "kim@example.com", "ana", "1st", "phone", clock() - timedelta(hours=2))
    results = service.invite_many([r, r])
    assert results[0].invitation_id == results[1].invitation_id
    assert [x.created for x in results] == [True, False]


def test_invite_many_validates_everything_before_writing(
    service: SurveyService, clock: FixedClock
) -> None:
    requests = _requests(clock, 10)
    bad = InviteRequest("B-1", "kim@example.com", "ana", "1st", "fax", clock())
    with pytest.raises(InvalidInputError, match="row 11"):
        service.invite_many([*requests, bad])
    assert _count(service) == 0


def test_invite_many_across_chunks(
    service: SurveyService, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csat.invitations.invite

    monkeypatch.setattr(csat.invitations.invite, "CHUNK_SIZE", 7)
    requests = _requests(clock, 40)
    results = service.invite_many(requests)
    assert len({r.invitation_id for r in results}) == 40
    # cooldown holds across chunk borders: kim gets exactly one survey
    kim = [r for r, q in zip(results, requests, strict=True) if q.email == "kim@example.com"]
    assert sum(r.reason is Reason.DUE for r in kim) == 1


def test_invite_many_same_ticket_in_two_chunks(
    service: SurveyService, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csat.invitations.invite

    monkeypatch.setattr(csat.invitations.invite, "CHUNK_SIZE", 3)
    requests = _requests(clock, 8)
    again = replace(requests[0], resolved_at=requests[7].resolved_at - timedelta(minutes=1))
    results = service.invite_many([*requests, again])
    assert results[-1].invitation_id == results[0].invitation_id
    assert results[-1].url == results[0].url
    # the earlier due of the two (here the repeat) makes the invitation
    assert [r.created for r in results] == [False] + [True] * 7 + [True]
    assert _count(service) == 8


def test_invite_many_skips_opted_out_customers(
    service: SurveyService, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csat.invitations.invite

    monkeypatch.setattr(csat.invitations.invite, "CHUNK_SIZE", 7)  # opt-outs looked up per chunk
    service.opt_out("C3@example.com")
    results = service.invite_many(_requests(clock, 40))
    skipped = {r.ticket_id for r in results if r.reason is Reason.OPTED_OUT}
    expected = {f"M-{i}" for i in range(40) if i % 7 >= 3 and i % 11 == 3}
    assert skipped == expected and expected


def test_invite_many_empty(service: SurveyService) -> None:
    assert service.invite_many([]) == []


def test_corrected_address_is_decided_again(service: SurveyService) -> None:
    typo = _invite(service, "T-1", "kim@exam ple.com")
    assert typo.reason is Reason.INVALID_ADDRESS
    fixed = _invite(service, "T-1", "kim@example.com")
    assert fixed.invitation_id == typo.invitation_id
    assert fixed.reason is Reason.DUE
    assert fixed.url is not None
    assert _invite(service, "T-1", "other@example.com").url == fixed.url


def test_unknown_survey_lists_known_keys(service: SurveyService) -> None:
    with pytest.raises(UnknownSurveyError, match="known: post_ticket, quick") as info:
        _invite(service, "T-1", "kim@example.com", survey="nope")
    assert isinstance(info.value, InvalidInputError)
    assert info.value.field == "survey"


def test_an_invitation_keeps_the_base_url_of_its_link(engine, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    """The base URL is stored when the invitation is made: a later service with
    another CSAT_BASE_URL shows the same link; rows from before fall back."""
    first = SurveyService(
        engine, settings=Settings(secret_key=SECRET, base_url="https://a.example/s"), clock=clock
    )
    made = _invite(first, "T-1", "kim@example.com")
    assert made.url == f"https://a.example/s/{made.token}"
    later = SurveyService(
        engine, settings=Settings(secret_key=SECRET, base_url="https://b.example/s"), clock=clock
    )
    assert _invite(later, "T-1", "kim@example.com").url == made.url
    request = InviteRequest("T-1", "kim@example.com", "ana", "1st Level", "phone", clock())
    assert later.invite_many([request])[0].url == made.url
    assert later.link_for(made.invitation_id) == made.url
    with Session(engine) as s, s.begin():
        row = s.get(Invitation, made.invitation_id)
        assert row is not None and row.base_url == "https://a.example/s"
        row.base_url = None  # made before the base URL was stored
    assert later.link_for(made.invitation_id) == f"https://b.example/s/{made.token}"
    broken = Settings(secret_key=SECRET, base_url="https://b.example/s?x=1")
    with pytest.raises(ConfigurationError, match="CSAT_BASE_URL"):
        _invite(SurveyService(engine, settings=broken, clock=clock), "T-2", "kim@example.com")
