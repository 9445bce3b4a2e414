"""Commissioning pages: a partnership's shortlist, availability requests and their answers,
and recording a commission."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.core.templating import LONDON
from portal.extensions import db
from portal.register import bp, commissioning, policies
from portal.register import commissioning_queries as cq
from portal.register.commissioning_models import AvailabilityRequest, ReviewType
from portal.register.forms import (
    AnswerRequestForm,
    AvailabilityRequestForm,
    CommissionForm,
    ShortlistForm,
)
from portal.register.views import View


def _today() -> datetime:
    return datetime.now(LONDON)


def _back_to_search() -> str:
    # Only back to the search, with its filters: never to an address from elsewhere.
    back = request.form.get("back", "")
    if back.startswith("/register/search") and "//" not in back and "\\" not in back:
        return back
    return url_for("register.show_shortlist")


@bp.route("/shortlist")
@require_permission(Permission.SEARCH_REGISTER)
def show_shortlist() -> View:
    partnership_id = current_user.organisation_id
    rows = cq.shortlist(partnership_id, _today().date()) if partnership_id else []
    return render_template(
        "register/show_shortlist.html",
        rows=rows,
        has_partnership=partnership_id is not None,
        remove_form=ShortlistForm(),
    )


@bp.route("/shortlist", methods=["POST"])
@require_permission(Permission.SEARCH_REGISTER)
def add_to_shortlist() -> View:
    form = ShortlistForm()
    raw = form.reviewer_id.data or ""
    if not form.validate_on_submit() or not str(raw).isdigit():
        abort(400)
    if commit_or_show_error(form, lambda: commissioning.add_to_shortlist(current_user, int(raw))):
        flash("Added to your shortlist.", "success")
    else:
        flash(form.reviewer_id.errors[-1] if form.reviewer_id.errors else "Not added.", "error")
    return redirect(_back_to_search())


@bp.route("/shortlist/<int:reviewer_id>/remove", methods=["POST"])
@require_permission(Permission.SEARCH_REGISTER)
def remove_from_shortlist(reviewer_id: int) -> View:
    form = ShortlistForm()
    if not form.validate_on_submit():
        abort(400)
    if commit_or_show_error(
        form, lambda: commissioning.remove_from_shortlist(current_user, reviewer_id)
    ):
        flash("Removed from your shortlist.", "success")
    return redirect(_back_to_search())


def _shortlisted_or_none(reviewer_id: int) -> cq.ShortlistRow | None:
    partnership_id = current_user.organisation_id
    if partnership_id is None:
        return None
    for row in cq.shortlist(partnership_id, _today().date()):
        if row.reviewer_id == reviewer_id:
            return row
    return None


@bp.route("/shortlist/<int:reviewer_id>/request-availability", methods=["GET", "POST"])
@require_permission(Permission.SEARCH_REGISTER)
def request_availability(reviewer_id: int) -> View:
    row = _shortlisted_or_none(reviewer_id)
    if row is None:
        return redirect(url_for("register.show_shortlist"))
    form = AvailabilityRequestForm()
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: commissioning.request_availability(
            current_user,
            reviewer_id,
            review_type=ReviewType(form.review_type.data),
            wanted_from=form.wanted_from.data,
            message=form.message.data or "",
        ),
    ):
        flash(f"Your request has been sent to {row.name}.", "success")
        return redirect(url_for("register.show_shortlist"))
    return render_template("register/request_availability.html", form=form, row=row)


@bp.route("/shortlist/<int:reviewer_id>/commission", methods=["GET", "POST"])
@require_permission(Permission.SEARCH_REGISTER)
def record_commission(reviewer_id: int) -> View:
    row = _shortlisted_or_none(reviewer_id)
    if row is None:
        return redirect(url_for("register.show_shortlist"))
    form = CommissionForm()
    if request.method == "GET" and row.request is not None:
        form.review_type.data = row.request.review_type.value
        form.starts_on.data = row.request.can_start_on
    if form.validate_on_submit() and form.starts_on.data and form.expected_end_on.data:
        details = commissioning.CommissionDetails(
            review_type=ReviewType(form.review_type.data),
            starts_on=form.starts_on.data,
            expected_end_on=form.expected_end_on.data,
        )
        if commit_or_show_error(
            form, lambda: commissioning.record_commission(current_user, reviewer_id, details)
        ):
            flash(f"The commission of {row.name} has been recorded.", "success")
            return redirect(url_for("register.show_shortlist"))
    return render_template("register/record_commission.html", form=form, row=row)


# The reviewer's side


@bp.route("/requests")
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def list_requests() -> View:
    return render_template("register/list_requests.html", requests=cq.requests_for(current_user.id))


@bp.route("/requests/<int:availability_request_id>", methods=["GET", "POST"])
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def answer_request(availability_request_id: int) -> View:
    found = db.session.get(AvailabilityRequest, availability_request_id)
    if found is None:
        abort(404)
    if not policies.can_answer_request(current_user, found):
        abort(403)
    form = AnswerRequestForm(data={"version_id": found.version_id})
    if found.status.value == "pending" and form.validate_on_submit():
        available = form.available.data == "yes"
        if available and form.can_start_on.data is None and not form.can_start_on.errors:
            form.can_start_on.errors = ["Enter the date you can start"]
        elif commit_or_show_error(
            form,
            lambda: commissioning.answer_request(
                current_user,
                found,
                available=available,
                can_start_on=form.can_start_on.data,
                note=form.note.data or "",
                version_id=form.seen_version,
            ),
        ):
            flash("Your answer has been sent.", "success")
            return redirect(url_for("register.list_requests"))
    return render_template("register/answer_request.html", form=form, found=found)
