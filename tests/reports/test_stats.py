"""Oracle tests: each statistic of reports.stats against an independent
computation (scipy, numpy, a textbook formula or a published example)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from reports.distributions import f_cdf, f_ppf
from reports.stats import (
    cronbach_alpha,
    describe_counts,
    dimension_summary,
    feldt_interval,
    net_promoter,
    respondent_scores,
    response_rate,
    share_summary,
    suppress_small_cells,
    top_box,
    wilson_interval,
)

CLOSE = 1e-9

#: A 29-trainee cohort's answers to one 1..5 Likert question, as GROUP BY gives them.
COHORT = {1: 2, 2: 3, 3: 5, 4: 10, 5: 9}


def expand(counts: Mapping[float, int]) -> list[float]:
    return [float(value) for value, count in counts.items() for _ in range(count)]


def scipy_interval(values: Sequence[float], confidence: float, population: int | None = None) -> tuple[float, float]:
    """The t interval for the mean by scipy, with Cochran's finite-population
    correction sqrt(1 - n/N), the one that goes with the sample variance."""
    n = len(values)
    scale = stats.sem(values)
    if population is not None and n <= population:
        scale *= math.sqrt(1 - n / population)
    low, high = stats.t.interval(confidence, n - 1, loc=np.mean(values), scale=scale)
    return float(low), float(high)


# describe_counts


@pytest.mark.parametrize("population", [None, 31, 40, 120])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_describe_counts_of_the_cohort_matches_scipy(population: int | None, confidence: float) -> None:
    values = expand(COHORT)
    summary = describe_counts(COHORT, n_responses=31, population=population, confidence=confidence)
    assert summary.n == 29
    assert summary.n_skipped == 2
    assert summary.mean == pytest.approx(np.mean(values), rel=CLOSE)
    assert summary.median == np.median(values)
    assert summary.sd == pytest.approx(stats.tstd(values), rel=CLOSE)
    low, high = scipy_interval(values, confidence, population)
    assert summary.ci_low == pytest.approx(low, rel=CLOSE)
    assert summary.ci_high == pytest.approx(high, rel=CLOSE)
    assert summary.fpc_applied is (population is not None)
    assert summary.confidence == confidence


def test_describe_counts_distribution_and_shares_are_in_value_order() -> None:
    summary = describe_counts({5: 9, 3: 0, 1: 2, 4: 10, 2: 3}, n_responses=29)
    assert list(summary.distribution.items()) == [(1, 2), (2, 3), (3, 0), (4, 10), (5, 9)]
    assert list(summary.shares) == [1, 2, 3, 4, 5]
    assert summary.shares[3] == 0.0
    assert summary.shares[4] == pytest.approx(10 / 24, rel=CLOSE)
    assert math.fsum(summary.shares.values()) == pytest.approx(1.0, rel=CLOSE)


def test_a_census_collapses_the_interval_to_the_mean() -> None:
    summary = describe_counts(COHORT, n_responses=29, population=29)
    assert summary.fpc_applied
    assert summary.ci_low == summary.ci_high == summary.mean
    assert summary.sd == pytest.approx(stats.tstd(expand(COHORT)), rel=CLOSE)


def test_the_correction_narrows_the_interval_by_its_factor() -> None:
    plain = describe_counts(COHORT, n_responses=29)
    corrected = describe_counts(COHORT, n_responses=29, population=32)
    assert plain.ci_low is not None
    assert plain.ci_high is not None
    assert corrected.ci_low is not None
    assert corrected.ci_high is not None
    ratio = (corrected.ci_high - corrected.ci_low) / (plain.ci_high - plain.ci_low)
    assert ratio == pytest.approx(math.sqrt(1 - 29 / 32), rel=CLOSE)  # Cochran, not sqrt((N - n) / (N - 1))


def test_more_answers_than_the_population_means_no_correction() -> None:
    summary = describe_counts(COHORT, n_responses=29, population=25)
    assert not summary.fpc_applied
    low, high = scipy_interval(expand(COHORT), 0.95)
    assert (summary.ci_low, summary.ci_high) == (pytest.approx(low, rel=CLOSE), pytest.approx(high, rel=CLOSE))


def test_a_single_respondent_has_a_mean_but_no_spread() -> None:
    summary = describe_counts({1: 0, 4: 1, 5: 0}, n_responses=1, population=29)
    assert (summary.n, summary.mean, summary.median) == (1, 4.0, 4.0)
    assert summary.sd is None
    assert summary.ci_low is None
    assert summary.ci_high is None
    assert not summary.fpc_applied


def test_nobody_answered() -> None:
    summary = describe_counts({1: 0, 2: 0}, n_responses=5)
    assert (summary.n, summary.n_skipped) == (0, 5)
    assert summary.mean is None
    assert summary.median is None
    assert summary.sd is None
    assert summary.ci_low is None
    assert summary.shares == {}
    assert summary.distribution == {1: 0, 2: 0}


def test_all_equal_answers_have_zero_spread() -> None:
    summary = describe_counts({3: 0, 4: 12}, n_responses=12)
    assert summary.sd == np.std([4.0] * 12, ddof=1) == 0.0  # scipy's tstd warns on equal data
    assert summary.ci_low == summary.ci_high == 4.0


def test_even_n_median_is_the_midpoint() -> None:
    summary = describe_counts({2: 3, 3: 1, 4: 1, 5: 3}, n_responses=8)
    assert summary.median == np.median(expand({2: 3, 3: 1, 4: 1, 5: 3})) == 3.5


def test_half_points_are_fine() -> None:
    counts = {0.5: 2, 1.5: 3, 2.5: 4}
    summary = describe_counts(counts, n_responses=9)
    assert summary.mean == pytest.approx(np.mean(expand(counts)), rel=CLOSE)
    assert summary.sd == pytest.approx(stats.tstd(expand(counts)), rel=CLOSE)


@pytest.mark.parametrize(
    ("counts", "n_responses", "population", "confidence", "message"),
    [
        ({1: -1}, 3, None, 0.95, "negative"),
        ({1: 4}, 3, None, 0.95, "responses"),
        ({1: 2, 2: 1}, 3, 0, 0.95, "population"),
        ({1: 2}, 3, None, 1.0, "confidence"),
        ({1: 2}, 3, None, 0.0, "confidence"),
    ],
)
def test_describe_counts_rejects_bad_input(
    counts: dict[int, int], n_responses: int, population: int | None, confidence: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        describe_counts(counts, n_responses, population, confidence)


scale_counts = st.dictionaries(
    st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=40), max_size=11
)


@given(counts=scale_counts, extra=st.integers(min_value=0, max_value=5), missing=st.integers(min_value=0, max_value=20))
def test_describe_counts_equals_scipy_on_the_expanded_answers(counts: dict[int, int], extra: int, missing: int) -> None:
    values = expand(counts)
    n = len(values)
    population = max(n + missing, 1)
    summary = describe_counts(counts, n_responses=n + extra, population=population)
    assert summary.n == n
    assert summary.n_skipped == extra
    if n == 0:
        assert summary.mean is None
        return
    assert summary.mean == pytest.approx(np.mean(values), rel=CLOSE)
    assert summary.median == pytest.approx(np.median(values), rel=CLOSE)
    if n < 2:
        assert summary.sd is None
        assert summary.ci_low is None
        return
    oracle_sd = stats.tstd(values) if len(set(values)) > 1 else np.std(values, ddof=1)
    assert summary.sd == pytest.approx(oracle_sd, rel=CLOSE, abs=1e-12)
    assert summary.ci_low is not None
    assert summary.ci_high is not None
    # The interval holds the mean, and within the population it is never wider than without.
    assert summary.ci_low <= summary.mean <= summary.ci_high
    if population == n:
        assert summary.ci_low == summary.ci_high == summary.mean
    elif summary.sd > 0:
        low, high = scipy_interval(values, 0.95, population)
        assert summary.ci_low == pytest.approx(low, rel=CLOSE)
        assert summary.ci_high == pytest.approx(high, rel=CLOSE)
        plain = describe_counts(counts, n_responses=n)
        assert plain.ci_low is not None
        assert plain.ci_high is not None
        assert summary.ci_high - summary.ci_low <= plain.ci_high - plain.ci_low


# Wilson intervals and top-box shares


def textbook_wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (0, 20), (1, 29), (7, 29), (15, 29), (28, 29), (29, 29), (81, 263)]
)
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_the_textbook_formula(k: int, n: int, confidence: float) -> None:
    interval = wilson_interval(k, n, confidence)
    assert interval is not None
    low, high = textbook_wilson(k, n, confidence)
    assert interval[0] == pytest.approx(low, rel=CLOSE, abs=1e-15)
    assert interval[1] == pytest.approx(high, rel=CLOSE, abs=1e-15)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, score method.
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_matches_the_published_worked_examples(k: int, n: int, low: float, high: float) -> None:
    assert wilson_interval(k, n) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


@pytest.mark.parametrize(("k", "n", "population"), [(3, 24, 29), (12, 24, 29), (24, 24, 29), (0, 10, 200), (5, 27, 30)])
def test_wilson_with_the_correction_solves_the_corrected_score_equation(k: int, n: int, population: int) -> None:
    interval = wilson_interval(k, n, 0.95, population)
    assert interval is not None
    z2 = stats.norm.ppf(0.975) ** 2 * (1 - n / population)
    p_hat = k / n

    def score(p: float) -> float:
        return (p_hat - p) ** 2 - z2 * p * (1 - p) / n

    # p_hat itself is a root only when it is 0 or 1; step off it to bracket the other.
    low = 0.0 if k == 0 else optimize.brentq(score, 0.0, min(p_hat, 1 - 1e-12), xtol=1e-15)
    high = 1.0 if k == n else optimize.brentq(score, max(p_hat, 1e-12), 1.0, xtol=1e-15)
    assert interval == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))


def test_wilson_for_a_census_is_the_share_itself() -> None:
    assert wilson_interval(7, 29, population=29) == (pytest.approx(7 / 29, rel=1e-15), pytest.approx(7 / 29, rel=1e-15))


def test_wilson_of_nothing_is_none_and_bad_counts_fail() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(-1, 4)
    with pytest.raises(ValueError, match="population"):
        wilson_interval(3, 4, population=0)
    with pytest.raises(ValueError, match="population"):
        dimension_summary(ROWS, ITEMS, population=-29)


@given(n=st.integers(min_value=1, max_value=500), data=st.data())
def test_wilson_holds_the_share_and_stays_in_the_unit_interval(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    population = data.draw(st.one_of(st.none(), st.integers(min_value=n, max_value=2 * n + 5)))
    interval = wilson_interval(k, n, 0.95, population)
    assert interval is not None
    low, high = interval
    assert 0.0 <= low <= k / n <= high <= 1.0
    plain = wilson_interval(k, n)
    assert plain is not None
    assert high - low <= plain[1] - plain[0] + 1e-15


def test_top_two_box_of_the_cohort() -> None:
    summary = top_box(COHORT, {4, 5})
    assert (summary.k, summary.n) == (19, 29)
    assert summary.share == pytest.approx(19 / 29, rel=CLOSE)
    low, high = textbook_wilson(19, 29, 0.95)
    assert summary.ci_low == pytest.approx(low, rel=CLOSE)
    assert summary.ci_high == pytest.approx(high, rel=CLOSE)
    assert not summary.fpc_applied


def test_top_box_with_the_population_and_without_answers() -> None:
    assert top_box(COHORT, {4, 5}, population=29).ci_low == pytest.approx(19 / 29, rel=1e-15)
    assert top_box(COHORT, {4, 5}, population=29).fpc_applied
    empty = top_box({4: 0, 5: 0}, {4, 5})
    assert (empty.k, empty.n, empty.share, empty.ci_low, empty.ci_high) == (0, 0, None, None, None)
    assert share_summary(0, 0).share is None


# Respondent scores, dimensions and Cronbach's alpha

ITEMS = ("q1", "q2", "q3", "q4")
#: 29 respondents x 4 items on 1..5; some rows miss items.
RAW = [
    (4, 5, 4, 4), (3, 3, 4, 3), (5, 5, 5, 4), (2, 3, 2, 3), (4, 4, 5, 5), (3, 4, 3, 3),
    (5, 4, 5, 5), (4, 4, 4, 3), (1, 2, 2, 1), (4, 5, 5, 4), (3, 3, 3, 4), (5, 5, 4, 5),
    (4, 3, 4, 4), (2, 2, 3, 2), (4, 4, 4, 5), (5, 5, 5, 5), (3, 4, 4, 3), (4, 4, 3, 4),
    (None, 4, 5, 4), (3, None, None, 2), (5, 4, None, 5), (None, None, None, 4), (4, 5, 4, None),
    (2, 3, 3, 3), (4, 4, 5, 4), (3, 3, 2, 3), (5, 5, 5, 4), (4, 3, 4, 4), (None, None, None, None),
]  # fmt: skip
ROWS = [{item: float(v) for item, v in zip(ITEMS, raw, strict=True) if v is not None} for raw in RAW]


def matrix(rows: Sequence[Mapping[str, float]], items: Sequence[str]) -> np.ndarray:
    return np.array([[row.get(item, np.nan) for item in items] for row in rows], dtype=float)


def alpha_from_covariances(data: np.ndarray) -> float:
    """alpha = k^2 * (mean inter-item covariance) / (sum of the covariance matrix)."""
    complete = data[~np.isnan(data).any(axis=1)]
    cov = np.cov(complete, rowvar=False, ddof=1)
    k = cov.shape[0]
    off_diagonal = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    return float(k * k * off_diagonal / cov.sum())


def test_respondent_scores_need_half_the_items_by_default() -> None:
    scores = respondent_scores(ROWS, ITEMS)
    data = matrix(ROWS, ITEMS)
    answered = (~np.isnan(data)).sum(axis=1)
    expected = np.nanmean(data[answered >= 2], axis=1)
    assert len(scores) == 27  # one row answered one item, one row none
    assert scores == pytest.approx(list(expected), rel=CLOSE)


@pytest.mark.parametrize(("items", "default"), [(("q1",), 1), (("q1", "q2", "q3"), 2), (ITEMS, 2)])
def test_the_default_minimum_is_half_rounded_up(items: tuple[str, ...], default: int) -> None:
    assert dimension_summary(ROWS, items).min_items == default


def test_respondent_scores_with_a_stricter_minimum_and_nan_as_missing() -> None:
    rows = [{"a": 1.0, "b": math.nan, "c": 3.0}, {"a": 2.0, "b": 4.0, "c": 3.0}, {"c": 5.0}]
    assert respondent_scores(rows, ["a", "b", "c"], min_items=3) == [3.0]
    assert respondent_scores(rows, ["a", "b", "c"], min_items=1) == [2.0, 3.0, 5.0]


@pytest.mark.parametrize(("items", "min_items"), [((), None), (("a", "a"), None), (("a", "b"), 0), (("a", "b"), 3)])
def test_respondent_scores_reject_bad_items(items: tuple[str, ...], min_items: int | None) -> None:
    with pytest.raises(ValueError, match="items"):
        respondent_scores(ROWS, items, min_items)


@pytest.mark.parametrize("population", [None, 29, 35])
def test_dimension_summary_matches_scipy(population: int | None) -> None:
    summary = dimension_summary(ROWS, ITEMS, population=population)
    data = matrix(ROWS, ITEMS)
    scores = np.nanmean(data[(~np.isnan(data)).sum(axis=1) >= 2], axis=1)
    assert (summary.n, summary.n_unscored, summary.k_items) == (27, 2, 4)
    assert summary.mean == pytest.approx(scores.mean(), rel=CLOSE)
    assert summary.median == pytest.approx(np.median(scores), rel=CLOSE)
    assert summary.sd == pytest.approx(stats.tstd(scores), rel=CLOSE)
    low, high = scipy_interval(list(scores), 0.95, population)
    assert summary.ci_low == pytest.approx(low, rel=CLOSE)
    assert summary.ci_high == pytest.approx(high, rel=CLOSE)
    assert summary.fpc_applied is (population is not None)
    assert summary.alpha == cronbach_alpha(ROWS, ITEMS)


def test_dimension_summary_of_one_scored_respondent() -> None:
    summary = dimension_summary([{"a": 4.0, "b": 5.0, "c": 3.0}, {"a": 2.0}], ["a", "b", "c"])
    assert (summary.n, summary.n_unscored, summary.mean, summary.sd, summary.ci_low) == (1, 1, 4.0, None, None)
    assert summary.alpha.reason == "too_few_cases"


def test_cronbach_alpha_of_the_cohort_uses_complete_rows_only() -> None:
    result = cronbach_alpha(ROWS, ITEMS)
    assert (result.n_complete, result.k_items, result.reason) == (23, 4, None)
    assert result.alpha == pytest.approx(alpha_from_covariances(matrix(ROWS, ITEMS)), rel=CLOSE)


def feldt_by_scipy(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    gamma = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (
        1 - (1 - alpha) * stats.f.ppf(1 - gamma / 2, df1, df2),
        1 - (1 - alpha) * stats.f.ppf(gamma / 2, df1, df2),
    )


@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_cronbach_alpha_has_feldts_interval(confidence: float) -> None:
    result = cronbach_alpha(ROWS, ITEMS, confidence)
    assert result.alpha is not None
    low, high = feldt_by_scipy(result.alpha, result.n_complete, result.k_items, confidence)
    assert result.ci_low == pytest.approx(low, rel=1e-9)
    assert result.ci_high == pytest.approx(high, rel=1e-9)


@pytest.mark.parametrize(("n", "k"), [(4, 3), (5, 4), (12, 3), (30, 4), (167, 5)])
def test_feldt_interval_matches_scipy_and_is_not_plus_or_minus_a_tenth(n: int, k: int) -> None:
    low, high = feldt_interval(0.8, n, k)
    expected = feldt_by_scipy(0.8, n, k, 0.95)
    assert (low, high) == (pytest.approx(expected[0], rel=1e-9), pytest.approx(expected[1], rel=1e-9))
    if n <= 30:
        assert high - low > 0.2  # "about +-0.1" understated it at every n a programme has


@pytest.mark.parametrize(("p", "df1", "df2"), [(0.025, 3, 6), (0.975, 29, 87), (0.5, 1, 1), (0.999, 166, 664)])
def test_f_distribution_matches_scipy(p: float, df1: int, df2: int) -> None:
    x = f_ppf(p, df1, df2)
    assert x == pytest.approx(stats.f.ppf(p, df1, df2), rel=1e-10)
    assert f_cdf(x, df1, df2) == pytest.approx(p, rel=1e-10)


def test_cronbach_alpha_can_be_negative() -> None:
    rows = [{"a": a, "b": b, "c": c} for a, b, c in [(1, 5, 3), (5, 1, 3), (2, 4, 3.5), (4, 2, 2.5)]]
    result = cronbach_alpha(rows, ["a", "b", "c"])
    assert result.alpha is not None
    assert result.alpha < 0
    assert result.alpha == pytest.approx(alpha_from_covariances(matrix(rows, ["a", "b", "c"])), rel=CLOSE)


@pytest.mark.parametrize(
    ("rows", "items", "reason", "n_complete"),
    [
        (ROWS, ITEMS[:2], "too_few_items", 25),
        ([*ROWS[:2], {"q1": 1.0}], ITEMS, "too_few_cases", 2),
        ([{"a": 3.0, "b": 3.0, "c": 3.0}] * 5, ["a", "b", "c"], "zero_variance", 5),
        ([{"a": 1.0, "b": 5.0, "c": 3.0}, {"a": 5.0, "b": 1.0, "c": 3.0}, {"a": 3.0, "b": 3.0, "c": 3.0}],
         "abc", "zero_variance", 3),
    ],
)  # fmt: skip
def test_cronbach_alpha_says_why_it_is_withheld(
    rows: list[dict[str, float]], items: Sequence[str], reason: str, n_complete: int
) -> None:
    result = cronbach_alpha(rows, items)
    assert result.alpha is None
    assert result.reason == reason
    assert result.n_complete == n_complete
    assert result.k_items == len(items)


@given(
    data=st.lists(st.lists(st.integers(min_value=1, max_value=5), min_size=4, max_size=4), min_size=3, max_size=40).map(
        lambda rows: np.array(rows, dtype=float)
    )
)
def test_cronbach_alpha_equals_the_covariance_form(data: np.ndarray) -> None:
    rows = [dict(zip(ITEMS, map(float, row), strict=True)) for row in data]
    result = cronbach_alpha(rows, ITEMS)
    if np.var(data.sum(axis=1)) == 0:
        assert result.reason == "zero_variance"
    else:
        assert result.alpha == pytest.approx(alpha_from_covariances(data), rel=CLOSE, abs=1e-12)


# Net promoter score


def test_net_promoter_against_a_direct_count() -> None:
    counts = {0: 1, 3: 2, 6: 2, 7: 3, 8: 6, 9: 4, 10: 5}
    answers = expand(counts)
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    summary = net_promoter(counts)
    assert (summary.n, summary.promoters, summary.passives, summary.detractors) == (23, 9, 9, 5)
    assert summary.score == pytest.approx(100 * (promoters - detractors) / len(answers), rel=CLOSE)
    assert summary.promoter_share == pytest.approx(9 / 23, rel=CLOSE)
    assert summary.passive_share == pytest.approx(9 / 23, rel=CLOSE)
    assert summary.detractor_share == pytest.approx(5 / 23, rel=CLOSE)


def test_net_promoter_bounds_and_empty() -> None:
    assert net_promoter({10: 4}).score == 100.0
    assert net_promoter({0: 2, 6: 1}).score == -100.0
    empty = net_promoter({9: 0})
    assert (empty.n, empty.score, empty.promoter_share) == (0, None, None)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("population", [None, 40])
def test_net_promoter_interval_is_wald_for_a_difference_of_shares(seed: int, population: int | None) -> None:
    """Each answer scores +1, 0 or -1; the NPS is 100 x their mean and its
    variance the population variance of those scores over n (numpy as the oracle)."""
    rng = np.random.default_rng(seed)
    answers = rng.integers(0, 11, size=int(rng.integers(5, 35)))
    counts = {int(v): int((answers == v).sum()) for v in set(answers.tolist())}
    summary = net_promoter(counts, 0.95, population)
    scores = np.where(answers >= 9, 1.0, np.where(answers <= 6, -1.0, 0.0))
    n = len(answers)
    if len(set(scores.tolist())) == 1:
        assert summary.ci_low is None
        return
    half = 100 * stats.norm.ppf(0.975) * np.sqrt(np.var(scores, ddof=0) / n)
    if population is not None:
        half *= math.sqrt(1 - n / population)
    assert summary.score == pytest.approx(100 * scores.mean(), rel=CLOSE)
    assert summary.ci_low == pytest.approx(max(-100, 100 * scores.mean() - half), rel=CLOSE, abs=1e-9)
    assert summary.ci_high == pytest.approx(min(100, 100 * scores.mean() + half), rel=CLOSE, abs=1e-9)
    assert summary.fpc_applied is (population is not None)


def test_net_promoter_near_thirty_is_wide() -> None:
    """The issue's reading: about +-35 points at n = 30."""
    summary = net_promoter({3: 6, 7: 8, 8: 4, 9: 6, 10: 6})
    assert summary.n == 30
    assert summary.ci_low is not None
    assert summary.ci_high is not None
    assert 25 < (summary.ci_high - summary.ci_low) / 2 < 40


@pytest.mark.parametrize("counts", [{10: 4}, {0: 3}, {8: 5}, {9: 1}])
def test_net_promoter_of_one_group_or_one_answer_has_no_interval(counts: dict[int, int]) -> None:
    summary = net_promoter(counts)
    assert summary.score is not None
    assert (summary.ci_low, summary.ci_high) == (None, None)


@pytest.mark.parametrize("counts", [{11: 1}, {-1: 1}, {9.5: 1}, {9: -1}])
def test_net_promoter_rejects_values_off_the_scale(counts: dict[Any, int]) -> None:
    with pytest.raises(ValueError, match=r"NPS|negative"):
        net_promoter(counts)


# Small-cell suppression and response rate


def test_a_single_small_cell_is_hidden_with_a_complement() -> None:
    result = suppress_small_cells({"Niger": 12, "Mali": 3, "Chad": 0, "Burkina Faso": 14})
    assert result.counts == {"Niger": None, "Mali": None, "Chad": 0, "Burkina Faso": 14}
    assert result.hidden == {"Mali", "Niger"}
    assert result.complementary == {"Niger"}
    assert result.n_hidden == 2
    assert result.minimum == 5


def test_two_small_cells_need_no_complement() -> None:
    result = suppress_small_cells({"a": 1, "b": 4, "c": 5, "d": 19})
    assert result.counts == {"a": None, "b": None, "c": 5, "d": 19}
    assert result.complementary == frozenset()
    assert result.n_hidden == 2


def test_nothing_to_hide_and_a_custom_minimum() -> None:
    assert suppress_small_cells({"a": 5, "b": 0, "c": 24}).n_hidden == 0
    result = suppress_small_cells({"a": 9, "b": 12, "c": 10}, minimum=10)
    assert result.counts == {"a": None, "b": 12, "c": None}
    assert result.complementary == {"c"}  # the smaller of the two others
    with pytest.raises(ValueError, match="minimum"):
        suppress_small_cells({"a": 1}, minimum=0)
    with pytest.raises(ValueError, match="negative"):
        suppress_small_cells({"a": -1})


@given(st.dictionaries(st.text(max_size=3), st.integers(min_value=0, max_value=30), max_size=8))
def test_no_published_cell_is_small_and_no_lone_hidden_cell_is_recoverable(counts: dict[str, int]) -> None:
    result = suppress_small_cells(counts)
    assert set(result.counts) == set(counts)
    for key, shown in result.counts.items():
        assert shown is None or shown == counts[key]
        assert shown is None or not 0 < shown < 5
        assert (shown is None) is (key in result.hidden)
    small = [key for key, count in counts.items() if 0 < count < 5]
    others = [key for key, count in counts.items() if count >= 5]
    if len(small) == 1 and others:
        assert result.n_hidden == 2
    assert result.n_hidden == len(result.hidden)


def test_response_rate() -> None:
    assert response_rate(24, 29) == pytest.approx(24 / 29, rel=CLOSE)
    assert response_rate(31, 29) == pytest.approx(31 / 29, rel=CLOSE)
    assert response_rate(3, None) is None
    assert response_rate(3, 0) is None
    with pytest.raises(ValueError, match="negative"):
        response_rate(-1, 29)


# Edge cases a reviewer tries first (issue 16): n = 1, 4, 5, all equal, census


@pytest.mark.parametrize(
    "values", [[4], [2, 5, 3, 4], [1, 2, 2, 5, 4], [3, 3, 3, 3, 3]], ids=["n1", "n4", "n5", "equal"]
)
@pytest.mark.parametrize("population", [None, 5, 30])
def test_small_samples_match_scipy(values: list[int], population: int | None) -> None:
    counts = {v: values.count(v) for v in set(values)}
    summary = describe_counts(counts, n_responses=len(values), population=population)
    assert summary.mean == pytest.approx(np.mean(values), rel=CLOSE)
    assert summary.median == np.median(values)
    if len(values) < 2:
        assert (summary.sd, summary.ci_low, summary.ci_high) == (None, None, None)
        return
    assert summary.sd == pytest.approx(np.std(values, ddof=1), rel=CLOSE, abs=1e-15)
    if len(set(values)) == 1:
        assert summary.ci_low == summary.ci_high == values[0]
        return
    if population == len(values):  # a census: the cohort's mean itself
        assert summary.ci_low == pytest.approx(summary.mean, rel=CLOSE)
        assert summary.ci_high == pytest.approx(summary.mean, rel=CLOSE)
        return
    low, high = scipy_interval(values, 0.95, population if population and population >= len(values) else None)
    assert summary.ci_low == pytest.approx(low, rel=CLOSE)
    assert summary.ci_high == pytest.approx(high, rel=CLOSE)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (2, 4), (4, 4), (3, 5)])
def test_small_shares_match_statsmodels_wilson_formula(k: int, n: int) -> None:
    """Wilson's interval as statsmodels' proportion_confint(method="wilson") computes it."""
    z = stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = wilson_interval(k, n) or (None, None)
    assert low == pytest.approx(max(0.0, centre - half), abs=1e-12)
    assert high == pytest.approx(min(1.0, centre + half), abs=1e-12)
    assert wilson_interval(k, n, population=n) == (pytest.approx(p), pytest.approx(p))  # census
