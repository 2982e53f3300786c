"""What the outbox stores for a row after a send: sent, retried later, failed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from csat import stock_survey
from csat.delivery.envelope import Envelope
from csat.delivery.outcomes import failure_values, sent_values
from csat.delivery.queries import Claimed
from csat.delivery.report import SendReport
from csat.delivery.retry import RetryPolicy
from csat.errors import PermanentDeliveryError, TransientDeliveryError

NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
RELEASED = {"claim_id": None, "claimed_until": None}


def _item(*, reminder: bool = False, failing_since: datetime | None = None) -> Claimed:
    envelope = Envelope(7, "INC-7", "kim@example.com", "en", "0f" * 16,
                        NOW + timedelta(days=14), reminder)  # fmt: skip
    return Claimed(envelope, stock_survey("post_ticket"), 2, failing_since)


def test_a_sent_invitation_gets_its_message_id_and_its_reminder() -> None:
    values = sent_values(_item(), NOW, "<m7@example.com>", timedelta(days=3))
    assert values == RELEASED | {
        "next_attempt_at": None, "failing_since": None, "status": "sent", "sent_at": NOW,
        "message_id": "<m7@example.com>", "reminder_due_at": NOW + timedelta(days=3),
    }  # fmt: skip
    # No reminder when it would come at or after the expiry, or reminders are off.
    for reminder in (timedelta(days=14), timedelta(days=20), timedelta(0)):
        assert sent_values(_item(), NOW, "<m7>", reminder)["reminder_due_at"] is None


def test_a_sent_reminder_is_recorded_and_not_due_again() -> None:
    values = sent_values(_item(reminder=True), NOW, "<m7.r>", timedelta(days=3))
    assert values == RELEASED | {"next_attempt_at": None, "failing_since": None,
                                 "reminded_at": NOW, "reminder_due_at": None}  # fmt: skip


def test_a_transient_failure_is_retried_within_the_backoff() -> None:
    report = SendReport()
    retry = RetryPolicy(rng=random.Random(4))
    values = failure_values(_item(), TransientDeliveryError("451 later"), NOW, report, retry)
    assert values["last_error"] == "451 later" and values["failing_since"] == NOW
    assert NOW <= values["next_attempt_at"] <= NOW + timedelta(minutes=2)  # 2nd attempt
    assert (report.retried, report.failed, report.failures) == (1, 0, [])
    assert "status" not in values  # still pending


def test_failing_too_long_or_for_good_fails_with_the_reason() -> None:
    retry = RetryPolicy(rng=random.Random(4))
    long_ago = NOW - timedelta(hours=72)
    for item, error in (
        (_item(failing_since=long_ago), TransientDeliveryError("451 later")),
        (_item(), PermanentDeliveryError("550 no such user")),
    ):
        report = SendReport()
        values = failure_values(item, error, NOW, report, retry)
        assert values["status"] == "failed" and values["last_error"] == error.reason
        assert values["next_attempt_at"] is None and report.failures == [(7, error.reason)]
        assert (report.retried, report.failed) == (0, 1)
    assert failure_values(_item(failing_since=long_ago), PermanentDeliveryError("550"), NOW,
                          SendReport(), retry)["failing_since"] == long_ago  # fmt: skip


def test_a_failing_reminder_is_retried_then_dropped_not_the_invitation() -> None:
    retry = RetryPolicy(rng=random.Random(4))
    report = SendReport()
    again = failure_values(_item(reminder=True), TransientDeliveryError("421 busy"), NOW,
                           report, retry)  # fmt: skip
    assert again["last_error"] == "reminder: 421 busy" and again["reminder_due_at"] >= NOW
    assert report.retried == 1 and "status" not in again and "next_attempt_at" not in again
    dropped = failure_values(_item(reminder=True), PermanentDeliveryError("550 gone"), NOW,
                             report, retry)  # fmt: skip
    assert dropped == RELEASED | {"reminder_due_at": None, "last_error": "reminder: 550 gone",
                                  "failing_since": None}  # fmt: skip
    assert report.failed == 0 and report.failures == []  # the invitation itself went out
