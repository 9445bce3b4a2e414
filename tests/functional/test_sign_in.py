from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import DEFAULT_PASSWORD, count, make_user
from tests.support import browser_session_of, error_messages, page_checks, sign_in_as, submit

GENERIC = "Enter a correct email address and password"


def test_sign_in_lands_on_the_dashboard_and_is_audited_with_the_request_id(client):
    make_user(email="known@example.test")
    response = submit(
        client, "/sign-in", {"email": "known@example.test", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    request_id = response.headers["X-Request-Id"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.signed_in"))
    assert event.request_id == request_id
    page_checks(client.get("/dashboard"), service_name=SERVICE_NAME)


@pytest.mark.parametrize(
    ("email", "password"),
    [("known@example.test", "not the password"), ("unknown@example.test", DEFAULT_PASSWORD)],
)
def test_wrong_email_or_password_gets_the_same_generic_error(client, email, password):
    make_user(email="known@example.test")
    response = submit(client, "/sign-in", {"email": email, "password": password})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == [GENERIC]
    assert soup.find("input", attrs={"name": "email"})["value"] == email
    assert soup.find("input", attrs={"name": "password"}).get("value") in (None, "")


def test_unconfirmed_account_is_told_to_confirm(client):
    make_user(email="new@example.test", confirmed=False)
    response = submit(
        client, "/sign-in", {"email": "new@example.test", "password": DEFAULT_PASSWORD}
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Confirm your email address before you sign in" in error_messages(soup)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account", "/account"),
        ("//evil.example/", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_next_only_redirects_to_our_own_paths(client, next_url, expected):
    make_user(email="known@example.test")
    page = f"/sign-in?next={next_url}"
    response = submit(
        client, page, {"email": "known@example.test", "password": DEFAULT_PASSWORD}, form_page=page
    )
    assert response.headers["Location"] == expected


def test_guarded_page_sends_anonymous_users_to_sign_in_and_back(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/account")


def test_repeated_wrong_passwords_for_one_account_get_429(client):
    make_user(email="known@example.test")
    for _ in range(5):
        response = submit(
            client, "/sign-in", {"email": "known@example.test", "password": "wrong one!"}
        )
        assert response.status_code == 200
    blocked = submit(
        client, "/sign-in", {"email": "known@example.test", "password": DEFAULT_PASSWORD}
    )
    assert blocked.status_code == 429
    soup = page_checks(blocked, service_name=SERVICE_NAME)
    assert "Too many attempts" in soup.h1.get_text()
    other = make_user(email="other@example.test")
    ok = submit(client, "/sign-in", {"email": other.email, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302  # the limit is per account


def test_many_failures_from_one_address_get_429_across_accounts(client):
    for n in range(20):
        submit(client, "/sign-in", {"email": f"guess{n}@example.test", "password": "wrong one!"})
    blocked = submit(
        client, "/sign-in", {"email": "guess99@example.test", "password": "wrong one!"}
    )
    assert blocked.status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(client):
    make_user(email="known@example.test")
    for _ in range(7):
        response = submit(
            client, "/sign-in", {"email": "known@example.test", "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        submit(client, "/sign-out", {}, form_page="/account")


def test_sign_out_is_post_only_and_ends_the_session(client):
    user = make_user()
    sign_in_as(client, user)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/account").status_code == 200
    response = submit(client, "/sign-out", {}, form_page="/account")
    assert response.headers["Location"] == "/signed-out"
    assert client.get("/account").status_code == 302
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "auth.signed_out"))


def _last_seen(client, ago: timedelta) -> None:
    row = browser_session_of(client)
    row.last_seen_at = utcnow() - ago
    db.session.commit()


def test_session_ends_after_30_minutes_idle(client):
    user = make_user()
    sign_in_as(client, user)
    row = browser_session_of(client)
    _last_seen(client, timedelta(minutes=31))
    response = client.get("/account")
    assert response.headers["Location"] == "/signed-out?idle=1"
    assert (row.end_reason, row.ended_at is not None) == ("timed out", True)
    assert count(AuditEvent, AuditEvent.action == "auth.session_ended") == 1
    assert client.get("/account").status_code == 302


def test_activity_keeps_the_session_alive_and_is_written_at_most_once_a_minute(client):
    user = make_user()
    sign_in_as(client, user)
    row = browser_session_of(client)
    _last_seen(client, timedelta(minutes=29))
    assert client.get("/account").status_code == 200
    seen = row.last_seen_at
    assert utcnow() - seen < timedelta(seconds=5)
    assert client.get("/account").status_code == 200
    assert row.last_seen_at == seen  # not written again within the minute


def test_a_session_ends_after_12_hours_however_busy(client):
    user = make_user()
    sign_in_as(client, user)
    row = browser_session_of(client)
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    response = client.get("/account")
    assert response.headers["Location"] == "/signed-out?limit=1"
    assert row.end_reason == "reached its time limit"
    page = page_checks(client.get("/signed-out?limit=1"), service_name=SERVICE_NAME)
    assert page.h1.get_text(strip=True) == "You were signed out after 12 hours"


def test_an_ended_session_row_signs_the_browser_out(client):
    user = make_user()
    sign_in_as(client, user)
    row = browser_session_of(client)
    row.ended_at, row.end_reason = utcnow(), "ended from another session"
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client):
    make_user(email="known@example.test")
    response = submit(
        client, "/sign-in", {"email": "known@example.test", "password": DEFAULT_PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
