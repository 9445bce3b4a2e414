"""Learning pages: findings of peer-reviewed reviews tagged against the system conditions (QA
leads and administrators), and national recommendations with the government's response (seen
by analysts, entered by administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import ConcurrentEdit
from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db
from portal.reporting import bp, learning_queries, learning_services
from portal.reporting.learning_forms import (
    FindingForm,
    NationalRecommendationForm,
    RecommendationFilterForm,
    RemoveFindingForm,
    ResponseForm,
)
from portal.reporting.learning_models import (
    RESPONSE_LABELS,
    LearningFinding,
    NationalRecommendation,
    RecommendationSource,
    ResponseStatus,
    SystemConditionVersion,
)

if TYPE_CHECKING:
    from portal.peer_qa.models import QaReview

View = str | Response | tuple[str, int]


# Findings


@bp.route("/reports/learning/findings")
@require_permission(Permission.RECORD_FINDINGS)
def list_findings() -> View:
    return render_template(
        "reporting/list_findings.html",
        taxonomy=learning_queries.current_taxonomy(),
        findings=learning_queries.findings(),
        can_view_reports=current_user.has_permission(Permission.VIEW_REPORTS),
    )


def _review_choices() -> list[tuple[str, str]]:
    return [(str(r.id), f"{r.reference}: {r.title}") for r in learning_queries.completed_reviews()]


def _finding_form(taxonomy: SystemConditionVersion, **data: object) -> FindingForm:
    form = FindingForm(data=data or None)
    form.review.choices = [("", "Select a review"), *_review_choices()]
    form.conditions.choices = [(c.code, c.label) for c in taxonomy.conditions]
    return form


def _chosen(form: FindingForm, taxonomy: SystemConditionVersion) -> tuple[QaReview, list[Any]]:
    review = learning_queries.qa_review(int(form.review.data))
    if review is None:
        abort(404)
    return review, learning_queries.conditions_by_code(taxonomy.id, list(form.conditions.data))


def _render_finding_form(
    template: str, form: FindingForm, taxonomy: SystemConditionVersion, **context: object
) -> str:
    return render_template(
        template,
        form=form,
        taxonomy=taxonomy,
        descriptions={c.code: c.description for c in taxonomy.conditions},
        **context,
    )


@bp.route("/reports/learning/findings/new", methods=["GET", "POST"])
@require_permission(Permission.RECORD_FINDINGS)
def new_finding() -> View:
    taxonomy = learning_queries.current_taxonomy()
    if taxonomy is None:
        flash("Load the system conditions before recording findings.")
        return redirect(url_for("reporting.list_findings"))
    form = _finding_form(taxonomy)
    if form.validate_on_submit():
        review, chosen = _chosen(form, taxonomy)
        if commit_or_show_error(
            form,
            lambda: learning_services.record_finding(current_user, review, form.text.data, chosen),
        ):
            flash("The finding is saved.", "success")
            return redirect(url_for("reporting.list_findings"))
    return _render_finding_form("reporting/new_finding.html", form, taxonomy)


def _version_of(record: LearningFinding | NationalRecommendation | None) -> int | None:
    return record.version_id if record is not None else None


def _finding_or_404(finding_id: int) -> tuple[LearningFinding, SystemConditionVersion]:
    finding = learning_queries.finding(finding_id)
    if finding is None:
        abort(404)
    # A finding keeps the version of the taxonomy it was tagged against.
    taxonomy = (
        learning_queries.taxonomy_of(finding.conditions[0].taxonomy_id)
        if finding.conditions
        else learning_queries.current_taxonomy()
    )
    if taxonomy is None:
        abort(404)
    return finding, taxonomy


@bp.route("/reports/learning/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@require_permission(Permission.RECORD_FINDINGS)
def edit_finding(finding_id: int) -> View:
    finding, taxonomy = _finding_or_404(finding_id)
    form = _finding_form(
        taxonomy,
        review=str(finding.qa_review_id),
        text=finding.text,
        conditions=[c.code for c in finding.conditions],
        version_id=str(finding.version_id),
    )
    if form.validate_on_submit():
        review, chosen = _chosen(form, taxonomy)
        if commit_or_show_error(
            form,
            lambda: learning_services.change_finding(
                current_user, finding, review, form.text.data, chosen, version_id=form.seen_version
            ),
            stored_version=lambda: _version_of(learning_queries.finding(finding_id)),
            conflict_field="text",
        ):
            flash("The finding is changed.", "success")
            return redirect(url_for("reporting.list_findings"))
    return _render_finding_form(
        "reporting/edit_finding.html", form, taxonomy, finding_id=finding_id
    )


@bp.route("/reports/learning/findings/<int:finding_id>/remove", methods=["GET", "POST"])
@require_permission(Permission.RECORD_FINDINGS)
def remove_finding(finding_id: int) -> View:
    finding, _ = _finding_or_404(finding_id)
    form = RemoveFindingForm(data={"version_id": str(finding.version_id)})
    if form.validate_on_submit():
        try:
            learning_services.remove_finding(current_user, finding, version_id=form.seen_version)
        except ConcurrentEdit as exc:
            db.session.rollback()
            flash(exc.message)
            return redirect(url_for("reporting.remove_finding", finding_id=finding_id))
        db.session.commit()
        flash("The finding is removed.", "success")
        return redirect(url_for("reporting.list_findings"))
    references = learning_queries.references_of({finding.qa_review_id})
    return render_template(
        "reporting/remove_finding.html",
        form=form,
        finding=finding,
        reference=references.get(finding.qa_review_id, ""),
    )


# National recommendations


@bp.route("/reports/national-recommendations")
@require_permission(Permission.VIEW_REPORTS)
def list_national_recommendations() -> View:
    form = RecommendationFilterForm(request.args)
    years = learning_queries.recommendation_years()
    form.year.choices = [("", "All years"), *((str(y), str(y)) for y in years)]
    form.response.choices = [("", "Any response"), *((s.value, s.label) for s in ResponseStatus)]
    year = int(form.year.data) if form.year.data in {str(y) for y in years} else None
    response = (
        ResponseStatus(form.response.data)
        if form.response.data in {s.value for s in ResponseStatus}
        else None
    )
    found = learning_queries.national_recommendations(
        learning_queries.RecommendationFilter(year, response)
    )
    return render_template(
        "reporting/list_national_recommendations.html",
        filter_form=form,
        recommendations=found,
        references=learning_queries.references_of(
            {r.qa_review_id for r in found if r.qa_review_id is not None}
        ),
        can_manage=current_user.has_permission(Permission.MANAGE_NATIONAL_RECOMMENDATIONS),
    )


@bp.route("/reports/national-recommendations/new", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_NATIONAL_RECOMMENDATIONS)
def new_national_recommendation() -> View:
    form = NationalRecommendationForm()
    form.review.choices = [("", "Select a review"), *_review_choices()]
    if form.validate_on_submit():
        source = RecommendationSource(form.source.data)
        review = (
            learning_queries.qa_review(int(form.review.data))
            if source is RecommendationSource.REVIEW and form.review.data
            else None
        )
        given = learning_services.RecommendationInput(
            text=form.text.data,
            year=int(form.year.data),
            addressed_to=form.addressed_to.data,
            source=source,
            review=review,
            source_title=form.source_title.data,
            source_year=form.source_year.data,
        )
        made: list[NationalRecommendation] = []
        if commit_or_show_error(
            form,
            lambda: made.append(learning_services.add_national_recommendation(current_user, given)),
        ):
            flash("The recommendation is added.", "success")
            return redirect(
                url_for("reporting.show_national_recommendation", recommendation_id=made[0].id)
            )
    return render_template("reporting/new_national_recommendation.html", form=form)


@bp.route("/reports/national-recommendations/<int:recommendation_id>")
@require_permission(Permission.VIEW_REPORTS)
def show_national_recommendation(recommendation_id: int) -> View:
    recommendation = learning_queries.national_recommendation(recommendation_id)
    if recommendation is None:
        abort(404)
    references = learning_queries.references_of(
        {recommendation.qa_review_id} if recommendation.qa_review_id else set()
    )
    return render_template(
        "reporting/show_national_recommendation.html",
        recommendation=recommendation,
        reference=references.get(recommendation.qa_review_id or 0, ""),
        history=learning_queries.response_history(recommendation.id),
        labels=RESPONSE_LABELS,
        can_manage=current_user.has_permission(Permission.MANAGE_NATIONAL_RECOMMENDATIONS),
    )


@bp.route(
    "/reports/national-recommendations/<int:recommendation_id>/response", methods=["GET", "POST"]
)
@require_permission(Permission.MANAGE_NATIONAL_RECOMMENDATIONS)
def edit_response(recommendation_id: int) -> View:
    recommendation = learning_queries.national_recommendation(recommendation_id)
    if recommendation is None:
        abort(404)
    form = ResponseForm(
        data={
            "status": recommendation.response.value,
            "action": recommendation.response_action or "",
            "responded_on": recommendation.responded_on,
            "version_id": str(recommendation.version_id),
        }
    )
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: learning_services.record_response(
            current_user,
            recommendation,
            status=ResponseStatus(form.status.data),
            action=form.action.data or "",
            responded_on=form.responded_on.data,
            version_id=form.seen_version,
        ),
        stored_version=lambda: _version_of(
            learning_queries.national_recommendation(recommendation_id)
        ),
        conflict_field="status",
    ):
        flash("The government's response is saved.", "success")
        return redirect(
            url_for("reporting.show_national_recommendation", recommendation_id=recommendation_id)
        )
    return render_template("reporting/edit_response.html", form=form, recommendation=recommendation)
