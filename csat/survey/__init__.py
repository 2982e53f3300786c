"""Survey definitions: the model and its validation, TOML files, the stock
surveys and the catalog of a service's surveys and stored versions."""

from __future__ import annotations

from .catalog import SurveyCatalog
from .files import load_survey, loads_survey, stock_survey, stock_survey_keys
from .model import AnswerValue, Choice, DimensionScores, Question, Survey

__all__ = [
    "AnswerValue",
    "Choice",
    "DimensionScores",
    "Question",
    "Survey",
    "SurveyCatalog",
    "load_survey",
    "loads_survey",
    "stock_survey",
    "stock_survey_keys",
]
