"""Entry by supervised practice: pairing, the supervision log, and the peer QA seam."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.applications import accreditation_queries, mentoring
from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    ApplicationRoute,
    ApplicationStatus,
    DeclaredInterest,
    InterestKind,
)
from portal.core.db import utcnow
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import make_application, make_organisation, make_user


def _record(status=AccreditationStatus.PROVISIONAL, user=None, framework=None):
    application = make_application(
        applicant=user or make_user(),
        status=ApplicationStatus.DECIDED,
        route=ApplicationRoute.SUPERVISED,
    )
    today = utcnow().date()
    record = AccreditationRecord(
        user_id=application.applicant_id,
        scheme_id=application.scheme_id,
        application_id=application.id,
        number=f"TST-{today.year}-{application.id:05d}",
        level="provisional" if status is AccreditationStatus.PROVISIONAL else "reviewer",
        status=status,
        starts_on=today,
        expires_on=today + timedelta(days=3 * 365),
    )
    db.session.add(record)
    db.session.commit()
    return record


def _admin():
    return make_user(roles=[Role.ADMINISTRATOR])


def test_mentors_are_fully_accredited_in_the_scheme_and_free_of_conflict():
    mentee = _record()
    full = _record(AccreditationStatus.ACCREDITED)
    _record(AccreditationStatus.SUSPENDED)
    other_provisional = _record()
    conflicted = _record(AccreditationStatus.ACCREDITED)
    shared = make_organisation()
    for record in (mentee, conflicted):
        db.session.add(
            DeclaredInterest(
                application_id=record.application_id,
                user_id=record.user_id,
                organisation_id=shared.id,
                kind=InterestKind.EMPLOYED,
            )
        )
    db.session.commit()
    candidates = {u.id for u in accreditation_queries.mentor_candidates(mentee)}
    assert candidates == {full.user_id}
    assert other_provisional.user_id not in candidates


def test_pairing_logging_and_a_passed_review_make_the_accreditation_full():
    mentee = _record()
    mentor_record = _record(AccreditationStatus.ACCREDITED)
    pairing = mentoring.pair_mentor(_admin(), mentee, mentor_record.user)
    db.session.commit()
    with pytest.raises(DomainError, match="already has a mentor"):
        mentoring.pair_mentor(_admin(), mentee, mentor_record.user)
    today = utcnow().date()
    with pytest.raises(NotPermitted):
        mentoring.log_session(
            mentee.user, pairing, held_on=today, minutes=60, focus="x", notes="y", today=today
        )
    with pytest.raises(DomainError, match="today or in the past"):
        mentoring.log_session(
            mentor_record.user,
            pairing,
            held_on=today + timedelta(days=1),
            minutes=60,
            focus="x",
            notes="y",
            today=today,
        )
    with pytest.raises(DomainError, match="15 minutes"):
        mentoring.log_session(
            mentor_record.user,
            pairing,
            held_on=today,
            minutes=5,
            focus="x",
            notes="y",
            today=today,
        )
    mentoring.log_session(
        mentor_record.user,
        pairing,
        held_on=today,
        minutes=90,
        focus="Planning the practitioner learning event",
        notes="Agreed how to hear practitioners without blame.",
        today=today,
    )
    mentoring.record_supervised_review_result(pairing, review_reference="QA-1", passed=False)
    assert mentee.status is AccreditationStatus.PROVISIONAL
    assert pairing.ended_at is None
    mentoring.record_supervised_review_result(pairing, review_reference="QA-2", passed=True)
    db.session.commit()
    assert mentee.status is AccreditationStatus.ACCREDITED
    assert mentee.level == "reviewer"
    assert pairing.ended_at is not None
    assert mentee.history[-1].reason.startswith("Supervised review QA-2 passed")
    with pytest.raises(InvalidTransition):
        mentoring.record_supervised_review_result(pairing, review_reference="QA-3", passed=True)


def test_only_provisional_accreditations_get_a_mentor():
    full = _record(AccreditationStatus.ACCREDITED)
    mentor = _record(AccreditationStatus.ACCREDITED)
    with pytest.raises(InvalidTransition):
        mentoring.pair_mentor(_admin(), full, mentor.user)
    with pytest.raises(NotPermitted):
        mentoring.pair_mentor(make_user(roles=[Role.ASSESSOR]), _record(), mentor.user)
    with pytest.raises(DomainError, match="no conflict"):
        mentoring.pair_mentor(_admin(), _record(), make_user())
