"""What the raw-data exports share: variables, codebook rows, the row builder
and formula-injection neutralising.

XLSX, CSV and the SPSS/R syntax files describe the same dataset, so they take
their variable names, labels and cells from here and differ only in how they
write them (as Indico's CSV and Excel exports share one row builder).

Variable names are valid in SPSS and R alike: ASCII lowercase letters, digits
and underscores, starting with a letter, at most 64 characters, no reserved
word, unique. Question codes already are; an item that is not (an option
value in Arabic, say) is replaced by its position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from reports.data import Questionnaire, RawResponse, Texts, raw_columns
from reports.i18n import N_, gettext
from reports.kinds import Level, kind_of
from reports.labels import language_name, localised
from reports.languages import CODES

#: A spreadsheet reads a cell starting with one of these as a formula (or, for
#: tab and carriage return, strips them and then may): OWASP's CSV injection list.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A formula prefix after a character that a spreadsheet may split a CSV line on (the list
#: separator of its locale: a comma in English, a semicolon in French or Arabic, a tab), after
#: any spaces: opened with another separator than the file's, that is where a cell begins.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t] *)(?=[=+\-@\t\r])")

Cell = int | float | str | None

#: Words the exports add themselves, in English, translated by the catalogs
#: (:mod:`reports.i18n`); see :func:`word`.
WORDS: Mapping[str, str] = {
    "summary": N_("Summary"),
    "responses": N_("Responses"),
    "codebook": N_("Codebook"),
    "other_questions": N_("Other questions"),
    "programme": N_("Programme"),
    "identifier": N_("Identifier"),
    "location": N_("Location"),
    "country": N_("Country"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "expected": N_("Expected participants"),
    "n_responses": N_("Responses counted"),
    "response_rate": N_("Response rate"),
    "questionnaire": N_("Questionnaire"),
    "report_language": N_("Report language"),
    "variable": N_("Variable"),
    "question": N_("Question"),
    "code": N_("Code"),
    "item": N_("Item"),
    "label": N_("Label"),
    "text": N_("Text"),
    "kind": N_("Kind"),
    "dimension": N_("Dimension"),
    "value_labels": N_("Value labels"),
    "n": N_("n"),
    "skipped": N_("Skipped"),
    "mean": N_("Mean"),
    "median": N_("Median"),
    "sd": N_("Standard deviation"),
    "ci_low": N_("95% CI low"),
    "ci_high": N_("95% CI high"),
    "top2": N_("Top-2-box"),
    "top2_low": N_("Top-2-box CI low"),
    "top2_high": N_("Top-2-box CI high"),
    "value": N_("Value"),
    "count": N_("Count"),
    "share": N_("Share"),
    "dimension_score": N_("Dimension score"),
    "scored": N_("Respondents scored"),
    "unscored": N_("Too few items answered"),
    "alpha": N_("Cronbach's alpha"),
    "complete_cases": N_("Complete cases"),
    "scored_items": N_("Items scored"),
    "too_few_items": N_("not computed: fewer than 3 items"),
    "too_few_cases": N_("not computed: fewer than 3 complete cases"),
    "zero_variance": N_("not computed: the totals do not vary"),
    "no_rows": N_("not computed: per-response rows not loaded"),
    "dash_note": N_(
        "— : cannot be computed (mean: no answers; standard deviation and intervals: fewer than 2 answers)."
    ),
    "top2_note": N_("Top-2-box: share of answers on the two highest points of the scale (Wilson interval)."),
    "free_text": N_("Free text: see the Responses sheet"),
    "selected": N_("Selected"),
    "not_selected": N_("Not selected"),
    "var_response_id": N_("Random response identifier"),
    "var_submitted_at": N_("Submission time (UTC, ISO 8601)"),
    "var_language": N_("Language of the form"),
    "var_source": N_("How the answers arrived"),
    "web": N_("Web form"),
    "kiosk": N_("Shared kiosk"),
    "paper": N_("Typed-in paper form"),
}

#: Fixed leading variables: (name, codebook kind, word key of their label, measurement level).
FIXED = (
    ("response_id", "id", "var_response_id", None),
    ("submitted_at", "datetime", "var_submitted_at", None),
    ("language", "language", "var_language", Level.NOMINAL),
    ("source", "source", "var_source", Level.NOMINAL),
)
SOURCES = ("web", "kiosk", "paper")

#: Not usable as a variable name: reserved in SPSS (any case) or, lowercase, in
#: R; and the abbreviations of SPSS's COMMENT and DOCUMENT, which start a command
#: when they begin a line of syntax, as a variable name does in a long list.
RESERVED = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
    | {"if", "else", "repeat", "while", "function", "for", "next", "break", "in"}
    | {"comment"[:n] for n in range(3, 8)}
    | {"document"[:n] for n in range(3, 9)}
)
MAX_NAME = 64
_VALID_PART = re.compile(r"[a-z0-9_]+")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n]")


def word(key: str, lang: str) -> str:
    """The export word ``key`` in ``lang`` (English for another language); KeyError on a typo."""
    return gettext(WORDS[key], lang)


def neutralise(text: str) -> str:
    """``text`` made inert in a spreadsheet: a leading =, +, -, @, tab or carriage
    return gets a single quote in front (OWASP's advice), so ``=HYPERLINK(...)``
    shows as text and is never evaluated. Other text is returned unchanged."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class Variable:
    """One column of the raw data, as the codebook describes it.

    ``column`` is the key in :attr:`RawResponse.values` ("" for the fixed
    leading variables); ``label`` is the question text (with the item's label)
    per language; ``values`` the value labels, in scale or option order.
    ``kind`` is the question's kind, or for a fixed variable what it holds
    (id, datetime, language, source).
    """

    name: str
    column: str
    question: str
    item: str
    kind: str
    dimension: str | None
    numeric: bool
    label: Texts
    values: tuple[tuple[int | str, Texts], ...] = ()
    #: The measurement level SPSS and R give it; None for an identifier, a time or free text.
    level: Level | None = None
    #: The cell of a response without this answer: 0 for an option not ticked, else empty.
    unanswered: int | None = None
    #: Whether it holds comments the trainees typed (a wide column, no value labels).
    free_text: bool = False
    #: The item as the codebook names it: the row's code (``d1_2``) rather
    #: than the stored item (a session's database id); "" without an item.
    item_code: str = ""


def variables(questionnaire: Questionnaire) -> tuple[Variable, ...]:
    """The fixed variables then one per raw column (:func:`reports.data.raw_columns`)."""
    langs = tuple(dict.fromkeys((*questionnaire.languages, *CODES)))
    words = {key: {lang: word(key, lang) for lang in langs} for key in WORDS}
    out = [
        Variable(
            name=name,
            column="",
            question="",
            item="",
            kind=kind,
            dimension=None,
            numeric=False,
            label=words[key],
            values=_fixed_values(kind, questionnaire.languages, langs, words),
            level=level,
        )
        for name, kind, key, level in FIXED
    ]
    taken = {v.name for v in out}
    for column in raw_columns(questionnaire):
        question = questionnaire.question(column.question)
        kind = kind_of(question)
        text: Texts = question.text
        values: tuple[tuple[int | str, Texts], ...] = ()
        if kind.multiple:
            values = ((0, words["not_selected"]), (1, words["selected"]))
        elif question.points:
            values = tuple(
                (point, labels)
                for i, point in enumerate(question.points)
                if (labels := {lang: texts[i] for lang, texts in question.point_labels.items() if texts[i]})
            )
        elif question.options:
            values = tuple((option.value, option.label) for option in question.options)
        item_code = ""
        if column.item:
            subs = question.options if kind.multiple else question.items
            position = next((i for i, o in enumerate(subs, start=1) if o.value == column.item), 0)
            sub = next((o for o in subs if o.value == column.item), None)
            item_label = sub.label if sub else {}
            text = {lang: _join(t, localised(item_label, lang, questionnaire.languages)) for lang, t in text.items()}
            # The row's own code where it has one (a matrix's session), never a database id.
            item_code = sub.code if sub and sub.code else column.item
            name = f"{question.code}__{_item_part(item_code, position)}"
        else:
            name = question.code
        name = _unique(_valid(name), taken)
        taken.add(name)
        out.append(
            Variable(
                name,
                column.name,
                question.code,
                column.item,
                question.kind,
                question.dimension,
                kind.numeric,
                text,
                values,
                level=kind.level,
                unanswered=0 if kind.multiple else None,
                free_text=kind.free_text,
                item_code=item_code,
            )
        )
    return tuple(out)


def header(variables_: Sequence[Variable]) -> list[str]:
    return [v.name for v in variables_]


def cells(response: RawResponse, variables_: Sequence[Variable]) -> list[Cell]:
    """One response's row: the fixed variables, then each column's value; an
    option of a multiple choice that was not ticked is 0, any other missing
    answer is None (an empty cell). Text is not yet neutralised."""
    fixed: dict[str, Cell] = {
        "response_id": response.response_id,
        "submitted_at": iso_utc(response.submitted_at),
        "language": response.language,
        "source": response.source,
    }
    out: list[Cell] = []
    for v in variables_:
        if not v.column:
            out.append(fixed[v.name])
        else:
            value = response.values.get(v.column)
            out.append(v.unanswered if value is None else value)
    return out


def neutralise_for_csv(text: str) -> str:
    """``text`` made inert in a CSV file whatever separator the spreadsheet splits it on:
    :func:`neutralise`, and a single quote before a formula prefix that follows a comma,
    a semicolon or a tab (``Merci;=1+1`` becomes ``Merci;'=1+1``), since Excel set to
    French or Arabic splits a comma-separated line on semicolons. Line breaks become
    spaces (SPSS ends a case at a line break even inside quotes)."""
    return _FORMULA_AFTER_SEPARATOR.sub(r"\1'", _LINE_BREAKS.sub(" ", neutralise(text)))


def csv_row(row: Sequence[Cell]) -> list[Cell]:
    """``row`` as the CSV export writes it: text through :func:`neutralise_for_csv`,
    numbers as they are."""
    return [neutralise_for_csv(value) if isinstance(value, str) else value for value in row]


def iso_utc(moment: datetime) -> str:
    """``2025-03-04T15:10:22Z``: the instant in UTC, to the second."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def codebook_header(questionnaire: Questionnaire, lang: str) -> list[str]:
    texts = [f"{word('text', lang)} ({language})" for language in questionnaire.languages]
    keys = ("variable", "code", "item", "label")
    tail = ("kind", "dimension", "value_labels")
    return [word(k, lang) for k in keys] + texts + [word(k, lang) for k in tail]


def codebook_rows(questionnaire: Questionnaire, variables_: Sequence[Variable], lang: str) -> list[list[str]]:
    """One row per variable: name, question code, item, label in ``lang``, the
    text in every questionnaire language, kind, dimension, value labels."""
    langs = questionnaire.languages
    rows = []
    for v in variables_:
        dimension = localised(questionnaire.dimensions.get(v.dimension, {}), lang, langs) if v.dimension else ""
        rows.append(
            [v.name, v.question, v.item_code or v.item, localised(v.label, lang, langs)]
            + [v.label.get(language, "") for language in langs]
            + [v.kind, dimension or (v.dimension or ""), value_labels(v, lang, langs)]
        )
    return rows


def value_labels(variable: Variable, lang: str, languages: Sequence[str] = ()) -> str:
    """``1=Strongly disagree; 2=Disagree; ...`` in ``lang``."""
    return "; ".join(f"{value}={localised(texts, lang, languages)}" for value, texts in variable.values)


def _fixed_values(
    kind: str, languages: Sequence[str], label_languages: Sequence[str], words: Mapping[str, Texts]
) -> tuple[tuple[int | str, Texts], ...]:
    """The value labels of a fixed variable: each form language named in every
    ``label_languages``, or each source."""
    if kind == "language":
        return tuple((code, {lang: language_name(code, lang) for lang in label_languages}) for code in languages)
    if kind == "source":
        return tuple((source, words[source]) for source in SOURCES)
    return ()


def _join(text: str, item: str) -> str:
    return f"{text} – {item}" if item else text


def _item_part(item: str, position: int) -> str:
    lowered = item.lower()
    return lowered if _VALID_PART.fullmatch(lowered) else str(position)


def _valid(name: str) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", name.lower()).rstrip("_") or "v"
    if not name[0].isalpha():
        name = f"v_{name}"
    if name in RESERVED:
        name = f"{name}_v"
    return name[:MAX_NAME].rstrip("_")


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        suffix = f"_{number}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
    return candidate
