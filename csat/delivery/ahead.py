"""Building the next email while the current one is on its way.

An SMTP sender spends most of its time waiting for the server's replies, and
the GIL is free meanwhile; :class:`BuildAhead` builds the next email in one
worker thread during that wait. Only that thread builds, one email at a time,
so the builder's caches see no concurrency. Building has no side effects: an
email built ahead and then not sent (its ticket was cancelled meanwhile, the
server went away, the lease ran out) is simply dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from ..survey import Survey
from .message import Envelope, OutgoingEmail

Build = Callable[[Envelope, Survey, datetime], OutgoingEmail]


class BuildAhead:
    """Builds emails in a worker thread, at most one ahead of the sender.

    :param build: the builder's ``prepare`` (envelope, survey, date) → email.
    """

    def __init__(self, build: Build) -> None:
        self._build = build
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csat-build")
        self._next: tuple[Envelope, Future[OutgoingEmail]] | None = None

    def start(self, envelope: Envelope, survey: Survey, now: datetime) -> None:
        """Start building the email for ``envelope`` (replacing any built before)."""
        self._next = (envelope, self._pool.submit(self._build, envelope, survey, now))

    def get(self, envelope: Envelope, survey: Survey, now: datetime) -> OutgoingEmail:
        """The email for ``envelope``: the one built ahead, else built now.

        Errors of building are raised here, as if it had been built now.
        """
        if self._next is None or self._next[0] is not envelope:
            self.start(envelope, survey, now)
        assert self._next is not None
        future = self._next[1]
        self._next = None
        return future.result()

    def close(self) -> None:
        """Stop the worker (after the email it may be building)."""
        self._next = None
        self._pool.shutdown(wait=True, cancel_futures=True)
