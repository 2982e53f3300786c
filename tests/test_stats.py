"""Known answers from the papers that published the methods.

Newcombe, R. G. (1998a). Two-sided confidence intervals for the single
proportion: comparison of seven methods. Statistics in Medicine 17, 857-872,
Table I, method 3 (Wilson score, no continuity correction).

Newcombe, R. G. (1998b). Interval estimation for the difference between
independent proportions: comparison of eleven methods. Statistics in
Medicine 17, 873-890, Table II, method 10 (hybrid score, no continuity
correction).
"""

from __future__ import annotations

import pytest

from csat.metrics.stats import Interval, newcombe, t_interval, t_quantile, welch, wilson


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # 1998a Table I, example (a)
        (15, 148, 0.0624, 0.1605),  # example (b)
        (0, 20, 0.0000, 0.1611),  # example (c)
        (1, 29, 0.0061, 0.1718),  # example (d)
    ],
)
def test_wilson_matches_newcombe_1998a(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson(successes, n)
    assert interval is not None
    assert interval.estimate == successes / n
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


@pytest.mark.parametrize(
    ("a", "m", "b", "n", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),  # 1998b Table II, example (a)
        (9, 10, 3, 10, 0.1705, 0.8090),  # example (b)
        (6, 7, 2, 7, 0.0582, 0.8062),  # example (c)
        (5, 56, 0, 29, -0.0381, 0.1926),  # example (d)
        (0, 10, 0, 20, -0.1611, 0.2775),  # example (e)
        (0, 10, 0, 10, -0.2775, 0.2775),  # example (f)
        (10, 10, 0, 20, 0.6791, 1.0000),  # example (g)
        (10, 10, 0, 10, 0.6075, 1.0000),  # example (h)
    ],
)
def test_newcombe_method_10_matches_newcombe_1998b(
    a: int, m: int, b: int, n: int, low: float, high: float
) -> None:
    interval = newcombe(a, m, b, n)
    assert interval is not None
    assert interval.estimate == pytest.approx(a / m - b / n)
    assert round(interval.low, 4) == pytest.approx(low, abs=1e-12)
    assert round(interval.high, 4) == pytest.approx(high, abs=1e-12)


def test_empty_groups_have_no_interval() -> None:
    assert wilson(0, 0) is None
    assert newcombe(0, 0, 3, 4) is None
    assert newcombe(3, 4, 0, 0) is None


def test_edges_are_exact_and_contain() -> None:
    all_yes = wilson(7, 7)
    assert all_yes is not None
    assert all_yes.high == 1.0
    assert all_yes.contains(1.0)
    assert not Interval(0.5, 0.4, 0.6).contains(0.7)


@pytest.mark.parametrize(("successes", "n"), [(-1, 3), (4, 3), (0, -1)])
def test_impossible_counts_are_rejected(successes: int, n: int) -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson(successes, n)


#: Student's t quantiles t(0.975, df) and t(0.995, 7) to 9 decimals, as R's qt() gives
#: them (the printed tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2, agree to their 3).
T_TABLE = [
    (0.975, 1, 12.706204736),
    (0.975, 2, 4.302652730),
    (0.975, 3, 3.182446305),
    (0.975, 5, 2.570581836),
    (0.975, 10, 2.228138852),
    (0.975, 30, 2.042272456),
    (0.975, 100, 1.983971519),
    (0.975, 1000, 1.962339081),
    (0.995, 7, 3.499483297),
]


@pytest.mark.parametrize(("p", "df", "expected"), T_TABLE)
def test_t_quantiles_match_the_tables(p: float, df: int, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=2e-9)


def test_t_quantiles_join_where_the_expansion_takes_over() -> None:
    """Exact inversion up to df = 100, the Cornish-Fisher expansion above: no step between."""
    steps = [t_quantile(0.975, df) - t_quantile(0.975, df + 1) for df in range(95, 106)]
    assert all(0 < step < 3e-4 for step in steps)
    assert steps == sorted(steps, reverse=True)  # shrinking steadily, as the quantile does


@pytest.mark.parametrize(("p", "df"), [(0.5, 3), (1.0, 3), (0.975, 0)])
def test_t_quantile_rejects_what_it_cannot_answer(p: float, df: int) -> None:
    with pytest.raises(ValueError, match="need df"):
        t_quantile(p, df)


def test_t_interval_of_a_mean() -> None:
    values = [4.0, 5.0, 6.0, 5.0, 7.0, 3.0]  # mean 5, s = sqrt(2)
    interval = t_interval(sum(values), sum(v * v for v in values), len(values))
    assert interval is not None
    half = 2.570581836 * 2**0.5 / 6**0.5
    got = (interval.estimate, interval.low, interval.high)
    assert got == pytest.approx((5, 5 - half, 5 + half))
    assert t_interval(5.0, 25.0, 1) is None
    same = t_interval(14.0, 98.0, 2)  # 7 and 7: no spread
    assert same is not None and (same.low, same.high) == (7.0, 7.0)


def test_welch_interval_of_a_difference() -> None:
    """Welch-Satterthwaite df for s1^2 = 2 (n 6) and s2^2 = 5 (n 5): 6.53, rounded down to 6."""
    first = [4.0, 5.0, 6.0, 5.0, 7.0, 3.0]
    second = [1.0, 3.0, 7.0, 5.0, 4.0]  # mean 4, s^2 = 5
    got = welch(sum(first), sum(v * v for v in first), 6, sum(second),
                sum(v * v for v in second), 5)  # fmt: skip
    assert got is not None
    a, b = 2 / 6, 5 / 5
    df = (a + b) ** 2 / (a * a / 5 + b * b / 4)
    assert 6 < df < 7
    half = t_quantile(0.975, 6) * (a + b) ** 0.5
    assert (got.estimate, got.low, got.high) == pytest.approx((1, 1 - half, 1 + half))
    assert welch(1.0, 1.0, 1, 2.0, 4.0, 1) is None
