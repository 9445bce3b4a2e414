"""Who may do what with a register entry."""

from __future__ import annotations

from collections.abc import Sequence

from portal.applications.models import AccreditationRecord
from portal.auth.models import User
from portal.register.commissioning_models import AvailabilityRequest


def can_keep_entry(user: User, records: Sequence[AccreditationRecord]) -> bool:
    """Anyone who holds an accreditation record, whatever its status, keeps an entry: the
    register shows suspended, lapsed and withdrawn accreditations too."""
    return any(record.user_id == user.id for record in records)


def can_answer_request(user: User, request: AvailabilityRequest) -> bool:
    """Only the reviewer asked answers an availability request."""
    return request.reviewer_id == user.id
