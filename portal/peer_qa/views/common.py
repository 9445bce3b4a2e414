"""Pieces every peer QA page uses: running a service with one commit, and the report download."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.uploads import UploadStore
from portal.extensions import db

View = str | Response | tuple[str, int]


def store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def run(form: FlaskForm, action: Callable[[], object]) -> bool:
    """Run the service and commit; a rule broken rolls back and shows beside its field."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form, exc.message, exc.field)
        return False
    db.session.commit()
    return True
