"""Before/after self-ratings of the same trainees ("then" and "now" items).

Differences are after - before, so a positive difference is an improvement on
a scale where higher is better. Tests and intervals here are about the change
itself, not about this cohort's mean, so no finite-population correction is
applied. Definitions: ``docs/statistics.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from reports.distributions import t_ppf, t_sf_two_sided

TTestReason = Literal["too_few_pairs", "no_change", "constant_difference"]
RankMethod = Literal["exact", "permutation", "normal"]
RankReason = Literal["no_nonzero_differences", "too_few_differences"]

#: Up to this many pairs without ties or zero differences: exact null distribution.
EXACT_MAX_N = 50
#: Up to this many pairs with ties or zeros: all 2**n sign patterns; beyond, normal.
PERMUTATION_MAX_N = 13
#: The fewest non-zero differences the report runs the signed-rank test on:
#: with m of them the smallest two-sided p-value there is, is 2 / 2**m, which
#: first falls under 0.05 at m = 6. Below that the test could only ever say
#: "not significant", whatever the trainees answered.
WILCOXON_MIN_NONZERO = 6


@dataclass(frozen=True)
class PairedTTest:
    """t = mean_diff / (sd_diff / sqrt(n)) on n - 1 df, two-sided p; or None
    and a ``reason``."""

    t: float | None
    df: int | None
    p_value: float | None
    reason: TTestReason | None


@dataclass(frozen=True)
class SignedRankTest:
    """Wilcoxon signed-rank test on the non-zero differences.

    ``t_plus`` and ``t_minus`` are the sums of the (average) ranks of |diff|
    for positive and negative differences; ``statistic`` is the smaller one.
    ``method`` says how ``p_value`` (two-sided) was found.
    """

    statistic: float | None
    t_plus: float
    t_minus: float
    n_nonzero: int
    p_value: float | None
    method: RankMethod | None
    reason: RankReason | None


@dataclass(frozen=True)
class PairedSummary:
    """Before/after summary. Shares are of the n pairs; the interval is for
    ``mean_diff`` (None with the t test); ``cohens_dz`` = mean_diff / sd_diff
    (None when the t test is None); ``rank_biserial`` is the matched-pairs
    rank-biserial correlation with unchanged pairs counted
    (:func:`rank_biserial`, None when there are no pairs)."""

    n: int
    mean_before: float | None
    mean_after: float | None
    mean_diff: float | None
    sd_diff: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    improved: int
    same: int
    declined: int
    improved_share: float | None
    same_share: float | None
    declined_share: float | None
    t_test: PairedTTest
    wilcoxon: SignedRankTest
    cohens_dz: float | None
    rank_biserial: float | None


def pairs_from_rows(rows: Sequence[Mapping[str, float]], before: str, after: str) -> list[tuple[float, float]]:
    """(before, after) of every row that has both (absent or NaN = missing)."""
    pairs = []
    for row in rows:
        b, a = row.get(before), row.get(after)
        if b is not None and a is not None and not (math.isnan(b) or math.isnan(a)):
            pairs.append((b, a))
    return pairs


def paired_summary(pairs: Sequence[tuple[float, float]], confidence: float = 0.95) -> PairedSummary:
    """Summarise (before, after) pairs: means, mean difference with its t
    interval, improved/same/declined, paired t test, Wilcoxon signed-rank
    test, Cohen's d_z and the matched-pairs rank-biserial correlation.

    Means are None when there are no pairs; ``sd_diff``, the interval and the
    t test need 2 pairs. When every difference is the same there is no spread
    to test against: the interval, the t test and d_z are None, with the
    reason "no_change" (every difference 0) or "constant_difference" (every
    trainee moved by the same non-zero amount, which the counts and the
    signed-rank test then tell). The signed-rank test is withheld
    ("too_few_differences") under :data:`WILCOXON_MIN_NONZERO` non-zero
    differences.

    :raises ValueError: on confidence outside (0, 1).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    n = len(pairs)
    diffs = [after - before for before, after in pairs]
    improved = sum(d > 0 for d in diffs)
    declined = sum(d < 0 for d in diffs)
    same = n - improved - declined
    wilcoxon = signed_rank_test(diffs)
    if wilcoxon.reason is None and wilcoxon.n_nonzero < WILCOXON_MIN_NONZERO:
        wilcoxon = SignedRankTest(
            None, wilcoxon.t_plus, wilcoxon.t_minus, wilcoxon.n_nonzero, None, None, "too_few_differences"
        )
    if n == 0:
        t_test = PairedTTest(None, None, None, "too_few_pairs")
        return PairedSummary(
            0, None, None, None, None, None, None, confidence, 0, 0, 0,
            None, None, None, t_test, wilcoxon, None, None,
        )  # fmt: skip
    mean_before = math.fsum(b for b, _ in pairs) / n
    mean_after = math.fsum(a for _, a in pairs) / n
    mean_diff = math.fsum(diffs) / n
    sd = low = high = dz = None
    if n < 2:
        t_test = PairedTTest(None, None, None, "too_few_pairs")
    elif len(set(diffs)) == 1:
        mean_diff, sd = diffs[0], 0.0
        t_test = PairedTTest(None, None, None, "no_change" if diffs[0] == 0 else "constant_difference")
    else:
        sd = math.sqrt(math.fsum((d - mean_diff) ** 2 for d in diffs) / (n - 1))
        se = sd / math.sqrt(n)
        half = t_ppf(0.5 + confidence / 2.0, n - 1) * se
        low, high = mean_diff - half, mean_diff + half
        t = mean_diff / se
        t_test = PairedTTest(t, n - 1, t_sf_two_sided(t, n - 1), None)
        dz = mean_diff / sd
    return PairedSummary(
        n, mean_before, mean_after, mean_diff, sd, low, high, confidence,
        improved, same, declined, improved / n, same / n, declined / n,
        t_test, wilcoxon, dz, rank_biserial(diffs),
    )  # fmt: skip


def rank_biserial(diffs: Sequence[float]) -> float | None:
    """Matched-pairs rank-biserial correlation, unchanged pairs counted.

    Every |difference|, zeros included, is ranked (ties share their average
    rank); r = (R+ - R-) / (n (n + 1) / 2), R+ and R- the rank sums of the
    positive and negative differences. A zero's rank goes half to each side,
    so it adds to neither difference but to the total: this is Kerby's
    (2014) simple difference with ties counted half, and it ranks zeros as
    Pratt (1959) does. r = 1 only when every trainee improved; with a quarter
    unchanged and the rest improved it is about 0.94, not 1. None without pairs.
    """
    n = len(diffs)
    if n == 0:
        return None
    doubled = _doubled_average_ranks([abs(d) for d in diffs])
    plus = sum(r for r, d in zip(doubled, diffs, strict=True) if d > 0)
    minus = sum(r for r, d in zip(doubled, diffs, strict=True) if d < 0)
    return (plus - minus) / (n * (n + 1))  # doubled ranks over doubled n(n + 1)/2


def signed_rank_test(diffs: Sequence[float]) -> SignedRankTest:
    """Wilcoxon signed-rank test of ``diffs`` against a median of 0.

    Zero differences are dropped (Wilcoxon's rule); tied |diffs| share their
    average rank. The two-sided p-value follows what ``scipy.stats.wilcoxon``
    does by default (method "auto"), with len(diffs) counting the zeros:

    - "exact": no ties and no zeros, at most 50 differences: the exact null
      distribution of t_plus, p = 2 * min(P(T <= t), P(T >= t)), at most 1;
    - "permutation": ties or zeros, at most 13 differences: the same over the
      2**n equally likely sign patterns of the observed ranks;
    - "normal": otherwise, z = (t_plus - m(m + 1)/4) / se with the tie
      correction se**2 = (m(m + 1)(2m + 1) - sum(t**3 - t) / 2) / 24 over the
      m non-zero differences, without continuity correction.
    """
    nonzero = [d for d in diffs if d != 0]
    m = len(nonzero)
    if m == 0:
        return SignedRankTest(None, 0.0, 0.0, 0, None, None, "no_nonzero_differences")
    doubled = _doubled_average_ranks([abs(d) for d in nonzero])
    t_plus = sum(r for r, d in zip(doubled, nonzero, strict=True) if d > 0) / 2.0
    t_minus = sum(r for r, d in zip(doubled, nonzero, strict=True) if d < 0) / 2.0
    groups: dict[float, int] = {}
    for d in nonzero:
        groups[abs(d)] = groups.get(abs(d), 0) + 1
    ties = len(groups) < m
    method: RankMethod
    if not ties and m == len(diffs) and len(diffs) <= EXACT_MAX_N:
        method = "exact"
    elif (ties or m < len(diffs)) and len(diffs) <= PERMUTATION_MAX_N:
        method = "permutation"
    else:
        method = "normal"
    if method == "normal":
        tie_term = sum(t**3 - t for t in groups.values()) / 2.0
        se = math.sqrt((m * (m + 1) * (2 * m + 1) - tie_term) / 24.0)
        z = (t_plus - m * (m + 1) / 4.0) / se
        p = math.erfc(abs(z) / math.sqrt(2.0))
    else:
        p = _sign_flip_p_value(doubled, round(2 * t_plus))
    return SignedRankTest(min(t_plus, t_minus), t_plus, t_minus, m, p, method, None)


def _doubled_average_ranks(values: Sequence[float]) -> list[int]:
    """2 * the average rank of each value (ranks 1..n): always an integer."""
    order = sorted(range(len(values)), key=values.__getitem__)
    doubled = [0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            doubled[order[position]] = start + end + 2  # (start+1 + end+1) / 2, doubled
        start = end + 1
    return doubled


def _sign_flip_p_value(doubled_ranks: Sequence[int], observed: int) -> float:
    """Two-sided p of 2 * t_plus = ``observed`` when each rank's sign is + or -
    with probability 1/2: 2 * min(P(T <= t), P(T >= t)), capped at 1.

    Counts the sign patterns by dynamic programming over the ranks, in exact
    integers.
    """
    ways = [1] + [0] * sum(doubled_ranks)  # ways[s]: patterns with 2 * t_plus == s
    reached = 0
    for rank in doubled_ranks:
        reached += rank
        for total in range(reached, rank - 1, -1):
            ways[total] += ways[total - rank]
    below = sum(ways[: observed + 1])
    above = sum(ways[observed:])
    return float(min(Fraction(2 * min(below, above), 2 ** len(doubled_ranks)), Fraction(1)))
