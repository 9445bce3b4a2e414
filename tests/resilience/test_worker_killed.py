"""The outbox worker is killed (SIGKILL) in the middle of sending and started again: no
message is lost, and at most the one being sent at the moment of the kill goes twice (delivery
is at least once: a message is marked sent only after the mail server has accepted it)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.core.email import queue_email
from portal.extensions import db
from tests.conftest import build_app
from tests.support import Inbox, free_port

MESSAGES = 30
FLASK = Path(sys.executable).parent / "flask"


class SlowInbox(Inbox):
    """A mail server that takes a moment over each message, so the kill lands mid-send."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.15)
        return await super().handle_DATA(server, session, envelope)


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(FLASK), "--app", "wsgi", "outbox", "send", "--watch", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _unsent(database: str) -> int:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return int(
                conn.scalar(sa.text("SELECT count(*) FROM outbox_messages WHERE status <> 'sent'"))
                or 0
            )
    finally:
        engine.dispose()


@pytest.mark.no_db
def test_a_worker_killed_mid_send_loses_nothing_and_repeats_at_most_one(
    tmp_path: Path, smtp_server
) -> None:
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    app = build_app(database, tmp_path / "instance", smtp_server[1])
    with app.app_context():
        for n in range(MESSAGES):
            queue_email(f"killed{n}@example.test", "Hello", "password_changed", name="Someone")
        db.session.commit()
        expected = set(db.session.scalars(sa.text("SELECT message_id FROM outbox_messages")))
        db.session.remove()
        db.engine.dispose()
    inbox = SlowInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": database,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    worker = _worker(env)
    try:
        deadline = time.monotonic() + 60
        while len(inbox.messages) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(inbox.messages) >= 8, "the worker did not start sending"
        os.kill(worker.pid, signal.SIGKILL)  # mid-send: the server takes 0.15 s over each
        worker.wait(timeout=10)
        delivered_before = len(inbox.messages)
        assert delivered_before < MESSAGES, "the worker finished before it was killed"

        worker = _worker(env)
        deadline = time.monotonic() + 60
        while _unsent(database) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _unsent(database) == 0
        time.sleep(1)  # a further pass sends nothing more
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=10)
        controller.stop()
    ids = Counter(str(m["Message-ID"]) for m in inbox.messages)
    assert set(ids) == expected, "a message was lost"
    repeated = sum(n - 1 for n in ids.values())
    print(f"killed after {delivered_before} of {MESSAGES} sent; {repeated} sent twice")
    assert repeated <= 1, f"{repeated} messages went twice"
