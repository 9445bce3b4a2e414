"""The agreement rule for two peer assessments, as pure functions.

Two assessments need moderation when they are two or more levels apart on any marker the
reviewer is responsible for, or on the overall grade. Otherwise the agreed level of each
marker, and the agreed overall grade, is the LOWER of the two: a review's result is never
lifted by the kinder of two close judgements. Markers the partnership is responsible for do not
trigger moderation (they are not the reviewer's result); their agreed level is always the lower
of the two.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

MODERATION_GAP = 2


def derived_level(first: int, second: int) -> int:
    return min(first, second)


def disagreements(
    first: Mapping[int, int],
    second: Mapping[int, int],
    *,
    counted: Collection[int],
    first_grade: int,
    second_grade: int,
) -> list[int | None]:
    """The markers (by id, in `counted` only) two or more levels apart, and None when the
    overall grades are: an empty list means no moderation."""
    found: list[int | None] = [
        marker_id
        for marker_id in counted
        if abs(first[marker_id] - second[marker_id]) >= MODERATION_GAP
    ]
    if abs(first_grade - second_grade) >= MODERATION_GAP:
        found.append(None)
    return found


def derived_scores(first: Mapping[int, int], second: Mapping[int, int]) -> dict[int, int]:
    return {marker_id: derived_level(first[marker_id], second[marker_id]) for marker_id in first}


def passed(grade: int, *, pass_from: int) -> bool:
    """A review passes peer QA when its agreed overall grade reaches the rubric's pass grade."""
    return grade >= pass_from
