"""Bounded request bodies: nothing reads more than its limit; beyond it, 413.

Werkzeug enforces ``request.max_content_length`` on a ``Content-Length``
before reading, and on a chunked body while reading; but reading a chunked
body whole (``get_data``) stops *at* the maximum without an error. So the
maximum is set one byte above the limit, and a body that reaches it is too
large: a body of exactly ``limit`` bytes passes, any longer one is refused.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

#: The content type of the pages' forms; its raw body is checked for invalid UTF-8.
FORM_TYPE = "application/x-www-form-urlencoded"


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


def unreadable_fields(names: set[str]) -> set[str]:
    """The fields among ``names`` whose submitted bytes are not UTF-8.

    Werkzeug keeps such bytes percent-encoded in the value (``%ED%A0%80``, a
    lone surrogate's encoding), which would be stored as if typed: the raw
    body (cached by :func:`read_body`) tells them apart.
    """
    if request.mimetype != FORM_TYPE:
        return set()
    body = request.get_data(cache=True).decode("latin-1")
    bad = set()
    for name, value in parse_qsl(body, keep_blank_values=True, encoding="latin-1"):
        try:
            name.encode("latin-1").decode("utf-8")
            value.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            bad.add(name)
    return bad & names
