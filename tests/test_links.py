"""Public URLs are built from the configured base URL."""

from __future__ import annotations

from csat.links import one_click_url, survey_url, unsubscribe_url


def test_links() -> None:
    base = "https://help.example.com/survey/"
    assert survey_url(base, "tok") == "https://help.example.com/survey/tok"
    assert one_click_url(base, "tok", "understood", 4) == (
        "https://help.example.com/survey/tok?understood=4"
    )
    assert one_click_url(base, "tok", "solved", "a b") == (
        "https://help.example.com/survey/tok?solved=a+b"
    )
    assert unsubscribe_url(base, "tok") == "https://help.example.com/survey/tok/unsubscribe"
