"""Statistics of one programme's answers: scales, shares, dimensions, NPS.

Every function takes plain counts or rows (see :mod:`reports.data`) and
returns a frozen result. Shares are fractions in [0, 1]; a value that cannot
be computed from the data at hand is ``None``, never a guess. Intervals for a
mean or a share shrink by the finite-population correction when the size of
the cohort is known: a report on 27 of 29 trainees is nearly a census.
Definitions and the reasons behind them: ``docs/statistics.md``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from reports.distributions import f_ppf, normal_ppf, t_ppf

#: Answers tallied by scale value: what ``GROUP BY value`` returns.
Counts = Mapping[int, int] | Mapping[float, int]
Row = Mapping[str, float]
AlphaReason = Literal["too_few_items", "too_few_cases", "zero_variance"]
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ScaleSummary:
    """One scale question. ``distribution`` and ``shares`` are in value order;
    ``shares`` are of the ``n`` answers (empty when n == 0)."""

    n: int
    n_skipped: int
    distribution: Mapping[float, int]
    shares: Mapping[float, float]
    mean: float | None
    median: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    fpc_applied: bool


@dataclass(frozen=True)
class ShareSummary:
    """k of n answers, their share and its Wilson interval (None when n == 0)."""

    k: int
    n: int
    share: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    fpc_applied: bool


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha, or ``None`` and a machine-readable ``reason``;
    ``ci_low`` and ``ci_high`` are Feldt's interval (None with alpha)."""

    alpha: float | None
    n_complete: int
    k_items: int
    reason: AlphaReason | None
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class DimensionSummary:
    """Respondent scores on one dimension (see :func:`respondent_scores`)."""

    n: int
    n_unscored: int
    k_items: int
    min_items: int
    mean: float | None
    median: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    fpc_applied: bool
    alpha: AlphaResult


@dataclass(frozen=True)
class NpsSummary:
    """Net promoter breakdown; ``score`` is in points, -100..100, with its
    Wald interval (``ci_low``, ``ci_high``, None when n < 2 or every answer
    is in one group: see :func:`net_promoter`)."""

    n: int
    promoters: int
    passives: int
    detractors: int
    promoter_share: float | None
    passive_share: float | None
    detractor_share: float | None
    score: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    fpc_applied: bool = False


@dataclass(frozen=True)
class SuppressedCounts(Generic[K]):
    """Counts safe to publish: a hidden cell is ``None``.

    ``hidden`` holds every hidden key; ``complementary`` the ones hidden only
    so that a single small cell cannot be recovered from the total.
    """

    counts: Mapping[K, int | None]
    hidden: frozenset[K]
    complementary: frozenset[K]
    n_hidden: int
    minimum: int


def describe_counts(
    counts: Counts,
    n_responses: int,
    population: int | None = None,
    confidence: float = 0.95,
) -> ScaleSummary:
    """Summarise a scale from ``counts`` (value -> number of answers).

    ``n`` is the number of answers, ``n_skipped = n_responses - n``. ``sd`` is
    the sample standard deviation (n - 1 in the denominator). The interval for
    the mean is mean +/- t * sd / sqrt(n), t the (1 + confidence) / 2 quantile
    of Student's t with n - 1 df, times the finite-population correction
    sqrt(1 - n/N) (Cochran's, see :func:`_fpc`) when ``population`` N is known and n <= N, so it
    collapses to the mean when everyone answered. The median is
    the midpoint of the two middle answers when n is even. ``mean`` and
    ``median`` are None when n == 0; ``sd`` and the interval when n < 2.

    :raises ValueError: on a negative count, n > n_responses, population < 1
        or confidence outside (0, 1).
    """
    _check_confidence(confidence)
    _check_population(population)
    distribution: dict[float, int] = {}
    for value, count in sorted(counts.items()):
        if count < 0:
            raise ValueError(f"negative count for {value!r}")
        distribution[value] = count
    n = sum(distribution.values())
    if n > n_responses:
        raise ValueError(f"{n} answers but only {n_responses} responses")
    answered = [(value, count) for value, count in distribution.items() if count]
    shares = {value: count / n for value, count in distribution.items()} if n else {}
    mean = math.fsum(value * count for value, count in answered) / n if n else None
    median = _median_of_counts(answered, n) if n else None
    sd = None
    if n >= 2 and mean is not None:
        squares = math.fsum(count * (value - mean) ** 2 for value, count in answered)
        sd = math.sqrt(squares / (n - 1)) if len(answered) > 1 else 0.0
    ci_low, ci_high, fpc = _mean_interval(mean, sd, n, population, confidence)
    return ScaleSummary(n, n_responses - n, distribution, shares, mean, median, sd, ci_low, ci_high, confidence, fpc)


def wilson_interval(
    k: int, n: int, confidence: float = 0.95, population: int | None = None
) -> tuple[float, float] | None:
    """Wilson score interval for the share k / n; None when n == 0.

    The interval holds the shares p for which |k/n - p| <= z * sqrt(p(1 - p)/n)
    * c, where c is the finite-population correction sqrt(1 - n/N)
    when ``population`` N is known and n <= N (else 1): it collapses to k/n for
    a census. Unlike the textbook p +/- z * se it stays within [0, 1] and does
    not shrink to nothing at 0 or n successes.

    :raises ValueError: unless 0 <= k <= n, or on population < 1.
    """
    _check_confidence(confidence)
    _check_population(population)
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return None
    z = normal_ppf(0.5 + confidence / 2.0)
    z2 = z * z * _fpc(n, population) ** 2
    p = k / n
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) * math.sqrt(z2) / denominator
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def share_summary(k: int, n: int, confidence: float = 0.95, population: int | None = None) -> ShareSummary:
    """k of n with the share and its :func:`wilson_interval`."""
    interval = wilson_interval(k, n, confidence, population)
    low, high = interval if interval else (None, None)
    fpc = interval is not None and population is not None and n <= population
    return ShareSummary(k, n, k / n if n else None, low, high, confidence, fpc)


def top_box(
    counts: Counts,
    top_values: Collection[float],
    confidence: float = 0.95,
    population: int | None = None,
) -> ShareSummary:
    """Share of answers whose value is in ``top_values``, with a Wilson interval.

    Top-2-box on a 1..5 scale is ``top_box(counts, {4, 5})``.
    """
    n = sum(counts.values())
    k = sum(count for value, count in counts.items() if value in top_values)
    return share_summary(k, n, confidence, population)


def respondent_scores(rows: Sequence[Row], items: Sequence[str], min_items: int | None = None) -> list[float]:
    """Each respondent's dimension score: the mean of the items they answered.

    A respondent with fewer than ``min_items`` answered items (default: half
    the items, rounded up) has no score and is left out; the order of the
    others is kept. An item is unanswered when its key is absent (or NaN).

    :raises ValueError: on no items, duplicate items or min_items outside 1..k.
    """
    needed = _min_items(items, min_items)
    scores = []
    for row in rows:
        answered = [row[item] for item in items if _answered(row, item)]
        if len(answered) >= needed:
            scores.append(math.fsum(answered) / len(answered))
    return scores


def dimension_summary(
    rows: Sequence[Row],
    items: Sequence[str],
    min_items: int | None = None,
    population: int | None = None,
    confidence: float = 0.95,
) -> DimensionSummary:
    """Mean respondent score with its interval (as in :func:`describe_counts`)
    and Cronbach's alpha of the items. ``n_unscored`` counts the rows that
    answered too few items to get a score."""
    _check_confidence(confidence)
    _check_population(population)
    needed = _min_items(items, min_items)
    scores = sorted(respondent_scores(rows, items, needed))
    n = len(scores)
    mean = math.fsum(scores) / n if n else None
    median = (scores[(n - 1) // 2] + scores[n // 2]) / 2.0 if n else None
    sd = None
    if n >= 2 and mean is not None:
        sd = math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / (n - 1))
        sd = 0.0 if scores[0] == scores[-1] else sd
    low, high, fpc = _mean_interval(mean, sd, n, population, confidence)
    alpha = cronbach_alpha(rows, items, confidence)
    return DimensionSummary(n, len(rows) - n, len(items), needed, mean, median, sd, low, high, confidence, fpc, alpha)


def cronbach_alpha(rows: Sequence[Row], items: Sequence[str], confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha over the rows that answered every item, with Feldt's interval.

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total),
    with sample variances (n - 1). It can be negative. None, with ``reason``,
    when there are fewer than 3 items ("too_few_items"), fewer than 3 complete
    rows ("too_few_cases") or the totals do not vary ("zero_variance").

    The interval is Feldt's (Feldt, Woodruff and Salih 1987): (1 - alpha) /
    (1 - true alpha) follows F with n - 1 and (n - 1)(k - 1) degrees of
    freedom, so the limits are 1 - (1 - alpha) * F(1 - g/2) and
    1 - (1 - alpha) * F(g/2), g = 1 - confidence. At n near 30 it is far wider
    than the "about 0.1" often quoted: the reason the reports print it.
    """
    _check_confidence(confidence)
    _min_items(items, None)
    complete = [[row[item] for item in items] for row in rows if all(_answered(row, i) for i in items)]
    k, n = len(items), len(complete)
    reason: AlphaReason | None = None
    if k < 3:
        reason = "too_few_items"
    elif n < 3:
        reason = "too_few_cases"
    else:
        item_variances = math.fsum(_variance([row[i] for row in complete]) for i in range(k))
        totals = [math.fsum(row) for row in complete]
        total_variance = _variance(totals)
        if total_variance == 0.0 or len(set(totals)) == 1:
            reason = "zero_variance"
        else:
            alpha = k / (k - 1) * (1.0 - item_variances / total_variance)
            low, high = feldt_interval(alpha, n, k, confidence)
            return AlphaResult(alpha, n, k, None, low, high, confidence)
    return AlphaResult(None, n, k, reason, confidence=confidence)


def feldt_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for Cronbach's ``alpha`` from ``n`` complete
    rows and ``k`` items (see :func:`cronbach_alpha`).

    :raises ValueError: on n < 2 or k < 2.
    """
    if n < 2 or k < 2:
        raise ValueError(f"Feldt's interval needs n >= 2 and k >= 2, got n={n}, k={k}")
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1.0 - confidence
    low = 1.0 - (1.0 - alpha) * f_ppf(1.0 - gamma / 2.0, df1, df2)
    high = 1.0 - (1.0 - alpha) * f_ppf(gamma / 2.0, df1, df2)
    return low, high


def net_promoter(counts: Mapping[int, int], confidence: float = 0.95, population: int | None = None) -> NpsSummary:
    """Net promoter score from answers 0..10: promoters answer 9-10, passives
    7-8, detractors 0-6; score = 100 * (promoters - detractors) / n.

    The interval is Wald's for a difference of two shares of one multinomial
    sample: each answer scores +1 (promoter), 0 or -1 (detractor), the score
    is 100 times their mean, and its variance is (p+ + p- - (p+ - p-)**2) / n.
    Limits: score +/- z * 100 * sqrt(variance) * FPC (the same correction as a
    mean, when ``population`` is known), clipped to -100..100. None when n < 2
    or every answer is in one group (a variance of 0 is not a certainty).

    :raises ValueError: on a value that is not an integer 0..10, or a negative count.
    """
    _check_confidence(confidence)
    _check_population(population)
    groups = [0, 0, 0]  # detractors, passives, promoters
    for value, count in counts.items():
        if value not in range(11):
            raise ValueError(f"NPS answers are integers 0..10, got {value!r}")
        if count < 0:
            raise ValueError(f"negative count for {value!r}")
        groups[0 if value <= 6 else 1 if value <= 8 else 2] += count
    detractors, passives, promoters = groups
    n = sum(groups)
    if n == 0:
        return NpsSummary(0, 0, 0, 0, None, None, None, None)
    p_plus, p_minus = promoters / n, detractors / n
    score = 100.0 * (p_plus - p_minus)
    low = high = None
    fpc = False
    if n >= 2 and max(groups) < n:
        variance = (p_plus + p_minus - (p_plus - p_minus) ** 2) / n
        half = 100.0 * normal_ppf(0.5 + confidence / 2.0) * math.sqrt(variance) * _fpc(n, population)
        low, high = max(-100.0, score - half), min(100.0, score + half)
        fpc = population is not None and n <= population
    return NpsSummary(n, promoters, passives, detractors, p_plus, passives / n, p_minus, score, low, high, fpc)


def suppress_small_cells(counts: Mapping[K, int], minimum: int = 5) -> SuppressedCounts[K]:
    """Hide every cell with 1..minimum-1 respondents (0 stays 0).

    A breakdown is published with its total, so a single hidden cell could be
    recovered by subtraction: then the smallest other non-zero cell is hidden
    too (complementary suppression; the first such cell on a tie).

    :raises ValueError: on minimum < 1 or a negative count.
    """
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    if any(count < 0 for count in counts.values()):
        raise ValueError("counts cannot be negative")
    small = {key for key, count in counts.items() if 0 < count < minimum}
    extra: set[K] = set()
    others = [(count, i, key) for i, (key, count) in enumerate(counts.items()) if count and key not in small]
    if len(small) == 1 and others:
        extra.add(min(others, key=lambda other: other[:2])[2])
    hidden = small | extra
    shown: dict[K, int | None] = {key: None if key in hidden else count for key, count in counts.items()}
    return SuppressedCounts(shown, frozenset(hidden), frozenset(extra), len(hidden), minimum)


def response_rate(n: int, expected: int | None) -> float | None:
    """n / expected as a fraction; None when expected is unknown or 0. Not
    capped at 1: more responses than expected means the expected figure is wrong."""
    if n < 0:
        raise ValueError("n cannot be negative")
    return n / expected if expected else None


def _mean_interval(
    mean: float | None, sd: float | None, n: int, population: int | None, confidence: float
) -> tuple[float | None, float | None, bool]:
    if mean is None or sd is None:
        return None, None, False
    half = t_ppf(0.5 + confidence / 2.0, n - 1) * sd / math.sqrt(n) * _fpc(n, population)
    return mean - half, mean + half, population is not None and n <= population


def _fpc(n: int, population: int | None) -> float:
    """Cochran's sqrt(1 - n/N), or 1 when N is unknown or smaller than n.

    With the sample standard deviation s (n - 1 in its denominator), an
    unbiased estimate of the population's S**2, the variance of the mean of a
    simple random sample drawn without replacement is (1 - n/N) s**2 / n
    (Cochran, Sampling Techniques, 1977, 2.8): sqrt((N - n) / (N - 1)) belongs
    with a population variance divided by N, not with s.
    """
    if population is None or n > population:
        return 1.0
    return math.sqrt(1.0 - n / population)


def _median_of_counts(answered: list[tuple[float, int]], n: int) -> float:
    lower, upper, seen = None, None, 0
    for value, count in answered:
        seen += count
        if lower is None and seen > (n - 1) // 2:
            lower = value
        if seen > n // 2:
            upper = value
            break
    assert lower is not None
    assert upper is not None
    return (lower + upper) / 2.0


def _variance(values: Sequence[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _answered(row: Row, item: str) -> bool:
    value = row.get(item)
    return value is not None and not math.isnan(value)


def _min_items(items: Sequence[str], min_items: int | None) -> int:
    if not items or len(set(items)) != len(items):
        raise ValueError("items must be a non-empty sequence of distinct keys")
    needed = math.ceil(len(items) / 2) if min_items is None else min_items
    if not 1 <= needed <= len(items):
        raise ValueError(f"min_items must be in 1..{len(items)}, got {needed}")
    return needed


def _check_population(population: int | None) -> None:
    if population is not None and population < 1:
        raise ValueError(f"population must be at least 1, got {population}")


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
