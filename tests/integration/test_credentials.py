"""Credentials against the database: issuing, key rotation and storage, status lists that
follow the accreditation records, and verification outcomes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.applications import accreditation
from portal.applications.models import AccreditationStatus, AccreditationStatusChange
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.permissions import Role
from portal.credentials import queries, services, signing, statuslist
from portal.credentials.models import IssuedCredential, KeyStatus, SigningKey
from portal.credentials.signing import Failure
from portal.extensions import db
from portal.framework.models import FrameworkDomain
from tests.factories import count, make_record, make_user

A = AccreditationStatus


def _today() -> date:
    return utcnow().date()


def _issue(record=None, **kwargs):
    record = record or make_record()
    credential = services.issue_credential(record.user, record, today=_today(), **kwargs)
    db.session.commit()
    return record, credential


def _payload(credential: IssuedCredential) -> dict:
    return signing.check_signature(credential.token, queries.public_keys()).payload


def _admin():
    return make_user(roles=[Role.ADMINISTRATOR])


def _change(record, target: AccreditationStatus) -> None:
    accreditation.change_record_status(
        _admin(), record, target, reason="Invented reason", version_id=None
    )
    db.session.commit()


# Issuing


def test_a_credential_carries_the_accreditation_and_its_frameworks_domains():
    record, credential = _issue()
    payload = _payload(credential)
    subject = payload["credentialSubject"]
    identities = {i["identityType"]: i["identityHash"] for i in subject["identifier"]}
    assert identities == {"name": record.user.name, "ext:AccreditationNumber": record.number}
    assert payload["validFrom"] == f"{record.starts_on}T00:00:00Z"
    assert payload["validUntil"] == f"{record.expires_on}T00:00:00Z"
    assert "Reviewer" in subject["achievement"]["name"]
    domains = db.session.scalars(
        sa.select(FrameworkDomain.code)
        .join(FrameworkDomain.framework)
        .where(FrameworkDomain.framework_id == queries.framework_of(record).id)
        .order_by(FrameworkDomain.position)
    ).all()
    assert [a["targetCode"] for a in subject["achievement"]["alignment"]] == list(domains)
    assert domains
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    assert payload["issuer"]["id"] == base
    for status in payload["credentialStatus"]:
        assert status["statusListIndex"] == str(credential.status_index)
        assert status["statusListCredential"].startswith(f"{base}/credentials/status/")
    assert (credential.record_id, credential.valid_from, credential.valid_until) == (
        record.id,
        record.starts_on,
        record.expires_on,
    )
    assert credential.kid == queries.active_key().kid
    issued = sa.select(AuditEvent).where(AuditEvent.action == "credentials.issued")
    event = db.session.scalar(issued)
    assert event is not None and record.number in event.summary


def test_asking_again_in_the_same_term_gives_the_same_credential():
    record, first = _issue()
    _, again = _issue(record)
    assert again.id == first.id
    assert count(IssuedCredential, IssuedCredential.record_id == record.id) == 1


def test_a_renewal_issues_a_new_credential_and_keeps_the_old_one():
    record, first = _issue()
    record.starts_on, record.expires_on = (
        record.expires_on,
        record.expires_on + timedelta(days=3 * 365),
    )
    db.session.commit()
    _, second = _issue(record)
    assert second.id != first.id and second.status_index != first.status_index
    assert [c.id for c in queries.credentials_of([record.id])] == [second.id, first.id]
    # The old one still verifies: a renewal revokes nothing.
    assert services.verify_credential(first.token).genuine
    assert not services.verify_credential(first.token).revoked


@pytest.mark.parametrize("status", ["suspended", "withdrawn", "lapsed"])
def test_no_credential_is_issued_for_an_accreditation_not_in_force(status):
    record = make_record(status=status)
    with pytest.raises(DomainError, match=A(status).label.lower()):
        services.issue_credential(record.user, record, today=_today())
    assert count(IssuedCredential) == 0


def test_no_credential_is_issued_once_the_term_has_ended():
    record = make_record(starts_on=_today() - timedelta(days=3 * 366), years=3)
    with pytest.raises(DomainError, match="term has ended"):
        services.issue_credential(record.user, record, today=_today())


def test_nobody_takes_a_credential_for_someone_elses_accreditation():
    record = make_record()
    with pytest.raises(DomainError, match="your own"):
        services.issue_credential(make_user(roles=[Role.REVIEWER]), record, today=_today())


def test_each_credential_has_its_own_place_in_the_status_lists():
    indexes = {_issue()[1].status_index for _ in range(6)}
    assert len(indexes) == 6
    assert all(0 <= i < statuslist.SIZE for i in indexes)


# Keys


def test_the_first_key_is_created_on_first_need_and_audited():
    assert queries.active_key() is None
    _issue()
    (key,) = queries.signing_keys()
    assert key.status is KeyStatus.ACTIVE and key.algorithm == "ES256"
    assert count(AuditEvent, AuditEvent.action == "credentials.key_created") == 1
    assert services.ensure_key().id == key.id  # and only once


def test_private_keys_are_stored_encrypted_and_never_published():
    key = services.ensure_key()
    assert "PRIVATE KEY" not in key.encrypted_private_key
    assert "d" not in key.public_jwk
    assert set(key.public_jwk) >= {"kty", "crv", "x", "y", "kid"}
    assert key.public_jwk["kid"] == key.kid


def test_a_key_cannot_be_used_with_another_secret(app):
    key = services.ensure_key()
    db.session.commit()
    app.config["CREDENTIAL_KEY_SECRET"] = "a different secret"
    try:
        with pytest.raises(services.KeyUnavailable, match="Rotate the key"):
            services.sign_with(key, {"a": 1})
        # Rotating is the way out: the new key is readable with the new secret.
        assert services.sign_with(services.rotate_key(), {"a": 1}).count(".") == 2
    finally:
        app.config["CREDENTIAL_KEY_SECRET"] = None


def test_rotation_keeps_old_credentials_verifying_and_signs_new_ones_with_the_new_key():
    _record, old = _issue()
    old_kid = old.kid
    new_key = services.rotate_key(_admin())
    db.session.commit()
    assert new_key.kid != old_kid
    retired = queries.key(old_kid)
    assert retired.status is KeyStatus.RETIRED and retired.retired_at is not None
    assert set(queries.public_keys()) == {old_kid, new_key.kid}
    assert services.verify_credential(old.token).valid
    _, fresh = _issue(make_record())
    assert fresh.kid == new_key.kid
    assert signing.read_header(fresh.token)["kid"] == new_key.kid
    assert services.verify_credential(fresh.token).valid
    assert count(AuditEvent, AuditEvent.action == "credentials.key_rotated") == 1


def test_a_retired_key_signs_nothing():
    old = services.ensure_key()
    services.rotate_key()
    db.session.commit()
    with pytest.raises(DomainError, match="retired"):
        services.sign_with(old, {"a": 1})


def test_one_key_is_active_at_a_time_even_at_the_database():
    services.ensure_key()
    db.session.commit()
    db.session.add(
        SigningKey(
            kid="second-active",
            algorithm="ES256",
            public_jwk={},
            encrypted_private_key="x",
            status=KeyStatus.ACTIVE,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_credential_signed_with_a_key_after_it_was_retired_is_refused(app):
    _record, credential = _issue()
    retired = queries.key(credential.kid)
    pem = services._cipher().decrypt(retired.encrypted_private_key.encode())
    services.rotate_key(now=utcnow() - timedelta(days=1))
    db.session.commit()
    # Someone holding the old private key signs a credential dated after its retirement.
    payload = {**_payload(credential), "iat": int(utcnow().timestamp())}
    forged = signing.sign(payload, signing.load_private_key(pem, retired.kid), retired.kid)
    assert services.verify_credential(forged).failure is Failure.KEY_RETIRED


def test_a_correctly_signed_credential_the_portal_never_recorded_is_refused():
    _record, credential = _issue()
    key = queries.active_key()
    payload = {**_payload(credential), "id": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    forged = services.sign_with(key, payload)
    assert services.verify_credential(forged).failure is Failure.NOT_ISSUED


# Status lists


def _bits(purpose: str) -> bytes:
    token = services.status_list(purpose)
    checked = signing.check_signature(token, queries.public_keys())
    assert checked.payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = checked.payload["credentialSubject"]
    assert subject["statusPurpose"] == purpose and subject["type"] == "BitstringStatusList"
    return statuslist.decode(subject["encodedList"])


def test_there_is_no_status_list_before_the_portal_has_a_key():
    assert services.status_list("revocation") is None


def test_a_suspension_sets_the_suspension_bit_and_reinstating_clears_it():
    record, credential = _issue()
    i = credential.status_index
    assert not statuslist.is_set(_bits("suspension"), i)
    _change(record, A.SUSPENDED)
    assert statuslist.is_set(_bits("suspension"), i)
    assert not statuslist.is_set(_bits("revocation"), i)
    result = services.verify_credential(credential.token)
    assert result.genuine and result.suspended and not result.valid
    _change(record, A.ACCREDITED)
    assert not statuslist.is_set(_bits("suspension"), i)
    assert services.verify_credential(credential.token).valid


@pytest.mark.parametrize("target", [A.WITHDRAWN])
def test_a_withdrawal_sets_the_revocation_bit(target):
    record, credential = _issue()
    _change(record, target)
    assert statuslist.is_set(_bits("revocation"), credential.status_index)
    assert not statuslist.is_set(_bits("suspension"), credential.status_index)
    result = services.verify_credential(credential.token)
    assert result.revoked and not result.suspended and not result.valid
    assert result.register is not None and result.register.status is A.WITHDRAWN


def test_a_withdrawal_while_suspended_revokes_rather_than_suspends():
    record, credential = _issue()
    _change(record, A.SUSPENDED)
    _change(record, A.WITHDRAWN)
    assert statuslist.is_set(_bits("revocation"), credential.status_index)
    assert not statuslist.is_set(_bits("suspension"), credential.status_index)


def test_a_lapse_revokes_and_the_revocation_outlives_a_new_term():
    record, credential = _issue()
    record.status = A.LAPSED
    db.session.add(
        AccreditationStatusChange(
            record=record, from_status=A.ACCREDITED, to_status=A.LAPSED, reason="Not renewed"
        )
    )
    db.session.commit()
    assert statuslist.is_set(_bits("revocation"), credential.status_index)
    # Accredited again on a new application: the old credential stays revoked, a new one is not.
    record.status = A.ACCREDITED
    record.starts_on, record.expires_on = _today(), _today() + timedelta(days=1000)
    db.session.add(
        AccreditationStatusChange(
            record=record, from_status=A.LAPSED, to_status=A.ACCREDITED, reason="Again"
        )
    )
    db.session.commit()
    _, fresh = _issue(record)
    bits = _bits("revocation")
    assert statuslist.is_set(bits, credential.status_index)
    assert not statuslist.is_set(bits, fresh.status_index)


def test_a_term_that_has_ended_revokes_before_the_daily_lapse_runs():
    record, credential = _issue()
    later = datetime.combine(record.expires_on, datetime.min.time(), tzinfo=UTC)
    token = services.status_list("revocation", now=later)
    payload = signing.check_signature(token, queries.public_keys()).payload
    bits = statuslist.decode(payload["credentialSubject"]["encodedList"])
    assert statuslist.is_set(bits, credential.status_index)


def test_other_credentials_bits_stay_clear():
    _, kept = _issue()
    record, _ = _issue()
    _change(record, A.SUSPENDED)
    assert not statuslist.is_set(_bits("suspension"), kept.status_index)


# Verification outcomes


def test_a_current_credential_verifies_with_its_details():
    record, credential = _issue()
    result = services.verify_credential(credential.token)
    assert result.valid and result.failure is None
    assert result.contents.number == record.number
    assert result.contents.name == record.user.name
    assert result.kid == credential.kid
    assert result.register.id == record.id


def test_a_credential_is_expired_from_the_start_of_its_last_day():
    record, credential = _issue()
    end = datetime.combine(record.expires_on, datetime.min.time(), tzinfo=UTC)
    result = services.verify_credential(credential.token, now=end)
    assert result.genuine and result.expired and not result.valid
    just_before = services.verify_credential(credential.token, now=end - timedelta(seconds=1))
    assert not just_before.expired


def test_a_credential_is_not_valid_before_its_term_starts():
    record, credential = _issue()
    start = datetime.combine(record.starts_on, datetime.min.time(), tzinfo=UTC)
    result = services.verify_credential(credential.token, now=start - timedelta(seconds=1))
    assert result.genuine and result.not_yet_valid and not result.valid


def test_a_credential_for_a_term_starting_later_is_not_valid_yet():
    record = make_record(starts_on=_today() + timedelta(days=30))
    _, credential = _issue(record)
    result = services.verify_credential(credential.token)
    assert result.genuine and result.not_yet_valid


def test_bad_input_is_an_outcome_never_an_exception():
    for text in ["", "nonsense", "a.b.c", "\x00\x01", "é" * 100]:
        assert services.verify_credential(text).failure is Failure.MALFORMED


# Commands


def test_the_key_commands_create_rotate_and_list_keys_without_printing_secrets(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["credentials", "ensure-key"])
    assert first.exit_code == 0, first.output
    (key,) = queries.signing_keys()
    assert key.kid in first.output
    again = runner.invoke(args=["credentials", "ensure-key"])
    assert again.exit_code == 0 and len(queries.signing_keys()) == 1
    rotated = runner.invoke(args=["credentials", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    keys = queries.signing_keys()
    assert len(keys) == 2 and keys[0].kid in rotated.output
    listed = runner.invoke(args=["credentials", "list-keys"])
    assert listed.exit_code == 0
    assert keys[0].kid in listed.output and keys[1].kid in listed.output
    assert "Retired" in listed.output
    for result in (first, again, rotated, listed):
        assert "PRIVATE" not in result.output
        assert all(k.encrypted_private_key[:20] not in result.output for k in keys)
        assert all(str(k.public_jwk.get("x")) not in result.output for k in keys)
