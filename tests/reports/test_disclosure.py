"""Small-group disclosure control in every document (reports.disclosure): a programme of
1, 4, 5 and 29 responses, a language group too small to name, complementary suppression."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from markupsafe import escape

from reports import disclosure
from reports.compare import compare
from reports.data import ProgrammeData
from reports.documents import ReportSource, writer
from reports.documents.html import render
from reports.labels import label
from reports.summary import summarise
from tests.reports.test_summary import RESPONSES, build

SECRET = "Seul le formateur X a vraiment aidé"


def programme_of(n: int, minimum: int = 5, languages: dict[str, int] | None = None) -> ProgrammeData:
    """``n`` responses (the fixture's eight, repeated), each with a comment, answered in
    ``languages`` (all French by default), under a minimum group size of ``minimum``."""
    responses = [dict(RESPONSES[i % len(RESPONSES)]) for i in range(n)]
    spoken = [lang for lang, count in (languages or {"fr": n}).items() for _ in range(count)]
    assert len(spoken) == n
    for i, response in enumerate(responses):
        response["useful"] = (spoken[i], f"{SECRET} ({spoken[i]} {i})")
    data = build(responses)
    programme = dataclasses.replace(data.programme, minimum_group_size=minimum)
    by_language = {lang: spoken.count(lang) for lang in dict.fromkeys(spoken)}
    return dataclasses.replace(data, programme=programme, responses_by_language=by_language)


def json_of(data: ProgrammeData, lang: str = "en") -> dict[str, Any]:
    out = io.BytesIO()
    writer("json")(ReportSource(data), lang, out)
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def raw_bytes(data: ProgrammeData, fmt: str, lang: str = "en") -> bytes:
    out = io.BytesIO()
    writer(fmt)(ReportSource(data), lang, out)
    return out.getvalue()


@pytest.fixture
def fake_plotly(tmp_path: Path) -> Path:
    path = tmp_path / "plotly.js"
    path.write_text("/* plotly */", encoding="utf-8")
    return path


@pytest.mark.parametrize("n", [1, 4])
def test_a_programme_under_the_minimum_shows_its_count_and_a_message_only(n: int, fake_plotly: Path) -> None:
    data = programme_of(n)
    summary = summarise(data)
    assert summary.small_group
    assert (summary.questions, summary.dimensions, summary.pairs, summary.comments) == ((), (), (), ())
    assert summary.nps is None
    assert summary.breakdowns == ()

    message = label("withheld_small_group", "en").format(minimum=5)
    for mode in ("screen", "print"):  # print: what Chromium turns into the PDF
        html = render(ReportSource(data), "en", mode=mode, plotly_js=fake_plotly)  # type: ignore[arg-type]
        assert escape(message) in html
        assert f"<b>{n}</b>" in html  # the count
        assert SECRET not in html
        assert 'id="questions"' not in html
        assert 'id="comments"' not in html
        assert 'id="dimensions"' not in html
        assert 'data-chart="chart-' not in html  # no figure at all
        assert label("nps", "en") not in html.split('id="methods"')[0]
        assert escape(label("methods_disclosure", "en").format(minimum=5)) in html

    document = json_of(data)
    assert document["responses"]["n"] == n
    assert document["responses"]["withheld"]["answers"] == "small_group"
    for key in ("questions", "dimensions", "before_after", "comments", "breakdowns"):
        assert document[key] == [], key
    assert SECRET not in json.dumps(document, ensure_ascii=False)
    assert document["methods"]["minimum_cell"] == 5
    assert document["methods"]["withheld_reasons"]["small_group"] == message


@pytest.mark.parametrize("n", [5, 29])
def test_a_programme_at_or_over_the_minimum_shows_its_answers(n: int, fake_plotly: Path) -> None:
    data = programme_of(n)
    html = render(ReportSource(data), "en", plotly_js=fake_plotly)  # type: ignore[arg-type]
    document = json_of(data)

    assert not summarise(data).small_group
    assert 'id="questions"' in html
    assert SECRET in html
    assert escape(label("withheld_small_group", "en").format(minimum=5)) not in html
    assert document["responses"]["withheld"] == {}
    assert {q["code"] for q in document["questions"]} >= {"cq_a", "recommend", "sessions"}
    nps = next(q for q in document["questions"] if q["code"] == "recommend")["nps"]
    assert nps["n"] == n
    useful = next(c for c in document["comments"] if c["question"] == "useful")
    assert sum(len(g["comments"]) for g in useful["groups"]) == n


def test_the_programme_minimum_decides_and_no_less_than_three_is_allowed() -> None:
    assert not summarise(programme_of(4, minimum=3)).small_group
    assert summarise(programme_of(4, minimum=5)).small_group
    assert summarise(programme_of(9, minimum=10)).small_group
    assert disclosure.SMALLEST_MINIMUM_GROUP == 3
    assert not disclosure.programme_withheld(0, 5)  # nobody: nothing to give away
    assert disclosure.raw_data_needs_confirmation(4, 5)
    assert not disclosure.raw_data_needs_confirmation(5, 5)
    assert not disclosure.raw_data_needs_confirmation(0, 5)


def test_a_small_language_group_is_not_named_or_counted_and_a_second_group_hides_it(fake_plotly: Path) -> None:
    # 20 French, 6 Arabic, 3 English: English is under 5; with the total of 29
    # published, Arabic is hidden too or 29 - 20 - 6 would give English away.
    data = programme_of(29, languages={"fr": 20, "ar": 6, "en": 3})
    summary = summarise(data)
    (languages,) = summary.breakdowns
    assert languages.counts == {"fr": 20, "ar": None, "en": None}
    useful = next(c for c in summary.comments if c.question.code == "useful")
    assert [(g.language, len(g.texts)) for g in useful.groups] == [("fr", 20), ("", 9)]

    html = render(ReportSource(data), "en", plotly_js=fake_plotly)  # type: ignore[arg-type]
    comments = html.split('id="comments"')[1].split('id="methods"')[0]
    assert "English ·" not in comments
    assert "Arabic ·" not in comments
    assert f"{label('comments_other_languages', 'en')} · 9 comments" in comments
    assert 'lang="en"' not in comments
    assert 'lang="ar"' not in comments
    assert "French · 20 comments" in comments
    assert '<td class="num">3</td>' not in html.split('id="dimensions"')[0]

    document = json_of(data)
    (breakdown,) = document["breakdowns"]
    assert breakdown["counts"] == {"fr": 20, "ar": None, "en": None}
    useful_json = next(c for c in document["comments"] if c["question"] == "useful")
    assert [g["language"] for g in useful_json["groups"]] == ["fr", None]


def test_language_groups_all_large_enough_keep_their_labels() -> None:
    summary = summarise(programme_of(29, languages={"fr": 20, "ar": 9}))
    assert summary.breakdowns[0].counts == {"fr": 20, "ar": 9}
    useful = next(c for c in summary.comments if c.question.code == "useful")
    assert [g.language for g in useful.groups] == ["fr", "ar"]


def test_the_workbook_summary_follows_the_rule_and_keeps_the_raw_answers() -> None:
    small = openpyxl.load_workbook(io.BytesIO(raw_bytes(programme_of(4), "xlsx")))
    texts = [str(c) for row in small.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert label("withheld_small_group", "en").format(minimum=5) in texts
    assert label("methods_disclosure", "en").format(minimum=5) in texts
    assert [ws.title for ws in small.worksheets] == ["Summary", "Responses", "Codebook"]

    large = openpyxl.load_workbook(io.BytesIO(raw_bytes(programme_of(8), "xlsx")))
    rows = list(large.worksheets[0].iter_rows(values_only=True))
    # The workshop (session 2) was rated by few trainees: a note, not its figures.
    sessions = {row[0]: row for row in rows if row and str(row[0]).startswith("sessions__")}
    assert sessions["sessions__2"][2] == label("withheld_small_cell", "en").format(minimum=5)
    assert isinstance(sessions["sessions__1"][2], int)
    assert len(large.worksheets) > 3


def test_raw_data_files_state_the_minimum_in_their_notes() -> None:
    data = programme_of(29)
    note_start = "Minimum group size: 5"
    archive = zipfile.ZipFile(io.BytesIO(raw_bytes(data, "csv")))
    assert note_start in archive.read("README.txt").decode("utf-8-sig")
    for fmt in ("spss", "r"):
        text = raw_bytes(data, fmt).decode()
        assert note_start in text, fmt
    french = raw_bytes(data, "spss", "fr").decode()
    assert "Taille minimale d'un groupe : 5" in french


def test_the_comparison_withholds_a_small_programme_but_keeps_its_count(fake_plotly: Path) -> None:
    large = programme_of(29)
    small = dataclasses.replace(programme_of(4), programme=dataclasses.replace(large.programme, slug="tiny"))
    comparison = compare([large, small])
    assert [p.small_group for p in comparison.programmes] == [False, True]
    assert comparison.programmes[1].nps is None
    assert comparison.programmes[1].n_responses == 4
    assert all(d.cells[1] is None for d in comparison.dimensions)

    out = io.BytesIO()
    writer("json")(ReportSource(large, compared=(large, small)), "en", out)
    document = json.loads(out.getvalue())
    tiny = document["programmes"][1]
    assert (tiny["responses"], tiny["nps"], tiny["withheld"]) == (4, None, {"answers": "small_group"})
    cell = document["dimensions"][0]["programmes"][1]
    assert cell == {"programme": "tiny", "withheld": {"dimension": "small_group"}}
    assert label("methods_disclosure_compare", "en").format(minimum=5) in document["methods"]["notes"]

    out = io.BytesIO()
    writer("html")(ReportSource(large, compared=(large, small)), "en", out, plotly_js=fake_plotly)  # type: ignore[call-arg]
    html = out.getvalue().decode()
    assert escape(label("withheld_small_group", "en").format(minimum=5)) in html
