"""Inter-assessor agreement: exact and adjacent agreement and quadratic-weighted kappa over
pairs of scores two assessors gave the same competency of the same application. Pure: no
database, no Flask."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Mark:
    """One assessor's level for one competency of one application."""

    application_id: int
    competency: str
    assessor_id: int
    level: int


@dataclass(frozen=True)
class Pair:
    application_id: int
    competency: str
    first: int  # assessor ids, lower first
    second: int
    first_level: int
    second_level: int

    @property
    def gap(self) -> int:
        return abs(self.first_level - self.second_level)


@dataclass(frozen=True)
class Agreement:
    pairs: int
    exact: float | None
    adjacent: float | None
    kappa: float | None

    @property
    def enough(self) -> bool:
        """Too few pairs make the figures noise; the page says so instead of showing them."""
        return self.pairs >= MIN_PAIRS


MIN_PAIRS = 5


def pairs_from(marks: Iterable[Mark]) -> list[Pair]:
    """Every pair of assessors who scored the same competency of the same application."""
    grouped: dict[tuple[int, str], list[Mark]] = defaultdict(list)
    for mark in marks:
        grouped[(mark.application_id, mark.competency)].append(mark)
    pairs = []
    for (application_id, competency), group in sorted(grouped.items()):
        ordered = sorted(group, key=lambda m: m.assessor_id)
        for a, b in combinations(ordered, 2):
            if a.assessor_id == b.assessor_id:
                continue
            pairs.append(
                Pair(application_id, competency, a.assessor_id, b.assessor_id, a.level, b.level)
            )
    return pairs


def weighted_kappa(pairs: Sequence[Pair], levels: Sequence[int]) -> float | None:
    """Cohen's kappa with quadratic weights: 1 is perfect agreement, 0 what chance would give.
    None when it is undefined (no pairs, or every score on one level)."""
    if not pairs or len(levels) < 2:
        return None
    index = {level: i for i, level in enumerate(levels)}
    k = len(levels)
    n = len(pairs)
    observed = [[0.0] * k for _ in range(k)]
    for pair in pairs:
        observed[index[pair.first_level]][index[pair.second_level]] += 1 / n
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    weight = [[((i - j) ** 2) / ((k - 1) ** 2) for j in range(k)] for i in range(k)]
    disagreement_observed = sum(weight[i][j] * observed[i][j] for i in range(k) for j in range(k))
    disagreement_expected = sum(
        weight[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k)
    )
    if disagreement_expected == 0:
        return None
    return 1 - disagreement_observed / disagreement_expected


def agreement(pairs: Sequence[Pair], levels: Sequence[int]) -> Agreement:
    if not pairs:
        return Agreement(0, None, None, None)
    n = len(pairs)
    return Agreement(
        pairs=n,
        exact=sum(1 for p in pairs if p.gap == 0) / n,
        adjacent=sum(1 for p in pairs if p.gap <= 1) / n,
        kappa=weighted_kappa(pairs, levels),
    )


def by_assessor(pairs: Sequence[Pair], levels: Sequence[int]) -> dict[int, Agreement]:
    """Each assessor's agreement with whoever they were paired with."""
    mine: dict[int, list[Pair]] = defaultdict(list)
    for pair in pairs:
        mine[pair.first].append(pair)
        mine[pair.second].append(pair)
    return {assessor: agreement(found, levels) for assessor, found in sorted(mine.items())}


def by_competency(pairs: Sequence[Pair], levels: Sequence[int]) -> dict[str, Agreement]:
    grouped: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        grouped[pair.competency].append(pair)
    return {code: agreement(found, levels) for code, found in sorted(grouped.items())}
