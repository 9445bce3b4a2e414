"""Calibration: double-marking agreed applications, rating feedback, agreement figures."""

from __future__ import annotations

import pytest

from portal.applications import calibration, calibration_queries
from portal.applications.agreement import agreement, pairs_from
from portal.applications.models import (
    AllocationPurpose,
    ApplicationStatus,
    FeedbackRating,
    FeedbackReview,
)
from portal.core.audit import AuditEvent
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import count, make_application, make_user
from tests.integration.test_assessment import (
    TODAY,
    _assess_both,
    _assessor,
    _score_all,
    _submit,
)


def _lead():
    return make_user(roles=[Role.QA_LEAD])


def test_an_agreed_application_is_double_marked_without_changing_it():
    _admin, application, a, b = _assess_both([3, 3, 3], [3, 3, 3])
    assert application.status is ApplicationStatus.AWAITING_DECISION
    third = _assessor("Casey Third")
    allocation = calibration.send_for_calibration(_lead(), application, third, today=TODAY)
    db.session.commit()
    assert allocation.purpose is AllocationPurpose.CALIBRATION
    _score_all(allocation, [2, 3, 4], "Calibration")
    _submit(allocation)
    db.session.commit()
    assert application.status is ApplicationStatus.AWAITING_DECISION
    marks = calibration_queries.marks()
    assert {m.assessor_id for m in marks} == {a.assessor_id, b.assessor_id, third.id}
    pairs = pairs_from(marks)
    assert len(pairs) == 3 * 3  # three assessors, three competencies
    figures = agreement(pairs, [1, 2, 3, 4])
    assert figures.exact == pytest.approx(5 / 9)
    assert figures.adjacent == 1.0
    assert count(AuditEvent, AuditEvent.action == "application.calibration_submitted") == 1


def test_double_marking_refuses_the_wrong_state_people_and_conflicts():
    _admin, application, a, _b = _assess_both([3, 3, 3], [3, 3, 3])
    lead = _lead()
    with pytest.raises(NotPermitted):
        calibration.send_for_calibration(
            make_user(roles=[Role.ASSESSOR]), application, _assessor("X"), today=TODAY
        )
    with pytest.raises(DomainError, match="already worked"):
        calibration.send_for_calibration(lead, application, a.assessor, today=TODAY)
    with pytest.raises(DomainError, match="not an assessor"):
        calibration.send_for_calibration(lead, application, make_user(), today=TODAY)
    referee = _assessor("Rae Referee", email=application.referees[0].email)
    with pytest.raises(DomainError, match="conflict of interest"):
        calibration.send_for_calibration(lead, application, referee, today=TODAY)
    draft = make_application(status=ApplicationStatus.IN_ASSESSMENT)
    with pytest.raises(InvalidTransition, match="agreed scores"):
        calibration.send_for_calibration(lead, draft, _assessor("Y"), today=TODAY)


def test_feedback_is_rated_once_per_rater_and_never_by_its_author():
    _admin, _application, a, _b = _assess_both([3, 3, 3], [3, 3, 3])
    lead = _lead()
    calibration.rate_feedback(lead, a, rating=FeedbackRating.TOO_VAGUE, note="Say which evidence.")
    calibration.rate_feedback(lead, a, rating=FeedbackRating.HELPFUL, note="")
    db.session.commit()
    assert count(FeedbackReview) == 1
    assert calibration_queries.ratings_by_assessor()[a.assessor_id][FeedbackRating.HELPFUL] == 1
    own = make_user(roles=[Role.QA_LEAD, Role.ASSESSOR])
    a.assessor_id = own.id
    with pytest.raises(NotPermitted, match="own feedback"):
        calibration.rate_feedback(own, a, rating=FeedbackRating.HELPFUL, note="")


def test_unsubmitted_feedback_cannot_be_rated():
    from tests.integration.test_assessment import _allocated

    _admin, _application, (a, _b) = _allocated()
    with pytest.raises(InvalidTransition):
        calibration.rate_feedback(_lead(), a, rating=FeedbackRating.HELPFUL, note="")
