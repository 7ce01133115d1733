"""SPSS and R syntax that read ``answers.csv`` and label it from the codebook.

Evaluators often re-analyse in SPSS or R: these files turn the CSV export into
a labelled dataset there (variable labels, value labels, measurement levels),
in the report language. Both expect ``answers.csv`` as :mod:`csv_export`
writes it: UTF-8 with a byte-order mark, comma-separated, one line per
response (line breaks inside comments are written as spaces, because SPSS
ends a case at a line break even inside quotes).

SPSS reads text into fixed-width string variables and silently cuts what does
not fit, so the widths of text variables are measured on the data
(:class:`TextWidths`); that is why :func:`write_spss` reads the responses once.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO

from reports.data import Questionnaire
from reports.documents import ReportSource
from reports.documents.codebook import Cell, Variable, cells, csv_row, variables
from reports.kinds import Level
from reports.labels import label, localised

DATA_FILE = "answers.csv"
#: SPSS limits, in bytes: labels longer than this are cut (with an ellipsis).
SPSS_VARIABLE_LABEL = 255
SPSS_VALUE_LABEL = 120
SPSS_MAX_STRING = 32767
#: Characters per piece of a long SPSS string literal (joined with "+"), so no
#: syntax line gets long enough to trouble older SPSS versions.
SPSS_PIECE = 60


class TextWidths:
    """The widest value, in UTF-8 bytes, of each text variable, as written to the CSV."""

    def __init__(self, variables_: Sequence[Variable]) -> None:
        self.columns = [i for i, v in enumerate(variables_) if not v.numeric]
        self.widths = {v.name: max([1, *(len(str(value).encode()) for value, _ in v.values)]) for v in variables_}
        self.names = [v.name for v in variables_]

    def update(self, row: Sequence[Cell]) -> None:
        for i in self.columns:
            value = row[i]
            if isinstance(value, str):
                size = len(value.encode())
                if size > self.widths[self.names[i]]:
                    self.widths[self.names[i]] = size


def write_spss(source: ReportSource, lang: str, out: BinaryIO) -> None:
    """SPSS syntax (``.sps``, UTF-8) that reads answers.csv and labels it in ``lang``."""
    questionnaire = source.data.questionnaire
    variables_ = variables(questionnaire)
    widths = TextWidths(variables_)
    for response in source.raw():
        widths.update(csv_row(cells(response, variables_)))
    programme = source.data.programme
    note = disclosure_note(programme.minimum_group_size, lang)
    out.write(spss_syntax(questionnaire, variables_, lang, widths.widths, programme.title, note).encode())


def write_r(source: ReportSource, lang: str, out: BinaryIO) -> None:
    """R script (``.R``, UTF-8) that reads answers.csv and labels it in ``lang``."""
    questionnaire = source.data.questionnaire
    programme = source.data.programme
    note = disclosure_note(programme.minimum_group_size, lang)
    out.write(r_syntax(questionnaire, variables(questionnaire), lang, programme.title, note).encode())


def disclosure_note(minimum: int, lang: str) -> str:
    """The methods note on the programme's minimum group size, in ``lang``."""
    return label("methods_disclosure", lang).format(minimum=minimum)


def _comment_lines(prefix: str, text: str) -> list[str]:
    """``text`` as one-line comments of at most 80 characters, each starting with ``prefix``."""
    return [f"{prefix} {line}" for line in textwrap.wrap(" ".join(text.split()), 78)] if text else []


def spss_syntax(
    questionnaire: Questionnaire,
    variables_: Sequence[Variable],
    lang: str,
    widths: Mapping[str, int],
    title: str = "",
    note: str = "",
    delimiter: str = ",",
) -> str:
    langs = questionnaire.languages
    lines = [
        "* Encoding: UTF-8.",
        f"* {_comment(title)} - {_comment(localised(questionnaire.title, lang, langs))}"
        f" ({questionnaire.code} v{questionnaire.version}).",
        f"* Reads {DATA_FILE} from the CSV export and labels it. Put both files in one folder and",
        "* change the path in FILE HANDLE if SPSS does not find the data.",
        "* SPSS must run in Unicode mode (the default since version 21).",
        *_comment_lines("*", note),
        "",
        f"FILE HANDLE answers /NAME='{DATA_FILE}'.",
        "GET DATA",
        "  /TYPE=TXT",
        "  /FILE=answers",
        "  /ENCODING='UTF8'",
        "  /ARRANGEMENT=DELIMITED",
        "  /DELCASE=LINE",
        "  /FIRSTCASE=2",
        f"  /DELIMITERS='{delimiter}'",
        "  /QUALIFIER='\"'",
        "  /VARIABLES=",
    ]
    formats = [f"    {v.name} {_spss_format(v, questionnaire, widths)}" for v in variables_]
    lines += [*formats[:-1], formats[-1] + "."]
    lines += ["EXECUTE.", "", "VARIABLE LABELS"]
    labels = [
        f"  {'/' if i else ''}{v.name} {_spss_string(localised(v.label, lang, langs), SPSS_VARIABLE_LABEL)}"
        for i, v in enumerate(variables_)
    ]
    lines += [*labels[:-1], labels[-1] + "."]
    labelled = [v for v in variables_ if v.values]
    if labelled:
        lines += ["", "VALUE LABELS"]
        for i, v in enumerate(labelled):
            lines.append(f"  {'/' if i else ''}{v.name}")
            for value, texts in v.values:
                literal = str(value) if isinstance(value, int) else _spss_string(str(value), SPSS_MAX_STRING)
                lines.append(f"    {literal} {_spss_string(localised(texts, lang, langs), SPSS_VALUE_LABEL)}")
        lines[-1] += "."
    levels = _levels(variables_)
    if levels:
        lines += ["", "VARIABLE LEVEL " + " /".join(f"{' '.join(names)} ({level})" for level, names in levels) + "."]
    lines += _spss_blank_missing(variables_)
    lines += ["EXECUTE.", ""]
    return "\n".join(lines)


def r_syntax(
    questionnaire: Questionnaire,
    variables_: Sequence[Variable],
    lang: str,
    title: str = "",
    note: str = "",
    delimiter: str = ",",
) -> str:
    langs = questionnaire.languages
    classes = ",\n".join(f"    {v.name} = {_r_string(_r_class(v))}" for v in variables_)
    lines = [
        f"# {_comment(title)} - {_comment(localised(questionnaire.title, lang, langs))}"
        f" ({questionnaire.code} v{questionnaire.version})",
        f"# Reads {DATA_FILE} from the CSV export and labels it. Run it from the folder of",
        f'# {DATA_FILE} (setwd), as source("answers.R", encoding = "UTF-8").',
        '# Variable labels are in attr(x, "label"); the value labels of numeric scales in',
        '# attr(x, "labels") (the convention of the haven and labelled packages);',
        "# variables of codes (choices, language, source) become factors.",
        *_comment_lines("#", note),
        "",
        "answers <- read.csv(",
        f"  {_r_string(DATA_FILE)},",
        f"  sep = {_r_string(delimiter)},",
        '  fileEncoding = "UTF-8-BOM",',
        '  na.strings = "",',
        "  colClasses = c(",
        classes,
        "  )",
        ")",
        "",
        "# A numeric scale as a factor of its labelled values, e.g. labelled_factor(answers$cq_relevance).",
        "labelled_factor <- function(x) {",
        '  labels <- attr(x, "labels")',
        "  factor(x, levels = unname(labels), labels = names(labels))",
        "}",
        "",
    ]
    for v in variables_:
        column = f"answers${v.name}"
        if v.values and not v.numeric:
            levels = ", ".join(_r_string(str(value)) for value, _ in v.values)
            names = ", ".join(_r_string(localised(texts, lang, langs)) for _, texts in v.values)
            lines.append(f"{column} <- factor({column}, levels = c({levels}), labels = c({names}))")
        elif v.values:
            values = ", ".join(f"{value}L" for value, _ in v.values)
            names = ", ".join(_r_string(localised(texts, lang, langs)) for _, texts in v.values)
            lines.append(f'attr({column}, "labels") <- setNames(c({values}), c({names}))')
        lines.append(f'attr({column}, "label") <- {_r_string(localised(v.label, lang, langs))}')
    lines.append("")
    return "\n".join(lines)


def _spss_blank_missing(variables_: Iterable[Variable]) -> list[str]:
    """MISSING VALUES for every string answer: SPSS reads an empty field of a
    string variable as a valid blank, so FREQUENCIES counted the trainees who
    skipped a choice in its base (a Yes share of 36.5% for 44.8%). R's read.csv
    has na.strings = "" for the same reason. One subcommand per variable, as
    string widths differ."""
    strings = [v.name for v in variables_ if v.question and not v.numeric]
    if not strings:
        return []
    entries = [f"  {'/' if i else ''}{name} ('')" for i, name in enumerate(strings)]
    return ["", "MISSING VALUES", *entries[:-1], entries[-1] + "."]


def _spss_format(variable: Variable, questionnaire: Questionnaire, widths: Mapping[str, int]) -> str:
    if variable.numeric:
        points = questionnaire.question(variable.question).points if variable.question else ()
        digits = max((len(str(p)) for p in points), default=1)
        return f"F{digits}.0"
    return f"A{min(max(widths.get(variable.name, 1), 1), SPSS_MAX_STRING)}"


def _levels(variables_: Iterable[Variable]) -> list[tuple[str, list[str]]]:
    groups: dict[Level, list[str]] = {Level.ORDINAL: [], Level.SCALE: [], Level.NOMINAL: []}
    for v in variables_:
        if v.level is not None:
            groups[v.level].append(v.name)
    return [(level.value, names) for level, names in groups.items() if names]


def _spss_string(text: str, limit: int) -> str:
    """A quoted SPSS literal of ``text`` cut to ``limit`` UTF-8 bytes, long ones in "+"-joined pieces."""
    text = " ".join(text.split())
    if len(text.encode()) > limit:
        while len(text.encode()) > limit - 3:
            text = text[:-1]
        text += "…"
    pieces = [text[i : i + SPSS_PIECE] for i in range(0, len(text), SPSS_PIECE)] or [""]
    quoted = ["'" + piece.replace("'", "''") + "'" for piece in pieces]
    return "\n      + ".join(quoted)


def _r_class(variable: Variable) -> str:
    return "integer" if variable.numeric else "character"


def _r_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped.replace("\t", "\\t") + '"'


def _comment(text: str) -> str:
    """Text safe inside a one-line comment (SPSS ends a comment at a period and a line end)."""
    return " ".join(text.split()).rstrip(".")
