import json
import logging

import pytest
from flask import Blueprint

from config.settings import ConfigError, Production, settings_for
from config.settings import Test as TestSettings
from portal import create_app
from portal.core.permissions import public
from tests.conftest import SERVICE_NAME
from tests.support import page_checks


def test_security_headers_are_strict(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # not in test/development


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert "<script>" not in html
    assert "<style" not in html
    assert " style=" not in html


def test_hsts_is_sent_outside_development(app):
    assert Production.SEND_HSTS is True
    assert TestSettings.SEND_HSTS is False


def test_production_refuses_to_start_without_secret_key_or_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as caught:
        settings_for("production")
    assert "SECRET_KEY" in str(caught.value)
    assert "DATABASE_URL" in str(caught.value)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("UPLOAD_ENCRYPTION_KEY", "A" * 43 + "=")
    settings = settings_for("production")
    assert settings.SESSION_COOKIE_SECURE is True


def test_production_is_the_default_environment(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_not_found_is_a_gov_uk_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert soup.h1.get_text(strip=True) == "Page not found"


def test_wrong_method_is_405_page(client):
    response = client.delete("/sign-in")
    assert response.status_code == 405
    page_checks(response, service_name=SERVICE_NAME)


def test_request_too_large_is_413_page(client):
    response = client.post("/sign-in", data={"email": "x" * (21 * 1024 * 1024)})
    assert response.status_code == 413
    page_checks(response, service_name=SERVICE_NAME)


def _app_with_failing_route(tmp_path):
    settings = TestSettings()
    settings.INSTANCE_PATH = tmp_path
    app = create_app(settings)
    broken = Blueprint("broken", __name__)

    @broken.route("/broken")
    @public
    def explode() -> str:
        raise RuntimeError("secret internal detail")

    app.register_blueprint(broken)
    return app


@pytest.mark.no_db
def test_unexpected_error_shows_a_500_page_with_the_request_id_and_no_trace(tmp_path, caplog):
    app = _app_with_failing_route(tmp_path)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    request_id = response.headers["X-Request-Id"]
    assert request_id in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
    assert any(getattr(r, "path", None) == "/broken" for r in caplog.records)


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "up"}


@pytest.mark.no_db
def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    settings = TestSettings()
    settings.INSTANCE_PATH = tmp_path
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"
    app = create_app(settings)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.get_data())["database"] == "down"


@pytest.mark.no_db
def test_pages_say_the_service_is_unavailable_when_the_database_is_gone(tmp_path):
    settings = TestSettings()
    settings.INSTANCE_PATH = tmp_path
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}"
    app = create_app(settings)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"
    response = client.get("/account")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "unavailable" in soup.h1.get_text()


def test_json_logs_carry_the_request_id():
    from portal.core.logging import JsonFormatter
    from portal.core.requests import set_request_id

    set_request_id("abc12345")
    try:
        record = logging.makeLogRecord({"msg": "hello", "levelname": "INFO", "path": "/x"})
        entry = json.loads(JsonFormatter().format(record))
    finally:
        set_request_id(None)
    assert entry["request_id"] == "abc12345"
    assert entry["path"] == "/x"


@pytest.mark.no_db
def test_healthz_is_503_when_the_sqlite_file_is_removed_under_a_running_app(tmp_path):
    from flask_migrate import upgrade

    settings = TestSettings()
    settings.INSTANCE_PATH = tmp_path
    path = tmp_path / "portal.db"
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    app = create_app(settings)
    with app.app_context():
        upgrade()
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    path.rename(tmp_path / "moved.db")
    assert client.get("/healthz").status_code == 503


def _app_showing_the_address(tmp_path, **overrides):
    settings = TestSettings()
    settings.INSTANCE_PATH = tmp_path
    app = create_app(settings, **overrides)
    echo = Blueprint("echo", __name__)

    @echo.route("/address")
    @public
    def address() -> dict[str, str]:
        from flask import request

        return {"address": request.remote_addr or "", "scheme": request.scheme}

    app.register_blueprint(echo)
    return app


@pytest.mark.no_db
def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(tmp_path):
    """Anyone can send X-Forwarded-For: without TRUSTED_PROXIES the address limits use the
    connection's own address, so a made-up header can't dodge them."""
    app = _app_showing_the_address(tmp_path)
    forged = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    found = app.test_client().get("/address", headers=forged).get_json()
    assert found == {"address": "127.0.0.1", "scheme": "http"}


@pytest.mark.no_db
def test_behind_a_trusted_proxy_the_address_is_the_one_it_saw(tmp_path):
    app = _app_showing_the_address(tmp_path, TRUSTED_PROXIES=1)
    client = app.test_client()
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    assert client.get("/address", headers=headers).get_json() == {
        "address": "198.51.100.7",
        "scheme": "https",
    }
    # An address the person put in front themselves is not believed: only the proxy's hop.
    headers["X-Forwarded-For"] = "203.0.113.1, 198.51.100.7"
    assert client.get("/address", headers=headers).get_json()["address"] == "198.51.100.7"


def test_the_number_of_trusted_proxies_must_be_a_count(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "two")
    with pytest.raises(ConfigError) as caught:
        settings_for("development")
    assert "TRUSTED_PROXIES" in str(caught.value)
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert settings_for("development").TRUSTED_PROXIES == 2
