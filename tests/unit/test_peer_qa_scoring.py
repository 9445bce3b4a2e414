"""The agreement rule for two peer assessments, at its boundaries, and the QA state machine."""

from __future__ import annotations

import pytest

from portal.core.errors import InvalidTransition
from portal.peer_qa import scoring
from portal.peer_qa.models import QaStatus
from portal.peer_qa.workflow import MOVES, Mover, move_for

pytestmark = pytest.mark.no_db
COUNTED = [1, 2]  # marker 3 is the partnership's


def _apart(first, second, grades=(3, 3)):
    return scoring.disagreements(
        first, second, counted=COUNTED, first_grade=grades[0], second_grade=grades[1]
    )


def test_one_level_apart_on_every_marker_needs_no_moderation():
    assert _apart({1: 2, 2: 4, 3: 1}, {1: 3, 2: 3, 3: 2}, (2, 3)) == []


def test_two_levels_apart_on_a_reviewer_marker_needs_moderation():
    assert _apart({1: 1, 2: 3, 3: 3}, {1: 3, 2: 3, 3: 3}) == [1]


def test_two_levels_apart_on_the_overall_grade_needs_moderation():
    assert _apart({1: 3, 2: 3, 3: 3}, {1: 3, 2: 3, 3: 3}, (2, 4)) == [None]


def test_partnership_markers_never_trigger_moderation():
    assert _apart({1: 3, 2: 3, 3: 1}, {1: 3, 2: 3, 3: 4}) == []


def test_agreed_levels_are_the_lower_of_two_close_ones():
    assert scoring.derived_scores({1: 2, 2: 4}, {1: 3, 2: 3}) == {1: 2, 2: 3}
    assert scoring.derived_level(4, 3) == 3


def test_a_review_passes_from_the_rubrics_pass_grade():
    assert scoring.passed(3, pass_from=3)
    assert not scoring.passed(2, pass_from=3)


def test_the_state_machine_allows_only_its_moves_and_only_to_their_mover():
    assert move_for(QaStatus.DRAFT, QaStatus.SUBMITTED, Mover.AUTHOR)
    with pytest.raises(InvalidTransition, match="Only the author"):
        move_for(QaStatus.DRAFT, QaStatus.SUBMITTED, Mover.QA_LEAD)
    with pytest.raises(InvalidTransition, match="cannot become"):
        move_for(QaStatus.DRAFT, QaStatus.COMPLETED, Mover.SYSTEM)
    with pytest.raises(InvalidTransition):
        move_for(QaStatus.IN_ASSESSMENT, QaStatus.WITHDRAWN, Mover.AUTHOR)
    assert {m.target for m in MOVES if m.source is QaStatus.IN_ASSESSMENT} == {
        QaStatus.MODERATION,
        QaStatus.COMPLETED,
    }
