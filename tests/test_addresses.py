"""Strict address validation: one plain address, as email_validator checks it."""

from __future__ import annotations

import pytest

from csat.errors import InvalidAddressError
from csat.invitations.addresses import is_excluded, normalize_address


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("kim@example.com", "kim@example.com"),
        ("Kim.Muster@Example.COM", "kim.muster@example.com"),
        ("  kim@example.com  ", "kim@example.com"),
        ("o'brien+tag@sub.example.co.uk", "o'brien+tag@sub.example.co.uk"),
        ("jürgen@müller.de", "jürgen@müller.de"),
    ],
)
def test_valid(raw: str, normalized: str) -> None:
    assert normalize_address(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "kim",
        "kim@",
        "@example.com",
        "kim@@example.com",
        "kim@example.com\r\nBcc: victim@example.com",
        "kim@example.com\n",
        "kim\x00@example.com",
        "Kim <kim@example.com>",
        '"Kim" <kim@example.com>',
        "<kim@example.com>",
        "kim@example.com, eve@example.com",
        "kim@example.com;eve@example.com",
        '"kim"@example.com',
        "kim@[127.0.0.1]",
        "kim@localhost",
        "kim@printer.local",
        "a..b@example.com",
        "kim@-example.com",
        "k" * 65 + "@example.com",
        # RFC 2047 encoded words are atext, but the To header would decode them:
        "=?utf-8?q?x=0D=0ABcc=3A_evil=40attacker.example?=@example.com",
        "kim\udcff@example.com",
    ],
)
def test_invalid(raw: str) -> None:
    with pytest.raises(InvalidAddressError) as info:
        normalize_address(raw)
    assert info.value.field == "email"
    assert "invalid address" in str(info.value)


def test_not_a_string() -> None:
    with pytest.raises(InvalidAddressError, match="not a string"):
        normalize_address(None)


def test_exclusion_patterns() -> None:
    patterns = ("*@helpdesk.example.com", "noreply@*")
    assert is_excluded("ana@helpdesk.example.com", patterns)
    assert is_excluded("noreply@corp.example.com", patterns)
    assert not is_excluded("kim@example.com", patterns)
    assert not is_excluded("kim@helpdesk.example.com.evil.org", patterns)
