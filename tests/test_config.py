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


def test_follow_up_settings_from_python_and_from_the_environment() -> None:
    default = Settings()
    assert default.follow_ups is True and default.follow_up_due == timedelta(hours=24)
    assert default.team_leads == {} and default.leads_of("1st Level") == ()
    assert default.console_prefix == "/csat" and default.follow_up_promise is True
    env = Settings.from_env(
        {
            "CSAT_FOLLOW_UPS": "false",
            "CSAT_FOLLOW_UP_HOURS": "8",
            "CSAT_TEAM_LEADS": '{"1st Level": ["lead@example.com"], "*": "head@example.com"}',
            "CSAT_CONSOLE_USERS": '{"lea": "scrypt:32768:8:1$salt$hash"}',
            "CSAT_CONSOLE_SECURE_COOKIE": "0",
            "CSAT_FOLLOW_UP_PROMISE": "due",
            "CSAT_CONSOLE_PREFIX": "/staff/csat",
            "CSAT_CONSOLE_URL": "https://help.example.com/staff/csat",
        }
    )
    assert default.console_url is None
    assert env.console_url == "https://help.example.com/staff/csat"
    assert env.follow_ups is False and env.follow_up_due == timedelta(hours=8)
    assert env.leads_of("1st Level") == ("lead@example.com",)
    assert env.leads_of("2nd Level") == ("head@example.com",)  # "*": every other team
    assert env.console_users == {"lea": "scrypt:32768:8:1$salt$hash"}
    assert env.console_secure_cookie is False and env.follow_up_promise == "due"
    assert "scrypt" not in repr(env)  # password hashes stay out of logs
    assert Settings(team_leads={"a": ["x@example.com"]}).team_leads["a"] == ("x@example.com",)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"CSAT_FOLLOW_UPS": "maybe"}, "expected true or false"),
        ({"CSAT_FOLLOW_UP_HOURS": "-1"}, "must not be negative"),
        ({"CSAT_TEAM_LEADS": "{not json"}, "not valid JSON"),
        ({"CSAT_TEAM_LEADS": '["lead@example.com"]'}, "expected a mapping"),
        ({"CSAT_TEAM_LEADS": '{"1st": []}'}, "expected a list of addresses"),
        ({"CSAT_TEAM_LEADS": '{"1st": ["nobody"]}'}, "is not an address"),
        ({"CSAT_TEAM_LEADS": {"1st": ["a@example.com\r\nBcc: x@example.com"]}}, "not an address"),
        ({"CSAT_TEAM_LEADS": {" 1st": ["a@example.com"]}}, "not a plain team name"),
        ({"CSAT_CONSOLE_USERS": '{"lea": "secret"}'}, "not a password"),
        ({"CSAT_CONSOLE_USERS": {"le\na": "a$b$c"}}, "not plain text"),
        ({"CSAT_CONSOLE_PREFIX": "csat"}, "must start with /"),
        ({"CSAT_CONSOLE_PREFIX": "/csat/"}, "must start with /"),
        ({"CSAT_FOLLOW_UP_PROMISE": "soon"}, 'expected true, false or "due"'),
    ],
)
def test_invalid_follow_up_settings_name_their_key(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        Settings.from_mapping(config)
    assert info.value.key == next(iter(config))
