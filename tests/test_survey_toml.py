"""TOML loading and the stock surveys shipped as ``csat.surveys``."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest

from csat.errors import SurveyDefinitionError, UnknownSurveyError
from csat.survey.files import load_survey, loads_survey, stock_survey, stock_survey_keys
from csat.survey.model import Survey

VALID = """\
key = "mini"
locales = ["en", "de"]
primary = "understood"
title = { en = "Mini", de = "Mini" }
intro = { en = "Hello", de = "Hallo" }

[[questions]]
key = "understood"
type = "scale"
dimension = "understood"
required = true
min = 1
max = 5
text = { en = "Understood?", de = "Verstanden?" }
min_label = { en = "No", de = "Nein" }
max_label = { en = "Yes", de = "Ja" }

[[questions]]
key = "solved"
type = "choice"
dimension = "helped"
text = { en = "Solved?", de = "Gelöst?" }
choices = [
    { value = "yes", score = 5, label = { en = "Yes", de = "Ja" } },
    { value = "no", score = 1, label = { en = "No", de = "Nein" } },
]

[[questions]]
key = "comment"
type = "text"
dimension = "none"
max_length = 500
text = { en = "Anything else?", de = "Sonst noch etwas?" }
"""


def test_loads_survey() -> None:
    survey = loads_survey(VALID, source="mini.toml")
    assert survey.source == "mini.toml"
    assert [q.key for q in survey.questions] == ["understood", "solved", "comment"]
    assert survey.question("solved").choices[0].label["de"] == "Ja"
    assert survey.question("comment").max_length == 500
    assert Survey.from_dict(survey.to_dict()) == survey
    assert loads_survey(VALID).source == "<string>"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (VALID.replace("min = 1", "min = "), 12, "invalid TOML: Invalid value (column 7)"),
        (VALID.replace('"solved"', '"solved'), 19, "invalid TOML: Illegal character '\\n'"),
        (VALID + "max_length = 1\n", 34, "invalid TOML: Cannot overwrite a value (column 15)"),
        (VALID + '\nx = """open', 35, "Unterminated string (at end of document)"),
        ("[questions\n", 1, "invalid TOML: Expected ']' at the end of a table declaration"),
        ("a = 1\n\n\nb = [1,\n", 4, "invalid TOML: Invalid value (at end of document)"),
    ],
)
def test_syntax_error_names_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SurveyDefinitionError) as info:
        loads_survey(text, source="bad.toml")
    error = info.value
    assert error.line == line
    assert error.source == "bad.toml"
    assert message in error.reason
    assert str(error).startswith(f"bad.toml, line {line}: invalid TOML")
    assert error.__cause__ is not None


def test_definition_errors_name_file_and_question() -> None:
    text = VALID.replace("required = true", "required = true\ndefault = 3")
    with pytest.raises(SurveyDefinitionError) as info:
        loads_survey(text, source="surveys/x.toml")
    assert str(info.value) == (
        "surveys/x.toml, question 'understood': "
        "default answers are not allowed: a preselected answer skews results"
    )
    text = VALID.replace('de = "Gelöst?"', 'fr = "Résolu ?"')
    with pytest.raises(SurveyDefinitionError, match="missing the 'de' translation") as info:
        loads_survey(text, source="x.toml")
    assert info.value.question == "solved"
    with pytest.raises(SurveyDefinitionError, match="scale min and max must be integers"):
        loads_survey(VALID.replace("min = 1", "min = 1.0"), source="x.toml")
    with pytest.raises(SurveyDefinitionError, match="scale min and max must be integers"):
        loads_survey(VALID.replace("min = 1", "min = true"), source="x.toml")


def test_loads_survey_requires_text() -> None:
    with pytest.raises(SurveyDefinitionError, match="expected TOML text, not bytes"):
        loads_survey(VALID.encode(), source="x.toml")  # type: ignore[arg-type]


def test_load_survey_from_file(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(VALID, encoding="utf-8")
    survey = load_survey(path)
    assert survey.source == str(path)
    assert load_survey(str(path)) == survey
    assert survey.fingerprint == loads_survey(VALID).fingerprint


def test_load_survey_accepts_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "windows.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode())
    assert load_survey(path).fingerprint == loads_survey(VALID).fingerprint


def test_load_survey_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(VALID.replace("min = 1", "min = 9"), encoding="utf-8")
    with pytest.raises(SurveyDefinitionError) as info:
        load_survey(path)
    assert info.value.source == str(path)
    assert str(info.value).startswith(f"{path}, question 'understood': scale min (9)")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(SurveyDefinitionError) as info:
        load_survey(path)
    assert info.value.source == str(path)
    assert "cannot read file" in info.value.reason
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_directory_is_not_a_survey(tmp_path: Path) -> None:
    with pytest.raises(SurveyDefinitionError, match="cannot read file") as info:
        load_survey(tmp_path)
    assert isinstance(info.value.__cause__, OSError)


def test_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(VALID.encode("latin-1"))
    with pytest.raises(SurveyDefinitionError, match="not UTF-8 text") as info:
        load_survey(path)
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_path_with_nul_character() -> None:
    with pytest.raises(SurveyDefinitionError, match="cannot read file") as info:
        load_survey("bad\x00name.toml")
    assert isinstance(info.value.__cause__, ValueError)


def test_path_of_wrong_type() -> None:
    with pytest.raises(SurveyDefinitionError, match="not a path"):
        load_survey(42)  # type: ignore[arg-type]


# -- stock surveys ------------------------------------------------------------------

# DESIGN.md, "Stock survey": key -> (dimension, en, de); verbatim.
WORDING = {
    "understood": (
        "understood",
        "Did you feel that we really understood your concern?",
        "Hatten Sie das Gefühl, dass wir Ihr Anliegen wirklich verstanden haben?",
    ),
    "respected": (
        "understood",
        "Were you taken seriously and treated as an equal?",
        "Wurden Sie ernst genommen und auf Augenhöhe behandelt?",
    ),
    "solved": ("helped", "Is your problem solved?", "Ist Ihr Problem gelöst?"),
    "helped": ("helped", "How well did we help you?", "Wie gut haben wir Ihnen geholfen?"),
    "effort": (
        "effort",
        "It was easy to get my issue handled.",
        "Es war einfach, mein Anliegen zu klären.",
    ),
    "overall": (
        "overall",
        "Overall, how satisfied are you with our support?",
        "Wie zufrieden sind Sie insgesamt mit unserem Support?",
    ),
    "comment": ("none", "What could we do better?", "Was können wir besser machen?"),
}


def test_stock_survey_keys() -> None:
    assert stock_survey_keys() == ("post_ticket", "quick")


@pytest.mark.parametrize(
    ("key", "questions"),
    [
        ("post_ticket", ["understood", "respected", "solved", "helped", "effort", "overall"]),
        ("quick", ["understood", "helped"]),
    ],
)
def test_stock_survey_wording(key: str, questions: list[str]) -> None:
    survey = stock_survey(key)
    assert survey.key == key
    assert survey.source == f"csat.surveys/{key}.toml"
    assert survey.locales == ("en", "de")
    assert survey.primary == "understood"
    assert [q.key for q in survey.questions] == [*questions, "comment"]
    for question in survey.questions:
        dimension, en, de = WORDING[question.key]
        assert (question.dimension, question.text["en"], question.text["de"]) == (
            dimension,
            en,
            de,
        )
        assert question.required is (question.key == "understood")
        if question.type == "scale":
            assert all(question.min_label.values())
            assert all(question.max_label.values())
    for locale in survey.locales:
        assert survey.title[locale].strip()
        assert survey.intro[locale].strip()


def test_post_ticket_scales_and_choices() -> None:
    survey = stock_survey("post_ticket")
    types = {q.key: (q.type, q.min, q.max) for q in survey.questions}
    assert types == {
        "understood": ("scale", 1, 5),
        "respected": ("scale", 1, 5),
        "solved": ("choice", None, None),
        "helped": ("scale", 1, 5),
        "effort": ("scale", 1, 7),
        "overall": ("scale", 1, 5),
        "comment": ("text", None, None),
    }
    solved = survey.question("solved")
    assert [(c.value, c.score, c.label["en"], c.label["de"]) for c in solved.choices] == [
        ("yes", 5, "Yes", "Ja"),
        ("partly", 3, "Partly", "Teilweise"),
        ("no", 1, "No", "Nein"),
    ]
    effort = survey.question("effort")
    assert dict(effort.min_label) == {"en": "Strongly disagree", "de": "Stimme überhaupt nicht zu"}
    assert dict(effort.max_label) == {"en": "Strongly agree", "de": "Stimme voll zu"}
    understood = survey.question("understood")
    assert dict(understood.min_label) == {"en": "Not at all", "de": "Überhaupt nicht"}
    assert dict(understood.max_label) == {"en": "Completely", "de": "Voll und ganz"}
    overall = survey.question("overall")
    assert dict(overall.min_label) == {"en": "Very dissatisfied", "de": "Sehr unzufrieden"}
    assert dict(overall.max_label) == {"en": "Very satisfied", "de": "Sehr zufrieden"}
    assert survey.question("comment").max_length is None


def test_quick_shares_wording_with_post_ticket() -> None:
    quick, full = stock_survey("quick"), stock_survey("post_ticket")
    for question in quick.questions:
        assert question == full.question(question.key)


def test_stock_surveys_load_the_same_each_time_and_are_distinct() -> None:
    assert stock_survey("quick") == stock_survey("quick")
    assert stock_survey("quick").fingerprint != stock_survey("post_ticket").fingerprint


@pytest.mark.parametrize("key", ["nope", "", "../post_ticket", "post_ticket.toml", "QUICK"])
def test_unknown_stock_survey(key: str) -> None:
    with pytest.raises(UnknownSurveyError) as info:
        stock_survey(key)
    assert info.value.key == key
    assert isinstance(info.value, LookupError)


def test_stock_fingerprint_does_not_depend_on_location(tmp_path: Path) -> None:
    resource = files("csat.surveys").joinpath("post_ticket.toml")
    copy = tmp_path / "elsewhere.toml"
    copy.write_text(resource.read_text(encoding="utf-8"), encoding="utf-8")
    stock = stock_survey("post_ticket")
    assert load_survey(copy).fingerprint == stock.fingerprint
    assert load_survey(copy) == stock
    assert os.fspath(copy) == load_survey(copy).source


def test_stock_answers_and_scores() -> None:
    survey = stock_survey("post_ticket")
    form = {"understood": "4", "respected": "5", "solved": "partly", "helped": "2", "effort": "6"}
    answers = survey.validate_answers({**form, "overall": "", "comment": " Danke! "})
    assert answers == {
        **{k: int(v) for k, v in form.items() if k != "solved"},
        "solved": "partly",
        "comment": "Danke!",
    }
    scores = survey.dimension_scores(answers)
    assert (scores.understood, scores.helped, scores.overall, scores.effort) == (5, 3, None, 6.0)
