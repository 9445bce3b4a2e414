"""Two app servers sharing the database and Redis behave as one: a session started on one is
valid on the other, sign-in failures are counted across both, and a sign-in with an identity
provider started on one completes on the other."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from portal.extensions import db
from tests.conftest import build_app
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.oidc import CLIENT_SECRET, PROVIDER_NAME, ProviderBrowser, callback_url, running_provider
from tests.pgdb import scratch_database
from tests.support import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.fixture
def redis_url() -> str:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.flushdb()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    test_url = os.environ.get("TEST_DATABASE_URL")
    if not test_url or not test_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    with scratch_database(test_url, f"servers_{uuid.uuid4().hex[:12]}") as url:
        yield url


class Browser:
    """A cookie jar and urllib, as one browser talking to either server."""

    def __init__(self) -> None:
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirects()
        )

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(url))

    def location(self, url: str) -> str:
        """Where a GET of `url` redirects to."""
        try:
            with self.opener.open(urllib.request.Request(url), timeout=10) as response:
                return str(response.headers.get("Location", ""))
        except urllib.error.HTTPError as error:
            return str(error.headers.get("Location", ""))

    def post_form(self, page: str, url: str, fields: dict[str, str]) -> tuple[int, str]:
        _, html = self.get(page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token, f"no CSRF token on {page}"
        data = urllib.parse.urlencode({"csrf_token": token.group(1), **fields}).encode()
        return self._open(urllib.request.Request(url, data=data))

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(GUNICORN),
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not start")


@pytest.mark.no_db
def test_two_servers_share_sessions_and_rate_limits(
    redis_url: str, shared_database: str, tmp_path: Path, smtp_server
) -> None:
    app = build_app(shared_database, tmp_path / "instance", smtp_server[1])
    with app.app_context():
        person = make_user(email=f"two-servers-{uuid.uuid4().hex[:6]}@example.test")
        target = make_user(email=f"target-{uuid.uuid4().hex[:6]}@example.test")
        db.session.commit()
        person_email, target_email = person.email, target.email
        db.session.remove()
        db.engine.dispose()
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": shared_database,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "two-servers-test-key-" + "x" * 20,
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    ports = [free_port(), free_port()]
    servers = [_serve(port, env) for port in ports]
    try:
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        _wait_until_up(a)
        _wait_until_up(b)

        browser = Browser()
        status, _ = browser.post_form(
            f"{a}/sign-in", f"{a}/sign-in", {"email": person_email, "password": DEFAULT_PASSWORD}
        )
        assert status == 302
        status, html = browser.get(f"{b}/account")  # signed in on A, used on B
        assert status == 200
        assert person_email in html

        attacker = Browser()
        for attempt in range(5):
            server = (a, b)[attempt % 2]
            status, _ = attacker.post_form(
                f"{server}/sign-in",
                f"{server}/sign-in",
                {"email": target_email, "password": "not the password at all"},
            )
            assert status == 200
        for server in (a, b):
            status, html = attacker.post_form(
                f"{server}/sign-in",
                f"{server}/sign-in",
                {"email": target_email, "password": DEFAULT_PASSWORD},
            )
            assert status == 429, f"{server} did not count the failures made on the other"
            assert "Too many attempts" in html
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=10)


@pytest.mark.no_db
def test_a_provider_sign_in_started_on_one_server_completes_on_the_other(
    redis_url: str, shared_database: str, tmp_path: Path, smtp_server
) -> None:
    app = build_app(shared_database, tmp_path / "instance", smtp_server[1])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    ports = [free_port(), free_port()]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    with running_provider([callback_url(a), callback_url(b)]) as provider:
        config = tmp_path / "identity_providers.yaml"
        config.write_text(
            "providers:\n"
            f"  - name: {PROVIDER_NAME}\n"
            "    label: Test Identity\n"
            f"    issuer: {provider.issuer}\n"
            "    client_id: portal\n"
            "    client_secret_env: TEST_IDP_CLIENT_SECRET\n"
        )
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "DATABASE_URL": shared_database,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "two-servers-test-key-" + "x" * 20,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "IDENTITY_PROVIDERS_FILE": str(config),
            "TEST_IDP_CLIENT_SECRET": CLIENT_SECRET,
        }
        servers = [_serve(port, env) for port in ports]
        try:
            _wait_until_up(a)
            _wait_until_up(b)
            browser = Browser()
            authorize = browser.location(f"{a}/sign-in/with/{PROVIDER_NAME}")
            assert authorize.startswith(provider.issuer), authorize
            email = f"two-servers-sso-{uuid.uuid4().hex[:6]}@example.test"
            back = ProviderBrowser(provider.issuer).sign_in(authorize, email=email)
            assert back.startswith(callback_url(a))
            # The callback goes to the other server: state and nonce live in the shared session.
            assert browser.location(back.replace(a, b, 1)) == "/dashboard"
            status, html = browser.get(f"{a}/account")
            assert status == 200
            assert email in html
        finally:
            for process in servers:
                process.terminate()
            for process in servers:
                process.wait(timeout=10)
