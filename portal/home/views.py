"""Start page, dashboards, information pages and the health check."""

from __future__ import annotations

import logging

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.core.permissions import public, require_sign_in
from portal.extensions import db
from portal.home import bp, queries

View = str | Response | tuple[str, int] | tuple[Response, int]
log = logging.getLogger(__name__)


@bp.route("/")
@public
def start() -> View:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return render_template("home/start.html")


@bp.route("/dashboard")
@require_sign_in
def dashboard() -> View:
    links = {
        "users": url_for("admin.list_users"),
        "organisations": url_for("organisations.list_organisations"),
        "audit": url_for("admin.audit_log"),
        "frameworks": url_for("framework.list_frameworks"),
        "account": url_for("auth.account"),
        "applications": url_for("applications.list_applications"),
        "all_applications": url_for("applications.list_all_applications"),
        "renew": url_for("applications.start_renewal"),
        "assessments": url_for("applications.list_assessments"),
        "cpd": url_for("cpd.show_progress"),
        "register_entry": url_for("register.show_my_entry"),
        "find_reviewer": url_for("register.find_reviewer"),
        "reports": url_for("reporting.show_dashboard"),
        "diversity": url_for("reporting.edit_diversity"),
    }
    panels = queries.dashboard_panels(
        current_user,
        links,
        lambda application_id: url_for(
            "applications.show_application", application_id=application_id
        ),
    )
    return render_template("home/dashboard.html", panels=panels)


@bp.route("/accessibility")
@public
def accessibility() -> View:
    return render_template("home/accessibility.html")


@bp.route("/privacy")
@public
def privacy() -> View:
    return render_template("home/privacy.html")


@bp.route("/cookies")
@public
def cookies() -> View:
    return render_template("home/cookies.html")


@bp.route("/healthz")
@public
def healthz() -> View:
    try:
        queries.database_answers()
    except SQLAlchemyError as exc:
        log.error("health check: database does not answer", extra={"error": str(exc)})
        _discard_session()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up"), 200


def _discard_session() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback after failed health check failed", exc_info=True)
