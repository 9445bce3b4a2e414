import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import DEFAULT_PASSWORD, count, make_user
from tests.support import page_checks, submit

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
    here, there = app.test_client(), app.test_client()
    _sign_in(here, user)
    _sign_in(there, user)
    assert there.get("/account").status_code == 200
    response = submit(here, "/account/sign-out-others", {}, form_page="/account")
    assert response.headers["Location"] == "/account"
    assert here.get("/account").status_code == 200
    assert there.get("/account").status_code == 302
    assert count(AuditEvent, AuditEvent.action == "auth.other_sessions_ended") == 1
