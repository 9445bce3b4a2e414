"""A real OpenID Connect provider for the tests: oidc-provider under node (provider.mjs beside
this file), started on a free loopback port, and a small driver that signs in on its pages.

Without node or the npm package the tests that need it are skipped with a reason; with
CI=true they fail instead.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

import pytest
from flask import Flask

from config.settings import ROOT
from portal.auth.identity_providers import IdentityProvider
from tests.support import free_port

SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
CLIENT_SECRET = "portal-test-secret"
PROVIDER_NAME = "test-idp"
PROVIDER_LABEL = "Test Identity"
# Where the Flask test client's requests seem to come from.
TEST_CLIENT_BASE = "http://localhost"


def callback_url(base: str, name: str = PROVIDER_NAME) -> str:
    return f"{base}/sign-in/with/{name}/callback"


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    pid: int

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, object]:
        with urllib.request.urlopen(self.discovery_url, timeout=5) as response:
            data: dict[str, object] = json.loads(response.read())
            return data

    def config(self, *, client_id: str = "portal", **settings: object) -> IdentityProvider:
        """The portal's configuration for this provider (`settings` override fields)."""
        values: dict[str, object] = {
            "name": PROVIDER_NAME,
            "label": PROVIDER_LABEL,
            "discovery_url": self.discovery_url,
            "issuer": self.issuer,
            "client_id": client_id,
            "client_secret": CLIENT_SECRET,
            **settings,
        }
        return IdentityProvider(**values)  # type: ignore[arg-type]


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the identity provider tests cannot be skipped)")
    pytest.skip(reason)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed: the test identity provider needs it")
    if not PACKAGE.exists():
        _missing("the npm package oidc-provider is not installed: run npm ci")
    assert node is not None
    return node


@contextmanager
def running_provider(
    redirect_uris: list[str], post_logout_uris: list[str] | None = None, *, port: int = 0
) -> Iterator[RunningProvider]:
    """Start the provider on 127.0.0.1, wait for its discovery document, stop it at the end."""
    node = _node()
    port = port or free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "POST_LOGOUT_URIS": ",".join(post_logout_uris or []),
        "NODE_ENV": "test",
    }
    # Its messages go to a file, not a pipe that nobody reads (a full pipe would stall it).
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [node, str(SCRIPT)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        running = RunningProvider(issuer=f"http://127.0.0.1:{port}", pid=process.pid)
        try:
            _wait_for_discovery(running, process, log)
            yield running
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for_discovery(
    running: RunningProvider, process: subprocess.Popen[bytes], log: IO[bytes]
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(f"the test identity provider stopped: {log.read().decode()}")
        try:
            running.metadata()
            return
        except (OSError, ValueError):
            time.sleep(0.1)
    raise AssertionError(f"the test identity provider did not start at {running.issuer}")


# --- Signing in on the provider's pages ---------------------------------------------------


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.action:
            self.action = values.get("action", "")
        elif tag == "input" and values.get("name") and values.get("type") != "submit":
            self.fields[values["name"]] = values.get("value", "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class ProviderBrowser:
    """One browser's cookies at the provider; follows its redirects until one leaves it."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def _open(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        try:
            with self.opener.open(request, timeout=10) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def follow(self, url: str, data: dict[str, str] | None = None) -> tuple[str, str]:
        """Open `url` and follow redirects within the provider; return where it leaves it
        (or "" when a page stops there) and the last page's HTML."""
        status, location, html = self._open(url, data)
        for _ in range(10):
            if status not in {301, 302, 303, 307, 308}:
                return "", html
            target = urllib.parse.urljoin(url, location)
            if not target.startswith(self.issuer):
                return target, html
            url = target
            status, location, html = self._open(url)
        raise AssertionError("too many redirects at the provider")

    def sign_in(
        self,
        authorize_url: str,
        *,
        email: str,
        name: str = "Sam Invented",
        verified: bool = True,
        amr: str = "pwd",
        acr: str = "",
        subject: str = "",
    ) -> str:
        """Sign in on the provider's page; return the callback URL it sends the browser to."""
        leaving, html = self.follow(authorize_url)
        if leaving:
            return leaving  # already signed in at the provider
        form = _FormReader()
        form.feed(html)
        assert form.action, f"no sign-in form at the provider:\n{html[:500]}"
        fields = {
            "email": email,
            "name": name,
            "subject": subject,
            "email_verified": "true" if verified else "false",
            "amr": amr,
            "acr": acr,
        }
        leaving, html = self.follow(urllib.parse.urljoin(self.issuer, form.action), fields)
        assert leaving, f"the provider did not send the browser back:\n{html[:500]}"
        return leaving

    def confirm_sign_out(self, end_session_url: str) -> str:
        """Answer the provider's 'sign out?' question with yes; return where it sends us."""
        leaving, html = self.follow(end_session_url)
        if leaving:
            return leaving
        form = _FormReader()
        form.feed(html)
        assert form.action, f"no sign-out form at the provider:\n{html[:500]}"
        leaving, html = self.follow(
            urllib.parse.urljoin(self.issuer, form.action), {**form.fields, "logout": "yes"}
        )
        assert leaving, f"the provider did not send the browser back:\n{html[:500]}"
        return leaving


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[RunningProvider]:
    """The provider for tests that use Flask's test client (which calls itself localhost)."""
    with running_provider(
        [callback_url(TEST_CLIENT_BASE)], [f"{TEST_CLIENT_BASE}/signed-out"]
    ) as running:
        yield running


@pytest.fixture
def use_provider(app: Flask, oidc_provider: RunningProvider, monkeypatch: pytest.MonkeyPatch):
    """Configure the app with the test provider for one test: call it with any overrides."""

    def configure(**settings: object) -> IdentityProvider:
        provider = oidc_provider.config(**settings)
        monkeypatch.setitem(app.config, "IDENTITY_PROVIDERS", (provider,))
        return provider

    return configure
