"""The raw answers as CSV, in a zip with the codebook and the SPSS and R syntax.

``answers.csv`` and ``codebook.csv`` are UTF-8 with a byte-order mark, which
is what makes Excel read accents and Arabic correctly; RFC 4180 with CRLF line
ends, every text cell in double quotes (numbers bare, an unanswered question an
empty cell). Two archives share this writer: comma-separated (``csv``, what
SPSS, R and Excel in English expect) and semicolon-separated (``csv-semicolon``,
for Excel set to French or Arabic, whose list separator is ``;``). Each response
is one line: line breaks inside a comment are written as spaces, because SPSS
ends a case at a line break even inside quotes (the workbook keeps them). Text
that a spreadsheet would run as a formula, at the start of a cell or after any
separator a spreadsheet may split on, is neutralised with a single quote
(:func:`~reports.documents.codebook.neutralise_for_csv`).

The answers are written to the zip as they stream from ``source.raw()``, so
memory stays flat however many responses there are.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, BinaryIO

from reports.data import Questionnaire
from reports.documents import ReportSource
from reports.documents.codebook import (
    Cell,
    Variable,
    cells,
    codebook_header,
    codebook_rows,
    csv_row,
    header,
    variables,
)
from reports.documents.syntax import TextWidths, disclosure_note, r_syntax, spss_syntax
from reports.i18n import N_, gettext

ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark

#: README.txt of the archive, translated by the catalogs (:mod:`reports.i18n`).
README = N_(
    """{title}

answers.csv    the raw answers: one line per response, one column per variable
               (response id, submission time in UTC, form language, source, then
               one column per question, or per item of a question).
               UTF-8 with a byte-order mark, {separated}.
codebook.csv   what each variable is: its question code and item, the question
               in every language of the questionnaire, its kind, dimension and
               value labels (e.g. 1=Strongly disagree).
answers.sps    SPSS syntax: reads answers.csv and applies the labels.
answers.R      R script: reads answers.csv and applies the labels.

Excluded responses are not included. An empty cell is an unanswered question;
an option of a multiple choice that was not ticked is 0. Line breaks inside
comments are written as spaces. Every text is in double quotes. A text that
starts with = + - @ (or a tab), or has one of them after a comma, a semicolon
or a tab, gets a single quote there so that a spreadsheet never runs it as a formula.
"""
)

#: How each archive's CSV files are separated, in the README's words.
SEPARATED = {
    ",": N_("comma-separated (for SPSS, R and Excel in English)"),
    ";": N_("separated by semicolons (for Excel in French or Arabic)"),
}


def write_csv_zip(source: ReportSource, lang: str, out: BinaryIO, delimiter: str = ",") -> None:
    """Write the zip (README.txt, answers.csv, codebook.csv, answers.sps, answers.R) to
    ``out``, its CSV files separated by ``delimiter`` ("," or ";") and its syntax reading them so."""
    data = source.data
    questionnaire = data.questionnaire
    variables_ = variables(questionnaire)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        separated = gettext(SEPARATED[delimiter], lang)
        note = disclosure_note(data.programme.minimum_group_size, lang)
        readme = gettext(README, lang).format(title=data.programme.title, separated=separated) + "\n" + note + "\n"
        archive.writestr("README.txt", readme.replace("\n", "\r\n").encode(ENCODING))
        with archive.open("answers.csv", "w") as raw:
            widths = write_answers(raw, source, variables_, delimiter)
        with archive.open("codebook.csv", "w") as raw:
            write_codebook(raw, questionnaire, variables_, lang, delimiter)
        title = data.programme.title
        spss = spss_syntax(questionnaire, variables_, lang, widths.widths, title, note, delimiter)
        archive.writestr("answers.sps", spss.encode())
        archive.writestr("answers.R", r_syntax(questionnaire, variables_, lang, title, note, delimiter).encode())


def write_csv_zip_semicolon(source: ReportSource, lang: str, out: BinaryIO) -> None:
    """:func:`write_csv_zip` separated by semicolons, as Excel set to French or Arabic reads it."""
    write_csv_zip(source, lang, out, ";")


def write_answers(
    raw: IO[bytes], source: ReportSource, variables_: Sequence[Variable], delimiter: str = ","
) -> TextWidths:
    """answers.csv to ``raw``, one response at a time; returns the text widths SPSS needs."""
    widths = TextWidths(variables_)

    def rows() -> Iterable[Sequence[Cell]]:
        yield header(variables_)
        for response in source.raw():
            row = csv_row(cells(response, variables_))
            widths.update(row)
            yield row

    _write_csv(raw, rows(), delimiter)
    return widths


def write_codebook(
    raw: IO[bytes], questionnaire: Questionnaire, variables_: Sequence[Variable], lang: str, delimiter: str = ","
) -> None:
    rows = codebook_rows(questionnaire, variables_, lang)
    _write_csv(raw, [codebook_header(questionnaire, lang), *(csv_row(row) for row in rows)], delimiter)


def _write_csv(raw: IO[bytes], rows: Iterable[Sequence[Cell]], delimiter: str) -> None:
    with io.TextIOWrapper(raw, encoding=ENCODING, newline="", write_through=False) as text:
        for row in rows:
            text.write(delimiter.join(_field(cell) for cell in row) + "\r\n")


def _field(cell: Cell) -> str:
    """One cell: text always quoted (the csv module's minimal quoting leaves ``Merci;=1``
    bare, and a spreadsheet splitting on ``;`` then sees a cell ``=1``), numbers bare,
    None (unanswered) empty, so that SPSS and R read it as missing."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return '"' + cell.replace('"', '""') + '"'
    return str(cell)
