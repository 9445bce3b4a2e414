"""The subject access export: an administrator makes a ZIP of one person's own data and files,
audited, downloadable once, and holding nothing about anyone else."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from portal.applications.models import (
    AgreedScore,
    ApplicationStatus,
    InformationRequest,
    WorkSample,
)
from portal.core.audit import AuditEvent, record_event
from portal.core.permissions import Role
from portal.core.uploads import DOCX, PDF, UploadStore
from portal.cpd.models import CpdEvidence
from portal.extensions import db
from portal.framework.models import Competency
from tests.conftest import SERVICE_NAME
from tests.factories import (
    count,
    make_application,
    make_cpd_entry,
    make_entry,
    make_peer_assessment,
    make_peer_assessor,
    make_qa_review,
    make_record,
    make_user,
)
from tests.files import docx_bytes, pdf_bytes
from tests.support import error_messages, page_checks, sign_in_as, submit


@pytest.fixture(autouse=True)
def own_upload_folder(app, tmp_path, monkeypatch):
    """A folder of uploads for this test alone: files other tests left behind (their rows
    rolled back, some under fixed keys) would otherwise be swept or exported here."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path / "uploads")


OTHERS = (
    "Zebedee Assessorname",
    "Quentin Moderatorname",
    "Petra Peerassessor",
    "Referee 1 of",
    "Invented Peer",
    "Adelaide Adminname",
    "adelaide.admin@example.test",
)


def _stored(app, data: bytes) -> tuple[str, int, str, str]:
    stored = UploadStore(app.config["UPLOAD_DIR"]).save(
        io.BytesIO(data), max_bytes=10**6, accept=frozenset({PDF, DOCX})
    )
    return stored.key, stored.size, stored.sha256, stored.content_type


def _person_with_everything(app):
    person = make_user(name="Rosalind Subjectperson", roles=[Role.REVIEWER])
    record = make_record(user=person)
    application = make_application(applicant=person, status=ApplicationStatus.IN_ASSESSMENT)
    questioner = make_user(name=OTHERS[0], roles=[Role.ASSESSOR])
    moderator = make_user(name=OTHERS[1], roles=[Role.QA_LEAD])
    db.session.add(
        InformationRequest(
            application=application,
            requested_by_id=questioner.id,
            question="Tell us more about the invented review.",
        )
    )
    competency = db.session.scalars(
        sa.select(Competency).where(Competency.framework_id == application.framework_id)
    ).first()
    db.session.add(
        AgreedScore(
            application_id=application.id,
            competency_id=competency.id,
            level=3,
            rationale="Invented agreed rationale.",
            moderator_id=moderator.id,
        )
    )
    sample = pdf_bytes("Invented work sample of the subject")
    key, size, sha, kind = _stored(app, sample)
    db.session.add(
        WorkSample(
            application=application,
            title="Subject's sample",
            original_name="sample.pdf",
            storage_key=key,
            content_type=kind,
            size_bytes=size,
            sha256=sha,
        )
    )
    entry = make_cpd_entry(record, peer=True, title="Invented CPD of the subject")
    evidence = docx_bytes(paragraphs=("Invented certificate of the subject",))
    key, size, sha, kind = _stored(app, evidence)
    db.session.add(
        CpdEvidence(
            entry=entry,
            original_name="certificate.docx",
            storage_key=key,
            content_type=kind,
            size_bytes=size,
            sha256=sha,
        )
    )
    make_entry(person, biography="Invented biography of the subject.")
    review = make_qa_review(author=person)
    report = pdf_bytes("Invented review report of the subject")
    key, size, sha, kind = _stored(app, report)
    review.report_key, review.report_size = key, size
    review.report_sha256, review.report_content_type = sha, kind
    db.session.commit()
    make_peer_assessment(review, assessor=make_peer_assessor(name=OTHERS[2]))
    return person, {"sample": sample, "evidence": evidence, "report": report}


def test_an_administrator_exports_a_persons_own_data_and_nobody_elses(client, app):
    person, files = _person_with_everything(app)
    admin = make_user(name=OTHERS[5], email=OTHERS[6], roles=[Role.ADMINISTRATOR])
    record_event(
        admin,
        "account.details_checked",
        subject_type="user",
        subject_id=person.id,
        summary="Checked the subject's details",
    )
    db.session.commit()
    sign_in_as(client, admin)
    person_page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert f"/admin/users/{person.id}/personal-data" in person_page

    url = f"/admin/users/{person.id}/personal-data"
    page = client.get(url)
    page_checks(page, service_name=SERVICE_NAME)
    assert "Download" not in page.get_data(as_text=True)
    response = submit(client, url, {})
    assert response.status_code == 302
    ready = client.get(url)
    page_checks(ready, service_name=SERVICE_NAME)
    assert "Ready to download" in ready.get_data(as_text=True)
    assert count(AuditEvent, AuditEvent.action == "privacy.export_created") == 1

    download = client.get(f"{url}/download")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    assert count(AuditEvent, AuditEvent.action == "privacy.export_downloaded") == 1

    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = set(archive.namelist())
    documents = {
        name.removesuffix(".json"): json.loads(archive.read(name))
        for name in names
        if name.endswith(".json")
    }
    assert documents["account"][0]["email"] == person.email
    assert "password_hash" not in documents["account"][0]
    assert "totp_secret" not in documents["account"][0]
    assert {r["role"] for r in documents["roles"]} == {"reviewer"}
    assert len(documents["applications"]) == 2  # the one in assessment and the accredited one
    assert documents["application_self_assessments"]
    assert documents["application_questions"][0]["question"].startswith("Tell us more")
    assert "requested_by_id" not in documents["application_questions"][0]
    assert "moderator_id" not in documents["application_agreed_scores"][0]
    assert documents["application_referees"]
    assert all("name" not in r and "email" not in r for r in documents["application_referees"])
    assert documents["cpd_entries"][0]["title"] == "Invented CPD of the subject"
    assert documents["register_entry"][0]["biography"] == "Invented biography of the subject."
    assert documents["peer_qa_reviews"][0]["author_id"] == person.id
    about = [e for e in documents["audit_events"] if e["action"] == "account.details_checked"]
    assert about == [
        {
            "occurred_at": about[0]["occurred_at"],
            "by": "a member of staff",
            "action": "account.details_checked",
            "summary": "Checked the subject's details",
        }
    ]

    uploaded = {name: archive.read(name) for name in names if name.startswith("files/")}
    assert sorted(uploaded.values()) == sorted(files.values())

    everything = b"".join(archive.read(name) for name in names)
    for other in OTHERS:
        assert other.encode() not in everything, f"{other!r} is in the export"
    assert b"would_recommend" not in everything

    # Downloadable once: the file is gone from the store and the session.
    again = client.get(f"{url}/download")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(url)


def test_an_export_for_one_person_cannot_be_downloaded_as_another(client, app):
    person = make_user(name="First Subject")
    other = make_user(name="Second Subject")
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    submit(client, f"/admin/users/{person.id}/personal-data", {})
    response = client.get(f"/admin/users/{other.id}/personal-data/download")
    assert response.status_code == 302
    assert client.get(f"/admin/users/{person.id}/personal-data/download").status_code == 302
    assert count(AuditEvent, AuditEvent.action == "privacy.export_downloaded") == 0


def test_an_unknown_person_is_not_found(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    assert client.get("/admin/users/999999/personal-data").status_code == 404


def test_an_administrator_closes_an_account_from_the_persons_page(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    person = make_user(name="Invented Leaver")
    sign_in_as(client, admin)
    person_page = page_checks(client.get(f"/admin/users/{person.id}"), service_name=SERVICE_NAME)
    url = f"/admin/users/{person.id}/close"
    assert person_page.select_one(f"a[href='{url}']") is not None
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    assert "their name: nothing of the scheme's refers to them" in soup.select_one("#removed").text

    soup = page_checks(submit(client, url, {"reason": "  "}), service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Enter why the account is being closed"]
    assert db.session.get(type(person), person.id).name == "Invented Leaver"

    response = submit(client, url, {"reason": "Asked to be erased on 2 November."}, follow=True)
    assert "The account is closed. The name is removed too." in response.get_data(as_text=True)
    db.session.expire_all()
    closed = db.session.get(type(person), person.id)
    assert closed.name == "Closed account" and not closed.active
    assert count(AuditEvent, AuditEvent.action == "account.closed") == 1


def test_an_account_that_cannot_be_closed_says_why_and_offers_no_button(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    record = make_record()
    sign_in_as(client, admin)
    url = f"/admin/users/{record.user_id}/close"
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    assert f"They hold accreditation {record.number}" in soup.select_one("#blockers").text
    assert soup.select_one("form button, form input[type=submit]") is None or not any(
        "Close the account" in b.text for b in soup.select("button")
    )
    response = submit(
        client, url, {"reason": "Trying anyway."}, form_page=f"/admin/users/{record.user_id}"
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(type(admin), record.user_id).active
