"""CPD use cases: requirement versions, logging and correcting activities, evidence, practice
feedback and reminders. Services check every rule first, then change state, audit, flush."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import sqlalchemy as sa

from portal.applications.models import CURRENT_ACCREDITATION, AccreditationRecord
from portal.auth.models import User
from portal.core.audit import Actor, record_event
from portal.core.audit import diff as audit_diff
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.personal_data import Finding, find_personal_data
from portal.core.templating import format_date
from portal.core.uploads import DOCX, PDF, UploadStore
from portal.cpd import audit_queries, queries
from portal.cpd.imports import ImportCheck, natural_key
from portal.cpd.models import (
    REQUIREMENT_TRANSITIONS,
    ActivityType,
    CpdEntry,
    CpdEntryRevision,
    CpdEvidence,
    CpdReminder,
    CpdRequirementVersion,
    EntryStatus,
    FeedbackSource,
    PracticeFeedback,
    RequirementStatus,
)
from portal.cpd.rules import (
    EntryData,
    cpd_years,
    entry_problems,
    format_hours,
    in_force_on,
    is_locked,
    year_of,
)
from portal.cpd.schema import RequirementDocument
from portal.extensions import db
from portal.framework.models import Scheme

STALE = (
    "This activity was changed in another tab or by someone else since you opened it. "
    "Your changes are still here: check them and save again."
)
EVIDENCE_TYPES = frozenset({PDF, DOCX})
MAX_EVIDENCE_FILES = 5
MAX_EVIDENCE_MEGABYTES = 10


# Requirement versions


@dataclass(frozen=True)
class RequirementLoad:
    version: CpdRequirementVersion
    created: bool


def load_requirements(actor: Actor | None, document: RequirementDocument) -> RequirementLoad:
    """Store a requirement version as a draft. Loading the same version again changes nothing;
    a version number is never reused for different content."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == document.scheme))
    if scheme is None:
        raise DomainError(f"There is no scheme {document.scheme!r}: load the scheme first")
    existing = db.session.scalar(
        sa.select(CpdRequirementVersion).where(
            CpdRequirementVersion.scheme_id == scheme.id,
            CpdRequirementVersion.version == document.version,
        )
    )
    if existing is not None:
        if existing.checksum != document.checksum:
            raise DomainError(
                f"Version {document.version} of the {scheme.name} CPD requirements is already "
                "loaded with different content: give the changed file a new version number"
            )
        return RequirementLoad(existing, created=False)
    version = CpdRequirementVersion(
        scheme=scheme,
        version=document.version,
        title=document.title,
        document=document.raw,
        checksum=document.checksum,
    )
    db.session.add(version)
    db.session.flush()
    record_event(
        actor,
        "cpd_requirements.loaded",
        subject_type="cpd_requirements",
        subject_id=version.id,
        summary=f"Loaded version {document.version} of the {scheme.name} CPD requirements "
        "as a draft",
    )
    db.session.flush()
    return RequirementLoad(version, created=True)


def _move(actor: Actor | None, version: CpdRequirementVersion, to: RequirementStatus) -> None:
    if to not in REQUIREMENT_TRANSITIONS[version.status]:
        raise InvalidTransition(
            f"{version.status.label} CPD requirements cannot become {to.label.lower()}"
        )
    before = version.status
    version.status = to
    if to is RequirementStatus.PUBLISHED:
        version.published_at = utcnow()
    if to is RequirementStatus.RETIRED:
        version.retired_at = utcnow()
    record_event(
        actor,
        f"cpd_requirements.{to.value}",
        subject_type="cpd_requirements",
        subject_id=version.id,
        summary=f"Version {version.version} of the {version.scheme.name} CPD requirements: "
        f"{before.label.lower()} to {to.label.lower()}",
        changes={"status": [before.value, to.value]},
    )


def publish_requirements(
    actor: Actor | None, version: CpdRequirementVersion
) -> CpdRequirementVersion | None:
    """Bring a draft into force; the version it replaces is retired. CPD years that started
    before today stay judged against the version in force when they started."""
    if version.status is not RequirementStatus.DRAFT:
        raise InvalidTransition("Only draft CPD requirements can be published")
    replaced = queries.published_requirements(version.scheme_id)
    if replaced is not None:
        _move(actor, replaced, RequirementStatus.RETIRED)
        db.session.flush()  # one version in force at a time
    _move(actor, version, RequirementStatus.PUBLISHED)
    db.session.flush()
    return replaced


def retire_requirements(actor: Actor | None, version: CpdRequirementVersion) -> None:
    """Withdraw a draft, or take the version in force out of force (years already started keep
    it: it stays the version in force when they started)."""
    _move(actor, version, RequirementStatus.RETIRED)
    db.session.flush()


# Activities


class EntryProblems(DomainError):
    """Everything that stops the entry being saved, each beside its field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


@dataclass(frozen=True)
class FieldFinding:
    field: str
    label: str
    finding: Finding


class PossiblePersonalData(DomainError):
    """The text seems to identify someone: the writer must look again or confirm it does not."""

    def __init__(self, findings: list[FieldFinding]) -> None:
        super().__init__("Check that this does not identify anyone", field="confirm_anonymous")
        self.findings = findings


# Free text the check reads, with the label the writer sees.
CHECKED_FIELDS: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "relevance": "Why it is relevant",
    "learning": "What you learned",
    "impact": "Impact on your practice and on people",
    "peer_learning": "What you learned from the peer",
}


def personal_data_in(values: dict[str, str | None], labels: dict[str, str]) -> list[FieldFinding]:
    return [
        FieldFinding(name, labels[name], finding)
        for name in labels
        for finding in find_personal_data(values.get(name))
    ]


def _values(data: EntryData) -> dict[str, Any]:
    return {
        "activity_type": data.activity_type,
        "title": data.title.strip(),
        "description": data.description,
        "relevance": data.relevance,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "provider": data.provider,
        "hours_quarters": data.hours,
        "participatory_quarters": data.participatory_hours,
        "competency_codes": list(data.competencies),
        "learning": data.learning,
        "impact": data.impact,
        "peer_discussion": data.peer_discussion,
        "peer_name": data.peer_name if data.peer_discussion else None,
        "peer_role": data.peer_role if data.peer_discussion else None,
        "peer_learning": data.peer_learning if data.peer_discussion else None,
    }


def snapshot(entry: CpdEntry) -> dict[str, Any]:
    """The entry's answers as JSON-friendly values: what a revision keeps."""
    return {
        "status": entry.status.value,
        "activity_type": entry.activity_type.value if entry.activity_type else None,
        "title": entry.title,
        "description": entry.description,
        "relevance": entry.relevance,
        "starts_on": entry.starts_on.isoformat() if entry.starts_on else None,
        "ends_on": entry.ends_on.isoformat() if entry.ends_on else None,
        "provider": entry.provider,
        "hours": format_hours(entry.hours_quarters) or None,
        "participatory_hours": format_hours(entry.participatory_quarters) or None,
        "competency_codes": list(entry.competency_codes or []),
        "learning": entry.learning,
        "impact": entry.impact,
        "peer_discussion": entry.peer_discussion,
        "peer_name": entry.peer_name,
        "peer_role": entry.peer_role,
        "peer_learning": entry.peer_learning,
    }


def _check(
    actor: User,
    record: AccreditationRecord,
    data: EntryData,
    *,
    complete: bool,
    allowed_competencies: Collection[str],
    today: date,
    correcting: bool,
) -> None:
    if record.user_id != actor.id:
        raise NotPermitted("You can only keep your own CPD record.")
    problems = entry_problems(data, complete=complete, today=today)
    unknown = [c for c in data.competencies if c not in allowed_competencies]
    if unknown:
        problems.append(("competencies", "Select competencies from your framework"))
    if data.activity_type is not None and data.activity_type not in set(ActivityType):
        problems.append(("activity_type", "Select the type of activity"))
    day = data.counts_on
    years = cpd_years(record.starts_on, record.expires_on)
    if day is not None and data.starts_on is not None:
        if data.starts_on < record.starts_on or day >= record.expires_on:
            problems.append(
                (
                    "starts_on",
                    f"The activity must fall within your accreditation, from "
                    f"{format_date(record.starts_on)} to {format_date(years[-1].ends_on)}",
                )
            )
        elif not correcting and is_locked(years, day, today):
            year = year_of(years, day)
            span = f"{format_date(year.starts_on)} to {format_date(year.ends_on)}" if year else ""
            problems.append(
                (
                    "starts_on",
                    f"The CPD year from {span} has closed: activities can no longer be added to it",
                )
            )
    if problems:
        raise EntryProblems(problems)


def _screen(data: EntryData, confirmed: bool) -> bool:
    """Raise if the text seems to identify someone and the writer has not confirmed it does
    not; True when the writer confirmed text the check picked out."""
    findings = personal_data_in(
        {
            "title": data.title,
            "description": data.description,
            "relevance": data.relevance,
            "learning": data.learning,
            "impact": data.impact,
            "peer_learning": data.peer_learning if data.peer_discussion else None,
        },
        CHECKED_FIELDS,
    )
    if findings and not confirmed:
        raise PossiblePersonalData(findings)
    return bool(findings)


def _apply(entry: CpdEntry, data: EntryData, *, complete: bool, confirmed: bool) -> None:
    for name, value in _values(data).items():
        if name == "activity_type":
            value = ActivityType(value) if value else None
        setattr(entry, name, value)
    if complete and entry.status is not EntryStatus.COMPLETED:
        entry.completed_at = utcnow()
    if not complete:
        entry.completed_at = None
    entry.status = EntryStatus.COMPLETED if complete else EntryStatus.DRAFT
    entry.updated_at = utcnow()
    if confirmed:
        entry.personal_data_confirmed_at = utcnow()


def save_entry(
    actor: User,
    record: AccreditationRecord,
    entry: CpdEntry | None,
    data: EntryData,
    *,
    complete: bool,
    confirmed_anonymous: bool,
    allowed_competencies: Collection[str],
    version_id: int | None,
    today: date,
) -> CpdEntry:
    """Add or change an activity, as a draft or complete. An entry whose CPD year has closed
    is locked (see `correct_entry`); a stale save is refused; text that seems to identify
    someone is saved only once the writer confirms it does not."""
    if entry is not None:
        if entry.user_id != actor.id or entry.record_id != record.id:
            raise NotPermitted("You can only change your own CPD record.")
        if version_id is not None and version_id != entry.version_id:
            raise ConcurrentEdit(STALE, field="title")
        if is_locked(cpd_years(record.starts_on, record.expires_on), entry.counts_on, today):
            raise DomainError(
                "This activity's CPD year has closed, so it is locked: correct it with a reason",
                field="title",
            )
    _check(
        actor,
        record,
        data,
        complete=complete,
        allowed_competencies=allowed_competencies,
        today=today,
        correcting=False,
    )
    confirmed = _screen(data, confirmed_anonymous)
    if entry is None:
        entry = CpdEntry(record_id=record.id, user_id=actor.id, title=data.title.strip())
        db.session.add(entry)
        before: dict[str, Any] = {}
        action = "cpd.entry_added"
    else:
        before = snapshot(entry)
        action = "cpd.entry_changed"
    was_completed = entry.status is EntryStatus.COMPLETED
    _apply(entry, data, complete=complete, confirmed=confirmed)
    db.session.flush()
    if complete and not was_completed:
        action = "cpd.entry_completed"
    elif was_completed and not complete:
        action = "cpd.entry_reopened"
    record_event(
        actor,
        action,
        subject_type="cpd_entry",
        subject_id=entry.id,
        summary=f"{entry.title}: {entry.status.label.lower()}"
        + (" (text the check picked out confirmed as not identifying anyone)" if confirmed else ""),
        changes=audit_diff(before, snapshot(entry)),
    )
    db.session.flush()
    return entry


def correct_entry(
    actor: User,
    record: AccreditationRecord,
    entry: CpdEntry,
    data: EntryData,
    *,
    reason: str,
    confirmed_anonymous: bool,
    allowed_competencies: Collection[str],
    version_id: int | None,
    today: date,
) -> CpdEntry:
    """Correct an entry whose CPD year has closed. A reason is required; the values before
    the correction are kept as a revision, so the history can be read."""
    if entry.user_id != actor.id or entry.record_id != record.id:
        raise NotPermitted("You can only correct your own CPD record.")
    if version_id is not None and version_id != entry.version_id:
        raise ConcurrentEdit(STALE, field="reason")
    if not is_locked(cpd_years(record.starts_on, record.expires_on), entry.counts_on, today):
        raise InvalidTransition("This activity is not locked: change it without a correction")
    complete = entry.status is EntryStatus.COMPLETED
    problems: list[tuple[str, str]] = []
    if not reason.strip():
        problems.append(("reason", "Give the reason for the correction"))
    try:
        _check(
            actor,
            record,
            data,
            complete=complete,
            allowed_competencies=allowed_competencies,
            today=today,
            correcting=True,
        )
    except EntryProblems as exc:
        problems += exc.problems
    if problems:
        raise EntryProblems(problems)
    confirmed = _screen(data, confirmed_anonymous)
    before = snapshot(entry)
    _apply(entry, data, complete=complete, confirmed=confirmed)
    after = snapshot(entry)
    changed = audit_diff(before, after)
    if not changed:
        raise EntryProblems([("title", "Nothing has changed: there is nothing to correct")])
    db.session.add(
        CpdEntryRevision(
            entry=entry,
            snapshot=before,
            changed_fields=sorted(changed),
            reason=reason.strip(),
            revised_by_id=actor.id,
        )
    )
    db.session.flush()
    record_event(
        actor,
        "cpd.entry_corrected",
        subject_type="cpd_entry",
        subject_id=entry.id,
        summary=f"Corrected {entry.title} after its CPD year closed: {reason.strip()}",
        changes=changed,
    )
    db.session.flush()
    return entry


# Evidence


def _own(actor: User, entry: CpdEntry) -> None:
    if entry.user_id != actor.id:
        raise NotPermitted("You can only change your own CPD record.")


def evidence_locked(entry: CpdEntry, today: date) -> bool:
    """Evidence is locked with its activity once the CPD year closes, except while a CPD audit
    is waiting for the record of that year."""
    record = entry.record
    return is_locked(
        cpd_years(record.starts_on, record.expires_on), entry.counts_on, today
    ) and not audit_queries.awaiting_evidence(entry)


def _evidence_may_change(entry: CpdEntry, today: date) -> None:
    if evidence_locked(entry, today):
        raise DomainError("This activity's CPD year has closed, so it is locked", field="file")


def add_evidence(
    actor: User,
    entry: CpdEntry,
    *,
    filename: str,
    stream: IO[bytes],
    store: UploadStore,
    today: date,
) -> CpdEvidence:
    """Store a PDF or DOCX checked by its content and size. The caller deletes the stored file
    if the transaction then fails."""
    _own(actor, entry)
    _evidence_may_change(entry, today)
    if len(entry.evidence) >= MAX_EVIDENCE_FILES:
        raise DomainError(
            f"You can add up to {MAX_EVIDENCE_FILES} files to an activity: remove one first",
            field="file",
        )
    try:
        stored = store.save(
            stream, max_bytes=MAX_EVIDENCE_MEGABYTES * 1024 * 1024, accept=EVIDENCE_TYPES
        )
    except DomainError as exc:
        raise DomainError(exc.message, field="file") from exc
    evidence = CpdEvidence(
        entry=entry,
        original_name=_safe_name(filename),
        storage_key=stored.key,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
    )
    db.session.add(evidence)
    db.session.flush()
    record_event(
        actor,
        "cpd.evidence_added",
        subject_type="cpd_entry",
        subject_id=entry.id,
        summary=f"Added the file {evidence.original_name!r} to {entry.title}",
        changes={"size_bytes": stored.size, "sha256": stored.sha256},
    )
    db.session.flush()
    return evidence


def _safe_name(filename: str) -> str:
    """A display name only: never used as a path."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in name if ch.isprintable())
    return cleaned[:255] or "evidence"


def remove_evidence(actor: User, entry: CpdEntry, evidence: CpdEvidence, *, today: date) -> str:
    """Delete the row; returns the storage key for the caller to delete after commit."""
    _own(actor, entry)
    if evidence.entry_id != entry.id:
        raise NotPermitted("That file belongs to another activity.")
    _evidence_may_change(entry, today)
    key = evidence.storage_key
    name = evidence.original_name
    db.session.delete(evidence)
    record_event(
        actor,
        "cpd.evidence_removed",
        subject_type="cpd_entry",
        subject_id=entry.id,
        summary=f"Removed the file {name!r} from {entry.title}",
    )
    db.session.flush()
    return key


# Practice-related feedback

FEEDBACK_FIELDS = {"summary": "What the feedback said", "reflection": "Your reflection"}


def record_feedback(
    actor: User,
    record: AccreditationRecord,
    *,
    source: FeedbackSource,
    received_on: date,
    summary: str,
    reflection: str,
    confirmed_anonymous: bool,
    today: date,
) -> PracticeFeedback:
    """Keep feedback the reviewer received about their practice, with their reflection on it."""
    if record.user_id != actor.id:
        raise NotPermitted("You can only keep your own CPD record.")
    problems = []
    if received_on > today:
        problems.append(("received_on", "The date must be today or in the past"))
    if not summary.strip():
        problems.append(("summary", "Say what the feedback was"))
    if not reflection.strip():
        problems.append(("reflection", "Say what you take from it"))
    if problems:
        raise EntryProblems(problems)
    findings = personal_data_in({"summary": summary, "reflection": reflection}, FEEDBACK_FIELDS)
    if findings and not confirmed_anonymous:
        raise PossiblePersonalData(findings)
    feedback = PracticeFeedback(
        record_id=record.id,
        user_id=actor.id,
        source=source,
        received_on=received_on,
        summary=summary.strip(),
        reflection=reflection.strip(),
        personal_data_confirmed_at=utcnow() if findings else None,
    )
    db.session.add(feedback)
    db.session.flush()
    record_event(
        actor,
        "cpd.feedback_recorded",
        subject_type="cpd_feedback",
        subject_id=feedback.id,
        summary=f"Recorded practice-related feedback from {source.label.lower()}",
    )
    db.session.flush()
    return feedback


# Reminders


def send_reminders(*, today: date) -> int:
    """Email each reviewer whose current CPD year has not met its requirements when it is
    90, 30 or 7 days (as the requirements say) from its end. Each threshold is sent once per
    record and year however often this runs; one run late past several sends one email."""
    records = list(
        db.session.scalars(
            sa.select(AccreditationRecord)
            .where(
                AccreditationRecord.status.in_(CURRENT_ACCREDITATION),
                AccreditationRecord.starts_on <= today,
                AccreditationRecord.expires_on > today,
            )
            .order_by(AccreditationRecord.id)
        )
    )
    if not records:
        return 0
    timeline = queries.requirement_timeline(r.scheme_id for r in records)
    sent_before = {
        (row.record_id, row.year_starts_on, row.days_before)
        for row in db.session.execute(
            sa.select(
                CpdReminder.record_id, CpdReminder.year_starts_on, CpdReminder.days_before
            ).where(CpdReminder.record_id.in_([r.id for r in records]))
        )
    }
    sent = 0
    for record in records:
        year = year_of(cpd_years(record.starts_on, record.expires_on), today)
        versions = timeline.get(record.scheme_id) or []
        if year is None or not versions:
            continue
        document = in_force_on(versions, year.starts_on)
        if document is None:
            continue
        days_left = year.days_left(today)
        due = [
            days
            for days in document.reminder_days
            if days_left <= days and (record.id, year.starts_on, days) not in sent_before
        ]
        if not due:
            continue
        state = queries.progress(record, today=today)
        judged = state.current
        if judged is None or judged.met:
            continue
        missing = [r.missing for r in judged.results if r.missing]
        if state.term is not None:
            missing += [r.missing for r in state.term.results if r.missing]
        queue_email(
            record.user.email,
            f"Your CPD year ends in {days_left} day{'s' if days_left != 1 else ''}",
            "cpd_reminder",
            name=record.user.name,
            number=record.number,
            days_left=days_left,
            ends_on=format_date(year.ends_on),
            missing=missing,
            link=external_url("cpd.show_progress"),
        )
        for days in due:
            db.session.add(
                CpdReminder(record_id=record.id, year_starts_on=year.starts_on, days_before=days)
            )
        record_event(
            None,
            "cpd.reminder_sent",
            subject_type="accreditation_record",
            subject_id=record.id,
            summary=f"{record.number}: reminded that CPD year {year.number} ends in "
            f"{days_left} days with requirements not yet met",
        )
        sent += 1
    db.session.flush()
    return sent


# Import


def import_activities(
    actor: User,
    record: AccreditationRecord,
    check: ImportCheck,
    *,
    filename: str,
) -> list[CpdEntry]:
    """Write the good rows of a checked file as completed activities, none of them twice: a
    row whose date, title and provider are already in the record is left out. The caller
    checks the file again just before, against the record as it is then."""
    if record.user_id != actor.id:
        raise NotPermitted("You can only keep your own CPD record.")
    existing = queries.entry_keys(record.id)
    added: list[CpdEntry] = []
    for row in check.good:
        data = row.data
        if data is None or natural_key(data) in existing:
            continue
        existing.add(natural_key(data))
        entry = CpdEntry(record_id=record.id, user_id=actor.id, title=data.title.strip())
        _apply(entry, data, complete=True, confirmed=False)
        db.session.add(entry)
        added.append(entry)
    if not added:
        raise DomainError("There are no new activities in this file to add", field="submit")
    db.session.flush()
    record_event(
        actor,
        "cpd.activities_imported",
        subject_type="accreditation_record",
        subject_id=record.id,
        summary=f"Imported {len(added)} activit{'y' if len(added) == 1 else 'ies'} from "
        f"{_safe_name(filename)!r}",
        changes={"entries": [e.id for e in added]},
    )
    db.session.flush()
    return added
