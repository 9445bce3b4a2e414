"""Supervised practice: administrators pair a provisional reviewer with a mentor; mentors log
supervision sessions; both see the log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import accreditation_queries, bp, mentoring
from portal.applications.forms import PairMentorForm, SupervisionForm
from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db

View = str | Response | tuple[str, int]


@bp.route("/admin/accreditations/<int:record_id>/mentor", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ACCREDITATIONS)
def pair_mentor(record_id: int) -> View:
    record = accreditation_queries.record(record_id)
    if record is None:
        abort(404)
    candidates = accreditation_queries.mentor_candidates(record)
    form = PairMentorForm()
    form.mentor.choices = [(0, "Select a mentor")] + [(u.id, u.name) for u in candidates]
    if form.validate_on_submit():
        mentor = next((u for u in candidates if u.id == form.mentor.data), None)
        try:
            if mentor is None:
                raise DomainError("Select a mentor", field="mentor")
            mentoring.pair_mentor(current_user, record, mentor)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"{record.user.name} is paired with {mentor.name}.", "success")
            return redirect(url_for("applications.show_accreditation", record_id=record.id))
    return render_template(
        "applications/pair_mentor.html",
        record=record,
        form=form,
        current=accreditation_queries.open_pairing(record),
    )


@bp.route("/mentoring")
@require_permission(Permission.MENTOR)
def list_mentoring() -> View:
    return render_template(
        "applications/list_mentoring.html",
        pairings=accreditation_queries.pairings_for(current_user.id),
    )


@bp.route("/mentoring/<int:pairing_id>", methods=["GET", "POST"])
@require_permission(Permission.MENTOR)
def show_mentoring(pairing_id: int) -> View:
    pairing = accreditation_queries.pairing(pairing_id)
    if pairing is None:
        abort(404)
    if current_user.id not in {pairing.mentor_id, pairing.record.user_id}:
        abort(403)
    is_mentor = current_user.id == pairing.mentor_id
    form = SupervisionForm()
    if is_mentor and form.validate_on_submit() and form.held_on.data is not None:
        try:
            mentoring.log_session(
                current_user,
                pairing,
                held_on=form.held_on.data,
                minutes=int(form.minutes.data or 0),
                focus=form.focus.data or "",
                notes=form.notes.data or "",
                today=today_in_england(),
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash("Session logged.", "success")
            return redirect(url_for("applications.show_mentoring", pairing_id=pairing.id))
    return render_template(
        "applications/show_mentoring.html", pairing=pairing, form=form, is_mentor=is_mentor
    )
