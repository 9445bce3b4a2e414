"""Closing an account: the right to erasure, as far as the law allows.

An administrator closes an account when its owner asks (or the scheme decides). What the scheme
must keep for its public task stays: accreditation records and their history (the register
says what became of every number), the work a person did in the scheme (assessments, decisions,
peer QA, commissions), CPD records while the accreditation record is kept, and the audit log.
Everything else personal goes: the means of signing in, roles, email address, unsent email,
diversity monitoring answers, the register entry's own words and availability, and draft
applications with their files. When nothing of the person's must stay attributable, the name
goes too. Closing waits while the person holds a current accreditation or has work under way,
so no record is left half-done."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.applications.models import (
    CURRENT_ACCREDITATION,
    AccreditationRecord,
    AccreditationStatus,
    Allocation,
    Application,
    ApplicationStatus,
)
from portal.auth.models import User
from portal.auth.services import remove_sign_in
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import OutboxMessage, OutboxStatus, queue_email
from portal.core.errors import DomainError
from portal.cpd.audit_models import AuditStatus, CpdAuditSelection
from portal.extensions import db
from portal.peer_qa.models import PeerAssessment, QaReview, QaStatus
from portal.privacy.retention import delete_tree
from portal.register.models import RegisterEntry
from portal.reporting.models import DiversityAnswers

CLOSED_NAME = "Closed account"
MAX_REASON = 1000

# References to a person that are theirs alone: removed or emptied on closure, so they never
# make the person's name worth keeping. A reference from anywhere else is a record of the
# scheme that must stay attributable. The audit log keeps its own record whatever happens.
PERSONAL_ONLY = frozenset(
    {
        ("role_grants", "user_id"),
        ("recovery_codes", "user_id"),
        ("identity_links", "user_id"),
        ("diversity_answers", "user_id"),
        ("register_entries", "user_id"),
        ("user_sessions", "user_id"),
        ("audit_events", "actor_id"),
    }
)

ASSESSING = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.INFORMATION_REQUESTED,
        ApplicationStatus.MODERATION,
        ApplicationStatus.AWAITING_DECISION,
        ApplicationStatus.APPEALED,
    }
)
CLOSED_APPLICATION = frozenset({ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN})
QA_UNDER_WAY = frozenset({QaStatus.SUBMITTED, QaStatus.IN_ASSESSMENT, QaStatus.MODERATION})
AUDIT_AWAITING_ASSESSOR = frozenset({AuditStatus.SUBMITTED, AuditStatus.SECOND_REVIEW})


@dataclass(frozen=True)
class ClosurePlan:
    """What closing the account would do, or why it cannot be closed yet."""

    blockers: tuple[str, ...]
    keeps_name: bool
    drafts: int

    @property
    def possible(self) -> bool:
        return not self.blockers


def _count(statement: sa.Select[Any]) -> int:
    return int(db.session.scalar(statement) or 0)


def _blockers(person: User, actor: User, today: date) -> list[str]:
    found: list[str] = []
    if person.id == actor.id:
        found.append("You cannot close your own account: ask another administrator.")
    if not person.active and person.password_hash is None and person.email.endswith(".invalid"):
        found.append("This account is already closed.")
    for number, expires_on in db.session.execute(
        sa.select(AccreditationRecord.number, AccreditationRecord.expires_on).where(
            AccreditationRecord.user_id == person.id,
            AccreditationRecord.status.in_(
                sorted(CURRENT_ACCREDITATION | {AccreditationStatus.SUSPENDED})
            ),
            AccreditationRecord.expires_on >= today,
        )
    ):
        found.append(
            f"They hold accreditation {number} until {expires_on:%-d %B %Y}: it must be "
            "withdrawn, or have lapsed, first, so the register says what became of it."
        )
    if _count(
        sa.select(sa.func.count())
        .select_from(Application)
        .where(Application.applicant_id == person.id, Application.status.in_(sorted(ASSESSING)))
    ):
        found.append("Their application is being assessed: it must be decided or withdrawn first.")
    open_work = (
        _count(
            sa.select(sa.func.count())
            .select_from(Allocation)
            .join(Application, Application.id == Allocation.application_id)
            .where(
                Allocation.assessor_id == person.id,
                Allocation.submitted_at.is_(None),
                Application.status.not_in(sorted(CLOSED_APPLICATION)),
            )
        )
        + _count(
            sa.select(sa.func.count())
            .select_from(PeerAssessment)
            .join(QaReview, QaReview.id == PeerAssessment.review_id)
            .where(
                PeerAssessment.assessor_id == person.id,
                PeerAssessment.submitted_at.is_(None),
                QaReview.status.in_(sorted(QA_UNDER_WAY)),
            )
        )
        + _count(
            sa.select(sa.func.count())
            .select_from(CpdAuditSelection)
            .where(
                sa.or_(
                    sa.and_(
                        CpdAuditSelection.first_assessor_id == person.id,
                        CpdAuditSelection.status == AuditStatus.SUBMITTED,
                    ),
                    sa.and_(
                        CpdAuditSelection.second_assessor_id == person.id,
                        CpdAuditSelection.status == AuditStatus.SECOND_REVIEW,
                    ),
                )
            )
        )
    )
    if open_work:
        found.append(
            f"{open_work} piece{'s' if open_work != 1 else ''} of assessment allocated to them "
            f"{'are' if open_work != 1 else 'is'} not finished: it must be finished first."
        )
    if _count(
        sa.select(sa.func.count())
        .select_from(QaReview)
        .where(QaReview.author_id == person.id, QaReview.status.in_(sorted(QA_UNDER_WAY)))
    ):
        found.append("A review of theirs is in peer quality assurance: it must finish first.")
    return found


# Drafts the person never submitted: deleted with everything that hangs from them.
DRAFTS: tuple[tuple[str, Any, Any, enum.Enum], ...] = (
    ("applications", Application.applicant_id, Application.status, ApplicationStatus.DRAFT),
    ("qa_reviews", QaReview.author_id, QaReview.status, QaStatus.DRAFT),
)


def _drafts(person: User) -> dict[str, list[int]]:
    return {
        name: list(
            db.session.scalars(
                sa.select(db.metadata.tables[name].c.id).where(owner == person.id, status == draft)
            )
        )
        for name, owner, status, draft in DRAFTS
    }


def _delete_drafts(drafts: dict[str, list[int]]) -> tuple[list[str], dict[str, int]]:
    files: list[str] = []
    deleted: dict[str, int] = {}
    for table_name, ids in drafts.items():
        for draft_id in ids:
            done = delete_tree(db.metadata.tables[table_name], [draft_id])
            if done is not None:
                files.extend(done[0])
                for table, n in done[1].items():
                    deleted[table] = deleted.get(table, 0) + n
    return files, deleted


def _keeps_name(person: User) -> bool:
    """Whether any record of the scheme refers to the person (their drafts already gone)."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (table.name, column.name) in PERSONAL_ONLY:
                continue
            if any(fk.column.table.name == "users" for fk in column.foreign_keys) and _count(
                sa.select(sa.func.count()).select_from(table).where(column == person.id)
            ):
                return True
    return False


def plan_closure(person: User, *, actor: User, today: date) -> ClosurePlan:
    """What closing would do. Whether the name must stay is found by deleting the drafts in a
    savepoint that is then rolled back, so the answer is the one closing will reach."""
    drafts = _drafts(person)
    savepoint = db.session.begin_nested()
    try:
        _delete_drafts(drafts)
        keeps_name = _keeps_name(person)
    finally:
        savepoint.rollback()
    return ClosurePlan(
        blockers=tuple(_blockers(person, actor, today)),
        keeps_name=keeps_name,
        drafts=sum(len(ids) for ids in drafts.values()),
    )


@dataclass(frozen=True)
class Closed:
    kept_name: bool
    files: list[str]  # upload keys to delete once the caller has committed


def close_account(actor: User, person: User, *, reason: str, today: date) -> Closed:
    """Close the account in the caller's transaction, audited with the reason; the caller
    deletes `files` after committing."""
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Enter why the account is being closed", field="reason")
    plan = plan_closure(person, actor=actor, today=today)
    if not plan.possible:
        raise DomainError(plan.blockers[0])
    old_email, name = person.email, person.name
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.to_address == old_email, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    queue_email(old_email, "Your account has been closed", "account_closed", name=name)

    files, deleted = _delete_drafts(_drafts(person))
    now = utcnow()
    roles = [g.role.value for g in person.role_grants if g.revoked_at is None]
    for grant in person.role_grants:
        if grant.revoked_at is None:
            grant.revoked_at, grant.revoked_by = now, actor
    diversity = _count(
        sa.select(sa.func.count())
        .select_from(DiversityAnswers)
        .where(DiversityAnswers.user_id == person.id)
    )
    db.session.execute(sa.delete(DiversityAnswers).where(DiversityAnswers.user_id == person.id))
    entry = db.session.scalar(sa.select(RegisterEntry).where(RegisterEntry.user_id == person.id))
    if entry is not None:
        entry.biography = ""
        entry.search_text = ""
        entry.available_from = None
        entry.reviews_per_quarter = None
        entry.day_rate_band = None
        entry.travel = None
    person.email = f"closed-{person.id}@closed.invalid"
    keeps_name = _keeps_name(person)
    if not keeps_name:
        person.name = CLOSED_NAME
    remove_sign_in(person)
    record_event(
        actor,
        "account.closed",
        subject_type="user",
        subject_id=person.id,
        summary=f"Closed account {person.id}: sign-in, roles and contact details removed"
        + ("; name kept for the scheme's records" if keeps_name else "; name removed"),
        changes={
            "reason": reason[:MAX_REASON],
            "roles_ended": roles,
            "name_removed": not keeps_name,
            "drafts_deleted": plan.drafts,
            "rows_deleted": deleted,
            "diversity_answers_deleted": bool(diversity),
            "register_entry_emptied": entry is not None,
            "files_deleted": len(files),
        },
    )
    db.session.flush()
    return Closed(kept_name=keeps_name, files=files)
