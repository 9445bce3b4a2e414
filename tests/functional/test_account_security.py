import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.sessions import open_sessions
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage, queue_email
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import DEFAULT_PASSWORD, count, make_user
from tests.support import browser_session_of, page_checks, sign_in_as, submit

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) InventedBrowser/1.0"


def _browser(app, agent=BROWSER):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    return client


def _sign_in(client, user):
    return submit(client, "/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})


def test_account_page_lists_recent_sign_ins_with_their_browser(app):
    user = make_user()
    client = _browser(app)
    _sign_in(client, user)
    soup = page_checks(client.get("/account"), service_name=SERVICE_NAME)
    table = soup.find("table")
    assert BROWSER in table.get_text()


def test_a_new_browser_is_emailed_about_once(app):
    user = make_user()
    client = _browser(app)
    _sign_in(client, user)
    new_browser = OutboxMessage.subject == "New sign-in to your account"
    assert count(OutboxMessage, new_browser) == 1
    body = db.session.scalar(sa.select(OutboxMessage.body_text).where(new_browser))
    assert BROWSER in body
    submit(client, "/sign-out", {}, form_page="/account")
    _sign_in(client, user)  # same browser: it has the cookie now
    assert count(OutboxMessage, new_browser) == 1
    other = _browser(app, "Another/2.0")
    _sign_in(other, user)
    assert count(OutboxMessage, new_browser) == 2


def test_a_forged_known_browser_cookie_is_ignored(app):
    user = make_user()
    client = app.test_client()
    client.set_cookie("portal_known_browser", f"[{user.id}]")
    _sign_in(client, user)
    assert count(OutboxMessage, OutboxMessage.subject == "New sign-in to your account") == 1


def test_signing_out_other_sessions_keeps_this_one(app):
    user = make_user()
    here, there, copy = app.test_client(), app.test_client(), app.test_client()
    _sign_in(here, user)
    _sign_in(there, user)
    assert there.get("/account").status_code == 200
    copy.set_cookie("portal_session", here.get_cookie("portal_session").value)
    response = submit(here, "/account/sign-out-others", {}, form_page="/account")
    assert response.headers["Location"] == "/account"
    assert here.get("/account").status_code == 200
    assert there.get("/account").status_code == 302
    # This browser's session goes on under a new token: a copy of its old cookie is refused.
    assert copy.get("/account").status_code == 302
    assert count(AuditEvent, AuditEvent.action == "auth.other_sessions_ended") == 1
    assert [row.end_reason for row in open_sessions(user)] == [None]


def test_the_account_page_lists_where_you_are_signed_in_and_ends_one(app):
    user = make_user()
    laptop = _browser(app, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Firefox/140.0")
    phone = _browser(app, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) Safari/604.1")
    _sign_in(laptop, user)
    _sign_in(phone, user)
    soup = page_checks(laptop.get("/account"), service_name=SERVICE_NAME)
    rows = [" ".join(tr.get_text().split()) for tr in soup.select("table")[1].select("tbody tr")]
    assert len(rows) == 2
    assert any(r.startswith("Firefox on Windows") and "This browser" in r for r in rows)
    assert any(r.startswith("Safari on iPhone") and "Sign out" in r for r in rows)

    phone_row = browser_session_of(phone)
    response = submit(laptop, f"/account/sessions/{phone_row.id}/end", {}, form_page="/account")
    assert response.headers["Location"] == "/account"
    assert phone.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone_row.end_reason == "ended from another session"
    assert count(AuditEvent, AuditEvent.action == "auth.session_ended") == 1

    # Someone else's session is not yours to end; your own current one ends by signing out.
    stranger = make_user()
    theirs = _browser(app)
    _sign_in(theirs, stranger)
    theirs_row = browser_session_of(theirs)
    refused = submit(laptop, f"/account/sessions/{theirs_row.id}/end", {}, form_page="/account")
    assert refused.status_code == 403
    assert theirs.get("/account").status_code == 200
    mine = browser_session_of(laptop)
    submit(laptop, f"/account/sessions/{mine.id}/end", {}, form_page="/account")
    assert mine.ended_at is None


def test_an_applicant_deletes_their_account_and_the_audit_log_stays(client):

    user = make_user(name="Delia Fairweather", email="delia@example.test")
    user_id = user.id
    queue_email(user.email, "Pending", "password_changed", name=user.name)
    db.session.commit()
    _sign_in(client, user)
    before = count(AuditEvent)
    page_checks(client.get("/account/delete"), service_name=SERVICE_NAME)
    wrong = submit(client, "/account/delete", {"password": "not my password"})
    assert "Enter your current password" in wrong.get_data(as_text=True)
    response = submit(client, "/account/delete", {"password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/account/deleted"
    page_checks(client.get("/account/deleted"), service_name=SERVICE_NAME)
    gone = db.session.get(User, user_id)
    db.session.refresh(gone)
    assert (gone.name, gone.email, gone.password_hash, gone.active) == (
        "Deleted account",
        f"deleted-{user_id}@deleted.invalid",
        None,
        False,
    )
    assert count(AuditEvent) > before  # nothing removed from the log, one event added
    assert count(AuditEvent, AuditEvent.action == "account.deleted") == 1
    subjects = db.session.scalars(
        sa.select(OutboxMessage.subject).where(OutboxMessage.to_address == "delia@example.test")
    ).all()
    assert "Pending" not in subjects
    assert "Your account has been deleted" in subjects
    assert client.get("/account").status_code == 302
    again = _sign_in(client, gone)
    assert again.status_code == 200  # no such account any more


def test_someone_who_held_a_role_cannot_delete_their_own_account(client):

    reviewer = make_user(roles=[Role.REVIEWER])

    sign_in_as(client, reviewer)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "ask" in page or "email the scheme" in page
    assert 'name="password"' not in page
    submit(client, "/account/delete", {"password": DEFAULT_PASSWORD}, form_page="/account")
    db.session.refresh(reviewer)
    assert reviewer.active
