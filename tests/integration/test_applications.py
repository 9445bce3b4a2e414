"""Application services: starting, saving, concurrent edits, referees, submission, withdrawal."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.applications import queries, services
from portal.applications.models import (
    Application,
    ApplicationRoute,
    ApplicationStatus,
    InterestKind,
    Referee,
    StatusChange,
)
from portal.applications.tasks import TaskStatus, progress
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.email import OutboxMessage
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from tests.factories import count, make_application, make_framework, make_organisation, make_user
from tests.files import EXECUTABLE, pdf_bytes


def _competencies(application):
    return queries.competencies(application.framework_id)


def _today():
    return utcnow().date()


def test_starting_an_application_takes_the_framework_in_use_and_a_reference():
    framework = make_framework()
    applicant = make_user(name="Bea Invented")
    application = services.start_application(applicant, framework.scheme, ApplicationRoute.FULL)
    db.session.commit()
    assert application.framework_id == framework.id
    assert application.reference == f"TST-A{application.id:06d}"
    assert application.status is ApplicationStatus.DRAFT
    assert application.full_name == "Bea Invented"
    assert count(StatusChange, StatusChange.application_id == application.id) == 1
    assert count(AuditEvent, AuditEvent.action == "application.started") == 1


def test_one_open_application_per_scheme():
    framework = make_framework()
    applicant = make_user()
    services.start_application(applicant, framework.scheme, ApplicationRoute.FULL)
    with pytest.raises(DomainError, match="already have an application"):
        services.start_application(applicant, framework.scheme, ApplicationRoute.FULL)


def test_a_person_can_apply_to_two_schemes():
    first = make_framework(scheme="tst")
    second = make_framework(scheme="sar")
    applicant = make_user()
    services.start_application(applicant, first.scheme, ApplicationRoute.FULL)
    services.start_application(applicant, second.scheme, ApplicationRoute.FULL)
    assert count(Application, Application.applicant_id == applicant.id) == 2


def test_a_scheme_without_a_framework_in_use_takes_no_applications():
    from portal.framework import services as framework_services
    from portal.framework.schema import parse_scheme
    from tests.frameworks import scheme_document

    scheme = framework_services.load_scheme(None, parse_scheme(scheme_document("nof")))
    with pytest.raises(DomainError, match="not taking applications"):
        services.start_application(make_user(), scheme, ApplicationRoute.FULL)


def test_saving_a_section_audits_what_changed_and_refuses_a_stale_form():
    application = make_application(complete=False)
    applicant = application.applicant
    seen = application.version_id
    services.save_section(
        applicant, application, "personal-details", {"phone": "01632 960 002"}, version_id=seen
    )
    db.session.commit()
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.section_saved")
    )
    assert event.changes == {"phone": [None, "01632 960 002"]}
    with pytest.raises(ConcurrentEdit):
        services.save_section(
            applicant, application, "personal-details", {"phone": "01632 960 003"}, version_id=seen
        )


def test_only_the_applicant_changes_a_draft_and_nobody_changes_a_submitted_one():
    application = make_application(complete=False)
    with pytest.raises(NotPermitted):
        services.save_section(
            make_user(roles=[Role.ADMINISTRATOR]),
            application,
            "qualifications",
            {"qualifications": "x"},
            version_id=None,
        )
    submitted = make_application(status=ApplicationStatus.SUBMITTED)
    with pytest.raises(InvalidTransition):
        services.save_section(
            submitted.applicant,
            submitted,
            "qualifications",
            {"qualifications": "x"},
            version_id=None,
        )


def test_declarations_of_interest_are_kept_once_per_organisation_and_for_three_years():
    application = make_application(complete=False)
    partnership = make_organisation()
    today = _today()
    services.add_interest(
        application.applicant,
        application,
        organisation=partnership,
        kind=InterestKind.EMPLOYED,
        details="",
        started_on=None,
        ended_on=None,
        today=today,
    )
    with pytest.raises(DomainError, match="already declared"):
        services.add_interest(
            application.applicant,
            application,
            organisation=partnership,
            kind=InterestKind.OTHER,
            details="",
            started_on=None,
            ended_on=None,
            today=today,
        )
    with pytest.raises(DomainError, match="last 3 years"):
        services.add_interest(
            application.applicant,
            application,
            organisation=make_organisation(),
            kind=InterestKind.OTHER,
            details="",
            started_on=None,
            ended_on=today - timedelta(days=4 * 365),
            today=today,
        )
    with pytest.raises(DomainError, match="after the start"):
        services.add_interest(
            application.applicant,
            application,
            organisation=make_organisation(),
            kind=InterestKind.OTHER,
            details="",
            started_on=today,
            ended_on=today - timedelta(days=10),
            today=today,
        )


def test_adding_an_interest_reopens_the_confirmation():
    application = make_application()
    assert "interests" in application.completed_sections
    services.add_interest(
        application.applicant,
        application,
        organisation=make_organisation(),
        kind=InterestKind.BOARD,
        details="",
        started_on=None,
        ended_on=None,
        today=_today(),
    )
    state = progress(application, _competencies(application), today=_today())
    assert state.status("interests") is TaskStatus.INCOMPLETE


def test_referees_must_be_two_other_people():
    application = make_application(complete=False)
    applicant = application.applicant
    with pytest.raises(DomainError, match="cannot be you"):
        services.save_referee(
            applicant,
            application,
            1,
            name="Me",
            email=applicant.email.upper(),
            job_title="x",
            relationship="x",
        )
    services.save_referee(
        applicant,
        application,
        1,
        name="A",
        email="a@example.test",
        job_title="x",
        relationship="x",
    )
    with pytest.raises(DomainError, match="different people"):
        services.save_referee(
            applicant,
            application,
            2,
            name="A again",
            email="A@example.test",
            job_title="x",
            relationship="x",
        )
    with pytest.raises(DomainError, match="no such referee"):
        services.save_referee(
            applicant,
            application,
            3,
            name="C",
            email="c@example.test",
            job_title="x",
            relationship="x",
        )


def test_self_assessment_only_for_the_applications_own_framework_version():
    application = make_application(complete=False)
    other = make_framework(scheme="sar")
    foreign = queries.competencies(other.id)[0]
    with pytest.raises(DomainError, match="not part of the framework"):
        services.save_self_assessment(
            application.applicant,
            application,
            foreign,
            level=3,
            narrative="x" * 60,
            version_id=None,
        )
    own = _competencies(application)[0]
    with pytest.raises(DomainError, match="level from the scale"):
        services.save_self_assessment(
            application.applicant,
            application,
            own,
            level=7,
            narrative="x" * 60,
            version_id=None,
        )
    entry = services.save_self_assessment(
        application.applicant, application, own, level=2, narrative="x" * 60, version_id=None
    )
    db.session.commit()
    with pytest.raises(ConcurrentEdit):
        services.save_self_assessment(
            application.applicant,
            application,
            own,
            level=3,
            narrative="y" * 60,
            version_id=entry.version_id + 5,
        )


def test_work_samples_are_limited_in_number_and_checked_by_content(app, tmp_path):
    application = make_application(complete=False)
    store = UploadStore(tmp_path / "store")
    for n in range(3):
        services.add_work_sample(
            application.applicant,
            application,
            title=f"Sample {n}",
            filename=f"../../{n}.pdf",
            stream=io.BytesIO(pdf_bytes()),
            store=store,
        )
    assert application.work_samples[0].original_name == "0.pdf"
    with pytest.raises(DomainError, match="up to 3"):
        services.add_work_sample(
            application.applicant,
            application,
            title="One more",
            filename="x.pdf",
            stream=io.BytesIO(pdf_bytes()),
            store=store,
        )
    fresh = make_application(complete=False)
    with pytest.raises(DomainError, match="must be a PDF") as refused:
        services.add_work_sample(
            fresh.applicant,
            fresh,
            title="Renamed",
            filename="report.pdf",
            stream=io.BytesIO(EXECUTABLE),
            store=store,
        )
    assert refused.value.field == "file"


def test_an_incomplete_application_cannot_be_submitted_and_says_what_is_missing():
    application = make_application(complete=False)
    with pytest.raises(DomainError, match="Complete these sections: Personal details"):
        services.submit_application(
            application.applicant,
            application,
            _competencies(application),
            declaration=True,
            version_id=None,
            today=_today(),
        )
    assert application.status is ApplicationStatus.DRAFT


def test_submitting_emails_referees_the_applicant_and_administrators():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    application = make_application()
    services.submit_application(
        application.applicant,
        application,
        _competencies(application),
        declaration=True,
        version_id=application.version_id,
        today=_today(),
    )
    db.session.commit()
    recipients = set(db.session.scalars(sa.select(OutboxMessage.to_address)))
    assert {r.email for r in application.referees} <= recipients
    assert application.applicant.email in recipients
    assert admin.email in recipients
    assert all(r.token_hash and r.invited_at for r in application.referees)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.declaration_accepted_at is not None


def test_the_declaration_is_required():
    application = make_application()
    with pytest.raises(DomainError, match="Confirm the declaration"):
        services.submit_application(
            application.applicant,
            application,
            _competencies(application),
            declaration=False,
            version_id=None,
            today=_today(),
        )


def _submitted():
    application = make_application()
    services.submit_application(
        application.applicant,
        application,
        _competencies(application),
        declaration=True,
        version_id=None,
        today=_today(),
    )
    db.session.commit()
    return application


def test_a_referee_link_works_once_and_expires(app):
    application = _submitted()
    referee = application.referees[0]
    referee.token_hash = None
    # Give the referee a known token, as the email would carry.
    token = "known-token-for-test"
    referee.token_hash = services._token_hash(token)
    db.session.commit()
    assert services.referee_for_token(token).id == referee.id
    later = referee.invited_at + timedelta(days=app.config["REFEREE_LINK_DAYS"] + 1)
    with pytest.raises(DomainError, match="expired"):
        services.referee_for_token(token, now=later)
    services.give_reference(referee, known_for="x", reference_text="y", would_recommend=True)
    db.session.commit()
    with pytest.raises(DomainError, match="not valid"):
        services.referee_for_token(token)
    assert count(AuditEvent, AuditEvent.action == "application.reference_received") == 1


def test_reminders_go_once_per_interval_up_to_the_limit(app):
    application = _submitted()
    start = application.referees[0].invited_at
    assert services.remind_referees(now=start + timedelta(days=1)) == 0
    assert services.remind_referees(now=start + timedelta(days=8)) == 2
    assert services.remind_referees(now=start + timedelta(days=8)) == 0  # idempotent
    assert services.remind_referees(now=start + timedelta(days=16)) == 2
    assert services.remind_referees(now=start + timedelta(days=40)) == 0  # limit of two
    db.session.commit()
    assert all(r.reminders_sent == 2 for r in application.referees)


def test_no_reminder_once_the_reference_has_arrived_or_the_application_is_withdrawn(app):
    application = _submitted()
    start = application.referees[0].invited_at
    services.give_reference(
        application.referees[0], known_for="x", reference_text="y", would_recommend=True
    )
    assert services.remind_referees(now=start + timedelta(days=8)) == 1
    services.withdraw_application(application.applicant, application, reason="", version_id=None)
    assert services.remind_referees(now=start + timedelta(days=30)) == 0


def test_withdrawal_by_an_administrator_needs_a_reason_and_emails_the_applicant():
    application = _submitted()
    admin = make_user(roles=[Role.ADMINISTRATOR])
    with pytest.raises(DomainError, match="reason"):
        services.withdraw_application(admin, application, reason=" ", version_id=None)
    services.withdraw_application(admin, application, reason="Duplicate", version_id=None)
    db.session.commit()
    assert application.status is ApplicationStatus.WITHDRAWN
    assert all(r.token_hash is None for r in application.referees)
    assert count(OutboxMessage, OutboxMessage.subject.contains("has been withdrawn")) == 1


def test_an_administrator_cannot_withdraw_a_draft():
    application = make_application()
    with pytest.raises(InvalidTransition):
        services.withdraw_application(
            make_user(roles=[Role.ADMINISTRATOR]), application, reason="x", version_id=None
        )


def test_nobody_else_withdraws_an_application():
    application = _submitted()
    with pytest.raises(NotPermitted):
        services.withdraw_application(
            make_user(roles=[Role.ASSESSOR]), application, reason="x", version_id=None
        )


def test_every_status_change_is_recorded_with_its_actor():
    application = _submitted()
    changes = db.session.scalars(
        sa.select(StatusChange)
        .where(StatusChange.application_id == application.id)
        .order_by(StatusChange.id)
    ).all()
    assert [c.to_status for c in changes] == [
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
    ]
    assert changes[-1].actor_id == application.applicant_id


def test_referee_reminder_command(app):
    _submitted()
    result = app.test_cli_runner().invoke(args=["applications", "remind-referees"])
    assert result.exit_code == 0
    assert "Sent 0 reminders" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Referee.id))) >= 2


def test_withdrawing_tells_the_assessors_working_on_it_and_the_administrators():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    application = _submitted()
    from portal.applications import assessment

    first = make_user(roles=[Role.ASSESSOR])
    second = make_user(roles=[Role.ASSESSOR])
    assessment.allocate_assessors(admin, application, first, second, today=_today())
    db.session.commit()
    services.withdraw_application(
        application.applicant, application, reason="Changed my mind", version_id=None
    )
    db.session.commit()
    told = set(
        db.session.scalars(
            sa.select(OutboxMessage.to_address).where(
                OutboxMessage.subject.contains("has been withdrawn")
            )
        )
    )
    assert {first.email, second.email, admin.email} <= told
