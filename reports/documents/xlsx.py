"""The Excel workbook: a summary, a sheet per dimension, the raw answers and the codebook.

Written by xlsxwriter in ``constant_memory`` mode: each row goes to a
temporary file as soon as the next one starts, so 100,000 responses take no
more memory than 100. The price is that rows are written strictly in order,
each sheet whole before the next. Every text goes through ``write_string``,
so no cell is ever a formula or a link; a text that
:func:`~reports.documents.codebook.neutralise` flags is kept as typed, in a
quote-prefixed style (:func:`quoted_formats`), never with a visible
apostrophe. Numbers stay numbers.

The summary sheets follow :mod:`reports.disclosure` as the other documents
do: a programme under its minimum group size gets its count and a note, no
figure, and a session rated by too few trainees a note instead of its row.
The raw answers are the evaluator's to analyse and are never suppressed: for
a programme under its minimum, the workbook is only written after a logged
confirmation (``survey.services.report_documents``).
"""

from __future__ import annotations

import math
import tempfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import xlsxwriter

from reports import bidi, disclosure, stats
from reports.data import ProgrammeData, Question
from reports.documents import ReportSource
from reports.documents.codebook import (
    Cell,
    Variable,
    cells,
    codebook_header,
    codebook_rows,
    neutralise,
    variables,
    word,
)
from reports.kinds import kind_of
from reports.labels import label as report_label
from reports.labels import localised
from reports.languages import is_rtl
from reports.limitations import limitation_sentences, limitations
from reports.quality import data_quality, data_warnings, missing_rows, quality_sentences
from reports.summary import dimension_items, dimension_results

#: Excel's last row; beyond it the CSV export is the way.
MAX_ROWS = 1_048_576
DASH = "—"
_BAD_SHEET_CHARACTERS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))

Counts = dict[tuple[str, str], dict[int | str, int]]


class SheetWriter:
    """Writes rows in order (as constant-memory mode requires), typing each cell."""

    def __init__(self, worksheet: Any, formats: Mapping[str, Any], rtl: bool) -> None:
        self.sheet = worksheet
        self.formats = formats
        self.row = 0
        if rtl:
            worksheet.right_to_left()

    def line(self, values: Sequence[Cell], styles: Sequence[str | None] = (), style: str | None = None) -> None:
        """Write ``values`` on the next row; ``styles`` per cell, else ``style``."""
        if self.row >= MAX_ROWS:
            raise ValueError(f"more than {MAX_ROWS - 1} rows do not fit in a worksheet: use the CSV export")
        for col, value in enumerate(values):
            name = styles[col] if col < len(styles) else style
            fmt = self.formats.get(name) if name else None
            if isinstance(value, str):
                if neutralise(value) != value:
                    # Shown as typed, stored as text: Excel's quote prefix, not a visible apostrophe.
                    self.sheet.write_string(self.row, col, value, self.formats[f"{name or ''}{QUOTED}"])
                else:
                    self.sheet.write_string(self.row, col, value, fmt)
            elif isinstance(value, int | float) and math.isfinite(value):
                self.sheet.write_number(self.row, col, value, fmt)
            elif value is not None:
                self.sheet.write_string(self.row, col, DASH, fmt)
        self.row += 1

    def skip(self) -> None:
        self.row += 1


def write_xlsx(source: ReportSource, lang: str, out: BinaryIO) -> None:
    """Write the workbook in ``lang`` to ``out``, streaming the raw answers from ``source.raw()``.

    The rows wait in temporary files of a private folder until the workbook is
    closed; the folder goes whatever happens, so an export that fails half way
    (a lost connection) leaves no answers behind on disk.
    """
    with tempfile.TemporaryDirectory(prefix="survey-xlsx-") as folder:
        workbook = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "tmpdir": folder,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        try:
            _write_sheets(workbook, source, lang)
        except BaseException:
            _discard(workbook)
            raise
        workbook.close()


#: The suffix of a format's quote-prefixed twin (the plain one's name is "").
QUOTED = ":quoted"
_FORMAT_PROPERTIES: dict[str, dict[str, object]] = {
    "title": {"bold": True, "font_size": 14},
    "bold": {"bold": True},
    "header": {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"},
    "wrap": {"text_wrap": True, "valign": "top"},
    "decimal": {"num_format": "0.00"},
    "percent": {"num_format": "0.0%"},
    "muted": {"italic": True, "font_color": "#555555"},
}


def quoted_formats(workbook: Any, formats: Mapping[str, Any]) -> dict[str, Any]:
    """A quote-prefixed twin of every format, and one for cells without a format.

    A text a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``)
    is written as it is, in a string cell whose style has Excel's
    ``quotePrefix``: the cell shows "-2+3", never runs it, and stays text when
    edited. Prepending an apostrophe to the text itself (the CSV's way) left a
    literal "'" visible in the workbook.
    """
    twins = {
        f"{name}{QUOTED}": workbook.add_format({**_FORMAT_PROPERTIES[name], "quote_prefix": True}) for name in formats
    }
    twins[QUOTED] = workbook.add_format({"quote_prefix": True})
    return twins


def _discard(workbook: Any) -> None:
    """Close the temporary files xlsxwriter keeps open for constant-memory
    sheets until ``close()``, which a failed export never reaches."""
    for worksheet in workbook.worksheets():
        handle = getattr(worksheet, "row_data_fh", None)
        if handle is not None and not handle.closed:
            handle.close()


def _write_sheets(workbook: Any, source: ReportSource, lang: str) -> None:
    data = source.data
    questionnaire = data.questionnaire
    variables_ = variables(questionnaire)
    workbook.set_properties({"title": neutralise(data.programme.title), "subject": data.programme.slug})
    formats = {name: workbook.add_format(properties) for name, properties in _FORMAT_PROPERTIES.items()}
    formats = {**formats, **quoted_formats(workbook, formats)}
    rtl = is_rtl(lang)
    taken: set[str] = set()

    def sheet(title: str) -> SheetWriter:
        return SheetWriter(workbook.add_worksheet(sheet_name(title, taken)), formats, rtl)

    counts = tally_counts(data)
    minimum = data.programme.minimum_group_size
    if disclosure.programme_withheld(data.n_responses, minimum):
        summary = sheet(word("summary", lang))
        _summary(summary, data, (), counts, {}, lang)
        summary.line([report_label("withheld_small_group", lang).format(minimum=minimum)], style="bold")
        _responses(sheet(word("responses", lang)), source, variables_)
        _codebook(sheet(word("codebook", lang)), data, variables_, lang)
        return
    hidden = disclosure.hidden_items(data)
    # A session rated by too few trainees: its counts never reach a sheet.
    counts = {key: value for key, value in counts.items() if key not in hidden}
    scores = dimension_scores(data)
    _summary(sheet(word("summary", lang)), data, variables_, counts, scores, lang, hidden)
    langs = questionnaire.languages
    for code, texts in questionnaire.dimensions.items():
        questions = [q for q in questionnaire.questions if q.dimension == code]
        if questions:
            dimension_sheet = sheet(localised(texts, lang, langs) or code)
            _dimension(dimension_sheet, data, code, questions, variables_, counts, scores.get(code), lang)
    others = [q for q in questionnaire.questions if q.dimension not in questionnaire.dimensions]
    if others:
        _distributions(sheet(word("other_questions", lang)), data, others, variables_, counts, lang)
    _responses(sheet(word("responses", lang)), source, variables_)
    _codebook(sheet(word("codebook", lang)), data, variables_, lang)


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = " ".join(title.translate(_BAD_SHEET_CHARACTERS).split()).strip("'")[:31] or "Sheet"
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def tally_counts(data: ProgrammeData) -> Counts:
    """(question, item) -> value -> count, from the SQL tallies."""
    out: Counts = defaultdict(dict)
    for tally in data.tallies:
        out[(tally.question, tally.item)][tally.value] = tally.count
    return out


def scale_summary(data: ProgrammeData, question: Question, item: str, counts: Counts) -> list[Cell]:
    """n, skipped, mean, median, sd, CI and top-2-box (with its Wilson interval) of one scale item."""
    found = counts.get((question.code, item), {})
    numeric = {int(v): c for v, c in found.items() if isinstance(v, int)}
    values = {point: numeric.get(point, 0) for point in question.points} | numeric
    population = data.programme.expected_participants
    summary = stats.describe_counts(values, max(data.n_responses, sum(values.values())), population)
    top = stats.top_box(values, set(question.points[-2:]), population=population)
    return [
        summary.n,
        summary.n_skipped,
        *(_stat(x) for x in (summary.mean, summary.median, summary.sd, summary.ci_low, summary.ci_high)),
        *(_stat(x) for x in (top.share, top.ci_low, top.ci_high)),
    ]


def dimension_scores(data: ProgrammeData) -> dict[str, stats.DimensionSummary | None]:
    """Per dimension with scored items, its summary as the other documents have
    it (:func:`reports.summary.dimension_results`); None when the per-response
    rows it needs were not loaded."""
    loaded = bool(data.rows) or not data.n_responses
    return {result.code: result.summary if loaded else None for result in dimension_results(data)}


def dimension_cells(summary: stats.DimensionSummary, lang: str) -> list[Cell]:
    """n, unscored, mean, median, sd, CI, alpha (or why not) and complete cases."""
    alpha = summary.alpha
    alpha_cell: Cell = alpha.alpha if alpha.alpha is not None else word(alpha.reason or "too_few_cases", lang)
    figures = (summary.mean, summary.median, summary.sd, summary.ci_low, summary.ci_high)
    return [summary.n, summary.n_unscored, *(_stat(x) for x in figures), alpha_cell, alpha.n_complete]


def _summary(
    sheet: SheetWriter,
    data: ProgrammeData,
    variables_: Sequence[Variable],
    counts: Counts,
    scores: Mapping[str, stats.DimensionSummary | None],
    lang: str,
    hidden: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    programme, questionnaire = data.programme, data.questionnaire
    langs = questionnaire.languages
    sheet.sheet.set_column(0, 0, 26)
    sheet.sheet.set_column(1, 1, 60)
    sheet.sheet.set_column(2, 12, 11)
    sheet.sheet.freeze_panes(1, 0)
    sheet.line([programme.title], style="title")
    rate = stats.response_rate(data.n_responses, programme.expected_participants)
    # The code and version read left to right inside an Arabic title.
    code = bidi.ltr(f"{questionnaire.code} v{questionnaire.version}", lang)
    version = f"{localised(questionnaire.title, lang, langs)} ({code})"
    facts: list[tuple[str, Cell, str | None]] = [
        ("programme", programme.title, None),
        ("identifier", programme.slug, None),
        ("location", programme.location or None, None),
        ("country", programme.country or None, None),
        ("starts_on", programme.starts_on.isoformat() if programme.starts_on else None, None),
        ("ends_on", programme.ends_on.isoformat() if programme.ends_on else None, None),
        ("expected", programme.expected_participants, None),
        ("n_responses", data.n_responses, None),
        ("response_rate", DASH if rate is None else rate, "percent"),
        ("questionnaire", version, None),
        ("report_language", lang, None),
    ]
    for key, value, style in facts:
        sheet.line([word(key, lang), value], styles=["bold", style])
    for code in data_warnings(data.n_responses, programme.expected_participants, data.held_back):
        text = report_label(f"warning_{code}", lang).format(
            n=data.n_responses,
            expected=programme.expected_participants,
            held_back=data.held_back,
            minimum=programme.minimum_group_size,
        )
        sheet.line([text], style="bold")
    if scores:
        sheet.skip()
        columns = ("dimension", "scored", "unscored", "mean", "median", "sd", "ci_low", "ci_high", "alpha")
        sheet.line([word(k, lang) for k in (*columns, "complete_cases")], style="header")
        for code, summary in scores.items():
            name = localised(questionnaire.dimensions[code], lang, langs) or code
            cells_ = dimension_cells(summary, lang) if summary else [word("no_rows", lang)]
            sheet.line([name, *cells_], styles=["bold", None, None, *["decimal"] * 6])
    sheet.skip()
    keys = ("variable", "question", "n", "skipped", "mean", "median", "sd", "ci_low", "ci_high", "top2")
    if variables_:  # none for a programme under its minimum group size
        sheet.line([word(k, lang) for k in (*keys, "top2_low", "top2_high")], style="header")
    styles = ["bold", "wrap", None, None, *["decimal"] * 5, *["percent"] * 3]
    for variable in variables_:
        if not variable.question:
            continue
        question = questionnaire.question(variable.question)
        kind = kind_of(question)
        label = localised(variable.label, lang, langs)
        if (question.code, variable.item) in hidden:
            sheet.line([variable.name, label, _small_cell(data, lang)], ["bold", "wrap", "muted"])
        elif kind.scale:
            sheet.line([variable.name, label, *scale_summary(data, question, variable.item, counts)], styles)
        elif kind.choice and not kind.multiple:
            n = sum(counts.get((question.code, ""), {}).values())
            sheet.line([variable.name, label, n, max(data.n_responses - n, 0)], styles)
    sheet.skip()
    sheet.line([word("dash_note", lang)], style="muted")
    sheet.line([word("top2_note", lang)], style="muted")
    minimum = programme.minimum_group_size
    sheet.line([report_label("methods_disclosure", lang).format(minimum=minimum)], style="muted")
    sheet.skip()
    quality = data_quality(data)
    sheet.line([report_label("data_quality", lang)], style="bold")
    if not disclosure.programme_withheld(data.n_responses, minimum):
        for sentence in quality_sentences(quality, lang):
            sheet.line([sentence])
        if quality.missing:
            headings = ("dq_missing", "dq_answered", "dq_unanswered")
            sheet.line(["", *(report_label(k, lang) for k in headings)], style="header")
            for text, answered, unanswered in missing_rows(quality, lang, langs):
                sheet.line(["", text, answered, unanswered], styles=[None, "wrap"])
    sheet.skip()
    sheet.line([report_label("limitations", lang)], style="bold")
    found = limitations(questionnaire, data.n_responses, programme.expected_participants)
    for sentence in limitation_sentences(found, lang, data.n_responses, programme.expected_participants):
        sheet.line([sentence])


def _dimension(
    sheet: SheetWriter,
    data: ProgrammeData,
    code: str,
    questions: Sequence[Question],
    variables_: Sequence[Variable],
    counts: Counts,
    score: stats.DimensionSummary | None,
    lang: str,
) -> None:
    langs = data.questionnaire.languages
    sheet.line([localised(data.questionnaire.dimensions[code], lang, langs) or code], style="title")
    items = dimension_items(data.questionnaire).get(code, ())
    if items:
        sheet.line([word("dimension_score", lang), f"{word('scored_items', lang)}: {', '.join(items)}"], style="bold")
        keys = ("scored", "unscored", "mean", "median", "sd", "ci_low", "ci_high", "alpha", "complete_cases")
        sheet.line([word(k, lang) for k in keys], style="header")
        if score:
            sheet.line(dimension_cells(score, lang), styles=[None, None, *["decimal"] * 6])
        else:
            sheet.line([word("no_rows", lang)], style="muted")
        sheet.skip()
    _distributions(sheet, data, questions, variables_, counts, lang, first_row_is_title=False)


def _distributions(
    sheet: SheetWriter,
    data: ProgrammeData,
    questions: Sequence[Question],
    variables_: Sequence[Variable],
    counts: Counts,
    lang: str,
    first_row_is_title: bool = True,
) -> None:
    """A count-and-share table per question (per item), then n, mean and SD for scales."""
    langs = data.questionnaire.languages
    sheet.sheet.set_column(0, 0, 14)
    sheet.sheet.set_column(1, 1, 48)
    sheet.sheet.set_column(2, 10, 11)
    sheet.sheet.freeze_panes(1, 0)
    if first_row_is_title:
        sheet.line([word("other_questions", lang)], style="title")
    wanted = {q.code for q in questions}
    hidden = disclosure.hidden_items(data)
    for variable in variables_:
        if variable.question not in wanted:
            continue
        question = data.questionnaire.question(variable.question)
        kind = kind_of(question)
        sheet.line([variable.name, localised(variable.label, lang, langs)], style="bold")
        if kind.free_text:
            sheet.line(["", word("free_text", lang)], style="muted")
            sheet.skip()
            continue
        if (question.code, variable.item) in hidden:
            sheet.line(["", _small_cell(data, lang)], style="muted")
            sheet.skip()
            continue
        found = counts.get((question.code, variable.item), {})
        rows: list[tuple[int | str, str, int]] = []
        if kind.multiple:
            option = next(o for o in question.options if o.value == variable.item)
            rows = [(1, localised(option.label, lang, langs), found.get(1, 0))]
            total = data.n_responses
        elif question.points:
            labels = question.point_labels.get(lang) or next(iter(question.point_labels.values()), ())
            rows = [(p, labels[i] if i < len(labels) else "", found.get(p, 0)) for i, p in enumerate(question.points)]
            total = sum(found.values())
        else:
            rows = [(o.value, localised(o.label, lang, langs), found.get(o.value, 0)) for o in question.options]
            total = sum(found.values())
        sheet.line([word(k, lang) for k in ("value", "label", "count", "share")], style="header")
        for value, label, count in rows:
            sheet.line([value, label, count, count / total if total else DASH], styles=[None, None, None, "percent"])
        if kind.scale:
            summary = scale_summary(data, question, variable.item, counts)
            sheet.line(
                [word("n", lang), summary[0], word("mean", lang), summary[2], word("sd", lang), summary[4]],
                styles=["bold", None, "bold", "decimal", "bold", "decimal"],
            )
        sheet.skip()


def _responses(sheet: SheetWriter, source: ReportSource, variables_: Sequence[Variable]) -> None:
    widths = {"response_id": 38, "submitted_at": 21, "language": 9, "source": 9}
    for col, variable in enumerate(variables_):
        width = widths.get(variable.name) or (50 if variable.free_text else max(10, min(len(variable.name) + 2, 28)))
        sheet.sheet.set_column(col, col, width)
    sheet.sheet.freeze_panes(1, 0)
    sheet.line([v.name for v in variables_], style="header")
    for response in source.raw():
        sheet.line(cells(response, variables_))


def _codebook(sheet: SheetWriter, data: ProgrammeData, variables_: Sequence[Variable], lang: str) -> None:
    questionnaire = data.questionnaire
    header = codebook_header(questionnaire, lang)
    texts = len(questionnaire.languages)
    widths = [26, 18, 12, 50, *[50] * texts, 14, 20, 60]
    for col, width in enumerate(widths):
        sheet.sheet.set_column(col, col, width, sheet.formats["wrap"] if width >= 50 else None)
    sheet.sheet.freeze_panes(1, 1)
    sheet.line(header, style="header")
    for row in codebook_rows(questionnaire, variables_, lang):
        sheet.line(row, style="wrap")


def _small_cell(data: ProgrammeData, lang: str) -> str:
    return report_label("withheld_small_cell", lang).format(minimum=data.programme.minimum_group_size)


def _stat(value: float | None) -> Cell:
    return DASH if value is None else value
