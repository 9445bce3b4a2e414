"""The applicant answers an assessor's request for more information."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import assessment, bp, policies, queries
from portal.applications import assessment_queries as aq
from portal.applications.assessment_forms import InformationResponseForm
from portal.core.dates import today_in_england
from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission

View = str | Response | tuple[str, int]


@bp.route(
    "/applications/<int:application_id>/information-requests/<int:request_id>",
    methods=["GET", "POST"],
)
@require_permission(Permission.APPLY)
def answer_information_request(application_id: int, request_id: int) -> View:
    application = queries.application(application_id)
    if application is None:
        abort(404)
    if not policies.can_answer_information_request(current_user, application):
        abort(403)
    info_request = aq.information_request(application.id, request_id)
    if info_request is None:
        abort(404)
    back = url_for("applications.show_application", application_id=application.id)
    if info_request.responded_at is not None:
        flash("You have already answered this request.")
        return redirect(back)
    form = InformationResponseForm()
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: assessment.answer_information_request(
            current_user, info_request, response=form.response.data or "", today=today_in_england()
        ),
    ):
        flash("Your answer has been sent to your assessors.", "success")
        return redirect(back)
    return render_template(
        "applications/answer_information_request.html",
        application=application,
        info_request=info_request,
        form=form,
    )
