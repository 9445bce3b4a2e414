"""CPD audit pages through HTTP: drawing a sample and seeing the draw repeated, the reviewer's
banner and submission, allocation, assessment with evidence, independence of the second
assessor, proposals, administrators reading any record, who may not read what, and the
commands."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from portal.applications.models import AccreditationStatus
from portal.auth import services as auth_services
from portal.auth.models import RoleGrant
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.core.worker import deliver_pending
from portal.cpd import audit, audit_queries
from portal.cpd.audit_models import AuditOutcome, AuditStatus, CpdAuditCycle
from portal.cpd.models import CpdEvidence
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_cpd_entry, make_cpd_requirements, make_record, make_user
from tests.files import pdf_bytes
from tests.support import error_messages, page_checks, sign_in_as, submit

TODAY = today_in_england()
STARTED = TODAY - timedelta(days=400)


@pytest.fixture
def admin():
    return make_user(name="Ada Administrator", roles=[Role.ADMINISTRATOR])


@pytest.fixture
def record(app):
    make_cpd_requirements()
    record = make_record(starts_on=STARTED)
    entry = make_cpd_entry(
        record, on=STARTED + timedelta(days=10), peer=True, title="Systems course"
    )
    _evidence(app, entry)
    return record


def _evidence(app, entry) -> CpdEvidence:
    evidence = CpdEvidence(
        entry_id=entry.id,
        original_name="certificate.pdf",
        storage_key=f"a{entry.id:031x}",
        content_type="application/pdf",
        size_bytes=100,
        sha256="0" * 64,
    )
    db.session.add(evidence)
    db.session.commit()
    path = UploadStore(app.config["UPLOAD_DIR"]).path_of(evidence.storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes())
    return evidence


def _drawn(admin, record):
    cycle = audit.open_cycle(admin, record.scheme, percent=None, today=TODAY, seed=5)
    db.session.commit()
    return next(s for s in audit_queries.selections_of(cycle.id) if s.record_id == record.id)


def _submitted(admin, record):
    selection = _drawn(admin, record)
    audit.submit_record(record.user, selection, statement="", declared=True, today=TODAY)
    db.session.commit()
    return selection


def _allocated(admin, record, name="Fay Assessor"):
    selection = _submitted(admin, record)
    assessor = make_user(name=name, roles=[Role.ASSESSOR])
    audit.allocate_assessor(admin, selection, assessor)
    db.session.commit()
    return selection, assessor


def test_an_administrator_draws_a_sample_and_sees_the_draw_repeated(client, admin, record):
    sign_in_as(client, admin)
    page_checks(client.get("/cpd/audit"), service_name=SERVICE_NAME)
    form = client.get("/cpd/audit/new")
    page_checks(form, service_name=SERVICE_NAME)
    scheme_id = record.scheme_id
    response = submit(client, "/cpd/audit/new", {"scheme": str(scheme_id), "percent": ""})
    assert response.status_code == 302
    cycle = db.session.query(CpdAuditCycle).one()
    assert response.headers["Location"].endswith(f"/cpd/audit/{cycle.id}")
    page = client.get(f"/cpd/audit/{cycle.id}")
    soup = page_checks(page, service_name=SERVICE_NAME)
    assert soup.select_one("#seed").get_text() == str(cycle.seed)
    assert "Same sample" in soup.select_one("#draw-check").get_text()
    assert record.user.name in page.get_data(as_text=True)
    listing = client.get("/cpd/audit").get_data(as_text=True)
    assert f"/cpd/audit/{cycle.id}" in listing


def test_a_wrong_percentage_is_shown_beside_the_field_and_kept(client, admin, record):
    sign_in_as(client, admin)
    response = submit(client, "/cpd/audit/new", {"scheme": str(record.scheme_id), "percent": "1"})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["The sample must be between 2.5% and 100%"]
    assert soup.select_one("input[name=percent]")["value"] == "1"
    assert count(CpdAuditCycle) == 0


def test_nobody_to_draw_is_said_on_the_form(client, admin):
    make_cpd_requirements()
    make_record(starts_on=TODAY - timedelta(days=20))
    sign_in_as(client, admin)
    scheme_id = audit_queries.schemes()[0].id
    response = submit(client, "/cpd/audit/new", {"scheme": str(scheme_id), "percent": "5"})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup)[0].startswith("Nobody in the")


def test_the_reviewer_sees_the_audit_with_its_deadline_and_submits(client, admin, record):
    selection = _drawn(admin, record)
    sign_in_as(client, record.user)
    progress = client.get("/cpd").get_data(as_text=True)
    assert "selected for audit" in progress
    deadline = f"{selection.due_on.day} {selection.due_on:%B %Y}"
    assert f"submit it by {deadline}" in progress
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f"Submit your CPD record for audit by {deadline}" in dashboard
    assert f"/cpd/audit/records/{selection.id}/submit" in progress
    url = f"/cpd/audit/records/{selection.id}/submit"
    page = client.get(url)
    soup = page_checks(page, service_name=SERVICE_NAME)
    assert "Systems course" in page.get_data(as_text=True)
    assert "certificate.pdf" in page.get_data(as_text=True)
    files = soup.select_one("a[href$='/evidence']")["href"]
    evidence_page = client.get(files)
    page_checks(evidence_page, service_name=SERVICE_NAME)
    assert 'type="file"' in evidence_page.get_data(as_text=True)
    refused = submit(client, url, {"statement": "All here."})
    soup = page_checks(refused, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Confirm that the record is complete and your own"]
    assert soup.select_one("textarea[name=statement]").get_text().strip() == "All here."
    done = submit(client, url, {"statement": "All here.", "declaration": "y"})
    assert done.status_code == 302
    assert selection.status is AuditStatus.SUBMITTED
    assert "It is with the assessors" in client.get("/cpd").get_data(as_text=True)
    assert client.get(url).status_code == 302


def test_a_reviewer_cannot_submit_someone_elses_record(client, admin, record):
    selection = _drawn(admin, record)
    other = make_user(roles=[Role.REVIEWER])
    sign_in_as(client, other)
    assert client.get(f"/cpd/audit/records/{selection.id}/submit").status_code == 403


def test_allocation_offers_only_conflict_free_assessors(client, admin, record):
    selection = _submitted(admin, record)
    db.session.add(RoleGrant(user=record.user, role=Role.ASSESSOR))
    fay = make_user(name="Fay Assessor", roles=[Role.ASSESSOR])
    sign_in_as(client, admin)
    url = f"/cpd/audit/records/{selection.id}/allocate"
    page = client.get(url)
    soup = page_checks(page, service_name=SERVICE_NAME)
    offered = {int(i["value"]) for i in soup.select("input[name=assessor]")}
    assert fay.id in offered and record.user.id not in offered and admin.id not in offered
    refused = submit(
        client, url, {"assessor": str(record.user.id), "version_id": str(selection.version_id)}
    )
    assert error_messages(page_checks(refused, service_name=SERVICE_NAME)) == [
        "Nobody can assess their own CPD record"
    ]
    response = submit(
        client, url, {"assessor": str(fay.id), "version_id": str(selection.version_id)}
    )
    assert response.status_code == 302
    assert selection.first_assessor_id == fay.id


def test_an_allocated_assessor_reads_the_record_with_evidence_and_records_an_outcome(
    app, client, inbox, admin, record
):
    selection, assessor = _allocated(admin, record)
    sign_in_as(client, assessor)
    listing = client.get("/cpd/audit/assessments")
    page_checks(listing, service_name=SERVICE_NAME)
    assert record.user.name in listing.get_data(as_text=True)
    url = f"/cpd/audit/records/{selection.id}/assess"
    page = client.get(url)
    soup = page_checks(page, service_name=SERVICE_NAME)
    link = soup.find("a", string="certificate.pdf")["href"]
    download = client.get(link)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    refused = submit(client, url, {"outcome": "accepted", "version_id": str(selection.version_id)})
    assert error_messages(page_checks(refused, service_name=SERVICE_NAME)) == [
        "Give feedback for the reviewer"
    ]
    done = submit(
        client,
        url,
        {
            "outcome": "accepted",
            "feedback": "A reflective record.",
            "version_id": str(selection.version_id),
        },
    )
    assert done.status_code == 302
    assert selection.status is AuditStatus.ACCEPTED
    deliver_pending(app)
    inbox.wait_for(record.user.email, "The outcome of your CPD audit: accepted")
    sign_in_as(client, record.user)
    progress = client.get("/cpd")
    page_checks(progress, service_name=SERVICE_NAME)
    assert "A reflective record." in progress.get_data(as_text=True)
    sign_in_as(client, assessor)
    # Once recorded, the assess page shows the record read-only.
    assert client.get(url).status_code == 302


def test_an_assessor_not_allocated_cannot_read_the_record_or_its_evidence(client, admin, record):
    selection, _ = _allocated(admin, record)
    evidence = db.session.query(CpdEvidence).one()
    other = make_user(roles=[Role.ASSESSOR])
    sign_in_as(client, other)
    for url in [
        f"/cpd/audit/records/{selection.id}",
        f"/cpd/audit/records/{selection.id}/assess",
        f"/cpd/audit/records/{selection.id}/plan",
        f"/cpd/audit/records/{selection.id}/evidence/{evidence.id}",
        f"/cpd/activities/{evidence.entry_id}/evidence/{evidence.id}",
    ]:
        assert client.get(url).status_code == 403, url


def test_evidence_outside_the_audited_year_is_not_served(app, client, admin, record):
    selection, assessor = _allocated(admin, record)
    elsewhere = make_cpd_entry(make_record(starts_on=STARTED), on=STARTED + timedelta(days=3))
    evidence = _evidence(app, elsewhere)
    sign_in_as(client, assessor)
    assert (
        client.get(f"/cpd/audit/records/{selection.id}/evidence/{evidence.id}").status_code == 404
    )


def test_the_second_assessor_does_not_see_the_first_review_until_theirs_is_recorded(
    client, admin, record
):
    selection, first = _allocated(admin, record)
    audit.record_review(
        first,
        selection,
        outcome=AuditOutcome.ADVICE,
        feedback="Secret first view.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    second = make_user(name="Sam Second", roles=[Role.QA_LEAD])
    audit.allocate_assessor(admin, selection, second)
    db.session.commit()
    sign_in_as(client, second)
    url = f"/cpd/audit/records/{selection.id}/assess"
    page = client.get(url)
    page_checks(page, service_name=SERVICE_NAME)
    assert "Secret first view." not in page.get_data(as_text=True)
    assert "Secret first view." not in client.get(f"/cpd/audit/records/{selection.id}").get_data(
        as_text=True
    )
    past = TODAY - timedelta(days=1)
    refused = submit(
        client,
        url,
        {
            "outcome": "not_met",
            "feedback": "Not met.",
            "plan_actions": "",
            "plan_due_on": [str(past.day), str(past.month), str(past.year)],
            "version_id": str(selection.version_id),
        },
    )
    messages = error_messages(page_checks(refused, service_name=SERVICE_NAME))
    assert messages == [
        "Say what the reviewer must do to put it right",
        "The date must be in the future",
    ]
    done = submit(
        client,
        url,
        {
            "outcome": "not_met",
            "feedback": "Not met.",
            "plan_actions": "Two records with peer discussion.",
            "version_id": str(selection.version_id),
        },
    )
    assert done.status_code == 302
    assert selection.status is AuditStatus.DEVELOPMENT_PLAN
    assert "Secret first view." in client.get(f"/cpd/audit/records/{selection.id}").get_data(
        as_text=True
    )
    plan = client.get(f"/cpd/audit/records/{selection.id}/plan")
    page_checks(plan, service_name=SERVICE_NAME)
    confirmed = submit(
        client,
        f"/cpd/audit/records/{selection.id}/plan",
        {"note": "Both records added.", "version_id": str(selection.version_id)},
    )
    assert confirmed.status_code == 302
    assert selection.status is AuditStatus.PUT_RIGHT


def test_an_administrator_decides_a_proposed_suspension(client, admin, record):
    selection = _drawn(admin, record)
    audit.process_overdue(today=selection.due_on + timedelta(days=1))
    db.session.commit()
    sign_in_as(client, admin)
    url = f"/cpd/audit/records/{selection.id}/proposal"
    page_checks(client.get(url), service_name=SERVICE_NAME)
    refused = submit(client, url, {"decision": "accept", "version_id": str(selection.version_id)})
    assert error_messages(page_checks(refused, service_name=SERVICE_NAME)) == [
        "Give the reason for your decision"
    ]
    done = submit(
        client,
        url,
        {"decision": "accept", "note": "No reply.", "version_id": str(selection.version_id)},
    )
    assert done.status_code == 302
    assert record.status is AccreditationStatus.SUSPENDED
    assert selection.status is AuditStatus.CLOSED
    assert client.get(url).status_code == 302


def test_an_administrator_gives_more_time_instead_of_a_suspension(client, admin, record):
    selection = _drawn(admin, record)
    audit.process_overdue(today=selection.due_on + timedelta(days=1))
    db.session.commit()
    sign_in_as(client, admin)
    url = f"/cpd/audit/records/{selection.id}/proposal"
    fields = {"decision": "more_time", "note": "In hospital.", "version_id": ""}
    fields["version_id"] = str(selection.version_id)
    missing = page_checks(submit(client, url, fields), service_name=SERVICE_NAME)
    assert error_messages(missing) == ["Enter the new deadline"]
    assert missing.select_one("textarea[name=note]").get_text() == "In hospital."
    new = today_in_england() + timedelta(days=60)
    done = submit(
        client, url, {**fields, "new_deadline": [str(new.day), str(new.month), str(new.year)]}
    )
    assert done.status_code == 302
    db.session.refresh(selection)
    assert selection.status is AuditStatus.REQUESTED and selection.due_on == new
    assert record.status is AccreditationStatus.ACCREDITED


def test_a_stale_decision_is_refused(client, admin, record):
    selection = _drawn(admin, record)
    audit.process_overdue(today=selection.due_on + timedelta(days=1))
    db.session.commit()
    sign_in_as(client, admin)
    url = f"/cpd/audit/records/{selection.id}/proposal"
    response = submit(client, url, {"decision": "reject", "note": "Ok.", "version_id": "1"})
    assert "Someone else changed this audit" in response.get_data(as_text=True)
    assert selection.status is AuditStatus.PROPOSED


def test_an_administrator_reads_any_reviewers_record(client, admin, record):
    _drawn(admin, record)
    sign_in_as(client, admin)
    listing = client.get("/cpd/audit/reviewers")
    page_checks(listing, service_name=SERVICE_NAME)
    assert record.number in listing.get_data(as_text=True)
    page = client.get(f"/cpd/audit/reviewers/{record.id}")
    page_checks(page, service_name=SERVICE_NAME)
    text = page.get_data(as_text=True)
    assert "Systems course" in text and "Audit opened" in text
    assert "Log an activity" not in text
    assert client.get("/cpd/audit/reviewers/999999").status_code == 404


# The commands


def test_the_overdue_command_escalates_once(app, inbox, admin, record):
    selection = _drawn(admin, record)
    runner = app.test_cli_runner()
    late = (selection.due_on + timedelta(days=1)).isoformat()
    first = runner.invoke(args=["cpd", "audit-overdue", "--today", late])
    assert first.exit_code == 0, first.output
    assert "escalated 1 overdue audit." in first.output
    second = runner.invoke(args=["cpd", "audit-overdue", "--today", late])
    assert "escalated 0 overdue audits" in second.output
    deliver_pending(app)
    inbox.wait_for(record.user.email, "Your CPD audit is overdue")
    assert len([m for m in inbox.to(record.user.email) if "overdue" in str(m["Subject"])]) == 1


def test_the_draw_command_repeats_a_cycle(app, admin, record):
    selection = _drawn(admin, record)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cpd", "audit-draw", str(selection.cycle_id)])
    assert result.exit_code == 0, result.output
    assert "seed 5" in result.output and "same sample" in result.output
    assert runner.invoke(args=["cpd", "audit-draw", "999999"]).exit_code != 0


def test_emails_carry_the_submission_link(app, inbox, admin, record):
    selection = _drawn(admin, record)
    deliver_pending(app)
    message = inbox.wait_for(record.user.email, "selected for audit")
    body = io.StringIO(message.get_payload(decode=True).decode()).read()
    assert f"/cpd/audit/records/{selection.id}/submit" in body


def test_an_assessor_whose_role_is_removed_no_longer_reads_the_record(client, admin, record):
    """Allocation alone is not enough: reading a record and its evidence needs the role too,
    as it does for applications and peer QA reviews."""
    selection, assessor = _allocated(admin, record)
    evidence = db.session.query(CpdEvidence).one()
    urls = [
        f"/cpd/audit/records/{selection.id}",
        f"/cpd/audit/records/{selection.id}/evidence/{evidence.id}",
    ]
    sign_in_as(client, assessor)
    assert [client.get(url).status_code for url in urls] == [200, 200]
    auth_services.revoke_role(admin, assessor, Role.ASSESSOR)
    db.session.commit()
    assert [client.get(url).status_code for url in urls] == [403, 403]
