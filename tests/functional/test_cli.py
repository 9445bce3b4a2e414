import sqlalchemy as sa

from portal.auth.models import User
from portal.core.email import OutboxMessage, OutboxStatus
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.organisations.models import Organisation
from tests.factories import count


def test_demo_load_creates_one_account_per_role_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "commissioner@demo.test" in result.output
    roles = {
        u.email: u.roles
        for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.test")))
    }
    assert Role.ADMINISTRATOR in roles["admin@demo.test"]
    assert Role.COMMISSIONER in roles["commissioner@demo.test"]
    assert roles["applicant@demo.test"] == {Role.APPLICANT}
    commissioner = db.session.scalar(sa.select(User).where(User.email == "commissioner@demo.test"))
    assert commissioner.organisation.region is not None
    again = runner.invoke(args=["demo", "load"])
    assert "already loaded" in again.output
    assert count(User, User.email == "admin@demo.test") == 1


def test_demo_load_refuses_the_production_configuration(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
    finally:
        app.config["ENV_NAME"] = "test"
    assert result.exit_code != 0
    assert "never loaded with the production configuration" in result.output
    assert count(User) == 0


def test_organisations_load_reports_every_problem_and_loads_nothing(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: x\nregions: []\npartnerships:\n  - {code: 'A B', name: x, region: zz}\n"
    )
    result = app.test_cli_runner().invoke(args=["organisations", "load", str(bad)])
    assert result.exit_code != 0
    assert "nothing was loaded" in result.output
    assert count(Organisation) == 0


def test_organisations_load_loads_the_reference_file(app):
    from portal.organisations.models import PartnershipMember

    result = app.test_cli_runner().invoke(args=["organisations", "load"])
    assert result.exit_code == 0, result.output
    # 153 partnerships, 5 government bodies, 153 councils, 42 boards, 39 police forces.
    assert count(Organisation) == 392
    assert "466 statutory partners linked" in result.output
    assert count(PartnershipMember) == 466
    again = app.test_cli_runner().invoke(args=["organisations", "load"])
    assert "0 added" in again.output and "0 statutory partners linked, 0 unlinked" in again.output


def test_organisations_load_refuses_partners_files_with_problems(app, tmp_path):
    agencies = tmp_path / "agencies.yaml"
    agencies.write_text(
        "local_authorities:\n  - {code: leeds-x, name: X Council, partnerships: [nowhere]}\n"
    )
    result = app.test_cli_runner().invoke(
        args=["organisations", "load", "--agencies", str(agencies)]
    )
    assert result.exit_code != 0
    assert "partnership 'nowhere' is not one of the partnerships" in result.output
    assert "(leeds): no local authority and no integrated care board" in result.output
    assert "nothing was loaded" in result.output
    assert count(Organisation) == 0


def test_outbox_send_command_delivers(app, inbox):
    from portal.core.email import queue_email

    queue_email("cli@example.test", "Hello", "password_changed", name="Someone")
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Sent 1 message" in result.output
    assert db.session.scalar(sa.select(OutboxMessage.status)) is OutboxStatus.SENT
    assert len(inbox.to("cli@example.test")) == 1


def test_create_admin_command_bootstraps_the_first_administrator(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--name", "First Admin", "--email", "first@example.test"],
        input="kettle orbit lantern\nkettle orbit lantern\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "first@example.test"))
    assert Role.ADMINISTRATOR in user.roles
    assert user.email_confirmed


def test_demo_code_prints_the_security_code_of_a_demo_account(app):
    import pyotp

    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.test"))
    assert admin.two_factor_enabled
    result = runner.invoke(args=["demo", "code", "admin@demo.test"])
    assert pyotp.TOTP(admin.totp_secret).verify(result.output.strip(), valid_window=1)
    assert runner.invoke(args=["demo", "code", "applicant@demo.test"]).exit_code != 0


def test_demo_load_adds_applications_in_every_state(app):
    from portal.applications.models import Application, ApplicationStatus

    runner = app.test_cli_runner()
    assert runner.invoke(args=["framework", "load-all"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    statuses = set(db.session.scalars(sa.select(Application.status)))
    assert statuses == set(ApplicationStatus), set(ApplicationStatus) - statuses
    submitted = db.session.scalars(
        sa.select(Application).where(Application.status == ApplicationStatus.SUBMITTED)
    ).all()
    from portal.applications.models import (
        AccreditationRecord,
        AccreditationStatus,
        Allocation,
        AllocationPurpose,
        MentorPairing,
    )

    records = {r.user.email: r for r in db.session.scalars(sa.select(AccreditationRecord))}
    assert records["reviewer@demo.test"].status is AccreditationStatus.ACCREDITED
    assert records["yusra.pennington@demo.test"].status is AccreditationStatus.PROVISIONAL
    assert db.session.scalar(sa.select(sa.func.count(MentorPairing.id))) == 1
    from portal.applications.models import ApplicationKind
    from portal.register.commissioning_models import AvailabilityRequest, Commission

    assert db.session.scalar(sa.select(sa.func.count(Commission.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AvailabilityRequest.id))) == 2

    assert db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(Application.kind == ApplicationKind.RENEWAL)
    )
    assert db.session.scalar(
        sa.select(sa.func.count(Allocation.id)).where(
            Allocation.purpose == AllocationPurpose.CALIBRATION
        )
    )
    for application in submitted:
        assert application.work_samples
        store = UploadStore(app.config["UPLOAD_DIR"])
        assert store.read(application.work_samples[0].storage_key).startswith(b"%PDF")
