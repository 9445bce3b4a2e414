"""Drawing the CPD audit sample: who is eligible, how many, and a draw anyone can repeat from its
recorded seed. Pure: no database, no Flask."""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.core.dates import add_years

DEFAULT_PERCENT = Decimal("5")
MIN_PERCENT = Decimal("2.5")
MAX_PERCENT = Decimal("100")


@dataclass(frozen=True)
class Candidate:
    """A reviewer who holds a current accreditation, by their accreditation record."""

    record_id: int
    starts_on: date


@dataclass(frozen=True)
class Population:
    """Who may be drawn, who must be, and who was left out and why (kept with the cycle)."""

    eligible: tuple[int, ...]
    always: tuple[int, ...]
    newly_accredited: tuple[int, ...]
    under_audit: tuple[int, ...]


def population(
    candidates: Sequence[Candidate],
    *,
    today: date,
    under_audit: Collection[int],
    advice_last_cycle: Collection[int],
) -> Population:
    """Leave out the newly accredited (less than one CPD year since their accreditation
    started) and anyone already under audit; anyone given advice last cycle is always drawn,
    however new, unless already under audit."""
    eligible: list[int] = []
    always: list[int] = []
    new: list[int] = []
    busy: list[int] = []
    for candidate in sorted(candidates, key=lambda c: c.record_id):
        if candidate.record_id in under_audit:
            busy.append(candidate.record_id)
        elif candidate.record_id in advice_last_cycle:
            always.append(candidate.record_id)
        elif add_years(candidate.starts_on, 1) > today:
            new.append(candidate.record_id)
        else:
            eligible.append(candidate.record_id)
    return Population(tuple(eligible), tuple(always), tuple(new), tuple(busy))


def check_percent(percent: Decimal) -> Decimal:
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise ValueError(f"The sample must be between {MIN_PERCENT}% and {MAX_PERCENT}%")
    return percent


def sample_size(eligible: int, percent: Decimal) -> int:
    """`percent` of the eligible, rounded up, and at least one when anyone is eligible."""
    if eligible <= 0:
        return 0
    return min(eligible, max(1, math.ceil(Decimal(eligible) * check_percent(percent) / 100)))


def draw(people: Population, *, percent: Decimal, seed: int) -> tuple[int, ...]:
    """The sample: everyone given advice last cycle, and `percent` of the other eligible
    reviewers drawn at random. The same population, percentage and seed always give the same
    sample, so a recorded draw can be checked by repeating it."""
    drawn = random.Random(seed).sample(  # repeatable from a recorded seed  # nosec B311
        sorted(people.eligible), sample_size(len(people.eligible), percent)
    )
    return tuple(sorted({*people.always, *drawn}))
