"""Who may take what credential."""

from __future__ import annotations

from portal.applications.models import AccreditationRecord
from portal.auth.models import User
from portal.credentials.models import IssuedCredential


def can_take_credential(user: User, record: AccreditationRecord) -> bool:
    """Only the person accredited takes a credential for their accreditation."""
    return record.user_id == user.id


def can_download(user: User, credential: IssuedCredential) -> bool:
    """A credential names one person: only they download it from here."""
    return credential.record.user_id == user.id
