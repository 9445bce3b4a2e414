"""Credential pages through HTTP: a reviewer takes and downloads their credential, verifiers
fetch the keys and status lists, and anyone checks a credential at /register/verify."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import pytest

from portal.applications import accreditation
from portal.applications.models import AccreditationStatus
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.credentials import queries, services, signing, statuslist
from portal.credentials.models import IssuedCredential
from portal.extensions import db
from portal.framework.models import FrameworkStatus
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_framework, make_record, make_user
from tests.support import error_messages, page_checks, sign_in_as, submit


def _text(response) -> str:
    soup = page_checks(response, service_name=SERVICE_NAME)
    return " ".join(soup.get_text().split())


def _reviewer(**record):
    user = make_user(roles=[Role.REVIEWER])
    return user, make_record(user=user, **record)


def _issued(record):
    credential = services.issue_credential(record.user, record, today=utcnow().date())
    db.session.commit()
    return credential


def _verify(client, **data):
    return submit(client, "/register/verify", data)


# The reviewer's page


def test_a_reviewer_creates_and_downloads_their_credential(client):
    user, record = _reviewer()
    sign_in_as(client, user)
    entry = client.get("/register/my-entry")
    assert 'href="/credentials"' in entry.get_data(as_text=True)
    page = _text(client.get("/credentials"))
    assert "Your accreditation credential" in page
    assert "You do not have a credential for this term yet" in page
    response = submit(
        client, "/credentials/issue", {"record_id": record.id}, form_page="/credentials"
    )
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert f"Your credential for {record.number} is ready to download" in page
    (credential,) = queries.credentials_of([record.id])
    download = client.get(f"/credentials/{credential.public_id}")
    assert download.status_code == 200
    assert download.mimetype == "application/vc+jwt"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and record.number in disposition
    assert download.get_data(as_text=True) == credential.token
    assert services.verify_credential(credential.token).valid


def test_creating_twice_keeps_one_credential_for_the_term(client):
    user, record = _reviewer()
    sign_in_as(client, user)
    for _ in range(2):
        submit(client, "/credentials/issue", {"record_id": record.id}, form_page="/credentials")
    assert count(IssuedCredential, IssuedCredential.record_id == record.id) == 1


def test_a_suspended_reviewer_is_told_why_there_is_no_credential(client):
    user, _ = _reviewer(status="suspended")
    sign_in_as(client, user)
    page = _text(client.get("/credentials"))
    assert "No credential can be created while your accreditation is suspended" in page
    assert "Create your credential" not in page


def test_a_refused_issue_is_explained_and_nothing_is_saved(client):
    user, record = _reviewer()
    sign_in_as(client, user)
    page = client.get("/credentials")
    accreditation.change_record_status(
        make_user(roles=[Role.ADMINISTRATOR]),
        record,
        AccreditationStatus.SUSPENDED,
        reason="Invented",
        version_id=None,
    )
    db.session.commit()
    response = submit(
        client, "/credentials/issue", {"record_id": record.id}, form_page="/credentials"
    )
    assert response.status_code == 302
    assert "no credential can be issued" in _text(client.get("/credentials"))
    assert count(IssuedCredential) == 0
    assert page.status_code == 200


def test_earlier_credentials_stay_listed_after_a_renewal(client):
    user, record = _reviewer()
    first = _issued(record)
    record.starts_on, record.expires_on = record.expires_on, record.expires_on + timedelta(days=900)
    db.session.commit()
    sign_in_as(client, user)
    page = _text(client.get("/credentials"))
    assert "Credentials issued before" in page
    assert client.get(f"/credentials/{first.public_id}").status_code == 200


def test_a_reviewer_cannot_issue_or_download_for_someone_else(client):
    _, theirs = _reviewer()
    credential = _issued(theirs)
    me, _ = _reviewer()
    sign_in_as(client, me)
    response = submit(
        client, "/credentials/issue", {"record_id": theirs.id}, form_page="/credentials"
    )
    assert response.status_code == 403
    assert client.get(f"/credentials/{credential.public_id}").status_code == 403
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/credentials/{missing}").status_code == 404


@pytest.mark.parametrize("record_id", ["", "abc", "99999999"])
def test_an_issue_without_a_real_record_goes_back_to_the_page(client, record_id):
    user, _ = _reviewer()
    sign_in_as(client, user)
    response = submit(
        client, "/credentials/issue", {"record_id": record_id}, form_page="/credentials"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/credentials"
    assert count(IssuedCredential) == 0


# What verifiers fetch


def test_the_key_set_publishes_every_key_without_private_parts(client):
    _issued(make_record())
    old = queries.active_key().kid
    services.rotate_key()
    db.session.commit()
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.mimetype == "application/jwk-set+json"
    keys = response.get_json()["keys"]
    assert {k["kid"] for k in keys} == {old, queries.active_key().kid}
    for key in keys:
        assert key["kty"] == "EC" and key["alg"] == "ES256" and key["use"] == "sig"
        assert "d" not in key


def test_the_status_lists_are_signed_credentials_following_the_records(client):
    record = make_record()
    credential = _issued(record)
    accreditation.change_record_status(
        make_user(roles=[Role.ADMINISTRATOR]),
        record,
        AccreditationStatus.SUSPENDED,
        reason="Invented",
        version_id=None,
    )
    db.session.commit()
    jwks = {k["kid"]: k for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    for purpose, expected in (("suspension", True), ("revocation", False)):
        response = client.get(f"/credentials/status/{purpose}")
        assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
        payload = signing.check_signature(response.get_data(as_text=True), jwks).payload
        subject = payload["credentialSubject"]
        bits = statuslist.decode(subject["encodedList"])
        assert len(bits) * 8 >= 131_072
        assert statuslist.is_set(bits, credential.status_index) is expected
    assert client.get("/credentials/status/other").status_code == 404


def test_before_any_key_there_is_no_status_list(client):
    assert client.get("/credentials/status/revocation").status_code == 404


def test_the_alignment_pages_show_a_frameworks_domains_but_never_a_draft(client):
    framework = make_framework()
    page = _text(client.get(f"/credentials/frameworks/{framework.id}"))
    assert "Competency domains" in page
    framework.status = FrameworkStatus.DRAFT
    db.session.commit()
    assert client.get(f"/credentials/frameworks/{framework.id}").status_code == 404
    assert client.get("/credentials/frameworks/999999").status_code == 404


# Verifying


def test_the_verify_path_is_not_taken_for_an_accreditation_number(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/register/verify") == ("credentials.verify_credential", {})
    assert adapter.match("/register/verify", method="POST")[0] == "credentials.verify_credential"
    assert adapter.match("/register/CSPR-2026-00001") == (
        "register.show_entry",
        {"number": "CSPR-2026-00001"},
    )
    assert adapter.match("/register/verify-me")[0] == "register.show_entry"


def test_the_verify_page_explains_how_to_check_offline(client):
    page = _text(client.get("/register/verify"))
    assert "Check an accreditation credential" in page
    assert "/.well-known/jwks.json" in page and "statusListIndex" in page


def test_anyone_verifies_a_pasted_credential_and_sees_its_details(client):
    _, record = _reviewer()
    credential = _issued(record)
    page = _text(_verify(client, credential=credential.token))
    assert "This credential is genuine and in force" in page
    assert record.number in page and record.user.name in page
    assert "On the register today Accredited" in page


def test_anyone_verifies_an_uploaded_credential_file(client):
    _, record = _reviewer()
    credential = _issued(record)
    upload = (io.BytesIO(credential.token.encode() + b"\n"), "credential.jwt")
    page = _text(_verify(client, file=upload))
    assert "This credential is genuine and in force" in page


def test_a_suspended_or_withdrawn_accreditation_is_reported(client):
    _, record = _reviewer()
    credential = _issued(record)
    admin = make_user(roles=[Role.ADMINISTRATOR])
    accreditation.change_record_status(
        admin, record, AccreditationStatus.SUSPENDED, reason="Invented", version_id=None
    )
    db.session.commit()
    page = _text(_verify(client, credential=credential.token))
    assert "This accreditation is suspended" in page
    assert "On the register today Suspended" in page
    accreditation.change_record_status(
        admin, record, AccreditationStatus.WITHDRAWN, reason="Invented", version_id=None
    )
    db.session.commit()
    page = _text(_verify(client, credential=credential.token))
    assert "This accreditation has been withdrawn or has ended" in page


def _tampered(token: str) -> str:
    head, body, signature = token.split(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    payload = json.loads(raw)
    payload["validUntil"] = "2099-01-01T00:00:00Z"
    changed = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{head}.{changed}.{signature}"


def _unsigned(token: str) -> str:
    head, body, _ = token.split(".")
    header = {**json.loads(base64.urlsafe_b64decode(head + "==")), "alg": "none"}
    new_head = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    return f"{new_head}.{body}."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_tampered, "The signature does not match the credential"),
        (_unsigned, "This credential is not signed at all"),
        (lambda t: "not a credential", "This is not a credential file"),
        (lambda t: t.replace(".", "", 1), "This is not a credential file"),
    ],
)
def test_a_bad_credential_gets_a_plain_answer(client, change, message):
    credential = _issued(make_record())
    response = _verify(client, credential=change(credential.token))
    assert response.status_code == 200
    page = _text(response)
    assert "This credential is not valid" in page and message in page
    assert "Traceback" not in page and "Error:" not in page


def test_an_expired_credential_says_when_it_ended(client):
    record = make_record(starts_on=utcnow().date() - timedelta(days=365 * 3 + 1), years=3)
    record.expires_on = utcnow().date() + timedelta(days=1)
    db.session.commit()
    credential = _issued(record)
    record.expires_on = utcnow().date() - timedelta(days=1)  # as if the term had ended
    db.session.commit()
    past = {**signing.check_signature(credential.token, queries.public_keys()).payload}
    past["validUntil"] = f"{record.expires_on}T00:00:00Z"
    credential.token = services.sign_with(queries.active_key(), past)
    db.session.commit()
    page = _text(_verify(client, credential=credential.token))
    assert "This credential has expired" in page
    assert "the portal has since revoked it" in page  # the record's term has ended too


def test_a_credential_not_yet_valid_says_from_when(client):
    record = make_record(starts_on=utcnow().date() + timedelta(days=40))
    credential = _issued(record)
    page = _text(_verify(client, credential=credential.token))
    assert "This credential is not valid yet" in page


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, ["Paste the credential or upload its file"]),
        ({"credential": "   "}, ["Paste the credential or upload its file"]),
        (
            {"credential": "a.b.c", "file": (io.BytesIO(b"a.b.c"), "c.jwt")},
            ["Paste the credential or upload its file, not both"],
        ),
        ({"file": (io.BytesIO(b"x" * 70_000), "big.jwt")}, ["The file must be smaller than 64 KB"]),
        (
            {"file": (io.BytesIO(b"\xff\xfe\x00"), "c.jwt")},
            ["The file must be a credential file, which is text"],
        ),
        ({"file": (io.BytesIO(b"  \n"), "c.jwt")}, ["The file is empty"]),
        (
            {"credential": "x" * 70_000},
            [
                "The credential must be 65,536 characters or fewer: "
                "check you pasted only the credential"
            ],
        ),
    ],
)
def test_the_verify_form_says_what_is_missing_or_wrong(client, data, expected):
    response = _verify(client, **data)
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == expected
    assert soup.title.get_text().startswith("Error:")


def test_a_downloaded_credential_verifies_offline_with_any_jose_library_and_the_key_set(client):
    from joserfc import jws
    from joserfc.jwk import KeySet

    user, record = _reviewer()
    credential = _issued(record)
    services.rotate_key()  # the credential's key is now retired, and still published
    db.session.commit()
    sign_in_as(client, user)
    token = client.get(f"/credentials/{credential.public_id}").get_data(as_text=True)
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    verified = jws.deserialize_compact(token, key_set, algorithms=["ES256"])
    payload = json.loads(verified.payload)
    assert payload["credentialSubject"]["achievement"]["alignment"]
    assert verified.protected["kid"] == credential.kid != queries.active_key().kid
    # The status lists, now signed with the new key, verify with the same key set.
    listed = client.get("/credentials/status/revocation").get_data(as_text=True)
    status = json.loads(jws.deserialize_compact(listed, key_set, algorithms=["ES256"]).payload)
    entry = next(s for s in payload["credentialStatus"] if s["statusPurpose"] == "revocation")
    assert status["id"] == entry["statusListCredential"]
    bits = statuslist.decode(status["credentialSubject"]["encodedList"])
    assert not statuslist.is_set(bits, int(entry["statusListIndex"]))


def test_a_status_list_pasted_as_a_credential_is_not_taken_for_one(client):
    _issued(make_record())
    listed = client.get("/credentials/status/suspension").get_data(as_text=True)
    page = _text(_verify(client, credential=listed))
    assert "This credential is not valid" in page
    assert "signed by the portal but it is not an accreditation credential" in page
