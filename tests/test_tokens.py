"""Token derivation and keyed hashes."""

from __future__ import annotations

from csat.tokens import (
    TOKEN_LENGTH,
    customer_hash,
    derive_token,
    is_well_formed,
    new_nonce,
    new_nonces,
    sample_fraction,
    token_hash,
)

KEY = b"k" * 32


def test_token_is_derived_from_nonce_and_secret() -> None:
    nonce = new_nonce()
    assert len(nonce) == 32 and int(nonce, 16) >= 0  # 128 bits, hex
    token = derive_token(KEY, nonce)
    assert token == derive_token(KEY, nonce)
    assert len(token) == TOKEN_LENGTH
    assert is_well_formed(token)
    assert derive_token(b"other" * 8, nonce) != token
    assert derive_token(KEY, new_nonce()) != token


def test_nonces_are_unique() -> None:
    assert len({new_nonce() for _ in range(1000)}) == 1000


def test_token_hash_is_sha256() -> None:
    import hashlib

    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()


def test_well_formed() -> None:
    assert not is_well_formed("")
    assert not is_well_formed("a" * 23)
    assert not is_well_formed("ä" * 24)
    assert not is_well_formed("a" * 23 + "/")
    assert not is_well_formed("a" * 24 + "\n") and not is_well_formed("a" * 23 + "\n")
    assert not is_well_formed("\u0663" * 24) and not is_well_formed(
        "\uff11" * 24
    )  # digits, not ASCII
    assert not is_well_formed("a" * 25)
    assert is_well_formed("aZ09-_" * 4)


def test_customer_hash_is_keyed() -> None:
    assert customer_hash(KEY, "kim@example.com") == customer_hash(KEY, "kim@example.com")
    assert customer_hash(KEY, "kim@example.com") != customer_hash(b"x" * 32, "kim@example.com")


def test_sample_fraction_is_stable_and_uniform() -> None:
    values = [sample_fraction(KEY, "post_ticket", f"T-{i}") for i in range(4000)]
    assert values[:10] == [sample_fraction(KEY, "post_ticket", f"T-{i}") for i in range(10)]
    assert all(0 <= v < 1 for v in values)
    assert 0.45 < sum(values) / len(values) < 0.55
    assert 0.27 < sum(v < 0.3 for v in values) / len(values) < 0.33


def test_batch_nonces_are_unique_and_full_length() -> None:
    nonces = new_nonces(1000)
    assert len(nonces) == 1000 and len(set(nonces)) == 1000
    assert all(len(n) == 32 and int(n, 16) >= 0 for n in nonces)
    assert new_nonces(0) == []
