"""Survey model: definition validation, round trips, fingerprints, answers, scores."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import pickle
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csat.errors import AnswerProblem, AnswerValidationError, CSATError, SurveyDefinitionError
from csat.survey.model import (
    DIMENSIONS,
    QUESTION_TYPES,
    Choice,
    DimensionScores,
    Question,
    Survey,
    fingerprint_of,
)

SOURCE = "test.json"


def _t(en: str, de: str | None = None) -> dict[str, str]:
    return {"en": en, "de": de if de is not None else f"{en} (de)"}


def _scale(key: str, dimension: str, lo: int = 1, hi: int = 5, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "type": "scale",
        "dimension": dimension,
        "text": _t(f"{key}?"),
        "min": lo,
        "max": hi,
        "min_label": _t("low"),
        "max_label": _t("high"),
        **extra,
    }


def base() -> dict[str, Any]:
    """A valid definition shaped like the stock post-ticket survey."""
    return {
        "key": "post_ticket",
        "locales": ["en", "de"],
        "primary": "understood",
        "title": _t("How did we do?"),
        "intro": _t("Thanks for asking us."),
        "questions": [
            _scale("understood", "understood", required=True),
            _scale("respected", "understood"),
            {
                "key": "solved",
                "type": "choice",
                "dimension": "helped",
                "text": _t("Is your problem solved?"),
                "choices": [
                    {"value": "yes", "score": 5, "label": _t("Yes", "Ja")},
                    {"value": "partly", "score": 3, "label": _t("Partly", "Teilweise")},
                    {"value": "no", "score": 1, "label": _t("No", "Nein")},
                ],
            },
            _scale("helped", "helped"),
            _scale("effort", "effort", 1, 7),
            _scale("overall", "overall"),
            {"key": "comment", "type": "text", "dimension": "none", "text": _t("Better?")},
        ],
    }


SURVEY = Survey.from_dict(base(), source=SOURCE)


def q(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(item for item in data["questions"] if item["key"] == key)


def scale_survey(*items: dict[str, Any]) -> Survey:
    data = base()
    data["questions"] = [_scale("primary", "none", required=True), *items]
    data["primary"] = "primary"
    return Survey.from_dict(data)


# -- definition errors -----------------------------------------------------------

Edit = Callable[[dict[str, Any]], object]


def _set(key: str, field: str, value: object) -> Edit:
    return lambda d: q(d, key).__setitem__(field, value)


def _del(key: str, field: str) -> Edit:
    return lambda d: q(d, key).pop(field)


DEFINITION_ERRORS: list[tuple[str, Edit, str | None, str]] = [  # id, edit, question, message
    ("empty", lambda d: d.clear(), None, "missing required survey field 'key'"),
    ("missing title", lambda d: d.pop("title"), None, "missing required survey field 'title'"),
    ("unknown field", lambda d: d.update(colour="red"), None, "unknown survey field 'colour'"),
    ("key type", lambda d: d.update(key=5), None, "survey key must be a string, not int"),
    ("empty key", lambda d: d.update(key=""), None, "survey key must not be empty"),
    ("bad key", lambda d: d.update(key="Post-Ticket"), None, "survey key 'Post-Ticket' must"),
    ("long key", lambda d: d.update(key="a" * 65), None, "must match"),
    ("no locales", lambda d: d.update(locales=[]), None, "locales must be a non-empty list"),
    ("locales str", lambda d: d.update(locales="en"), None, "locales must be a non-empty list"),
    ("bad locale", lambda d: d.update(locales=["en", "DE!"]), None, "invalid locale 'DE!'"),
    ("dup locale", lambda d: d.update(locales=["en", "en"]), None, "must not repeat"),
    ("title de", lambda d: d["title"].pop("de"), None, "title is missing the 'de' translation"),
    ("intro en", lambda d: d["intro"].pop("en"), None, "intro is missing the 'en' translation"),
    ("title fr", lambda d: d["title"].update(fr="x"), None, "undeclared locale 'fr'"),
    ("title blank", lambda d: d["title"].update(de=" "), None, "title in 'de' must be a non-empty"),
    ("title int", lambda d: d["title"].update(de=3), None, "title in 'de' must be a non-empty"),
    ("title str", lambda d: d.update(title="Hi"), None, "title must be a table of translations"),
    ("questions", lambda d: d.update(questions={}), None, "questions must be an array of tables"),
    ("no questions", lambda d: d.update(questions=[]), None, "at least one question"),
    ("question str", lambda d: d["questions"].append("x"), "#8", "a question must be a table"),
    ("no type", _del("helped", "type"), "helped", "missing required question field 'type'"),
    ("no text", _del("helped", "text"), "helped", "missing required question field 'text'"),
    ("q unknown", _set("helped", "colour", 1), "helped", "unknown question field 'colour'"),
    ("q default", _set("helped", "default", 3), "helped", "default answers are not allowed"),
    ("type", _set("helped", "type", "slider"), "helped", "unknown type 'slider'"),
    ("type list", _set("helped", "type", ["scale"]), "helped", "unknown type ['scale']"),
    ("dimension", _set("helped", "dimension", "happy"), "helped", "unknown dimension 'happy'"),
    ("required", _set("helped", "required", "yes"), "helped", "required must be true or false"),
    ("q key", _set("helped", "key", "Bad Key"), None, "question key 'Bad Key' must match"),
    ("q key empty", _set("helped", "key", ""), None, "question key must not be empty"),
    ("q key int", _set("helped", "key", 7), None, "question key must be a string"),
    ("dup key", _set("respected", "key", "understood"), "understood", "duplicate question key"),
    ("text de", lambda d: q(d, "helped")["text"].pop("de"), "helped", "text is missing the 'de'"),
    ("min_label", lambda d: q(d, "helped")["min_label"].pop("de"), "helped", "min_label is miss"),
    ("max_label", lambda d: q(d, "effort")["max_label"].pop("en"), "effort", "max_label is miss"),
    ("one label", _del("helped", "max_label"), "helped", "give both end labels or neither"),
    ("min = max", _set("helped", "min", 5), "helped", "scale min (5) must be less than max (5)"),
    ("min > max", _set("helped", "max", 0), "helped", "scale min (1) must be less than max (0)"),
    ("min float", _set("helped", "min", 1.5), "helped", "scale min and max must be integers"),
    ("min bool", _set("helped", "min", True), "helped", "scale min and max must be integers"),
    ("max bool", _set("helped", "max", True), "helped", "scale min and max must be integers"),
    ("no min", _del("helped", "min"), "helped", "scale min and max must be integers"),
    (
        "scale choices",
        _set("helped", "choices", [{"value": "a", "score": 1, "label": _t("A")}]),
        "helped",
        "choices are only for choice questions",
    ),
    ("min on text", _set("comment", "min", 1), "comment", "only for scale questions"),
    ("len on scale", _set("helped", "max_length", 9), "helped", "text questions only"),
    ("len zero", _set("comment", "max_length", 0), "comment", "max_length must be a positive"),
    ("len bool", _set("comment", "max_length", True), "comment", "max_length must be a positive"),
    ("text scored", _set("comment", "dimension", "helped"), "comment", 'use dimension = "none"'),
    ("effort choice", _set("solved", "dimension", "effort"), "solved", "effort questions must be"),
    ("no choices", _set("solved", "choices", []), "solved", "a choice question needs choices"),
    ("no choices 2", _del("solved", "choices"), "solved", "a choice question needs choices"),
    ("choices str", _set("solved", "choices", "yes"), "solved", "choices must be an array"),
    ("choice str", lambda d: q(d, "solved")["choices"].append("x"), "solved", "a choice must be"),
    ("choice field", lambda d: q(d, "solved")["choices"][0].pop("label"), "solved", "'label'"),
    ("choice extra", lambda d: q(d, "solved")["choices"][0].update(x=1), "solved", "field 'x'"),
    (
        "choice default",
        lambda d: q(d, "solved")["choices"][0].update(default=True),
        "solved",
        "not allowed",
    ),
    (
        "dup choice",
        lambda d: q(d, "solved")["choices"][1].update(value="yes"),
        "solved",
        "duplicate choice",
    ),
    (
        "choice value",
        lambda d: q(d, "solved")["choices"][0].update(value="Yes!"),
        "solved",
        "'Yes!'",
    ),
    ("score 6", lambda d: q(d, "solved")["choices"][0].update(score=6), "solved", "from 1 to 5"),
    ("score 0", lambda d: q(d, "solved")["choices"][2].update(score=0), "solved", "from 1 to 5"),
    ("score bool", lambda d: q(d, "solved")["choices"][0].update(score=True), "solved", "1 to 5"),
    ("score str", lambda d: q(d, "solved")["choices"][0].update(score="5"), "solved", "1 to 5"),
    ("label de", lambda d: q(d, "solved")["choices"][0]["label"].pop("de"), "solved", "label is"),
    ("efforts", lambda d: d["questions"].append(_scale("e2", "effort")), None, "same scale"),
    ("primary", lambda d: d.update(primary="nope"), None, "primary 'nope' is not a question"),
    ("primary list", lambda d: d.update(primary=["x"]), None, "primary ['x'] is not a question"),
    ("primary text", lambda d: d.update(primary="comment"), "comment", "a required scale or"),
    ("not required", lambda d: d.update(primary="helped"), "helped", "a required scale or choice"),
]


@pytest.mark.parametrize(
    ("edit", "question", "message"),
    [case[1:] for case in DEFINITION_ERRORS],
    ids=[case[0] for case in DEFINITION_ERRORS],
)
def test_definition_error(edit: Edit, question: str | None, message: str) -> None:
    data = base()
    edit(data)
    with pytest.raises(SurveyDefinitionError) as info:
        Survey.from_dict(data, source=SOURCE)
    error = info.value
    assert error.source == SOURCE
    assert error.question == question
    assert error.line is None
    assert message in error.reason
    assert str(error).startswith(SOURCE)
    if question is not None:
        assert f"question {question!r}" in str(error)


def test_default_message_explains_why() -> None:
    data = base()
    q(data, "understood")["default"] = 4
    with pytest.raises(SurveyDefinitionError, match="skews results") as info:
        Survey.from_dict(data, source=SOURCE)
    assert info.value.question == "understood"


@pytest.mark.parametrize("data", [[], "survey", None, 3])
def test_from_dict_rejects_non_tables(data: Any) -> None:
    with pytest.raises(SurveyDefinitionError, match="a survey must be a table"):
        Survey.from_dict(data, source=SOURCE)


def test_errors_are_csat_errors_not_builtins() -> None:
    assert issubclass(SurveyDefinitionError, CSATError)
    assert not issubclass(SurveyDefinitionError, (KeyError, TypeError, ValueError))


# -- Python API, immutability, round trip, fingerprint ------------------------------


def python_survey(**changes: Any) -> Survey:
    text = {"en": "Did you feel understood?", "de": "Fühlten Sie sich verstanden?"}
    fields: dict[str, Any] = {
        "key": "mini",
        "locales": ["en", "de"],
        "title": {"en": "Mini", "de": "Mini"},
        "intro": {"en": "Hello", "de": "Hallo"},
        "primary": "understood",
        "questions": [
            Question("understood", "scale", "understood", text, required=True, min=1, max=5),
            Question(
                "solved",
                "choice",
                "helped",
                {"en": "Solved?", "de": "Gelöst?"},
                choices=[Choice("yes", 5, {"en": "Yes", "de": "Ja"})],  # type: ignore[arg-type]
            ),
            Question("note", "text", "none", {"en": "Note", "de": "Notiz"}, max_length=10),
        ],
    }
    fields.update(changes)
    return Survey(**fields)


def test_survey_built_in_python() -> None:
    survey = python_survey()
    assert survey.source == "<python>"
    assert survey.locales == ("en", "de")
    assert isinstance(survey.questions, tuple)
    assert isinstance(survey.questions[1].choices, tuple)
    assert isinstance(survey.title, MappingProxyType)
    assert survey.primary_question is survey.questions[0]
    assert survey.question("note").max_length == 10
    assert Survey.from_dict(survey.to_dict()) == survey
    assert {survey, python_survey()} == {survey}


def test_python_survey_is_validated() -> None:
    with pytest.raises(SurveyDefinitionError) as info:
        python_survey(locales=("en", "de", "fr"))
    assert str(info.value) == "<python>: title is missing the 'fr' translation"
    bad = Question("x", "text", "none", {"en": "X", "de": "X"}, choices=(Choice("a", 1, {}),))
    with pytest.raises(SurveyDefinitionError, match="only for choice questions"):
        python_survey(questions=[*python_survey().questions, bad])
    with pytest.raises(SurveyDefinitionError, match="must be Question objects, not dict"):
        python_survey(questions=[{"key": "x"}])
    wrong_choice = Question("c", "choice", "helped", {"en": "C", "de": "C"}, choices=("yes",))  # type: ignore[arg-type]
    with pytest.raises(SurveyDefinitionError, match="must be Choice objects, not str"):
        python_survey(questions=[*python_survey().questions, wrong_choice])
    with pytest.raises(SurveyDefinitionError, match="survey key must be a string"):
        python_survey(key=None)


def test_replace_revalidates() -> None:
    survey = python_survey()
    assert dataclasses.replace(survey, key="other").key == "other"
    with pytest.raises(SurveyDefinitionError, match="primary 'zzz'"):
        dataclasses.replace(survey, primary="zzz")


def test_survey_is_immutable() -> None:
    text = {"en": "Mini", "de": "Mini"}
    survey = python_survey(title=text)
    text["en"] = "changed"
    assert survey.title["en"] == "Mini"
    with pytest.raises(dataclasses.FrozenInstanceError):
        survey.key = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        survey.title["en"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        survey.questions[0].text["en"] = "x"  # type: ignore[index]
    assert hash(survey) == hash(python_survey())


def test_pickle_and_deepcopy_keep_source() -> None:
    for copied in (pickle.loads(pickle.dumps(SURVEY)), copy.deepcopy(SURVEY)):  # noqa: S301
        assert copied == SURVEY
        assert copied.source == SOURCE
        assert copied.fingerprint == SURVEY.fingerprint


def test_question_lookup() -> None:
    assert SURVEY.question("solved").choices[1].value == "partly"
    with pytest.raises(AnswerValidationError) as info:
        SURVEY.question("nope")
    assert info.value.problems == (AnswerProblem("nope", "unknown question"),)


def test_constants() -> None:
    assert {"scale", "choice", "text"} == QUESTION_TYPES
    assert {"helped", "understood", "overall", "effort", "none"} == DIMENSIONS


def test_round_trip() -> None:
    data = SURVEY.to_dict()
    assert json.loads(json.dumps(data)) == data
    again = Survey.from_dict(json.loads(json.dumps(data)), source="elsewhere")
    assert again == SURVEY
    assert again.to_dict() == data
    assert again.fingerprint == SURVEY.fingerprint
    assert "source" not in data
    assert "max_length" not in q(data, "comment")
    assert q(data, "understood")["required"] is True
    assert q(data, "solved")["choices"][1] == {
        "value": "partly",
        "score": 3,
        "label": {"en": "Partly", "de": "Teilweise"},
    }


def test_fingerprint_is_sha256_of_canonical_json() -> None:
    canonical = json.dumps(
        SURVEY.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert SURVEY.fingerprint == expected == fingerprint_of(SURVEY.to_dict())
    assert SURVEY.fingerprint is SURVEY.fingerprint  # cached
    assert len(expected) == 64


def test_fingerprint_ignores_source_and_key_order() -> None:
    data = base()
    shuffled = {k: data[k] for k in reversed(list(data))}
    shuffled["questions"] = [dict(reversed(list(item.items()))) for item in data["questions"]]
    assert Survey.from_dict(shuffled, source="a.toml").fingerprint == SURVEY.fingerprint
    assert Survey.from_dict(base(), source="/other/b.toml").fingerprint == SURVEY.fingerprint


WORDING_CHANGES: list[Edit] = [
    lambda d: d["title"].update(en="How did we do!"),
    lambda d: d["intro"].update(de="Danke."),
    lambda d: q(d, "understood")["text"].update(de="Verstanden?"),
    lambda d: q(d, "understood")["min_label"].update(en="Not really"),
    lambda d: q(d, "effort")["max_label"].update(de="Stimme zu"),
    lambda d: q(d, "solved")["choices"][0]["label"].update(en="Yes!"),
    lambda d: q(d, "solved")["choices"][1].update(score=2),
    lambda d: q(d, "helped").update(max=7),
    lambda d: q(d, "helped").update(required=True),
    lambda d: q(d, "comment").update(max_length=500),
    lambda d: d["questions"].reverse(),
    lambda d: d.update(key="post_ticket_2"),
]


@pytest.mark.parametrize("edit", WORDING_CHANGES)
def test_any_change_changes_fingerprint(edit: Edit) -> None:
    data = base()
    edit(data)
    assert Survey.from_dict(data).fingerprint != SURVEY.fingerprint


# -- answers --------------------------------------------------------------------


def problems(answers: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(AnswerValidationError) as info:
        SURVEY.validate_answers(answers, **kwargs)
    return [(p.question, p.message) for p in info.value.problems]


def test_valid_answers_are_cleaned() -> None:
    answers = {
        "comment": "  Thanks!\n\nGreat  job.  ",
        "understood": "4",
        "solved": "partly",
        "helped": 2,
        "effort": " 7 ",
        "respected": None,
        "overall": "",
    }
    cleaned = SURVEY.validate_answers(answers)
    assert cleaned == {
        "understood": 4,
        "solved": "partly",
        "helped": 2,
        "effort": 7,
        "comment": "Thanks!\n\nGreat  job.",
    }
    assert list(cleaned) == ["understood", "solved", "helped", "effort", "comment"]
    assert SURVEY.validate_answers(cleaned) == cleaned


@pytest.mark.parametrize("value", [1, 5, "1", "5", " 3 ", "+2", "03"])
def test_scale_accepts_whole_numbers(value: object) -> None:
    assert SURVEY.validate_answers({"understood": value})["understood"] == int(str(value))


@pytest.mark.parametrize(
    "value", [True, False, 4.0, "4.5", "4,0", "abc", "٤", 0, 6, "-1", "9" * 40, [4], {"v": 4}]
)
def test_scale_rejects(value: object) -> None:
    assert problems({"understood": value}) == [("understood", "must be a whole number from 1 to 5")]


def test_effort_uses_its_own_bounds() -> None:
    assert SURVEY.validate_answers({"understood": 3, "effort": 7})["effort"] == 7
    assert problems({"understood": 3, "effort": 8}) == [
        ("effort", "must be a whole number from 1 to 7")
    ]


@pytest.mark.parametrize("value", ["maybe", "YES", 5, True, ["yes"]])
def test_choice_rejects(value: object) -> None:
    assert problems({"understood": 3, "solved": value}) == [
        ("solved", "must be one of: yes, partly, no")
    ]


def test_blank_optional_answers_are_dropped() -> None:
    for blank in (None, "", "   ", "\n"):
        answers = {"understood": 2, "solved": blank, "helped": blank, "comment": blank}
        assert SURVEY.validate_answers(answers) == {"understood": 2}


@pytest.mark.parametrize("missing", [{}, {"understood": None}, {"understood": ""}, {"helped": 2}])
def test_required_answer_missing(missing: dict[str, object]) -> None:
    assert ("understood", "an answer is required") in problems(missing)
    assert "understood" not in SURVEY.validate_answers(missing, partial=True)


def test_partial_still_checks_values() -> None:
    assert problems({"helped": 9}, partial=True) == [
        ("helped", "must be a whole number from 1 to 5")
    ]
    assert SURVEY.validate_answers({"helped": "3"}, partial=True) == {"helped": 3}


def test_text_length_counts_characters() -> None:
    text = "ä😀" * 5  # 10 characters, more bytes
    assert SURVEY.validate_answers({"understood": 1, "comment": text}, comment_max_length=10)
    assert problems({"understood": 1, "comment": text + "x"}, comment_max_length=10) == [
        ("comment", "must be at most 10 characters long (got 11)")
    ]
    padded = f"   {text}   "
    assert SURVEY.validate_answers({"understood": 1, "comment": padded}, comment_max_length=10)
    assert SURVEY.validate_answers({"understood": 1, "comment": "x" * 2000})
    assert problems({"understood": 1, "comment": "x" * 2001})[0][0] == "comment"


def test_question_max_length_overrides_cap() -> None:
    survey = python_survey()
    assert survey.validate_answers({"understood": 1, "note": "x" * 10}, comment_max_length=5)
    with pytest.raises(AnswerValidationError, match="at most 10 characters"):
        survey.validate_answers({"understood": 1, "note": "x" * 11}, comment_max_length=5000)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "must be text"),
        (["text"], "must be text"),
        ("a\x00b", "must not contain NUL characters or lone surrogates"),
        ("a\ud800b", "must not contain NUL characters or lone surrogates"),
    ],
)
def test_text_rejects(value: object, message: str) -> None:
    assert problems({"understood": 1, "comment": value}) == [("comment", message)]


def test_text_keeps_literal_content() -> None:
    text = "$x_1^2 <b>&amp; \\n\t 'quoted' — Grüße 🙂"
    assert SURVEY.validate_answers({"understood": 1, "comment": text})["comment"] == text


def test_all_problems_are_reported_at_once() -> None:
    answers = {
        "bogus": 1,
        "understood": "4.5",
        "solved": "maybe",
        "helped": True,
        "effort": 0,
        "comment": "x" * 30,
        7: "x",
    }
    assert problems(answers, comment_max_length=20) == [
        ("bogus", "unknown question"),
        ("7", "unknown question"),
        ("understood", "must be a whole number from 1 to 5"),
        ("solved", "must be one of: yes, partly, no"),
        ("helped", "must be a whole number from 1 to 5"),
        ("effort", "must be a whole number from 1 to 7"),
        ("comment", "must be at most 20 characters long (got 30)"),
    ]


def test_answers_must_be_a_mapping() -> None:
    assert problems([("understood", 4)]) == [("answers", "must be a mapping")]


ANSWER_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=9),
    st.integers(),
    st.booleans(),
    st.sampled_from(["", " ", "3", " 4 ", "yes", "partly", "no", "4.5", "\x00"]),
    st.text(),
)
ANSWER_KEYS = st.one_of(st.sampled_from([item["key"] for item in base()["questions"]]), st.text())


@given(st.dictionaries(ANSWER_KEYS, ANSWER_VALUES), st.booleans())
def test_validation_is_total_and_idempotent(answers: dict[str, object], partial: bool) -> None:
    try:
        cleaned = SURVEY.validate_answers(answers, comment_max_length=50, partial=partial)
    except AnswerValidationError:
        return  # the only exception allowed
    assert SURVEY.validate_answers(cleaned, comment_max_length=50, partial=partial) == cleaned
    assert set(cleaned) <= set(answers)
    SURVEY.dimension_scores(cleaned)


# -- dimension scores -------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"understood": 4, "respected": 5}, (5, None, None, None)),  # 4.5 -> 5
        ({"understood": 3, "respected": 4}, (4, None, None, None)),  # 3.5 -> 4
        ({"understood": 2, "respected": 3}, (3, None, None, None)),  # 2.5 -> 3, not 2
        ({"understood": 1, "respected": 2}, (2, None, None, None)),
        ({"understood": 2, "respected": 1}, (2, None, None, None)),
        ({"understood": 4}, (4, None, None, None)),
        ({"understood": 1, "solved": "partly", "helped": 2}, (1, 3, None, None)),  # 2.5 -> 3
        ({"understood": 1, "solved": "yes"}, (1, 5, None, None)),
        ({"understood": 1, "solved": "no", "helped": 2}, (1, 2, None, None)),  # 1.5 -> 2
        ({"understood": 5, "overall": 4, "effort": 6}, (5, None, 4, 6.0)),
        ({"understood": 5, "comment": "ok"}, (5, None, None, None)),
        ({}, (None, None, None, None)),
    ],
)
def test_dimension_scores(answers: dict[str, Any], expected: tuple[object, ...]) -> None:
    assert SURVEY.dimension_scores(answers) == DimensionScores(*expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "score"),
    [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (7, 5)],  # 1 + (v-1)*4/6, half up
)
def test_seven_point_scale_maps_to_five(value: int, score: int) -> None:
    survey = scale_survey(_scale("calm", "understood", 1, 7))
    assert survey.dimension_scores({"calm": value}).understood == score


def test_mapping_handles_other_ranges_and_mixes_items() -> None:
    survey = scale_survey(_scale("nps", "overall", 0, 10), _scale("csat", "overall"))
    assert survey.dimension_scores({"nps": 0}).overall == 1
    assert survey.dimension_scores({"nps": 10}).overall == 5
    assert survey.dimension_scores({"nps": 5}).overall == 3
    # nps 6 -> 3.4, csat 4 -> mean 3.7 -> 4
    assert survey.dimension_scores({"nps": 6, "csat": 4}).overall == 4


def test_effort_is_the_raw_mean() -> None:
    survey = scale_survey(_scale("e1", "effort", 1, 7), _scale("e2", "effort", 1, 7))
    assert survey.dimension_scores({"e1": 3, "e2": 6}).effort == 4.5
    assert survey.dimension_scores({"e2": 2}).effort == 2.0
    assert survey.dimension_scores({"primary": 5}) == DimensionScores(None, None, None, None)


def test_dimension_scores_reject_invalid_values() -> None:
    with pytest.raises(AnswerValidationError) as info:
        SURVEY.dimension_scores({"understood": 9, "solved": "maybe", "effort": True})
    assert [p.question for p in info.value.problems] == ["understood", "solved", "effort"]
