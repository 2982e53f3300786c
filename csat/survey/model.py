"""Survey definitions: the model, its validation, answer validation and scoring.

A :class:`Survey` is immutable and validates itself on construction, whether it
is built in Python or loaded with :meth:`Survey.from_dict` (the file format is
described in :mod:`csat.survey.files`). Its :attr:`~Survey.fingerprint` names the
exact wording and structure, so stored answers always refer to what was shown.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, partial
from types import MappingProxyType
from typing import Any, Literal, NoReturn, TypeAlias, cast, get_args

from ..errors import AnswerProblem, AnswerValidationError
from ..errors import SurveyDefinitionError as _DefinitionError

QuestionType = Literal["scale", "choice", "text"]
Dimension = Literal["helped", "understood", "overall", "effort", "none"]
QUESTION_TYPES: frozenset[str] = frozenset(get_args(QuestionType))
DIMENSIONS: frozenset[str] = frozenset(get_args(Dimension))
AnswerValue: TypeAlias = int | str  # scale: int; choice: the choice's value; text: the text

_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_VALUE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_LOCALE_RE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*")
_INT_RE = re.compile(r"[+-]?[0-9]{1,18}")
_EMPTY: Mapping[str, str] = MappingProxyType({})
_NO_DEFAULT = "default answers are not allowed: a preselected answer skews results"
_SURVEY_FIELDS = ("key", "locales", "primary", "title", "intro", "questions")
_QUESTION_FIELDS = ("key", "type", "dimension", "text")
_QUESTION_OPTIONAL = ("required", "min", "max", "min_label", "max_label", "choices", "max_length")
_CHOICE_FIELDS = ("value", "score", "label")
_TYPES, _DIMENSIONS = tuple(sorted(QUESTION_TYPES)), tuple(sorted(DIMENSIONS))
_DIMENSION_LIST = ", ".join(_DIMENSIONS)


def _freeze(value: object) -> object:
    """Return an immutable copy of a list or mapping; leave anything else for validation."""
    if isinstance(value, list):
        return tuple(value)
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Choice:
    """One option of a choice question: stored ``value``, ``score`` (1..5), ``label``."""

    value: str
    score: int
    label: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", _freeze(self.label))


@dataclass(frozen=True)
class Question:
    """One question; which optional fields apply depends on ``type``."""

    key: str
    type: QuestionType
    dimension: Dimension
    text: Mapping[str, str] = field(hash=False)
    required: bool = False
    min: int | None = None
    max: int | None = None
    min_label: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False)
    max_label: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False)
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None

    def __post_init__(self) -> None:
        for name in ("text", "min_label", "max_label", "choices"):
            object.__setattr__(self, name, _freeze(getattr(self, name)))


@dataclass(frozen=True)
class DimensionScores:
    """Scores of one response: 1..5 per dimension, the raw mean for effort."""

    understood: int | None
    helped: int | None
    overall: int | None
    effort: float | None


@dataclass(frozen=True)
class Survey:
    """A validated, immutable survey definition; equality ignores ``source``."""

    key: str
    locales: tuple[str, ...]
    title: Mapping[str, str] = field(hash=False)
    intro: Mapping[str, str] = field(hash=False)
    primary: str
    questions: tuple[Question, ...]
    source: str = field(default="<python>", compare=False)

    def __post_init__(self) -> None:
        for name in ("locales", "title", "intro", "questions"):
            object.__setattr__(self, name, _freeze(getattr(self, name)))
        _check_survey(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<python>") -> Survey:
        """Build a survey from its TOML/JSON shape; unknown fields are errors."""
        check = _Check(source)
        check.fields(data, "survey", _SURVEY_FIELDS)
        raw = data["questions"]
        check(isinstance(raw, list | tuple), "questions must be an array of tables")
        fields = {name: data[name] for name in _SURVEY_FIELDS[:-1]}
        questions = tuple(_question_from_dict(q, i, check) for i, q in enumerate(raw))
        return cls(**fields, questions=questions, source=source)

    def to_dict(self) -> dict[str, Any]:
        """Return the canonical JSON-serialisable form (``source`` is left out)."""
        data: dict[str, Any] = {"key": self.key, "locales": list(self.locales)}
        data.update(primary=self.primary, title=dict(self.title), intro=dict(self.intro))
        return data | {"questions": [_question_to_dict(q) for q in self.questions]}

    def __reduce__(self) -> tuple[Any, ...]:  # mappingproxy fields cannot be pickled
        return partial(type(self).from_dict, source=self.source), (self.to_dict(),)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`."""
        return fingerprint_of(self.to_dict())

    @cached_property
    def _index(self) -> Mapping[str, Question]:
        return MappingProxyType({q.key: q for q in self.questions})

    def question(self, key: str) -> Question:
        """Return question ``key``; an unknown key raises
        :class:`~csat.errors.AnswerValidationError`."""
        if not isinstance(key, str) or key not in self._index:
            raise AnswerValidationError([AnswerProblem(str(key), "unknown question")])
        return self._index[key]

    @property
    def primary_question(self) -> Question:
        """The required one-click question (scale or choice)."""
        return self._index[self.primary]

    def validate_answers(
        self,
        answers: Mapping[str, object],
        *,
        comment_max_length: int = 2000,
        partial: bool = False,
    ) -> dict[str, AnswerValue]:
        """Return the cleaned answered questions, or raise one AnswerValidationError.

        ``None`` or blank text means "not answered"; text is stripped and capped at
        ``question.max_length or comment_max_length`` characters; ``partial=True``
        skips the check for missing required answers.
        """
        if not isinstance(answers, Mapping):
            raise AnswerValidationError([AnswerProblem("answers", "must be a mapping")])
        unknown = [k for k in answers if not isinstance(k, str) or k not in self._index]
        problems = [AnswerProblem(str(k), "unknown question") for k in unknown]
        cleaned: dict[str, AnswerValue] = {}
        for q in self.questions:
            raw = answers.get(q.key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if q.required and not partial:
                    problems.append(AnswerProblem(q.key, "an answer is required"))
                continue
            value, problem = _clean(q, raw, q.max_length or comment_max_length)
            if problem is None:
                cleaned[q.key] = value
            else:
                problems.append(AnswerProblem(q.key, problem))
        if problems:
            raise AnswerValidationError(problems)
        return cleaned

    def dimension_scores(self, answers: Mapping[str, AnswerValue]) -> DimensionScores:
        """Score validated answers (DESIGN.md, "Metrics"); ``None`` where unanswered.

        understood, helped, overall: the mean of the items mapped to 1..5 (scale
        linearly, choice by score), rounded half up; effort: the raw mean.
        """
        items: dict[str, list[Fraction]] = {"understood": [], "helped": [], "overall": []}
        effort: list[int] = []
        problems: list[AnswerProblem] = []
        for q in self.questions:
            raw = answers.get(q.key)
            if raw is None or q.type == "text" or q.dimension == "none":
                continue
            value, problem = _clean(q, raw, 1)
            if problem is not None:
                problems.append(AnswerProblem(q.key, problem))
            elif q.type == "choice":
                score = next(c.score for c in q.choices if c.value == value)
                items[q.dimension].append(Fraction(score))
            elif q.dimension == "effort":
                effort.append(int(value))
            else:
                lo, hi = _bounds(q)
                items[q.dimension].append(1 + Fraction((int(value) - lo) * 4, hi - lo))
        if problems:
            raise AnswerValidationError(problems)

        def half_up(values: list[Fraction]) -> int | None:
            return math.floor(sum(values) / len(values) + Fraction(1, 2)) if values else None

        mean_effort = sum(effort) / len(effort) if effort else None
        understood, helped, overall = (half_up(v) for v in items.values())
        return DimensionScores(understood, helped, overall, mean_effort)


def fingerprint_of(data: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of ``data`` as canonical JSON (sorted keys, no whitespace, UTF-8)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bounds(q: Question) -> tuple[int, int]:
    return cast(int, q.min), cast(int, q.max)  # both set: checked by _check_question


def _clean(q: Question, raw: object, limit: int) -> tuple[AnswerValue, str | None]:
    """Return ``(value, None)`` for a valid non-blank answer, else ``("", problem)``."""
    if q.type == "scale":
        lo, hi = _bounds(q)
        text = raw.strip() if isinstance(raw, str) else None
        number = raw if _is_int(raw) else int(text) if text and _INT_RE.fullmatch(text) else None
        if isinstance(number, int) and lo <= number <= hi:
            return number, None
        return "", f"must be a whole number from {lo} to {hi}"
    if q.type == "choice":
        values = [c.value for c in q.choices]
        if isinstance(raw, str) and raw.strip() in values:
            return raw.strip(), None
        return "", f"must be one of: {', '.join(values)}"
    if not isinstance(raw, str):
        return "", "must be text"
    text = raw.strip()
    if "\x00" in text or not _encodable(text):
        return "", "must not contain NUL characters or lone surrogates"
    if len(text) > limit:
        return "", f"must be at most {limit} characters long (got {len(text)})"
    return text, None


def _encodable(text: str) -> bool:
    """False for text with a lone surrogate (it cannot be stored as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_Names = tuple[str, ...]


class _Check:
    """Validation context: raises SurveyDefinitionError naming source and question."""

    def __init__(self, source: str, locales: _Names = (), question: str | None = None) -> None:
        self.source, self.locales, self.question = source, locales, question

    def __call__(self, ok: object, message: str) -> None:
        if not ok:
            self.fail(message)

    def fail(self, message: str) -> NoReturn:
        raise _DefinitionError(message, source=self.source, question=self.question)

    def at(self, question: str) -> _Check:
        return _Check(self.source, self.locales, question)

    def fields(self, data: object, what: str, names: _Names, optional: _Names = ()) -> None:
        """Check a raw table: no ``default``, no unknown fields, no missing ones."""
        if not isinstance(data, Mapping):
            self.fail(f"a {what} must be a table, not {type(data).__name__}")
        self("default" not in data, _NO_DEFAULT)
        unknown = sorted(str(k) for k in data if k not in names + optional)
        if unknown:
            self.fail(f"unknown {what} field {unknown[0]!r}; known: {', '.join(names + optional)}")
        for name in names:
            self(name in data, f"missing required {what} field {name!r}")

    def key(self, value: object, what: str) -> None:
        self(isinstance(value, str), f"{what} must be a string, not {type(value).__name__}")
        self(value != "", f"{what} must not be empty")
        self(_KEY_RE.fullmatch(str(value)), f"{what} {value!r} must match {_KEY_RE.pattern}")

    def texts(self, value: object, what: str, *, optional: bool = False) -> None:
        """Check a translation table: a non-blank string for each declared locale."""
        if not isinstance(value, Mapping):
            self.fail(f"{what} must be a table of translations (locale = text)")
        for locale in self.locales if value or not optional else ():
            self(locale in value, f"{what} is missing the {locale!r} translation")
            ok = isinstance(value[locale], str) and value[locale].strip()
            self(ok, f"{what} in {locale!r} must be a non-empty string")
        extra = sorted(str(k) for k in value if k not in self.locales)
        if extra:
            self.fail(f"{what} has a translation for undeclared locale {extra[0]!r}")


def _question_from_dict(raw: object, index: int, check: _Check) -> Question:
    name = raw.get("key") if isinstance(raw, Mapping) else None
    check = check.at(name if isinstance(name, str) and name else f"#{index + 1}")
    check.fields(raw, "question", _QUESTION_FIELDS, _QUESTION_OPTIONAL)
    assert isinstance(raw, Mapping)
    choices = raw.get("choices", ())
    check(isinstance(choices, list | tuple), "choices must be an array of tables")
    for item in choices:
        check.fields(item, "choice", _CHOICE_FIELDS)
    fields = {k: raw[k] for k in _QUESTION_FIELDS + _QUESTION_OPTIONAL[:-2] if k in raw}
    choices = tuple(Choice(c["value"], c["score"], c["label"]) for c in choices)
    return Question(**fields, choices=choices, max_length=raw.get("max_length"))


def _question_to_dict(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": q.key, "type": q.type, "dimension": q.dimension}
    data.update(required=q.required, text=dict(q.text))
    if q.type == "scale":
        data.update(min=q.min, max=q.max)
        if q.min_label:
            data.update(min_label=dict(q.min_label), max_label=dict(q.max_label))
    elif q.type == "choice":
        data["choices"] = [
            {"value": c.value, "score": c.score, "label": dict(c.label)} for c in q.choices
        ]
    elif q.max_length is not None:
        data["max_length"] = q.max_length
    return data


def _check_question(q: object, check: _Check) -> None:
    if not isinstance(q, Question):
        check.fail(f"questions must be Question objects, not {type(q).__name__}")
    check.key(q.key, "question key")
    check = check.at(q.key)
    check(q.type in _TYPES, f"unknown type {q.type!r} (use {', '.join(_TYPES)})")
    check(q.dimension in _DIMENSIONS, f"unknown dimension {q.dimension!r} (use {_DIMENSION_LIST})")
    check(isinstance(q.required, bool), "required must be true or false")
    check.texts(q.text, "text")
    scale, choice, text = q.type == "scale", q.type == "choice", q.type == "text"
    if scale:
        ok = _is_int(q.min) and _is_int(q.max)
        check(ok, f"scale min and max must be integers, not {q.min!r} and {q.max!r}")
        lo, hi = _bounds(q)
        check(lo < hi, f"scale min ({lo}) must be less than max ({hi})")
        check.texts(q.min_label, "min_label", optional=True)
        check.texts(q.max_label, "max_label", optional=True)
        check(bool(q.min_label) == bool(q.max_label), "give both end labels or neither")
    labels = q.min is not None or q.max is not None or q.min_label or q.max_label
    check(scale or not labels, "min, max and their labels are only for scale questions")
    check(choice or not q.choices, "choices are only for choice questions")
    check(not text or q.dimension == "none", 'text is not scored: use dimension = "none"')
    check(q.dimension != "effort" or scale, "effort questions must be scale questions")
    ok = q.max_length is None or (text and _is_int(q.max_length) and q.max_length > 0)
    check(ok, f"max_length must be a positive integer (text questions only), not {q.max_length!r}")
    if choice:
        check(isinstance(q.choices, tuple) and q.choices, "a choice question needs choices")
        seen: set[str] = set()
        for c in q.choices:
            if not isinstance(c, Choice):
                check.fail(f"choices must be Choice objects, not {type(c).__name__}")
            check(isinstance(c.value, str), f"choice value {c.value!r} must be a string")
            check(_VALUE_RE.fullmatch(c.value), f"choice value {c.value!r} is not [a-z0-9_-]+")
            check(c.value not in seen, f"duplicate choice value {c.value!r}")
            seen.add(c.value)
            ok = _is_int(c.score) and 1 <= c.score <= 5
            check(ok, f"choice {c.value!r}: score must be an integer from 1 to 5")
            check.texts(c.label, f"choice {c.value!r} label")


def _check_survey(s: Survey) -> None:
    check = _Check(s.source if isinstance(s.source, str) else repr(s.source))
    check.key(s.key, "survey key")
    check(isinstance(s.locales, tuple) and s.locales, "locales must be a non-empty list")
    for loc in s.locales:
        check(isinstance(loc, str) and _LOCALE_RE.fullmatch(loc), f"invalid locale {loc!r}")
    check(len(set(s.locales)) == len(s.locales), "locales must not repeat")
    check = _Check(check.source, s.locales)
    check.texts(s.title, "title")
    check.texts(s.intro, "intro")
    check(isinstance(s.questions, tuple) and s.questions, "a survey needs at least one question")
    keys: set[str] = set()
    for q in s.questions:
        _check_question(q, check)
        check.at(q.key)(q.key not in keys, "duplicate question key")
        keys.add(q.key)
    efforts = {(q.min, q.max) for q in s.questions if q.dimension == "effort"}
    check(len(efforts) <= 1, "all effort questions must use the same scale")
    primary = s.primary
    check(isinstance(primary, str) and primary in keys, f"primary {primary!r} is not a question")
    q = s._index[primary]
    ok = q.type in ("scale", "choice") and q.required
    check.at(q.key)(ok, "the primary question must be a required scale or choice question")
