"""The HTML, JSON and PDF documents: self-contained, in the report language,
with hostile comments inert, and the PDF showing its charts."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import string
import subprocess
import unicodedata
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from reports.data import Comment
from reports.documents import ReportSource, writer
from reports.documents.chromium import find_chromium
from reports.documents.figures import published_data, question_chart
from reports.documents.html import PLOTLY_ENV, plotly_source, render
from reports.labels import LABELS, METHODS_REPORT, label, methods_notes
from reports.summary import summarise
from tests.reports.test_summary import DATA, RESPONSES, build

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ('=HYPERLINK("http://x")', "<script>alert(1)</script>", "+cmd|' /C calc'!A0")
HOSTILE_DATA = replace(
    DATA,
    comments=(
        *DATA.comments,
        *(Comment("improve", "fr", text, datetime(2026, 11, 27, 16, tzinfo=UTC)) for text in HOSTILE),
    ),
)
FAKE_PLOTLY = "window.Plotly = {newPlot: function () {}}; /* fake plotly for fast tests */"


@pytest.fixture
def fake_plotly(tmp_path: Path) -> Path:
    path = tmp_path / "plotly.js"
    path.write_text(FAKE_PLOTLY, encoding="utf-8")
    return path


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def html_of(source: ReportSource, lang: str, plotly: Path | None = None, **options: object) -> str:
    out = io.BytesIO()
    writer("html")(source, lang, out, plotly_js=plotly, **options)  # type: ignore[call-arg]
    return out.getvalue().decode("utf-8")


def test_html_report_opens_offline_with_plotly_embedded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PLOTLY_ENV, raising=False)
    html = html_of(ReportSource(DATA), "fr")  # the plotly package's own bundle
    tags = parse(html)

    bundle = plotly_source()
    assert html.count(bundle) == 1
    assert html.count("Copyright 2012-") == 1  # plotly.js's licence header: one copy, not one per chart
    charts = [a for t, a in tags.tags if t == "script" and a.get("type") == "application/json"]
    assert len(charts) >= 8
    for tag, attrs in tags.tags:
        assert "src" not in attrs or attrs["src"].startswith(("data:", "#")), (tag, attrs)
        assert "href" not in attrs or attrs["href"].startswith(("#", "data:")), (tag, attrs)
        assert tag not in {"link", "iframe", "object", "embed", "img", "base"}
    outside_plotly = html.replace(bundle, "")
    assert "http://" not in outside_plotly
    assert "https://" not in outside_plotly
    assert "//cdn" not in outside_plotly
    # And the page forbids itself any request, should a future figure try one.
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    assert "connect-src" not in csp


def test_plotly_code_cannot_close_its_script_element() -> None:
    for bundle in (plotly_source(), plotly_source(ROOT / "static/vendor/plotly/plotly-cartesian.min.js")):
        assert "</script" not in bundle.lower()
        assert "<!--" not in bundle


def test_plotly_comes_from_the_argument_then_the_environment_then_the_package(
    fake_plotly: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.js"
    other.write_text("/* from the environment */", encoding="utf-8")
    monkeypatch.setenv(PLOTLY_ENV, str(other))
    assert plotly_source(fake_plotly) == FAKE_PLOTLY
    assert plotly_source() == "/* from the environment */"
    monkeypatch.delenv(PLOTLY_ENV)
    assert "plotly.js v" in plotly_source()[:200]
    with pytest.raises(FileNotFoundError):
        plotly_source(tmp_path / "missing.js")


def test_hostile_comments_are_text_in_html(fake_plotly: Path) -> None:
    html = html_of(ReportSource(HOSTILE_DATA), "en", fake_plotly)
    tags = parse(html)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(&#34;http://x&#34;)" in html
    assert not any("alert" in script for script in tags.scripts[:1] + tags.scripts[-1:])
    # Scripts: plotly, the chart data, the drawing code; nothing a comment added.
    kinds = [a.get("type", "") for t, a in tags.tags if t == "script"]
    assert kinds.count("") == 2
    comments = [a for t, a in tags.tags if t == "li" and a.get("lang")]
    assert len(comments) == 3 + 3 + 1  # useful (fr 2, ar 1), improve (en 1, fr 3)
    assert all(a.get("dir") == "auto" for a in comments)
    assert not any("href" in a for t, a in tags.tags if t == "a")


def test_report_has_facts_dimensions_pairs_comments_and_methods_in_english(fake_plotly: Path) -> None:
    html = html_of(ReportSource(DATA), "en", fake_plotly, breakdowns={"language": {"fr": 5, "ar": 2, "en": 1}})

    assert '<html lang="en" dir="ltr">' in html
    for key in ("evaluation_report", "dimension_scores", "before_after_section", "comments", "methods", "alpha"):
        assert str(escape(label(key, "en"))) in html
    assert "Niamey 2026" in html
    assert "Content quality" in html
    # n, expected and rate.
    assert "<b>8</b>" in html
    assert "<b>29</b>" in html
    assert "<b>28%</b>" in html
    # Alpha of a 2-item dimension is withheld, in words.
    assert label("withheld_too_few_items", "en") in html
    # The small session cell and the small language groups are hidden, and said to be.
    assert label("withheld_small_cell", "en").format(minimum=5) in html
    assert "Groups of fewer than 5 respondents are not shown: Responses by language (Arabic, English)." in html
    assert "Each session? (Workshop)" in html
    # The before/after table: tests and effect sizes.
    assert "Paired t-test" in html
    assert "t(5) = " in html
    assert "Wilcoxon signed-rank test" in html
    # 5 changed ratings: the signed-rank test is withheld, in words (issue 16).
    assert str(escape(label("withheld_too_few_differences", "en"))) in html
    assert label("methods_small_cells", "en").format(minimum=5) in html
    # Every paragraph of the methods note, from the one list of definitions.
    for paragraph in methods_notes(METHODS_REPORT, "en", 5):
        assert str(escape(paragraph)) in html


def test_arabic_report_is_right_to_left_and_in_arabic(fake_plotly: Path) -> None:
    html = html_of(ReportSource(DATA), "ar", fake_plotly)

    assert '<html lang="ar" dir="rtl">' in html
    assert '<main class="report" dir="rtl">' in html
    for key in ("evaluation_report", "dimension_scores", "methods", "comments"):
        assert label(key, "ar") in html
    assert "جودة المحتوى" in html
    assert "كفاءتي" in html  # the question text in Arabic
    # Numbers stay left to right inside Arabic text.
    assert "\u20668\u2069" in html


def test_every_chart_is_valid_plotly_json_mirrored_in_arabic(fake_plotly: Path) -> None:
    html = render(ReportSource(DATA), "ar", plotly_js=fake_plotly)
    tags = parse(html)
    specs = [json.loads(text) for text in tags.scripts if text.strip().startswith('{"data"')]

    # Dimensions, 6 likert, rating, matrix, 2 choices, before/after.
    assert len(specs) == 12
    assert all(spec["layout"]["yaxis"].get("side") == "right" for spec in specs)
    ids = {a["data-chart"] for t, a in tags.tags if t == "script" and "data-chart" in a}
    assert ids == {a["id"] for t, a in tags.tags if t == "div" and a.get("class") == "plot"}
    # The suppressed session is not drawn.
    (matrix,) = [s for s in specs if s["data"] and s["data"][0]["type"] == "heatmap"]
    assert not any("Workshop" in row for row in matrix["data"][0]["y"])


def test_print_mode_draws_static_charts_at_page_width(fake_plotly: Path) -> None:
    html = render(ReportSource(DATA), "fr", mode="print", plotly_js=fake_plotly)

    assert '<body class="mode-print">' in html
    widths = {json.loads(text)["layout"].get("width") for text in parse(html).scripts if text.startswith('{"data"')}
    assert widths == {680}
    assert "@page" in html
    assert "counter(pages)" in html


def test_json_summary_numbers_nulls_and_withheld_reasons() -> None:
    out = io.BytesIO()
    writer("json")(ReportSource(HOSTILE_DATA), "fr", out)
    raw = out.getvalue()
    document = json.loads(raw)

    assert document["format"] == "survey-evaluation-summary"
    assert document["language"] == "fr"
    assert document["responses"] == {"n": 8, "expected": 29, "response_rate": 8 / 29, "withheld": {}, "warnings": []}
    content = document["dimensions"][0]
    assert content["code"] == "content"
    assert content["label"] == "Qualité du contenu"
    assert isinstance(content["mean"], float)
    assert content["n"] == 7
    assert content["alpha"]["n_complete"] == 6
    organisation = document["dimensions"][1]
    assert organisation["alpha"]["alpha"] is None
    assert organisation["withheld"] == {"alpha": "too_few_items"}
    assert document["methods"]["withheld_reasons"]["too_few_items"] == "Moins de 3 items"
    cq_a = next(q for q in document["questions"] if q["code"] == "cq_a")
    assert cq_a["scale"]["distribution"][4] == {"value": 5, "count": 3, "share": 3 / 7}
    assert cq_a["top_box"]["k"] == 5
    sessions = next(q for q in document["questions"] if q["code"] == "sessions")
    assert sessions["items"][1]["suppressed"] is True
    assert sessions["items"][1]["scale"] is None
    assert sessions["items"][1]["withheld"] == {"distribution": "small_cell"}
    (pair,) = document["before_after"]
    assert pair["n"] == 6
    assert isinstance(pair["t_test"]["p_value"], float)
    improve = next(c for c in document["comments"] if c["question"] == "improve")
    texts = [t for g in improve["groups"] for t in g["comments"]]
    assert set(HOSTILE) <= set(texts)  # kept as typed, as data
    assert b"<script>" not in raw  # and inert even if served as HTML
    assert b"NaN" not in raw


def test_json_of_an_empty_programme_has_nulls_not_zeros() -> None:
    out = io.BytesIO()
    writer("json")(ReportSource(build([], expected=None)), "en", out)
    document = json.loads(out.getvalue())

    assert document["responses"]["response_rate"] is None
    assert document["responses"]["withheld"] == {"response_rate": "no_expected"}
    cq_a = next(q for q in document["questions"] if q["code"] == "cq_a")
    assert cq_a["scale"]["mean"] is None
    assert cq_a["withheld"]["mean"] == "no_answers"


def test_comparison_documents_show_each_programme_with_its_n(fake_plotly: Path) -> None:
    dakar = build(RESPONSES[:5], slug="dakar", title="Dakar 2026")
    source = ReportSource(DATA, compared=(DATA, dakar))
    out = io.BytesIO()
    writer("json")(source, "en", out)
    document = json.loads(out.getvalue())
    html = html_of(source, "en", fake_plotly)

    assert document["format"] == "survey-programme-comparison"
    assert [p["slug"] for p in document["programmes"]] == ["niamey", "dakar"]
    content = document["dimensions"][0]
    assert [(c["programme"], c["n"]) for c in content["programmes"]] == [("niamey", 7), ("dakar", 5)]
    assert label("comparison_report", "en") in html
    assert "Niamey 2026" in html
    assert "Dakar 2026" in html
    assert html.count('data-chart="chart-1"') == 1


def test_every_document_label_exists_in_the_three_languages_with_the_same_placeholders() -> None:
    """The words moved from a table per language to the catalogs (see tests/reports/test_i18n.py)."""
    for key, english in LABELS.items():
        texts = {lang: label(key, lang) for lang in ("fr", "en", "ar")}
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f} for lang, text in texts.items()}
        assert fields["fr"] == fields["en"] == fields["ar"], key
        assert all(text.strip() for text in texts.values()), key
        assert texts["en"] == english, key


# -- PDF -------------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("CI"),
    reason="Chromium is not installed (the PDF tests run wherever CI is set)",
)
#: plotly's bar colour (#35978f) as a PDF fill: only the charts use it.
CHART_FILL = re.compile(rb"\.2078\d* \.592\d* \.5608?\d* rg")


def pdf_streams(pdf: bytes) -> list[bytes]:
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return streams


def pdf_text(pdf: bytes, tmp_path: Path) -> str | None:
    """The PDF's text through poppler's pdftotext, bidi controls removed; None without it."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([tool, str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")


@needs_chromium
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_pdf_report_shows_its_charts_and_comments_as_text(lang: str, tmp_path: Path) -> None:
    out = io.BytesIO()
    writer("pdf")(
        ReportSource(HOSTILE_DATA), lang, out, plotly_js=ROOT / "static/vendor/plotly/plotly-cartesian.min.js"
    )  # type: ignore[call-arg]
    pdf = out.getvalue()

    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3
    assert any(CHART_FILL.search(stream) for stream in pdf_streams(pdf)), "no chart bar drawn"
    text = pdf_text(pdf, tmp_path)
    if text is None:
        return
    assert label("mean_score", lang) in text  # the dimension chart's axis: drawn by plotly
    assert label("page", lang) in text  # the page numbers
    # Printed as text. (pdftotext reorders mixed-direction lines of an Arabic page, so only the pieces there.)
    if lang == "fr":
        assert "<script>alert(1)</script>" in text
        assert '=HYPERLINK("http://x")' in text
    else:
        assert "<script>alert(1)</script" in text
        assert '=HYPERLINK("http://x' in text
        assert "جودة المحتوى" in text


@needs_chromium
def test_pdf_comparison(tmp_path: Path) -> None:
    dakar = build(RESPONSES[:5], slug="dakar", title="Dakar 2026")
    out = io.BytesIO()
    writer("pdf")(ReportSource(DATA, compared=(DATA, dakar)), "en", out)
    pdf = out.getvalue()

    assert pdf.startswith(b"%PDF")
    # The second programme's bars (#8c510a): only the comparison chart draws in that colour.
    assert any(re.search(rb"\.549\d* \.3176\d* \.0392\d* rg", s) for s in pdf_streams(pdf)), "no chart drawn"
    text = pdf_text(pdf, tmp_path)
    if text is not None:
        assert "Dakar 2026" in text
        assert "Niamey 2026" in text


def test_choice_charts_in_a_report_count_what_was_chosen() -> None:
    """Both choice kinds as the database tallies them: a single choice by value,
    a multiple choice by item. A report chart must count each option."""
    data = published_data(DATA, summarise(DATA))
    for code in ("formats", "again"):
        figure = question_chart(data, DATA.questionnaire.question(code), "en")
        assert figure is not None
        (bars,) = figure.data
        expected = [c.share.k for c in summarise(DATA).question(code).choices]
        assert list(bars.x) == expected
        assert sum(expected) > 0


# What a sponsor's reviewer read wrong before (issue 16)


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [("en", "1 comment", "2 comments"), ("fr", "1 commentaire", "2 commentaires"), ("ar", "تعليق واحد", "تعليقان")],
)
def test_one_comment_is_singular_in_every_language(fake_plotly: Path, lang: str, one: str, two: str) -> None:
    responses = [{**r} for r in RESPONSES]
    for r in responses:
        r.pop("useful", None)
        r.pop("improve", None)
    responses[0]["useful"] = ("fr", "Très utile")
    responses[1]["improve"] = ("fr", "Plus de pauses")
    responses[2]["improve"] = ("fr", "Plus de cas")
    html = html_of(ReportSource(build(responses)), lang, fake_plotly, breakdowns={"language": {"fr": 8}})
    assert f" · {one}</h4>" in html
    assert f" · {two}</h4>" in html
    assert "1 comments" not in html


def test_a_response_rate_over_100_percent_is_warned_in_html_and_json(fake_plotly: Path) -> None:
    source = ReportSource(build(RESPONSES, expected=2))
    html = html_of(source, "en", fake_plotly)
    warning = label("warning_response_rate_over_100", "en").format(n=8, expected=2)
    assert str(escape(warning)) in html
    assert "400%" in html
    out = io.BytesIO()
    writer("json")(source, "en", out)
    document = json.loads(out.getvalue())
    assert document["responses"]["warnings"] == ["response_rate_over_100"]
    assert document["methods"]["warnings"]["response_rate_over_100"] == warning


def test_alpha_and_the_nps_show_their_intervals(fake_plotly: Path) -> None:
    summary = summarise(DATA)
    html = html_of(ReportSource(DATA), "en", fake_plotly)
    alpha = summary.dimensions[0].summary.alpha
    assert alpha.ci_low is not None
    assert alpha.ci_high is not None
    assert f"({alpha.ci_low:.2f} – {alpha.ci_high:.2f})".replace("-", "−") in html
    nps = summary.nps
    assert nps is not None
    assert nps.nps is not None
    assert nps.nps.ci_low is not None
    assert nps.nps.ci_high is not None
    assert f"{nps.nps.ci_low:.0f} – {nps.nps.ci_high:.0f}".replace("-", "−") in html
    assert "about ± 0.1" not in html


def test_answers_off_the_scale_are_said_in_the_report(fake_plotly: Path) -> None:
    responses = [*RESPONSES[:7], {**RESPONSES[7], "overall": 7}]
    html = html_of(ReportSource(build(responses)), "en", fake_plotly)
    assert "1 answer outside the scale is left out of these figures (it is in the raw data)." in html


def test_the_comparison_marks_a_census_and_says_its_intervals_have_no_fpc(fake_plotly: Path) -> None:
    census = build(RESPONSES, expected=len(RESPONSES), slug="census", title="Census 2026")
    source = ReportSource(DATA, compared=(DATA, census))
    html = html_of(source, "en", fake_plotly)
    assert label("census", "en") in html
    assert str(escape(label("compare_note", "en"))) in html
    assert str(escape(label("methods_ci_compare", "en"))) in html
    assert "√(1 − n/N)" not in html  # the single report's FPC note is not the comparison's
    out = io.BytesIO()
    writer("json")(source, "en", out)
    document = json.loads(out.getvalue())
    assert [p["census"] for p in document["programmes"]] == [False, True]
    assert document["fpc_applied"] is False
    widths = [c["ci_high"] - c["ci_low"] for c in document["dimensions"][0]["programmes"]]
    assert min(widths) > 0.1
