"""The CPD audit sample: reproducible from its seed, the right size, and the right people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.cpd.sampling import Candidate, Population, draw, population, sample_size

pytestmark = pytest.mark.no_db

TODAY = date(2027, 6, 1)


def people(n: int, *, always: tuple[int, ...] = ()) -> Population:
    return Population(tuple(range(1, n + 1)), always, (), ())


@pytest.mark.parametrize(
    ("eligible", "percent", "size"),
    [
        (0, "5", 0),
        (1, "5", 1),
        (19, "5", 1),
        (20, "5", 1),
        (21, "5", 2),
        (100, "5", 5),
        (101, "5", 6),
        (40, "2.5", 1),
        (41, "2.5", 2),
        (200, "2.5", 5),
        (3, "100", 3),
    ],
)
def test_the_sample_is_the_percentage_rounded_up_and_at_least_one(eligible, percent, size):
    assert sample_size(eligible, Decimal(percent)) == size
    assert len(draw(people(eligible), percent=Decimal(percent), seed=7)) == size


@pytest.mark.parametrize("percent", ["2.4", "0", "100.1", "-5"])
def test_a_percentage_outside_the_scheme_settings_is_refused(percent):
    with pytest.raises(ValueError, match=r"between 2\.5% and 100%"):
        sample_size(100, Decimal(percent))


def test_the_same_seed_draws_the_same_sample_and_another_seed_usually_not():
    group = people(400)
    first = draw(group, percent=Decimal("5"), seed=20270601)
    assert first == draw(group, percent=Decimal("5"), seed=20270601)
    # The order the population is listed in does not change the draw.
    shuffled = Population(tuple(reversed(group.eligible)), (), (), ())
    assert first == draw(shuffled, percent=Decimal("5"), seed=20270601)
    others = {draw(group, percent=Decimal("5"), seed=seed) for seed in range(10)}
    assert len(others) > 1
    assert set(first) <= set(group.eligible)


def test_the_new_and_those_under_audit_are_left_out_and_advice_is_always_drawn():
    candidates = [
        Candidate(1, date(2025, 1, 1)),
        Candidate(2, date(2026, 6, 1)),  # exactly one year: eligible
        Candidate(3, date(2026, 6, 2)),  # a day short of a year: newly accredited
        Candidate(4, date(2024, 1, 1)),  # already under audit
        Candidate(5, date(2024, 1, 1)),  # given advice last cycle
        Candidate(6, date(2026, 12, 1)),  # given advice, but new since: still drawn
    ]
    found = population(candidates, today=TODAY, under_audit={4}, advice_last_cycle={5, 6})
    assert found == Population(
        eligible=(1, 2), always=(5, 6), newly_accredited=(3,), under_audit=(4,)
    )
    sample = draw(found, percent=Decimal("5"), seed=1)
    assert {5, 6} <= set(sample)
    assert len(sample) == 3
    assert not {3, 4} & set(sample)


def test_with_nobody_eligible_only_those_given_advice_are_drawn():
    assert draw(Population((), (9,), (), ()), percent=Decimal("5"), seed=3) == (9,)
