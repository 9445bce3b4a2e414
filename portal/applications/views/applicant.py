"""The applicant's pages: start, the task list and each section, check answers, submit, withdraw;
and the application page that everyone allowed to see it shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.applications import (
    accreditation_queries,
    assessment_queries,
    bp,
    policies,
    queries,
    renewal,
    services,
)
from portal.applications.decisions import appealable
from portal.applications.forms import (
    AGENCY_LABELS,
    ConfirmInterestsForm,
    DbsCheckForm,
    ExperienceForm,
    InterestForm,
    PersonalDetailsForm,
    QualificationsForm,
    RefereeForm,
    RegistrationForm,
    SelfAssessmentForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
    WorkSampleForm,
)
from portal.applications.models import (
    Application,
    ApplicationRoute,
    ApplicationStatus,
    InterestKind,
    RegistrationBody,
)
from portal.applications.tasks import progress, tasks_for
from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import VersionedForm, apply_domain_error, commit_or_show_error
from portal.core.permissions import Permission, require_permission
from portal.core.uploads import UploadStore, send_stored
from portal.organisations import queries as organisation_queries

View = str | Response | tuple[str, int]


def _store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def _load(application_id: int) -> Application:
    application = queries.application(application_id)
    if application is None:
        abort(404)
    if not policies.can_view_application(current_user, application):
        abort(403)
    return application


def _load_draft(application_id: int) -> Application:
    """The applicant's own draft; a submitted one goes back to its page."""
    application = _load(application_id)
    if application.applicant_id != current_user.id:
        abort(403)
    return application


def _submitted_redirect(application: Application) -> Response | None:
    if application.status is not ApplicationStatus.DRAFT:
        flash("This application has been submitted, so its answers can no longer change.")
        return redirect(url_for("applications.show_application", application_id=application.id))
    return None


def _task_list(application: Application) -> Response:
    return redirect(url_for("applications.show_application", application_id=application.id))


@bp.route("/applications")
@require_permission(Permission.APPLY)
def list_applications() -> View:
    return render_template(
        "applications/list_applications.html",
        applications=queries.applications_of(current_user.id),
        schemes=queries.open_schemes(),
        renewable=renewal.renewable_record(current_user, today=today_in_england()),
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def start_application() -> View:
    schemes = queries.open_schemes()
    form = StartForm()
    form.scheme.choices = [(str(s.id), s.name) for s in schemes]
    if len(schemes) == 1 and not form.is_submitted():
        form.scheme.data = str(schemes[0].id)
    if form.validate_on_submit():
        scheme = queries.scheme(int(form.scheme.data))
        if scheme is None:
            abort(404)
        created: list[Application] = []
        if commit_or_show_error(
            form,
            lambda: created.append(
                services.start_application(current_user, scheme, ApplicationRoute(form.route.data))
            ),
        ):
            return redirect(url_for("applications.show_application", application_id=created[0].id))
    return render_template("applications/start_application.html", form=form, schemes=schemes)


@bp.route("/applications/<int:application_id>")
@require_permission(Permission.APPLY)
def show_application(application_id: int) -> View:
    application = _load(application_id)
    competencies = queries.competencies(application.framework_id)
    state = progress(
        application,
        competencies,
        today=today_in_england(),
        cpd_met=services.cpd_met(application, today_in_england()),
        qa_reviews=services.qa_reviews_in_term(application),
    )
    is_admin = current_user.has_permission(Permission.MANAGE_APPLICATIONS)
    # Assessors see the answers, never the outcome: a calibration exercise must stay blind.
    sees_outcome = is_admin or application.applicant_id == current_user.id
    decided = accreditation_queries.decisions_of(application.id) if sees_outcome else []
    latest = decided[0] if decided else None
    return render_template(
        "applications/show_application.html",
        decisions=decided,
        appeals=accreditation_queries.appeals_of(application.id) if sees_outcome else [],
        agreed=accreditation_queries.agreed_scores(application.id) if latest else [],
        feedback=accreditation_queries.assessor_feedback(application.id) if latest else [],
        can_decide=is_admin and application.status is ApplicationStatus.AWAITING_DECISION,
        can_hear_appeal=is_admin and application.status is ApplicationStatus.APPEALED,
        can_appeal=application.applicant_id == current_user.id
        and application.status is ApplicationStatus.DECIDED
        and latest is not None
        and not latest.on_appeal
        and appealable(latest)
        and today_in_england() <= latest.appeal_by,
        application=application,
        competencies=competencies,
        assessed=queries.self_assessment_map(application),
        progress=state,
        tasks=tasks_for(application),
        is_applicant=application.applicant_id == current_user.id,
        can_edit=policies.can_edit_application(current_user, application),
        can_withdraw=policies.can_withdraw_application(current_user, application),
        agency_labels=AGENCY_LABELS,
        open_request=assessment_queries.open_information_request(application.id)
        if application.applicant_id == current_user.id
        else None,
        overview=assessment_queries.admin_overview(application)
        if current_user.has_permission(Permission.MANAGE_APPLICATIONS)
        else None,
    )


def _section(
    application_id: int,
    section: str,
    form_class: type[VersionedForm],
    *,
    load: Callable[[Application], dict[str, Any]],
    save: Callable[[Any], dict[str, Any]],
    prepare: Callable[[Any], None] | None = None,
) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    form = form_class(data={**load(application), "version_id": application.version_id})
    if prepare is not None:
        prepare(form)
    if form.validate_on_submit():
        if commit_or_show_error(
            form,
            lambda: services.save_section(
                current_user,
                application,
                section,
                save(form),
                version_id=form.seen_version,
            ),
        ):
            return _task_list(application)
        # Told once that someone else saved first, a second save is a deliberate choice.
        form.version_id.data = str(application.version_id)
    return render_template(
        f"applications/edit_{section.replace('-', '_')}.html",
        application=application,
        form=form,
    )


def _strip(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


@bp.route("/applications/<int:application_id>/personal-details", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_personal_details(application_id: int) -> View:
    def prepare(form: Any) -> None:
        form.home_region_code.choices = [("", "Select a region")] + [
            (r.code, r.name) for r in organisation_queries.regions()
        ]

    return _section(
        application_id,
        "personal-details",
        PersonalDetailsForm,
        load=lambda a: {
            "full_name": a.full_name,
            "phone": a.phone,
            "home_region_code": a.home_region_code,
        },
        save=lambda f: {
            "full_name": _strip(f.full_name.data),
            "phone": _strip(f.phone.data),
            "home_region_code": f.home_region_code.data,
        },
        prepare=prepare,
    )


@bp.route("/applications/<int:application_id>/registration", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_registration(application_id: int) -> View:
    def save(form: Any) -> dict[str, Any]:
        body = RegistrationBody(form.registration_body.data)
        return {
            "registration_body": body,
            "registration_body_other": _strip(form.registration_body_other.data)
            if body is RegistrationBody.OTHER
            else None,
            "registration_number": None
            if body is RegistrationBody.NONE
            else _strip(form.registration_number.data),
        }

    return _section(
        application_id,
        "registration",
        RegistrationForm,
        load=lambda a: {
            "registration_body": a.registration_body.value if a.registration_body else None,
            "registration_body_other": a.registration_body_other,
            "registration_number": a.registration_number,
        },
        save=save,
    )


@bp.route("/applications/<int:application_id>/experience", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_experience(application_id: int) -> View:
    fields = ("reviews_led", "reviews_co_led", "years_in_practice", "agencies")
    return _section(
        application_id,
        "experience",
        ExperienceForm,
        load=lambda a: {
            **{name: getattr(a, name) for name in fields},
            "experience_summary": a.experience_summary,
        },
        save=lambda f: {
            **{name: getattr(f, name).data for name in fields},
            "experience_summary": _strip(f.experience_summary.data),
        },
    )


@bp.route("/applications/<int:application_id>/qualifications", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_qualifications(application_id: int) -> View:
    return _section(
        application_id,
        "qualifications",
        QualificationsForm,
        load=lambda a: {"qualifications": a.qualifications, "review_training": a.review_training},
        save=lambda f: {
            "qualifications": _strip(f.qualifications.data),
            "review_training": _strip(f.review_training.data),
        },
    )


@bp.route("/applications/<int:application_id>/dbs-check", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_dbs_check(application_id: int) -> View:
    def load(a: Application) -> dict[str, Any]:
        update = None if a.dbs_update_service is None else ("yes" if a.dbs_update_service else "no")
        return {
            "dbs_certificate_number": a.dbs_certificate_number,
            "dbs_issued_on": a.dbs_issued_on,
            "dbs_update_service": update,
        }

    def save(form: Any) -> dict[str, Any]:
        issued = form.dbs_issued_on.data
        if issued is not None and issued > today_in_england():
            raise DomainError(
                "The date of issue must be today or in the past", field="dbs_issued_on"
            )
        return {
            "dbs_certificate_number": "".join((form.dbs_certificate_number.data or "").split()),
            "dbs_issued_on": issued,
            "dbs_update_service": form.dbs_update_service.data == "yes",
        }

    return _section(application_id, "dbs-check", DbsCheckForm, load=load, save=save)


# Declarations of interest


@bp.route("/applications/<int:application_id>/interests", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def list_interests(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    form = InterestForm()
    groups = _organisation_choices(form)
    confirm = ConfirmInterestsForm(data={"version_id": application.version_id}, prefix="confirm")
    if form.submit.data and form.validate_on_submit():
        organisation = organisation_queries.current_organisation(form.organisation.data)
        if organisation is None:
            apply_domain_error(form, "Select the organisation", "organisation")
        elif commit_or_show_error(
            form,
            lambda: services.add_interest(
                current_user,
                application,
                organisation=organisation,
                kind=InterestKind(form.kind.data),
                details=form.details.data or "",
                started_on=form.started_on.data,
                ended_on=form.ended_on.data,
                today=today_in_england(),
            ),
        ):
            flash(f"Declared your connection with {organisation.name}.", "success")
            return redirect(url_for("applications.list_interests", application_id=application.id))
    return _render_interests(application, form=form, add_form=form, confirm=confirm, groups=groups)


# Longest text the organisation finder takes; longer is cut, not refused.
FIND_MAX = 100


def _organisation_choices(form: InterestForm) -> list[organisation_queries.OptionGroup]:
    """Every current organisation may be declared; the select shows them grouped by kind."""
    groups = organisation_queries.grouped_options()
    form.organisation.choices = [(0, "Select an organisation")] + [
        option for group in groups for option in group.options
    ]
    return groups


def _render_interests(
    application: Application,
    *,
    groups: list[organisation_queries.OptionGroup],
    **forms: object,
) -> str:
    find = " ".join(request.args.get("find", "").split())[:FIND_MAX]
    shown = organisation_queries.narrowed(groups, find)
    return render_template(
        "applications/list_interests.html",
        application=application,
        groups=shown,
        find=find,
        matches=sum(len(group.options) for group in shown),
        **forms,
    )


@bp.route("/applications/<int:application_id>/interests/confirm", methods=["POST"])
@require_permission(Permission.APPLY)
def confirm_interests(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    confirm = ConfirmInterestsForm(prefix="confirm")
    if confirm.validate_on_submit() and commit_or_show_error(
        confirm,
        lambda: services.confirm_interests(
            current_user, application, version_id=confirm.seen_version
        ),
    ):
        return _task_list(application)
    form = InterestForm()
    groups = _organisation_choices(form)
    # The error summary shows the form that was sent.
    return _render_interests(
        application, form=confirm, add_form=form, confirm=confirm, groups=groups
    )


@bp.route("/applications/<int:application_id>/interests/<int:interest_id>/remove", methods=["POST"])
@require_permission(Permission.APPLY)
def remove_interest(application_id: int, interest_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    interest = next((i for i in application.interests if i.id == interest_id), None)
    if interest is None:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        name = interest.organisation.name
        if commit_or_show_error(
            form, lambda: services.remove_interest(current_user, application, interest)
        ):
            flash(f"Removed your declaration about {name}.", "success")
    return redirect(url_for("applications.list_interests", application_id=application.id))


# Referees


@bp.route("/applications/<int:application_id>/referees")
@require_permission(Permission.APPLY)
def list_referees(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    required = int(application.scheme.settings.get("referees_required", 2))
    slots = [(n, queries.referee(application, n)) for n in range(1, required + 1)]
    return render_template("applications/list_referees.html", application=application, slots=slots)


@bp.route("/applications/<int:application_id>/referees/<int:position>", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def edit_referee(application_id: int, position: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    required = int(application.scheme.settings.get("referees_required", 2))
    if not 1 <= position <= required:
        abort(404)
    referee = queries.referee(application, position)
    data = (
        {
            "name": referee.name,
            "email": referee.email,
            "job_title": referee.job_title,
            "relationship": referee.relationship_to_applicant,
        }
        if referee
        else {}
    )
    form = RefereeForm(data=data)
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: services.save_referee(
            current_user,
            application,
            position,
            name=form.name.data or "",
            email=form.email.data or "",
            job_title=form.job_title.data or "",
            relationship=form.relationship.data or "",
        ),
    ):
        return redirect(url_for("applications.list_referees", application_id=application.id))
    return render_template(
        "applications/edit_referee.html", application=application, form=form, position=position
    )


# Self-assessment


@bp.route("/applications/<int:application_id>/self-assessment")
@require_permission(Permission.APPLY)
def list_self_assessment(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    return render_template(
        "applications/list_self_assessment.html",
        application=application,
        competencies=queries.competencies(application.framework_id),
        assessed=queries.self_assessment_map(application),
    )


@bp.route(
    "/applications/<int:application_id>/self-assessment/<int:competency_id>",
    methods=["GET", "POST"],
)
@require_permission(Permission.APPLY)
def edit_self_assessment(application_id: int, competency_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    competencies = queries.competencies(application.framework_id)
    index = next((i for i, c in enumerate(competencies) if c.id == competency_id), None)
    if index is None:
        abort(404)
    competency = competencies[index]
    entry = queries.self_assessment_map(application).get(competency.id)
    form = SelfAssessmentForm(
        data={
            "level": entry.level if entry else None,
            "narrative": entry.narrative if entry else None,
            "version_id": entry.version_id if entry else "",
        }
    )
    scale = application.framework.scale
    form.level.choices = [
        (int(step["score"]), f"{step['score']}: {step['label']}") for step in scale
    ]
    if form.validate_on_submit():
        seen = form.version_id.data
        if commit_or_show_error(
            form,
            lambda: services.save_self_assessment(
                current_user,
                application,
                competency,
                level=int(form.level.data),
                narrative=(form.narrative.data or "").strip(),
                version_id=int(seen) if seen and str(seen).isdigit() else None,
            ),
        ):
            following = competencies[index + 1] if index + 1 < len(competencies) else None
            if following is not None:
                return redirect(
                    url_for(
                        "applications.edit_self_assessment",
                        application_id=application.id,
                        competency_id=following.id,
                    )
                )
            return redirect(
                url_for("applications.list_self_assessment", application_id=application.id)
            )
        current = queries.self_assessment_map(application).get(competency.id)
        form.version_id.data = str(current.version_id) if current else ""
    return render_template(
        "applications/edit_self_assessment.html",
        application=application,
        competency=competency,
        number=index + 1,
        total=len(competencies),
        form=form,
        descriptors=competency.descriptors,
        scale=scale,
    )


# Work samples


@bp.route("/applications/<int:application_id>/work-samples", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def list_work_samples(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    form = WorkSampleForm()
    limits = application.scheme.settings.get("work_samples", {})
    if form.validate_on_submit():
        store = _store()
        upload = form.file.data
        stored: list[str] = []

        def add() -> None:
            sample = services.add_work_sample(
                current_user,
                application,
                title=form.title.data or "",
                filename=upload.filename or "",
                stream=upload.stream,
                store=store,
            )
            stored.append(sample.storage_key)

        try:
            saved = commit_or_show_error(form, add)
        except Exception:
            for key in stored:
                store.delete(key)
            raise
        if saved:
            flash(f"Uploaded {form.title.data}.", "success")
            return redirect(
                url_for("applications.list_work_samples", application_id=application.id)
            )
    return render_template(
        "applications/list_work_samples.html",
        application=application,
        form=form,
        limits=limits,
    )


@bp.route(
    "/applications/<int:application_id>/work-samples/<int:sample_id>/remove", methods=["POST"]
)
@require_permission(Permission.APPLY)
def remove_work_sample(application_id: int, sample_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    sample = queries.work_sample(application, sample_id)
    if sample is None:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        title = sample.title
        keys: list[str] = []
        if commit_or_show_error(
            form,
            lambda: keys.append(services.remove_work_sample(current_user, application, sample)),
        ):
            for key in keys:
                _store().delete(key)
            flash(f"Removed {title}.", "success")
    return redirect(url_for("applications.list_work_samples", application_id=application.id))


@bp.route("/applications/<int:application_id>/work-samples/<int:sample_id>")
@require_permission(Permission.APPLY)
def download_work_sample(application_id: int, sample_id: int) -> Response:
    application = _load(application_id)
    sample = queries.work_sample(application, sample_id)
    if sample is None:
        abort(404)
    return send_stored(
        _store(),
        sample.storage_key,
        mimetype=sample.content_type,
        download_name=sample.original_name,
    )


# Check answers, submit, withdraw


@bp.route("/applications/<int:application_id>/check-answers", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def check_answers(application_id: int) -> View:
    application = _load_draft(application_id)
    if (back := _submitted_redirect(application)) is not None:
        return back
    competencies = queries.competencies(application.framework_id)
    state = progress(
        application,
        competencies,
        today=today_in_england(),
        cpd_met=services.cpd_met(application, today_in_england()),
        qa_reviews=services.qa_reviews_in_term(application),
    )
    form = SubmitForm(data={"version_id": application.version_id})
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: services.submit_application(
            current_user,
            application,
            competencies,
            declaration=bool(form.declaration.data),
            version_id=form.seen_version,
            today=today_in_england(),
        ),
    ):
        return redirect(
            url_for("applications.application_submitted", application_id=application.id)
        )
    return render_template(
        "applications/check_answers.html",
        application=application,
        competencies=competencies,
        assessed=queries.self_assessment_map(application),
        progress=state,
        tasks=tasks_for(application),
        form=form,
        agency_labels=AGENCY_LABELS,
    )


@bp.route("/applications/<int:application_id>/submitted")
@require_permission(Permission.APPLY)
def application_submitted(application_id: int) -> View:
    application = _load_draft(application_id)
    if application.submitted_at is None:
        return _task_list(application)
    return render_template("applications/application_submitted.html", application=application)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@require_permission(Permission.APPLY)
def withdraw_application(application_id: int) -> View:
    application = _load(application_id)
    if not policies.can_withdraw_application(current_user, application):
        abort(403)
    form = WithdrawForm(data={"version_id": application.version_id})
    if form.validate_on_submit() and commit_or_show_error(
        form,
        lambda: services.withdraw_application(
            current_user, application, reason=form.reason.data or "", version_id=form.seen_version
        ),
    ):
        flash(f"Application {application.reference} has been withdrawn.", "success")
        return redirect(url_for("applications.show_application", application_id=application.id))
    return render_template(
        "applications/withdraw_application.html", application=application, form=form
    )
