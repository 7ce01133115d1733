"""The evaluation summary (or a comparison) as JSON, for evaluators' own tools.

Numbers are JSON numbers (shares as fractions 0..1, as in
:mod:`reports.stats`), a missing value is ``null``, and each object that
leaves a statistic out says why in ``"withheld"``: ``{"ci": "too_few_answers"}``.
The reason codes are worded in the report language under
``methods.withheld_reasons``. Texts are in the report language; codes
(questions, dimensions, options) never change with it.

``<``, ``>`` and ``&`` are written as ``\\u003c`` ...: the document means
the same, and a comment such as ``<script>`` stays inert even if someone
serves the file as HTML.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from reports import stats
from reports.compare import Comparison, compare
from reports.data import Programme, Question
from reports.documents import ReportSource
from reports.labels import METHODS_COMPARE, METHODS_REPORT, label, localised, methods_notes
from reports.limitations import comparison_limitations, comparison_sentences, limitation_sentences
from reports.quality import quality_sentences
from reports.summary import DimensionResult, EvaluationSummary, QuestionSummary, summarise

FORMAT = "survey-evaluation-summary"
COMPARISON_FORMAT = "survey-programme-comparison"
VERSION = 1
REASONS = (
    "no_answers", "too_few_answers", "too_few_items", "too_few_cases", "zero_variance",
    "too_few_pairs", "no_nonzero_differences", "no_change", "constant_difference", "too_few_differences",
    "small_cell", "no_expected", "not_in_questionnaire", "small_group",
)  # fmt: skip


def write_json(
    source: ReportSource,
    lang: str,
    out: BinaryIO,
    *,
    breakdowns: Mapping[str, Mapping[str, int]] | None = None,
) -> None:
    """Write the summary of ``source.data``, or the comparison of ``source.compared``."""
    if source.compared:
        document = comparison_document(compare(source.compared), lang)
    else:
        document = summary_document(summarise(source.data, breakdowns=breakdowns), lang)
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)
    out.write(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8"))


def summary_document(s: EvaluationSummary, lang: str) -> dict[str, Any]:
    """The JSON-ready form of a summary, texts in ``lang``."""
    languages = s.questionnaire.languages

    def tx(texts: Mapping[str, str]) -> str:
        return localised(texts, lang, languages)

    return {
        "format": FORMAT,
        "version": VERSION,
        "language": lang,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "programme": _programme(s.programme),
        "questionnaire": {
            "code": s.questionnaire.code,
            "version": s.questionnaire.version,
            "title": tx(s.questionnaire.title),
        },
        "responses": {
            "n": s.n_responses,
            "expected": s.expected,
            "response_rate": s.response_rate,
            "withheld": dict(s.withheld),
            # Codes, worded in methods.warnings: e.g. more responses than expected.
            "warnings": list(s.warnings),
        },
        "breakdowns": [{"name": b.name, "counts": dict(b.counts), "hidden": list(b.hidden)} for b in s.breakdowns],
        "suppressed": [{"where": x.where, "cells": list(x.cells), "minimum": x.minimum} for x in s.suppressed],
        "dimensions": [
            {
                "code": d.code,
                "label": tx(d.label),
                "items": list(d.items),
                **_plain(d.summary),
                "withheld": dict(d.withheld),
            }
            for d in s.dimensions
        ],
        "questions": [_question(q, tx) for q in s.questions],
        "before_after": [
            {"code": p.question.code, "text": tx(p.question.text), **_plain(p.summary), "withheld": dict(p.withheld)}
            for p in s.pairs
        ],
        "comments": [
            {
                "question": c.question.code,
                "text": tx(c.question.text),
                # A hidden language group's comments are pooled under no language.
                "groups": [
                    {
                        "language": g.language or None,
                        "comments": list(g.texts),
                        # Equal and near-duplicate comments grouped (reports.comment_duplicates).
                        "repeated": [{"text": r.text, "count": r.count} for r in g.repeated],
                    }
                    for g in c.groups
                ],
            }
            for c in s.comments
        ],
        "data_quality": _quality(s, lang),
        # Codes (reports.limitations) with their sentence in this language.
        "limitations": [
            {"code": code, "text": text}
            for code, text in zip(
                s.limitations,
                limitation_sentences(s.limitations, lang, s.n_responses, s.expected),
                strict=True,
            )
        ],
        "methods": {
            **_methods(lang, s.confidence, s.minimum_cell, METHODS_REPORT),
            "warnings": {
                code: label(f"warning_{code}", lang).format(
                    n=s.n_responses, expected=s.expected, held_back=s.held_back, minimum=s.minimum_cell
                )
                for code in s.warnings
            },
        },
    }


def comparison_document(c: Comparison, lang: str) -> dict[str, Any]:
    def tx(texts: Mapping[str, str]) -> str:
        return localised(texts, lang, c.languages)

    found = comparison_limitations(c)
    return {
        "format": COMPARISON_FORMAT,
        "version": VERSION,
        "language": lang,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "same_questionnaire": c.same_questionnaire,
        "programmes": [
            {
                **_programme(p.programme),
                "questionnaire": {"code": p.questionnaire[0], "version": p.questionnaire[1]},
                "responses": p.n_responses,
                "response_rate": p.response_rate,
                "nps": _plain(p.nps) if p.nps else None,
                "census": p.census,
                "withheld": {"answers": "small_group"} if p.small_group else {},
            }
            for p in c.programmes
        ],
        "dimensions": [
            {
                "code": d.code,
                "label": tx(d.label),
                "programmes": [
                    {"programme": p.programme.slug, **_dimension_cell(cell, p.small_group)}
                    for p, cell in zip(c.programmes, d.cells, strict=True)
                ],
            }
            for d in c.dimensions
        ],
        "fpc_applied": c.fpc_applied,
        "limitations": [
            {"code": code, "programmes": list(titles), "text": text}
            for (code, titles), text in zip(found, comparison_sentences(found, lang), strict=True)
        ],
        "methods": _methods(lang, c.confidence, c.minimum_group_size, METHODS_COMPARE),
    }


def _question(q: QuestionSummary, tx: Any) -> dict[str, Any]:
    question = q.question
    out: dict[str, Any] = {
        "code": question.code,
        "kind": question.kind,
        "text": tx(question.text),
        "n": q.n,
        "n_out_of_range": q.n_out_of_range,
    }
    if question.dimension:
        out["dimension"] = question.dimension
    if q.scale:
        out["scale"] = _scale(q.scale)
    if q.top_box:
        out["top_box"] = {"values": list(q.top_values), **_plain(q.top_box)}
    if q.nps:
        out["nps"] = _plain(q.nps)
    if q.choices:
        out["choices"] = [{"value": c.value, "label": tx(c.label), **_plain(c.share)} for c in q.choices]
    if q.items:
        out["items"] = [
            {
                # A matrix row's value is a session's id in one database: the document names
                # it by its stable code instead, so a programme moved elsewhere reads the same.
                "value": _item_code(question, i.value),
                "code": _item_code(question, i.value),
                "label": tx(i.label),
                "n": i.n,
                "n_out_of_range": i.n_out_of_range,
                "suppressed": i.suppressed,
                "scale": _scale(i.scale) if i.scale else None,
                "withheld": dict(i.withheld),
            }
            for i in q.items
        ]
    out["withheld"] = dict(q.withheld)
    return out


def _item_code(question: Any, value: str) -> str:
    """The item's stable code (a matrix row's ``d1_2``), its value where it has none."""
    return next((o.code or o.value for o in question.items if o.value == value), value)


def _scale(scale: stats.ScaleSummary) -> dict[str, Any]:
    plain: dict[str, Any] = _plain(scale)
    del plain["distribution"], plain["shares"]
    plain["distribution"] = [
        {"value": value, "count": count, "share": scale.shares.get(value)}
        for value, count in scale.distribution.items()
    ]
    return plain


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, mappings with string keys, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _programme(p: Programme) -> dict[str, Any]:
    plain: dict[str, Any] = _plain(p)
    return plain


def _dimension_cell(result: DimensionResult | None, small_group: bool) -> dict[str, Any]:
    if small_group:
        return {"withheld": {"dimension": "small_group"}}
    if result is None:
        return {"n": 0, "withheld": {"dimension": "not_in_questionnaire"}}
    return {**_plain(result.summary), "withheld": dict(result.withheld)}


def _quality(s: EvaluationSummary, lang: str) -> dict[str, Any] | None:
    """The data-quality figures, and their sentences in ``lang``; None under the minimum group size."""
    q = s.quality
    if q is None:
        return None
    return {
        "response_rate_flag": q.rate_flag or None,
        "missing": [
            {
                "question": m.question.code,
                "item": _row_code(m.question, m.item),
                "answered": m.answered,
                "missing": m.missing,
            }
            for m in q.missing
        ],
        "straight_lining": [
            {"question": g.question.code, "complete": g.complete, "identical": g.identical} for g in q.straight_lining
        ],
        "channels": dict(q.channels),
        "excluded": q.excluded,
        "notes": quality_sentences(q, lang),
    }


def _row_code(question: Question, item: str) -> str | None:
    """A row by its stable code (a session's ``d1_2``), not by the database's value, so two
    instances of one programme write the same file (None for a question without rows)."""
    if not item:
        return None
    row = next((o for o in question.items if o.value == item), None)
    return (row.code or row.value) if row else item


def _methods(lang: str, confidence: float, minimum: int, keys: Sequence[str]) -> dict[str, Any]:
    return {
        "confidence": confidence,
        "minimum_cell": minimum,
        "shares": "fractions of n, 0..1",
        "withheld_reasons": {code: label(f"withheld_{code}", lang).format(minimum=minimum) for code in REASONS},
        "notes": methods_notes(keys, lang, minimum),
    }
