"""The author's pages: their reviews, the draft's task list, each section, check and submit,
and the feedback with their response. Nothing here names an assessor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, apply_domain_error, commit_or_show_error
from portal.core.permissions import Permission, require_permission, require_sign_in
from portal.core.uploads import EXTENSIONS, send_stored
from portal.extensions import db
from portal.organisations import queries as organisation_queries
from portal.peer_qa import bp, policies, queries, services
from portal.peer_qa.forms import (
    ConfirmRecommendationsForm,
    DetailsForm,
    InvolvementForm,
    RecommendationForm,
    ReportForm,
    ResponseForm,
    SubmitReviewForm,
)
from portal.peer_qa.models import QaReview, QaStatus, ReviewType
from portal.peer_qa.views.common import View, analysis_labels, store
from portal.register import reference as register_reference


def _own(review_id: int) -> QaReview:
    review = queries.review(review_id)
    if review is None:
        abort(404)
    if not policies.is_author(current_user, review):
        abort(403)
    return review


def _own_draft(review_id: int) -> QaReview | Response:
    review = _own(review_id)
    if review.status is not QaStatus.DRAFT:
        return redirect(url_for("peer_qa.show_review", review_id=review.id))
    return review


@bp.route("/reviews")
@require_permission(Permission.SUBMIT_REVIEWS)
def list_reviews() -> View:
    today = today_in_england()
    return render_template(
        "peer_qa/list_reviews.html",
        reviews=queries.reviews_of(current_user.id),
        accredited=queries.current_record(current_user.id, today) is not None,
        form=ActionForm(),
    )


@bp.route("/reviews/new", methods=["POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def start_review() -> View:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        review = services.start_review(current_user, today=today_in_england())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("peer_qa.list_reviews"))
    db.session.commit()
    return redirect(url_for("peer_qa.show_review", review_id=review.id))


@bp.route("/reviews/<int:review_id>")
@require_permission(Permission.SUBMIT_REVIEWS)
def show_review(review_id: int) -> View:
    review = _own(review_id)
    released = review.status in (QaStatus.COMPLETED, QaStatus.RESPONDED)
    feedback = queries.author_feedback(review) if released else None
    return render_template(
        "peer_qa/show_review.html",
        review=review,
        missing=services.missing_sections(review),
        feedback=feedback,
        withdraw=ActionForm(prefix="withdraw"),
        themes=register_reference.current().specialisms.names_of(review.themes),
    )


@bp.route("/reviews/<int:review_id>/withdraw", methods=["POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def withdraw_review(review_id: int) -> View:
    review = _own(review_id)
    form = ActionForm(prefix="withdraw")
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw_review(current_user, review)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("peer_qa.show_review", review_id=review.id))
    db.session.commit()
    flash("Review withdrawn.", "success")
    return redirect(url_for("peer_qa.list_reviews"))


@bp.route("/reviews/<int:review_id>/details", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def edit_details(review_id: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    data = {
        "title": review.title,
        "partnership": review.partnership_id,
        "review_type": review.review_type.value if review.review_type else None,
        "published_on": review.published_on,
        "themes": review.themes,
        "version_id": review.version_id,
    }
    form = DetailsForm(data=data)
    partnerships = organisation_queries.active_partnerships()
    form.partnership.choices = [(0, "Select a partnership")] + [
        (o.id, o.name) for o in partnerships
    ]
    form.themes.choices = register_reference.current().specialisms.choices()
    if form.validate_on_submit():
        partnership = next((o for o in partnerships if o.id == form.partnership.data), None)
        published_on = form.published_on.data
        if partnership is None:
            apply_domain_error(
                form, "Select the partnership that commissioned the review", "partnership"
            )
        elif published_on is None:
            apply_domain_error(form, "Enter the date the review was published", "published_on")
        elif commit_or_show_error(
            form,
            lambda: services.save_details(
                current_user,
                review,
                title=form.title.data,
                partnership=partnership,
                review_type=ReviewType(form.review_type.data),
                published_on=published_on,
                themes=form.themes.data,
                today=today_in_england(),
                version_id=form.version(),
            ),
        ):
            return redirect(url_for("peer_qa.show_review", review_id=review.id))
    return render_template("peer_qa/edit_details.html", review=review, form=form)


@bp.route("/reviews/<int:review_id>/report", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def edit_report(review_id: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    form = ReportForm()
    if form.validate_on_submit():
        files = store()
        upload = form.report.data
        before = review.report_key
        had = len(review.recommendations)
        replaced: list[str | None] = []
        try:
            saved = commit_or_show_error(
                form,
                lambda: replaced.append(
                    services.attach_report(current_user, review, upload.stream, files)
                ),
            )
        except Exception:
            db.session.rollback()
            if review.report_key and review.report_key != before:
                files.delete(review.report_key)
            raise
        if saved:
            for key in replaced:
                if key:
                    files.delete(key)
            flash(_uploaded_message(review, had), "success")
            return redirect(url_for("peer_qa.edit_recommendations", review_id=review.id))
    return render_template(
        "peer_qa/edit_report.html",
        review=review,
        form=form,
        max_megabytes=services.REPORT_MAX_MEGABYTES,
    )


def _uploaded_message(review: QaReview, had: int) -> str:
    if not review.report_text:
        return (
            "Report uploaded. It has no text that could be read (it may be a scanned image), "
            "so list its recommendations yourself."
        )
    if not had and review.recommendations:
        found = len(review.recommendations)
        return (
            f"Report uploaded. {found} recommendation{'s were' if found != 1 else ' was'} found "
            "in it: check each one, change or remove any that are wrong, then confirm the list."
        )
    if had:
        return "Report uploaded. Your list of recommendations is unchanged."
    return "Report uploaded. No recommendations were found in it: list them yourself."


@bp.route("/reviews/<int:review_id>/analysis")
@require_permission(Permission.SUBMIT_REVIEWS)
def show_analysis(review_id: int) -> View:
    """The recommendation analysis of the author's own review, a draft or submitted: run
    again whenever the list changes, so the author can act on it before submitting."""
    review = _own(review_id)
    return render_template(
        "peer_qa/show_analysis.html",
        review=review,
        analysis=queries.review_analysis(review),
        labels=analysis_labels(),
    )


@bp.route("/reviews/<int:review_id>/report/file")
@require_sign_in
def download_report(review_id: int) -> Response:
    """The report, named by the review's reference only: never the author's file name."""
    review = queries.review(review_id)
    if review is None:
        abort(404)
    if not policies.can_download_report(current_user, review, queries.assessments_of(review.id)):
        abort(403)
    if not review.report_key or not review.report_content_type:
        abort(404)
    name = f"review-{review.reference or 'draft'}{EXTENSIONS[review.report_content_type]}"
    return send_stored(
        store(), review.report_key, mimetype=review.report_content_type, download_name=name
    )


@bp.route("/reviews/<int:review_id>/recommendations", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def edit_recommendations(review_id: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    form = RecommendationForm()
    confirm = ConfirmRecommendationsForm(prefix="confirm")
    if confirm.confirm.data and confirm.validate_on_submit():
        if commit_or_show_error(
            form, lambda: services.confirm_recommendations(current_user, review)
        ):
            return redirect(url_for("peer_qa.show_review", review_id=review.id))
    elif form.validate_on_submit() and commit_or_show_error(
        form, lambda: services.add_recommendation(current_user, review, form.text.data)
    ):
        return redirect(url_for("peer_qa.edit_recommendations", review_id=review.id))
    return render_template(
        "peer_qa/edit_recommendations.html",
        review=review,
        form=form,
        confirm=confirm,
        remove=ActionForm(prefix="remove"),
    )


@bp.route("/reviews/<int:review_id>/recommendations/<int:index>", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def edit_recommendation(review_id: int, index: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    if not 1 <= index <= len(review.recommendations):
        abort(404)
    form = RecommendationForm(data={"text": review.recommendations[index - 1]})
    form.submit.label.text = "Save recommendation"
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: services.change_recommendation(current_user, review, index - 1, form.text.data),
    ):
        return redirect(url_for("peer_qa.edit_recommendations", review_id=review.id))
    return render_template(
        "peer_qa/edit_recommendation.html", review=review, form=form, index=index
    )


@bp.route("/reviews/<int:review_id>/recommendations/<int:index>/remove", methods=["POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def remove_recommendation(review_id: int, index: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    form = ActionForm(prefix="remove")
    if not form.validate_on_submit():
        abort(400)
    try:
        services.remove_recommendation(current_user, review, index - 1)
    except DomainError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(f"Recommendation {index} removed.", "success")
    return redirect(url_for("peer_qa.edit_recommendations", review_id=review.id))


@bp.route("/reviews/<int:review_id>/involvement", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def edit_involvement(review_id: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    data: dict[str, object] = {"version_id": review.version_id}
    saved = review.involvement or {}
    for group in queries.INVOLVEMENT_GROUPS:
        row = saved.get(group)
        if row:
            data[f"{group}_invited"] = "yes" if row["invited"] else "no"
            data[f"{group}_took_part"] = "yes" if row["took_part"] else "no"
            data[f"{group}_how"] = row["how"]
            data[f"{group}_adjustments"] = row["adjustments"]
    data["practitioner_support"] = saved.get("practitioner_support")
    form = InvolvementForm(data=data)
    if form.validate_on_submit():
        answers: dict[str, object] = {
            group: {
                "invited": form[f"{group}_invited"].data == "yes",
                "took_part": form[f"{group}_took_part"].data == "yes",
                "how": form[f"{group}_how"].data,
                "adjustments": form[f"{group}_adjustments"].data,
            }
            for group in queries.INVOLVEMENT_GROUPS
        }
        answers["practitioner_support"] = form.practitioner_support.data
        if commit_or_show_error(
            form,
            lambda: services.save_involvement(
                current_user, review, answers, version_id=form.version()
            ),
        ):
            return redirect(url_for("peer_qa.show_review", review_id=review.id))
    return render_template(
        "peer_qa/edit_involvement.html",
        review=review,
        form=form,
        groups=queries.INVOLVEMENT_GROUPS,
    )


@bp.route("/reviews/<int:review_id>/check", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def check_review(review_id: int) -> View:
    review = _own_draft(review_id)
    if isinstance(review, Response):
        return review
    missing = services.missing_sections(review)
    if missing:
        return redirect(url_for("peer_qa.show_review", review_id=review.id))
    warnings = queries.personal_data_in(review)
    form = SubmitReviewForm()
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: services.submit_review(
            current_user,
            review,
            anonymised=form.anonymised.data,
            personal_data_checked=form.personal_data_checked.data,
            today=today_in_england(),
        ),
    ):
        flash(f"Review submitted for peer QA. Its reference is {review.reference}.", "success")
        return redirect(url_for("peer_qa.show_review", review_id=review.id))
    return render_template(
        "peer_qa/check_review.html",
        review=review,
        form=form,
        warnings=warnings,
        themes=register_reference.current().specialisms.names_of(review.themes),
    )


@bp.route("/reviews/<int:review_id>/respond", methods=["GET", "POST"])
@require_permission(Permission.SUBMIT_REVIEWS)
def respond_to_feedback(review_id: int) -> View:
    review = _own(review_id)
    if review.status is not QaStatus.COMPLETED:
        return redirect(url_for("peer_qa.show_review", review_id=review.id))
    form = ResponseForm()
    if form.validate_on_submit() and commit_or_show_error(
        form, lambda: services.respond_to_feedback(current_user, review, form.response.data)
    ):
        flash("Your response has been sent to the QA lead.", "success")
        return redirect(url_for("peer_qa.show_review", review_id=review.id))
    return render_template("peer_qa/respond_to_feedback.html", review=review, form=form)
