"""Domain errors raised by services, and the GOV.UK error pages that answer HTTP errors."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core.requests import current_request_id
from portal.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule was broken; the message is safe to show to the user beside `field`."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    """A state machine was asked for a move its table does not allow."""


class NotPermitted(DomainError):
    """The actor may not do this to this object."""


class ConcurrentEdit(DomainError):
    """Someone else changed the record since it was loaded."""


ERROR_PAGES = {400, 403, 404, 405, 413, 429, 500, 503}


def _render(status: int) -> tuple[str, int]:
    if status == 503 or (status == 500 and "_login_user" not in g):
        # The database may be what failed: render the page without looking the user up, nor
        # their roles for the navigation, even when they were loaded before it failed.
        g._login_user = AnonymousUserMixin()
    template = f"errors/{status}.html" if status in ERROR_PAGES else "errors/generic.html"
    return render_template(template, status=status, request_id=current_request_id()), status


def register_error_handlers(app: Flask) -> None:
    # Registered after the database extension, so this runs before its own teardown.
    app.teardown_appcontext(_remove_session_quietly)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return _render(400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | Response | HTTPException:
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, InternalServerError):
            return _internal(error.original_exception or error)
        body, status = _render(error.code)
        response = app.make_response((body, status))
        if error.code == 405:
            response.headers.update(error.get_headers())
            response.headers["Content-Type"] = "text/html; charset=utf-8"
        if error.code == 503:
            response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(OperationalError)
    def _database_down(error: DBAPIError) -> Response:
        log.error("database unavailable", extra={"path": request.path, "error": str(error.orig)})
        _rollback_quietly()
        body, status = _render(503)
        response = app.make_response((body, status))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(StorageError)
    def _limits_unavailable(error: StorageError) -> Response:
        # Only sign-in, sign-up and email links are rate limited: without the counters they
        # are refused (fail closed) rather than let through uncounted; nothing else needs them.
        log.error(
            "rate-limit storage unavailable",
            extra={"path": request.path, "error": str(error.storage_error)},
        )
        _rollback_quietly()
        body = render_template(
            "errors/limits_unavailable.html", status=503, request_id=current_request_id()
        )
        response = app.make_response((body, 503))
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(Exception)
    def _internal(error: BaseException) -> tuple[str, int]:
        log.exception("unhandled error", exc_info=error, extra={"path": request.path})
        _rollback_quietly()
        return _render(500)


def _remove_session_quietly(_error: BaseException | None) -> None:
    """End the request's database session. If the connection died after the answer was made
    (the database restarting), returning it to the pool fails: the pool drops the connection,
    and the answer already made still goes out rather than the server's bare 500."""
    try:
        db.session.remove()
    except DBAPIError:
        log.warning("database session ended with an error", exc_info=True)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database may be the thing that failed
        log.warning("rollback after error failed", exc_info=True)
