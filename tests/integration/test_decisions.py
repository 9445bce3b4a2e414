"""Decisions, accreditation records and appeals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.applications import accreditation, decisions, queries
from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    AccreditationStatusChange,
    Allocation,
    AllocationPurpose,
    AppealOutcome,
    ApplicationRoute,
    ApplicationStatus,
    Outcome,
)
from portal.core.audit import AuditEvent
from portal.core.dates import add_years
from portal.core.db import utcnow
from portal.core.email import OutboxMessage
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import count, make_application, make_user

ACCREDIT = decisions.DecisionInput(Outcome.ACCREDIT, "Meets every competency.", level="reviewer")


def _today():
    return utcnow().date()


def _awaiting(**kwargs):
    return make_application(status=ApplicationStatus.AWAITING_DECISION, **kwargs)


def _admin():
    return make_user(roles=[Role.ADMINISTRATOR])


def _decide(application, data=ACCREDIT, actor=None, today=None):
    return decisions.record_decision(
        actor or _admin(),
        application,
        data,
        queries.competencies(application.framework_id),
        today=today or _today(),
    )


def test_accrediting_issues_a_numbered_record_for_the_schemes_term_and_the_reviewer_role():
    application = _awaiting()
    today = _today()
    decision = _decide(application, today=today)
    db.session.commit()
    record = db.session.scalar(
        sa.select(AccreditationRecord).where(
            AccreditationRecord.user_id == application.applicant_id
        )
    )
    assert record.number == f"TST-{today.year}-{record.id:05d}"
    assert record.status is AccreditationStatus.ACCREDITED
    assert record.starts_on == today
    assert record.expires_on == add_years(today, 3)
    assert application.status is ApplicationStatus.DECIDED
    assert decision.appeal_by == today + timedelta(days=28)
    assert Role.REVIEWER in application.applicant.roles
    assert count(AccreditationStatusChange, AccreditationStatusChange.record_id == record.id) == 1
    assert count(OutboxMessage, OutboxMessage.to_address == application.applicant.email) >= 1


def test_conditions_make_the_status_accredited_with_conditions():
    application = _awaiting()
    _decide(
        application,
        decisions.DecisionInput(
            Outcome.ACCREDIT, "Good.", level="lead_reviewer", conditions="A mentor for a year"
        ),
    )
    record = db.session.scalar(sa.select(AccreditationRecord))
    assert record.status is AccreditationStatus.ACCREDITED_WITH_CONDITIONS
    assert record.conditions == "A mentor for a year"
    assert record.level == "lead_reviewer"


def test_the_level_must_be_one_of_the_schemes_and_supervised_practice_is_provisional():
    with pytest.raises(DomainError, match="level"):
        _decide(_awaiting(), decisions.DecisionInput(Outcome.ACCREDIT, "x", level="emperor"))
    supervised = _awaiting(route=ApplicationRoute.SUPERVISED)
    with pytest.raises(DomainError, match="provisionally"):
        _decide(supervised, decisions.DecisionInput(Outcome.ACCREDIT, "x", level="reviewer"))


def test_not_yet_needs_a_plan_competencies_and_a_date_to_reapply():
    application = _awaiting()
    today = _today()
    with pytest.raises(DomainError, match="development plan"):
        _decide(application, decisions.DecisionInput(Outcome.NOT_YET, "x"))
    with pytest.raises(DomainError, match="competencies"):
        _decide(application, decisions.DecisionInput(Outcome.NOT_YET, "x", development_plan="p"))
    with pytest.raises(DomainError, match="framework"):
        _decide(
            application,
            decisions.DecisionInput(
                Outcome.NOT_YET, "x", development_plan="p", development_competencies=("ZZ9",)
            ),
        )
    with pytest.raises(DomainError, match="after today"):
        _decide(
            application,
            decisions.DecisionInput(
                Outcome.NOT_YET,
                "x",
                development_plan="p",
                development_competencies=("AB1",),
                reapply_from=today,
            ),
        )
    decision = _decide(
        application,
        decisions.DecisionInput(
            Outcome.NOT_YET,
            "Analysis not yet shown.",
            development_plan="Lead a review with a mentor.",
            development_competencies=("AB1", "CD1"),
            reapply_from=today + timedelta(days=180),
        ),
    )
    assert decision.development_competencies == ["AB1", "CD1"]
    assert count(AccreditationRecord) == 0


def test_reasons_are_required():
    with pytest.raises(DomainError, match="reasons"):
        _decide(_awaiting(), decisions.DecisionInput(Outcome.DECLINE, " "))


def test_an_assessor_of_the_application_never_decides_it():
    application = _awaiting()
    admin = _admin()
    db.session.add(
        Allocation(
            application_id=application.id,
            assessor_id=admin.id,
            purpose=AllocationPurpose.ASSESSMENT,
            due_on=_today(),
        )
    )
    db.session.commit()
    with pytest.raises(NotPermitted, match="another administrator"):
        _decide(application, actor=admin)


def test_only_an_application_awaiting_decision_is_decided():
    for status in ApplicationStatus:
        if status is ApplicationStatus.AWAITING_DECISION:
            continue
        with pytest.raises(InvalidTransition):
            _decide(make_application(status=status))


def test_nobody_but_an_administrator_decides():
    with pytest.raises(NotPermitted):
        _decide(_awaiting(), actor=make_user(roles=[Role.ASSESSOR]))


def _declined():
    application = _awaiting()
    decider = _admin()
    _decide(application, decisions.DecisionInput(Outcome.DECLINE, "Too little evidence."), decider)
    db.session.commit()
    return application, decider


def test_an_appeal_within_28_days_is_heard_by_someone_not_involved_and_can_replace_the_decision():
    application, decider = _declined()
    today = _today()
    decisions.lodge_appeal(
        application.applicant, application, grounds="The assessors missed a sample.", today=today
    )
    db.session.commit()
    assert application.status is ApplicationStatus.APPEALED
    with pytest.raises(NotPermitted, match="not involved"):
        decisions.hear_appeal(
            decider,
            application,
            outcome=AppealOutcome.DISMISSED,
            reasons="x",
            new_decision=None,
            competencies=[],
            today=today,
        )
    hearer = _admin()
    decisions.hear_appeal(
        hearer,
        application,
        outcome=AppealOutcome.UPHELD,
        reasons="The sample shows the competency.",
        new_decision=ACCREDIT,
        competencies=queries.competencies(application.framework_id),
        today=today,
    )
    db.session.commit()
    assert application.status is ApplicationStatus.DECIDED
    latest = decisions.current_decision(application)
    assert latest.on_appeal and latest.outcome is Outcome.ACCREDIT
    assert count(AccreditationRecord) == 1
    with pytest.raises(InvalidTransition, match="final"):
        decisions.lodge_appeal(application.applicant, application, grounds="again", today=today)


def test_a_dismissed_appeal_leaves_the_decision_standing():
    application, _ = _declined()
    decisions.lodge_appeal(application.applicant, application, grounds="Unfair.", today=_today())
    decisions.hear_appeal(
        _admin(),
        application,
        outcome=AppealOutcome.DISMISSED,
        reasons="The evidence was read.",
        new_decision=None,
        competencies=[],
        today=_today(),
    )
    assert decisions.current_decision(application).outcome is Outcome.DECLINE
    assert application.status is ApplicationStatus.DECIDED
    assert count(AuditEvent, AuditEvent.action == "application.appeal_heard") == 1


def test_appeals_close_after_the_window_and_only_the_applicant_appeals():
    application, _ = _declined()
    late = _today() + timedelta(days=29)
    with pytest.raises(DomainError, match="time to appeal ended"):
        decisions.lodge_appeal(application.applicant, application, grounds="x", today=late)
    with pytest.raises(NotPermitted):
        decisions.lodge_appeal(_admin(), application, grounds="x", today=_today())
    with pytest.raises(DomainError, match="Explain"):
        decisions.lodge_appeal(application.applicant, application, grounds=" ", today=_today())


def test_unconditional_accreditation_has_nothing_to_appeal():
    application = _awaiting()
    _decide(application)
    with pytest.raises(DomainError, match="nothing to appeal"):
        decisions.lodge_appeal(application.applicant, application, grounds="x", today=_today())


def _record():
    application = _awaiting()
    _decide(application)
    db.session.commit()
    return db.session.scalar(sa.select(AccreditationRecord))


def test_administrators_change_a_record_status_with_a_reason_and_history():
    record = _record()
    admin = _admin()
    with pytest.raises(DomainError, match="reason"):
        accreditation.change_record_status(
            admin, record, AccreditationStatus.SUSPENDED, reason="", version_id=None
        )
    accreditation.change_record_status(
        admin,
        record,
        AccreditationStatus.SUSPENDED,
        reason="Complaint under review",
        version_id=record.version_id,
    )
    db.session.commit()
    accreditation.change_record_status(
        admin,
        record,
        AccreditationStatus.ACCREDITED,
        reason="Complaint not upheld",
        version_id=None,
    )
    db.session.commit()
    assert [c.to_status for c in record.history] == [
        AccreditationStatus.ACCREDITED,
        AccreditationStatus.SUSPENDED,
        AccreditationStatus.ACCREDITED,
    ]
    with pytest.raises(DomainError, match="conditions"):
        accreditation.change_record_status(
            admin,
            record,
            AccreditationStatus.ACCREDITED_WITH_CONDITIONS,
            reason="x",
            version_id=None,
        )
    with pytest.raises(ConcurrentEdit):
        accreditation.change_record_status(
            admin, record, AccreditationStatus.SUSPENDED, reason="x", version_id=1
        )
    accreditation.change_record_status(
        admin, record, AccreditationStatus.WITHDRAWN, reason="Struck off", version_id=None
    )
    with pytest.raises(InvalidTransition):
        accreditation.change_record_status(
            admin, record, AccreditationStatus.ACCREDITED, reason="x", version_id=None
        )


def test_records_not_renewed_lapse_on_their_expiry_date_once():
    record = _record()
    before = record.expires_on - timedelta(days=1)
    assert accreditation.lapse_expired(today=before) == 0
    assert accreditation.lapse_expired(today=record.expires_on) == 1
    assert accreditation.lapse_expired(today=record.expires_on) == 0
    db.session.commit()
    assert record.status is AccreditationStatus.LAPSED
    assert record.history[-1].reason.startswith("Not renewed")
    assert count(AuditEvent, AuditEvent.action == "accreditation.lapsed") == 1


def test_accrediting_again_starts_a_new_term_on_the_same_record():
    record = _record()
    accreditation.lapse_expired(today=record.expires_on)
    number = record.number
    again = make_application(applicant=record.user, status=ApplicationStatus.AWAITING_DECISION)
    later = record.expires_on + timedelta(days=10)
    _decide(again, today=later)
    db.session.commit()
    assert count(AccreditationRecord) == 1
    assert record.number == number
    assert record.starts_on == later
    assert record.status is AccreditationStatus.ACCREDITED


def test_the_lapse_command(app):
    result = app.test_cli_runner().invoke(args=["applications", "lapse-accreditations"])
    assert result.exit_code == 0
    assert "0 accreditations lapsed." in result.output
