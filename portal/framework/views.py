"""Administrators' pages for frameworks: versions, their content, changes, publish, retire."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.core.permissions import Permission, require_permission
from portal.core.versioned_documents import DocumentKind, confirm_change
from portal.framework import bp, queries, services
from portal.framework.diff import diff_frameworks
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


FRAMEWORKS = DocumentKind(
    load=_load,
    in_use=lambda framework: queries.published_framework(framework.scheme_id),
    document_of=queries.document_of,
    diff=diff_frameworks,
    publish=services.publish_framework,
    retire=services.retire_framework,
    draft=FrameworkStatus.DRAFT,
    retired=FrameworkStatus.RETIRED,
    stale=STALE,
    done={
        "publish": "Version {version} of the framework is now in use.",
        "retire": "Version {version} of the framework is retired.",
    },
    template="framework/{action}_framework.html",
    name="framework",
    shown_at=lambda framework: url_for("framework.show_framework", framework_id=framework.id),
)


@bp.route("/<int:framework_id>/publish", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_FRAMEWORKS)
def publish_framework(framework_id: int) -> View:
    return confirm_change(FRAMEWORKS, framework_id, "publish")


@bp.route("/<int:framework_id>/retire", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_FRAMEWORKS)
def retire_framework(framework_id: int) -> View:
    return confirm_change(FRAMEWORKS, framework_id, "retire")
