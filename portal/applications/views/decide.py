"""Decisions and appeals: the administrator decides, the applicant may appeal, and someone not
involved before hears the appeal."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import accreditation_queries, bp, decisions, queries
from portal.applications.forms import AppealForm, DecisionForm, HearAppealForm
from portal.applications.models import (
    AppealOutcome,
    Application,
    ApplicationStatus,
    Outcome,
)
from portal.core.dates import today_in_england
from portal.core.forms import apply_domain_error, commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.framework.models import Competency

View = str | Response | tuple[str, int]


def _load(application_id: int) -> Application:
    application = queries.application(application_id)
    if application is None:
        abort(404)
    return application


def _prepare(form: DecisionForm, application: Application, competencies: list[Competency]) -> None:
    form.level.choices = [("", "Select a level")] + [
        (str(level["code"]), str(level["name"]))
        for level in application.scheme.settings.get("levels", [])
    ]
    form.development_competencies.choices = [(c.code, f"{c.code} {c.title}") for c in competencies]


def _decision_input(form: DecisionForm) -> decisions.DecisionInput:
    return decisions.DecisionInput(
        outcome=Outcome(form.outcome.data),
        reasons=form.reasons.data or "",
        level=form.level.data or None,
        conditions=form.conditions.data,
        development_plan=form.development_plan.data,
        development_competencies=tuple(form.development_competencies.data or ()),
        reapply_from=form.reapply_from.data,
    )


@bp.route("/admin/applications/<int:application_id>/decision", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_APPLICATIONS)
def record_decision(application_id: int) -> View:
    application = _load(application_id)
    if application.status is not ApplicationStatus.AWAITING_DECISION:
        abort(404)
    involved = current_user.id in decisions.involved_people(application)
    competencies = queries.competencies(application.framework_id)
    form = DecisionForm()
    _prepare(form, application, competencies)
    if (
        not involved
        and form.validate_on_submit()
        and commit_or_show_error(
            form,
            lambda: decisions.record_decision(
                current_user,
                application,
                _decision_input(form),
                competencies,
                today=today_in_england(),
            ),
        )
    ):
        flash(f"Decision recorded on {application.reference}. The applicant has been emailed.")
        return redirect(url_for("applications.show_application", application_id=application.id))
    return render_template(
        "applications/record_decision.html",
        application=application,
        form=form,
        involved=involved,
        agreed=accreditation_queries.agreed_scores(application.id),
    )


@bp.route("/applications/<int:application_id>/appeal", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def lodge_appeal(application_id: int) -> View:
    application = _load(application_id)
    if application.applicant_id != current_user.id:
        abort(403)
    decision = decisions.current_decision(application)
    if (
        application.status is not ApplicationStatus.DECIDED
        or decision is None
        or decision.on_appeal
        or not decisions.appealable(decision)
    ):
        abort(404)
    form = AppealForm()
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: decisions.lodge_appeal(
            current_user, application, grounds=form.grounds.data or "", today=today_in_england()
        ),
    ):
        flash(
            "Your appeal has been sent. Someone who was not involved in the decision will hear it."
        )
        return redirect(url_for("applications.show_application", application_id=application.id))
    return render_template(
        "applications/lodge_appeal.html", application=application, decision=decision, form=form
    )


@bp.route("/admin/applications/<int:application_id>/appeal", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_APPLICATIONS)
def hear_appeal(application_id: int) -> View:
    application = _load(application_id)
    appeal = decisions.open_appeal(application)
    if application.status is not ApplicationStatus.APPEALED or appeal is None:
        abort(404)
    involved = current_user.id in decisions.involved_people(application)
    competencies = queries.competencies(application.framework_id)
    form = HearAppealForm()
    _prepare(form, application, competencies)
    if not involved and form.validate_on_submit():
        outcome = AppealOutcome(form.appeal_outcome.data)
        if outcome is AppealOutcome.UPHELD and not form.outcome.data:
            apply_domain_error(form, "Select the new decision", "outcome")
        elif commit_or_show_error(
            form,
            lambda: decisions.hear_appeal(
                current_user,
                application,
                outcome=outcome,
                reasons=form.appeal_reasons.data or "",
                new_decision=_decision_input(form) if outcome is AppealOutcome.UPHELD else None,
                competencies=competencies,
                today=today_in_england(),
            ),
        ):
            flash(f"The appeal on {application.reference} has been heard.")
            return redirect(url_for("applications.show_application", application_id=application.id))
    return render_template(
        "applications/hear_appeal.html",
        application=application,
        appeal=appeal,
        form=form,
        involved=involved,
    )
