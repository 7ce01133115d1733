"""Data quality, as an evaluator checks it before trusting a figure: missing answers per
question, straight-lining down a grid, the channels, the excluded responses and the
response rate; in the HTML report, the JSON summary and the workbook."""

from __future__ import annotations

import json
from dataclasses import replace

from reports.data import Option, Programme, ProgrammeData, Question, Questionnaire, Tally
from reports.documents import ReportSource
from reports.quality import data_quality
from tests.reports.test_exports import RESPONSES, Streamed, programme_data, render, sheet_rows, workbook

AGREE = (1, 2, 3, 4, 5)
GRID = Question(
    "sessions",
    "matrix",
    {"en": "Each session?", "fr": "Chaque séance ?"},
    points=AGREE,
    items=tuple(Option(str(i), {"en": f"Session {i}"}) for i in (1, 2, 3)),
)
OVERALL = Question("overall", "likert", {"en": "Overall?"}, None, False, AGREE)
NOTE = Question("note", "long_text", {"en": "Anything else?"})
QUESTIONNAIRE = Questionnaire("q", 1, {"en": "Q"}, ("en",), (OVERALL, GRID, NOTE))


def _data(rows: list[dict[str, float]], expected: int | None = 10) -> ProgrammeData:
    counts: dict[tuple[str, str, int], int] = {}
    for row in rows:
        for key, value in row.items():
            code, _, item = key.partition(":")
            counts[(code, item, int(value))] = counts.get((code, item, int(value)), 0) + 1
    tallies = tuple(Tally(c, i, v, n) for (c, i, v), n in counts.items())
    programme = Programme("p", "P", "Niamey", "NE", None, None, expected, ("en",))
    return ProgrammeData(programme, QUESTIONNAIRE, len(rows), tallies, tuple(rows))


FLAT = {"sessions:1": 4.0, "sessions:2": 4.0, "sessions:3": 4.0}
VARIED = {"sessions:1": 5.0, "sessions:2": 3.0, "sessions:3": 4.0}


def test_missing_answers_are_counted_per_question_and_row_most_missing_first() -> None:
    rows = [
        {"overall": 4.0, **FLAT},
        {"overall": 5.0, **VARIED},
        {"sessions:1": 2.0},  # overall and two sessions left blank
        {},  # nothing answered
    ]
    quality = data_quality(_data(rows))
    found = {(m.question.code, m.item): (m.answered, m.missing) for m in quality.missing}
    assert found == {
        ("overall", ""): (2, 2),
        ("sessions", "1"): (3, 1),
        ("sessions", "2"): (2, 2),
        ("sessions", "3"): (2, 2),
    }
    assert [m.missing for m in quality.missing] == sorted((m.missing for m in quality.missing), reverse=True)
    assert "note" not in {m.question.code for m in quality.missing}, "a comment left blank is not missing data"


def test_straight_lining_counts_identical_ratings_among_complete_grids() -> None:
    rows = [FLAT, FLAT, VARIED, {"sessions:1": 3.0}]
    (grid,) = data_quality(_data(rows)).straight_lining
    assert (grid.complete, grid.identical) == (3, 2)


def test_the_response_rate_is_flagged_low_or_over_100() -> None:
    assert data_quality(_data([FLAT] * 6, expected=10)).rate_flag == "low"
    assert data_quality(_data([FLAT] * 7, expected=10)).rate_flag == ""
    assert data_quality(_data([FLAT] * 11, expected=10)).rate_flag == "over_100"


def test_the_html_report_has_the_section_with_channels_and_exclusions() -> None:
    data = replace(programme_data(RESPONSES), channels={"paper": 3, "web": 7}, excluded=2)
    html = render("html", "en", ReportSource(data, Streamed(RESPONSES))).decode()
    section = html[html.index('id="data-quality"') : html.index('id="limitations"')]
    assert "Response rate: 34% (10 of 29 expected participants)." in section
    assert "Low: fewer than 70% of the expected participants answered." in section
    assert "Responses by channel: paper, typed in: 3, online form: 7." in section
    assert "2 responses excluded by the organisers are left out of every figure." in section
    assert "Unanswered questions" in section


def test_the_french_report_words_it_in_french() -> None:
    data = replace(programme_data(RESPONSES), channels={"web": 10}, excluded=1)
    html = render("html", "fr", ReportSource(data, Streamed(RESPONSES))).decode()
    section = html[html.index('id="data-quality"') : html.index('id="limitations"')]
    assert "Qualité des données" in section
    assert "1 réponse écartée par les organisateurs n’entre dans aucun chiffre." in section


def test_a_small_programme_shows_no_data_quality_detail() -> None:
    few = RESPONSES[:3]
    html = render("html", "en", ReportSource(programme_data(few), Streamed(few))).decode()
    assert 'id="data-quality"' not in html, "missing answers per question would describe three people"
    assert json.loads(render("json", "en", ReportSource(programme_data(few), Streamed(few))))["data_quality"] is None


def test_the_json_and_the_workbook_carry_the_same_figures() -> None:
    data = replace(programme_data(RESPONSES), channels={"kiosk": 4, "web": 6}, excluded=0)
    source = ReportSource(data, Streamed(RESPONSES))
    document = json.loads(render("json", "en", source))["data_quality"]
    assert document["channels"] == {"kiosk": 4, "web": 6}
    assert document["excluded"] == 0
    assert document["response_rate_flag"] == "low"
    assert {m["question"] for m in document["missing"]} >= {"cq_relevance", "recommend"}
    cells = [row[0] for row in sheet_rows(workbook("en", source).worksheets[0]) if row and row[0]]
    assert "Data quality" in cells
    assert "Responses by channel: kiosk: 4, online form: 6." in cells


def test_a_report_of_an_open_programme_says_how_many_responses_it_leaves_out() -> None:
    data = replace(programme_data(RESPONSES), held_back=7)
    source = ReportSource(data, Streamed(RESPONSES))
    html = render("html", "en", source).decode()
    assert "responses received so far but not in these figures: 7." in html
    document = json.loads(render("json", "fr", source))
    assert "held_back" in document["responses"]["warnings"]
    assert "pas encore dans ces chiffres : 7." in document["methods"]["warnings"]["held_back"]
    cells = [row[0] for row in sheet_rows(workbook("en", source).worksheets[0]) if row and row[0]]
    assert any("not in these figures: 7." in str(cell) for cell in cells)
    closed = render("html", "en", ReportSource(programme_data(RESPONSES), Streamed(RESPONSES))).decode()
    assert "not in these figures" not in closed
