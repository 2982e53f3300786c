"""Signals sent after a submission; follow-up at understood or helped <= 2."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from csat import FixedClock
from csat.web import get_service
from csat.web.signals import (
    FOLLOW_UP_THRESHOLD,
    follow_up_needed,
    response_submitted,
)

from .web import csrf_token, invite, make_app


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> Flask:
    return make_app(engine, clock)


def _submit(app: Flask, token: str, **answers: str) -> None:
    client = app.test_client()
    data = {"csrf_token": csrf_token(client, f"/survey/{token}"), **answers}
    assert client.post(f"/survey/{token}", data=data).status_code == 303


def test_follow_up_when_not_understood_carries_the_task_data(app: Flask) -> None:
    assert FOLLOW_UP_THRESHOLD == 2
    submitted: list[dict[str, Any]] = []
    follow: list[dict[str, Any]] = []
    token = invite(app, "T-7", agent="bob", team="2nd Level")
    with (
        response_submitted.connected_to(lambda s, **kw: submitted.append(kw), app),
        follow_up_needed.connected_to(lambda s, **kw: follow.append(kw), app),
    ):
        _submit(app, token, understood="2", helped="5", comment="Nobody listened.")
    assert len(submitted) == 1 and len(follow) == 1
    task = follow[0]
    assert task["ticket_id"] == "T-7" and task["agent"] == "bob" and task["team"] == "2nd Level"
    assert task["understood_score"] == 2 and task["helped_score"] == 5
    assert task["comment"] == "Nobody listened." and task["created"] is True
    assert task["reasons"] == ("not_understood",) and isinstance(task["case_id"], int)
    assert get_service(app).follow_ups()[0].id == task["case_id"]  # csat's own case


def test_the_signal_still_fires_without_csats_cases(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock, CSAT_FOLLOW_UPS=False)
    follow: list[dict[str, Any]] = []
    token = invite(app)
    with follow_up_needed.connected_to(lambda s, **kw: follow.append(kw), app):
        _submit(app, token, understood="4", solved="no")
    assert [(f["reasons"], f["case_id"]) for f in follow] == [(("not_helped", "not_solved"), None)]
    assert get_service(app).follow_ups() == []


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"understood": "3"}, False),
        ({"understood": "5", "helped": "1"}, True),
        ({"understood": "4", "solved": "no"}, True),
        ({"understood": "1"}, True),
    ],
)
def test_follow_up_threshold(app: Flask, answers: dict[str, str], expected: bool) -> None:
    follow: list[dict[str, Any]] = []
    token = invite(app)
    with follow_up_needed.connected_to(lambda s, **kw: follow.append(kw), app):
        _submit(app, token, **answers)
    assert bool(follow) is expected


def test_follow_up_is_sent_once_per_case_across_edits(app: Flask) -> None:
    follow: list[dict[str, Any]] = []
    submitted: list[dict[str, Any]] = []
    token = invite(app)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")

    def edit(**answers: str) -> None:
        data = {"csrf_token": csrf, **answers}
        assert client.post(f"/survey/{token}", data=data).status_code == 303

    with (
        response_submitted.connected_to(lambda s, **kw: submitted.append(kw), app),
        follow_up_needed.connected_to(lambda s, **kw: follow.append(kw), app),
    ):
        edit(understood="4")  # first answer: no follow-up
        assert follow == []
        edit(understood="2")  # the edit makes it a case: sent
        assert [(f["created"], f["understood_score"]) for f in follow] == [(False, 2)]
        edit(understood="1", comment="Still nobody listened.")  # still a case: not again
        edit(understood="2", solved="no")  # now not helped either: the same case
        assert len(follow) == 1
        edit(understood="5")  # no longer a case
        edit(understood="5", helped="1")  # a case again (not helped): sent
        assert [(f["understood_score"], f["helped_score"]) for f in follow] == [(2, None), (5, 1)]
    assert len(submitted) == 6 and [s["created"] for s in submitted] == [True] + [False] * 5


def test_record_result_carries_the_scores_it_replaced(app: Flask) -> None:
    token = invite(app)
    service = get_service(app)
    first = service.record(token, {"understood": "2"})
    assert first.created and first.new_follow_up
    assert (first.previous_understood_score, first.previous_helped_score) == (None, None)
    again = service.record(token, {"understood": "1"})
    assert not again.created and not again.new_follow_up
    assert again.previous_understood_score == 2
