"""The peer QA state machine: which moves a submitted review may make, and who makes each."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from portal.core.errors import InvalidTransition
from portal.peer_qa.models import QaStatus as S


class Mover(enum.StrEnum):
    """Who makes a move: the services check that the actor is this person."""

    AUTHOR = "author"
    QA_LEAD = "QA lead"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    source: S
    target: S
    by: frozenset[Mover]
    what: str


def _move(source: S, target: S, what: str, *by: Mover) -> Move:
    return Move(source, target, frozenset(by), what)


AUTHOR, LEAD, SYSTEM = Mover.AUTHOR, Mover.QA_LEAD, Mover.SYSTEM

# The whole table. Anything not here is refused with InvalidTransition.
MOVES: tuple[Move, ...] = (
    _move(S.DRAFT, S.SUBMITTED, "The author submits the review", AUTHOR),
    _move(S.DRAFT, S.WITHDRAWN, "The author withdraws the draft", AUTHOR),
    _move(S.SUBMITTED, S.WITHDRAWN, "The author withdraws the review", AUTHOR),
    _move(S.SUBMITTED, S.IN_ASSESSMENT, "The QA lead allocates two peer assessors", LEAD),
    _move(
        S.IN_ASSESSMENT,
        S.MODERATION,
        "The two assessments are two or more levels apart, so the QA lead moderates",
        SYSTEM,
    ),
    _move(
        S.IN_ASSESSMENT,
        S.COMPLETED,
        "The two assessments agree closely enough: the agreed scores are derived",
        SYSTEM,
    ),
    _move(S.MODERATION, S.COMPLETED, "The QA lead records the agreed scores", LEAD),
    _move(S.COMPLETED, S.RESPONDED, "The author responds to the feedback", AUTHOR),
)

ALLOWED: dict[tuple[S, S], Move] = {(m.source, m.target): m for m in MOVES}


def move_for(source: S, target: S, by: Mover) -> Move:
    """The move from `source` to `target` if the table allows it to `by`, else InvalidTransition."""
    move = ALLOWED.get((source, target))
    if move is None:
        raise InvalidTransition(
            f"A review that is {source.label.lower()} cannot become {target.label.lower()}."
        )
    if by not in move.by:
        raise InvalidTransition(f"Only the {' or '.join(sorted(move.by))} can do this.")
    return move
