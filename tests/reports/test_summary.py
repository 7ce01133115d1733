"""The evaluation summary: every figure a document shows, checked against the
statistics functions (themselves oracle-tested) and against hand counts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from reports import paired, stats
from reports.compare import compare
from reports.data import Comment, Option, Programme, ProgrammeData, Question, Questionnaire, Tally
from reports.disclosure import DEFAULT_MINIMUM_GROUP
from reports.documents import xlsx
from reports.summary import dimension_means, dimension_scale, pair_results, summarise

AGREE = (1, 2, 3, 4, 5)


def likert(code: str, dimension: str | None = None) -> Question:
    return Question(code, "likert", {"fr": f"{code} ?", "en": f"{code}?", "ar": f"{code}؟"}, dimension, True, AGREE)


QUESTIONNAIRE = Questionnaire(
    code="eval",
    version=1,
    title={"fr": "Évaluation", "en": "Evaluation", "ar": "تقييم"},
    languages=("fr", "en", "ar"),
    questions=(
        likert("cq_a", "content"),
        likert("cq_b", "content"),
        likert("cq_c", "content"),
        likert("org_a", "organisation"),
        likert("org_b", "organisation"),
        Question("overall", "likert", {"en": "Overall?"}, None, False, AGREE),
        Question("recommend", "rating", {"en": "Recommend?", "fr": "Recommander ?"}, points=tuple(range(11))),
        Question(
            "skill",
            "before_after",
            {"en": "My skill", "fr": "Ma compétence", "ar": "كفاءتي"},
            "content",  # in a dimension's section, but a pair is never part of its score
            points=AGREE,
            items=(Option("before", {"en": "Before"}), Option("after", {"en": "Now"})),
        ),
        Question(
            "sessions",
            "matrix",
            {"en": "Each session?"},
            points=AGREE,
            items=(Option("1", {"en": "Opening"}), Option("2", {"en": "Workshop"}), Option("3", {"en": "Visit"})),
        ),
        Question(
            "again",
            "single_choice",
            {"en": "Again?"},
            options=(Option("yes", {"en": "Yes"}), Option("no", {"en": "No"})),
        ),
        Question(
            "formats",
            "multiple_choice",
            {"en": "Formats?"},
            options=(Option("talks", {"en": "Talks"}), Option("cases", {"en": "Cases"})),
        ),
        Question("useful", "long_text", {"en": "Most useful?", "fr": "Le plus utile ?"}),
        Question("improve", "long_text", {"en": "To improve?"}),
    ),
    dimensions={
        "content": {"en": "Content quality", "fr": "Qualité du contenu", "ar": "جودة المحتوى"},
        "organisation": {"en": "Organisation", "fr": "Organisation", "ar": "التنظيم"},
        "impact": {"en": "Impact"},  # no likert item: no score
    },
)

Answers = Mapping[str, object]


def build(
    responses: Sequence[Answers],
    *,
    expected: int | None = 29,
    questionnaire: Questionnaire = QUESTIONNAIRE,
    slug: str = "niamey",
    title: str = "Niamey 2026",
) -> ProgrammeData:
    """ProgrammeData as the SQL aggregates would give it for these responses.

    A response maps a question code (``code:item`` for items) to a number, an
    option value (single choice), a list of options (multiple choice), or a
    ``(language, text)`` comment.
    """
    tallies: Counter[tuple[str, str, int | str]] = Counter()
    rows = []
    comments = []
    start = datetime(2026, 11, 27, 15, tzinfo=UTC)
    for index, response in enumerate(responses):
        row: dict[str, float] = {}
        for key, value in response.items():
            code, _, item = key.partition(":")
            if isinstance(value, tuple):
                comments.append(Comment(code, value[0], value[1], start + timedelta(minutes=index)))
            elif isinstance(value, list):
                for option in value:
                    tallies[(code, option, 1)] += 1  # multiple choice: option as item, number 1
            elif isinstance(value, str):
                tallies[(code, "", value)] += 1
            else:
                assert isinstance(value, int)
                tallies[(code, item, value)] += 1
                row[key] = float(value)
        rows.append(row)
    programme = Programme(slug, title, "Niamey", "NE", None, None, expected, ("fr", "ar", "en"))
    return ProgrammeData(
        programme=programme,
        questionnaire=questionnaire,
        n_responses=len(responses),
        tallies=tuple(Tally(q, i, v, c) for (q, i, v), c in tallies.items()),
        rows=tuple(rows),
        comments=tuple(comments),
    )


#: Eight trainees; the third skipped cq_c, the last skipped every content item.
RESPONSES: list[dict[str, object]] = [
    {"cq_a": 5, "cq_b": 4, "cq_c": 4, "org_a": 3, "org_b": 4, "recommend": 10, "skill:before": 2, "skill:after": 4},
    {"cq_a": 4, "cq_b": 4, "cq_c": 5, "org_a": 4, "org_b": 4, "recommend": 9, "skill:before": 3, "skill:after": 4},
    {"cq_a": 3, "cq_b": 2, "org_a": 2, "org_b": 3, "recommend": 6, "skill:before": 3, "skill:after": 3},
    {"cq_a": 5, "cq_b": 5, "cq_c": 5, "org_a": 5, "org_b": 5, "recommend": 8, "skill:before": 1, "skill:after": 5},
    {"cq_a": 4, "cq_b": 3, "cq_c": 4, "org_a": 4, "org_b": 3, "recommend": 7, "skill:before": 4, "skill:after": 3},
    {"cq_a": 2, "cq_b": 3, "cq_c": 3, "org_a": 3, "org_b": 3, "recommend": 3, "skill:before": 2, "skill:after": 4},
    {"cq_a": 5, "cq_b": 4, "cq_c": 4, "org_a": 4, "org_b": 5, "recommend": 10, "skill:before": 2},
    {"org_a": 1, "org_b": 2, "recommend": 0},
]
for i, response in enumerate(RESPONSES):
    response["sessions:1"] = [4, 5, 3, 4, 5, 4, 2, 5][i]  # everyone rated the opening
    if i < 3:
        response["sessions:2"] = 5  # three rated the workshop: a small cell
    response["again"] = "yes" if i < 5 else "no"
    response["formats"] = ["talks", "cases"] if i % 2 else ["cases"]
RESPONSES[0]["useful"] = ("fr", "Les études de cas")
RESPONSES[1]["useful"] = ("ar", "دراسات الحالة")
RESPONSES[2]["useful"] = ("fr", "Les échanges")
RESPONSES[3]["useful"] = ("en", "   ")  # blank: not a comment
RESPONSES[4]["improve"] = ("en", "More time")
DATA = build(RESPONSES)


def test_scale_figures_come_from_the_tallies_with_the_finite_population_correction() -> None:
    summary = summarise(DATA)
    cq_a = summary.question("cq_a")

    answers = [5, 4, 3, 5, 4, 2, 5]
    assert cq_a.n == cq_a.scale.n == 7
    assert cq_a.scale.n_skipped == 1
    assert cq_a.scale.mean == pytest.approx(sum(answers) / 7, abs=1e-12)
    assert cq_a.scale == stats.describe_counts({**dict.fromkeys(AGREE, 0), **Counter(answers)}, 8, population=29)
    assert cq_a.scale.fpc_applied
    # Top-2-box: 4 or 5, 5 of 7, with its Wilson interval narrowed by the FPC.
    assert (cq_a.top_box.k, cq_a.top_box.n, cq_a.top_values) == (5, 7, (4, 5))
    assert cq_a.top_box == stats.share_summary(5, 7, population=29)
    assert summary.n_responses == 8
    assert summary.response_rate == pytest.approx(8 / 29)
    assert summary.withheld == {}


def test_net_promoter_score_of_the_recommendation_question() -> None:
    summary = summarise(DATA)
    nps = summary.question("recommend").nps

    # Promoters 10, 9, 10 (3); passives 8, 7 (2); detractors 6, 3, 0 (3) of 8.
    assert (nps.promoters, nps.passives, nps.detractors, nps.n) == (3, 2, 3, 8)
    assert nps.score == pytest.approx(0.0)
    assert summary.nps is summary.question("recommend")


def test_dimension_scores_use_likert_items_only_with_alpha_or_its_reason() -> None:
    summary = summarise(DATA)
    content, organisation = summary.dimensions

    assert [d.code for d in summary.dimensions] == ["content", "organisation"]  # "impact" has no item
    assert content.items == ("cq_a", "cq_b", "cq_c")  # the before/after pair is not scored
    expected = stats.dimension_summary(DATA.rows, ["cq_a", "cq_b", "cq_c"], population=29)
    assert content.summary == expected
    # The third trainee answered 2 of 3 items: scored on those two; the last answered none.
    assert content.summary.n == 7
    assert content.summary.n_unscored == 1
    assert content.summary.mean == pytest.approx((13 / 3 + 13 / 3 + 5 / 2 + 5 + 11 / 3 + 8 / 3 + 13 / 3) / 7, abs=1e-12)
    assert content.summary.alpha.n_complete == 6
    assert content.withheld == {}
    assert organisation.summary.alpha.alpha is None
    assert organisation.withheld == {"alpha": "too_few_items"}


def test_the_workbook_and_the_charts_take_the_same_dimension_scores() -> None:
    results = summarise(DATA).dimensions
    assert xlsx.dimension_scores(DATA) == {r.code: r.summary for r in results}
    means = dimension_means(results)
    assert means["content"] == (results[0].summary.mean, results[0].summary.ci_low, results[0].summary.ci_high)
    assert dimension_scale([QUESTIONNAIRE]) == (1.0, 5.0)  # the Likert items, not the 0-10 rating


def test_before_after_pairs_match_the_paired_statistics() -> None:
    (pair,) = summarise(DATA).pairs

    pairs = [(2, 4), (3, 4), (3, 3), (1, 5), (4, 3), (2, 4)]  # the seventh has no "after"
    assert pair.summary == paired.paired_summary(pairs)
    assert (pair.summary.improved, pair.summary.same, pair.summary.declined) == (4, 1, 1)
    assert pair.withheld == {"wilcoxon": "too_few_differences"}  # 5 changed pairs: under the minimum of 6
    skill = summarise(DATA).question("skill")
    assert [i.value for i in skill.items] == ["before", "after"]
    assert skill.items[0].scale.n == 7
    assert skill.items[1].scale.n == 6


def test_one_pair_withholds_the_interval_and_tests_and_says_why() -> None:
    # A programme of one response shows no pair (reports.disclosure): the statistic is asked directly.
    (pair,) = pair_results(build([{"skill:before": 2, "skill:after": 4}]))

    assert pair.summary.n == 1
    assert pair.summary.ci_low is None
    assert pair.withheld["ci"] == "too_few_answers"
    assert pair.withheld["t_test"] == pair.withheld["cohens_dz"] == "too_few_pairs"
    assert pair.withheld["wilcoxon"] == "too_few_differences"  # scipy would run it on one pair
    assert pair.summary.wilcoxon.p_value is None


def test_a_session_rated_by_fewer_than_five_is_suppressed_and_reported() -> None:
    summary = summarise(DATA)
    opening, workshop, visit = summary.question("sessions").items

    assert (opening.n, opening.suppressed) == (8, False)
    assert opening.scale.mean == pytest.approx(32 / 8)
    assert (workshop.n, workshop.suppressed, workshop.scale) == (3, True, None)
    assert workshop.withheld == {"distribution": "small_cell"}
    assert (visit.n, visit.suppressed) == (0, False)  # nobody: nothing to hide
    assert visit.withheld["mean"] == "no_answers"
    (hidden,) = summary.suppressed
    assert (hidden.where, hidden.cells, hidden.minimum) == ("sessions", ("2",), DEFAULT_MINIMUM_GROUP)


def test_a_language_breakdown_hides_small_groups_and_the_one_that_would_reveal_them() -> None:
    summary = summarise(DATA, breakdowns={"language": {"fr": 20, "ar": 3, "en": 6}})

    (languages,) = summary.breakdowns
    # 3 Arabic responses are hidden; alone they could be found as 29 - 20 - 6,
    # so the next smallest group is hidden too.
    assert languages.counts == {"fr": 20, "ar": None, "en": None}
    assert languages.hidden == ("ar", "en")
    assert ("language", ("ar", "en")) in [(s.where, s.cells) for s in summary.suppressed]
    shown = summarise(DATA, breakdowns={"language": {"fr": 20, "ar": 9}})
    assert shown.breakdowns[0].counts == {"fr": 20, "ar": 9}
    assert [s.where for s in shown.suppressed] == ["sessions"]


def test_choice_shares_of_single_and_multiple_choice() -> None:
    summary = summarise(DATA)
    again = summary.question("again")
    formats = summary.question("formats")

    assert [(c.value, c.share.k, c.share.n) for c in again.choices] == [("yes", 5, 8), ("no", 3, 8)]
    assert again.choices[0].share == stats.share_summary(5, 8, population=29)
    # Several options per response: shares of all 8 responses.
    assert [(c.value, c.share.k, c.share.n) for c in formats.choices] == [("talks", 4, 8), ("cases", 8, 8)]


def test_comments_are_grouped_by_question_then_language_without_blanks() -> None:
    groups = summarise(DATA).comments

    assert [c.question.code for c in groups] == ["useful", "improve"]
    useful = groups[0]
    # The programme's languages in order: fr, ar, en; oldest first within a language.
    assert [(g.language, g.texts) for g in useful.groups] == [
        ("fr", ("Les études de cas", "Les échanges")),
        ("ar", ("دراسات الحالة",)),
    ]
    assert useful.count == 3
    assert [(g.language, g.texts) for g in groups[1].groups] == [("en", ("More time",))]


def test_no_responses_withholds_every_figure_with_a_reason() -> None:
    summary = summarise(build([], expected=None))

    assert summary.response_rate is None
    assert summary.withheld == {"response_rate": "no_expected"}
    cq_a = summary.question("cq_a")
    assert cq_a.scale.mean is None
    assert cq_a.withheld == {"mean": "no_answers", "ci": "no_answers"}
    assert summary.question("recommend").withheld["nps"] == "no_answers"
    assert summary.question("again").withheld == {"share": "no_answers"}
    assert summary.dimensions[0].withheld["mean"] == "no_answers"
    assert summary.dimensions[0].withheld["alpha"] == "too_few_cases"
    assert summary.pairs[0].withheld["mean_diff"] == "no_answers"
    assert summary.comments == ()


def test_a_single_answer_has_a_mean_but_no_spread_or_interval() -> None:
    # Five responses (a programme of one shows nothing), four of which skipped the question.
    cq_a = summarise(build([{"cq_a": 4}, {}, {}, {}, {}])).question("cq_a")

    assert cq_a.scale.mean == 4
    assert cq_a.scale.sd is None
    assert cq_a.withheld == {"sd": "too_few_answers", "ci": "too_few_answers"}


def test_everyone_answered_so_the_interval_is_the_mean() -> None:
    cq_a = summarise(build(RESPONSES[:7], expected=7)).question("cq_a")

    assert cq_a.scale.ci_low == pytest.approx(cq_a.scale.mean)
    assert cq_a.scale.ci_high == pytest.approx(cq_a.scale.mean)


def test_comparison_puts_the_same_dimension_scores_side_by_side_with_their_n() -> None:
    other_questionnaire = replace(
        QUESTIONNAIRE,
        version=2,
        questions=tuple(q for q in QUESTIONNAIRE.questions if q.dimension != "organisation"),
    )
    dakar = build(RESPONSES[:5], expected=None, questionnaire=other_questionnaire, slug="dakar", title="Dakar")
    result = compare([DATA, dakar])

    assert [p.programme.slug for p in result.programmes] == ["niamey", "dakar"]
    assert [p.n_responses for p in result.programmes] == [8, 5]
    assert result.programmes[0].response_rate == pytest.approx(8 / 29)
    assert result.programmes[1].response_rate is None
    assert not result.same_questionnaire
    content, organisation = result.dimensions
    assert content.code == "content"
    niamey_cell, dakar_cell = content.cells
    assert niamey_cell is not None
    assert dakar_cell is not None
    own = summarise(DATA).dimensions[0].summary
    # The same scores as the programme's own report, the intervals without the FPC.
    assert niamey_cell.summary.mean == own.mean
    assert niamey_cell.summary == stats.dimension_summary(DATA.rows, ["cq_a", "cq_b", "cq_c"])
    assert own.fpc_applied
    assert not niamey_cell.summary.fpc_applied
    assert dakar_cell.summary.n == 5
    assert dakar_cell.summary == stats.dimension_summary(dakar.rows, ["cq_a", "cq_b", "cq_c"])
    assert organisation.cells[1] is None  # not in Dakar's questionnaire
    assert result.programmes[0].nps is not None
    assert result.programmes[0].nps.n == 8
    assert result.scale == (1.0, 5.0)


def test_comparison_needs_programmes() -> None:
    with pytest.raises(ValueError, match="nothing to compare"):
        compare([])


def test_summary_numbers_are_finite_or_none() -> None:
    summary = summarise(DATA)
    for question in summary.questions:
        if question.scale and question.scale.mean is not None:
            assert math.isfinite(question.scale.mean)


# Definitions a sponsor's reviewer checks (issue 16)


def test_a_matrix_n_is_the_trainees_who_rated_at_least_one_session() -> None:
    """Not the largest single session's n: 3 trainees rated only session 1,
    3 only session 2, 2 both; the question's n is 8, each row keeps its own."""
    responses = (
        [{"sessions:1": 4}] * 3 + [{"sessions:2": 3}] * 3 + [{"sessions:1": 5, "sessions:2": 2}] * 2 + [{"overall": 4}]
    )
    summary = summarise(build(responses))
    question = summary.question("sessions")
    assert question.n == 8
    assert [item.n for item in question.items] == [5, 5, 0]
    assert max(item.n for item in question.items) < question.n


def test_answers_off_the_scale_are_counted_not_silently_dropped() -> None:
    """A 7 on a 1..5 scale (stored before the kinds refused it): out of every
    figure, counted, so answered + out of range + skipped = responses, as the CSV shows."""
    data = build([{"overall": 4}, {"overall": 5}, {"overall": 7}, {"overall": 0}, {}, {"sessions:1": 9}] * 1)
    summary = summarise(replace(data, programme=replace(data.programme, minimum_group_size=3)))
    overall = summary.question("overall")
    assert overall.n == 2
    assert overall.n_out_of_range == 2
    assert overall.scale is not None
    assert overall.scale.mean == 4.5
    assert overall.n + overall.n_out_of_range + overall.scale.n_skipped == 6
    sessions = summary.question("sessions")
    assert sessions.n_out_of_range == 1
    assert sessions.items[0].n_out_of_range == 1


def test_a_response_rate_over_100_percent_is_warned() -> None:
    over = summarise(build(RESPONSES, expected=4))
    assert over.response_rate == pytest.approx(2.0)
    assert over.warnings == ("response_rate_over_100",)
    assert summarise(DATA).warnings == ()


def test_a_census_is_marked_in_the_comparison_and_its_interval_kept() -> None:
    """Side by side, a programme where everyone answered no longer shows a
    zero-width interval beside a wide one: it is marked as a census."""
    census = build(RESPONSES, expected=len(RESPONSES), slug="census", title="Census")
    own = summarise(census).dimensions[0].summary
    assert own.ci_low is not None
    assert own.ci_high is not None
    result = compare([DATA, census])
    assert [p.census for p in result.programmes] == [False, True]
    assert not result.fpc_applied
    cell = result.dimensions[0].cells[1]
    assert cell is not None
    assert cell.summary.ci_low is not None
    assert cell.summary.ci_high is not None
    assert cell.summary.ci_high - cell.summary.ci_low > 0.1
    # Its own report narrows it by sqrt(1 - n/N): 7 scored of 8 expected.
    ratio = (own.ci_high - own.ci_low) / (cell.summary.ci_high - cell.summary.ci_low)
    assert ratio == pytest.approx(math.sqrt(1 - 7 / 8))


def test_the_nps_carries_its_interval() -> None:
    nps = summarise(DATA).nps
    assert nps is not None
    assert nps.nps is not None
    assert nps.nps.ci_low is not None
    assert nps.nps.ci_low <= nps.nps.score <= nps.nps.ci_high
