"""The subject access export and account closure pages, under the administrator's page for a
person."""

from __future__ import annotations

import io
import secrets

from flask import abort, current_app, flash, redirect, render_template, send_file, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.privacy import bp
from portal.privacy.closure import close_account, plan_closure
from portal.privacy.export import build_export, record_download, record_export
from portal.privacy.forms import CloseAccountForm
from portal.privacy.retention import remove_files

View = str | Response
# The export waits in the upload store (sealed) under a key only this session knows; it is
# removed when downloaded, and the retention rules remove one never collected.
EXPORT_SESSION = "privacy_export"


def _store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def _person(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return person


def _waiting(person: User) -> dict[str, object] | None:
    staged = session.get(EXPORT_SESSION)
    if isinstance(staged, dict) and staged.get("user") == person.id:
        return staged
    return None


@bp.route("/admin/users/<int:user_id>/personal-data", methods=["GET", "POST"])
@require_permission(Permission.EXPORT_PERSONAL_DATA)
def export_personal_data(user_id: int) -> View:
    person = _person(user_id)
    form = ActionForm()
    if form.validate_on_submit():
        export = build_export(person, _store(), service_name=current_app.config["SERVICE_NAME"])
        key = secrets.token_hex(16)
        _store().write(key, export.data)
        previous = session.get(EXPORT_SESSION)
        if isinstance(previous, dict) and isinstance(previous.get("key"), str):
            _store().delete(str(previous["key"]))
        record_export(current_user, person, export)
        db.session.commit()
        session[EXPORT_SESSION] = {
            "user": person.id,
            "key": key,
            "name": export.filename,
            "size": len(export.data),
            "files": export.files,
        }
        flash("The export is ready to download.", "success")
        return redirect(url_for("privacy.export_personal_data", user_id=person.id))
    return render_template(
        "privacy/export_personal_data.html", person=person, form=form, waiting=_waiting(person)
    )


@bp.route("/admin/users/<int:user_id>/personal-data/download")
@require_permission(Permission.EXPORT_PERSONAL_DATA)
def download_personal_data(user_id: int) -> Response:
    person = _person(user_id)
    staged = _waiting(person)
    try:
        data = _store().read(str(staged["key"])) if staged else None
    except (FileNotFoundError, ValueError):
        data = None
    if staged is None or data is None:
        session.pop(EXPORT_SESSION, None)
        flash("There is no export waiting to download: create one.", "error")
        return redirect(url_for("privacy.export_personal_data", user_id=person.id))
    key = str(staged["key"])
    record_download(current_user, person)
    db.session.commit()
    _store().delete(key)
    session.pop(EXPORT_SESSION, None)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=str(staged["name"]),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/admin/users/<int:user_id>/close", methods=["GET", "POST"])
@require_permission(Permission.CLOSE_ACCOUNTS)
def close_personal_account(user_id: int) -> View:
    person = _person(user_id)
    plan = plan_closure(person, actor=current_user, today=today_in_england())
    form = CloseAccountForm()
    if plan.possible and form.validate_on_submit():
        try:
            closed = close_account(
                current_user, person, reason=form.reason.data or "", today=today_in_england()
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
            return render_template(
                "privacy/close_account.html", person=person, plan=plan, form=form
            )
        db.session.commit()
        remove_files(_store(), closed.files)
        flash(
            "The account is closed. "
            + (
                "The name stays on the scheme's records."
                if closed.kept_name
                else "The name is removed too."
            ),
            "success",
        )
        return redirect(url_for("admin.show_user", user_id=person.id))
    return render_template("privacy/close_account.html", person=person, plan=plan, form=form)
