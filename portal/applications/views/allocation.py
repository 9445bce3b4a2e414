"""Administrators allocate two assessors to a submitted application, a moderator when the two
assessments disagree, and hand unfinished work to someone else when an assessor cannot do it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import assessment, bp, queries
from portal.applications import assessment_queries as aq
from portal.applications.assessment_forms import (
    AllocateAssessorsForm,
    AllocateModeratorForm,
    ReplaceAssessorForm,
)
from portal.applications.models import Application, ApplicationStatus
from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, require_permission

View = str | Response | tuple[str, int]


def _load(application_id: int) -> Application:
    application = queries.application(application_id)
    if application is None:
        abort(404)
    return application


def _back(application: Application) -> Response:
    return redirect(url_for("applications.show_application", application_id=application.id))


def _choices(found: aq.Candidates) -> list[tuple[str, str]]:
    return [("", "Select a person")] + [
        (str(c.user.id), f"{c.user.name} ({c.load} open)") for c in found.suggested
    ]


def _person(found: aq.Candidates, raw: str | None) -> User:
    """The chosen person from the whole pool (so that the service can say why not)."""
    candidate = found.find(int(raw)) if raw and raw.isdigit() else None
    if candidate is None:
        abort(400)
    return candidate.user


@bp.route("/admin/applications/<int:application_id>/allocate", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_APPLICATIONS)
def allocate_assessors(application_id: int) -> View:
    application = _load(application_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        flash(f"Application {application.reference} does not need assessors now.")
        return _back(application)
    found = aq.candidates(application, today=today_in_england())
    form = AllocateAssessorsForm()
    form.first_assessor.choices = _choices(found)
    form.second_assessor.choices = _choices(found)
    if not form.is_submitted():
        # The two with the lowest load are suggested.
        picks = [str(c.user.id) for c in found.suggested[:2]]
        form.first_assessor.data = picks[0] if picks else ""
        form.second_assessor.data = picks[1] if len(picks) > 1 else ""
    if form.validate_on_submit():
        first = _person(found, form.first_assessor.data)
        second = _person(found, form.second_assessor.data)
        if commit_or_show_error(
            form,
            lambda: assessment.allocate_assessors(
                current_user,
                application,
                first,
                second,
                today=today_in_england(),
            ),
        ):
            flash(f"Allocated two assessors to {application.reference}.", "success")
            return _back(application)
    return render_template(
        "applications/allocate_assessors.html",
        application=application,
        form=form,
        found=found,
    )


@bp.route("/admin/applications/<int:application_id>/moderator", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_APPLICATIONS)
def allocate_moderator(application_id: int) -> View:
    application = _load(application_id)
    if (
        application.status is not ApplicationStatus.MODERATION
        or aq.moderation_allocation(application.id) is not None
    ):
        flash(f"Application {application.reference} does not need a moderator now.")
        return _back(application)
    assessors = aq.assessment_allocations(application.id)
    found = aq.candidates(
        application,
        today=today_in_england(),
        excluded={a.assessor_id: "Assessed this application" for a in assessors},
    )
    form = AllocateModeratorForm()
    form.moderator.choices = _choices(found)
    if not form.is_submitted() and found.suggested:
        form.moderator.data = str(found.suggested[0].user.id)
    if form.validate_on_submit():
        moderator = _person(found, form.moderator.data)
        if commit_or_show_error(
            form,
            lambda: assessment.allocate_moderator(
                current_user,
                application,
                moderator,
                today=today_in_england(),
            ),
        ):
            flash(f"Allocated a moderator to {application.reference}.", "success")
            return _back(application)
    return render_template(
        "applications/allocate_moderator.html",
        application=application,
        form=form,
        found=found,
        assessors=assessors,
    )


@bp.route(
    "/admin/applications/<int:application_id>/allocations/<int:allocation_id>/replace",
    methods=["GET", "POST"],
)
@require_permission(Permission.MANAGE_APPLICATIONS)
def replace_assessor(application_id: int, allocation_id: int) -> View:
    application = _load(application_id)
    allocation = aq.allocation(allocation_id)
    if allocation is None or allocation.application_id != application.id:
        abort(404)
    if not aq.replaceable(allocation, application):
        flash(f"That work on {application.reference} is not under way: nobody needs replacing.")
        return _back(application)
    found = aq.candidates(
        application,
        today=today_in_england(),
        excluded=assessment.replacement_exclusions(allocation),
    )
    form = ReplaceAssessorForm(data={"version_id": str(allocation.version_id)})
    form.replacement.choices = _choices(found)
    if form.validate_on_submit():
        replacement = _person(found, form.replacement.data)
        if commit_or_show_error(
            form,
            lambda: assessment.replace_assessor(
                current_user,
                allocation,
                replacement,
                reason=form.reason.data or "",
                today=today_in_england(),
                version_id=form.seen_version,
            ),
        ):
            flash(f"{replacement.name} takes over on {application.reference}.", "success")
            return _back(application)
    return render_template(
        "applications/replace_assessor.html",
        application=application,
        allocation=allocation,
        form=form,
        found=found,
    )
