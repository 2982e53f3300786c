"""Funnel limits and the paired test, against values computed independently.

The expected limits were computed with SciPy's ``scipy.stats.binom`` (cdf and
ppf) and Spiegelhalter's interpolation, the p-values with
``scipy.stats.binomtest``; SciPy is not a dependency of csat.
"""

from __future__ import annotations

import pytest

from csat.metrics.funnel import Position, binomial_limit, funnel, limits, mcnemar_exact

#: (n, p0) -> the limits at q = 0.001, 0.025, 0.975, 0.999.
EXPECTED = {
    (1, 0.7): (0.0, 0.0, 0.9642857143, 0.9985714286),
    (20, 0.5): (0.1367357895, 0.2558235294, 0.6941764706, 0.8132642105),
    (50, 0.8): (0.6008559023, 0.6729061166, 0.895595178, 0.9452238568),
    (200, 0.75): (0.6496672196, 0.6862531457, 0.8063793219, 0.8383993062),
    (30, 0.02): (0.0, 0.0, 0.0655596355, 0.1243395198),
    (30, 0.99): (0.8750390319, 0.9220145191, 0.9988734177, 0.9999549367),
    (1000, 0.6): (0.5513534681, 0.5690463338, 0.6297726258, 0.6470581327),
}


@pytest.mark.parametrize(("n", "p0"), list(EXPECTED))
def test_limits_match_the_binomial_quantiles(n: int, p0: float) -> None:
    got = tuple(binomial_limit(n, p0, q) for q in (0.001, 0.025, 0.975, 0.999))
    assert got == pytest.approx(EXPECTED[n, p0], abs=1e-9)
    at = limits(n, p0)
    assert (at.low998, at.low95, at.high95, at.high998) == pytest.approx(got)


@pytest.mark.parametrize("p0", [0.0, 1.0])
def test_no_variation_at_the_edges(p0: float) -> None:
    at = limits(25, p0)
    assert (at.low998, at.low95, at.high95, at.high998) == (p0, p0, p0, p0)


@pytest.mark.parametrize(("n", "p0", "q"), [(0, 0.5, 0.5), (5, 1.5, 0.5), (5, 0.5, 1.0)])
def test_bad_arguments(n: int, p0: float, q: float) -> None:
    with pytest.raises(ValueError, match="need"):
        binomial_limit(n, p0, q)


def test_units_are_placed_against_the_pooled_share() -> None:
    result = funnel(
        [("ana", 87, 100), ("bo", 150, 200), ("cy", 5, 20), ("di", 18, 20), ("ed", 0, 0)]
    )
    assert result.target == pytest.approx(260 / 340)
    positions = {unit.name: unit.position for unit in result.units}
    assert positions == {
        "ana": Position.ABOVE_95,  # 0.87 at n = 100 over a target of 0.76
        "bo": Position.WITHIN,
        "cy": Position.BELOW_998,  # 0.25 at n = 20
        "di": Position.WITHIN,  # 0.90 at n = 20: within, though it would "rank" first
    }
    assert [unit.name for unit in result.outside] == ["ana", "cy"]
    assert result.curve[0].n == 1 and result.curve[-1].n == 200
    widths = [at.high95 - at.low95 for at in result.curve if at.n >= 10]
    assert widths == sorted(widths, reverse=True)  # the funnel narrows


def test_a_given_target_and_bad_counts() -> None:
    assert funnel([("a", 3, 4)], target=0.5).target == 0.5
    assert funnel([]).units == [] and funnel([]).curve == []
    with pytest.raises(ValueError, match="a: need 0 <= successes <= n"):
        funnel([("a", 5, 4)])


@pytest.mark.parametrize(
    ("helped_only", "understood_only", "p_value", "flagged"),
    [
        (10, 2, 0.03857421875, True),
        (5, 5, 1.0, False),
        (0, 3, 0.25, False),
        (12, 0, 0.00048828125, True),
        (30, 18, 0.11140289106101878, False),
        (2, 10, 0.03857421875, False),  # clear, but the other way round
        (0, 0, 1.0, False),
    ],
)
def test_mcnemar_exact_matches_the_binomial_test(
    helped_only: int, understood_only: int, p_value: float, flagged: bool
) -> None:
    test = mcnemar_exact("ana", helped_only, understood_only)
    assert test.p_value == pytest.approx(p_value, rel=1e-12)
    assert test.flagged() is flagged


@pytest.mark.parametrize(
    ("successes", "n", "p0", "position"),
    [
        # 10 of 10 at p0 = 0.8: P = 0.8**10 = 0.107, though above the drawn 97.5 % curve (0.977)
        (10, 10, 0.8, Position.WITHIN),
        (23, 23, 0.8, Position.ABOVE_95),  # P = 0.8**23 = 0.0059: above 95 %, not 99.8 %
        (31, 31, 0.8, Position.ABOVE_998),  # P = 0.8**31 = 0.00099
        (30, 30, 0.8, Position.ABOVE_95),  # P = 0.00124
        (0, 10, 0.3, Position.WITHIN),  # P = 0.7**10 = 0.028
        (0, 11, 0.3, Position.BELOW_95),  # P = 0.0198
        (0, 20, 0.3, Position.BELOW_998),  # P = 0.0008
        (3, 10, 0.0, Position.ABOVE_998),  # no variation: anything but 0 is beyond
        (10, 10, 1.0, Position.WITHIN),
        (9, 10, 1.0, Position.BELOW_998),
    ],
)
def test_units_are_placed_by_their_exact_tail_not_the_interpolated_curve(
    successes: int, n: int, p0: float, position: Position
) -> None:
    (placed,) = funnel([("u", successes, n)], target=p0).units
    assert placed.position is position
    if (successes, n) == (10, 10) and p0 == 0.8:
        assert placed.share > placed.limits.high95  # drawn above the curve, yet within
