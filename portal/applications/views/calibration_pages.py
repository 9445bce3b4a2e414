"""The QA lead's calibration pages: agreement between assessors, double-marking, and ratings
of assessors' feedback."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import assessment_queries, bp, calibration, calibration_queries
from portal.applications.agreement import agreement as overall
from portal.applications.agreement import by_assessor, by_competency, pairs_from
from portal.applications.forms import CalibrationForm, RateFeedbackForm
from portal.applications.models import FeedbackRating
from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db

View = str | Response | tuple[str, int]
LEVELS = [1, 2, 3, 4]


@bp.route("/calibration")
@require_permission(Permission.MODERATE_APPLICATIONS)
def show_calibration() -> View:
    pairs = pairs_from(calibration_queries.marks())
    assessors = by_assessor(pairs, LEVELS)
    names = calibration_queries.people(set(assessors))
    return render_template(
        "applications/show_calibration.html",
        scheme=overall(pairs, LEVELS),
        assessors=[(names[i], a) for i, a in assessors.items() if i in names],
        competencies=by_competency(pairs, LEVELS),
        ratings=calibration_queries.ratings_by_assessor(),
        rating_kinds=list(FeedbackRating),
    )


@bp.route("/calibration/double-marking", methods=["GET", "POST"])
@require_permission(Permission.MODERATE_APPLICATIONS)
def send_for_calibration() -> View:
    applications = calibration_queries.calibration_candidates()
    pool = assessment_queries.assessor_pool()
    form = CalibrationForm()
    form.application.choices = [(0, "Select an application")] + [
        (a.id, f"{a.reference}, {a.status.label.lower()}") for a in applications
    ]
    form.assessor.choices = [(0, "Select an assessor")] + [(u.id, u.name) for u in pool]
    if form.validate_on_submit():
        application = next((a for a in applications if a.id == form.application.data), None)
        assessor = next((u for u in pool if u.id == form.assessor.data), None)
        try:
            if application is None:
                raise DomainError("Select the application", field="application")
            if assessor is None:
                raise DomainError("Select the assessor", field="assessor")
            calibration.send_for_calibration(
                current_user, application, assessor, today=today_in_england()
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"Sent {application.reference} to {assessor.name} for double-marking.")
            return redirect(url_for("applications.show_calibration"))
    return render_template("applications/send_for_calibration.html", form=form)


def _feedback_page(user_id: int, failed: RateFeedbackForm | None = None, at: int = 0) -> View:
    person = calibration_queries.people({user_id}).get(user_id)
    if person is None:
        abort(404)
    rows = calibration_queries.feedback_of(user_id, current_user.id)
    # One form per assessment, each with its own field names so that ids stay unique.
    forms = {
        row.allocation.id: failed
        if failed is not None and row.allocation.id == at
        else RateFeedbackForm(
            prefix=f"a{row.allocation.id}",
            data={
                "rating": row.my_rating.rating.value if row.my_rating else None,
                "note": row.my_rating.note if row.my_rating else "",
            },
            formdata=None,
        )
        for row in rows
    }
    return render_template(
        "applications/assessor_feedback.html",
        person=person,
        rows=rows,
        forms=forms,
        form=failed,
    )


@bp.route("/calibration/assessors/<int:user_id>")
@require_permission(Permission.MODERATE_APPLICATIONS)
def assessor_feedback(user_id: int) -> View:
    return _feedback_page(user_id)


@bp.route("/calibration/feedback/<int:allocation_id>", methods=["POST"])
@require_permission(Permission.MODERATE_APPLICATIONS)
def rate_feedback(allocation_id: int) -> View:
    allocation = calibration_queries.allocation(allocation_id)
    if allocation is None:
        abort(404)
    form = RateFeedbackForm(prefix=f"a{allocation.id}")
    if form.validate_on_submit():
        try:
            calibration.rate_feedback(
                current_user,
                allocation,
                rating=FeedbackRating(form.rating.data),
                note=form.note.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash("Rating saved.", "success")
            return redirect(
                url_for("applications.assessor_feedback", user_id=allocation.assessor_id)
            )
    return _feedback_page(allocation.assessor_id, form, allocation.id)
