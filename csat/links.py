"""The survey's public URLs, built from a base URL (never a request's Host).

An invitation stores the base URL its link was made on (``CSAT_BASE_URL``, or
``csat invite --base-url``); every link of it is built from that one, so the
link printed and the links in its emails are the same.

- survey page: ``{base}/{token}``
- one-click answer from the email: ``{base}/{token}?{question}={value}``
  (a GET only preselects the answer; nothing is stored until the POST)
- unsubscribe: ``{base}/{token}/unsubscribe`` (GET asks, POST opts out;
  RFC 8058 one-click POST works on the same URL)
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from .errors import InvalidInputError

#: Longest base URL: with the token and ``/unsubscribe``, the List-Unsubscribe
#: header stays on one line of RFC 5322's 998 characters.
MAX_BASE_URL = 900
_NOT_IN_URL = re.compile(r"[^\x21-\x7e]")


def check_base_url(url: str) -> str:
    """``url`` if it is a plain http(s) base URL for survey links, else InvalidInputError.

    Plain means: printable ASCII only (no white space, no control character),
    a host, no query, no fragment (so no ``=?`` either: the URL goes into the
    List-Unsubscribe header) and at most :data:`MAX_BASE_URL` characters.
    """
    if not isinstance(url, str) or _NOT_IN_URL.search(url) or len(url) > MAX_BASE_URL:
        raise InvalidInputError(
            "base_url", f"must be at most {MAX_BASE_URL} printable ASCII characters"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError("base_url", f"{url!r} is not an http(s) URL")
    if "?" in url or "#" in url:
        raise InvalidInputError("base_url", f"{url!r} must not have a query or fragment")
    return url


def survey_url(base_url: str, token: str) -> str:
    """The survey page for ``token``."""
    return f"{base_url.rstrip('/')}/{token}"


def one_click_url(base_url: str, token: str, question: str, value: int | str) -> str:
    """The survey page with one answer preselected."""
    return f"{survey_url(base_url, token)}?{urlencode({question: value})}"


def unsubscribe_url(base_url: str, token: str) -> str:
    """The unsubscribe page (and RFC 8058 one-click target) for ``token``."""
    return f"{survey_url(base_url, token)}/unsubscribe"
