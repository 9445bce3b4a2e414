import sqlalchemy as sa

from portal.core.email import OutboxMessage
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support import error_messages, link_in, page_checks, path_of, submit


def _reset_link() -> str:
    return path_of(link_in(db.session.scalar(sa.select(OutboxMessage.body_text))))


def test_reset_page_says_the_same_for_known_and_unknown_addresses(client):
    make_user(email="known@example.test")
    known = submit(client, "/forgot-password", {"email": "known@example.test"}, follow=True)
    unknown = submit(client, "/forgot-password", {"email": "nobody@example.test"}, follow=True)

    def strip(response):
        text = response.get_data(as_text=True)
        return text.replace("known@example.test", "X").replace("nobody@example.test", "X")

    assert strip(known) == strip(unknown)


def test_full_reset_sets_a_new_password(client):
    make_user(email="known@example.test")
    submit(client, "/forgot-password", {"email": "known@example.test"})
    link = _reset_link()
    page_checks(client.get(link), service_name=SERVICE_NAME)
    bad = submit(client, link, {"password": "a brand new passphrase", "confirm_password": "nope"})
    assert "Passwords must match" in error_messages(page_checks(bad, service_name=SERVICE_NAME))
    done = submit(
        client,
        link,
        {"password": "a brand new passphrase", "confirm_password": "a brand new passphrase"},
    )
    assert done.headers["Location"] == "/sign-in"
    old = submit(client, "/sign-in", {"email": "known@example.test", "password": DEFAULT_PASSWORD})
    assert old.status_code == 200
    new = submit(
        client, "/sign-in", {"email": "known@example.test", "password": "a brand new passphrase"}
    )
    assert new.status_code == 302
    assert client.get(link).status_code == 400  # used once


def test_invalid_reset_link_shows_a_clear_page(client):
    response = client.get("/reset-password/not-a-real-token")
    assert response.status_code == 400
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert soup.h1.get_text(strip=True) == "This link is not valid"
