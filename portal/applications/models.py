"""Accreditation applications: answers, referees, interests, self-assessment, work samples,
allocations to assessors with their scores, moderation and the agreed scores."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.framework.models import Competency, FrameworkVersion, Scheme
    from portal.organisations.models import Organisation, Region


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_ASSESSMENT = "in_assessment"
    INFORMATION_REQUESTED = "information_requested"
    MODERATION = "moderation"
    AWAITING_DECISION = "awaiting_decision"
    DECIDED = "decided"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.DRAFT: "Not submitted",
    ApplicationStatus.SUBMITTED: "Submitted",
    ApplicationStatus.IN_ASSESSMENT: "In assessment",
    ApplicationStatus.INFORMATION_REQUESTED: "Information requested",
    ApplicationStatus.MODERATION: "In moderation",
    ApplicationStatus.AWAITING_DECISION: "Awaiting decision",
    ApplicationStatus.DECIDED: "Decided",
    ApplicationStatus.APPEALED: "Appealed",
    ApplicationStatus.WITHDRAWN: "Withdrawn",
}

# States in which nobody is working on the application any more.
CLOSED_STATUSES: frozenset[ApplicationStatus] = frozenset(
    {ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN}
)


class ApplicationKind(enum.StrEnum):
    INITIAL = "initial"
    RENEWAL = "renewal"


class ApplicationRoute(enum.StrEnum):
    """The full route needs a led review; supervised practice leads to provisional accreditation."""

    FULL = "full"
    SUPERVISED = "supervised"

    @property
    def label(self) -> str:
        return {"full": "Full accreditation", "supervised": "Entry by supervised practice"}[
            self.value
        ]


class RegistrationBody(enum.StrEnum):
    SOCIAL_WORK_ENGLAND = "swe"
    NMC = "nmc"
    GMC = "gmc"
    HCPC = "hcpc"
    OTHER = "other"
    NONE = "none"

    @property
    def label(self) -> str:
        return REGISTRATION_BODY_LABELS[self]


REGISTRATION_BODY_LABELS: dict[RegistrationBody, str] = {
    RegistrationBody.SOCIAL_WORK_ENGLAND: "Social Work England",
    RegistrationBody.NMC: "Nursing and Midwifery Council (NMC)",
    RegistrationBody.GMC: "General Medical Council (GMC)",
    RegistrationBody.HCPC: "Health and Care Professions Council (HCPC)",
    RegistrationBody.OTHER: "Another professional body",
    RegistrationBody.NONE: "I am not professionally registered",
}


class Application(Base):
    """One person's application to one scheme, judged against one framework version."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), nullable=False)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("framework_versions.id"), nullable=False
    )
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    kind: Mapped[ApplicationKind] = mapped_column(
        enum_column(ApplicationKind, 16), nullable=False, default=ApplicationKind.INITIAL
    )
    route: Mapped[ApplicationRoute] = mapped_column(
        enum_column(ApplicationRoute, 16), nullable=False, default=ApplicationRoute.FULL
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, 32),
        nullable=False,
        default=ApplicationStatus.DRAFT,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    status_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declaration_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Personal details
    full_name: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    home_region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"))
    # Professional registration
    registration_body: Mapped[RegistrationBody | None] = mapped_column(
        enum_column(RegistrationBody, 16)
    )
    registration_body_other: Mapped[str | None] = mapped_column(sa.String(200))
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    # Experience
    reviews_led: Mapped[int | None] = mapped_column()
    reviews_co_led: Mapped[int | None] = mapped_column()
    years_in_practice: Mapped[int | None] = mapped_column()
    agencies: Mapped[list[str] | None] = mapped_column(sa.JSON)
    experience_summary: Mapped[str | None] = mapped_column(sa.Text)
    # Qualifications and training
    qualifications: Mapped[str | None] = mapped_column(sa.Text)
    review_training: Mapped[str | None] = mapped_column(sa.Text)
    # DBS check
    dbs_certificate_number: Mapped[str | None] = mapped_column(sa.String(12))
    dbs_issued_on: Mapped[date | None] = mapped_column(sa.Date)
    dbs_update_service: Mapped[bool | None] = mapped_column()
    # Renewal: the reviews completed in the term (until peer QA records them) and a statement.
    completed_reviews: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    renewal_statement: Mapped[str | None] = mapped_column(sa.Text)
    # Sections the applicant has marked as completed (the GOV.UK task list's own question).
    completed_sections: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)

    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    scheme: Mapped[Scheme] = relationship(lazy="joined")
    framework: Mapped[FrameworkVersion] = relationship()
    applicant: Mapped[User] = relationship(lazy="joined")
    home_region: Mapped[Region | None] = relationship()
    referees: Mapped[list[Referee]] = relationship(
        back_populates="application", order_by="Referee.position"
    )
    interests: Mapped[list[DeclaredInterest]] = relationship(
        back_populates="application", order_by="DeclaredInterest.id"
    )
    self_assessments: Mapped[list[SelfAssessment]] = relationship(back_populates="application")
    work_samples: Mapped[list[WorkSample]] = relationship(
        back_populates="application", order_by="WorkSample.uploaded_at"
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="application", order_by="StatusChange.occurred_at"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint("reviews_led IS NULL OR reviews_led >= 0", name="reviews_led"),
        sa.CheckConstraint("reviews_co_led IS NULL OR reviews_co_led >= 0", name="reviews_co_led"),
        sa.CheckConstraint(
            "years_in_practice IS NULL OR years_in_practice >= 0", name="years_in_practice"
        ),
        # One application in progress per person per scheme.
        sa.Index(
            "uq_applications_one_open",
            "applicant_id",
            "scheme_id",
            unique=True,
            sqlite_where=sa.text("status NOT IN ('decided', 'withdrawn')"),
            postgresql_where=sa.text("status NOT IN ('decided', 'withdrawn')"),
        ),
    )


class StatusChange(Base):
    """Each move of an application through its state machine, for its timeline and reports."""

    __tablename__ = "application_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    from_status: Mapped[ApplicationStatus | None] = mapped_column(
        enum_column(ApplicationStatus, 32, name="from_status")
    )
    to_status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, 32, name="to_status"), nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    application: Mapped[Application] = relationship(back_populates="status_changes")


class InterestKind(enum.StrEnum):
    EMPLOYED = "employed"
    COMMISSIONED = "commissioned"
    CONTRACTED = "contracted"
    BOARD = "board"
    OTHER = "other"

    @property
    def label(self) -> str:
        return INTEREST_KIND_LABELS[self]


INTEREST_KIND_LABELS: dict[InterestKind, str] = {
    InterestKind.EMPLOYED: "Employed by it",
    InterestKind.COMMISSIONED: "Carried out a review or audit for it",
    InterestKind.CONTRACTED: "Worked for it under another contract",
    InterestKind.BOARD: "Member of its board or a subgroup",
    InterestKind.OTHER: "Another connection",
}


class DeclaredInterest(Base):
    """An organisation the applicant worked for or with: a conflict of interest everywhere."""

    __tablename__ = "declared_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    # Denormalised so that conflict checks need no join through applications.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    kind: Mapped[InterestKind] = mapped_column(enum_column(InterestKind, 16), nullable=False)
    details: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    # None while the connection continues.
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    application: Mapped[Application] = relationship(back_populates="interests")
    organisation: Mapped[Organisation] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "organisation_id", name="uq_declared_interests_application_org"
        ),
    )


class Referee(Base):
    """A referee: asked by email with a one-time link once the application is submitted."""

    __tablename__ = "referees"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    email: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    job_title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    relationship_to_applicant: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # Only a hash of the link's secret is kept; the link works once.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders_sent: Mapped[int] = mapped_column(nullable=False, default=0)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    known_for: Mapped[str | None] = mapped_column(sa.String(200))
    reference_text: Mapped[str | None] = mapped_column(sa.Text)
    would_recommend: Mapped[bool | None] = mapped_column()

    application: Mapped[Application] = relationship(back_populates="referees")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "position", name="uq_referees_application_position"),
    )


class SelfAssessment(Base):
    """The applicant's own level and narrative for one competency of the framework version."""

    __tablename__ = "self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"), nullable=False)
    level: Mapped[int] = mapped_column(nullable=False)
    narrative: Mapped[str] = mapped_column(sa.Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    application: Mapped[Application] = relationship(back_populates="self_assessments")
    competency: Mapped[Competency] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "competency_id", name="uq_self_assessments_application_competency"
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 9", name="level"),
    )


class WorkSample(Base):
    """An anonymised work sample: the file lives in the upload store, outside the web root."""

    __tablename__ = "work_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    original_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    application: Mapped[Application] = relationship(back_populates="work_samples")


class Outcome(enum.StrEnum):
    """What an assessor recommends and what a decision says."""

    ACCREDIT = "accredit"
    NOT_YET = "not_yet"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return {"accredit": "Accredit", "not_yet": "Not yet", "decline": "Decline"}[self.value]


class AllocationPurpose(enum.StrEnum):
    ASSESSMENT = "assessment"
    MODERATION = "moderation"
    CALIBRATION = "calibration"


class Allocation(Base):
    """An assessor's piece of work on an application: the first or second assessment, the
    moderation, or a calibration exercise. Its scores stay private until both assessments
    are in."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    purpose: Mapped[AllocationPurpose] = mapped_column(
        enum_column(AllocationPurpose, 16), nullable=False
    )
    allocated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recommendation: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, 16))
    recommended_level: Mapped[str | None] = mapped_column(sa.String(32))
    comments: Mapped[str | None] = mapped_column(sa.Text)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    application: Mapped[Application] = relationship()
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id], lazy="joined")
    scores: Mapped[list[Score]] = relationship(back_populates="allocation")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "assessor_id", "purpose", name="uq_allocations_application_assessor"
        ),
    )


class Score(Base):
    """One assessor's level and rationale for one competency, against the application's
    framework version (the competency row belongs to that version)."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("allocations.id"), nullable=False, index=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"), nullable=False)
    level: Mapped[int] = mapped_column(nullable=False)
    rationale: Mapped[str] = mapped_column(sa.Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    allocation: Mapped[Allocation] = relationship(back_populates="scores")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "allocation_id", "competency_id", name="uq_scores_allocation_competency"
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 9", name="level"),
    )


class InformationRequest(Base):
    """An assessor's question to the applicant: the assessment clock stops until it is answered."""

    __tablename__ = "information_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    question: Mapped[str] = mapped_column(sa.Text, nullable=False)
    response: Mapped[str | None] = mapped_column(sa.Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    application: Mapped[Application] = relationship()
    requested_by: Mapped[User] = relationship(lazy="joined")


class AgreedScore(Base):
    """The score that stands for a competency: agreed by both assessors, or set in moderation."""

    __tablename__ = "agreed_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"), nullable=False)
    level: Mapped[int] = mapped_column(nullable=False)
    rationale: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # None when the two assessors agreed without moderation.
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "competency_id", name="uq_agreed_scores_application_competency"
        ),
        sa.CheckConstraint("level BETWEEN 1 AND 9", name="level"),
    )


class Decision(Base):
    """An administrator's decision on an application, or the appeal hearer's replacement of it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, 16), nullable=False)
    level: Mapped[str | None] = mapped_column(sa.String(32))
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    reasons: Mapped[str] = mapped_column(sa.Text, nullable=False)
    development_plan: Mapped[str | None] = mapped_column(sa.Text)
    # Codes of the competencies a "not yet" applicant must evidence next time.
    development_competencies: Mapped[list[str]] = mapped_column(
        sa.JSON, nullable=False, default=list
    )
    reapply_from: Mapped[date | None] = mapped_column(sa.Date)
    appeal_by: Mapped[date] = mapped_column(sa.Date, nullable=False)
    on_appeal: Mapped[bool] = mapped_column(nullable=False, default=False)

    application: Mapped[Application] = relationship()
    decided_by: Mapped[User] = relationship(lazy="joined")


class AppealOutcome(enum.StrEnum):
    DISMISSED = "dismissed"
    UPHELD = "upheld"

    @property
    def label(self) -> str:
        return {"dismissed": "Dismissed: the decision stands", "upheld": "Upheld"}[self.value]


class Appeal(Base):
    """An applicant's appeal against a decision, heard by someone not involved before."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id"), nullable=False, index=True
    )
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id"), nullable=False)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    grounds: Mapped[str] = mapped_column(sa.Text, nullable=False)
    heard_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[AppealOutcome | None] = mapped_column(enum_column(AppealOutcome, 16))
    reasons: Mapped[str | None] = mapped_column(sa.Text)

    decision: Mapped[Decision] = relationship()

    __table_args__ = (
        # One appeal per decision.
        sa.UniqueConstraint("decision_id", name="uq_appeals_decision_id"),
    )


class AccreditationStatus(enum.StrEnum):
    ACCREDITED = "accredited"
    ACCREDITED_WITH_CONDITIONS = "accredited_with_conditions"
    PROVISIONAL = "provisional"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return ACCREDITATION_STATUS_LABELS[self]

    @property
    def current(self) -> bool:
        """Whether the person may be commissioned on the strength of this accreditation."""
        return self in CURRENT_ACCREDITATION


ACCREDITATION_STATUS_LABELS: dict[AccreditationStatus, str] = {
    AccreditationStatus.ACCREDITED: "Accredited",
    AccreditationStatus.ACCREDITED_WITH_CONDITIONS: "Accredited with conditions",
    AccreditationStatus.PROVISIONAL: "Provisionally accredited",
    AccreditationStatus.SUSPENDED: "Suspended",
    AccreditationStatus.LAPSED: "Lapsed",
    AccreditationStatus.WITHDRAWN: "Withdrawn",
}
CURRENT_ACCREDITATION = frozenset(
    {
        AccreditationStatus.ACCREDITED,
        AccreditationStatus.ACCREDITED_WITH_CONDITIONS,
        AccreditationStatus.PROVISIONAL,
    }
)


class AccreditationRecord(Base):
    """A person's accreditation in one scheme: its number, level, term and status."""

    __tablename__ = "accreditation_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), nullable=False)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), nullable=False)
    number: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    level: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    status: Mapped[AccreditationStatus] = mapped_column(
        enum_column(AccreditationStatus, 32), nullable=False, index=True
    )
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    expires_on: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    user: Mapped[User] = relationship(lazy="joined")
    scheme: Mapped[Scheme] = relationship(lazy="joined")
    history: Mapped[list[AccreditationStatusChange]] = relationship(
        back_populates="record", order_by="AccreditationStatusChange.occurred_at"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        # One record per person per scheme; renewal extends it, a new term restarts it.
        sa.UniqueConstraint("user_id", "scheme_id", name="uq_accreditation_records_user_scheme"),
        sa.CheckConstraint("expires_on > starts_on", name="term"),
    )


class AccreditationStatusChange(Base):
    """Each status of a record over time, so the register can say 'suspended from ... to ...'."""

    __tablename__ = "accreditation_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False, index=True
    )
    from_status: Mapped[AccreditationStatus | None] = mapped_column(
        enum_column(AccreditationStatus, 32, name="from_status")
    )
    to_status: Mapped[AccreditationStatus] = mapped_column(
        enum_column(AccreditationStatus, 32, name="to_status"), nullable=False
    )
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    record: Mapped[AccreditationRecord] = relationship(back_populates="history")


class MentorPairing(Base):
    """A provisionally accredited reviewer paired with an accredited mentor for a first review."""

    __tablename__ = "mentor_pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False, index=True
    )
    mentor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    paired_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Filled when the supervised review's peer quality assurance reports back.
    review_reference: Mapped[str | None] = mapped_column(sa.String(64))
    review_passed: Mapped[bool | None] = mapped_column()

    record: Mapped[AccreditationRecord] = relationship(lazy="joined")
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id], lazy="joined")
    sessions: Mapped[list[SupervisionSession]] = relationship(
        back_populates="pairing", order_by="SupervisionSession.held_on"
    )

    __table_args__ = (
        # One mentor at a time for each provisional accreditation.
        sa.Index(
            "uq_mentor_pairings_one_open",
            "record_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )


class SupervisionSession(Base):
    """A supervision session the mentor logs: when, how long, what it covered."""

    __tablename__ = "supervision_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mentor_pairings.id"), nullable=False, index=True
    )
    held_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    minutes: Mapped[int] = mapped_column(nullable=False)
    focus: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False)
    logged_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    pairing: Mapped[MentorPairing] = relationship(back_populates="sessions")

    __table_args__ = (sa.CheckConstraint("minutes BETWEEN 15 AND 480", name="minutes"),)


class FeedbackRating(enum.StrEnum):
    """How useful an assessor's feedback to an applicant was, in the QA lead's judgement."""

    HELPFUL = "helpful"
    TOO_SHORT = "too_short"
    TOO_VAGUE = "too_vague"
    NOT_CONSTRUCTIVE = "not_constructive"
    NOT_CORRECT = "not_correct"

    @property
    def label(self) -> str:
        return FEEDBACK_RATING_LABELS[self]


FEEDBACK_RATING_LABELS: dict[FeedbackRating, str] = {
    FeedbackRating.HELPFUL: "Helpful",
    FeedbackRating.TOO_SHORT: "Too short",
    FeedbackRating.TOO_VAGUE: "Too vague",
    FeedbackRating.NOT_CONSTRUCTIVE: "Not constructive",
    FeedbackRating.NOT_CORRECT: "Not correct",
}


class FeedbackReview(Base):
    """A QA lead's rating of the feedback in one submitted assessment."""

    __tablename__ = "feedback_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("allocations.id"), nullable=False, index=True
    )
    rated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    rating: Mapped[FeedbackRating] = mapped_column(enum_column(FeedbackRating, 24), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("allocation_id", "rated_by_id", name="uq_feedback_reviews_rater"),
    )
