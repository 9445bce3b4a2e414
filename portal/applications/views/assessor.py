"""Assessors' and moderators' pages: their queue, an allocation with the application's
answers, a score per competency, the recommendation, and questions for the applicant."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import assessment, bp, policies, queries
from portal.applications import assessment_queries as aq
from portal.applications.assessment_forms import (
    InformationRequestForm,
    ScoreForm,
    SubmitAssessmentForm,
)
from portal.applications.forms import AGENCY_LABELS
from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationStatus,
    Outcome,
)
from portal.core.dates import today_in_england
from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission

View = str | Response | tuple[str, int]


def _load(allocation_id: int) -> tuple[Allocation, Application]:
    allocation = aq.allocation(allocation_id)
    if allocation is None:
        abort(404)
    if not policies.can_work_on_allocation(current_user, allocation):
        abort(403)
    application = queries.application(allocation.application_id)
    if application is None:
        abort(404)
    return allocation, application


def _editable(allocation: Allocation, application: Application) -> bool:
    return allocation.submitted_at is None and application.status in assessment.DRAFTING.get(
        allocation.purpose, set()
    )


def _can_submit(allocation: Allocation, application: Application) -> bool:
    return allocation.submitted_at is None and application.status in assessment.SUBMITTING.get(
        allocation.purpose, set()
    )


def _to_allocation(allocation: Allocation) -> Response:
    return redirect(url_for("applications.show_assessment", allocation_id=allocation.id))


def _closed_redirect(allocation: Allocation, application: Application) -> Response | None:
    if not _editable(allocation, application):
        flash("This assessment can no longer change.")
        return _to_allocation(allocation)
    return None


@bp.route("/assessments")
@require_permission(Permission.ASSESS_APPLICATIONS)
def list_assessments() -> View:
    rows = aq.assessor_queue(current_user.id, today=today_in_england())
    return render_template(
        "applications/list_assessments.html",
        waiting=[r for r in rows if r.open],
        finished=[r for r in rows if not r.open],
    )


@bp.route("/assessments/<int:allocation_id>")
@require_permission(Permission.ASSESS_APPLICATIONS)
def show_assessment(allocation_id: int) -> View:
    allocation, application = _load(allocation_id)
    competencies = queries.competencies(application.framework_id)
    scores = aq.score_map(allocation)
    return render_template(
        "applications/show_assessment.html",
        allocation=allocation,
        application=application,
        competencies=competencies,
        scores=scores,
        complete=all(c.id in scores for c in competencies),
        peer=aq.peer_assessment(allocation),
        assessments=aq.assessments_to_moderate(allocation),
        requests=aq.information_requests(application.id),
        editable=_editable(allocation, application),
        can_submit=_can_submit(allocation, application),
        can_ask=allocation.purpose is AllocationPurpose.ASSESSMENT
        and allocation.submitted_at is None
        and application.status is ApplicationStatus.IN_ASSESSMENT,
        assessed=queries.self_assessment_map(application),
        agency_labels=AGENCY_LABELS,
        levels=assessment.level_codes(application),
        scale={int(step["score"]): step for step in application.framework.scale},
        today=today_in_england(),
    )


@bp.route("/assessments/<int:allocation_id>/scores/<int:competency_id>", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_APPLICATIONS)
def edit_score(allocation_id: int, competency_id: int) -> View:
    allocation, application = _load(allocation_id)
    if (back := _closed_redirect(allocation, application)) is not None:
        return back
    competencies = queries.competencies(application.framework_id)
    index = next((i for i, c in enumerate(competencies) if c.id == competency_id), None)
    if index is None:
        abort(404)
    competency = competencies[index]
    score = aq.score_map(allocation).get(competency.id)
    form = ScoreForm(
        data={
            "level": score.level if score else None,
            "rationale": score.rationale if score else None,
            "version_id": allocation.version_id,
        }
    )
    scale = application.framework.scale
    form.level.choices = [
        (int(step["score"]), f"{step['score']}: {step['label']}") for step in scale
    ]
    if allocation.purpose is AllocationPurpose.MODERATION:
        form.level.label.text = "Agreed level"
        form.rationale.label.text = "Why this is the agreed level"
    if form.validate_on_submit():
        if commit_or_show_error(
            form,
            lambda: assessment.save_score(
                current_user,
                allocation,
                competency,
                level=int(form.level.data),
                rationale=form.rationale.data or "",
                version_id=form.seen_version,
            ),
        ):
            following = competencies[index + 1] if index + 1 < len(competencies) else None
            if following is not None:
                return redirect(
                    url_for(
                        "applications.edit_score",
                        allocation_id=allocation.id,
                        competency_id=following.id,
                    )
                )
            return _to_allocation(allocation)
        # Told once that it was saved elsewhere, a second save is a deliberate choice.
        form.version_id.data = str(allocation.version_id)
    return render_template(
        "applications/edit_score.html",
        allocation=allocation,
        application=application,
        competency=competency,
        number=index + 1,
        total=len(competencies),
        form=form,
        scale=scale,
        self_assessment=queries.self_assessment_map(application).get(competency.id),
        assessments=aq.assessments_to_moderate(allocation),
    )


@bp.route("/assessments/<int:allocation_id>/submit", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_APPLICATIONS)
def submit_assessment(allocation_id: int) -> View:
    allocation, application = _load(allocation_id)
    if (back := _closed_redirect(allocation, application)) is not None:
        return back
    moderating = allocation.purpose is AllocationPurpose.MODERATION
    form = SubmitAssessmentForm(data={"version_id": allocation.version_id})
    levels = assessment.level_codes(application)
    form.level.choices = list(levels.items())
    if moderating:
        form.outcome.label.text = "Your recommendation, as moderator"
        form.comments.label.text = "Why these are the agreed scores"
        form.comments.description = (
            "How you weighed the two assessments. Administrators read this with the scores."
        )
    if form.validate_on_submit():
        if commit_or_show_error(
            form,
            lambda: assessment.submit_assessment(
                current_user,
                allocation,
                outcome=Outcome(form.outcome.data),
                level=form.level.data or None,
                comments=form.comments.data or "",
                version_id=form.seen_version,
            ),
        ):
            flash(
                f"Submitted your {'moderation' if moderating else 'assessment'} of "
                f"{application.reference}.",
                "success",
            )
            return redirect(url_for("applications.list_assessments"))
        form.version_id.data = str(allocation.version_id)
    competencies = queries.competencies(application.framework_id)
    return render_template(
        "applications/submit_assessment.html",
        allocation=allocation,
        application=application,
        form=form,
        competencies=competencies,
        scores=aq.score_map(allocation),
        moderating=moderating,
        can_submit=_can_submit(allocation, application),
    )


@bp.route("/assessments/<int:allocation_id>/information-request", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_APPLICATIONS)
def request_information(allocation_id: int) -> View:
    allocation, application = _load(allocation_id)
    if (
        allocation.purpose is not AllocationPurpose.ASSESSMENT
        or allocation.submitted_at is not None
        or application.status is not ApplicationStatus.IN_ASSESSMENT
    ):
        flash("You cannot ask the applicant for information now.")
        return _to_allocation(allocation)
    form = InformationRequestForm()
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: assessment.request_information(
            current_user, allocation, question=form.question.data or ""
        ),
    ):
        flash("Your question has been sent to the applicant.", "success")
        return _to_allocation(allocation)
    return render_template(
        "applications/request_information.html",
        allocation=allocation,
        application=application,
        form=form,
    )
