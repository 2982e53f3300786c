"""The schema: prefixes, naming convention, indexes for the report."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, inspect

from csat.storage import metadata
from csat.storage.models import UTCDateTime


def test_every_table_is_prefixed() -> None:
    assert set(metadata.tables) == {
        "csat_survey_version",
        "csat_invitation",
        "csat_response",
        "csat_opt_out",
        "csat_event",
        "csat_follow_up",
        "csat_follow_up_entry",
        "csat_lead_email",
    }


def test_every_constraint_and_index_is_named_by_convention() -> None:
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, (table.name, constraint)
        for index in table.indexes:
            assert index.name and index.name.startswith("ix_csat_")


def test_report_indexes_exist_in_the_database(engine: Engine) -> None:
    indexes = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("csat_response")}
    assert ("answered_at", "team") in indexes
    assert ("answered_at", "agent") in indexes
    invitation = {
        tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("csat_invitation")
    }
    assert ("status", "due_at") in invitation
    assert ("customer_hash", "due_at") in invitation


def test_utc_column_rejects_naive_values() -> None:
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), None)  # type: ignore[arg-type]
