"""What a reader of the charts would check: the numbers, the language, the mirroring."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from reports import charts
from reports.data import Option, Programme, ProgrammeData, Question, Questionnaire, Tally
from reports.labels import LABELS, label, wrap
from reports.summary_charts import MAX_TIME_TICKS

AGREEMENT = {
    "fr": (
        "Pas du tout d'accord",
        "Plutôt pas d'accord",
        "Ni d'accord ni pas d'accord",
        "Plutôt d'accord",
        "Tout à fait d'accord",
    ),
    "en": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    "ar": ("لا أوافق إطلاقًا", "لا أوافق", "محايد", "أوافق", "أوافق تمامًا"),
}
RELEVANCE_TEXT = {
    "fr": "Le contenu était pertinent pour mon travail.",
    "en": "The content was relevant to my job.",
    "ar": "كان المحتوى وثيق الصلة بعملي.",
}


def _likert(code: str, text: dict[str, str]) -> Question:
    return Question(code, "likert", text, "content_quality", True, (1, 2, 3, 4, 5), AGREEMENT)


QUESTIONNAIRE = Questionnaire(
    code="end_of_programme",
    version=1,
    title={"fr": "Évaluation", "en": "Evaluation", "ar": "تقييم"},
    languages=("fr", "en", "ar"),
    questions=(
        _likert("relevance", RELEVANCE_TEXT),
        # No Arabic text: Arabic charts must fall back to French, the first language.
        _likert("clarity", {"fr": "Les contenus ont été présentés clairement.", "en": "The content was clear."}),
        Question(
            "recommend",
            "rating",
            {"fr": "Recommanderiez-vous ce programme ?", "en": "Would you recommend it?", "ar": "هل توصي به؟"},
            points=tuple(range(11)),
        ),
        Question(
            "knowledge",
            "before_after",
            {"fr": "Ma connaissance du sujet", "en": "My knowledge of the subject", "ar": "معرفتي بالموضوع"},
            points=(1, 2, 3, 4, 5),
            items=(Option("before", {"fr": "Avant", "en": "Before"}), Option("after", {"fr": "Après", "en": "After"})),
        ),
        Question(
            "sessions",
            "matrix",
            {"fr": "Utilité de chaque session", "en": "Usefulness of each session", "ar": "فائدة كل جلسة"},
            points=(1, 2, 3, 4, 5),
            point_labels={"fr": ("Pas utile", "Peu utile", "Assez utile", "Utile", "Très utile")},
            items=(
                Option(
                    "s1", {"fr": "Méthodes de réhabilitation", "en": "Rehabilitation methods", "ar": "أساليب التأهيل"}
                ),
                Option("s2", {"fr": "Études de cas", "en": "Case studies", "ar": "دراسات الحالة"}),
                Option("s3", {"fr": "Atelier final", "en": "Final workshop", "ar": "الورشة الختامية"}),
            ),
        ),
        Question(
            "attended_before",
            "single_choice",
            {"fr": "Déjà suivi un programme ?", "en": "Attended before?", "ar": "هل شاركت من قبل؟"},
            options=(
                Option("yes", {"fr": "Oui", "en": "Yes", "ar": "نعم"}),
                Option("no", {"fr": "Non", "en": "No", "ar": "لا"}),
            ),
        ),
        Question(
            "formats",
            "multiple_choice",
            {"fr": "Formats utiles", "en": "Helpful formats", "ar": "الأشكال المفيدة"},
            options=(
                Option("lectures", {"fr": "Exposés", "en": "Lectures"}),
                Option("workshops", {"fr": "Ateliers", "en": "Workshops"}),
            ),
        ),
        Question("comment", "long_text", {"fr": "Commentaire", "en": "Comment", "ar": "تعليق"}),
    ),
    dimensions={
        "content_quality": {"fr": "Qualité du contenu", "en": "Content quality", "ar": "جودة المحتوى"},
        "professional_impact": {"fr": "Impact professionnel", "en": "Professional impact", "ar": "الأثر المهني"},
        "organisation": {"fr": "Organisation", "en": "Organisation", "ar": "التنظيم"},
    },
)


def _tallies(question: str, counts: dict[int | str, int], item: str = "") -> list[Tally]:
    return [Tally(question, item, value, count) for value, count in counts.items()]


TALLIES = (
    # 10 answers: 10 %, 10 %, 20 %, 20 %, 40 %.
    *_tallies("relevance", {1: 1, 2: 1, 3: 2, 4: 2, 5: 4}),
    # Detractors 3, passives 3, promoters 4 of 10: net score 40 - 30 = +10.
    *_tallies("recommend", {0: 1, 5: 1, 6: 1, 7: 2, 8: 1, 9: 2, 10: 2}),
    # Before: (1*2 + 2*3 + 3*1) / 6 = 11/6; after: (3*1 + 4*3 + 5*2) / 6 = 25/6.
    *_tallies("knowledge", {1: 2, 2: 3, 3: 1}, "before"),
    *_tallies("knowledge", {3: 1, 4: 3, 5: 2}, "after"),
    # Session 1: (5*3 + 4*2) / 5 = 4.6; session 2: 3.0; session 3: nobody.
    *_tallies("sessions", {5: 3, 4: 2}, "s1"),
    *_tallies("sessions", {3: 2}, "s2"),
    *_tallies("attended_before", {"yes": 3, "no": 7}),
    # A ticked option is stored as its own item with the value 1, as the database tallies it.
    Tally("formats", "lectures", 1, 4),
    Tally("formats", "workshops", 1, 8),
)

PROGRAMME = Programme("niamey-2026", "Réhabilitation", "Niamey", "NE", None, None, 29, ("fr", "en", "ar"))
DATA = ProgrammeData(PROGRAMME, QUESTIONNAIRE, n_responses=10, tallies=TALLIES)
EMPTY = replace(DATA, n_responses=0, tallies=())

MEANS = {
    "organisation": (3.9, 3.5, 4.3),
    "content_quality": (4.2, 3.9, 4.5),
    "professional_impact": (None, None, None),
}

Builder = Callable[[ProgrammeData, str], go.Figure]
BUILDERS: dict[str, Builder] = {
    "likert": lambda data, lang: charts.likert_diverging(data, ["relevance", "clarity"], lang),
    "rating": lambda data, lang: charts.rating_distribution(data, "recommend", lang),
    "dumbbell": lambda data, lang: charts.before_after_dumbbell(data, ["knowledge"], lang),
    "heatmap": lambda data, lang: charts.matrix_heatmap(data, "sessions", lang),
    "choice": lambda data, lang: charts.choice_bars(data, "attended_before", lang),
    "dimensions": lambda data, lang: charts.dimension_bars(
        MEANS if data.tallies else dict.fromkeys(MEANS, (None, None, None)), data.questionnaire, lang
    ),
    "arrivals": lambda data, lang: charts.arrivals(
        [datetime(2026, 11, 30, 14, m, tzinfo=UTC) for m in range(0, 30, 3)][: data.n_responses],
        lang,
        "Africa/Niamey",
        29,
    ),
}


def _trace(fig: go.Figure, name: str) -> go.Bar | go.Scatter:
    (trace,) = [t for t in fig.data if t.name == name and t.showlegend is not False]
    return trace


def _plain(text: str) -> str:
    """``text`` without the invisible right-to-left embedding marks of Arabic figures."""
    return text.replace("\u202b", "").replace("\u202c", "")


def _all_text(fig: go.Figure) -> str:
    return _plain(json.dumps(json.loads(charts.figure_json(fig)), ensure_ascii=False))


def test_likert_segments_are_the_shares_of_answers() -> None:
    fig = charts.likert_diverging(DATA, ["relevance"], "en")

    assert _trace(fig, "Agree").x == (20.0,)
    assert _trace(fig, "Strongly agree").x == (40.0,)
    assert _trace(fig, "Strongly disagree").x == (-10.0,)
    assert fig.layout.barmode == "relative"


def test_likert_middle_point_is_split_across_zero() -> None:
    fig = charts.likert_diverging(DATA, ["relevance"], "en")
    negative = sum(t.x[0] for t in fig.data if t.x[0] < 0)
    positive = sum(t.x[0] for t in fig.data if t.x[0] > 0)
    neutral = sorted(t.x[0] for t in fig.data if t.name == "Neither agree nor disagree")

    assert negative == pytest.approx(-(10 + 10 + 20 / 2))
    assert positive == pytest.approx(20 / 2 + 20 + 40)
    assert neutral == [-10.0, 10.0]


def test_likert_hover_shows_count_and_whole_share_of_the_middle_point() -> None:
    fig = charts.likert_diverging(DATA, ["relevance"], "en")
    halves = [t for t in fig.data if t.name == "Neither agree nor disagree"]

    assert all(list(t.customdata[0][:2]) == [2, 20.0] for t in halves)
    assert "%{customdata[0]}" in halves[0].hovertemplate


def test_likert_legend_lists_points_in_scale_order() -> None:
    fig = charts.likert_diverging(DATA, ["relevance"], "fr")
    shown = sorted((t for t in fig.data if t.showlegend is not False), key=lambda t: t.legendrank)

    assert [t.name for t in shown] == list(AGREEMENT["fr"])


def test_likert_question_without_answers_gets_an_empty_bar_not_a_division_error() -> None:
    fig = charts.likert_diverging(DATA, ["relevance", "clarity"], "en")

    assert all(t.x[1] == 0 for t in fig.data)
    assert len(fig.data[0].y) == 2


def test_likert_refuses_questions_on_different_scales() -> None:
    with pytest.raises(ValueError, match="same scale"):
        charts.likert_diverging(DATA, ["relevance", "recommend"], "en")


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("fr", ["Le contenu était pertinent", "Plutôt d'accord", "Part des réponses"], ["relevant", "أوافق"]),
        ("ar", ["وثيق الصلة بعملي", "أوافق تمامًا", "نسبة الإجابات"], ["pertinent", "Agree"]),
        ("en", ["content was relevant", "Strongly agree", "Share of answers"], ["pertinent", "أوافق"]),
    ],
)
def test_texts_are_in_the_requested_language(lang: str, present: list[str], absent: list[str]) -> None:
    text = _all_text(charts.likert_diverging(DATA, ["relevance"], lang))

    for phrase in present:
        assert phrase in text
    for phrase in absent:
        assert phrase not in text


def test_missing_arabic_text_falls_back_to_the_first_language() -> None:
    fig = charts.likert_diverging(DATA, ["relevance", "clarity"], "ar")

    assert fig.data[0].y[1] == wrap("Les contenus ont été présentés clairement.", charts.QUESTION_WRAP)


def test_arabic_lines_are_embedded_right_to_left_but_french_fallback_is_not() -> None:
    fig = charts.rating_distribution(DATA, "recommend", "ar")
    title_lines = fig.layout.title.text.split("<br>")

    # Without the marks, "+10" and "n = 10" would sit on the wrong side of the Arabic words.
    assert all(line.startswith("\u202b") and line.endswith("\u202c") for line in title_lines)
    likert = charts.likert_diverging(DATA, ["relevance", "clarity"], "ar")
    assert likert.data[0].y[0].startswith("\u202b")
    assert "\u202b" not in likert.data[0].y[1]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_arabic_figures_are_mirrored(name: str) -> None:
    fig = BUILDERS[name](DATA, "ar")
    x = fig.layout.xaxis

    assert fig.layout.yaxis.side == "right"
    assert x.autorange == "reversed" or (x.range is not None and x.range[0] > x.range[1])
    assert fig.layout.title.xanchor == "right"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_french_figures_are_not_mirrored(name: str) -> None:
    fig = BUILDERS[name](DATA, "fr")
    x = fig.layout.xaxis

    assert fig.layout.yaxis.side != "right"
    assert x.autorange != "reversed"
    assert x.range is None or x.range[0] < x.range[1]


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_zero_answers_show_the_no_answers_annotation(name: str, lang: str) -> None:
    fig = BUILDERS[name](EMPTY, lang)

    assert [_plain(a.text) for a in fig.layout.annotations] == [label("no_answers_yet", lang)]
    assert fig.data == ()


def test_charts_with_answers_carry_no_empty_annotation() -> None:
    for name, build in BUILDERS.items():
        fig = build(DATA, "en")
        assert fig.data, name
        assert "No answers yet" not in _all_text(fig), name


def test_dumbbell_shows_the_means_from_the_tallies() -> None:
    fig = charts.before_after_dumbbell(DATA, ["knowledge"], "fr")

    assert _trace(fig, "Avant").x[0] == pytest.approx(11 / 6)
    assert _trace(fig, "Après").x[0] == pytest.approx(25 / 6)
    line = next(t for t in fig.data if t.mode == "lines")
    assert list(line.x[:2]) == pytest.approx([11 / 6, 25 / 6])
    assert _trace(fig, "Avant").customdata[0][0] == "1,8"


def test_rating_title_carries_the_net_score() -> None:
    en = charts.rating_distribution(DATA, "recommend", "en")
    fr = charts.rating_distribution(DATA, "recommend", "fr")

    assert "Net score: +10" in en.layout.title.text
    assert "n = 10" in en.layout.title.text
    assert "Score net\u00a0: +10" in fr.layout.title.text


def test_rating_bars_are_coloured_by_group() -> None:
    fig = charts.rating_distribution(DATA, "recommend", "en")
    detractors, passives, promoters = fig.data

    assert list(detractors.x) == [0, 1, 2, 3, 4, 5, 6]
    assert list(detractors.y) == [1, 0, 0, 0, 0, 1, 1]
    assert (list(passives.x), list(passives.y)) == ([7, 8], [2, 1])
    assert (list(promoters.x), list(promoters.y)) == ([9, 10], [2, 2])
    assert len({detractors.marker.color, passives.marker.color, promoters.marker.color}) == 3


def test_matrix_heatmap_has_sessions_as_rows_and_counts_in_cells() -> None:
    fig = charts.matrix_heatmap(DATA, "sessions", "fr")
    (heatmap,) = fig.data

    assert [row[:1] for row in heatmap.y] == ["M", "É", "A"]
    assert "Moyenne\u00a0: 4,6 · n = 5" in heatmap.y[0]
    assert heatmap.y[2].endswith("<sup>n = 0</sup>")
    assert list(heatmap.text[0]) == ["0", "0", "0", "2", "3"]
    assert list(heatmap.z[0]) == pytest.approx([0, 0, 0, 40, 60])
    assert list(heatmap.z[2]) == [None] * 5
    assert list(heatmap.x) == ["Pas utile", "Peu utile", "Assez utile", "Utile", "Très utile"]


def test_matrix_without_point_labels_in_english_falls_back_to_french_labels() -> None:
    (heatmap,) = charts.matrix_heatmap(DATA, "sessions", "en").data

    assert heatmap.x[-1] == "Très utile"
    assert heatmap.y[1].startswith("Case studies")


def test_choice_bars_count_each_option() -> None:
    fig = charts.choice_bars(DATA, "attended_before", "ar")
    (bars,) = fig.data

    assert [_plain(y) for y in bars.y] == ["نعم", "لا"]
    assert list(bars.x) == [3, 7]
    assert list(bars.text) == ["3 (30%)", "7 (70%)"]


def test_multiple_choice_shares_are_of_all_responses() -> None:
    (bars,) = charts.choice_bars(DATA, "formats", "en").data

    assert list(bars.text) == ["4 (40%)", "8 (80%)"]


def test_dimension_bars_show_means_and_intervals_in_questionnaire_order() -> None:
    fig = charts.dimension_bars(MEANS, QUESTIONNAIRE, "fr", scale=(1, 5))
    (bars,) = fig.data

    assert list(bars.y) == ["Qualité du contenu", "Impact professionnel", "Organisation"]
    assert list(bars.x) == [4.2, None, 3.9]
    assert list(bars.error_x.array) == pytest.approx([0.3, 0.0, 0.4])
    assert list(bars.error_x.arrayminus) == pytest.approx([0.3, 0.0, 0.4])
    assert bars.customdata[0][1] == "3,90 – 4,50"
    assert fig.layout.xaxis.range == (0, 5)


def test_arrivals_count_up_in_the_local_time_zone() -> None:
    times = [datetime(2026, 11, 30, 14, 20, tzinfo=UTC), datetime(2026, 11, 30, 14, 10), datetime(2026, 11, 30, 14, 40)]
    fig = charts.arrivals(times, "fr", "Africa/Niamey", expected=29)
    (line,) = fig.data

    # Niamey is UTC+1; naive times count as UTC; the step starts from zero.
    assert list(line.x) == [datetime(2026, 11, 30, h, m) for h, m in ((15, 10), (15, 10), (15, 20), (15, 40))]
    assert list(line.y) == [0, 1, 2, 3]
    assert line.line.shape == "hv"
    assert fig.layout.title.text.endswith("3 / 29")
    (expected,) = fig.layout.shapes
    assert (expected.y0, expected.line.dash) == (29, "dash")
    assert fig.layout.annotations[0].text == "Participants attendus\u00a0: 29"


def test_arrivals_without_expected_participants_draw_no_line() -> None:
    fig = charts.arrivals([datetime(2026, 11, 30, 14, 0, tzinfo=UTC)], "en", None)

    assert fig.layout.shapes == ()
    assert "(UTC)" in fig.layout.xaxis.title.text


def _time_tick_labels(fig: go.Figure) -> list[str]:
    """The x tick labels a reader sees, placed as plotly.js does: every ``dtick``
    milliseconds from midnight (its default tick0) within the axis range, or
    within the data when the range is automatic."""
    axis = fig.layout.xaxis
    low, high = sorted(axis.range) if axis.range else (min(fig.data[0].x), max(fig.data[0].x))
    step = timedelta(milliseconds=axis.dtick)
    tick = datetime.combine(low.date(), datetime.min.time())
    labels = []
    while tick <= high:
        if tick >= low:
            labels.append(tick.strftime(axis.tickformat.replace("<br>", " ")))
        tick += step
    return labels


@pytest.mark.parametrize(
    ("seconds", "ticks"),
    [
        ((0, 2, 5, 9, 30, 50), ["15:20 30/11", "15:21 30/11", "15:22 30/11"]),  # everyone within a minute
        ((0, 65, 120), ["15:21 30/11", "15:22 30/11"]),  # a two-minute span
        ((0,), ["15:20 30/11", "15:21 30/11", "15:22 30/11"]),  # one response
    ],
)
def test_arrivals_in_a_burst_get_whole_minute_ticks_that_never_repeat(
    seconds: tuple[int, ...], ticks: list[str]
) -> None:
    start = datetime(2026, 11, 30, 14, 20, 55, tzinfo=UTC)
    fig = charts.arrivals([start + timedelta(seconds=s) for s in seconds], "fr", "Africa/Niamey", 29)

    assert fig.layout.xaxis.dtick >= 60_000  # a minute: "%H:%M" cannot repeat
    assert _time_tick_labels(fig) == ticks


@pytest.mark.parametrize("hours", [0.1, 0.5, 1, 3, 8, 30, 24 * 20])
def test_arrivals_get_two_to_six_distinct_time_ticks_whatever_the_span(hours: float) -> None:
    start = datetime(2026, 11, 30, 7, 13, tzinfo=UTC)
    fig = charts.arrivals([start, start + timedelta(hours=hours / 3), start + timedelta(hours=hours)], "en", None)
    labels = _time_tick_labels(fig)

    assert 2 <= len(labels) <= MAX_TIME_TICKS
    assert len(set(labels)) == len(labels)


def test_arrivals_over_months_leave_the_ticks_to_plotly_in_days() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    fig = charts.arrivals([start, start + timedelta(days=120)], "fr", None)

    assert fig.layout.xaxis.dtick is None
    assert fig.layout.xaxis.tickformat == "%d/%m"
    assert fig.layout.xaxis.nticks == MAX_TIME_TICKS


@pytest.mark.parametrize("name", ["arrivals", "rating"])
def test_arabic_y_axis_title_keeps_its_distance_from_the_tick_labels(name: str) -> None:
    arabic, french = BUILDERS[name](DATA, "ar").layout.yaxis, BUILDERS[name](DATA, "fr").layout.yaxis

    # On the right, the rotated Arabic title turns its tall letters towards the numbers.
    assert arabic.title.text
    assert arabic.side == "right"
    assert arabic.automargin is True
    assert arabic.title.standoff >= french.title.standoff + 8


@pytest.mark.parametrize(
    ("code", "trace_type"),
    [
        ("relevance", "bar"),
        ("recommend", "bar"),
        ("knowledge", "scatter"),
        ("sessions", "heatmap"),
        ("attended_before", "bar"),
        ("formats", "bar"),
    ],
)
def test_figure_for_question_picks_a_chart_by_kind(code: str, trace_type: str) -> None:
    fig = charts.figure_for_question(DATA, QUESTIONNAIRE.question(code), "en")

    assert fig is not None
    assert fig.data[-1].type == trace_type


def test_figure_for_a_text_question_is_none() -> None:
    assert charts.figure_for_question(DATA, QUESTIONNAIRE.question("comment"), "en") is None


def test_figure_json_is_compact_json_that_round_trips() -> None:
    fig = charts.likert_diverging(DATA, ["relevance"], "ar")
    text = charts.figure_json(fig)
    spec = json.loads(text)

    assert set(spec) == {"data", "layout"}
    assert "\n" not in text
    assert spec["layout"]["yaxis"]["side"] == "right"
    assert [t["x"] for t in spec["data"]] == [list(t.x) for t in fig.data]
    assert json.loads(charts.figure_json(pio.from_json(text))) == spec


def test_every_label_is_written_in_all_three_languages() -> None:
    """Each word is in the catalogs (tests/reports/test_i18n.py checks they are complete)."""
    for key, english in LABELS.items():
        assert all(label(key, lang).strip() for lang in ("fr", "en", "ar")), key
        assert label(key, "en") == english, key
    assert label("mean", "es") == "Mean"


def test_wrap_breaks_long_texts_and_escapes_markup() -> None:
    wrapped = wrap("a " * 30 + "<b>", 40)

    assert wrapped.count("<br>") == 1
    assert wrapped.endswith("&lt;b&gt;")
