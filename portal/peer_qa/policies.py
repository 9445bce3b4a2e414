"""Who may see or do what to one submitted review. Assessors never learn the author; the
author never learns the assessors."""

from __future__ import annotations

from portal.auth.models import User
from portal.core.permissions import Permission
from portal.peer_qa.models import PeerAssessment, QaReview, QaStatus


def is_author(user: User, review: QaReview) -> bool:
    return review.author_id == user.id


def can_edit(user: User, review: QaReview) -> bool:
    return is_author(user, review) and review.status is QaStatus.DRAFT


def can_manage(user: User) -> bool:
    return user.has_permission(Permission.MANAGE_PEER_QA)


def can_score(user: User, assessment: PeerAssessment) -> bool:
    return (
        user.has_permission(Permission.ASSESS_REVIEWS)
        and assessment.assessor_id == user.id
        and assessment.review.status is not QaStatus.WITHDRAWN
    )


def can_download_report(user: User, review: QaReview, assessments: list[PeerAssessment]) -> bool:
    """The author, the QA lead, and the two assessors allocated to it."""
    if is_author(user, review) or can_manage(user):
        return True
    return user.has_permission(Permission.ASSESS_REVIEWS) and any(
        a.assessor_id == user.id for a in assessments
    )
