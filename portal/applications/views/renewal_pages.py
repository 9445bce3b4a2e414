"""Renewal pages: start a renewal in its window, read the CPD summary, list the reviews
completed in the term, and write the renewal statement."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.applications import bp, renewal
from portal.applications.forms import CompletedReviewForm, RenewalStatementForm
from portal.applications.models import Application
from portal.applications.views.applicant import (
    _load_draft,
    _section,
    _submitted_redirect,
)
from portal.core.dates import today_in_england
from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.organisations import queries as organisation_queries

View = str | Response | tuple[str, int]


@bp.route("/applications/renew", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def start_renewal() -> View:
    today = today_in_england()
    record = renewal.renewable_record(current_user, today=today)
    form = FlaskForm()
    if record is not None and form.validate_on_submit():
        made: list[Application] = []
        if commit_or_show_error(
            form, lambda: made.append(renewal.start_renewal(current_user, record, today=today))
        ):
            return redirect(url_for("applications.show_application", application_id=made[0].id))
    return render_template(
        "applications/start_renewal.html",
        record=record,
        window=renewal.window(record) if record else None,
        form=form,
    )


@bp.route("/applications/<int:application_id>/cpd-record")
@require_permission(Permission.APPLY)
def show_cpd_record(application_id: int) -> View:
    application = _load_draft(application_id)
    summary = renewal.cpd_for(application, today=today_in_england())
    if summary is None:
        abort(404)
    return render_template(
        "applications/show_cpd_record.html", application=application, summary=summary
    )


def _review_form() -> CompletedReviewForm:
    form = CompletedReviewForm()
    form.partnership.choices = [(0, "Select a partnership")] + [
        (o.id, o.name) for o in organisation_queries.active_partnerships()
    ]
    return form


@bp.route("/applications/<int:application_id>/completed-reviews", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def list_completed_reviews(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    if renewal.record_renewed_by(application) is None or application.kind.value != "renewal":
        abort(404)
    form = _review_form()
    if form.validate_on_submit():
        partnership = next(
            (
                o
                for o in organisation_queries.active_partnerships()
                if o.id == form.partnership.data
            ),
            None,
        )
        if partnership is not None and commit_or_show_error(
            form,
            lambda: renewal.add_completed_review(
                current_user,
                application,
                title=form.title.data or "",
                partnership=partnership,
                year=int(form.year.data or 0),
                role=form.role.data or "",
                today=today_in_england(),
            ),
        ):
            flash(f"Added {form.title.data}.", "success")
            return redirect(
                url_for("applications.list_completed_reviews", application_id=application.id)
            )
    return render_template(
        "applications/list_completed_reviews.html",
        application=application,
        form=form,
        roles=renewal.REVIEW_ROLES,
        required=int(application.scheme.settings.get("renewal_reviews_required", 2)),
        qa_reviews=renewal.qa_reviews_for(application),
    )


@bp.route(
    "/applications/<int:application_id>/completed-reviews/<int:index>/remove", methods=["POST"]
)
@require_permission(Permission.APPLY)
def remove_completed_review(application_id: int, index: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    form = FlaskForm()
    if form.validate_on_submit() and commit_or_show_error(
        form, lambda: renewal.remove_completed_review(current_user, application, index)
    ):
        flash("Removed the review.", "success")
    return redirect(url_for("applications.list_completed_reviews", application_id=application.id))


@bp.route("/applications/<int:application_id>/renewal-statement", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_renewal_statement(application_id: int) -> View:
    def load(a: Application) -> dict[str, Any]:
        return {"renewal_statement": a.renewal_statement}

    def save(form: Any) -> dict[str, Any]:
        return {"renewal_statement": (form.renewal_statement.data or "").strip()}

    return _section(application_id, "renewal-statement", RenewalStatementForm, load=load, save=save)
