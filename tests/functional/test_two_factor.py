import re

import pyotp
import sqlalchemy as sa

from portal.auth.models import BrowserSession, RecoveryCode, User
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import DEFAULT_PASSWORD, count, make_user
from tests.support import (
    browser_session_of,
    csrf_token,
    current_code,
    error_messages,
    link_in,
    page_checks,
    path_of,
    sign_in_as,
    submit,
)


def _password_step(client, user):
    return submit(client, "/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})


def test_an_assessor_must_set_up_a_second_factor_before_any_page(client):
    assessor = make_user(roles=[Role.ASSESSOR], two_factor=False)
    assert _password_step(client, assessor).headers["Location"] == "/dashboard"
    response = client.get("/dashboard")
    assert response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    soup = page_checks(page, service_name=SERVICE_NAME)
    assert soup.select_one("svg.app-qr title").get_text() == "QR code for your authenticator app"
    secret = soup.select_one(".app-secret-key").get_text().replace(" ", "")

    wrong = submit(client, "/account/two-factor", {"code": "000000"})
    assert error_messages(page_checks(wrong, service_name=SERVICE_NAME)) == [
        "Enter the 6-digit code shown in your authenticator app"
    ]
    right = submit(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert right.headers["Location"] == "/account/two-factor/recovery-codes"
    codes_page = client.get("/account/two-factor/recovery-codes")
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", codes_page.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/account/two-factor/recovery-codes").headers["Location"] == "/account"
    assert client.get("/dashboard").status_code == 200
    db.session.refresh(assessor)
    assert assessor.two_factor_enabled
    assert count(RecoveryCode, RecoveryCode.user_id == assessor.id) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert not set(codes) & set(stored)  # only keyed hashes are kept
    assert count(AuditEvent, AuditEvent.action == "auth.two_factor_enabled") == 1
    assert count(OutboxMessage, OutboxMessage.subject == "Two-factor authentication is on") == 1


def test_sign_in_asks_for_the_code_before_signing_in(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    response = _password_step(client, admin)
    assert response.headers["Location"] == "/sign-in/security-code"
    assert client.get("/account").status_code == 302  # not signed in yet
    page_checks(client.get("/sign-in/security-code"), service_name=SERVICE_NAME)
    done = submit(client, "/sign-in/security-code", {"code": current_code(admin)})
    assert done.headers["Location"] == "/dashboard"
    assert client.get("/admin").status_code == 200


def test_no_session_row_exists_until_the_second_factor_is_done(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    _password_step(client, admin)
    assert count(BrowserSession, BrowserSession.user_id == admin.id) == 0
    with client.session_transaction() as session:
        assert "_user_id" not in session
    submit(client, "/sign-in/security-code", {"code": current_code(admin)})
    row = browser_session_of(client)
    assert row is not None and row.user_id == admin.id and row.ended_at is None


def test_the_password_step_is_good_for_ten_minutes(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    _password_step(client, admin)
    with client.session_transaction() as session:
        session["mfa_pending_since"] -= 11 * 60
    assert client.get("/sign-in/security-code").headers["Location"] == "/sign-in"


def test_a_password_reset_cancels_a_half_finished_sign_in(client):
    """Someone who passed the password step must start again once the password is reset
    (from another browser), even with a good code."""
    admin = make_user(roles=[Role.ADMINISTRATOR])
    _password_step(client, admin)
    token = csrf_token(client.get("/sign-in/security-code").get_data(as_text=True))
    elsewhere = client.application.test_client()
    submit(elsewhere, "/forgot-password", {"email": admin.email})
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text)
        .where(OutboxMessage.to_address == admin.email)
        .order_by(OutboxMessage.id.desc())
    )
    reset = path_of(link_in(body))
    new = "a brand new passphrase 2026"
    changed = submit(elsewhere, reset, {"password": new, "confirm_password": new})
    assert changed.status_code == 302, error_messages(
        page_checks(changed, service_name=SERVICE_NAME)
    )
    done = client.post(
        "/sign-in/security-code", data={"code": current_code(admin), "csrf_token": token}
    )
    assert done.headers["Location"] == "/sign-in"
    assert client.get("/sign-in/security-code").headers["Location"] == "/sign-in"
    assert count(BrowserSession, BrowserSession.user_id == admin.id) == 0
    assert client.get("/admin").status_code == 302


def test_a_code_is_never_accepted_twice(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    code = current_code(admin)
    _password_step(client, admin)
    submit(client, "/sign-in/security-code", {"code": code})
    submit(client, "/sign-out", {}, form_page="/account")
    _password_step(client, admin)
    again = submit(client, "/sign-in/security-code", {"code": code})
    assert "That code has been used. Wait for a new one" in error_messages(
        page_checks(again, service_name=SERVICE_NAME)
    )
    newer = submit(client, "/sign-in/security-code", {"code": current_code(admin, step=1)})
    assert newer.headers["Location"] == "/dashboard"


def test_a_recovery_code_works_once(client):
    analyst = make_user(roles=[Role.ANALYST], two_factor=False)
    sign_in_as(client, analyst)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'app-secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    submit(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    codes_page = client.get("/account/two-factor/recovery-codes").get_data(as_text=True)
    code = re.findall(r"<code>([0-9a-f-]+)</code>", codes_page)[0]
    submit(client, "/sign-out", {}, form_page="/account")

    _password_step(client, analyst)
    used = submit(client, "/sign-in/security-code", {"code": code.upper()})
    assert used.headers["Location"] == "/dashboard"
    assert count(OutboxMessage, OutboxMessage.subject == "A recovery code was used to sign in") == 1
    submit(client, "/sign-out", {}, form_page="/account")
    _password_step(client, analyst)
    again = submit(client, "/sign-in/security-code", {"code": code})
    assert again.status_code == 200
    assert error_messages(page_checks(again, service_name=SERVICE_NAME))


def test_wrong_codes_are_rate_limited(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    _password_step(client, admin)
    for _ in range(5):
        assert submit(client, "/sign-in/security-code", {"code": "123456"}).status_code == 200
    blocked = submit(client, "/sign-in/security-code", {"code": current_code(admin)})
    assert blocked.status_code == 429


def test_the_security_code_page_needs_a_password_first(client):
    assert client.get("/sign-in/security-code").headers["Location"] == "/sign-in"


def test_a_role_needing_a_second_factor_given_mid_session_asks_for_it(client):
    person = make_user(two_factor=False)
    sign_in_as(client, person)
    assert client.get("/dashboard").status_code == 200
    admin = make_user(roles=[Role.ADMINISTRATOR])
    from portal.auth import services

    services.grant_role(admin, person, Role.ANALYST)
    db.session.commit()
    assert client.get("/dashboard").headers["Location"] == "/account/two-factor"


def test_administrator_resets_a_second_factor(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    assessor = make_user(roles=[Role.ASSESSOR])
    sign_in_as(client, admin)
    page = f"/admin/users/{assessor.id}"
    assert "Reset two-factor authentication" in client.get(page).get_data(as_text=True)
    response = submit(client, f"{page}/two-factor/reset", {}, form_page=page)
    assert response.headers["Location"] == page
    db.session.refresh(assessor)
    assert not assessor.two_factor_enabled
    assert count(AuditEvent, AuditEvent.action == "auth.two_factor_reset") == 1
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == assessor.email)
    )
    assert "reset" in message.subject
    own = submit(client, f"/admin/users/{admin.id}/two-factor/reset", {}, form_page=page)
    assert own.status_code == 302
    db.session.refresh(admin)
    assert admin.two_factor_enabled


def test_anyone_may_turn_on_a_second_factor_and_is_then_asked_for_it(client):
    person = make_user(two_factor=False)
    sign_in_as(client, person)
    account = client.get("/account").get_data(as_text=True)
    assert "Turn on" in account
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'app-secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    submit(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    submit(client, "/sign-out", {}, form_page="/account")
    assert _password_step(client, person).headers["Location"] == "/sign-in/security-code"
    assert db.session.get(User, person.id).two_factor_enabled
