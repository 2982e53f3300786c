"""SurveyService construction, events, links and database errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from csat import FixedClock, Settings, SurveyService
from csat.errors import ConfigurationError, DatabaseError, InvalidInputError

from .conftest import SECRET, T0


def test_built_from_url_engine_or_sessionmaker(sqlite_path: Path, engine: Engine) -> None:
    url = f"sqlite:///{sqlite_path}"
    from_url = SurveyService(url, secret_key=SECRET)
    from_url.create_all()
    assert from_url.engine.url.database == str(sqlite_path)
    assert SurveyService(engine, secret_key=SECRET).engine is engine
    maker = sessionmaker(engine)
    assert SurveyService(maker, secret_key=SECRET).sessionmaker is maker
    from_url.engine.dispose()


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, sqlite_path: Path) -> None:
    monkeypatch.setenv("CSAT_DATABASE_URL", f"sqlite:///{sqlite_path}")
    monkeypatch.setenv("CSAT_SECRET_KEY", SECRET)
    monkeypatch.setenv("CSAT_COOLDOWN_DAYS", "3")
    service = SurveyService()
    assert service.settings.cooldown == timedelta(days=3)
    assert service.engine.url.database == str(sqlite_path)
    service.engine.dispose()


def test_missing_secret_key(engine: Engine, clock: FixedClock) -> None:
    service = SurveyService(engine, settings=Settings(), clock=clock)
    with pytest.raises(ConfigurationError, match="CSAT_SECRET_KEY"):
        service.invite(
            "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=T0
        )


def test_unreachable_database_is_a_database_error() -> None:
    service = SurveyService(
        "postgresql://nobody:pw@127.0.0.1:1/none?connect_timeout=2", secret_key=SECRET
    )
    with pytest.raises(DatabaseError) as info:
        service.invite(
            "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=T0
        )
    assert "pw" not in str(info.value)
    assert info.value.__cause__ is not None


def test_missing_tables_is_a_database_error(sqlite_path: Path) -> None:
    service = SurveyService(f"sqlite:///{sqlite_path}", secret_key=SECRET)
    with pytest.raises(DatabaseError, match=r"no such table.*csat db upgrade"):
        service.cancel("T-1")
    service.engine.dispose()


def test_link_for_rebuilds_the_same_link(service: SurveyService) -> None:
    result = service.invite(
        "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=T0
    )
    assert service.link_for(result.invitation_id) == result.url
    with pytest.raises(InvalidInputError, match="no invitation"):
        service.link_for(999_999)


def test_base_url_option(engine: Engine, clock: FixedClock) -> None:
    service = SurveyService(
        engine, secret_key=SECRET, base_url="https://help.example.com/s/", clock=clock
    )
    result = service.invite(
        "T-1", "kim@example.com", agent="a", team="t", channel="chat", resolved_at=T0
    )
    assert result.url == f"https://help.example.com/s/{result.token}"


def test_events(service: SurveyService) -> None:
    second = service.add_event("Communication training, part 2", date(2026, 5, 4), team="1st Level")
    first = service.add_event(
        "  Communication training, part 1 ", date(2026, 3, 2), team="1st Level"
    )
    everyone = service.add_event("New ticket form", date(2026, 4, 1))
    events = service.events()
    assert [e.id for e in events] == [first, everyone, second]
    assert events[0].name == "Communication training, part 1"
    assert events[1].team is None
    assert events[0].created_at == T0


@pytest.mark.parametrize(
    ("name", "day", "team", "field"),
    [
        ("", date(2026, 1, 1), None, "name"),
        ("x" * 256, date(2026, 1, 1), None, "name"),
        ("ok", datetime(2026, 1, 1), None, "date"),
        ("ok", "2026-01-01", None, "date"),
        ("ok", date(2026, 1, 1), " ", "team"),
    ],
)
def test_event_validation(
    service: SurveyService, name: str, day: object, team: str | None, field: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        service.add_event(name, day, team=team)  # type: ignore[arg-type]
    assert info.value.field == field
    assert service.events() == []


def test_survey_lookup(service: SurveyService) -> None:
    assert service.survey().key == "post_ticket"
    assert service.survey("quick").primary == "understood"
    assert set(service.catalog.keys()) >= {"post_ticket", "quick"}


def test_missing_tables_on_a_server_say_what_to_do(fresh_url: str) -> None:
    service = SurveyService(fresh_url, secret_key=SECRET)
    with pytest.raises(DatabaseError, match="csat db upgrade") as info:
        service.cancel("T-1")
    assert "\n" not in str(info.value)
    service.engine.dispose()


def test_metrics_and_report_use_the_settings(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    from csat.metrics import Share

    from .metrics_data import Row, add_responses
    from .report_pdf import pdf_text

    at = T0 + timedelta(days=1)
    add_responses(engine, [Row(at, 5, 2), Row(at, 4, 5), Row(at, 1, 1)])
    service = SurveyService(
        engine, settings=Settings(secret_key=SECRET, min_group_n=3, default_locale="de"),
        clock=clock,
    )  # fmt: skip
    october = service.metrics(date(2026, 10, 1))
    assert october.understood == Share(2, 3)
    assert not october.small  # 3 responses reach CSAT_MIN_GROUP_N = 3
    rendered = service.report(date(2026, 10, 1), tmp_path / "r.pdf")
    assert rendered.data.min_n == 3
    assert "Kundenzufriedenheit – Oktober 2026" in pdf_text(rendered.path)
    assert "Erstellt am 05.10.2026" in pdf_text(rendered.path)  # the service's clock
