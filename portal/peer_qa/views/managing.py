"""The QA lead's pages: every submitted review, allocation of two peers, the two assessments
side by side with the notes meant for the lead, moderation, and the rubric's versions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.forms import apply_domain_error, commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db
from portal.peer_qa import bp, queries, services
from portal.peer_qa.forms import AllocateForm, ReplacePeerForm, moderation_form
from portal.peer_qa.models import QaReview, QaStatus
from portal.peer_qa.views.common import View
from portal.register import reference as register_reference


def _load(review_id: int) -> QaReview:
    review = queries.review(review_id)
    if review is None or review.status is QaStatus.DRAFT:
        abort(404)
    return review


@bp.route("/manage")
@require_permission(Permission.MANAGE_PEER_QA)
def list_all_reviews() -> View:
    return render_template("peer_qa/list_all_reviews.html", rows=queries.all_reviews())


@bp.route("/manage/<int:review_id>")
@require_permission(Permission.MANAGE_PEER_QA)
def manage_review(review_id: int) -> View:
    review = _load(review_id)
    assessments = queries.assessments_of(review.id)
    markers = queries.markers_of(review.rubric_id) if review.rubric_id else []
    both_in = len(assessments) == 2 and all(a.submitted_at for a in assessments)
    return render_template(
        "peer_qa/manage_review.html",
        review=review,
        assessments=assessments,
        markers=markers,
        both_in=both_in,
        score_maps=[queries.score_map(a) for a in assessments],
        agreed={a.marker_id: a for a in queries.agreed_scores(review.id)},
        themes=register_reference.current().specialisms.names_of(review.themes),
    )


@bp.route("/manage/<int:review_id>/allocate", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_PEER_QA)
def allocate_peers(review_id: int) -> View:
    review = _load(review_id)
    if review.status is not QaStatus.SUBMITTED:
        return redirect(url_for("peer_qa.manage_review", review_id=review.id))
    today = today_in_england()
    found = queries.candidates(review, today=today)
    choices = [(0, "Select a peer assessor")] + [
        (c.user.id, f"{c.user.name} ({c.load} open)") for c in found.suggested
    ]
    form = AllocateForm()
    form.first.choices = choices
    form.second.choices = choices
    if form.validate_on_submit():
        first = db.session.get(User, form.first.data)
        second = db.session.get(User, form.second.data)
        if first is None:
            apply_domain_error(form, "Select the first peer assessor", "first")
        elif second is None:
            apply_domain_error(form, "Select the second peer assessor", "second")
        elif commit_or_show_error(
            form,
            lambda: services.allocate_peers(current_user, review, first, second, today=today),
        ):
            flash("Peer assessors allocated. They have been emailed.", "success")
            return redirect(url_for("peer_qa.manage_review", review_id=review.id))
    return render_template(
        "peer_qa/allocate_peers.html", review=review, form=form, candidates=found
    )


@bp.route(
    "/manage/<int:review_id>/assessments/<int:assessment_id>/replace", methods=["GET", "POST"]
)
@require_permission(Permission.MANAGE_PEER_QA)
def replace_peer(review_id: int, assessment_id: int) -> View:
    review = _load(review_id)
    assessments = queries.assessments_of(review.id)
    assessment = next((a for a in assessments if a.id == assessment_id), None)
    if assessment is None:
        abort(404)
    if review.status is not QaStatus.IN_ASSESSMENT or assessment.submitted_at is not None:
        flash("That assessment is not under way: nobody needs replacing.")
        return redirect(url_for("peer_qa.manage_review", review_id=review.id))
    today = today_in_england()
    found = queries.candidates(review, today=today)
    on_it = {a.assessor_id for a in assessments}
    form = ReplacePeerForm(data={"version_id": str(assessment.version_id)})
    form.replacement.choices = [(0, "Select a peer assessor")] + [
        (c.user.id, f"{c.user.name} ({c.load} open)")
        for c in found.suggested
        if c.user.id not in on_it
    ]
    if form.validate_on_submit():
        replacement = db.session.get(User, form.replacement.data)
        if replacement is None:
            apply_domain_error(form, "Select who takes over", "replacement")
        elif commit_or_show_error(
            form,
            lambda: services.replace_peer(
                current_user,
                assessment,
                replacement,
                reason=form.reason.data or "",
                today=today,
                version_id=form.seen_version,
            ),
        ):
            flash(f"{replacement.name} takes over the assessment. Both were emailed.", "success")
            return redirect(url_for("peer_qa.manage_review", review_id=review.id))
    return render_template(
        "peer_qa/replace_peer.html",
        review=review,
        assessment=assessment,
        form=form,
        candidates=found,
    )


@bp.route("/manage/<int:review_id>/moderate", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_PEER_QA)
def moderate_review(review_id: int) -> View:
    review = _load(review_id)
    if review.status is not QaStatus.MODERATION:
        return redirect(url_for("peer_qa.manage_review", review_id=review.id))
    if review.rubric is None:
        raise RuntimeError("review.rubric is not set")
    markers = queries.markers_of(review.rubric.id)
    counted = [m for m in markers if m.counts]
    assessments = queries.assessments_of(review.id)
    form = moderation_form(review.rubric, counted)()
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: services.moderate(
            current_user,
            review,
            levels={m.id: int(form[f"level_{m.id}"].data) for m in counted},
            overall_grade=int(form.overall_grade.data),
            rationale=form.rationale.data,
        ),
    ):
        flash("Agreed scores recorded. The author has been emailed.", "success")
        return redirect(url_for("peer_qa.manage_review", review_id=review.id))
    return render_template(
        "peer_qa/moderate_review.html",
        review=review,
        form=form,
        markers=counted,
        assessments=assessments,
        score_maps=[queries.score_map(a) for a in assessments],
    )


@bp.route("/rubrics")
@require_permission(Permission.MANAGE_PEER_QA)
def list_rubrics() -> View:
    return render_template("peer_qa/list_rubrics.html", rows=queries.rubric_versions())


@bp.route("/rubrics/<int:rubric_id>")
@require_permission(Permission.MANAGE_PEER_QA)
def show_rubric(rubric_id: int) -> View:
    rubric = queries.rubric(rubric_id)
    if rubric is None:
        abort(404)
    return render_template("peer_qa/show_rubric.html", rubric=rubric)
