"""Answers: open a survey by its token, record (or edit) the response."""

from __future__ import annotations

from .record import Recorder, RecordResult, SurveyView

__all__ = ["RecordResult", "Recorder", "SurveyView"]
