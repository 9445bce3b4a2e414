"""The portal as the load test serves it: the app of wsgi.py, plus a line for each request
with the CPU it took in its own thread (time.thread_time, which other work on the machine does
not inflate), by endpoint, in LOADTEST_CPU_DIR (one file per worker)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from flask import g, request, request_finished, request_started

from wsgi import app

_lock = threading.Lock()
_files: dict[int, IO[str]] = {}


def _file() -> IO[str]:
    pid = os.getpid()
    if pid not in _files:
        folder = Path(os.environ["LOADTEST_CPU_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        _files[pid] = (folder / f"{pid}.tsv").open("a", buffering=1)
    return _files[pid]


def _started(sender: Any, **_extra: Any) -> None:
    g.loadtest_cpu = time.thread_time()


def _finished(sender: Any, response: Any, **_extra: Any) -> None:
    began = g.get("loadtest_cpu")
    if began is None:
        return
    spent = (time.thread_time() - began) * 1000
    with _lock:
        _file().write(f"{request.method} {request.endpoint or 'none'}\t{spent:.2f}\n")


request_started.connect(_started, app, weak=False)
request_finished.connect(_finished, app, weak=False)
