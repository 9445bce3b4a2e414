"""The application state machine: which moves are allowed, and who makes each one."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from portal.applications.models import ApplicationStatus as S
from portal.core.errors import InvalidTransition


class Mover(enum.StrEnum):
    """Who makes a move: the services check that the actor is this person."""

    APPLICANT = "applicant"
    ADMINISTRATOR = "administrator"
    ASSESSOR = "assessor"
    MODERATOR = "moderator"
    APPEAL_PANEL = "appeal panel"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    source: S
    target: S
    by: frozenset[Mover]
    what: str


def _move(source: S, target: S, what: str, *by: Mover) -> Move:
    return Move(source, target, frozenset(by), what)


APPLICANT, ADMIN = Mover.APPLICANT, Mover.ADMINISTRATOR

# The whole table. Anything not here is refused with InvalidTransition.
MOVES: tuple[Move, ...] = (
    _move(S.DRAFT, S.SUBMITTED, "The applicant submits the application", APPLICANT),
    _move(S.DRAFT, S.WITHDRAWN, "The applicant withdraws the draft", APPLICANT),
    _move(S.SUBMITTED, S.IN_ASSESSMENT, "An administrator allocates two assessors", ADMIN),
    _move(S.SUBMITTED, S.WITHDRAWN, "The application is withdrawn", APPLICANT, ADMIN),
    _move(
        S.IN_ASSESSMENT,
        S.INFORMATION_REQUESTED,
        "An assessor asks the applicant for more information",
        Mover.ASSESSOR,
    ),
    _move(
        S.IN_ASSESSMENT,
        S.MODERATION,
        "The two assessments disagree, so a moderator is needed",
        Mover.SYSTEM,
    ),
    _move(
        S.IN_ASSESSMENT,
        S.AWAITING_DECISION,
        "The two assessments agree",
        Mover.SYSTEM,
    ),
    _move(S.IN_ASSESSMENT, S.WITHDRAWN, "The application is withdrawn", APPLICANT, ADMIN),
    _move(
        S.INFORMATION_REQUESTED,
        S.IN_ASSESSMENT,
        "The applicant answers the request and assessment resumes",
        APPLICANT,
    ),
    _move(S.INFORMATION_REQUESTED, S.WITHDRAWN, "The application is withdrawn", APPLICANT, ADMIN),
    _move(
        S.MODERATION,
        S.AWAITING_DECISION,
        "The moderator records the agreed scores",
        Mover.MODERATOR,
    ),
    _move(S.MODERATION, S.WITHDRAWN, "The application is withdrawn", APPLICANT, ADMIN),
    _move(S.AWAITING_DECISION, S.DECIDED, "An administrator records the decision", ADMIN),
    _move(S.AWAITING_DECISION, S.WITHDRAWN, "The application is withdrawn", APPLICANT, ADMIN),
    _move(S.DECIDED, S.APPEALED, "The applicant appeals the decision", APPLICANT),
    _move(
        S.APPEALED,
        S.DECIDED,
        "The appeal panel confirms or replaces the decision",
        Mover.APPEAL_PANEL,
    ),
)

ALLOWED: dict[tuple[S, S], Move] = {(m.source, m.target): m for m in MOVES}


def move_for(source: S, target: S, by: Mover) -> Move:
    """The move from `source` to `target` if the table allows it to `by`, else InvalidTransition."""
    move = ALLOWED.get((source, target))
    if move is None:
        raise InvalidTransition(
            f"An application that is {source.label.lower()} cannot become {target.label.lower()}."
        )
    if by not in move.by:
        raise InvalidTransition(f"Only the {' or '.join(sorted(move.by))} can do this.")
    return move


def targets_from(source: S) -> list[S]:
    return [m.target for m in MOVES if m.source is source]


# A calibration exercise double-marks an application whose scores are already agreed; it
# changes nothing about the application itself.
CALIBRATING: frozenset[S] = frozenset({S.AWAITING_DECISION, S.DECIDED, S.APPEALED})
