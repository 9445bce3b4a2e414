"""Domain errors raised by services, and the GOV.UK error pages that answer HTTP errors."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
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
    if status in {500, 503} and "_login_user" not in g:
        # The database may be what failed: render the page without looking the user up.
        g._login_user = AnonymousUserMixin()
    template = f"errors/{status}.html" if status in ERROR_PAGES else "errors/generic.html"
    return render_template(template, status=status, request_id=current_request_id()), status


def register_error_handlers(app: Flask) -> None:
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

    @app.errorhandler(Exception)
    def _internal(error: BaseException) -> tuple[str, int]:
        log.exception("unhandled error", exc_info=error, extra={"path": request.path})
        _rollback_quietly()
        return _render(500)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database may be the thing that failed
        log.warning("rollback after error failed", exc_info=True)
