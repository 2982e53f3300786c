"""Load survey definitions from TOML, and the stock surveys shipped with csat.

File format (UTF-8; every field shown is required unless marked optional;
unknown fields are errors)::

    key = "post_ticket"                 # [a-z][a-z0-9_]{0,63}
    locales = ["en", "de"]              # every text below exists in each locale
    primary = "understood"              # the one-click question in the email
    title = { en = "...", de = "..." }
    intro = { en = "...", de = "..." }

    [[questions]]                       # in display order
    key = "understood"
    type = "scale"                      # scale | choice | text
    dimension = "understood"            # understood | helped | overall | effort | none
    required = true                     # optional, default false
    text = { en = "...", de = "..." }
    min = 1                             # scale: integer bounds, min < max
    max = 5
    min_label = { en = "...", de = "..." }   # scale, optional: labels of both ends
    max_label = { en = "...", de = "..." }

    [[questions]]
    key = "solved"
    type = "choice"
    dimension = "helped"
    text = { en = "...", de = "..." }
    choices = [                         # choice: value (stored), score 1..5, label
        { value = "yes", score = 5, label = { en = "Yes", de = "Ja" } },
        { value = "no", score = 1, label = { en = "No", de = "Nein" } },
    ]

    [[questions]]
    key = "comment"
    type = "text"
    dimension = "none"                  # text is never scored
    text = { en = "...", de = "..." }
    max_length = 1000                   # text, optional: else the service's cap

The primary question must be a required scale or choice question. Effort
questions are scales (all the same one). A ``default`` field is rejected
everywhere: a preselected answer skews results.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib.resources import files

from ..errors import SurveyDefinitionError, UnknownSurveyError
from .model import Survey

__all__ = ["load_survey", "loads_survey", "stock_survey", "stock_survey_keys"]

_STOCK_PACKAGE = "csat.surveys"
_POSITION_RE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


def loads_survey(text: str, *, source: str = "<string>") -> Survey:
    """Parse and validate a survey from TOML text (``source`` names it in errors).

    :raises SurveyDefinitionError: on a syntax error (with ``line``) or an invalid survey.
    """
    if not isinstance(text, str):
        raise SurveyDefinitionError(f"expected TOML text, not {type(text).__name__}", source=source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message, line = _syntax_error(e, text)
        raise SurveyDefinitionError(f"invalid TOML: {message}", source=source, line=line) from e
    return Survey.from_dict(data, source=source)


def load_survey(path: str | os.PathLike[str]) -> Survey:
    """Load a survey from a TOML file; errors name the file.

    :raises SurveyDefinitionError: the file cannot be read or is not a valid survey.
    """
    try:
        source = os.fspath(path)
    except TypeError as e:
        raise SurveyDefinitionError(f"not a path: {path!r}", source=repr(path)) from e
    try:
        with open(source, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise SurveyDefinitionError(f"not UTF-8 text: {e.reason}", source=source) from e
    except (OSError, ValueError) as e:  # ValueError: e.g. a NUL character in the path
        reason = getattr(e, "strerror", None) or str(e)
        raise SurveyDefinitionError(f"cannot read file: {reason}", source=source) from e
    return loads_survey(text, source=source)


def stock_survey(key: str) -> Survey:
    """Return the stock survey ``key`` (see :func:`~csat.survey.stock_survey_keys`).

    :raises UnknownSurveyError: there is no stock survey with this key.
    """
    if not isinstance(key, str) or key not in stock_survey_keys():
        raise UnknownSurveyError(str(key), stock_survey_keys())
    return _load_stock(key)


def stock_survey_keys() -> tuple[str, ...]:
    """Keys of the stock surveys shipped in ``csat.surveys``, sorted."""
    names = (entry.name for entry in files(_STOCK_PACKAGE).iterdir() if entry.is_file())
    return tuple(sorted(name[: -len(".toml")] for name in names if name.endswith(".toml")))


def _load_stock(key: str) -> Survey:
    source = f"{_STOCK_PACKAGE}/{key}.toml"
    survey = loads_survey(
        files(_STOCK_PACKAGE).joinpath(f"{key}.toml").read_text("utf-8"), source=source
    )
    if survey.key != key:
        raise SurveyDefinitionError(
            f"survey key {survey.key!r} differs from file name", source=source
        )
    return survey


def _syntax_error(error: tomllib.TOMLDecodeError, text: str) -> tuple[str, int]:
    """Split tomllib's message into the bare message (with column) and the line."""
    message = str(error)
    last_line = max(1, len(text.splitlines()))
    match = _POSITION_RE.search(message)
    if match is None:
        return message, getattr(error, "lineno", None) or last_line
    line, column = match.group(1, 2)
    where = f" (column {column})" if column else " (at end of document)"
    return message[: match.start()] + where, int(line) if line else last_line
