"""Test helpers: a real SMTP server, CSRF-aware form posts, signing in, and the page checker."""

from __future__ import annotations

import email
import hashlib
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pyotp
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.auth.models import BrowserSession
from portal.auth.sessions import start_session
from portal.extensions import db

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, subject: str, timeout: float = 10.0) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.to(address):
                if subject in str(message["Subject"]):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no email to {address} about {subject!r}")


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def link_in(text: str) -> str:
    match = re.search(r"https?://\S+", text)
    assert match, f"no link in {text!r}"
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit(
    client: FlaskClient,
    url: str,
    data: dict[str, Any],
    *,
    form_page: str | None = None,
    follow: bool = False,
) -> TestResponse:
    """POST a form as a browser would: read the CSRF token from the page that shows it."""
    page = client.get(form_page or url)
    payload = {"csrf_token": csrf_token(page.get_data(as_text=True)), **data}
    return client.post(url, data=payload, follow_redirects=follow)


def sign_in_as(client: FlaskClient, user: Any) -> None:
    """Start a session for `user` without going through the forms (tested on their own),
    with the second factor done if the user has one."""
    token = start_session(user, browser="Test browser")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
        if user.two_factor_enabled:
            session["_mfa"] = True


def browser_session_of(client: FlaskClient) -> Any:
    """The session row the client's cookie belongs to, or None."""
    with client.session_transaction() as session:
        token = session.get("_user_id")
    if not token:
        return None
    digest = hashlib.sha256(str(token).encode()).hexdigest()
    return db.session.scalar(sa.select(BrowserSession).where(BrowserSession.token_hash == digest))


def current_code(user: Any, *, step: int = 0) -> str:
    """The authenticator code for `user` now (or `step` time-steps later)."""
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + step)


def page_checks(response: TestResponse, *, service_name: str) -> BeautifulSoup:
    """The rules every HTML page keeps: one h1, a title that starts with it, and errors that
    say 'Error:' and link to the fields they are about."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    h1s = soup.find_all("h1")
    assert len(h1s) == 1, f"expected one <h1>, found {len(h1s)}"
    heading = " ".join(h1s[0].get_text().split())
    assert soup.title is not None
    title = " ".join(soup.title.get_text().split())
    summary = soup.select_one(".govuk-error-summary")
    prefix = "Error: " if summary else ""
    assert title == f"{prefix}{heading} - {service_name}", title
    if summary:
        links = summary.select("a[href^='#']")
        assert links, "the error summary links to no field"
        for link in links:
            target = str(link["href"])[1:]
            assert soup.find(id=target) is not None, f"error summary links to missing #{target}"
    assert soup.find("html", attrs={"lang": "en"}) is not None
    assert soup.select_one("a.govuk-skip-link[href='#main-content']") is not None
    assert soup.find(id="main-content") is not None
    return soup


def error_messages(soup: BeautifulSoup) -> list[str]:
    """The error messages beside fields, without their visually hidden 'Error:' prefix."""
    messages = []
    for element in soup.select(".govuk-error-message"):
        for hidden in element.select(".govuk-visually-hidden"):
            hidden.decompose()
        messages.append(" ".join(element.get_text().split()))
    return messages
