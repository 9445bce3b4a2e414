"""The request id: one per request, in logs, audit events and the 500 page."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from flask import Flask, Response, g, request

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


def new_request_id() -> str:
    return uuid.uuid4().hex


def register_request_ids(app: Flask) -> None:
    @app.before_request
    def _assign() -> None:
        offered = request.headers.get("X-Request-Id", "")
        rid = offered if _VALID.match(offered) else new_request_id()
        g.request_id = rid
        set_request_id(rid)

    @app.after_request
    def _expose(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-Id"] = rid
        return response

    @app.teardown_request
    def _clear(_exc: BaseException | None) -> None:
        set_request_id(None)
