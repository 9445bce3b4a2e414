"""Every model, imported in one place so that migrations and tests see the whole schema."""

from portal.auth.models import IdentityLink, RecoveryCode, RoleGrant, User
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.framework.models import Competency, FrameworkDomain, FrameworkVersion, Scheme
from portal.organisations.models import Organisation, OrganisationName, Region

__all__ = [
    "AuditEvent",
    "Competency",
    "FrameworkDomain",
    "FrameworkVersion",
    "IdentityLink",
    "Organisation",
    "OrganisationName",
    "OutboxMessage",
    "RecoveryCode",
    "Region",
    "RoleGrant",
    "Scheme",
    "User",
]
