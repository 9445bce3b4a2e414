"""Closing an account, the right to erasure as far as the law allows: sign-in, roles, contact
details, diversity answers, register words and drafts go; the scheme's records and the audit
log stay, with the name only where a record refers to the person; closing waits while the
person holds a current accreditation or has work under way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationStatus,
)
from portal.auth import sessions
from portal.auth.models import IdentityLink, RecoveryCode, User
from portal.core.audit import AuditEvent
from portal.core.dates import today_in_england
from portal.core.email import OutboxMessage
from portal.core.errors import DomainError
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.privacy.closure import CLOSED_NAME, close_account, plan_closure
from portal.privacy.retention import remove_files
from portal.register.models import RegisterEntry
from portal.reporting.models import DiversityAnswers
from tests.factories import (
    add_stored_work_sample,
    count,
    make_application,
    make_qa_review,
    make_record,
    make_user,
)

TODAY = today_in_england()


@pytest.fixture(autouse=True)
def own_upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path / "uploads")


@pytest.fixture
def admin():
    return make_user(roles=[Role.ADMINISTRATOR])


def _store(app) -> UploadStore:
    return UploadStore(app.config["UPLOAD_DIR"])


def _draft_with_file(app, person) -> tuple[int, str]:
    application = make_application(applicant=person, complete=False)
    key = add_stored_work_sample(application, _store(app))
    db.session.commit()
    return application.id, key


def _diversity(person) -> None:
    db.session.add(
        DiversityAnswers(
            user_id=person.id,
            ethnicity="prefer_not_to_say",
            sex="prefer_not_to_say",
            disability="prefer_not_to_say",
            age_band="prefer_not_to_say",
        )
    )
    db.session.commit()


def _close(app, admin, person):
    closed = close_account(admin, person, reason="Asked for erasure by letter.", today=TODAY)
    db.session.commit()
    remove_files(_store(app), closed.files)
    db.session.refresh(person)
    return closed


def test_an_applicant_with_only_a_draft_is_erased_name_and_all(app, admin):
    person = make_user(
        name="Invented Applicant",
        email="invented.applicant@example.test",
        password="a long invented passphrase",
    )
    db.session.add(RecoveryCode(user_id=person.id, code_hash="x" * 64))
    db.session.add(
        IdentityLink(
            user_id=person.id, provider="test", issuer="https://idp.example.test", subject="sub-1"
        )
    )
    draft_id, key = _draft_with_file(app, person)
    _diversity(person)
    sessions.start_session(person, browser="Firefox on Windows")
    db.session.commit()

    plan = plan_closure(person, actor=admin, today=TODAY)
    assert plan.possible and not plan.keeps_name and plan.drafts == 1
    assert db.session.get(Application, draft_id) is not None  # the preview changed nothing

    closed = _close(app, admin, person)
    assert not closed.kept_name
    assert person.name == CLOSED_NAME
    assert person.email == f"closed-{person.id}@closed.invalid"
    assert person.password_hash is None and not person.active
    assert sessions.open_sessions(person) == []
    assert count(RecoveryCode, RecoveryCode.user_id == person.id) == 0
    assert count(IdentityLink, IdentityLink.user_id == person.id) == 0
    assert count(DiversityAnswers, DiversityAnswers.user_id == person.id) == 0
    assert db.session.get(Application, draft_id) is None
    assert not _store(app).exists(key)
    (event,) = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "account.closed", AuditEvent.subject_id == str(person.id)
        )
    )
    assert event.changes["reason"] == "Asked for erasure by letter."
    assert event.changes["name_removed"] is True
    assert event.changes["drafts_deleted"] == 1
    (goodbye,) = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.to_address == "invented.applicant@example.test"
        )
    )
    assert goodbye.subject == "Your account has been closed"
    assert "Invented Applicant" in goodbye.body_text


def test_a_former_reviewer_keeps_their_name_on_the_records_and_loses_the_rest(app, admin):
    record = make_record(status="lapsed", starts_on=TODAY - timedelta(days=4 * 365))
    person = db.session.get(User, record.user_id)
    db.session.add(
        RegisterEntry(
            user_id=person.id,
            biography="Invented biography of a reviewer.",
            search_text="invented biography",
            available_from=TODAY,
            reviews_per_quarter=2,
            day_rate_band="band-2",
            travel="national",
        )
    )
    db.session.commit()
    name = person.name

    assert plan_closure(person, actor=admin, today=TODAY).keeps_name
    closed = _close(app, admin, person)
    assert closed.kept_name and person.name == name
    assert person.email.endswith("@closed.invalid")
    assert Role.REVIEWER not in person.roles
    entry = db.session.scalar(sa.select(RegisterEntry).where(RegisterEntry.user_id == person.id))
    assert (entry.biography, entry.available_from, entry.day_rate_band) == ("", None, None)
    assert db.session.get(type(record), record.id) is not None  # the register's history stays


def test_closing_waits_for_a_current_accreditation_and_work_under_way(app, admin):
    record = make_record()
    holder = db.session.get(User, record.user_id)
    (reason,) = plan_closure(holder, actor=admin, today=TODAY).blockers
    assert f"They hold accreditation {record.number}" in reason
    with pytest.raises(DomainError, match="They hold accreditation"):
        close_account(admin, holder, reason="x", today=TODAY)

    applicant = make_user()
    make_application(applicant=applicant, status=ApplicationStatus.IN_ASSESSMENT)
    assert plan_closure(applicant, actor=admin, today=TODAY).blockers == (
        "Their application is being assessed: it must be decided or withdrawn first.",
    )

    assessor = make_user(roles=[Role.ASSESSOR])
    db.session.add(
        Allocation(
            application_id=make_application(status=ApplicationStatus.IN_ASSESSMENT).id,
            assessor_id=assessor.id,
            purpose=AllocationPurpose.ASSESSMENT,
            due_on=TODAY,
        )
    )
    db.session.commit()
    assert plan_closure(assessor, actor=admin, today=TODAY).blockers == (
        "1 piece of assessment allocated to them is not finished: it must be finished first.",
    )

    author = make_user(roles=[Role.REVIEWER])
    make_qa_review(author=author, status="in_assessment")
    assert "A review of theirs is in peer quality assurance: it must finish first." in (
        plan_closure(author, actor=admin, today=TODAY).blockers
    )

    assert plan_closure(admin, actor=admin, today=TODAY).blockers == (
        "You cannot close your own account: ask another administrator.",
    )


def test_a_closed_account_is_not_closed_twice(app, admin):
    person = make_user()
    _close(app, admin, person)
    assert plan_closure(person, actor=admin, today=TODAY).blockers == (
        "This account is already closed.",
    )
