"""Before/after statistics of reports.paired against scipy.stats.ttest_rel and
scipy.stats.wilcoxon (default arguments) on fixed datasets and random ones."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from reports.paired import WILCOXON_MIN_NONZERO, paired_summary, pairs_from_rows, signed_rank_test

CLOSE = 1e-9

# (before, after) self-ratings. Each dataset is named after the p-value method
# scipy's wilcoxon picks for it by default.
DISTINCT_10 = [(2.1, 3.4), (3.0, 3.2), (1.5, 3.3), (4.2, 3.8), (2.8, 3.9),
               (3.3, 3.0), (2.0, 3.9), (3.1, 5.1), (2.6, 4.0), (3.9, 4.4)]  # fmt: skip
DISTINCT_20 = [(float(i), i + (-1) ** i * (0.13 * i + 0.05) + 0.4) for i in range(20)]
#: 29 trainees, 1..5 Likert "then" and "now": ties and zero differences, so normal approximation.
COHORT_29 = list(
    zip(
        [2, 3, 3, 2, 4, 1, 3, 2, 3, 4, 2, 3, 5, 2, 3, 3, 4, 2, 1, 3, 4, 2, 3, 3, 2, 4, 3, 2, 3],
        [4, 4, 3, 3, 5, 3, 4, 4, 3, 4, 3, 4, 5, 2, 4, 5, 4, 4, 2, 3, 5, 3, 2, 4, 4, 4, 4, 3, 5],
        strict=True,
    )
)
TIES_AND_ZEROS_12 = COHORT_29[:12]
TIES_13 = [(1, 2), (2, 3), (3, 5), (2, 4), (1, 4), (3, 2), (2, 5), (1, 3), (4, 5), (2, 4), (3, 4), (1, 2), (2, 1)]
TIES_14 = [*TIES_13, (3, 5)]
ZEROS_NO_TIES_8 = [(1.0, 2.0), (2.0, 2.0), (3.0, 0.5), (1.0, 4.0), (2.0, 6.0), (4.0, 4.0), (1.0, 6.5), (0.0, 6.0)]
#: 60 distinct non-zero differences: more than 50, so normal approximation.
DISTINCT_60 = [(float(i), i + ((50 * i) % 61 - 30.25) / 10) for i in range(60)]

DATASETS = {
    "exact-10": (DISTINCT_10, "exact"),
    "exact-20": (DISTINCT_20, "exact"),
    "normal-cohort-29": (COHORT_29, "normal"),
    "permutation-ties-zeros-12": (TIES_AND_ZEROS_12, "permutation"),
    "permutation-ties-13": (TIES_13, "permutation"),
    "normal-ties-14": (TIES_14, "normal"),
    "permutation-zeros-8": (ZEROS_NO_TIES_8, "permutation"),
    "normal-60": (DISTINCT_60, "normal"),
}


def rank_biserial(diffs: np.ndarray) -> float:
    """Kerby's simple difference with unchanged pairs ranked (Pratt) and split half to each side."""
    ranks = stats.rankdata(np.abs(diffs))
    plus, minus = ranks[diffs > 0].sum(), ranks[diffs < 0].sum()
    return float((plus - minus) / ranks.sum())


@pytest.mark.parametrize(("pairs", "method"), DATASETS.values(), ids=DATASETS.keys())
def test_paired_summary_matches_scipy(pairs: list[tuple[float, float]], method: str) -> None:
    before = np.array([b for b, _ in pairs], dtype=float)
    after = np.array([a for _, a in pairs], dtype=float)
    diffs = after - before
    summary = paired_summary(pairs)

    assert summary.n == len(pairs)
    assert summary.mean_before == pytest.approx(before.mean(), rel=CLOSE)
    assert summary.mean_after == pytest.approx(after.mean(), rel=CLOSE)
    assert summary.mean_diff == pytest.approx(diffs.mean(), rel=CLOSE)
    assert summary.sd_diff == pytest.approx(stats.tstd(diffs), rel=CLOSE)
    low, high = stats.t.interval(0.95, len(diffs) - 1, loc=diffs.mean(), scale=stats.sem(diffs))
    assert summary.ci_low == pytest.approx(low, rel=CLOSE)
    assert summary.ci_high == pytest.approx(high, rel=CLOSE)

    assert (summary.improved, summary.same, summary.declined) == (
        int((diffs > 0).sum()),
        int((diffs == 0).sum()),
        int((diffs < 0).sum()),
    )
    assert summary.improved_share == pytest.approx((diffs > 0).mean(), rel=CLOSE)
    assert summary.same_share == pytest.approx((diffs == 0).mean(), rel=CLOSE, abs=0)
    assert summary.declined_share == pytest.approx((diffs < 0).mean(), rel=CLOSE, abs=0)

    t_test = stats.ttest_rel(after, before)
    assert summary.t_test.reason is None
    assert summary.t_test.t == pytest.approx(t_test.statistic, rel=CLOSE)
    assert summary.t_test.df == t_test.df
    assert summary.t_test.p_value == pytest.approx(t_test.pvalue, rel=CLOSE)
    assert summary.cohens_dz == pytest.approx(diffs.mean() / np.std(diffs, ddof=1), rel=CLOSE)

    wilcoxon = stats.wilcoxon(diffs)
    assert summary.wilcoxon.method == method
    assert summary.wilcoxon.statistic == pytest.approx(wilcoxon.statistic, rel=CLOSE)
    assert summary.wilcoxon.p_value == pytest.approx(wilcoxon.pvalue, rel=CLOSE)
    assert summary.wilcoxon.n_nonzero == int((diffs != 0).sum())
    assert summary.rank_biserial == pytest.approx(rank_biserial(diffs), rel=CLOSE)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.99])
@pytest.mark.parametrize("pairs", [DISTINCT_10, COHORT_29], ids=["distinct-10", "cohort-29"])
def test_the_interval_of_the_mean_difference_at_other_levels(
    pairs: list[tuple[float, float]], confidence: float
) -> None:
    diffs = np.array([a - b for b, a in pairs], dtype=float)
    summary = paired_summary(pairs, confidence)
    low, high = stats.t.interval(confidence, len(diffs) - 1, loc=diffs.mean(), scale=stats.sem(diffs))
    assert summary.confidence == confidence
    assert summary.ci_low == pytest.approx(low, rel=CLOSE)
    assert summary.ci_high == pytest.approx(high, rel=CLOSE)


def test_the_cohort_reads_as_a_report_would() -> None:
    summary = paired_summary(COHORT_29)
    assert (summary.improved, summary.same, summary.declined) == (20, 8, 1)
    assert summary.t_test.p_value is not None
    assert summary.t_test.p_value < 0.001
    assert summary.rank_biserial is not None
    assert 0.8 < summary.rank_biserial < 0.9  # 8 of 29 unchanged pull it from 0.95 (zeros dropped)


@pytest.mark.parametrize(("n", "unchanged"), [(30, 7), (27, 6), (23, 5)])
def test_unchanged_trainees_keep_the_rank_biserial_below_one(n: int, unchanged: int) -> None:
    """The demo's case: everyone who changed improved, 22-26% did not change.
    Dropping the zeros said r = 1.00; counted, r = 1 - z(z + 1) / (n(n + 1))."""
    pairs = [(3.0, 3.0)] * unchanged + [(2.0, 4.0)] * (n - unchanged)
    summary = paired_summary(pairs)
    assert summary.rank_biserial == pytest.approx(1 - unchanged * (unchanged + 1) / (n * (n + 1)), rel=CLOSE)
    assert 0.93 <= summary.rank_biserial <= 0.95
    assert summary.rank_biserial == pytest.approx(rank_biserial(np.array([a - b for b, a in pairs])), rel=CLOSE)


def test_signed_rank_ranks_ties_by_their_average() -> None:
    # |d| = 1, 1, 2, 3, 3, 3 -> ranks 1.5, 1.5, 3, 5, 5, 5.
    result = signed_rank_test([1, -1, 2, 3, -3, 3, 0])
    assert (result.t_plus, result.t_minus, result.statistic, result.n_nonzero) == (14.5, 6.5, 6.5, 6)
    assert result.method == "permutation"
    assert result.p_value == pytest.approx(stats.wilcoxon([1, -1, 2, 3, -3, 3, 0]).pvalue, rel=CLOSE)


def test_a_single_pair_has_means_but_no_test() -> None:
    summary = paired_summary([(2.0, 4.0)])
    assert (summary.n, summary.mean_before, summary.mean_after, summary.mean_diff) == (1, 2.0, 4.0, 2.0)
    assert summary.sd_diff is None
    assert summary.ci_low is None
    assert summary.ci_high is None
    assert summary.t_test.t is None
    assert summary.t_test.reason == "too_few_pairs"
    assert summary.cohens_dz is None
    assert (summary.improved, summary.improved_share) == (1, 1.0)
    # scipy runs the test on one pair and says p = 1; the report does not run it.
    assert stats.wilcoxon([2.0]).pvalue == 1.0
    assert summary.wilcoxon.p_value is None
    assert summary.wilcoxon.reason == "too_few_differences"


@pytest.mark.parametrize("n", [1, 4, 5, 6])
def test_the_signed_rank_test_needs_six_changed_pairs(n: int) -> None:
    """Under 6 non-zero differences no outcome reaches p < 0.05 (two-sided): the smallest p is 2 / 2**m."""
    summary = paired_summary([(2.0, 3.0 + 0.1 * i) for i in range(n)])
    exact = stats.wilcoxon([1.0 + 0.1 * i for i in range(n)])
    assert exact.pvalue == pytest.approx(2 / 2**n, rel=CLOSE)
    if n < WILCOXON_MIN_NONZERO:
        assert summary.wilcoxon.reason == "too_few_differences"
        assert summary.wilcoxon.p_value is None
    else:
        assert summary.wilcoxon.p_value == pytest.approx(exact.pvalue, rel=CLOSE)
        assert summary.wilcoxon.p_value < 0.05


def test_no_pairs() -> None:
    summary = paired_summary([])
    assert summary.n == 0
    assert summary.mean_diff is None
    assert summary.improved_share is None
    assert summary.t_test.reason == "too_few_pairs"
    assert summary.wilcoxon.reason == "no_nonzero_differences"
    assert summary.rank_biserial is None


def test_everyone_improving_by_exactly_one_point() -> None:
    """No "1.00-1.00" interval and no "the answers do not vary": the change is
    the same for all, which the counts say; the signed-rank test still runs."""
    pairs = [(2.0, 3.0), (3.0, 4.0), (1.0, 2.0), (4.0, 5.0), (2.0, 3.0), (3.0, 4.0), (1.0, 2.0)]
    summary = paired_summary(pairs)
    assert (summary.mean_diff, summary.sd_diff) == (1.0, 0.0)
    assert summary.ci_low is None
    assert summary.ci_high is None
    assert summary.t_test.t is None
    assert summary.t_test.reason == "constant_difference"
    assert summary.cohens_dz is None
    assert (summary.improved, summary.improved_share) == (7, 1.0)
    assert summary.rank_biserial == 1.0
    assert summary.wilcoxon.p_value == pytest.approx(stats.wilcoxon([1.0] * 7).pvalue, rel=CLOSE)
    assert summary.wilcoxon.p_value == pytest.approx(2 / 2**7, rel=CLOSE)


def test_nobody_changing_has_no_test_at_all() -> None:
    summary = paired_summary([(3.0, 3.0)] * 6)
    assert (summary.same, summary.same_share, summary.mean_diff) == (6, 1.0, 0.0)
    assert summary.t_test.reason == "no_change"
    assert summary.ci_low is None
    assert summary.wilcoxon.p_value is None
    assert summary.wilcoxon.reason == "no_nonzero_differences"
    assert summary.rank_biserial == 0.0


def test_pairs_from_rows_keeps_complete_pairs_only() -> None:
    rows = [
        {"q7:before": 2.0, "q7:after": 4.0},
        {"q7:before": 3.0},
        {"q7:after": 5.0, "q1": 1.0},
        {"q7:before": math.nan, "q7:after": 4.0},
        {"q7:before": 1.0, "q7:after": 1.0},
    ]
    assert pairs_from_rows(rows, "q7:before", "q7:after") == [(2.0, 4.0), (1.0, 1.0)]


def test_confidence_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="confidence"):
        paired_summary(DISTINCT_10, confidence=95)


@settings(deadline=None, max_examples=80)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=2, max_size=30))
def test_random_likert_pairs_match_scipy(pairs: list[tuple[int, int]]) -> None:
    before = np.array([b for b, _ in pairs], dtype=float)
    after = np.array([a for _, a in pairs], dtype=float)
    diffs = after - before
    summary = paired_summary([(float(b), float(a)) for b, a in pairs])
    if len(set(diffs)) > 1:
        t_test = stats.ttest_rel(after, before)
        assert summary.t_test.t == pytest.approx(t_test.statistic, rel=CLOSE)
        assert summary.t_test.p_value == pytest.approx(t_test.pvalue, rel=CLOSE)
        assert summary.ci_low is not None
        assert summary.ci_high is not None
        assert summary.mean_diff is not None
        assert summary.ci_low <= summary.mean_diff <= summary.ci_high
    else:
        assert summary.t_test.reason == ("no_change" if diffs[0] == 0 else "constant_difference")
        assert summary.ci_low is None
    assert summary.rank_biserial == pytest.approx(rank_biserial(diffs), rel=CLOSE, abs=1e-12)
    test = signed_rank_test(list(diffs))
    if (diffs != 0).sum() < WILCOXON_MIN_NONZERO:
        assert summary.wilcoxon.p_value is None
    else:
        assert summary.wilcoxon == test
    if (diffs != 0).any():
        # scipy's rule for method="auto"; its permutations take seconds, so they are counted here.
        ties = len(set(np.abs(diffs[diffs != 0]))) < (diffs != 0).sum()
        simple = not ties and (diffs != 0).all()
        permutation = not simple and len(diffs) <= 13
        assert test.method == ("exact" if simple else "permutation" if permutation else "normal")
        wilcoxon = stats.wilcoxon(diffs, method="exact" if permutation else "auto")
        assert test.statistic == pytest.approx(wilcoxon.statistic, rel=CLOSE)
        if permutation:
            assert test.p_value == pytest.approx(sign_flip_p_value(diffs), rel=CLOSE)
        else:
            assert test.p_value == pytest.approx(wilcoxon.pvalue, rel=CLOSE)
    else:
        assert summary.wilcoxon.p_value is None


def sign_flip_p_value(diffs: np.ndarray) -> float:
    """Two-sided p of T+ over all 2**m sign patterns of the ranks, by brute force."""
    nonzero = diffs[diffs != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    observed = ranks[nonzero > 0].sum()
    signs = np.array(list(itertools.product((0, 1), repeat=len(ranks))))
    null = signs @ ranks
    return float(min(1.0, 2 * min((null <= observed).mean(), (null >= observed).mean())))


def test_the_brute_force_oracle_agrees_with_scipy() -> None:
    diffs = np.array([a - b for b, a in TIES_AND_ZEROS_12], dtype=float)
    assert sign_flip_p_value(diffs) == pytest.approx(stats.wilcoxon(diffs).pvalue, rel=CLOSE)
