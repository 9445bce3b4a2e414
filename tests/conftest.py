"""Fixtures: one migrated database per run, each test in a rolled-back transaction,
a real SMTP server on loopback, a real OpenID Connect provider, and the app wired to them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from config.settings import Test as TestSettings
from portal import create_app
from portal.extensions import db, limiter
from tests.support import Inbox, free_port

SERVICE_NAME = TestSettings.SERVICE_NAME

# The test identity provider's fixtures (oidc_provider, use_provider).
pytest_plugins = ["tests.oidc"]


def database_url(tmp_path_factory: pytest.TempPathFactory, name: str = "test") -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / f'{name}.db'}"


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "sqlite (temporary file)")
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    return f"database: {backend}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser journeys run last, against their own database and live server.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    box, _ = smtp_server
    box.clear()
    return box


def build_app(db_url: str, instance: Path, smtp_port: int, **overrides: object) -> Flask:
    settings = TestSettings()
    settings.SQLALCHEMY_DATABASE_URI = db_url
    settings.INSTANCE_PATH = instance
    settings.OUTBOX_DIR = instance / "outbox"
    settings.UPLOAD_DIR = instance / "uploads"
    settings.SMTP_HOST = "127.0.0.1"
    settings.SMTP_PORT = smtp_port
    settings.MAIL_TRANSPORT = "smtp"
    app = create_app(settings, **overrides)
    with app.app_context():
        upgrade()
    return app


def _fresh_globals_per_request(sender: Flask, **_extra: object) -> None:
    # Tests hold an app context open for the database, and Flask lets requests reuse it, so
    # `g` would leak between requests (the cached user, the CSRF token). In production every
    # request has its own app context: start each test request with an empty `g` too.
    g.__dict__.clear()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Inbox, int]) -> Flask:
    test_app = build_app(
        database_url(tmp_path_factory), tmp_path_factory.mktemp("instance"), smtp_server[1]
    )
    request_started.connect(_fresh_globals_per_request, test_app, weak=False)
    return test_app


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test runs inside a transaction that is rolled back at its end (savepoints inside)."""
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("no_db"):
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        original = db.session
        db.session = session  # type: ignore[assignment]
        limiter.reset()
        try:
            with app.app_context():
                yield
        finally:
            session.remove()
            db.session = original
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def engine_url(app: Flask) -> sa.URL:
    with app.app_context():
        return db.engine.url
