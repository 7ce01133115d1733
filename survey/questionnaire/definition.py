"""Load and validate questionnaire definitions (YAML), see docs/questionnaire-format.md.

A definition is kept as the plain, normalised mapping that was validated, so
that it can be stored as JSON and exported back to YAML without loss.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from reports.languages import CODES, is_supported
from survey.questionnaire.kinds import KINDS, QuestionKind
from survey.questionnaire.texts import texts_per_language as _texts

DEFAULT_QUESTIONNAIRE = Path(__file__).with_name("end_of_programme.yaml")

CODE_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

Definition = dict[str, Any]


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` names each place and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


def load_definition(path: str | Path) -> Definition:
    """Read and validate a YAML file; raises DefinitionError naming the file."""
    path = Path(path)
    return parse_definition(path.read_text(encoding="utf-8"), source=str(path))


def parse_definition(text: str, source: str = "<questionnaire>") -> Definition:
    """Validate YAML text and return the normalised definition."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError(source, [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise DefinitionError(source, ["the file must hold a mapping with code, title and pages"])
    problems: list[str] = []
    definition = _normalise(raw, problems)
    if problems:
        raise DefinitionError(source, problems)
    return definition


def dump_definition(definition: Mapping[str, Any]) -> str:
    """YAML text that parses back to the same definition."""
    return yaml.safe_dump(dict(definition), allow_unicode=True, sort_keys=False, width=100)


def iter_questions(definition: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """Yield (page index, section, question) in form order."""
    for page_index, page in enumerate(definition["pages"]):
        for section in page["sections"]:
            for question in section["questions"]:
                yield page_index, section, question


def kind_of(question: Mapping[str, Any]) -> QuestionKind:
    return KINDS[question["kind"]]


def _normalise(raw: dict[str, Any], problems: list[str]) -> Definition:
    code = str(raw.get("code", ""))
    if not CODE_RE.match(code):
        problems.append("field code: must be lowercase letters, digits and single underscores, e.g. end_of_programme")
    languages = tuple(raw.get("languages") or CODES)
    bad = [lang for lang in languages if not is_supported(lang)]
    if bad:
        problems.append(f"field languages: unsupported {', '.join(map(str, bad))} (supported: {', '.join(CODES)})")
        languages = tuple(lang for lang in languages if is_supported(lang)) or CODES
    definition: Definition = {
        "code": code,
        "languages": list(languages),
        "title": _texts(raw.get("title"), "field title", languages, problems),
        "intro": _texts(raw.get("intro"), "field intro", languages, problems, required=False),
        "dimensions": {},
        "scales": {},
        "pages": [],
    }
    for dim_code, texts in (raw.get("dimensions") or {}).items():
        definition["dimensions"][dim_code] = _texts(texts, f"dimension {dim_code}", languages, problems)
    for name, scale in (raw.get("scales") or {}).items():
        definition["scales"][name] = _scale(name, scale, languages, problems)
    pages = raw.get("pages")
    if not isinstance(pages, list) or not pages:
        problems.append("field pages: at least one page with sections and questions is needed")
        return definition
    seen: set[str] = set()
    for page_number, page in enumerate(pages, start=1):
        where = f"page {page_number}"
        if not isinstance(page, dict) or not isinstance(page.get("sections"), list):
            problems.append(f"{where}: field sections: expected a list of sections")
            continue
        out_page: dict[str, Any] = {
            "title": _texts(page.get("title"), f"{where}: field title", languages, problems, required=False),
            "sections": [],
        }
        for section_number, section in enumerate(page["sections"], start=1):
            swhere = f"{where}, section {section_number}"
            if not isinstance(section, dict) or not isinstance(section.get("questions"), list):
                problems.append(f"{swhere}: field questions: expected a list of questions")
                continue
            dimension = section.get("dimension")
            if dimension is not None and dimension not in definition["dimensions"]:
                problems.append(f"{swhere}: field dimension: unknown dimension {dimension!r}")
            out_section: dict[str, Any] = {
                "title": _texts(section.get("title"), f"{swhere}: field title", languages, problems, required=False),
                "dimension": dimension,
                "questions": [],
            }
            for question in section["questions"]:
                out = _question(question, dimension, definition, seen, problems)
                if out is not None:
                    out_section["questions"].append(out)
            out_page["sections"].append(out_section)
        definition["pages"].append(out_page)
    if not seen and not problems:
        problems.append("field pages: the questionnaire has no questions")
    return definition


def _scale(name: str, scale: Any, languages: tuple[str, ...], problems: list[str]) -> dict[str, Any]:
    where = f"scale {name}"
    if not isinstance(scale, dict):
        problems.append(f"{where}: expected points and labels")
        return {"points": [], "labels": {}}
    points = scale.get("points")
    if not isinstance(points, list) or len(points) < 2 or not all(isinstance(p, int) for p in points):
        problems.append(f"{where}: field points: expected a list of at least two whole numbers")
        points = []
    elif points != sorted(set(points)):
        problems.append(f"{where}: field points: must be increasing and distinct")
    labels: dict[str, list[str]] = {}
    raw_labels = scale.get("labels") or {}
    for lang in languages:
        values = raw_labels.get(lang) if isinstance(raw_labels, dict) else None
        if not isinstance(values, list) or len(values) != len(points):
            problems.append(f"{where}: field labels: {lang} needs one label per point ({len(points)})")
            continue
        labels[lang] = [str(v) for v in values]
    return {"points": list(points), "labels": labels}


def _question(
    raw: Any, dimension: str | None, definition: Definition, seen: set[str], problems: list[str]
) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.append("a question must be a mapping with code, kind and text")
        return None
    code = str(raw.get("code", ""))
    where = f"question {code or '?'}"
    if not CODE_RE.match(code) or len(code) > 40:
        problems.append(f"{where}: field code: use lowercase letters, digits and single underscores (at most 40)")
    if code in seen:
        problems.append(f"{where}: field code: used twice")
    seen.add(code)
    kind_name = raw.get("kind")
    if kind_name not in KINDS:
        problems.append(f"{where}: field kind: unknown kind {kind_name!r} (known: {', '.join(sorted(KINDS))})")
        return None
    languages = tuple(definition["languages"])
    question: dict[str, Any] = {
        "code": code,
        "kind": kind_name,
        "text": _texts(raw.get("text"), f"{where}: field text", languages, problems),
        "required": bool(raw.get("required", False)),
        "dimension": raw.get("dimension", dimension),
    }
    if raw.get("help") is not None:
        question["help"] = _texts(raw.get("help"), f"{where}: field help", languages, problems)
    if question["dimension"] is not None and question["dimension"] not in definition["dimensions"]:
        problems.append(f"{where}: field dimension: unknown dimension {question['dimension']!r}")
    question.update(KINDS[kind_name].normalise(raw, where, definition, problems))
    return question
