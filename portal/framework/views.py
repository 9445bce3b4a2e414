"""Administrators' pages for frameworks: versions, their content, changes, publish, retire."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db
from portal.framework import bp, queries, services
from portal.framework.diff import diff_frameworks
from portal.framework.forms import ConfirmChangeForm
from portal.framework.models import FrameworkStatus, FrameworkVersion

View = str | Response | tuple[str, int]
STALE = "Someone else changed this framework while you were looking at it. Check it again."


def _load(framework_id: int) -> FrameworkVersion:
    framework = queries.framework_with_competencies(framework_id)
    if framework is None:
        abort(404)
    return framework


@bp.route("")
@require_permission(Permission.MANAGE_FRAMEWORKS)
def list_frameworks() -> View:
    return render_template(
        "framework/list_frameworks.html", schemes=queries.schemes_with_versions()
    )


@bp.route("/<int:framework_id>")
@require_permission(Permission.MANAGE_FRAMEWORKS)
def show_framework(framework_id: int) -> View:
    framework = _load(framework_id)
    return render_template(
        "framework/show_framework.html",
        framework=framework,
        document=queries.document_of(framework),
    )


@bp.route("/<int:framework_id>/changes")
@require_permission(Permission.MANAGE_FRAMEWORKS)
def show_changes(framework_id: int) -> View:
    framework = _load(framework_id)
    others = queries.other_versions(framework)
    against_id = request.args.get("against", type=int)
    against = next((o for o in others if o.id == against_id), None) if against_id else None
    if against is None:
        against = next((o for o in others if o.loaded_at < framework.loaded_at), None)
    changes = diff_frameworks(
        queries.document_of(against) if against else None, queries.document_of(framework)
    )
    return render_template(
        "framework/show_changes.html",
        framework=framework,
        against=against,
        others=others,
        changes=changes,
    )


def _confirm(framework_id: int, *, action: str) -> View:
    framework = _load(framework_id)
    current = queries.published_framework(framework.scheme_id)
    allowed = (
        framework.status is FrameworkStatus.DRAFT
        if action == "publish"
        else framework.status is not FrameworkStatus.RETIRED
    )
    if not allowed:
        abort(404)
    form = ConfirmChangeForm(version_id=framework.version_id)
    if form.validate_on_submit():
        try:
            if str(framework.version_id) != form.version_id.data:
                raise DomainError(STALE, field="submit")
            if action == "publish":
                services.publish_framework(current_user, framework)
            else:
                services.retire_framework(current_user, framework)
        except DomainError as exc:
            db.session.rollback()
            framework = _load(framework_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            done = "is now in use" if action == "publish" else "is retired"
            flash(f"Version {framework.version} of the framework {done}.", "success")
            return redirect(url_for("framework.show_framework", framework_id=framework.id))
    changes = None
    if action == "publish":
        changes = diff_frameworks(
            queries.document_of(current) if current else None, queries.document_of(framework)
        )
    return render_template(
        f"framework/{action}_framework.html",
        framework=framework,
        current=current,
        changes=changes,
        form=form,
    )


@bp.route("/<int:framework_id>/publish", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_FRAMEWORKS)
def publish_framework(framework_id: int) -> View:
    return _confirm(framework_id, action="publish")


@bp.route("/<int:framework_id>/retire", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_FRAMEWORKS)
def retire_framework(framework_id: int) -> View:
    return _confirm(framework_id, action="retire")
