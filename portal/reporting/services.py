"""Reporting's use cases that change state: loading serious incident notifications, and a
reviewer giving or removing their diversity monitoring answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.reporting.models import (
    AgeBand,
    Disability,
    DiversityAnswers,
    Ethnicity,
    IncidentNotification,
    NotificationImport,
    Sex,
)
from portal.reporting.notifications import NotificationCheck


def load_notifications(
    actor: User,
    check: NotificationCheck,
    partnerships: dict[str, int],
    *,
    filename: str,
    content: bytes,
) -> NotificationImport:
    """Write the good rows of a checked file: new months added, changed figures corrected,
    the same figures left alone (so loading a file twice changes nothing). A file with any bad
    row is refused whole: the analyst corrects it and uploads it again; so is a file that
    would change nothing."""
    if check.bad:
        raise DomainError("Correct the rows with problems and upload the file again")
    if not check.writes:
        raise DomainError("Every figure in the file is already loaded: there is nothing to change")
    batch = NotificationImport(
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        loaded_by_id=actor.id,
        loaded_at=utcnow(),
        added=len(check.added),
        changed=len(check.changed),
        unchanged=len(check.unchanged),
    )
    db.session.add(batch)
    db.session.flush()
    for row in check.added:
        if row.month is None or row.notifications is None:
            raise ValueError("a checked row has no month or count")
        db.session.add(
            IncidentNotification(
                partnership_id=partnerships[row.partnership_code],
                month=row.month,
                notifications=row.notifications,
                import_id=batch.id,
            )
        )
    for row, _ in check.changed:
        db.session.execute(
            sa.update(IncidentNotification)
            .where(
                IncidentNotification.partnership_id == partnerships[row.partnership_code],
                IncidentNotification.month == row.month,
            )
            .values(notifications=row.notifications, import_id=batch.id)
        )
    record_event(
        actor,
        "notifications.loaded",
        subject_type="notification_import",
        subject_id=batch.id,
        summary=(
            f"Serious incident notifications loaded from {batch.filename}: "
            f"{batch.added} added, {batch.changed} changed, {batch.unchanged} unchanged"
        ),
    )
    db.session.flush()
    return batch


@dataclass(frozen=True)
class Answers:
    ethnicity: Ethnicity
    sex: Sex
    disability: Disability
    age_band: AgeBand


def save_diversity_answers(actor: User, answers: Answers) -> DiversityAnswers:
    """The reviewer's own answers, given or changed. The audit event says that they changed,
    never what they are: the audit log is read by administrators."""
    row = db.session.scalar(sa.select(DiversityAnswers).where(DiversityAnswers.user_id == actor.id))
    if row is None:
        row = DiversityAnswers(user_id=actor.id)
        db.session.add(row)
    row.ethnicity = answers.ethnicity
    row.sex = answers.sex
    row.disability = answers.disability
    row.age_band = answers.age_band
    row.updated_at = utcnow()
    record_event(
        actor,
        "diversity.saved",
        subject_type="user",
        subject_id=actor.id,
        summary="Diversity monitoring answers saved (the answers are not recorded here)",
    )
    db.session.flush()
    return row


def remove_diversity_answers(actor: User) -> bool:
    """Delete the reviewer's answers; True when there were some."""
    removed = db.session.execute(
        sa.delete(DiversityAnswers).where(DiversityAnswers.user_id == actor.id)
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        return False
    record_event(
        actor,
        "diversity.removed",
        subject_type="user",
        subject_id=actor.id,
        summary="Diversity monitoring answers removed",
    )
    db.session.flush()
    return True
