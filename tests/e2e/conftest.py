"""Browser journeys: Debian's Chromium, a live server on its own database, axe-core on each page."""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import BaseWSGIServer, make_server

from portal.core.permissions import Role
from portal.core.worker import deliver_pending
from portal.extensions import db, limiter
from portal.organisations.models import Organisation
from tests.conftest import SERVICE_NAME, build_app
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.pgdb import scratch_database
from tests.support import Inbox, body_of, free_port, link_in

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    }
}

# Axe.run's default options ask for violations only; passing our own options drops that
# default, and then every passing node is copied back from the browser. Keep it: it halves
# the cost of each scan and changes nothing that is checked.
_AXE_RUN_OPTIONS = {**AXE_OPTIONS, "resultTypes": ["violations"]}
_axe = Axe()


# --- The browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Debian's Chromium, never a browser downloaded by `playwright install`."""
    executable = shutil.which("chromium")
    if executable is None:
        message = "Chromium is not installed: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {"executable_path": executable, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright gives every context this base, so pages go to relative paths."""
    return live_server.url


# --- The live server and its database ----------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    url: str
    inbox: Inbox

    def deliver_mail(self) -> None:
        """Run the outbox worker once, as the real worker process would."""
        with self.app.app_context():
            deliver_pending(self.app)

    def email_to(self, address: str, subject: str) -> Message:
        self.deliver_mail()
        return self.inbox.wait_for(address, subject)

    def link_in_email(self, address: str, subject: str) -> str:
        return link_in(body_of(self.email_to(address, subject)))


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    password: str = DEFAULT_PASSWORD


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PostgreSQL when TEST_DATABASE_URL names it, else a SQLite file: never the database
    the other tests roll back in, since a live server commits for real."""
    configured = os.environ.get("TEST_DATABASE_URL")
    url = sa.make_url(configured) if configured else None
    if url is None or not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'e2e.db'}"
        return
    with scratch_database(configured, f"{url.database}_e2e") as e2e_url:
        yield e2e_url


@pytest.fixture(scope="session")
def live_server(
    e2e_database: str,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: tuple[Inbox, int],
) -> Iterator[LiveServer]:
    """The app, migrated on its own database, served over real HTTP from a daemon thread."""
    inbox, smtp_port = smtp_server
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    instance: Path = tmp_path_factory.mktemp("e2e-instance")
    app = build_app(e2e_database, instance, smtp_port, PUBLIC_URL=url)
    with app.app_context():
        # The limiter is one object shared with the other tests' app: start from zero.
        limiter.reset()
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url, inbox=inbox)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- Seeding data through the app's own code ---------------------------------------------


def unique_email(label: str = "person") -> str:
    """The e2e database lives for the whole run, so every test uses its own addresses."""
    return f"{label}-{uuid.uuid4().hex[:12]}@example.test"


def seed_user(
    live: LiveServer,
    *,
    label: str = "person",
    name: str | None = None,
    roles: tuple[Role, ...] = (),
    confirmed: bool = True,
    two_factor: bool | None = None,
) -> Person:
    suffix = uuid.uuid4().hex[:6]
    with live.app.app_context():
        user = make_user(
            name=name or f"{label.capitalize()} Tester {suffix}",
            email=unique_email(label),
            roles=roles,
            confirmed=confirmed,
            two_factor=two_factor,
        )
        db.session.commit()
        if user.totp_secret:
            _AUTHENTICATORS[user.email] = user.totp_secret
        return Person(id=user.id, name=user.name, email=user.email)


# The authenticator app of each seeded person who has a second factor: email -> TOTP secret,
# and the last time-step used (the portal never accepts a code twice).
_AUTHENTICATORS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def authenticator_code(email: str) -> str:
    totp = pyotp.TOTP(_AUTHENTICATORS[email])
    step = max(totp.timecode(datetime.now(UTC)), _LAST_STEP.get(email, -1) + 1)
    _LAST_STEP[email] = step
    return totp.generate_otp(step)


def seed_organisation(live: LiveServer) -> tuple[int, str]:
    with live.app.app_context():
        org: Organisation = make_organisation()
        db.session.commit()
        return org.id, org.name


# --- Page helpers ------------------------------------------------------------------------


def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.2 AA violation on the page as it now stands, once it has
    loaded: after a click the heading can be there before the stylesheet is, and an unstyled
    page fails on target sizes."""
    page.wait_for_load_state("load")
    results = _axe.run(page, options=_AXE_RUN_OPTIONS)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def expect_heading(page: Page, text: str, *, error: bool = False) -> None:
    """The page's one <h1> says `text`; the title starts with it (and 'Error:' after a bad form)."""
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_count(1)
    expect(heading).to_have_text(text)
    prefix = "Error: " if error else ""
    expect(page).to_have_title(f"{prefix}{text} - {SERVICE_NAME}")


def sign_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """Open the sign-in page unless it is already open, then fill in the form and submit it."""
    if not page.url.split("?")[0].endswith("/sign-in"):
        page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if email in _AUTHENTICATORS and page.url.split("?")[0].endswith("/sign-in/security-code"):
        expect_heading(page, "Enter your security code")
        page.get_by_label("Security code").fill(authenticator_code(email))
        page.get_by_role("button", name="Continue").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect_heading(page, "You have been signed out")
