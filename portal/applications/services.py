"""Use cases of an application before assessment: start, answer each section, submit, withdraw;
referees' one-time links, references and reminders."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from portal.applications.models import (
    AccreditationRecord,
    Allocation,
    Application,
    ApplicationKind,
    ApplicationRoute,
    ApplicationStatus,
    DeclaredInterest,
    InterestKind,
    Referee,
    SelfAssessment,
    StatusChange,
    WorkSample,
)
from portal.applications.tasks import TASK_TITLES, progress
from portal.applications.workflow import Mover, move_for
from portal.auth.models import User
from portal.auth.queries import users_with_role
from portal.core.audit import diff, record_event
from portal.core.dates import add_years
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import Role
from portal.core.uploads import DOCX, PDF, UploadStore
from portal.cpd import queries as cpd_queries
from portal.extensions import db
from portal.framework.models import Competency, Scheme
from portal.framework.queries import published_framework
from portal.organisations.models import Organisation
from portal.peer_qa import queries as peer_qa_queries

STALE = (
    "Someone else saved this application while you were editing it. Your answers are below: "
    "check the saved version on the task list, then save again."
)

# The answers each simple section holds: a service call may only touch these.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "personal-details": ("full_name", "phone", "home_region_code"),
    "registration": ("registration_body", "registration_body_other", "registration_number"),
    "experience": (
        "reviews_led",
        "reviews_co_led",
        "years_in_practice",
        "agencies",
        "experience_summary",
    ),
    "qualifications": ("qualifications", "review_training"),
    "dbs-check": ("dbs_certificate_number", "dbs_issued_on", "dbs_update_service"),
    "renewal-statement": ("renewal_statement",),
}

WORK_SAMPLE_TYPES = frozenset({PDF, DOCX})


def _audit(
    actor: User | None,
    application: Application,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    record_event(
        actor,
        f"application.{action}",
        subject_type="application",
        subject_id=application.id,
        summary=f"{summary} ({application.reference})",
        changes=changes,
    )


def _check_version(application: Application, version_id: int | None) -> None:
    if version_id is not None and version_id != application.version_id:
        raise ConcurrentEdit(STALE)


def _own_draft(actor: User, application: Application) -> None:
    if application.applicant_id != actor.id:
        raise NotPermitted("Only the applicant can change this application.")
    if application.status is not ApplicationStatus.DRAFT:
        raise InvalidTransition("This application has been submitted and can no longer change.")


def _touch(application: Application) -> None:
    application.updated_at = utcnow()


def change_status(
    actor: User | None,
    application: Application,
    target: ApplicationStatus,
    *,
    mover: Mover,
    reason: str = "",
) -> StatusChange:
    """Move the application if the state machine allows it to `mover`; audited and timed."""
    source = application.status
    move = move_for(source, target, mover)
    now = utcnow()
    application.status = target
    application.status_changed_at = now
    change = StatusChange(
        application=application,
        from_status=source,
        to_status=target,
        actor_id=actor.id if actor is not None else None,
        occurred_at=now,
        reason=reason,
    )
    db.session.add(change)
    _audit(
        actor,
        application,
        target.value,
        move.what,
        changes={"status": [source.value, target.value], **({"reason": reason} if reason else {})},
    )
    return change


def cpd_met(application: Application, today: date) -> bool | None:
    """For a renewal, whether the CPD record of the accreditation it renews meets its
    requirements (None for a first application)."""
    if application.kind is not ApplicationKind.RENEWAL:
        return None
    record = db.session.scalar(
        sa.select(AccreditationRecord).where(
            AccreditationRecord.user_id == application.applicant_id,
            AccreditationRecord.scheme_id == application.scheme_id,
        )
    )
    if record is None:
        return False
    return cpd_queries.cpd_summary(record, today=today).met


def qa_reviews_in_term(application: Application) -> int:
    """For a renewal, how many of the reviewer's reviews completed peer QA in the term of the
    accreditation it renews: they count towards the completed reviews a renewal needs."""
    if application.kind is not ApplicationKind.RENEWAL:
        return 0
    record = db.session.scalar(
        sa.select(AccreditationRecord).where(
            AccreditationRecord.user_id == application.applicant_id,
            AccreditationRecord.scheme_id == application.scheme_id,
        )
    )
    if record is None:
        return 0
    outcomes = peer_qa_queries.qa_outcomes_for(
        application.applicant_id, record.starts_on, record.expires_on
    )
    return len(outcomes)


def reference_prefix(scheme: Scheme) -> str:
    return str(scheme.settings.get("accreditation_number_prefix") or scheme.code.upper())


def start_application(actor: User, scheme: Scheme, route: ApplicationRoute) -> Application:
    """Open a draft against the framework version in use; one open application per scheme."""
    framework = published_framework(scheme.id)
    if framework is None:
        raise DomainError(f"{scheme.name} is not taking applications yet.", field="scheme")
    open_one = db.session.scalar(
        sa.select(Application.id).where(
            Application.applicant_id == actor.id,
            Application.scheme_id == scheme.id,
            Application.status.not_in([ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN]),
        )
    )
    if open_one is not None:
        raise DomainError(
            f"You already have an application to {scheme.name} in progress.", field="scheme"
        )
    application = Application(
        scheme=scheme,
        framework=framework,
        applicant_id=actor.id,
        route=route,
        status=ApplicationStatus.DRAFT,
        full_name=actor.name,
        completed_sections=[],
    )
    db.session.add(application)
    db.session.flush()
    application.reference = f"{reference_prefix(scheme)}-A{application.id:06d}"
    db.session.add(
        StatusChange(
            application=application,
            from_status=None,
            to_status=ApplicationStatus.DRAFT,
            actor_id=actor.id,
        )
    )
    _audit(
        actor,
        application,
        "started",
        f"Started an application to {scheme.name} by the {route.label.lower()} route",
    )
    db.session.flush()
    return application


def save_section(
    actor: User,
    application: Application,
    section: str,
    values: dict[str, Any],
    *,
    version_id: int | None,
) -> None:
    """Save one section's answers; a stale form is refused rather than overwriting."""
    _own_draft(actor, application)
    _check_version(application, version_id)
    allowed = SECTION_FIELDS[section]
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Not fields of {section}: {sorted(unknown)}")
    before = {name: _plain(getattr(application, name)) for name in allowed}
    for name, value in values.items():
        setattr(application, name, value)
    after = {name: _plain(getattr(application, name)) for name in allowed}
    changes = diff(before, after)
    if not changes:
        return
    _touch(application)
    _audit(
        actor,
        application,
        "section_saved",
        f"Saved {TASK_TITLES[section].lower()}",
        changes=changes,
    )
    db.session.flush()


def _plain(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


# Declarations of interest


def add_interest(
    actor: User,
    application: Application,
    *,
    organisation: Organisation,
    kind: InterestKind,
    details: str,
    started_on: date | None,
    ended_on: date | None,
    today: date,
) -> DeclaredInterest:
    """Declare an organisation worked for or with; each organisation once per application."""
    _own_draft(actor, application)
    if ended_on is not None and ended_on < add_years(today, -3):
        raise DomainError(
            "You only need to declare connections that continued in the last 3 years",
            field="ended_on",
        )
    if started_on and ended_on and ended_on < started_on:
        raise DomainError("The end date must be after the start date", field="ended_on")
    if any(i.organisation_id == organisation.id for i in application.interests):
        raise DomainError(f"You have already declared {organisation.name}", field="organisation")
    interest = DeclaredInterest(
        application=application,
        user_id=application.applicant_id,
        organisation=organisation,
        kind=kind,
        details=details.strip(),
        started_on=started_on,
        ended_on=ended_on,
    )
    db.session.add(interest)
    application.completed_sections = [s for s in application.completed_sections if s != "interests"]
    _touch(application)
    _audit(actor, application, "interest_declared", f"Declared an interest in {organisation.name}")
    db.session.flush()
    return interest


def remove_interest(actor: User, application: Application, interest: DeclaredInterest) -> None:
    _own_draft(actor, application)
    if interest.application_id != application.id:
        raise NotPermitted("That declaration belongs to another application.")
    name = interest.organisation.name
    db.session.delete(interest)
    application.completed_sections = [s for s in application.completed_sections if s != "interests"]
    _touch(application)
    _audit(actor, application, "interest_removed", f"Removed the declared interest in {name}")
    db.session.flush()


def confirm_interests(actor: User, application: Application, *, version_id: int | None) -> None:
    """The applicant confirms the list is complete (it may be empty)."""
    _own_draft(actor, application)
    _check_version(application, version_id)
    if "interests" not in application.completed_sections:
        application.completed_sections = [*application.completed_sections, "interests"]
        _touch(application)
        _audit(
            actor,
            application,
            "interests_confirmed",
            f"Confirmed {len(application.interests)} declarations of interest are complete",
        )
        db.session.flush()


# Referees


def save_referee(
    actor: User,
    application: Application,
    position: int,
    *,
    name: str,
    email: str,
    job_title: str,
    relationship: str,
) -> Referee:
    """Name a referee: not the applicant, and not the same person twice."""
    _own_draft(actor, application)
    required = int(application.scheme.settings.get("referees_required", 2))
    if not 1 <= position <= required:
        raise DomainError("There is no such referee on this application.")
    email = email.strip().lower()
    if email == application.applicant.email.lower():
        raise DomainError("A referee cannot be you: give someone else's email", field="email")
    others = [r for r in application.referees if r.position != position]
    if any(r.email.lower() == email for r in others):
        raise DomainError("Your two referees must be different people", field="email")
    referee = next((r for r in application.referees if r.position == position), None)
    values = {
        "name": name.strip(),
        "email": email,
        "job_title": job_title.strip(),
        "relationship_to_applicant": relationship.strip(),
    }
    if referee is None:
        referee = Referee(application=application, position=position, **values)
        db.session.add(referee)
        changes: dict[str, Any] = {k: [None, v] for k, v in values.items()}
    else:
        before = {k: getattr(referee, k) for k in values}
        for key, value in values.items():
            setattr(referee, key, value)
        changes = diff(before, values)
    if changes:
        _touch(application)
        _audit(actor, application, "referee_saved", f"Saved referee {position}", changes=changes)
    db.session.flush()
    return referee


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invite_referee(
    referee: Referee, application: Application, *, reminder: bool, now: datetime | None = None
) -> None:
    token = secrets.token_urlsafe(32)
    referee.token_hash = _token_hash(token)
    now = now or utcnow()
    if reminder:
        referee.reminded_at = now
        referee.reminders_sent += 1
    else:
        referee.invited_at = now
    days = int(current_app.config["REFEREE_LINK_DAYS"])
    queue_email(
        referee.email,
        ("Reminder: " if reminder else "")
        + f"Reference for {application.full_name} ({application.scheme.name})",
        "referee_request",
        referee=referee,
        application=application,
        link=external_url("applications.give_reference", token=token),
        reminder=reminder,
        deadline=(now + timedelta(days=days)).date(),
    )


def referee_for_token(token: str, *, now: datetime | None = None) -> Referee:
    """The referee a link belongs to, if it has not been used and has not expired."""
    referee = db.session.scalar(sa.select(Referee).where(Referee.token_hash == _token_hash(token)))
    if referee is None or referee.received_at is not None:
        raise DomainError("This link is not valid: it may have been used already.")
    sent = referee.reminded_at or referee.invited_at
    days = int(current_app.config["REFEREE_LINK_DAYS"])
    if sent is None or (now or utcnow()) - sent > timedelta(days=days):
        raise DomainError("This link is not valid any more: it has expired.")
    return referee


def give_reference(
    referee: Referee, *, known_for: str, reference_text: str, would_recommend: bool
) -> None:
    """Record a reference from the one-time link; the link stops working."""
    if referee.received_at is not None:
        raise DomainError("This reference has already been given.")
    application = referee.application
    referee.known_for = known_for.strip()
    referee.reference_text = reference_text.strip()
    referee.would_recommend = would_recommend
    referee.received_at = utcnow()
    referee.token_hash = None
    record_event(
        None,
        "application.reference_received",
        subject_type="application",
        subject_id=application.id,
        summary=f"Reference {referee.position} received from {referee.name} "
        f"({application.reference})",
    )
    queue_email(
        application.applicant.email,
        f"Your reference from {referee.name} has arrived",
        "reference_received",
        application=application,
        referee=referee,
        link=external_url("applications.show_application", application_id=application.id),
    )
    db.session.flush()


def remind_referees(*, now: datetime | None = None) -> int:
    """Send the reminders that are due (idempotent: running it twice sends nothing more)."""
    now = now or utcnow()
    every = timedelta(days=int(current_app.config["REFEREE_REMINDER_DAYS"]))
    most = int(current_app.config["REFEREE_MAX_REMINDERS"])
    open_statuses = [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.INFORMATION_REQUESTED,
        ApplicationStatus.MODERATION,
    ]
    due = db.session.scalars(
        sa.select(Referee)
        .join(Application, Application.id == Referee.application_id)
        .where(
            Application.status.in_(open_statuses),
            Referee.received_at.is_(None),
            Referee.invited_at.is_not(None),
            Referee.reminders_sent < most,
            sa.func.coalesce(Referee.reminded_at, Referee.invited_at) <= now - every,
        )
        .order_by(Referee.id)
    ).all()
    for referee in due:
        _invite_referee(referee, referee.application, reminder=True, now=now)
        record_event(
            None,
            "application.referee_reminded",
            subject_type="application",
            subject_id=referee.application_id,
            summary=f"Reminded referee {referee.position} ({referee.application.reference})",
        )
    db.session.flush()
    return len(due)


# Self-assessment


def save_self_assessment(
    actor: User,
    application: Application,
    competency: Competency,
    *,
    level: int,
    narrative: str,
    version_id: int | None,
) -> SelfAssessment:
    """The applicant's level and narrative for one competency of the application's version."""
    _own_draft(actor, application)
    if competency.framework_id != application.framework_id:
        raise DomainError("That competency is not part of the framework you are applying under.")
    levels = {int(step["score"]) for step in application.framework.scale}
    if level not in levels:
        raise DomainError("Select a level from the scale", field="level")
    entry = next(
        (s for s in application.self_assessments if s.competency_id == competency.id), None
    )
    if entry is None:
        if version_id:
            raise ConcurrentEdit(STALE)
        entry = SelfAssessment(
            application=application, competency=competency, level=level, narrative=narrative
        )
        db.session.add(entry)
        changes: dict[str, Any] = {"level": [None, level]}
    else:
        if version_id != entry.version_id:
            raise ConcurrentEdit(STALE)
        changes = diff(
            {"level": entry.level, "narrative": entry.narrative},
            {"level": level, "narrative": narrative},
        )
        entry.level = level
        entry.narrative = narrative
        entry.updated_at = utcnow()
    if changes:
        _audit(
            actor,
            application,
            "self_assessment_saved",
            f"Saved the self-assessment for {competency.code} {competency.title}",
            changes={k: v for k, v in changes.items() if k != "narrative"} or None,
        )
    db.session.flush()
    return entry


# Work samples


def add_work_sample(
    actor: User,
    application: Application,
    *,
    title: str,
    filename: str,
    stream: IO[bytes],
    store: UploadStore,
) -> WorkSample:
    """Store an anonymised sample checked by content and size. The caller deletes the stored
    file if the transaction then fails."""
    _own_draft(actor, application)
    limits = application.scheme.settings.get("work_samples", {})
    most = int(limits.get("max", 3))
    if len(application.work_samples) >= most:
        raise DomainError(
            f"You can upload up to {most} work samples: remove one first", field="file"
        )
    max_bytes = int(float(limits.get("max_megabytes", 10)) * 1024 * 1024)
    try:
        stored = store.save(stream, max_bytes=max_bytes, accept=WORK_SAMPLE_TYPES)
    except DomainError as exc:
        raise DomainError(exc.message, field="file") from exc
    sample = WorkSample(
        application=application,
        title=title.strip(),
        original_name=_safe_name(filename),
        storage_key=stored.key,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
    )
    db.session.add(sample)
    _touch(application)
    _audit(
        actor,
        application,
        "work_sample_added",
        f"Uploaded the work sample {sample.title!r}",
        changes={"size_bytes": stored.size, "sha256": stored.sha256},
    )
    db.session.flush()
    return sample


def _safe_name(filename: str) -> str:
    """A display name only: never used as a path."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in name if ch.isprintable())
    return cleaned[:255] or "work-sample"


def remove_work_sample(actor: User, application: Application, sample: WorkSample) -> str:
    """Delete the row; returns the storage key for the caller to delete after commit."""
    _own_draft(actor, application)
    if sample.application_id != application.id:
        raise NotPermitted("That file belongs to another application.")
    key = sample.storage_key
    db.session.delete(sample)
    _touch(application)
    _audit(actor, application, "work_sample_removed", f"Removed the work sample {sample.title!r}")
    db.session.flush()
    return key


# Submission and withdrawal


@dataclass(frozen=True)
class Submitted:
    application: Application
    referees_invited: int


def submit_application(
    actor: User,
    application: Application,
    competencies: Sequence[Competency],
    *,
    declaration: bool,
    version_id: int | None,
    today: date,
) -> Submitted:
    """Submit a complete application with the declaration; referees get their links and
    administrators are told there is an application to allocate."""
    _own_draft(actor, application)
    _check_version(application, version_id)
    state = progress(
        application,
        competencies,
        today=today,
        cpd_met=cpd_met(application, today),
        qa_reviews=qa_reviews_in_term(application),
    )
    if not state.complete:
        left = [TASK_TITLES[slug] for slug, items in state.missing.items() if items]
        raise DomainError(
            "You cannot submit yet. Complete these sections: " + ", ".join(left) + ".",
            field="declaration",
        )
    if not declaration:
        raise DomainError("Confirm the declaration to submit your application", field="declaration")
    now = utcnow()
    change_status(actor, application, ApplicationStatus.SUBMITTED, mover=Mover.APPLICANT)
    application.submitted_at = now
    application.declaration_accepted_at = now
    for referee in application.referees:
        _invite_referee(referee, application, reminder=False)
    queue_email(
        application.applicant.email,
        f"We have your application ({application.reference})",
        "application_submitted",
        application=application,
        link=external_url("applications.show_application", application_id=application.id),
    )
    for admin in users_with_role(Role.ADMINISTRATOR):
        queue_email(
            admin.email,
            f"New application to allocate: {application.reference}",
            "application_to_allocate",
            name=admin.name,
            application=application,
            link=external_url("applications.show_application", application_id=application.id),
        )
    db.session.flush()
    return Submitted(application, len(application.referees))


def withdraw_application(
    actor: User, application: Application, *, reason: str, version_id: int | None
) -> None:
    """The applicant (or an administrator, with a reason) withdraws the application."""
    _check_version(application, version_id)
    if actor.id == application.applicant_id:
        mover = Mover.APPLICANT
    elif actor.has_role(Role.ADMINISTRATOR):
        mover = Mover.ADMINISTRATOR
        if not reason.strip():
            raise DomainError("Give the reason for withdrawing the application", field="reason")
    else:
        raise NotPermitted("You cannot withdraw this application.")
    was_draft = application.status is ApplicationStatus.DRAFT
    change_status(
        actor, application, ApplicationStatus.WITHDRAWN, mover=mover, reason=reason.strip()
    )
    for referee in application.referees:
        referee.token_hash = None
    if not was_draft and mover is Mover.ADMINISTRATOR:
        queue_email(
            application.applicant.email,
            f"Your application {application.reference} has been withdrawn",
            "application_withdrawn",
            application=application,
            reason=reason.strip(),
        )
    if not was_draft:
        # Whoever was working on it stops: its assessors and, when the applicant withdrew,
        # the administrators.
        working = db.session.scalars(
            sa.select(User)
            .join(Allocation, Allocation.assessor_id == User.id)
            .where(Allocation.application_id == application.id, Allocation.submitted_at.is_(None))
        ).all()
        told = {person.id: person for person in working}
        if mover is Mover.APPLICANT:
            told.update({admin.id: admin for admin in users_with_role(Role.ADMINISTRATOR)})
        for person in told.values():
            queue_email(
                person.email,
                f"Application {application.reference} has been withdrawn",
                "application_withdrawn_notice",
                name=person.name,
                application=application,
            )
    db.session.flush()
