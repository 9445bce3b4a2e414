"""The application state machine: every move in the table, and every move not in it."""

from __future__ import annotations

import itertools

import pytest

from portal.applications.models import ApplicationStatus as S
from portal.applications.workflow import ALLOWED, MOVES, Mover, move_for, targets_from
from portal.core.errors import InvalidTransition

PAIRS = list(itertools.product(S, S))
ALLOWED_CELLS = [(m.source, m.target, by) for m in MOVES for by in sorted(m.by)]
WRONG_MOVER_CELLS = [(m.source, m.target, by) for m in MOVES for by in Mover if by not in m.by]


@pytest.mark.parametrize(("source", "target", "by"), ALLOWED_CELLS)
def test_each_allowed_move_is_allowed_to_its_movers(source, target, by):
    assert move_for(source, target, by).target is target


@pytest.mark.parametrize(("source", "target", "by"), WRONG_MOVER_CELLS)
def test_each_allowed_move_is_refused_to_everyone_else(source, target, by):
    with pytest.raises(InvalidTransition, match="Only the"):
        move_for(source, target, by)


@pytest.mark.parametrize(("source", "target"), [(s, t) for s, t in PAIRS if (s, t) not in ALLOWED])
def test_every_move_not_in_the_table_is_refused(source, target):
    for by in Mover:
        with pytest.raises(InvalidTransition, match="cannot become"):
            move_for(source, target, by)


def test_the_table_has_the_states_the_scheme_needs():
    assert set(targets_from(S.DRAFT)) == {S.SUBMITTED, S.WITHDRAWN}
    assert targets_from(S.WITHDRAWN) == []
    assert set(targets_from(S.DECIDED)) == {S.APPEALED}
    # Every state but the two ends can be withdrawn from, except a decision under appeal.
    for status in S:
        if status not in {S.DECIDED, S.WITHDRAWN, S.APPEALED}:
            assert S.WITHDRAWN in targets_from(status), status
    # Every state is reachable from a draft.
    seen, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for target in targets_from(frontier.pop()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(S)
