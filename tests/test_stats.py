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

from csat.metrics.stats import Interval, newcombe, wilson


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
