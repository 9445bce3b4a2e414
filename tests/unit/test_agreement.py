"""Agreement between assessors: exact, adjacent and quadratic-weighted kappa."""

from __future__ import annotations

import pytest

from portal.applications.agreement import (
    Mark,
    agreement,
    by_assessor,
    by_competency,
    pairs_from,
    weighted_kappa,
)

LEVELS = [1, 2, 3, 4]


def _marks(rows):
    """rows: (application, competency, assessor, level)."""
    return [Mark(*row) for row in rows]


def test_pairs_are_formed_per_application_and_competency():
    pairs = pairs_from(
        _marks(
            [
                (1, "A", 10, 3),
                (1, "A", 11, 2),
                (1, "B", 10, 4),
                (1, "B", 11, 4),
                (2, "A", 10, 1),  # alone: no pair
                (3, "A", 10, 2),
                (3, "A", 11, 2),
                (3, "A", 12, 4),  # three assessors: three pairs
            ]
        )
    )
    assert len(pairs) == 2 + 3
    assert {(p.first, p.second) for p in pairs} == {(10, 11), (10, 12), (11, 12)}


def test_perfect_agreement_has_kappa_one():
    pairs = pairs_from(
        _marks(
            [(n, "A", 1, lv) for n, lv in enumerate([1, 2, 3, 4, 2, 3])]
            + [(n, "A", 2, lv) for n, lv in enumerate([1, 2, 3, 4, 2, 3])]
        )
    )
    result = agreement(pairs, LEVELS)
    assert result.exact == 1.0
    assert result.adjacent == 1.0
    assert result.kappa == pytest.approx(1.0)


def test_kappa_matches_a_worked_example():
    # First assessor 1,2,3,4 and second 2,2,3,3: quadratic-weighted kappa computed by hand.
    first = [1, 2, 3, 4]
    second = [2, 2, 3, 3]
    pairs = pairs_from(
        _marks(
            [(n, "A", 1, lv) for n, lv in enumerate(first)]
            + [(n, "A", 2, lv) for n, lv in enumerate(second)]
        )
    )
    # Observed weighted disagreement: (1/9 + 0 + 0 + 1/9) / 4 = 1/18.
    # Expected: margins first [.25,.25,.25,.25], second [0,.5,.5,0]; sum w_ij r_i c_j = 1/6.
    assert weighted_kappa(pairs, LEVELS) == pytest.approx(1 - (1 / 18) / (1 / 6))
    result = agreement(pairs, LEVELS)
    assert result.exact == 0.5
    assert result.adjacent == 1.0


def test_systematic_disagreement_gives_a_negative_kappa():
    pairs = pairs_from(
        _marks(
            [(n, "A", 1, lv) for n, lv in enumerate([1, 4, 1, 4])]
            + [(n, "A", 2, lv) for n, lv in enumerate([4, 1, 4, 1])]
        )
    )
    assert weighted_kappa(pairs, LEVELS) < 0


def test_kappa_is_undefined_without_pairs_or_spread():
    assert weighted_kappa([], LEVELS) is None
    same = pairs_from(_marks([(1, "A", 1, 3), (1, "A", 2, 3)]))
    assert weighted_kappa(same, LEVELS) is None
    assert agreement([], LEVELS).pairs == 0


def test_figures_by_assessor_and_by_competency():
    pairs = pairs_from(
        _marks(
            [
                (1, "A", 10, 3),
                (1, "A", 11, 3),
                (1, "B", 10, 1),
                (1, "B", 11, 4),
                (2, "A", 10, 2),
                (2, "A", 12, 3),
            ]
        )
    )
    assessors = by_assessor(pairs, LEVELS)
    assert assessors[10].pairs == 3
    assert assessors[11].exact == 0.5
    assert assessors[12].adjacent == 1.0
    competencies = by_competency(pairs, LEVELS)
    assert competencies["A"].exact == 0.5
    assert competencies["B"].adjacent == 0.0
    assert not competencies["B"].enough
