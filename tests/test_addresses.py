"""Strict address validation: one plain address, as email_validator checks it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csat.errors import InvalidAddressError
from csat.invitations.addresses import is_excluded, mask_addresses, normalize_address


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


@given(
    address=st.emails(),
    before=st.sampled_from(["RCPT: 550 <", "address '", "user ", "", "550 5.1.1 "]),
    after=st.sampled_from([">: no such user", "' needs SMTPUTF8", "", ". try later"]),
)
def test_mask_addresses_keeps_no_local_part(address: str, before: str, after: str) -> None:
    local, domain = address.rsplit("@", 1)
    masked = mask_addresses(f"{before}{address}{after}")
    assert f"{local}@" not in masked
    assert f"…@{domain}" in masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("address 'jürgen@example.de' needs SMTPUTF8", "address '…@example.de' needs SMTPUTF8"),
        ("550 <Kim.Muster+x@Mail.Example.COM>: rejected", "550 <…@Mail.Example.COM>: rejected"),
        ('user "kim muster"@example.org unknown', "user …@example.org unknown"),
        ("connect to localhost:25: refused", "connect to localhost:25: refused"),
    ],
)
def test_mask_addresses(text: str, masked: str) -> None:
    assert mask_addresses(text) == masked
