"""Bounded request bodies: nothing reads more than its limit; beyond it, 413.

Werkzeug enforces ``request.max_content_length`` on a ``Content-Length``
before reading, and on a chunked body while reading; but reading a chunked
body whole (``get_data``) stops *at* the maximum without an error. So the
maximum is set one byte above the limit, and a body that reaches it is too
large: a body of exactly ``limit`` bytes passes, any longer one is refused.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge


def bound_body(limit: int) -> None:
    """Let no one read more than ``limit`` bytes (+1, see above) of this request's body."""
    request.max_content_length = limit + 1


def read_body(limit: int) -> bytes:
    """This request's body (cached for the form parser), at most ``limit`` bytes.

    :raises RequestEntityTooLarge: the body is longer.
    """
    body = request.get_data(cache=True)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    return body
