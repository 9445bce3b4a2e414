"""Redis, which holds the sign-in rate-limit counters, goes away: signing in is refused with a
clear page (the limits fail closed, never open), people already signed in carry on, public
pages work, and sign-in comes back by itself with Redis."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from portal.extensions import db
from tests.conftest import build_app
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.integration.test_two_servers import Browser, _wait_until_up
from tests.resilience.conftest import serve, stop
from tests.resilience.proxy import proxy_to
from tests.support import free_port


@pytest.mark.no_db
def test_sign_in_fails_closed_without_redis_and_the_rest_keeps_working(
    redis_server, tmp_path: Path, smtp_server
) -> None:
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    app = build_app(database, tmp_path / "instance", smtp_server[1])
    with app.app_context():
        emails = [
            make_user(email=f"redis-{n}-{uuid.uuid4().hex[:6]}@example.test").email
            for n in range(2)
        ]
        db.session.remove()
        db.engine.dispose()
    host, port, number = redis_server
    with proxy_to(host, port) as redis_proxy:
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "DATABASE_URL": database,
            "REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}/{number}",
            "SECRET_KEY": "redis-down-test-key-" + "x" * 20,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
        web_port = free_port()
        server = serve(web_port, env)
        base = f"http://127.0.0.1:{web_port}"
        try:
            _wait_until_up(base)
            signed_in = Browser()
            status, _ = signed_in.post_form(
                f"{base}/sign-in",
                f"{base}/sign-in",
                {"email": emails[0], "password": DEFAULT_PASSWORD},
            )
            assert status == 302

            redis_proxy.stop()
            latecomer = Browser()
            status, html = latecomer.post_form(
                f"{base}/sign-in",
                f"{base}/sign-in",
                {"email": emails[1], "password": DEFAULT_PASSWORD},
            )
            assert status == 503
            assert "Sorry, you cannot sign in at the moment" in html
            assert "Traceback" not in html
            assert latecomer.get(f"{base}/account")[0] == 302  # not signed in
            # Everyone else carries on.
            status, html = signed_in.get(f"{base}/account")
            assert status == 200
            assert emails[0] in html
            assert latecomer.get(f"{base}/register")[0] == 200
            assert latecomer.get(f"{base}/sign-in")[0] == 200
            assert latecomer.get(f"{base}/healthz")[0] == 200

            redis_proxy.start()
            status, _ = latecomer.post_form(
                f"{base}/sign-in",
                f"{base}/sign-in",
                {"email": emails[1], "password": DEFAULT_PASSWORD},
            )
            assert status == 302, "sign-in did not come back with Redis"
        finally:
            stop(server)
