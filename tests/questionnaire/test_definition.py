"""The questionnaire definition format: what loads, what is refused and how it is explained."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from survey.questionnaire import (
    DEFAULT_QUESTIONNAIRE,
    DefinitionError,
    dump_definition,
    load_definition,
    parse_definition,
)
from survey.questionnaire.definition import iter_questions

KINDS_IN_DEFAULT = {"likert", "rating", "single_choice", "multiple_choice", "long_text", "before_after", "matrix"}


def test_default_questionnaire_covers_the_evaluation() -> None:
    definition = load_definition(DEFAULT_QUESTIONNAIRE)
    codes = {q["code"]: q for _p, _s, q in iter_questions(definition)}
    assert definition["languages"] == ["fr", "en", "ar"]
    assert {q["kind"] for q in codes.values()} == KINDS_IN_DEFAULT
    by_dimension = {}
    for question in codes.values():
        by_dimension.setdefault(question["dimension"], []).append(question["code"])
    assert len(by_dimension["content_quality"]) == 4
    assert {"pi_awareness", "pi_intention", "ba_knowledge", "ba_methods"} <= set(by_dimension["professional_impact"])
    assert len(by_dimension["organisation"]) == 2
    assert codes["recommend"]["kind"] == "rating"
    assert {"comment_useful", "comment_improve"} <= set(codes)
    # then/now items on a page of their own, after everything else
    last_page = definition["pages"][-1]
    assert all(q["kind"] == "before_after" for s in last_page["sections"] for q in s["questions"])
    assert not any(
        q["kind"] == "before_after" for p in definition["pages"][:-1] for s in p["sections"] for q in s["questions"]
    )


def test_every_text_exists_in_every_language() -> None:
    definition = load_definition(DEFAULT_QUESTIONNAIRE)
    for _page, _section, question in iter_questions(definition):
        assert set(question["text"]) == {"fr", "en", "ar"}, question["code"]
    for scale in definition["scales"].values():
        assert {len(labels) for labels in scale["labels"].values()} == {len(scale["points"])}


def test_export_then_import_gives_the_same_definition() -> None:
    definition = load_definition(DEFAULT_QUESTIONNAIRE)
    assert parse_definition(dump_definition(definition)) == definition


def _raw() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8"))


def _problems(raw: dict[str, Any], tmp_path: Path) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert caught.value.source == str(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


def _first_question(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["pages"][0]["sections"][0]["questions"][0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda q: q.update(kind="slider"), "question cq_relevance: field kind: unknown kind 'slider'"),
        (lambda q: q.update(scale="stars"), "question cq_relevance: field scale: unknown scale 'stars'"),
        (lambda q: q["text"].pop("ar"), "question cq_relevance: field text: missing text for ar"),
        (lambda q: q.update(code="Bad Code"), "question Bad Code: field code:"),
        (
            lambda q: q.update(dimension="happiness"),
            "question cq_relevance: field dimension: unknown dimension 'happiness'",
        ),
    ],
)
def test_errors_name_the_question_and_the_field(tmp_path: Path, change: Any, expected: str) -> None:
    raw = _raw()
    change(_first_question(raw))
    problems = _problems(raw, tmp_path)
    assert any(p.startswith(expected) for p in problems), problems


def test_duplicate_codes_are_refused(tmp_path: Path) -> None:
    raw = _raw()
    questions = raw["pages"][0]["sections"][0]["questions"]
    questions.append(copy.deepcopy(questions[0]))
    assert "question cq_relevance: field code: used twice" in _problems(raw, tmp_path)


def test_scale_labels_must_match_points(tmp_path: Path) -> None:
    raw = _raw()
    raw["scales"]["agreement"]["labels"]["fr"].pop()
    assert any("scale agreement: field labels: fr needs one label per point (5)" in p for p in _problems(raw, tmp_path))


def test_choice_question_needs_options(tmp_path: Path) -> None:
    raw = _raw()
    for page in raw["pages"]:
        for section in page["sections"]:
            for question in section["questions"]:
                if question["code"] == "attended_before":
                    question["options"] = [question["options"][0]]
    assert any(p.startswith("question attended_before: field options") for p in _problems(raw, tmp_path))


def test_rating_needs_both_anchors(tmp_path: Path) -> None:
    raw = _raw()
    for page in raw["pages"]:
        for section in page["sections"]:
            for question in section["questions"]:
                if question["code"] == "recommend":
                    question["anchors"]["en"] = ["only one"]
    assert "question recommend: field anchors: en needs two labels, for 0 and for 10" in _problems(raw, tmp_path)


def test_not_yaml_at_all(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_definition(path)


def test_empty_questionnaire_is_refused() -> None:
    with pytest.raises(DefinitionError, match="pages"):
        parse_definition("code: empty\ntitle: {fr: a, en: b, ar: c}\npages: []\n")


def test_a_minimal_single_language_definition_loads() -> None:
    text = """
code: mini
languages: [en]
title: {en: Mini}
scales:
  yesno: {points: [0, 1], labels: {en: ["No", "Yes"]}}
pages:
  - sections:
      - questions:
          - {code: useful, kind: likert, scale: yesno, text: {en: "Useful?"}, required: true}
          - {code: name_it, kind: short_text, text: {en: One word}, max_length: 20}
"""
    definition = parse_definition(text)
    kinds = [q["kind"] for _p, _s, q in iter_questions(definition)]
    assert kinds == ["likert", "short_text"]
    assert definition["pages"][0]["sections"][0]["questions"][1]["max_length"] == 20
