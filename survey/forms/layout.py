"""What a page of the trainee form shows, as plain values for the template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.forms.kinds import form_kind
from survey.questionnaire.definition import kind_of
from survey.questionnaire.kinds import FormContext, ScaleKind, ShortText, field_name


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Row:
    """One group of inputs: a scale for one item, a list of options, or a text box."""

    name: str
    label: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class QuestionView:
    code: str
    kind: str
    text: str
    help: str
    required: bool
    #: radio, checkbox, text or textarea
    control: str
    #: scale (labelled points), anchored (numbered points, both ends labelled), options,
    #: or text: survey.forms.kinds.FormKind.style
    style: str
    rows: tuple[Row, ...]
    anchors: tuple[str, str] = ("", "")
    max_length: int = 0
    #: One row per session of the programme: an unanswered row means "did not attend".
    per_session: bool = False

    @property
    def clearable(self) -> bool:
        """Whether each row offers a choice that takes the answer back (stored as
        no answer): an optional radio group cannot otherwise be emptied once
        tapped, without JavaScript."""
        return self.control == "radio" and not self.required


@dataclass(frozen=True)
class SectionView:
    title: str
    questions: tuple[QuestionView, ...]


def _text(texts: Mapping[str, str] | None, lang: str, fallback: str) -> str:
    texts = texts or {}
    return texts.get(lang) or texts.get(fallback) or next(iter(texts.values()), "")


def page_sections(definition: Mapping[str, Any], ctx: FormContext, page: int, lang: str) -> list[SectionView]:
    """The sections of one page, texts in ``lang`` (the definition's first language if missing)."""
    fallback = definition["languages"][0]
    sections = []
    for section in definition["pages"][page]["sections"]:
        views = tuple(_question_view(q, ctx, lang, fallback) for q in section["questions"])
        views = tuple(v for v in views if v.rows)  # a matrix with no sessions has nothing to ask
        if views:
            sections.append(SectionView(title=_text(section.get("title"), lang, fallback), questions=views))
    return sections


def _question_view(question: Mapping[str, Any], ctx: FormContext, lang: str, fallback: str) -> QuestionView:
    kind = kind_of(question)
    shown = form_kind(question)
    code = question["code"]
    common = {
        "code": code,
        "kind": question["kind"],
        "text": _text(question["text"], lang, fallback),
        "help": _text(question.get("help"), lang, fallback),
        "required": bool(question["required"]),
        "control": shown.control,
        "style": shown.style,
        "per_session": kind.per_session,
    }
    if isinstance(kind, ScaleKind):
        labels = kind.point_labels(question, ctx, lang) or kind.point_labels(question, ctx, fallback)
        points = kind.points(question, ctx)
        choices = tuple(Choice(str(p), labels[i] if i < len(labels) else "") for i, p in enumerate(points))
        rows = tuple(
            Row(name=field_name(code, item), label=label, choices=choices) for item, label in kind.items(question, ctx)
        )
        anchors = (labels[0], labels[-1]) if shown.style == "anchored" else ("", "")
        return QuestionView(**common, rows=rows, anchors=anchors)
    if isinstance(kind, ShortText):
        return QuestionView(
            **common, rows=(Row(name=field_name(code), label=""),), max_length=kind.limit(question, ctx)
        )
    choices = tuple(Choice(o["value"], _text(o["label"], lang, fallback)) for o in question["options"])
    return QuestionView(**common, rows=(Row(name=field_name(code), label="", choices=choices),))
