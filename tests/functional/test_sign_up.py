import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_user
from tests.support import error_messages, link_in, page_checks, path_of, submit

GOOD = {
    "name": "Morwenna Tregarthen",
    "email": "Morwenna@Example.test",
    "password": "kettle orbit lantern",
    "confirm_password": "kettle orbit lantern",
}


def test_sign_up_page_follows_the_page_rules(client):
    page_checks(client.get("/sign-up"), service_name=SERVICE_NAME)


def test_sign_up_creates_an_unconfirmed_account_and_queues_a_confirmation(client):
    response = submit(client, "/sign-up", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-up/check-your-email"
    user = db.session.scalar(sa.select(User).where(User.email == "morwenna@example.test"))
    assert user is not None and not user.email_confirmed
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.to_address == "morwenna@example.test"
    assert "Confirm your email address" in message.subject
    assert count(AuditEvent, AuditEvent.action == "account.created") == 1


def test_confirmation_link_shows_a_button_and_confirms_only_on_post(client):
    submit(client, "/sign-up", GOOD)
    link = link_in(db.session.scalar(sa.select(OutboxMessage.body_text)))
    page = client.get(path_of(link))
    assert page.status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "morwenna@example.test"))
    assert not user.email_confirmed  # GET changes nothing
    response = submit(client, path_of(link), {})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed


def test_form_errors_keep_what_was_typed_and_link_to_fields(client):
    response = submit(client, "/sign-up", {**GOOD, "confirm_password": "different words here"})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Passwords must match" in error_messages(soup)
    assert soup.find("input", attrs={"name": "name"})["value"] == GOOD["name"]
    assert count(User) == 0


def test_sign_up_with_an_existing_email_reveals_nothing_and_warns_the_owner(client):
    existing = make_user(email="taken@example.test")
    response = submit(client, "/sign-up", {**GOOD, "email": "taken@example.test"})
    assert response.headers["Location"] == "/sign-up/check-your-email"
    assert count(User) == 1
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.to_address == existing.email
    assert "already" in message.body_text


def test_post_without_csrf_token_is_refused_with_400(client):
    response = client.post("/sign-up", data=GOOD)
    assert response.status_code == 400
    page_checks(response, service_name=SERVICE_NAME)
    assert count(User) == 0
