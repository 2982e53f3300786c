"""Answers: open a survey by its token, record (or edit) the response."""

from __future__ import annotations

from .record import Answers, Recorder, RecordResult, SurveyView

__all__ = ["Answers", "RecordResult", "Recorder", "SurveyView"]
