"""The administrators' page that publishes a draft version of a versioned document (a
competency framework, the CPD requirements) or retires a version: it shows what changes
against the version in use and asks to confirm, and refuses when someone else changed the
version meanwhile (the form carries the version it was shown)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flask import abort, flash, redirect, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.forms import ConfirmChangeForm, apply_domain_error
from portal.extensions import db

View = str | Response | tuple[str, int]
ACTIONS = ("publish", "retire")


@dataclass(frozen=True)
class DocumentKind:
    """How one kind of versioned document is read, compared, changed and shown."""

    load: Callable[[int], Any]  # the version, or abort(404)
    in_use: Callable[[Any], Any | None]  # the version in use for the same scheme
    document_of: Callable[[Any], Any]
    diff: Callable[[Any | None, Any], Any]
    publish: Callable[[Any, Any], object]  # (who, version)
    retire: Callable[[Any, Any], object]
    draft: Enum
    retired: Enum
    stale: str  # the error when the version changed meanwhile
    done: dict[str, str]  # the message after each action, with {version}
    template: str  # with {action}
    name: str  # what the templates call the version
    shown_at: Callable[[Any], str]  # the version's own page


def confirm_change(kind: DocumentKind, item_id: int, action: str) -> View:
    if action not in ACTIONS:
        raise ValueError(action)
    version = kind.load(item_id)
    current = kind.in_use(version)
    allowed = (
        version.status is kind.draft if action == "publish" else version.status is not kind.retired
    )
    if not allowed:
        abort(404)
    form = ConfirmChangeForm(version_id=version.version_id)
    if form.validate_on_submit():
        try:
            if form.seen_version != version.version_id:
                raise DomainError(kind.stale, field="submit")
            (kind.publish if action == "publish" else kind.retire)(current_user, version)
        except DomainError as exc:
            db.session.rollback()
            # Shown again as it is now: confirming once more acts on what was just read.
            version = kind.load(item_id)
            form.version_id.data = str(version.version_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(kind.done[action].format(version=version.version), "success")
            return redirect(kind.shown_at(version))
    changes = None
    if action == "publish":
        changes = kind.diff(
            kind.document_of(current) if current else None, kind.document_of(version)
        )
    return render_template(
        kind.template.format(action=action),
        **{kind.name: version},
        current=current,
        changes=changes,
        form=form,
    )
