"""What each kind of question accepts (FieldRule), checked without a web request,
and the same rule applied to the paper data-entry form through WTForms."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import Form

from survey.forms.kinds import form_kind
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.questionnaire.definition import iter_questions, kind_of
from survey.questionnaire.kinds import FieldRule, FormContext

CTX = FormContext(sessions=((7, "Ouverture", "session"), (8, "Atelier", "workshop")), max_text_length=2000)


def rules_of(code: str) -> dict[str, FieldRule]:
    definition = load_definition(DEFAULT_QUESTIONNAIRE)
    ctx = FormContext(sessions=CTX.sessions, max_text_length=CTX.max_text_length, scales=definition["scales"])
    question = next(q for _p, _s, q in iter_questions(definition) if q["code"] == code)
    return kind_of(question).rules(question, ctx)


def message(rule: FieldRule, posted: list[str]) -> str | None:
    problem: Any = rule.problem(posted)
    return None if problem is None else str(problem)


def test_a_scale_takes_one_of_its_points(app: Flask) -> None:
    (rule,) = rules_of("cq_relevance").values()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert message(rule, ["4"]) is None
        assert message(rule, []) == "Please answer this question."
        assert message(rule, ["  "]) == "Please answer this question."
        for wrong in ("0", "6", "4.5", "abc"):
            assert message(rule, [wrong]) == "Choose one of the points from 1 to 5."
    assert rule.value(["4", "2"]) == "4"  # a second value for a radio group is ignored, as a browser never sends it


def test_before_after_and_matrix_have_one_field_per_item() -> None:
    assert set(rules_of("ba_knowledge")) == {"q__ba_knowledge__before", "q__ba_knowledge__after"}
    assert set(rules_of("session_usefulness")) >= {"q__session_usefulness__7"}


def test_multiple_choice_checks_every_ticked_value(app: Flask) -> None:
    (rule,) = rules_of("helpful_formats").values()
    allowed = list(rule.choices)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert message(rule, allowed[:2]) is None
        assert message(rule, [allowed[0], "bribe"]) == "Choose among the options shown."
        assert message(rule, ["", allowed[1]]) is None  # an empty value beside a ticked one is no answer of its own
        assert message(rule, [""]) is None  # optional: nothing ticked is an answer
        required = dataclasses.replace(rule, required=True)
        assert message(required, [""]) == "Please tick at least one option."
        assert message(required, []) == "Please tick at least one option."
    assert rule.value(allowed[:2]) == allowed[:2]


def test_text_is_trimmed_and_its_limit_stated(app: Flask) -> None:
    rule = FieldRule(shape="text", required=True, max_length=10, required_message="Please answer this question.")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert message(rule, ["  \x00 "]) == "Please answer this question."
        assert message(rule, [" 0123456789 "]) is None
        assert message(rule, ["0123456789X"]) == "At most 10 characters, please: this answer has 11."
    assert rule.value([" bonjour\x00 "]) == "bonjour"


def test_an_optional_field_may_stay_empty_but_not_wrong(app: Flask) -> None:
    rule = FieldRule(shape="one", required=False, choices=("1", "2"), choice_message="no")
    assert rule.problem([]) is None
    assert rule.problem([""]) is None
    assert rule.problem(["3"]) == "no"


@pytest.mark.parametrize(("posted", "valid"), [("5", True), ("9", False), ("", True)])
def test_the_paper_entry_form_applies_the_same_rule(app: Flask, posted: str, valid: bool) -> None:
    fields = form_kind({"kind": "likert"}).fields({"code": "x", "required": False, "scale": "s"}, _scale_ctx())
    (field,) = fields
    form_class = type("Entry", (Form,), fields)
    with app.test_request_context():
        form = form_class(formdata=MultiDict({field: posted}))
        assert form.validate() is valid


def _scale_ctx() -> FormContext:
    return FormContext(scales={"s": {"points": [1, 2, 3, 4, 5], "labels": {}}})
