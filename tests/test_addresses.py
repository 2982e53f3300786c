"""Strict address validation and the fast path's agreement with email_validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from csat import InvalidAddressError
from csat.addresses import is_excluded, normalize_address


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


_atom = st.text("abcXYZ019!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=8)
_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)


@given(
    local=st.lists(_atom, min_size=1, max_size=3).map(".".join),
    labels=st.lists(_label, min_size=1, max_size=3),
    tld=st.sampled_from(["com", "de", "io", "test", "local", "example", "invalid", "Org"]),
)
def test_fast_path_agrees_with_email_validator(local: str, labels: list[str], tld: str) -> None:
    address = f"{local}@{'.'.join(labels)}.{tld}"
    try:
        expected: str | None = validate_email(
            address, check_deliverability=False, strict=True
        ).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        actual: str | None = normalize_address(address)
    except InvalidAddressError:
        actual = None
    assert actual == expected


def test_exclusion_patterns() -> None:
    patterns = ("*@helpdesk.example.com", "noreply@*")
    assert is_excluded("ana@helpdesk.example.com", patterns)
    assert is_excluded("noreply@corp.example.com", patterns)
    assert not is_excluded("kim@example.com", patterns)
    assert not is_excluded("kim@helpdesk.example.com.evil.org", patterns)
