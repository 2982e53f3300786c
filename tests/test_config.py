"""Settings: defaults, mapping and environment, validation."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from csat import DEFAULTS, Settings
from csat.config import KEYS, PARTS
from csat.errors import ConfigurationError


def test_defaults_match_the_documented_table() -> None:
    s = Settings()
    assert s.database_url == DEFAULTS["CSAT_DATABASE_URL"]
    assert s.delay == timedelta(hours=1)
    assert s.cooldown == timedelta(days=14)
    assert s.validity == timedelta(days=14)
    assert s.edit_window == timedelta(hours=24)
    assert s.sampling_rate == 1.0
    assert s.comment_max_length == 2000
    assert s.retention is None
    assert all(key.startswith("CSAT_") for key in DEFAULTS)


def test_every_key_is_documented_and_read() -> None:
    """Each key has its meaning in KEYS, and Settings.from_mapping reads every one
    (a key it ignored would be documented but do nothing)."""
    assert [key.name for key in KEYS] == list(DEFAULTS)
    assert all(key.meaning.strip() and key.part in PARTS for key in KEYS)
    web_only = {key.name for key in KEYS if key.part == "web"}
    source = inspect.getsource(Settings.from_mapping)
    assert all(f'"{name}"' in source for name in set(DEFAULTS) - web_only)


def test_from_mapping_converts_types() -> None:
    s = Settings.from_mapping(
        {
            "CSAT_SECRET_KEY": "s" * 20,
            "CSAT_DELAY_SECONDS": "600",
            "CSAT_COOLDOWN_DAYS": 7,
            "CSAT_SAMPLING_RATE": "0.5",
            "CSAT_EXCLUDE_ADDRESSES": "*@Helpdesk.example.com, noreply@*",
            "CSAT_RETENTION_DAYS": "365",
            "OTHER": "ignored",
        }
    )
    assert s.delay == timedelta(minutes=10)
    assert s.cooldown == timedelta(days=7)
    assert s.sampling_rate == 0.5
    assert s.exclude_addresses == ("*@helpdesk.example.com", "noreply@*")
    assert s.retention == timedelta(days=365)
    assert s.require_secret_key() == b"s" * 20


def test_min_group_n() -> None:
    assert Settings().min_group_n == DEFAULTS["CSAT_MIN_GROUP_N"] == 10
    assert Settings.from_mapping({"CSAT_MIN_GROUP_N": "5"}).min_group_n == 5


def test_from_env() -> None:
    s = Settings.from_env({"CSAT_DATABASE_URL": "sqlite:///x.db", "PATH": "/bin"})
    assert s.database_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"CSAT_SAMPLING_RATE": "1.5"}, "CSAT_SAMPLING_RATE"),
        ({"CSAT_DELAY_SECONDS": "soon"}, "CSAT_DELAY_SECONDS"),
        ({"CSAT_COOLDOWN_DAYS": "-1"}, "CSAT_COOLDOWN_DAYS"),
        ({"CSAT_COMMENT_MAX_LENGTH": "0"}, "CSAT_COMMENT_MAX_LENGTH"),
        ({"CSAT_SECRET_KEY": "short"}, "CSAT_SECRET_KEY"),
        ({"CSAT_EXCLUDE_ADDRESSES": 5}, "CSAT_EXCLUDE_ADDRESSES"),
        ({"CSAT_MIN_GROUP_N": "0"}, "CSAT_MIN_GROUP_N"),
        ({"CSAT_MIN_GROUP_N": "many"}, "CSAT_MIN_GROUP_N"),
    ],
)
def test_invalid_values(config: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_mapping(config)
    assert key in str(info.value)


def test_missing_secret_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="CSAT_SECRET_KEY: is not set"):
        Settings().require_secret_key()


def test_replace_validates() -> None:
    s = Settings(secret_key="s" * 20)
    assert s.replace(sampling_rate=0.2).sampling_rate == 0.2
    with pytest.raises(ConfigurationError):
        s.replace(sampling_rate=2)
    with pytest.raises(TypeError, match="unknown settings: nope"):
        s.replace(nope=1)


@pytest.mark.parametrize("key", ["CSAT_SAMPLING_RATE", "CSAT_COMMENT_MAX_LENGTH"])
def test_unparsable_number_names_its_key(key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.from_mapping({key: "abc"})
    assert info.value.key == key
    assert "'abc'" in str(info.value)
