"""The limitations paragraph: chosen from the data, worded in each language, in every
document an evaluator hands on (HTML, PDF's source, JSON, XLSX)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reports.documents import ReportSource
from reports.limitations import FEW, LOW_RATE, RETROSPECTIVE, SELF_REPORT, UNKNOWN_RATE, limitations
from tests.reports.test_exports import (
    PROGRAMME,
    QUESTIONNAIRE,
    RESPONSES,
    Streamed,
    programme_data,
    render,
    sheet_rows,
    workbook,
)

WITHOUT_PAIRS = replace(QUESTIONNAIRE, questions=tuple(q for q in QUESTIONNAIRE.questions if q.kind != "before_after"))


def test_a_census_of_many_without_before_after_names_only_self_report() -> None:
    assert limitations(WITHOUT_PAIRS, 40, 40) == (SELF_REPORT,)


def test_each_rule_names_its_limitation() -> None:
    assert RETROSPECTIVE in limitations(QUESTIONNAIRE, 40, 40), "a before/after question is rated at the end"
    assert LOW_RATE in limitations(WITHOUT_PAIRS, 40, 60), "40 of 60 is under 70 %"
    assert LOW_RATE not in limitations(WITHOUT_PAIRS, 42, 60), "42 of 60 is 70 %"
    assert UNKNOWN_RATE in limitations(WITHOUT_PAIRS, 40, None)
    assert FEW in limitations(WITHOUT_PAIRS, 29, 29), "29 responses give wide intervals, even as a census"
    assert FEW not in limitations(WITHOUT_PAIRS, 30, 30)


def _source() -> ReportSource:
    # The fixture: 10 responses of 29 expected trainees, with a before/after question.
    return ReportSource(programme_data(RESPONSES), Streamed(RESPONSES))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Limitations", "10 of the 29 expected participants answered (34%)", "about 10 points"]),
        ("fr", ["Limites", "10 des 29 participants attendus ont répondu (34\u202f%)", "environ 10 points"]),
        ("ar", ["حدود", "29", "34"]),
    ],
)
def test_the_html_report_says_them_in_the_readers_language(lang: str, words: list[str]) -> None:
    assert len(RESPONSES) == 10
    assert PROGRAMME.expected_participants == 29
    html = render("html", lang, _source()).decode()
    section = html[html.index('id="limitations"') : html.index('id="methods"')]
    for word in words:
        assert word in section, (lang, word)
    assert section.count("<p>") == 4, "self-report, retrospective, low response rate, few responses"


def test_the_json_summary_carries_codes_and_sentences() -> None:
    document = json.loads(render("json", "fr", _source()))
    assert [item["code"] for item in document["limitations"]] == [SELF_REPORT, RETROSPECTIVE, LOW_RATE, FEW]
    assert all(item["text"] for item in document["limitations"])


def test_the_workbook_lists_them_under_a_heading() -> None:
    rows = [row[0] for row in sheet_rows(workbook("en", _source()).worksheets[0]) if row and row[0]]
    start = rows.index("Limitations")
    assert rows[start + 1].startswith("These figures are what the trainees said")
    assert rows[start + 3].startswith("10 of the 29 expected participants answered")


def test_a_comparison_names_the_programmes_whose_figures_are_fragile() -> None:
    from reports.compare import compare
    from reports.limitations import DIFFERENT_GROUPS, FEW_SOME, LOW_RATE_SOME, comparison_limitations

    small = programme_data(RESPONSES)  # 10 of 29
    other = replace(small, programme=replace(PROGRAMME, slug="dosso", title="Dosso", expected_participants=10))
    found = dict(comparison_limitations(compare([small, other])))
    assert found[DIFFERENT_GROUPS] == ()
    assert found[LOW_RATE_SOME] == (PROGRAMME.title,), "Dosso: 10 of 10 answered"
    assert found[FEW_SOME] == (PROGRAMME.title, "Dosso")


def test_the_comparison_report_prints_them_before_its_methods() -> None:
    from reports.compare import compare
    from reports.documents.html import render_comparison

    small = programme_data(RESPONSES)
    other = replace(small, programme=replace(PROGRAMME, slug="dosso", title="Dosso", expected_participants=10))
    html = render_comparison(compare([small, other]), "fr", plotly_js="")
    section = html[html.index('id="limitations"') : html.index('id="methods"')]
    assert "Limites" in section
    assert f"{PROGRAMME.title} · Dosso : moins de 30 réponses" in section
