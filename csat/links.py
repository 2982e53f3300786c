"""The survey's public URLs, built from ``CSAT_BASE_URL`` (never a request's Host).

- survey page: ``{base}/{token}``
- one-click answer from the email: ``{base}/{token}?{question}={value}``
  (a GET only preselects the answer; nothing is stored until the POST)
- unsubscribe: ``{base}/{token}/unsubscribe`` (GET asks, POST opts out;
  RFC 8058 one-click POST works on the same URL)
"""

from __future__ import annotations

from urllib.parse import urlencode


def survey_url(base_url: str, token: str) -> str:
    """The survey page for ``token``."""
    return f"{base_url.rstrip('/')}/{token}"


def one_click_url(base_url: str, token: str, question: str, value: int | str) -> str:
    """The survey page with one answer preselected."""
    return f"{survey_url(base_url, token)}?{urlencode({question: value})}"


def unsubscribe_url(base_url: str, token: str) -> str:
    """The unsubscribe page (and RFC 8058 one-click target) for ``token``."""
    return f"{survey_url(base_url, token)}/unsubscribe"
