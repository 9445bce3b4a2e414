"""Errors as problem details (RFC 9457, `application/problem+json`): never a stack trace."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from flask import Response, request

from portal.core.requests import current_request_id

PROBLEM_JSON = "application/problem+json"

# What each status means to an API client, in a sentence.
DETAILS: dict[int, str] = {
    400: "The request is not valid.",
    401: "This needs a valid bearer token.",
    403: "The token does not allow this.",
    404: "There is nothing here.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
    429: "Too many requests: wait and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The service is not available at the moment. Try again shortly.",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A problem details response; `extensions` become extra members (e.g. `errors`)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, HTTPStatus(status).phrase),
        "instance": request.path,
    }
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_JSON
    )
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class BadParameters(Exception):
    """Query parameters that are not valid, each with the reason."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("bad parameters")
        self.errors = errors
