"""CPD audit pages: administrators open cycles, allocate assessors, decide proposals and read
any reviewer's record; assessors review submitted records; reviewers submit theirs."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission, require_sign_in
from portal.core.uploads import UploadStore, send_stored
from portal.cpd import audit, audit_queries, bp, policies, queries
from portal.cpd.audit_forms import (
    AllocateAssessorForm,
    AuditReviewForm,
    DecideProposalForm,
    OpenCycleForm,
    PutRightForm,
    SubmitAuditForm,
)
from portal.cpd.audit_models import AuditOutcome, AuditStatus, CpdAuditSelection
from portal.cpd.models import ACTIVITY_LABELS
from portal.cpd.rules import format_hours
from portal.extensions import db

View = str | Response | tuple[str, int]


def _run(form: FlaskForm, action: Callable[[], object]) -> bool:
    """Run the service and commit; a broken rule rolls back and shows on the form."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        if isinstance(exc, audit.AuditProblems):
            for field, message in exc.problems:
                apply_domain_error(form, message, field)
        else:
            apply_domain_error(form, exc.message, exc.field)
        return False
    db.session.commit()
    return True


def _selection(selection_id: int) -> CpdAuditSelection:
    selection = audit_queries.selection(selection_id)
    if selection is None:
        abort(404)
    return selection


def _record_context(selection: CpdAuditSelection) -> dict[str, object]:
    today = today_in_england()
    return {
        "selection": selection,
        "entries": audit_queries.audited_entries(selection),
        "judgement": audit_queries.audited_judgement(selection, today=today),
        "choices": {c.code: c for c in queries.competencies_for(selection.record)},
        "feedback": [
            f
            for f in queries.feedback_of(selection.record_id)
            if selection.year_starts_on <= f.received_on <= selection.year_ends_on
        ],
        "first_review": audit_queries.review_by(selection, 1)
        if policies.can_see_first_review(current_user, selection)
        else None,
        "second_review": audit_queries.review_by(selection, 2),
        "activity_labels": ACTIVITY_LABELS,
        "format_hours": format_hours,
        "today": today,
    }


# Administrators: cycles


@bp.route("/audit")
@require_permission(Permission.MANAGE_CPD)
def list_audit_cycles() -> View:
    return render_template(
        "cpd/audit/list_audit_cycles.html",
        counts=audit_queries.outcome_counts(today=today_in_england()),
    )


@bp.route("/audit/new", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CPD)
def open_audit_cycle() -> View:
    schemes = audit_queries.schemes()
    form = OpenCycleForm()
    form.scheme.choices = [(s.id, s.name) for s in schemes]
    if len(schemes) == 1 and form.scheme.data is None:
        form.scheme.data = schemes[0].id
    rates = {}
    for scheme in schemes:
        try:
            rates[scheme.id] = audit_queries.audit_settings(scheme)
        except audit_queries.AuditSettingsInvalid:
            continue
    if form.validate_on_submit():
        chosen = audit_queries.scheme(form.scheme.data)
        if chosen is None:
            abort(404)
        opened = []

        def draw() -> None:
            opened.append(
                audit.open_cycle(
                    current_user,
                    chosen,
                    percent=form.percent_value,
                    today=today_in_england(),
                )
            )

        if _run(form, draw):
            cycle = opened[0]
            flash(f"Drew {len(cycle.selections)} reviewer(s) for audit.", "success")
            return redirect(url_for("cpd.show_audit_cycle", cycle_id=cycle.id))
    return render_template(
        "cpd/audit/open_audit_cycle.html", form=form, schemes=schemes, rates=rates
    )


@bp.route("/audit/<int:cycle_id>")
@require_permission(Permission.MANAGE_CPD)
def show_audit_cycle(cycle_id: int) -> View:
    cycle = audit_queries.cycle(cycle_id)
    if cycle is None:
        abort(404)
    today = today_in_england()
    return render_template(
        "cpd/audit/show_audit_cycle.html",
        cycle=cycle,
        selections=audit_queries.selections_of(cycle.id),
        counts=audit_queries.cycle_counts(cycle.id, today=today),
        check=audit_queries.draw_check(cycle),
        today=today,
        statuses=AuditStatus,
    )


@bp.route("/audit/records/<int:selection_id>/allocate", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CPD)
def allocate_audit_assessor(selection_id: int) -> View:
    selection = _selection(selection_id)
    stage = selection.stage
    if stage is None:
        flash("This audit is not waiting for an assessor.")
        return redirect(url_for("cpd.show_audit_cycle", cycle_id=selection.cycle_id))
    # Conflict-free choices: never the reviewer or their mentor or mentee, nor the first
    # assessor for a second review.
    excluded = {selection.user_id, current_user.id} | audit_queries.mentoring_links(
        selection.user_id
    )
    if stage == 2 and selection.first_assessor_id:
        excluded.add(selection.first_assessor_id)
    people = [p for p in audit_queries.assessors() if p.id not in excluded]
    form = AllocateAssessorForm(version_id=selection.version_id)
    form.assessor.choices = [(p.id, p.name) for p in people]
    if form.validate_on_submit():
        chosen = audit_queries.user(form.assessor.data)
        if chosen is None:
            apply_domain_error(form, "Select an assessor", "assessor")
        elif _run(
            form,
            lambda: audit.allocate_assessor(
                current_user, selection, chosen, version_id=form.seen_version
            ),
        ):
            flash(f"{chosen.name} will assess {selection.record.number}.", "success")
            return redirect(url_for("cpd.show_audit_cycle", cycle_id=selection.cycle_id))
        else:
            selection = _selection(selection_id)
            form.version_id.data = str(selection.version_id)
    return render_template(
        "cpd/audit/allocate_audit_assessor.html",
        selection=selection,
        stage=stage,
        form=form,
        people=people,
    )


@bp.route("/audit/records/<int:selection_id>/proposal", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CPD)
def decide_audit_proposal(selection_id: int) -> View:
    selection = _selection(selection_id)
    if selection.status is not AuditStatus.PROPOSED:
        flash("There is no proposed change to decide for this audit.")
        return redirect(url_for("cpd.show_audit", selection_id=selection.id))
    form = DecideProposalForm(version_id=selection.version_id)
    if form.validate_on_submit():
        if _run(
            form,
            lambda: (
                audit.give_more_time(
                    current_user,
                    selection,
                    new_deadline=form.new_deadline.data,
                    note=form.note.data or "",
                    today=today_in_england(),
                    version_id=form.seen_version,
                )
                if form.decision.data == "more_time"
                else audit.decide_proposal(
                    current_user,
                    selection,
                    accept=form.decision.data == "accept",
                    note=form.note.data or "",
                    version_id=form.seen_version,
                )
            ),
        ):
            flash("Decision saved.", "success")
            return redirect(url_for("cpd.show_audit_cycle", cycle_id=selection.cycle_id))
        selection = _selection(selection_id)
        form.version_id.data = str(selection.version_id)
    return render_template("cpd/audit/decide_audit_proposal.html", selection=selection, form=form)


# Administrators: any reviewer's record, read-only


@bp.route("/audit/reviewers")
@require_permission(Permission.MANAGE_CPD)
def list_reviewer_records() -> View:
    return render_template(
        "cpd/audit/list_reviewer_records.html", records=audit_queries.reviewer_records()
    )


@bp.route("/audit/reviewers/<int:record_id>")
@require_permission(Permission.MANAGE_CPD)
def show_reviewer_record(record_id: int) -> View:
    record = audit_queries.record(record_id)
    if record is None:
        abort(404)
    today = today_in_england()
    return render_template(
        "cpd/audit/show_reviewer_record.html",
        record=record,
        progress=queries.progress(record, today=today),
        entries=queries.entries_of(record.id),
        audits=audit_queries.audits_of_record(record.id),
        activity_labels=ACTIVITY_LABELS,
        format_hours=format_hours,
        today=today,
    )


# Assessors


@bp.route("/audit/assessments")
@require_permission(Permission.ASSESS_CPD)
def list_audit_assessments() -> View:
    return render_template(
        "cpd/audit/list_audit_assessments.html",
        selections=audit_queries.assessments_for(current_user.id),
    )


@bp.route("/audit/records/<int:selection_id>")
@require_sign_in
def show_audit(selection_id: int) -> View:
    selection = _selection(selection_id)
    if not policies.can_read_audit(current_user, selection):
        abort(403)
    return render_template("cpd/audit/show_audit.html", **_record_context(selection))


@bp.route("/audit/records/<int:selection_id>/assess", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_CPD)
def assess_audit(selection_id: int) -> View:
    selection = _selection(selection_id)
    if not policies.can_read_audit(current_user, selection):
        abort(403)
    stage = selection.stage
    if stage is None or selection.assessor_for(stage) != current_user.id:
        return redirect(url_for("cpd.show_audit", selection_id=selection.id))
    form = AuditReviewForm(version_id=selection.version_id)
    if stage == 1:
        form.outcome.description = (
            "If you do not accept the record, a second assessor will review it independently."
        )
    if form.validate_on_submit():
        outcome = AuditOutcome(form.outcome.data)
        if _run(
            form,
            lambda: audit.record_review(
                current_user,
                selection,
                outcome=outcome,
                feedback=form.feedback.data or "",
                plan_actions=form.plan_actions.data,
                plan_due_on=form.plan_due_on.data,
                today=today_in_england(),
                version_id=form.seen_version,
            ),
        ):
            flash(f"Outcome recorded: {outcome.label.lower()}.", "success")
            return redirect(url_for("cpd.list_audit_assessments"))
        selection = _selection(selection_id)
        form.version_id.data = str(selection.version_id)
    return render_template(
        "cpd/audit/assess_audit.html", form=form, stage=stage, **_record_context(selection)
    )


@bp.route("/audit/records/<int:selection_id>/plan", methods=["GET", "POST"])
@require_permission(Permission.ASSESS_CPD)
def confirm_audit_plan(selection_id: int) -> View:
    selection = _selection(selection_id)
    if selection.second_assessor_id != current_user.id:
        abort(403)
    if selection.status is not AuditStatus.DEVELOPMENT_PLAN:
        return redirect(url_for("cpd.show_audit", selection_id=selection.id))
    form = PutRightForm(version_id=selection.version_id)
    if form.validate_on_submit():
        if _run(
            form,
            lambda: audit.confirm_put_right(
                current_user, selection, note=form.note.data or "", version_id=form.seen_version
            ),
        ):
            flash("The development plan is complete.", "success")
            return redirect(url_for("cpd.list_audit_assessments"))
        selection = _selection(selection_id)
        form.version_id.data = str(selection.version_id)
    return render_template(
        "cpd/audit/confirm_audit_plan.html", form=form, **_record_context(selection)
    )


@bp.route("/audit/records/<int:selection_id>/evidence/<int:evidence_id>")
@require_sign_in
def download_audit_evidence(selection_id: int, evidence_id: int) -> Response:
    selection = _selection(selection_id)
    if not policies.can_read_audit(current_user, selection):
        abort(403)
    evidence = next(
        (
            e
            for entry in audit_queries.audited_entries(selection)
            for e in entry.evidence
            if e.id == evidence_id
        ),
        None,
    )
    if evidence is None:
        abort(404)
    return send_stored(
        UploadStore(current_app.config["UPLOAD_DIR"]),
        evidence.storage_key,
        mimetype=evidence.content_type,
        download_name=evidence.original_name,
    )


# Reviewers


@bp.route("/audit/records/<int:selection_id>/submit", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def submit_audit(selection_id: int) -> View:
    selection = _selection(selection_id)
    if not policies.can_submit_audit(current_user, selection):
        abort(403)
    if selection.status is not AuditStatus.REQUESTED:
        flash("You have submitted this record for audit.")
        return redirect(url_for("cpd.show_progress"))
    form = SubmitAuditForm()
    if form.validate_on_submit() and _run(
        form,
        lambda: audit.submit_record(
            current_user,
            selection,
            statement=form.statement.data or "",
            declared=bool(form.declaration.data),
            today=today_in_england(),
        ),
    ):
        flash("Your CPD record has been submitted for audit.", "success")
        return redirect(url_for("cpd.show_progress"))
    context = _record_context(selection)
    context["first_review"] = context["second_review"] = None
    return render_template("cpd/audit/submit_audit.html", form=form, **context)
