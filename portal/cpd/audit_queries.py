"""Read models for the CPD audit: the scheme's audit settings, who may be drawn, cycles and
their outcome counts, the draw repeated from its seed, and the queues of reviewers, assessors
and administrators."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import CURRENT_ACCREDITATION, AccreditationRecord, MentorPairing
from portal.auth.models import RoleGrant, User
from portal.core.permissions import ROLE_PERMISSIONS, Permission, Role
from portal.cpd import queries
from portal.cpd.audit_models import (
    FINISHED,
    AuditOutcome,
    AuditStatus,
    CpdAuditCycle,
    CpdAuditReview,
    CpdAuditSelection,
)
from portal.cpd.models import CpdEntry, EntryStatus
from portal.cpd.rules import YearJudgement
from portal.cpd.sampling import DEFAULT_PERCENT, Candidate, Population, check_percent, draw
from portal.extensions import db
from portal.framework.models import Scheme

# Settings


@dataclass(frozen=True)
class AuditSettings:
    """How a scheme runs its CPD audit, from the `cpd_audit` block of its file."""

    percent: Decimal
    submission_days: int
    plan_days: int
    reminder_days: int


DEFAULT_SUBMISSION_DAYS = 21
DEFAULT_PLAN_DAYS = 90
DEFAULT_REMINDER_DAYS = 7


class AuditSettingsInvalid(ValueError):
    pass


def _whole(block: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = block.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AuditSettingsInvalid(
            f"cpd_audit: '{key}' must be a whole number from {low} to {high}"
        )
    return value


def audit_settings(scheme: Scheme) -> AuditSettings:
    """The scheme's settings, with the defaults (5%, 21 days, a 90-day plan, a reminder 7 days
    before each deadline) for anything the file leaves out."""
    block = scheme.settings.get("cpd_audit") or {}
    if not isinstance(block, dict):
        raise AuditSettingsInvalid("cpd_audit must be a mapping")
    try:
        percent = check_percent(Decimal(str(block.get("sample_percent", DEFAULT_PERCENT))))
    except (InvalidOperation, ValueError) as exc:
        raise AuditSettingsInvalid(f"cpd_audit: 'sample_percent': {exc}") from exc
    return AuditSettings(
        percent=percent,
        submission_days=_whole(block, "submission_days", DEFAULT_SUBMISSION_DAYS, 7, 90),
        plan_days=_whole(block, "development_plan_days", DEFAULT_PLAN_DAYS, 14, 365),
        reminder_days=_whole(block, "reminder_days_before", DEFAULT_REMINDER_DAYS, 1, 30),
    )


# Who may be drawn


def schemes() -> list[Scheme]:
    return list(db.session.scalars(sa.select(Scheme).order_by(Scheme.name)))


def scheme(scheme_id: int) -> Scheme | None:
    return db.session.get(Scheme, scheme_id)


def candidates(scheme_id: int, today: date) -> list[Candidate]:
    """Every reviewer holding a current accreditation in the scheme today."""
    rows = db.session.execute(
        sa.select(AccreditationRecord.id, AccreditationRecord.starts_on)
        .where(
            AccreditationRecord.scheme_id == scheme_id,
            AccreditationRecord.status.in_(CURRENT_ACCREDITATION),
            AccreditationRecord.starts_on <= today,
            AccreditationRecord.expires_on > today,
        )
        .order_by(AccreditationRecord.id)
    )
    return [Candidate(record_id, starts_on) for record_id, starts_on in rows]


def under_audit(scheme_id: int) -> set[int]:
    """Records with an audit not yet finished, in any cycle of the scheme."""
    return set(
        db.session.scalars(
            sa.select(CpdAuditSelection.record_id)
            .join(CpdAuditCycle, CpdAuditCycle.id == CpdAuditSelection.cycle_id)
            .where(
                CpdAuditCycle.scheme_id == scheme_id,
                CpdAuditSelection.status.not_in(sorted(FINISHED)),
            )
        )
    )


def last_cycle(scheme_id: int) -> CpdAuditCycle | None:
    return db.session.scalar(
        sa.select(CpdAuditCycle)
        .where(CpdAuditCycle.scheme_id == scheme_id)
        .order_by(CpdAuditCycle.opened_at.desc(), CpdAuditCycle.id.desc())
        .limit(1)
    )


def advice_in(cycle: CpdAuditCycle | None) -> set[int]:
    """Records whose audit in `cycle` ended with advice: they are drawn again next cycle."""
    if cycle is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(CpdAuditSelection.record_id).where(
                CpdAuditSelection.cycle_id == cycle.id,
                CpdAuditSelection.status == AuditStatus.ADVICE,
            )
        )
    )


# Cycles


def cycle(cycle_id: int) -> CpdAuditCycle | None:
    return db.session.get(CpdAuditCycle, cycle_id)


def population_of(cycle: CpdAuditCycle) -> Population:
    return Population(
        eligible=tuple(cycle.eligible),
        always=tuple(cycle.always),
        newly_accredited=tuple(cycle.newly_accredited),
        under_audit=tuple(cycle.under_audit),
    )


@dataclass(frozen=True)
class DrawCheck:
    """The draw made again from the recorded population, rate and seed."""

    seed: int
    percent: Decimal
    repeated: tuple[int, ...]
    recorded: tuple[int, ...]

    @property
    def matches(self) -> bool:
        return self.repeated == self.recorded


def draw_check(cycle: CpdAuditCycle) -> DrawCheck:
    recorded = tuple(
        sorted(
            db.session.scalars(
                sa.select(CpdAuditSelection.record_id).where(CpdAuditSelection.cycle_id == cycle.id)
            )
        )
    )
    repeated = draw(population_of(cycle), percent=Decimal(cycle.percent), seed=cycle.seed)
    return DrawCheck(cycle.seed, Decimal(cycle.percent), repeated, recorded)


@dataclass(frozen=True)
class AuditCounts:
    """What happened to the reviewers drawn in one cycle, for the scheme's reports."""

    cycle_id: int
    scheme: str
    opened_on: date
    selected: int
    submitted: int
    accepted: int
    advice: int
    not_met: int
    overdue: int
    proposals: int


def _counts_query(today: date) -> sa.Select[*tuple[Any, ...]]:  # one row per cycle
    s = CpdAuditSelection
    late = sa.or_(
        s.overdue_at.is_not(None),
        sa.and_(s.status == AuditStatus.REQUESTED, s.due_on < today),
        sa.and_(s.status == AuditStatus.DEVELOPMENT_PLAN, s.plan_due_on < today),
    )

    def total(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    return (
        sa.select(
            CpdAuditCycle.id,
            Scheme.name,
            CpdAuditCycle.opened_on,
            sa.func.count(s.id),
            total(s.submitted_at.is_not(None)),
            total(s.outcome == AuditOutcome.ACCEPTED),
            total(s.outcome == AuditOutcome.ADVICE),
            total(s.outcome == AuditOutcome.NOT_MET),
            total(late),
            total(s.proposed_at.is_not(None)),
        )
        .join(Scheme, Scheme.id == CpdAuditCycle.scheme_id)
        .outerjoin(s, s.cycle_id == CpdAuditCycle.id)
        .group_by(CpdAuditCycle.id, Scheme.name, CpdAuditCycle.opened_on)
        .order_by(CpdAuditCycle.opened_on.desc(), CpdAuditCycle.id.desc())
    )


def outcome_counts(*, today: date, scheme_id: int | None = None) -> list[AuditCounts]:
    """Each cycle's counts, newest first, in one query: selected, submitted, accepted, advice,
    not met (the final outcome), overdue (past a deadline now or escalated) and status
    changes proposed."""
    query = _counts_query(today)
    if scheme_id is not None:
        query = query.where(CpdAuditCycle.scheme_id == scheme_id)
    return [_counts(row) for row in db.session.execute(query)]


def _counts(row: sa.Row[*tuple[Any, ...]]) -> AuditCounts:
    cycle_id, scheme_name, opened_on, *figures = row
    return AuditCounts(cycle_id, scheme_name, opened_on, *(int(f) for f in figures))


def cycle_counts(cycle_id: int, *, today: date) -> AuditCounts:
    return _counts(
        db.session.execute(_counts_query(today).where(CpdAuditCycle.id == cycle_id)).one()
    )


def selections_of(cycle_id: int) -> list[CpdAuditSelection]:
    return list(
        db.session.scalars(
            sa.select(CpdAuditSelection)
            .where(CpdAuditSelection.cycle_id == cycle_id)
            .options(
                joinedload(CpdAuditSelection.first_assessor),
                joinedload(CpdAuditSelection.second_assessor),
            )
            .order_by(CpdAuditSelection.id)
        ).unique()
    )


# One audit


def selection(selection_id: int) -> CpdAuditSelection | None:
    return db.session.scalar(
        sa.select(CpdAuditSelection)
        .where(CpdAuditSelection.id == selection_id)
        .options(
            selectinload(CpdAuditSelection.reviews),
            joinedload(CpdAuditSelection.cycle),
        )
    )


def audited_entries(selection: CpdAuditSelection) -> list[CpdEntry]:
    """The completed activities that count in the audited CPD year, oldest first, with their
    evidence."""
    counts_on = sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on)
    return list(
        db.session.scalars(
            sa.select(CpdEntry)
            .where(
                CpdEntry.record_id == selection.record_id,
                CpdEntry.status == EntryStatus.COMPLETED,
                counts_on >= selection.year_starts_on,
                counts_on <= selection.year_ends_on,
            )
            .options(selectinload(CpdEntry.evidence))
            .order_by(counts_on, CpdEntry.id)
        )
    )


def audited_judgement(selection: CpdAuditSelection, *, today: date) -> YearJudgement | None:
    """The audited year judged against the requirements in force when it started."""
    state = queries.progress(selection.record, today=today)
    return next(
        (j for j in state.judged_years if j.year.starts_on == selection.year_starts_on), None
    )


def review_by(selection: CpdAuditSelection, stage: int) -> CpdAuditReview | None:
    return next((r for r in selection.reviews if r.stage == stage), None)


def open_audits_of(user_id: int) -> list[CpdAuditSelection]:
    """A reviewer's audits that still need something, the newest first."""
    return list(
        db.session.scalars(
            sa.select(CpdAuditSelection)
            .where(
                CpdAuditSelection.user_id == user_id,
                CpdAuditSelection.status.not_in(sorted(FINISHED)),
            )
            .order_by(CpdAuditSelection.id.desc())
        )
    )


def awaiting_evidence(entry: CpdEntry) -> bool:
    """Whether the entry counts in a CPD year whose record an audit is waiting for: its
    evidence may then change although the year has closed."""
    day = entry.counts_on
    if day is None:
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CpdAuditSelection)
            .where(
                CpdAuditSelection.record_id == entry.record_id,
                CpdAuditSelection.status == AuditStatus.REQUESTED,
                CpdAuditSelection.year_starts_on <= day,
                CpdAuditSelection.year_ends_on >= day,
            )
        )
    )


def assessments_for(user_id: int) -> list[CpdAuditSelection]:
    """Audits waiting for this assessor: a review to record, or a development plan to check."""
    s = CpdAuditSelection
    return list(
        db.session.scalars(
            sa.select(s)
            .where(
                sa.or_(
                    sa.and_(s.status == AuditStatus.SUBMITTED, s.first_assessor_id == user_id),
                    sa.and_(
                        s.status.in_([AuditStatus.SECOND_REVIEW, AuditStatus.DEVELOPMENT_PLAN]),
                        s.second_assessor_id == user_id,
                    ),
                )
            )
            .options(joinedload(s.cycle))
            .order_by(s.id)
        ).unique()
    )


def assessors() -> list[User]:
    """Active people who may assess CPD audits (their roles carry the permission)."""
    roles = [role for role in Role if Permission.ASSESS_CPD in ROLE_PERMISSIONS[role]]
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                User.id.in_(
                    sa.select(RoleGrant.user_id).where(
                        RoleGrant.role.in_(roles), RoleGrant.revoked_at.is_(None)
                    )
                ),
            )
            .order_by(User.name, User.id)
        )
    )


def mentoring_links(user_id: int) -> set[int]:
    """People linked to the reviewer by supervised practice: their mentors and their mentees.
    Neither may assess the reviewer's CPD."""
    mentors = (
        sa.select(MentorPairing.mentor_id)
        .join(AccreditationRecord, AccreditationRecord.id == MentorPairing.record_id)
        .where(AccreditationRecord.user_id == user_id)
    )
    mentees = (
        sa.select(AccreditationRecord.user_id)
        .join(MentorPairing, MentorPairing.record_id == AccreditationRecord.id)
        .where(MentorPairing.mentor_id == user_id)
    )
    return set(db.session.scalars(mentors.union(mentees)))


def finished_audits_of(user_id: int) -> list[CpdAuditSelection]:
    """A reviewer's finished audits with their reviews, the newest first."""
    return list(
        db.session.scalars(
            sa.select(CpdAuditSelection)
            .where(
                CpdAuditSelection.user_id == user_id,
                CpdAuditSelection.status.in_(sorted(FINISHED)),
            )
            .options(selectinload(CpdAuditSelection.reviews), joinedload(CpdAuditSelection.cycle))
            .order_by(CpdAuditSelection.id.desc())
        ).unique()
    )


def user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


# Administrators browsing records


def reviewer_records() -> list[AccreditationRecord]:
    """Every accreditation record, by number, with its holder and scheme."""
    return list(
        db.session.scalars(sa.select(AccreditationRecord).order_by(AccreditationRecord.number))
    )


def record(record_id: int) -> AccreditationRecord | None:
    return db.session.get(AccreditationRecord, record_id)


def audits_of_record(record_id: int) -> Sequence[CpdAuditSelection]:
    return list(
        db.session.scalars(
            sa.select(CpdAuditSelection)
            .where(CpdAuditSelection.record_id == record_id)
            .options(joinedload(CpdAuditSelection.cycle))
            .order_by(CpdAuditSelection.id.desc())
        ).unique()
    )
