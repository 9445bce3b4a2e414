"""Every model, imported in one place so that migrations and tests see the whole schema."""

from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatusChange,
    AgreedScore,
    Allocation,
    Appeal,
    Application,
    Decision,
    DeclaredInterest,
    FeedbackReview,
    InformationRequest,
    MentorPairing,
    Referee,
    Score,
    SelfAssessment,
    StatusChange,
    SupervisionSession,
    WorkSample,
)
from portal.auth.models import IdentityLink, RecoveryCode, RoleGrant, User
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.cpd.models import (
    CpdEntry,
    CpdEntryRevision,
    CpdEvidence,
    CpdReminder,
    CpdRequirementVersion,
    PracticeFeedback,
)
from portal.framework.models import Competency, FrameworkDomain, FrameworkVersion, Scheme
from portal.organisations.models import Organisation, OrganisationName, Region

__all__ = [
    "AccreditationRecord",
    "AccreditationStatusChange",
    "AgreedScore",
    "Allocation",
    "Appeal",
    "Application",
    "AuditEvent",
    "Competency",
    "CpdEntry",
    "CpdEntryRevision",
    "CpdEvidence",
    "CpdReminder",
    "CpdRequirementVersion",
    "Decision",
    "DeclaredInterest",
    "FeedbackReview",
    "FrameworkDomain",
    "FrameworkVersion",
    "IdentityLink",
    "InformationRequest",
    "MentorPairing",
    "Organisation",
    "OrganisationName",
    "OutboxMessage",
    "PracticeFeedback",
    "RecoveryCode",
    "Referee",
    "Region",
    "RoleGrant",
    "Scheme",
    "Score",
    "SelfAssessment",
    "StatusChange",
    "SupervisionSession",
    "User",
    "WorkSample",
]
