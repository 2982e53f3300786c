"""The adapters of csat.hooks on their own: vendors' test vectors, decisions,
options and the settings that turn them on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csat import Settings
from csat.errors import ConfigurationError, HookPayloadError, SignatureError
from csat.hooks import ADAPTERS, Headers, Ignored, Reopened, Resolved, enabled
from csat.hooks.base import Fields, channel_of, locale_of
from csat.hooks.chatwoot import Chatwoot
from csat.hooks.generic import Generic
from csat.hooks.glpi import Glpi
from csat.hooks.redmine import Redmine
from csat.hooks.zammad import Zammad
from csat.hooks.zendesk import Zendesk
from csat.web import create_app, get_state

from .conftest import SECRET, T0
from .hook_specs import BY_NAME, GENERIC_MAPPING

NO_HEADERS = Headers({})


def _payload(name: str, kind: str = "closed") -> dict[str, Any]:
    return dict(json.loads(BY_NAME[name].body(kind)))


def test_zendesk_accepts_the_vector_of_its_older_documentation() -> None:
    # developer.zendesk.com/documentation/event-connectors/webhooks/verifying: this
    # secret, body and timestamp give this signature (body + timestamp).
    headers = Headers(
        {
            "X-Zendesk-Webhook-Signature": "tRDSF7URY8BLCDlaBcQ7FHu051Zk+aAB0NKMP53teMw=",
            "X-Zendesk-Webhook-Signature-Timestamp": "2021-07-25T10:00:00Z",
        }
    )
    secret = b"HRkRd4BeOAoUkfZr-mhauJT64rvBASlJRoIyPsd3zeA="
    now = datetime(2021, 7, 25, 10, 2, tzinfo=UTC)
    Zendesk().verify(headers, b'{"say": "hello"}', secret, now)
    with pytest.raises(SignatureError, match="bad signature"):
        Zendesk().verify(headers, b'{"say": "hello!"}', secret, now)
    with pytest.raises(SignatureError, match="window"):
        Zendesk().verify(headers, b'{"say": "hello"}', secret, now + timedelta(minutes=4))


def test_redmine_accepts_the_vector_of_its_own_test() -> None:
    # redmine/redmine test/unit/webhook_test.rb
    signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    headers = Headers({"x-redmine-signature-256": signature})
    Redmine().verify(headers, b"Hello, World!", b"It's a Secret to Everybody", T0)
    with pytest.raises(SignatureError):
        Redmine().verify(headers, b"Hello, World?", b"It's a Secret to Everybody", T0)


def test_a_header_sent_twice_is_trusted_neither_time() -> None:
    body = b"{}"
    signature = BY_NAME["redmine"].headers(body, T0)["X-Redmine-Signature-256"]
    twice = Headers([("X-Redmine-Signature-256", signature)] * 2)
    assert twice.get("x-redmine-signature-256") == ""
    with pytest.raises(SignatureError, match="missing or malformed"):
        Redmine().verify(twice, body, BY_NAME["redmine"].secret.encode(), T0)


@pytest.mark.parametrize(
    ("name", "kind", "decision"),
    [
        ("zammad", "closed", Resolved),
        ("zammad", "reopened", Reopened),
        ("zammad", "other", Ignored),
        ("glpi", "closed", Resolved),
        ("glpi", "reopened", Reopened),
        ("glpi", "other", Ignored),
        ("chatwoot", "closed", Resolved),
        ("chatwoot", "reopened", Reopened),
        ("chatwoot", "other", Ignored),
        ("redmine", "closed", Resolved),
        ("redmine", "reopened", Reopened),
        ("redmine", "other", Ignored),
    ],
)
def test_each_fixture_decides(name: str, kind: str, decision: type) -> None:
    spec = BY_NAME[name]
    adapter = ADAPTERS[name](spec.options)
    assert isinstance(adapter.parse(_payload(name, kind), NO_HEADERS, T0), decision)


def test_zammad_maps_its_ticket() -> None:
    decision = Zammad().parse(_payload("zammad"), NO_HEADERS, T0)
    assert decision == Resolved(
        ticket_id="10081",
        email="emily@example.com",
        agent="Emma Taylor",
        team="Service Desk",
        channel="ticket",
        resolved_at=datetime(2026, 10, 3, 9, 12, 44, 498000, tzinfo=UTC),
    )


def test_zammad_unassigned_needs_the_agent_option() -> None:
    payload = _payload("zammad")
    payload["ticket"]["owner"] = {"id": 1, "login": "-", "firstname": "-", "lastname": ""}
    with pytest.raises(HookPayloadError) as caught:
        Zammad().parse(payload, NO_HEADERS, T0)
    assert caught.value.problems == {
        "ticket.owner": 'required (or set the "agent" option for a default)'
    }
    decision = Zammad({"agent": "Service Desk queue"}).parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.agent == "Service Desk queue"


def test_zammad_states_are_options() -> None:
    payload = _payload("zammad")
    payload["ticket"]["state"] = "Gelöst"
    assert isinstance(Zammad().parse(payload, NO_HEADERS, T0), Ignored)
    adapter = Zammad({"closed_states": ["closed", "gelöst"]})
    assert isinstance(adapter.parse(payload, NO_HEADERS, T0), Resolved)


def test_glpi_wants_an_address_as_the_requester_login() -> None:
    payload = _payload("glpi")
    payload["item"]["team"][0]["name"] = "mdupont"
    with pytest.raises(HookPayloadError) as caught:
        Glpi().parse(payload, NO_HEADERS, T0)
    assert "login" in caught.value.problems["item.team.requester.name"]


def test_glpi_falls_back_to_the_option_then_the_entity_for_the_team() -> None:
    payload = _payload("glpi")
    payload["item"]["team"] = [m for m in payload["item"]["team"] if m["type"] != "Group"]
    decision = Glpi().parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.team == "Root entity"
    decision = Glpi({"team": "Support"}).parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.team == "Support"
    assert decision.category == "Network > VPN" and decision.channel == "ticket"


def test_chatwoot_names_the_inbox_when_there_is_no_team() -> None:
    payload = _payload("chatwoot")
    payload["meta"]["team"] = None
    decision = Chatwoot().parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.team == "inbox 3"
    decision = Chatwoot({"inboxes": {"3": "Website chat"}}).parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.team == "Website chat"
    assert decision.channel == "chat" and decision.locale == "de"


def test_chatwoot_open_after_pending_is_no_reopening() -> None:
    payload = _payload("chatwoot", "reopened")
    payload["changed_attributes"] = [{"status": {"previous_value": "pending"}}]
    assert isinstance(Chatwoot().parse(payload, NO_HEADERS, T0), Ignored)


def test_redmine_without_the_email_field_says_so() -> None:
    with pytest.raises(HookPayloadError) as caught:
        Redmine().parse(_payload("redmine"), NO_HEADERS, T0)
    assert '"email_field" option' in caught.value.problems["data.issue.custom_fields"]
    with pytest.raises(HookPayloadError) as caught:
        Redmine({"email_field": "Kunde"}).parse(_payload("redmine"), NO_HEADERS, T0)
    assert caught.value.problems == {"data.issue.custom_fields": "has no custom field 'Kunde'"}
    decision = Redmine({"email_field": 4}).parse(_payload("redmine"), NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.email == "piet.devries@example.nl"


def test_redmine_ignores_an_update_that_leaves_the_status() -> None:
    payload = _payload("redmine")
    payload["data"]["journal"]["details"] = [{"property": "attr", "prop_key": "done_ratio"}]
    decision = Redmine({"email_field": "Customer email"}).parse(payload, NO_HEADERS, T0)
    assert decision == Ignored("the issue's status did not change")


@pytest.mark.parametrize(
    ("status", "event", "decision"),
    [
        ("Solved", None, Resolved),
        ("CLOSED", None, Resolved),
        ("open", None, Reopened),
        ("Pending", None, Ignored),
        ("Gelöst", "resolved", Resolved),
        ("Offen", "reopened", Reopened),
    ],
)
def test_zendesk_status_or_csat_event(status: str, event: str | None, decision: type) -> None:
    payload = _payload("zendesk")
    payload["ticket"]["status"] = status
    if event is not None:
        payload["csat_event"] = event
    assert isinstance(Zendesk().parse(payload, NO_HEADERS, T0), decision)


def test_zendesk_reads_times_without_seconds_and_language_names() -> None:
    payload = _payload("zendesk")
    payload["ticket"]["requester"]["language"] = "German"
    decision = Zendesk().parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved)
    assert decision.resolved_at == datetime(2026, 10, 2, 10, 15, tzinfo=UTC)
    assert decision.locale == "de" and decision.channel == "ticket"


def test_jira_without_csat_event_decides_by_status_category() -> None:
    payload = _payload("jira")
    del payload["csat_event"]
    assert isinstance(ADAPTERS["jira"]().parse(payload, NO_HEADERS, T0), Resolved)
    payload["csat_event"] = "maybe"
    with pytest.raises(HookPayloadError) as caught:
        ADAPTERS["jira"]().parse(payload, NO_HEADERS, T0)
    assert caught.value.problems == {"csat_event": "must be one of resolved, reopened"}


def test_jira_reads_its_date_format_and_an_empty_one() -> None:
    payload = _payload("jira")
    payload["issue"]["resolutiondate"] = "2026-10-05T08:23:12.0+0200"
    decision = ADAPTERS["jira"]().parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved)
    assert decision.resolved_at == datetime(2026, 10, 5, 6, 23, 12, tzinfo=UTC)
    assert decision.category == "IT Help"
    payload["issue"]["resolutiondate"] = ""
    decision = ADAPTERS["jira"]().parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.resolved_at == T0


def test_times_outside_1970_to_now_are_problems() -> None:
    fields = Fields("test", {"a": "2026-10-05T09:06:00Z", "b": "1969-12-31T23:59:59Z",
                             "c": "2026-10-05T09:04:00Z", "d": "2026-10-05 09:00", "e": 7},
                    T0)  # fmt: skip
    for path in "abde":
        fields.moment(path)
    assert fields.moment("c") == datetime(2026, 10, 5, 9, 4, tzinfo=UTC)  # within the skew
    assert set(fields.problems) == set("abde")
    assert "offset" in fields.problems["d"]


def test_generic_token_scheme_and_status_values() -> None:
    adapter = Generic({"resolved": ["done"], "reopened": "back"}, GENERIC_MAPPING)
    secret = b"a-long-random-hook-secret-0123"
    adapter.check_headers(Headers({"x-csat-token": secret.decode()}), secret, T0)
    with pytest.raises(SignatureError, match="missing X-CSAT-Token"):
        adapter.check_headers(NO_HEADERS, secret, T0)
    payload = _payload("generic")
    assert isinstance(adapter.parse(payload, NO_HEADERS, T0), Ignored)  # "closed" is no "done"
    payload["ticket"]["status"] = "Done"
    decision = adapter.parse(payload, NO_HEADERS, T0)
    assert isinstance(decision, Resolved) and decision.channel == "phone"
    assert decision.resolved_at == datetime(2026, 10, 3, 8, tzinfo=UTC)
    payload["ticket"]["status"] = "back"
    assert adapter.parse(payload, NO_HEADERS, T0) == Reopened("OT-77")


def test_generic_without_status_invites_and_names_missing_defaults() -> None:
    adapter = Generic({}, {"ticket_id": "id", "email": "who"})
    with pytest.raises(HookPayloadError) as caught:
        adapter.parse({"id": 5, "who": "kim@example.com"}, NO_HEADERS, T0)
    assert set(caught.value.problems) == {"agent", "team"}
    adapter = Generic({"agent": "ana", "team": "1st Level"}, {"ticket_id": "id", "email": "who"})
    decision = adapter.parse({"id": 5, "who": "kim@example.com"}, NO_HEADERS, T0)
    assert decision == Resolved("5", "kim@example.com", "ana", "1st Level", "ticket", T0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("de", "de"), ("de-AT", "de"), ("pt_BR", "pt"), ("English (United States)", "en"),
     ("Deutsch", "de"), ("French", None), ("", None), (None, None)],
)  # fmt: skip
def test_locale_of(value: str | None, expected: str | None) -> None:
    assert locale_of(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Phone call (incoming)", "phone"), ("Web Widget", "chat"), ("Channel::Whatsapp", "chat"),
     ("email", "ticket"), ("Mail", "ticket"), (None, "ticket"), ("chat", "chat")],
)  # fmt: skip
def test_channel_of(value: str | None, expected: str) -> None:
    assert channel_of(value) == expected


# -- settings ------------------------------------------------------------------------


def test_secrets_from_a_mapping_or_one_key_each() -> None:
    settings = Settings.from_mapping(
        {
            "CSAT_HOOK_SECRETS": '{"zammad": "zammad-secret-0123456"}',
            "CSAT_HOOK_SECRET_JIRA": "jira-secret-0123456789",
            "CSAT_HOOK_OPTIONS": '{"jira": {"team": "IT"}}',
        }
    )
    assert dict(settings.hook_secrets) == {
        "zammad": "zammad-secret-0123456",
        "jira": "jira-secret-0123456789",
    }
    hooks = enabled(settings)
    assert sorted(hooks) == ["jira", "zammad"] and hooks["jira"].adapter.team == "IT"
    assert "secret" not in repr(settings).lower().replace("secret_key", "")


@pytest.mark.parametrize(
    ("config", "key", "message"),
    [
        ({"CSAT_HOOK_SECRETS": '{"zammad": "short"}'}, "CSAT_HOOK_SECRETS", "16 to 1024"),
        ({"CSAT_HOOK_SECRETS": "[1]"}, "CSAT_HOOK_SECRETS", "expected a mapping"),
        ({"CSAT_HOOK_SECRETS": '{"Zam mad": "x"}'}, "CSAT_HOOK_SECRETS", "not a helpdesk name"),
        (
            {"CSAT_HOOK_SECRETS": {"jira": "a" * 20}, "CSAT_HOOK_SECRET_JIRA": "b" * 20},
            "CSAT_HOOK_SECRET_JIRA",
            "set it once",
        ),
        ({"CSAT_HOOK_OPTIONS": '{"zammad": 3}'}, "CSAT_HOOK_OPTIONS", "object of options"),
        ({"CSAT_HOOK_MAPPING": '{"email": "a..b"}'}, "CSAT_HOOK_MAPPING", "dotted path"),
    ],
)
def test_invalid_hook_settings_are_refused(config: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        Settings.from_mapping(config)
    assert caught.value.key == key
    assert "a" * 20 not in str(caught.value) and "b" * 20 not in str(caught.value)


@pytest.mark.parametrize(
    ("secrets", "options", "mapping", "key", "message"),
    [
        ({"otrs": "s" * 20}, {}, {}, "CSAT_HOOK_SECRETS", "no webhook for 'otrs'"),
        ({}, {"zamad": {}}, {}, "CSAT_HOOK_OPTIONS", "no webhook for 'zamad'"),
        ({"zammad": "s" * 20}, {"zammad": {"mailboxes": {}}}, {}, "CSAT_HOOK_OPTIONS",
         "unknown option 'mailboxes'"),
        ({"zammad": "s" * 20}, {"zammad": {"max_age_seconds": 60}}, {}, "CSAT_HOOK_OPTIONS",
         "unknown option 'max_age_seconds'"),
        ({"glpi": "s" * 20}, {"glpi": {"max_age_seconds": -1}}, {}, "CSAT_HOOK_OPTIONS",
         "positive number"),
        ({"generic": "s" * 20}, {}, {}, "CSAT_HOOK_MAPPING", "needs the path of ticket_id"),
        ({"generic": "s" * 20}, {"generic": {"scheme": "md5"}}, GENERIC_MAPPING,
         "CSAT_HOOK_OPTIONS", "generic.scheme"),
        ({"generic": "s" * 20}, {}, {"ticket_id": "a", "email": "b", "mood": "c"},
         "CSAT_HOOK_MAPPING", "unknown field 'mood'"),
        ({"redmine": "s" * 20}, {"redmine": {"email_field": ["x"]}}, {}, "CSAT_HOOK_OPTIONS",
         "redmine.email_field"),
        ({"chatwoot": "s" * 20}, {"chatwoot": {"inboxes": {"3": "a\nb"}}}, {},
         "CSAT_HOOK_OPTIONS", "chatwoot.inboxes"),
    ],
)  # fmt: skip
def test_invalid_options_are_refused_when_enabled(
    secrets: dict[str, str], options: dict[str, Any], mapping: dict[str, str], key: str,
    message: str,
) -> None:  # fmt: skip
    settings = Settings(hook_secrets=secrets, hook_options=options, hook_mapping=mapping)
    with pytest.raises(ConfigurationError, match=message) as caught:
        enabled(settings)
    assert caught.value.key == key


def test_csat_serve_reads_one_secret_per_helpdesk_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("CSAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("CSAT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("CSAT_HOOK_SECRET_ZAMMAD", "zammad-secret-0123456")
    monkeypatch.setenv("CSAT_HOOK_OPTIONS", '{"zammad": {"locale": "de"}}')
    app = create_app()
    hooks = get_state(app).hooks
    assert list(hooks) == ["zammad"] and hooks["zammad"].secret == b"zammad-secret-0123456"
    assert hooks["zammad"].adapter.locale == "de"
    assert Settings.from_env().hook_secrets == {"zammad": "zammad-secret-0123456"}


def test_an_option_the_survey_cannot_honour_fails_at_start(tmp_path: Any) -> None:
    base = {"CSAT_SECRET_KEY": SECRET, "CSAT_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
            "CSAT_HOOK_SECRETS": {"jira": "j" * 20}}  # fmt: skip
    with pytest.raises(ConfigurationError, match=r"jira\.locale: 'fr'"):
        create_app(base | {"CSAT_HOOK_OPTIONS": {"jira": {"locale": "fr"}}})
    with pytest.raises(ConfigurationError, match=r"jira\.survey"):
        create_app(base | {"CSAT_HOOK_OPTIONS": {"jira": {"survey": "nope"}}})
