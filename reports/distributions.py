"""Normal, Student t and Fisher F distributions, in pure Python.

Accurate to about 1e-14 (relative where the value is small), enough for
p-values and confidence limits. The t distribution goes through the
regularized incomplete beta function, evaluated with Lentz's continued
fraction; quantiles are found by Newton's method on a logarithmic scale.
"""

from __future__ import annotations

import math

_SQRT1_2 = 0.7071067811865476
_SQRT_2PI = 2.5066282746310002
_LN_2PI_HALF = 0.9189385332046728  # ln(2 pi) / 2
_TINY = 1e-300
_EPS = 3e-16  # about one unit in the last place of 1
_HUGE = 1e300
_MAX_LOG = 709.0  # ln of the largest finite double, rounded down


def normal_cdf(x: float) -> float:
    """P(Z <= x) for a standard normal Z."""
    z = x * _SQRT1_2
    if abs(z) < 1.0:
        return 0.5 + 0.5 * math.erf(z)
    tail = 0.5 * math.erfc(abs(z))
    return 1.0 - tail if z > 0 else tail


def normal_ppf(p: float) -> float:
    """The x with P(Z <= x) = p; -inf at 0 and inf at 1.

    :raises ValueError: if p is outside [0, 1].
    """
    _check_probability(p)
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    if p > 0.5:
        return -normal_ppf(1.0 - p)
    x = _acklam(p)
    if x > -37.5:  # Halley steps; the density underflows further out
        for _ in range(2):
            # Above 0.25, p - 0.5 is exact and erf keeps a small x precise.
            error = 0.5 * math.erf(x * _SQRT1_2) - (p - 0.5) if p > 0.25 else normal_cdf(x) - p
            u = error * _SQRT_2PI * math.exp(0.5 * x * x)
            x -= u / (1.0 + 0.5 * x * u)
    return x


def t_cdf(x: float, df: float) -> float:
    """P(T <= x) for Student's t with ``df`` > 0 degrees of freedom."""
    _check_df(df)
    if math.isnan(x):
        return math.nan
    if x == 0.0:
        return 0.5
    outer, inner = _t_tails(abs(x), df)
    return outer if x < 0 else 0.5 + inner


def t_sf_two_sided(x: float, df: float) -> float:
    """P(|T| >= |x|): the two-sided p-value of a t statistic x."""
    _check_df(df)
    if x == 0.0:
        return 1.0
    return 2.0 * _t_tails(abs(x), df)[0]


def t_ppf(p: float, df: float) -> float:
    """The x with P(T <= x) = p for Student's t with ``df`` degrees of freedom.

    :raises ValueError: if p is outside [0, 1] or df <= 0.
    """
    _check_probability(p)
    _check_df(df)
    q = min(p, 1.0 - p)  # exact: 1 - p has no rounding error for p >= 0.5
    if q == 0.5:
        return 0.0
    if q == 0.0:
        return math.inf if p > 0.5 else -math.inf
    s = _t_lower_quantile(q, df)
    return s if p > 0.5 else -s


def _t_tails(s: float, df: float) -> tuple[float, float]:
    """(P(T < -s), P(-s < T < 0)) for s > 0; the smaller one is exact to rounding."""
    s2 = s * s
    if s2 > _HUGE:  # the leading term of the tail is then exact to rounding
        return math.exp(_t_log_tail_leading(s, df)), 0.5
    x, y = df / (df + s2), s2 / (df + s2)
    i, j = _betainc_pair(0.5 * df, 0.5, x, y)
    return 0.5 * i, 0.5 * j


def _t_log_tail_leading(s: float, df: float) -> float:
    """ln of P(T < -s) ~ df**(df/2 - 1) * s**-df / B(df/2, 1/2), as s -> inf."""
    return (0.5 * df - 1.0) * math.log(df) - df * math.log(s) - _lbeta(0.5 * df, 0.5)


def _t_pdf(s: float, df: float) -> float:
    return math.exp(-0.5 * (df + 1.0) * math.log1p(s * s / df) - 0.5 * math.log(df) - _lbeta(0.5 * df, 0.5))


def _t_lower_quantile(q: float, df: float) -> float:
    """The s > 0 with P(T < -s) = q, for 0 < q < 0.5.

    Newton's method on u = ln s, solving ln P(T < -s) = ln q in the tail or
    ln P(-s < T < 0) = ln(0.5 - q) near the centre, where either is nearly
    linear in u and computed without cancellation.
    """
    in_tail = q < 0.25
    target = math.log(q) if in_tail else math.log(0.5 - q)

    def g(u: float) -> tuple[float, float]:
        s = math.exp(min(u, _MAX_LOG))
        outer, inner = _t_tails(s, df)
        part = max(outer if in_tail else inner, _TINY)
        slope = s * _t_pdf(s, df) / part
        return math.log(part) - target, -slope if in_tail else slope

    z = -normal_ppf(q)
    z2 = z * z
    cornish_fisher = z * (
        1.0
        + (z2 + 1.0) / (4.0 * df)
        + (5.0 * z2 * z2 + 16.0 * z2 + 3.0) / (96.0 * df**2)
        + (3.0 * z2**3 + 19.0 * z2 * z2 + 17.0 * z2 - 15.0) / (384.0 * df**3)
    )
    # ln s where the leading term of the tail equals q; exact when s**2 > 1e300.
    asymptotic = (_t_log_tail_leading(1.0, df) - math.log(q)) / df
    if asymptotic > 0.5 * math.log(_HUGE):
        return math.exp(asymptotic) if asymptotic < _MAX_LOG else math.inf
    centre = 0.5 - q  # P(-s < T < 0) ~ s * pdf(0)
    guesses = [math.log(max(cornish_fisher, _TINY)), asymptotic]
    guesses.append(math.log(centre / _t_pdf(0.0, df)))
    u = min(guesses, key=lambda v: abs(g(v)[0]))
    for _ in range(100):
        value, slope = g(u)
        if slope == 0.0:  # the density underflowed: move back towards the centre
            slope = -1.0 if in_tail else 1.0
        step = max(-2.0, min(2.0, value / slope))  # a factor of e**2 at most
        u = min(u - step, _MAX_LOG)
        if abs(step) < 1e-15 * max(1.0, abs(u)):
            break
    return math.exp(u) if u < _MAX_LOG else math.inf


def _betainc_pair(a: float, b: float, x: float, y: float) -> tuple[float, float]:
    """(I_x(a, b), 1 - I_x(a, b)) with y = 1 - x given exactly by the caller.

    Whichever of the two is small is computed directly (no cancellation).
    """
    if x <= 0.0:
        return 0.0, 1.0
    if y <= 0.0:
        return 1.0, 0.0
    # The fraction converges fast for x < (a + 1) / (a + b + 2); with b <= 1
    # it is also well conditioned a little past that, where the other
    # orientation would start from a difference of nearly equal numbers.
    widen = 0.5 if b <= 1.0 else 1.0
    if y > widen * (b + 1.0) / (a + b + 2.0):
        i = _betainc_fraction(a, b, x, y)
        return i, 1.0 - i
    j = _betainc_fraction(b, a, y, x)
    return 1.0 - j, j


def _betainc_fraction(a: float, b: float, x: float, y: float) -> float:
    """I_x(a, b) by its continued fraction (modified Lentz's method).

    The fraction is 1/(1 + d1/(1 + d2/(1 + ...))). When x is near 1 and a is
    large the odd d_n are near -1; the odd steps are then written with 1 + d_n
    (from y) and with the even step's C - 1 and D - 1, which keeps the result
    exact to rounding instead of losing about a * 1e-16.
    """
    # ln x from y when x is near 1 (and vice versa): a * ln x must not carry
    # x's rounding error when a is large.
    log_x = math.log(x) if x < 0.5 else math.log1p(-y)
    log_y = math.log(y) if y < 0.5 else math.log1p(-x)
    front = math.exp(a * log_x + b * log_y - _lbeta(a, b)) / a
    use_y = b <= 1.0  # then 1 + d_odd computed from y is a sum of positive terms

    def odd(m: int) -> tuple[float, float]:
        """d_(2m+1) and 1 + d_(2m+1)."""
        scale = (a + 2 * m) * (a + 2 * m + 1.0)
        d = -(a + m) * (a + b + m) * x / scale
        if not use_y:
            return d, 1.0 + d
        return d, (a * (2 * m + 1 - b) + m * (3 * m + 2 - b) + (a + m) * (a + b + m) * y) / scale

    big_c, big_d = 1.0, 1.0 / _nonzero(odd(0)[1])
    h = big_d
    for m in range(1, 100_000):
        even = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        denominator = _nonzero(1.0 + even * big_d)
        dev_d = -even * big_d / denominator  # the new D - 1, without cancellation
        dev_c = even / big_c  # the new C - 1
        big_d, big_c = 1.0 / denominator, _nonzero(1.0 + dev_c)
        h *= big_c * big_d
        d, one_plus = odd(m)
        big_d = 1.0 / _nonzero(one_plus + d * dev_d)  # 1 / (1 + d * D)
        big_c = _nonzero((one_plus + dev_c) / big_c)  # 1 + d / C
        factor = big_c * big_d
        h *= factor
        # A few units in the last place, not one: near the edge of the region
        # where the fraction is used, the factors can hover two units from 1
        # for ever, and 100,000 more steps of rounding cost 1e-9 of accuracy.
        if abs(factor - 1.0) < 4.0 * _EPS:
            break
    return front * h


def _nonzero(value: float) -> float:
    return value if abs(value) > _TINY else _TINY


def _lbeta(a: float, b: float) -> float:
    """ln B(a, b), without the cancellation of lgamma differences for large a."""
    small, large = min(a, b), max(a, b)
    if large < 15.0:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    total = small + large
    correction = _stirling_rest(large) - _stirling_rest(total)
    if small < 15.0:
        # ln G(large) - ln G(large + small) by Stirling's series, rearranged.
        diff = -(large - 0.5) * math.log1p(small / large) - small * math.log(total) + small
        return math.lgamma(small) + diff + correction
    return (
        _LN_2PI_HALF
        + (small - 0.5) * math.log(small / total)
        + (large - 0.5) * math.log(large / total)
        - 0.5 * math.log(total)
        + _stirling_rest(small)
        + correction
    )


def _stirling_rest(z: float) -> float:
    """ln G(z) - ((z - 1/2) ln z - z + ln(2 pi)/2), for z >= 15."""
    w = 1.0 / (z * z)
    return (1 / 12 - w * (1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w / 1188)))) / z


# P. J. Acklam's rational approximation of the normal quantile, highest power first.
_TAIL_NUM = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838,
             -2.549732539343734, 4.374664141464968, 2.938163982698783)  # fmt: skip
_TAIL_DEN = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996, 3.754408661907416, 1.0)
_CENTRAL_NUM = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
                1.383577518672690e02, -3.066479806614716e01, 2.506628277459239)  # fmt: skip
_CENTRAL_DEN = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
                6.680131188771972e01, -1.328068155288572e01, 1.0)  # fmt: skip


def _acklam(p: float) -> float:
    """Normal quantile to about 1e-9 for 0 < p <= 0.5; refined by the caller."""
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        return _polynomial(_TAIL_NUM, q) / _polynomial(_TAIL_DEN, q)
    q = p - 0.5
    r = q * q
    return q * _polynomial(_CENTRAL_NUM, r) / _polynomial(_CENTRAL_DEN, r)


def _polynomial(coefficients: tuple[float, ...], x: float) -> float:
    result = 0.0
    for c in coefficients:
        result = result * x + c
    return result


def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {p!r}")


def _check_df(df: float) -> None:
    if not df > 0.0:
        raise ValueError(f"degrees of freedom must be > 0, got {df!r}")


def f_cdf(x: float, df1: float, df2: float) -> float:
    """P(F <= x) for Fisher's F with ``df1`` and ``df2`` degrees of freedom:
    the regularized incomplete beta I_{df1 x / (df1 x + df2)}(df1/2, df2/2)."""
    _check_df(df1)
    _check_df(df2)
    if x <= 0.0:
        return 0.0
    if math.isinf(x):
        return 1.0
    denominator = df1 * x + df2
    return _betainc_pair(0.5 * df1, 0.5 * df2, df1 * x / denominator, df2 / denominator)[0]


def f_ppf(p: float, df1: float, df2: float) -> float:
    """The x with P(F <= x) = p (0 at p = 0, inf at p = 1).

    Bisection on ln x: slower than Newton's method but sure to converge, and
    only a few quantiles are asked for per report (Feldt's interval for alpha).
    """
    _check_probability(p)
    _check_df(df1)
    _check_df(df2)
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return math.inf
    low, high = -1.0, 1.0
    while f_cdf(math.exp(low), df1, df2) > p:
        low *= 2.0
    while f_cdf(math.exp(high), df1, df2) < p:
        high *= 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if f_cdf(math.exp(middle), df1, df2) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-15:
            break
    return math.exp(0.5 * (low + high))
