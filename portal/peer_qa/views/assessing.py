"""The peer assessor's pages: their queue and the scoring page. Nothing here names the author,
and the other peer's scores stay unreadable until both assessments are in."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.peer_qa import bp, policies, queries, services
from portal.peer_qa.forms import assessment_form
from portal.peer_qa.models import Confidence, PeerAssessment
from portal.peer_qa.views.common import View, analysis_labels
from portal.register import reference as register_reference


def _own(assessment_id: int) -> PeerAssessment:
    assessment = queries.assessment(assessment_id)
    if assessment is None:
        abort(404)
    if not policies.can_score(current_user, assessment):
        abort(403)
    return assessment


@bp.route("/assessments")
@require_permission(Permission.ASSESS_REVIEWS)
def list_assessments() -> View:
    return render_template(
        "peer_qa/list_assessments.html", assessments=queries.queue_of(current_user.id)
    )


@bp.route("/assessments/<int:assessment_id>", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_REVIEWS)
def score_review(assessment_id: int) -> View:
    assessment = _own(assessment_id)
    review = assessment.review
    if review.rubric is None:
        raise RuntimeError("review.rubric is not set")
    markers = queries.markers_of(review.rubric.id)
    scores = queries.score_map(assessment)
    data: dict[str, object] = {
        "overall_grade": str(assessment.overall_grade) if assessment.overall_grade else None,
        "confidence": assessment.confidence.value if assessment.confidence else None,
        "summary_for_author": assessment.summary_for_author,
        "notes_for_lead": assessment.notes_for_lead,
        "version_id": assessment.version_id,
    }
    for marker in markers:
        if marker.id in scores:
            data[f"level_{marker.id}"] = str(scores[marker.id].level)
            data[f"comment_{marker.id}"] = scores[marker.id].comment
    form = assessment_form(review.rubric, markers)(data=data)
    open_ = assessment.submitted_at is None and review.status.value == "in_assessment"
    if open_ and form.validate_on_submit():
        given = {
            marker.id: services.ScoreInput(
                int(form[f"level_{marker.id}"].data) if form[f"level_{marker.id}"].data else None,
                form[f"comment_{marker.id}"].data or "",
            )
            for marker in markers
        }
        raw_version = form.version_id.data
        version = int(raw_version) if raw_version and str(raw_version).isdigit() else None

        def save() -> None:
            services.save_assessment(
                current_user,
                assessment,
                scores=given,
                overall_grade=int(form.overall_grade.data) if form.overall_grade.data else None,
                confidence=Confidence(form.confidence.data) if form.confidence.data else None,
                summary_for_author=form.summary_for_author.data or "",
                notes_for_lead=form.notes_for_lead.data or "",
                version_id=version,
            )
            if form.submit_assessment.data:
                services.submit_assessment(current_user, assessment)

        if commit_or_show_error(form, save):
            flash(
                "Assessment submitted." if form.submit_assessment.data else "Assessment saved.",
                "success",
            )
            if form.submit_assessment.data:
                return redirect(url_for("peer_qa.list_assessments"))
            return redirect(url_for("peer_qa.score_review", assessment_id=assessment.id))
    other = queries.other_assessment(assessment)
    return render_template(
        "peer_qa/score_review.html",
        assessment=assessment,
        review=review,
        rubric=review.rubric,
        markers=markers,
        form=form,
        open=open_,
        scores=scores,
        other=queries.score_map(other) if other else None,
        other_assessment=other,
        themes=register_reference.current().specialisms.names_of(review.themes),
        analysis=queries.review_analysis(review),
        labels=analysis_labels(),
    )
