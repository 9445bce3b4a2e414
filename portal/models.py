"""Every model, imported in one place so that migrations and tests see the whole schema."""

from portal.api.models import ApiClient, ApiToken
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
from portal.auth.models import BrowserSession, IdentityLink, RecoveryCode, RoleGrant, User
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.cpd.audit_models import CpdAuditCycle, CpdAuditReview, CpdAuditSelection
from portal.cpd.models import (
    CpdEntry,
    CpdEntryRevision,
    CpdEvidence,
    CpdReminder,
    CpdRequirementVersion,
    PracticeFeedback,
)
from portal.credentials.models import IssuedCredential, SigningKey
from portal.framework.models import Competency, FrameworkDomain, FrameworkVersion, Scheme
from portal.organisations.models import (
    Organisation,
    OrganisationName,
    PartnershipMember,
    Region,
)
from portal.peer_qa.models import (
    AgreedMarkerScore,
    MarkerScore,
    PeerAssessment,
    QaReview,
    QaStatusChange,
    RecommendationAnalysis,
    RubricMarker,
    RubricVersion,
)
from portal.register.commissioning_models import (
    AvailabilityRequest,
    Commission,
    ShortlistEntry,
)
from portal.register.models import (
    SEARCH_TABLE,
    SEARCH_VECTOR_COLUMN,
    SEARCH_VECTOR_INDEX,
    RegisterEntry,
    RegisterEntryRegion,
    RegisterEntryTerm,
)
from portal.reporting.learning_models import (
    GovernmentResponse,
    LearningFinding,
    NationalRecommendation,
    SystemCondition,
    SystemConditionVersion,
)
from portal.reporting.models import DiversityAnswers, IncidentNotification, NotificationImport

__all__ = [
    "AccreditationRecord",
    "AccreditationStatusChange",
    "AgreedMarkerScore",
    "AgreedScore",
    "Allocation",
    "ApiClient",
    "ApiToken",
    "Appeal",
    "Application",
    "AuditEvent",
    "AvailabilityRequest",
    "BrowserSession",
    "Commission",
    "Competency",
    "CpdAuditCycle",
    "CpdAuditReview",
    "CpdAuditSelection",
    "CpdEntry",
    "CpdEntryRevision",
    "CpdEvidence",
    "CpdReminder",
    "CpdRequirementVersion",
    "Decision",
    "DeclaredInterest",
    "DiversityAnswers",
    "FeedbackReview",
    "FrameworkDomain",
    "FrameworkVersion",
    "GovernmentResponse",
    "IdentityLink",
    "IncidentNotification",
    "InformationRequest",
    "IssuedCredential",
    "LearningFinding",
    "MarkerScore",
    "MentorPairing",
    "NationalRecommendation",
    "NotificationImport",
    "Organisation",
    "OrganisationName",
    "OutboxMessage",
    "PartnershipMember",
    "PeerAssessment",
    "PracticeFeedback",
    "QaReview",
    "QaStatusChange",
    "RecommendationAnalysis",
    "RecoveryCode",
    "Referee",
    "Region",
    "RegisterEntry",
    "RegisterEntryRegion",
    "RegisterEntryTerm",
    "RoleGrant",
    "RubricMarker",
    "RubricVersion",
    "Scheme",
    "Score",
    "SelfAssessment",
    "ShortlistEntry",
    "SigningKey",
    "StatusChange",
    "SupervisionSession",
    "SystemCondition",
    "SystemConditionVersion",
    "User",
    "WorkSample",
    "include_in_schema_comparison",
]


def include_in_schema_comparison(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name hook: leave out the full-text search objects that migrations
    create by hand on one database only (SQLite's FTS5 table and its shadow tables, and
    PostgreSQL's generated tsvector column and its index). The models cannot describe them on
    both databases, so autogenerate would otherwise drop them and the meta test would report
    them as differences."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SEARCH_TABLE)
    if type_ == "column":
        return name != SEARCH_VECTOR_COLUMN
    if type_ == "index":
        return name != SEARCH_VECTOR_INDEX
    return True
