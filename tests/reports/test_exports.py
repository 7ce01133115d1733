"""The raw-data exports as an evaluator opens them: the workbook in a
spreadsheet, the CSV zip, the SPSS and R syntax (run for real when PSPP or R
is installed). Hostile comments stay inert text, Arabic and French come back
exactly, numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from reports.data import Option, Programme, ProgrammeData, Question, Questionnaire, RawResponse, Tally
from reports.documents import FORMATS, ReportSource, writer
from reports.documents.codebook import RESERVED, neutralise, neutralise_for_csv, variables
from reports.labels import label
from reports.summary import summarise

AGREEMENT = {
    "fr": ("Pas du tout d'accord", "Plutôt pas d'accord", "Neutre", "Plutôt d'accord", "Tout à fait d'accord"),
    "en": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    "ar": ("لا أوافق إطلاقًا", "لا أوافق", "محايد", "أوافق", "أوافق تمامًا"),
}
HOSTILE = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
ARABIC = "كان المحتوى مفيدًا جدًا، شكرًا للمدربين «الممتازين»"
#: Longer than one piece of an SPSS string literal, with quotes to double.
LONG_TEXT = "Les sujets ont été traités avec une profondeur suffisante pour l'usage qu'on en fera au travail."
#: The variable of the question coded "comment": COMMENT starts an SPSS command.
COMMENT = "comment_v"
FRENCH = "Très utile : les études de cas, l'échange « entre pairs » et « œuvre » — merci !"


def likert(code: str, en: str, dimension: str = "content_quality") -> Question:
    return Question(
        code, "likert", {"fr": f"{en} (fr)", "en": en, "ar": f"{en} (ar)"}, dimension, True, (1, 2, 3, 4, 5), AGREEMENT
    )


QUESTIONNAIRE = Questionnaire(
    code="end_of_programme",
    version=2,
    title={"fr": "Évaluation", "en": "Evaluation", "ar": "تقييم"},
    languages=("fr", "en", "ar"),
    questions=(
        likert("cq_relevance", "The content was relevant."),
        likert("cq_clarity", "The content was clear."),
        Question(
            "cq_depth",
            "likert",
            {"fr": LONG_TEXT, "en": "Deep enough.", "ar": "عولجت المواضيع بعمق كافٍ."},
            "content_quality",
            True,
            (1, 2, 3, 4, 5),
            AGREEMENT,
        ),
        Question(
            "recommend",
            "rating",
            {"fr": "Recommanderiez-vous ?", "en": "Would you recommend it?", "ar": "هل توصي به؟"},
            points=tuple(range(11)),
            point_labels={"en": ("Not at all likely", *[""] * 9, "Extremely likely")},
        ),
        Question(
            "ba_knowledge",
            "before_after",
            {"fr": "Ma connaissance", "en": "My knowledge", "ar": "معرفتي"},
            "professional_impact",
            points=(1, 2, 3, 4, 5),
            items=(Option("before", {"fr": "Avant", "en": "Before"}), Option("after", {"fr": "Après", "en": "Now"})),
        ),
        Question(
            "session_usefulness",
            "matrix",
            {"fr": "Utilité de chaque session", "en": "Usefulness of each session", "ar": "فائدة كل جلسة"},
            points=(1, 2, 3, 4, 5),
            items=(Option("12", dict.fromkeys(("fr", "en", "ar"), "Méthodes")), Option("13", {"fr": "Atelier"})),
        ),
        Question(
            "attended_before",
            "single_choice",
            {"fr": "Déjà venu ?", "en": "Attended before?", "ar": "هل شاركت من قبل؟"},
            options=(Option("yes", {"fr": "Oui", "en": "Yes", "ar": "نعم"}), Option("no", {"fr": "Non", "en": "No"})),
        ),
        Question(
            "helpful_formats",
            "multiple_choice",
            {"fr": "Formats utiles", "en": "Helpful formats", "ar": "الأشكال المفيدة"},
            options=(Option("workshops", {"en": "Workshops"}), Option("حالات", {"en": "Case studies", "ar": "حالات"})),
        ),
        # A code that is a reserved word in R and SPSS alike.
        Question("for", "short_text", {"fr": "Pour quoi ?", "en": "What for?", "ar": "لماذا؟"}),
        Question("comment", "long_text", {"fr": "Commentaire", "en": "Comment", "ar": "تعليق"}),
    ),
    dimensions={
        "content_quality": {"fr": "Qualité du contenu", "en": "Content quality", "ar": "جودة المحتوى"},
        "professional_impact": {"fr": "Impact professionnel", "en": "Professional impact", "ar": "الأثر المهني"},
    },
)
PROGRAMME = Programme("niamey", "Formation de spécialistes", "Niamey", "NE", None, None, 29, ("fr", "ar", "en"))
START = datetime(2025, 3, 7, 15, 10, tzinfo=UTC)


def response(number: int, lang: str = "fr", **values: int | str) -> RawResponse:
    return RawResponse(f"00000000-0000-4000-8000-{number:012d}", START + timedelta(minutes=number), lang, "web", values)


RESPONSES = [
    response(
        1,
        cq_relevance=5,
        cq_clarity=4,
        cq_depth=4,
        recommend=9,
        ba_knowledge__before=2,
        ba_knowledge__after=4,
        session_usefulness__12=4,
        attended_before="no",
        helpful_formats__workshops=1,
        comment=FRENCH,
        **{"for": "Pour apprendre"},
    ),
    response(2, "ar", cq_relevance=4, cq_clarity=4, cq_depth=3, recommend=10, comment=ARABIC),
    response(3, cq_relevance=4, cq_clarity=5, cq_depth=5, recommend=7, comment="Ligne un\r\nligne deux"),
    *(response(10 + i, comment=text) for i, text in enumerate(HOSTILE)),
    response(20, "en"),  # answered nothing
]


def programme_data(raw: list[RawResponse], *, with_rows: bool = True) -> ProgrammeData:
    """What the SQL aggregates would give for ``raw``."""
    counts: dict[tuple[str, str, int | str], int] = {}
    rows = []
    for r in raw:
        row = {}
        for key, value in r.values.items():
            code, _, item = key.partition("__")
            kind = QUESTIONNAIRE.question(code).kind
            if kind in ("short_text", "long_text"):
                continue
            counts[(code, item, value)] = counts.get((code, item, value), 0) + 1
            if isinstance(value, int) and kind != "multiple_choice":
                row[f"{code}:{item}" if item else code] = float(value)
        rows.append(row)
    tallies = tuple(Tally(code, item, value, n) for (code, item, value), n in counts.items())
    return ProgrammeData(PROGRAMME, QUESTIONNAIRE, len(raw), tallies, tuple(rows) if with_rows else ())


class Streamed:
    """A raw source that can be read more than once and counts how often it was."""

    def __init__(self, raw: list[RawResponse]) -> None:
        self.raw = raw
        self.reads = 0

    def __call__(self) -> Iterator[RawResponse]:
        self.reads += 1
        yield from self.raw


def source(raw: list[RawResponse] = RESPONSES, **kwargs: Any) -> ReportSource:
    return ReportSource(programme_data(raw, **kwargs), Streamed(raw))


def render(name: str, lang: str = "en", src: ReportSource | None = None) -> bytes:
    out = io.BytesIO()
    writer(name)(src or source(), lang, out)
    return out.getvalue()


def workbook(lang: str = "en", src: ReportSource | None = None) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render("xlsx", lang, src)))


def sheet_rows(sheet: Any) -> list[tuple[Any, ...]]:
    """The cells as a spreadsheet shows them: OOXML writes a carriage return as
    ``_x000D_``, which Excel decodes and openpyxl leaves as it is."""
    return [tuple(unescape(v) if isinstance(v, str) else v for v in row) for row in sheet.iter_rows(values_only=True)]


def unzip(lang: str = "en", src: ReportSource | None = None, fmt: str = "csv") -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(render(fmt, lang, src)))


def csv_rows(archive: zipfile.ZipFile, name: str, delimiter: str = ",") -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def by_variable(header: list[str] | tuple[Any, ...], row: list[str] | tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(header, row, strict=True))


# -- neutralising ----------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Bien", "3 + 4", "", "'déjà cité", " =1", "é=1", ARABIC])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


#: Formulas hidden after a separator: harmless to a spreadsheet that splits on the file's own
#: separator, run by one set to another locale's (Excel in French or Arabic splits on ";").
AFTER_SEPARATOR = {
    "Merci;=1+1": "Merci;'=1+1",
    "Bien,+1+1": "Bien,'+1+1",
    "Oui ;  -2+3": "Oui ;  '-2+3",
    "a\t@SUM(A1)": "a\t'@SUM(A1)",
    "=1;=2": "'=1;'=2",
}


@pytest.mark.parametrize(("text", "inert"), AFTER_SEPARATOR.items())
def test_a_formula_after_any_separator_gets_a_quote_in_the_csv(text: str, inert: str) -> None:
    assert neutralise_for_csv(text) == inert


@pytest.mark.parametrize("text", ["Bien, merci", "3 + 4; 5 - 1", "a;b,c", "'déjà cité", ARABIC + "، =", "1-2"])
def test_separators_without_a_formula_are_left_alone(text: str) -> None:
    assert neutralise_for_csv(text) == text


def hostile_archive(fmt: str) -> zipfile.ZipFile:
    extra = [response(30 + i, comment=text) for i, text in enumerate(AFTER_SEPARATOR)]
    return unzip("fr", source([*RESPONSES, *extra]), fmt)


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("csv-semicolon", ";")])
def test_each_archive_reads_back_with_its_own_separator(fmt: str, delimiter: str) -> None:
    rows = csv_rows(hostile_archive(fmt), "answers.csv", delimiter)
    comments = {row[0]: by_variable(rows[0], row)[COMMENT] for row in rows[1:]}
    for i, inert in enumerate(AFTER_SEPARATOR.values()):
        assert comments[response(30 + i).response_id] == inert
    assert comments[response(1).response_id] == FRENCH
    assert len({len(row) for row in rows}) == 1


@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon"])
@pytest.mark.parametrize("split_on", [",", ";", "\t"])
def test_no_cell_starts_a_formula_whichever_separator_a_spreadsheet_splits_on(fmt: str, split_on: str) -> None:
    """The worst reading: a spreadsheet that splits every line on ``split_on`` and
    ignores the quotes. No piece may then begin as a formula (numbers aside)."""
    archive = hostile_archive(fmt)
    for name in ("answers.csv", "codebook.csv"):
        for line in archive.read(name).decode("utf-8-sig").split("\r\n")[1:]:
            for piece in line.split(split_on):
                cell = piece.strip(' "')
                if cell and not re.fullmatch(r"-?\d+(\.\d+)?", cell):
                    assert not cell.startswith(("=", "+", "-", "@")), (name, line, cell)


def test_every_text_cell_is_quoted_and_every_number_bare() -> None:
    text = hostile_archive("csv").read("answers.csv").decode("utf-8-sig")
    header, first, *_ = text.split("\r\n")
    assert header.startswith('"response_id","submitted_at","language","source",')
    cells = dict(zip(next(csv.reader([header])), first.split(","), strict=False))
    assert cells["response_id"] == f'"{response(1).response_id}"'
    assert cells["cq_relevance"] == "5"
    assert cells["cq_depth"] == "4"


def test_the_semicolon_archive_says_so_and_its_syntax_reads_semicolons() -> None:
    archive = unzip("fr", fmt="csv-semicolon")
    assert "point-virgule" in archive.read("README.txt").decode("utf-8-sig")
    assert "/DELIMITERS=';'" in archive.read("answers.sps").decode()
    assert 'sep = ";"' in archive.read("answers.R").decode()
    comma = unzip("fr")
    assert "/DELIMITERS=','" in comma.read("answers.sps").decode()
    assert 'sep = ","' in comma.read("answers.R").decode()


def test_hostile_comments_are_inert_text_in_the_workbook() -> None:
    book = workbook()
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    rows = sheet_rows(book["Responses"])
    comments = {row[0]: by_variable(rows[0], row)[COMMENT] for row in rows[1:]}
    for i, text in enumerate(HOSTILE):
        # As typed, with no visible apostrophe: the cell's style has Excel's quote prefix.
        assert comments[response(10 + i).response_id] == text
    column = rows[0].index(COMMENT) + 1
    sheet = book["Responses"]
    styled = {
        unescape(str(sheet.cell(r, column).value)): sheet.cell(r, column).quotePrefix
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, column).value
    }
    assert all(styled[text] for text in HOSTILE)
    assert not styled[FRENCH]
    assert not any(str(c.value).startswith("'") for ws in book for row in ws.iter_rows() for c in row if c.value)


def test_hostile_comments_are_inert_text_in_the_csv() -> None:
    rows = csv_rows(unzip(), "answers.csv")
    comments = {row[0]: by_variable(rows[0], row)[COMMENT] for row in rows[1:]}
    expected = {**{text: "'" + text for text in HOSTILE}, "\rx": "' x"}  # a line break is a space in the CSV
    for i, text in enumerate(HOSTILE):
        assert comments[response(10 + i).response_id] == expected[text]


def test_numbers_stay_numbers() -> None:
    rows = sheet_rows(workbook()["Responses"])
    first = by_variable(rows[0], rows[1])
    assert first["cq_relevance"] == 5
    assert isinstance(first["cq_relevance"], int)
    assert first["recommend"] == 9
    csv_first = by_variable(*csv_rows(unzip(), "answers.csv")[:2])
    assert csv_first["cq_relevance"] == "5"
    assert csv_first["recommend"] == "9"


# -- the data, exactly ------------------------------------------------------------------


def test_french_and_arabic_come_back_exactly() -> None:
    xlsx = sheet_rows(workbook("ar")["الردود"])
    answers = csv_rows(unzip("ar"), "answers.csv")
    for rows in (xlsx, answers):
        comments = [by_variable(rows[0], row)[COMMENT] for row in rows[1:3]]
        assert comments == [FRENCH, ARABIC]


def test_line_breaks_stay_in_the_workbook_and_become_spaces_in_the_csv() -> None:
    xlsx = sheet_rows(workbook()["Responses"])
    assert by_variable(xlsx[0], xlsx[3])[COMMENT] == "Ligne un\r\nligne deux"
    answers = unzip().read("answers.csv")
    assert answers.count(b"\r\n") == len(RESPONSES) + 1  # one line per response, plus the header
    assert answers.count(b"\n") == len(RESPONSES) + 1
    rows = csv_rows(unzip(), "answers.csv")
    assert by_variable(rows[0], rows[3])[COMMENT] == "Ligne un ligne deux"


def test_one_row_per_response_in_order_with_every_column() -> None:
    rows = sheet_rows(workbook()["Responses"])
    header = list(rows[0])
    assert header[:4] == ["response_id", "submitted_at", "language", "source"]
    assert "session_usefulness__12" in header
    assert "ba_knowledge__before" in header
    assert [row[0] for row in rows[1:]] == [r.response_id for r in RESPONSES]
    assert rows[1][1] == "2025-03-07T15:11:00Z"
    answers = csv_rows(unzip(), "answers.csv")
    assert answers[0] == header
    assert [row[0] for row in answers[1:]] == [r.response_id for r in RESPONSES]
    assert all(len(row) == len(header) for row in answers)


def test_unticked_options_are_zero_and_unanswered_questions_empty() -> None:
    rows = sheet_rows(workbook()["Responses"])
    first, empty = by_variable(rows[0], rows[1]), by_variable(rows[0], rows[-1])
    assert first["helpful_formats__workshops"] == 1
    assert first["helpful_formats__2"] == 0
    assert empty["helpful_formats__workshops"] == 0
    assert empty["cq_relevance"] is None
    assert empty[COMMENT] is None


def test_csv_files_are_utf8_with_a_byte_order_mark_and_explained() -> None:
    archive = unzip("fr")
    assert set(archive.namelist()) == {"README.txt", "answers.csv", "codebook.csv", "answers.sps", "answers.R"}
    for name in ("answers.csv", "codebook.csv"):
        assert archive.read(name).startswith(b"\xef\xbb\xbf")
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "answers.csv" in readme
    assert "codebook.csv" in readme
    assert PROGRAMME.title in readme


def test_empty_programme_gives_headers_only() -> None:
    src = source([])
    rows = sheet_rows(workbook(src=src)["Responses"])
    assert len(rows) == 1
    assert len(csv_rows(unzip(src=src), "answers.csv")) == 1


def test_a_failed_export_leaves_no_answers_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken() -> Iterator[RawResponse]:
        yield from RESPONSES[:3]
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        writer("xlsx")(ReportSource(programme_data(RESPONSES), broken), "fr", io.BytesIO())
    assert list(tmp_path.iterdir()) == []


def test_raw_data_is_read_once_per_document() -> None:
    for name in ("xlsx", "csv", "spss"):
        src = source()
        render(name, src=src)
        assert isinstance(src.raw, Streamed)
        assert src.raw.reads == 1


# -- variables and codebook ------------------------------------------------------------


def test_variable_names_are_valid_in_spss_and_r() -> None:
    names = [v.name for v in variables(QUESTIONNAIRE)]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,63}", name), name
        assert not name.endswith("_")
        assert name not in RESERVED
    assert "for_v" in names  # "for" is reserved
    assert COMMENT in names
    assert "helpful_formats__2" in names  # an Arabic option value, by its position


def test_codebook_is_trilingual_with_value_labels() -> None:
    rows = csv_rows(unzip("fr"), "codebook.csv")
    header = rows[0]
    assert header[4:7] == ["Texte (fr)", "Texte (en)", "Texte (ar)"]
    entry = next(by_variable(header, row) for row in rows if row[0] == "cq_relevance")
    assert entry["Texte (en)"] == "The content was relevant."
    assert entry["Texte (ar)"] == "The content was relevant. (ar)"
    assert entry["Dimension"] == "Qualité du contenu"
    assert entry["Étiquettes des valeurs"].startswith("1=Pas du tout d'accord; 2=Plutôt pas d'accord")
    english = {row[0]: row for row in sheet_rows(workbook("en")["Codebook"])}
    assert english["cq_relevance"][-1] == (
        "1=Strongly disagree; 2=Disagree; 3=Neither agree nor disagree; 4=Agree; 5=Strongly agree"
    )
    assert english["recommend"][-1] == "0=Not at all likely; 10=Extremely likely"
    assert english["ba_knowledge__after"][3] == "My knowledge – Now"
    assert english["helpful_formats__workshops"][-1] == "0=Not selected; 1=Selected"
    assert english["attended_before"][-1] == "yes=Yes; no=No"


# -- the workbook -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "names", "rtl"),
    [
        ("fr", ["Synthèse", "Qualité du contenu", "Impact professionnel", "Autres questions", "Réponses"], False),
        ("en", ["Summary", "Content quality", "Professional impact", "Other questions", "Responses"], False),
        ("ar", ["ملخص", "جودة المحتوى", "الأثر المهني", "أسئلة أخرى", "الردود"], True),
    ],
)
def test_sheets_are_named_in_the_report_language(lang: str, names: list[str], rtl: bool) -> None:
    book = workbook(lang)
    assert book.sheetnames[:5] == names
    assert len(book.sheetnames) == 6  # and the codebook
    assert all(bool(ws.sheet_view.rightToLeft) is rtl for ws in book)


def test_header_rows_are_frozen() -> None:
    book = workbook()
    assert book["Responses"].freeze_panes == "A2"
    assert book["Codebook"].freeze_panes == "B2"


def test_summary_gives_n_mean_interval_and_top_two_box() -> None:
    rows = sheet_rows(workbook()["Summary"])
    header = next(row for row in rows if row[:2] == ("Variable", "Question"))
    line = by_variable(header, next(row for row in rows if row[0] == "cq_relevance"))
    # 5, 4, 4 of 10 responses, 29 expected.
    assert line["n"] == 3
    assert line["Skipped"] == len(RESPONSES) - 3
    assert line["Mean"] == pytest.approx(13 / 3)
    assert line["95% CI low"] < line["Mean"] < line["95% CI high"]
    assert line["Top-2-box"] == 1.0
    facts = {row[0]: row[1] for row in rows[1:12]}
    assert facts["Responses counted"] == len(RESPONSES)
    assert facts["Response rate"] == pytest.approx(len(RESPONSES) / 29)


def test_dimension_sheet_has_the_score_alpha_and_distributions() -> None:
    rows = sheet_rows(workbook()["Content quality"])
    header = rows[2]
    score = by_variable(header[:9], rows[3][:9])
    assert score["Respondents scored"] == 3
    assert score["Mean"] == pytest.approx((13 / 3 + 11 / 3 + 14 / 3) / 3)
    assert isinstance(score["Cronbach's alpha"], float)
    distribution = rows.index(("cq_relevance", "The content was relevant.", *[None] * 7))
    table = rows[distribution + 2 : distribution + 7]
    assert [(r[0], r[1], r[2]) for r in table] == [
        (1, "Strongly disagree", 0),
        (2, "Disagree", 0),
        (3, "Neither agree nor disagree", 0),
        (4, "Agree", 2),
        (5, "Strongly agree", 1),
    ]


def test_dimension_score_says_so_when_rows_are_missing() -> None:
    rows = sheet_rows(workbook(src=source(with_rows=False))["Content quality"])
    assert rows[3][0] == "not computed: per-response rows not loaded"


# -- syntax files --------------------------------------------------------------------------


def test_spss_syntax_reads_answers_and_labels_every_variable() -> None:
    text = render("spss", "en").decode()
    assert "/FILE=answers" in text
    assert "FILE HANDLE answers /NAME='answers.csv'." in text
    assert "/ENCODING='UTF8'" in text
    for v in variables(QUESTIONNAIRE):
        assert re.search(rf"^\s+/?{v.name} '", text, re.MULTILINE), v.name
    assert "cq_relevance F1.0" in text
    assert "recommend F2.0" in text
    # The widest comment, in UTF-8 bytes, fits.
    widest = max(len(neutralise(r.values.get("comment", "")).encode()) for r in RESPONSES)
    assert f"{COMMENT} A{widest}" in text
    assert "1 'Strongly disagree'" in text
    assert "'yes' 'Yes'" in text


def test_r_syntax_reads_answers_and_labels_every_variable() -> None:
    text = render("r", "ar").decode()
    assert 'fileEncoding = "UTF-8-BOM"' in text
    for v in variables(QUESTIONNAIRE):
        assert f'attr(answers${v.name}, "label") <- ' in text
    assert (
        'answers$attended_before <- factor(answers$attended_before, levels = c("yes", "no"), labels = c("نعم", "Non"))'
        in text
    )


def test_every_raw_format_is_registered() -> None:
    for name in ("xlsx", "csv", "csv-semicolon", "spss", "r"):
        assert FORMATS[name].raw_data
        assert render(name)


def extract(tmp_path: Path, lang: str) -> Path:
    unzip(lang).extractall(tmp_path)
    return tmp_path


@pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP (Debian's pspp) is not installed")
def test_pspp_reads_the_csv_with_its_labels(tmp_path: Path) -> None:
    folder = extract(tmp_path, "fr")
    (folder / "check.sps").write_text(
        "INSERT FILE='answers.sps'.\n"
        "WRITE OUTFILE='values.txt' /response_id ' ' cq_relevance ' ' comment_v.\n"
        "EXECUTE.\n"
        "SAVE TRANSLATE /OUTFILE='labelled.csv' /TYPE=CSV /FIELDNAMES /CELLS=LABELS /REPLACE.\n"
        "DISPLAY LABELS.\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(shutil.which("pspp")), "check.sps", "-o", "labels.csv"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = (folder / "values.txt").read_text(encoding="utf-8").splitlines()
    assert len(written) == len(RESPONSES)  # the multi-line comment did not split a case
    assert written[0].startswith(f"{RESPONSES[0].response_id} 5 {FRENCH}")
    assert written[1].startswith(f"{RESPONSES[1].response_id} 4 {ARABIC}")
    labels = (folder / "labels.csv").read_text(encoding="utf-8")
    assert "The content was relevant. (fr)" in labels
    assert LONG_TEXT in labels  # joined back from its pieces
    with (folder / "labelled.csv").open(encoding="utf-8", newline="") as handle:
        labelled = list(csv.DictReader(handle))
    assert labelled[0]["cq_relevance"] == "Tout à fait d'accord"
    assert labelled[0]["attended_before"] == "Non"
    assert labelled[0]["helpful_formats__2"] == "Non coché"


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R (Debian's r-base-core) is not installed")
def test_r_reads_the_csv_with_its_labels(tmp_path: Path) -> None:
    folder = extract(tmp_path, "ar")
    script = (
        'source("answers.R", encoding = "UTF-8")\n'
        'writeLines(c(nrow(answers), answers$comment_v[2], attr(answers$cq_relevance, "label"),'
        ' names(attr(answers$cq_relevance, "labels"))[1], as.character(answers$attended_before[1]),'
        ' class(answers$cq_relevance), answers$comment_v[7]), "out.txt", useBytes = TRUE)\n'
    )
    (folder / "check.R").write_text(script, encoding="utf-8")
    done = subprocess.run(
        [str(shutil.which("Rscript")), "check.R"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = (folder / "out.txt").read_text(encoding="utf-8").splitlines()
    assert out[:6] == [
        str(len(RESPONSES)),
        ARABIC,
        "The content was relevant. (ar)",
        AGREEMENT["ar"][0],
        "Non",
        "integer",
    ]
    assert out[6] == "'@SUM(A1)"


# -- issue 16: files that stack and read the way the reports count -----------------


def test_spss_declares_blank_strings_missing() -> None:
    """A skipped choice is an empty field: SPSS must not count it as a valid blank
    (a Yes share of 36.5% where the report said 44.8%)."""
    text = render("spss", "en").decode()
    block = text[text.index("MISSING VALUES") :].split(".\n", 1)[0]
    declared = re.findall(r"^\s+/?(\w+) \(''\)$", block, re.MULTILINE)
    strings = [v.name for v in variables(QUESTIONNAIRE) if v.question and not v.numeric]
    assert declared == strings
    assert "attended_before" in declared
    assert "cq_relevance" not in declared
    # R: an empty field is NA.
    assert 'na.strings = ""' in render("r", "en").decode()


def matrix_of(ids: tuple[str, str]) -> Questionnaire:
    """The export questionnaire with its matrix rows stored under other session ids."""
    questions = tuple(
        replace(
            q,
            items=(
                Option(ids[0], dict.fromkeys(("fr", "en", "ar"), "Méthodes"), "d1_1"),
                Option(ids[1], {"fr": "Atelier"}, "d1_2"),
            ),
        )
        if q.kind == "matrix"
        else q
        for q in QUESTIONNAIRE.questions
    )
    return replace(QUESTIONNAIRE, questions=questions)


def test_two_cohorts_files_stack_on_the_questionnaires_own_codes() -> None:
    """Matrix variables are named question code + row code, never a session's database id."""
    first, second = matrix_of(("12", "13")), matrix_of(("40", "41"))
    names = [v.name for v in variables(first)]
    assert names == [v.name for v in variables(second)]
    assert "session_usefulness__d1_1" in names
    assert "session_usefulness__d1_2" in names
    assert not any(name.endswith(("__12", "__13")) for name in names)
    answered = response(1, session_usefulness__12=4)
    src = ReportSource(replace(programme_data([answered]), questionnaire=first), Streamed([answered]))
    for fmt in ("spss", "r"):
        text = render(fmt, "en", src).decode()
        assert "session_usefulness__d1_1" in text
        assert "session_usefulness__12" not in text
    rows = csv_rows(unzip("en", src), "answers.csv")
    assert by_variable(rows[0], rows[1])["session_usefulness__d1_1"] == "4"
    codebook = csv_rows(unzip("en", src), "codebook.csv")
    row = next(r for r in codebook if r[0] == "session_usefulness__d1_1")
    assert row[1:3] == ["session_usefulness", "d1_1"]
    book = workbook("en", src)
    assert "session_usefulness__d1_1" in sheet_rows(book["Responses"])[0]


def test_the_workbook_hides_exactly_the_sessions_the_report_hides() -> None:
    """Session 12 has 4 ratings on the scale and 1 off it (a 9): 5 raters. The
    summary once counted 4 (hidden) where the workbook counted 5 (shown)."""
    raw = [response(i, session_usefulness__12=4, session_usefulness__13=3) for i in range(1, 5)]
    raw += [response(5, session_usefulness__12=9), response(6, session_usefulness__13=2)]
    raw += [response(i, cq_relevance=4) for i in range(7, 12)]  # no session rated
    src = source(raw)
    summary = summarise(src.data)
    shown = {i.value for i in summary.question("session_usefulness").items if not i.suppressed}
    assert shown == {"12", "13"}
    book = workbook("en", src)
    summary_rows = sheet_rows(book["Summary"])
    small = label("withheld_small_cell", "en").format(minimum=5)
    hidden_in_workbook = {row[0] for row in summary_rows if small in row}
    assert hidden_in_workbook == set()
    # And one fewer rater each: both hide both.
    fewer = source(
        [r for r in raw if r.response_id != response(5).response_id and r.response_id != response(1).response_id]
    )
    summary = summarise(fewer.data)
    assert all(i.suppressed for i in summary.question("session_usefulness").items)
    rows = sheet_rows(workbook("en", fewer)["Summary"])
    assert {row[0] for row in rows if small in row} == {"session_usefulness__12", "session_usefulness__13"}


def test_the_workbook_warns_of_a_response_rate_over_100_percent() -> None:
    data = programme_data(RESPONSES)
    src = ReportSource(replace(data, programme=replace(PROGRAMME, expected_participants=3)), Streamed(RESPONSES))
    rows = sheet_rows(workbook("en", src)["Summary"])
    warning = label("warning_response_rate_over_100", "en").format(n=len(RESPONSES), expected=3)
    assert (warning,) in [row[:1] for row in rows]
