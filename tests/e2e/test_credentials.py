"""A reviewer downloads their accreditation credential; a member of the public checks the
accreditation number on the register, then the credential by uploading the file, sees it is
genuine, and sees it reported once the accreditation is suspended. A tampered copy is refused
in plain words."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.applications import accreditation
from portal.applications.models import AccreditationRecord, AccreditationStatus
from portal.core.permissions import Role
from portal.extensions import db
from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    sign_in,
    sign_out,
    unique_email,
)
from tests.factories import make_framework, make_record, make_user

pytestmark = pytest.mark.e2e


def _seed(live: LiveServer) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    with live.app.app_context():
        user = make_user(
            name=f"Cass Credential {suffix}", email=unique_email("reviewer"), roles=[Role.REVIEWER]
        )
        record = make_record(user=user)
        db.session.commit()
        return {"email": user.email, "name": user.name, "number": record.number}


def _suspend(live: LiveServer, number: str) -> None:
    with live.app.app_context():
        record = db.session.query(AccreditationRecord).filter_by(number=number).one()
        admin = make_user(email=unique_email("admin"), roles=[Role.ADMINISTRATOR])
        accreditation.change_record_status(
            admin, record, AccreditationStatus.SUSPENDED, reason="Invented", version_id=None
        )
        db.session.commit()


def _check_file(page: Page, path: Path) -> None:
    page.goto("/register/verify")
    expect_heading(page, "Check an accreditation credential")
    page.get_by_label("Or upload the credential file").set_input_files(str(path))
    page.get_by_role("button", name="Check the credential").click()
    expect_heading(page, "Check an accreditation credential")


def test_a_reviewer_downloads_their_credential_and_the_public_verifies_it(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    seed = _seed(live_server)
    sign_in(page, seed["email"])
    page.goto("/register/my-entry")
    expect_heading(page, "Your register entry")
    page.get_by_role("link", name="Your accreditation credential").click()
    expect_heading(page, "Your accreditation credential")
    assert_accessible(page)
    page.get_by_role("button", name=f"Create your credential for {seed['number']}").click()
    expect(page.get_by_text(f"Your credential for {seed['number']} is ready")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download your credential for {seed['number']}").click()
    assert download.value.suggested_filename.startswith(f"accreditation-{seed['number']}-")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sign_out(page)

    # A member of the public, not signed in, checks the accreditation number on the register,
    # then the credential they were sent.
    page.goto("/")
    page.get_by_role("link", name="check the register of accredited reviewers").click()
    expect_heading(page, "Check the register of accredited reviewers")
    page.get_by_label("Name or accreditation number").fill(seed["number"].lower())
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 entry")
    assert_accessible(page)
    page.get_by_role("link", name=seed["name"]).click()
    expect_heading(page, seed["name"])
    expect(page.get_by_text("Accredited since")).to_be_visible()
    assert_accessible(page)
    _check_file(page, saved)
    result = page.locator("#result")
    expect(
        result.get_by_role("heading", name="This credential is genuine and in force")
    ).to_be_visible()
    expect(result.get_by_text(seed["name"])).to_be_visible()
    expect(result.get_by_text(seed["number"], exact=True)).to_be_visible()
    assert_accessible(page)

    # Someone edits the file to stretch its validity: the signature no longer matches.
    head, body, signature = saved.read_text().strip().split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["validUntil"] = "2099-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    page.get_by_label("Paste the credential").fill(f"{head}.{forged}.{signature}")
    page.get_by_role("button", name="Check the credential").click()
    expect(page.get_by_role("heading", name="This credential is not valid")).to_be_visible()
    expect(page.get_by_text("The signature does not match the credential")).to_be_visible()
    assert_accessible(page)

    _suspend(live_server, seed["number"])
    _check_file(page, saved)
    expect(page.get_by_role("heading", name="This accreditation is suspended")).to_be_visible()
    expect(page.get_by_text("the accreditation has since been suspended")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"See the register entry for {seed['number']}").click()
    expect_heading(page, seed["name"])
    assert_accessible(page)


def test_the_public_keys_and_status_lists_are_there_to_verify_offline(
    page: Page, live_server: LiveServer
) -> None:
    _seed(live_server)
    page.goto("/register/verify")
    keys = page.request.get("/.well-known/jwks.json")
    assert keys.ok and keys.json()["keys"], "the key set is published"
    for purpose in ("revocation", "suspension"):
        listed = page.request.get(f"/credentials/status/{purpose}")
        assert listed.ok and listed.headers["content-type"].startswith("application/vc+jwt")
    page.get_by_role("link", name="/.well-known/jwks.json").click()
    assert page.url.endswith("/.well-known/jwks.json")


def test_the_page_a_credentials_alignments_point_to_lists_the_domains(
    page: Page, live_server: LiveServer
) -> None:
    with live_server.app.app_context():
        framework = make_framework()
        db.session.commit()
        url, title = f"/credentials/frameworks/{framework.id}", framework.title
        version = framework.version
    page.goto(url)
    expect_heading(page, f"{title} (version {version})")
    expect(page.get_by_role("heading", name="Competency domains")).to_be_visible()
    assert_accessible(page)
