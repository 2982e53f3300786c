"""csat.metrics.compare: funnels and the paired test over a month's summaries, by hand."""

from __future__ import annotations

from csat.metrics import Mean, Quadrants, Share, Summary
from csat.metrics.compare import empathy_check, unit_funnels
from csat.metrics.funnel import Position


def unit(
    key: str, understood: int, helped: int, n: int, quadrants: Quadrants | None = None
) -> Summary:
    """A group of ``n`` responses, ``understood`` and ``helped`` of them top-2-box."""
    return Summary(
        key=key,
        responses=n,
        understood=Share(understood, n),
        helped=Share(helped, n),
        csat=Share(0, 0),
        effort=Mean(0.0, 0),
        quadrants=quadrants or Quadrants(),
        small=n < 10,
    )


def test_funnels_flag_only_units_with_enough_responses() -> None:
    groups = [
        unit("ana", 90, 60, 100),  # understood clearly above 0.64, helped at the target
        unit("bo", 120, 120, 200),
        unit("cy", 5, 12, 20),  # understood clearly below
        unit("di", 0, 8, 8),  # far below, but small: drawn, never flagged
        unit("ed", 15, 12, 20),
    ]
    funnels = unit_funnels(groups)
    assert funnels.understood.target == (90 + 120 + 5 + 0 + 15) / 348
    positions = {u.name: u.position for u in funnels.understood.units}
    assert positions["di"] is Position.BELOW_998  # outside, yet not flagged:
    assert [u.name for u in funnels.flagged("understood")] == ["ana", "cy"]
    assert funnels.flagged("helped") == []
    assert funnels.small == {"di"}
    assert funnels.compared == 4
    assert funnels.within == 2  # bo and ed on both measures


def test_the_paired_test_names_both_directions_and_counts_what_chance_gives() -> None:
    agents = [
        unit("zoe", 10, 22, 25, Quadrants(8, 14, 2, 1)),  # 14 helped only vs 2: p = 0.004
        unit("amy", 20, 12, 25, Quadrants(10, 2, 10, 3)),  # 2 vs 10: the other way round
        unit("bea", 15, 15, 25, Quadrants(10, 5, 5, 5)),  # balanced
        unit("cat", 2, 9, 9, Quadrants(2, 7, 0, 0)),  # small: not tested
    ]
    check = empathy_check(agents)
    assert [t.name for t in check.tests] == ["amy", "bea", "zoe"]  # by name, never by score
    assert [t.name for t in check.without_empathy] == ["zoe"]
    assert [t.name for t in check.without_solution] == ["amy"]
    assert check.untested == 1
    assert check.by_chance == 0.05 * 3
    zoe = check.without_empathy[0]
    assert (zoe.helped_only, zoe.understood_only) == (14, 2)
    assert round(zoe.p_value, 4) == 0.0042
