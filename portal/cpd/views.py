"""CPD pages: the reviewer's progress, activities, evidence and feedback; administrators'
requirement versions."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.applications.models import AccreditationRecord
from portal.core.csv_files import NotACsvFile
from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission, require_sign_in
from portal.core.uploads import UploadStore, send_stored
from portal.core.versioned_documents import DocumentKind, confirm_change
from portal.cpd import audit_queries, bp, policies, queries, services
from portal.cpd.diff import diff_requirements
from portal.cpd.forms import (
    ConfirmImportForm,
    CorrectionForm,
    EntryForm,
    EvidenceForm,
    FeedbackForm,
    ImportForm,
)
from portal.cpd.frames import activities_frame, to_csv, to_xlsx
from portal.cpd.imports import (
    COLUMN_LABELS,
    COLUMNS,
    MAX_IMPORT_BYTES,
    ImportCheck,
    ImportContext,
    ImportRow,
    check_file,
    template_csv,
)
from portal.cpd.models import (
    ACTIVITY_LABELS,
    CpdEntry,
    CpdRequirementVersion,
    FeedbackSource,
    RequirementStatus,
)
from portal.cpd.rules import cpd_years, format_hours, is_locked
from portal.extensions import db

View = str | Response | tuple[str, int]
STALE_REQUIREMENTS = (
    "Someone else changed these requirements while you were looking at them. Check them again."
)


def _store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def _own_record() -> AccreditationRecord | None:
    return queries.cpd_record_for(current_user.id)


def _load_entry(entry_id: int) -> CpdEntry:
    entry = queries.entry(entry_id)
    if entry is None:
        abort(404)
    if not policies.can_view_entry(current_user, entry):
        abort(403)
    return entry


def _load_own_entry(entry_id: int) -> CpdEntry:
    entry = _load_entry(entry_id)
    if not policies.can_change_entry(current_user, entry):
        abort(403)
    return entry


def _locked(entry: CpdEntry) -> bool:
    record = entry.record
    return is_locked(
        cpd_years(record.starts_on, record.expires_on), entry.counts_on, today_in_england()
    )


def _apply_error(form: FlaskForm, exc: DomainError) -> None:
    if isinstance(exc, services.EntryProblems):
        for field, message in exc.problems:
            apply_domain_error(form, message, field)
    else:
        apply_domain_error(form, exc.message, exc.field)


def _run(form: FlaskForm, action: Callable[[], object]) -> list[services.FieldFinding] | bool:
    """Run the service and commit; on a rule broken roll back and show it on the form. Returns
    True when saved, the findings when the text needs a second look, else False."""
    try:
        action()
    except services.PossiblePersonalData as exc:
        db.session.rollback()
        return exc.findings
    except DomainError as exc:
        db.session.rollback()
        _apply_error(form, exc)
        return False
    db.session.commit()
    return True


# The reviewer's record


@bp.route("")
@require_permission(Permission.KEEP_CPD)
def show_progress() -> View:
    record = _own_record()
    audits = audit_queries.open_audits_of(current_user.id)
    finished = audit_queries.finished_audits_of(current_user.id)
    if record is None:
        return render_template(
            "cpd/show_progress.html", record=None, audits=audits, finished=finished
        )
    state = queries.progress(record, today=today_in_england())
    return render_template(
        "cpd/show_progress.html",
        record=record,
        audits=audits,
        finished=finished,
        progress=state,
        entries=queries.entries_of(record.id),
        today=today_in_england(),
        activity_labels=ACTIVITY_LABELS,
        format_hours=format_hours,
    )


def _prepare(form: EntryForm, record: AccreditationRecord) -> list[queries.CompetencyChoice]:
    choices = queries.competencies_for(record)
    form.competencies.choices = [(c.code, f"{c.code} {c.title}") for c in choices]
    return choices


def _entry_form_data(entry: CpdEntry) -> dict[str, object]:
    return {
        "version_id": entry.version_id,
        "activity_type": entry.activity_type.value if entry.activity_type else None,
        "title": entry.title,
        "description": entry.description,
        "relevance": entry.relevance,
        "starts_on": entry.starts_on,
        "ends_on": entry.ends_on,
        "provider": entry.provider,
        "hours": format_hours(entry.hours_quarters),
        "participatory_hours": format_hours(entry.participatory_quarters),
        "competencies": list(entry.competency_codes or []),
        "learning": entry.learning,
        "impact": entry.impact,
        "peer_discussion": {True: "yes", False: "no"}.get(entry.peer_discussion)
        if entry.peer_discussion is not None
        else None,
        "peer_name": entry.peer_name,
        "peer_role": entry.peer_role,
        "peer_learning": entry.peer_learning,
    }


def _entry_page(
    record: AccreditationRecord,
    entry: CpdEntry | None,
    form: EntryForm,
    *,
    correcting: bool = False,
) -> View:
    choices = _prepare(form, record)
    findings: list[services.FieldFinding] = []
    if form.validate_on_submit():
        allowed = {c.code for c in choices}
        data = form.entry_data()
        saved: list[CpdEntry] = []

        def save() -> None:
            if correcting and entry is not None:
                saved.append(
                    services.correct_entry(
                        current_user,
                        record,
                        entry,
                        data,
                        reason=form.reason.data or "",
                        confirmed_anonymous=bool(form.confirm_anonymous.data),
                        allowed_competencies=allowed,
                        version_id=form.seen_version,
                        today=today_in_england(),
                    )
                )
            else:
                saved.append(
                    services.save_entry(
                        current_user,
                        record,
                        entry,
                        data,
                        complete=form.completing,
                        confirmed_anonymous=bool(form.confirm_anonymous.data),
                        allowed_competencies=allowed,
                        version_id=form.seen_version,
                        today=today_in_england(),
                    )
                )

        outcome = _run(form, save)
        if outcome is True:
            done = saved[0]
            what = "Correction saved" if correcting else f"Saved as {done.status.label.lower()}"
            flash(f"{what}: {done.title}.", "success")
            return redirect(url_for("cpd.show_entry", entry_id=done.id))
        if isinstance(outcome, list):
            findings = outcome
        if entry is not None:
            # Told once that someone else saved first, a second save is a deliberate choice.
            entry = queries.entry(entry.id)
            if entry is not None:
                form.version_id.data = str(entry.version_id)
    return render_template(
        "cpd/edit_entry.html",
        record=record,
        entry=entry,
        form=form,
        findings=findings,
        correcting=correcting,
        choices=choices,
    )


@bp.route("/activities/new", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def add_entry() -> View:
    record = _own_record()
    if record is None:
        flash("You need an accreditation record before you can keep a CPD record.")
        return redirect(url_for("cpd.show_progress"))
    return _entry_page(record, None, EntryForm())


@bp.route("/activities/<int:entry_id>")
@require_sign_in
def show_entry(entry_id: int) -> View:
    entry = _load_entry(entry_id)
    year = queries.year_for(entry.record, entry.counts_on)
    choices = {c.code: c for c in queries.competencies_for(entry.record)}
    return render_template(
        "cpd/show_entry.html",
        entry=entry,
        year=year,
        locked=_locked(entry),
        is_owner=policies.can_change_entry(current_user, entry),
        choices=choices,
        format_hours=format_hours,
    )


@bp.route("/activities/<int:entry_id>/edit", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def edit_entry(entry_id: int) -> View:
    entry = _load_own_entry(entry_id)
    if _locked(entry):
        return redirect(url_for("cpd.correct_entry", entry_id=entry.id))
    return _entry_page(entry.record, entry, EntryForm(data=_entry_form_data(entry)))


@bp.route("/activities/<int:entry_id>/correct", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def correct_entry(entry_id: int) -> View:
    entry = _load_own_entry(entry_id)
    if not _locked(entry):
        return redirect(url_for("cpd.edit_entry", entry_id=entry.id))
    return _entry_page(
        entry.record, entry, CorrectionForm(data=_entry_form_data(entry)), correcting=True
    )


@bp.route("/activities/<int:entry_id>/evidence", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def list_evidence(entry_id: int) -> View:
    entry = _load_own_entry(entry_id)
    form = EvidenceForm()
    locked = services.evidence_locked(entry, today_in_england())
    if not locked and form.validate_on_submit():
        store = _store()
        upload = form.file.data
        stored: list[str] = []

        def add() -> None:
            evidence = services.add_evidence(
                current_user,
                entry,
                filename=upload.filename or "",
                stream=upload.stream,
                store=store,
                today=today_in_england(),
            )
            stored.append(evidence.storage_key)

        try:
            saved = _run(form, add)
        except Exception:
            for key in stored:
                store.delete(key)
            raise
        if saved is True:
            flash("File uploaded.", "success")
            return redirect(url_for("cpd.list_evidence", entry_id=entry.id))
        for key in stored:
            store.delete(key)
    return render_template(
        "cpd/list_evidence.html",
        entry=entry,
        form=form,
        locked=locked,
        max_files=services.MAX_EVIDENCE_FILES,
        max_megabytes=services.MAX_EVIDENCE_MEGABYTES,
    )


@bp.route("/activities/<int:entry_id>/evidence/<int:evidence_id>")
@require_sign_in
def download_evidence(entry_id: int, evidence_id: int) -> Response:
    entry = _load_entry(entry_id)
    evidence = queries.evidence(entry, evidence_id)
    if evidence is None:
        abort(404)
    return send_stored(
        _store(),
        evidence.storage_key,
        mimetype=evidence.content_type,
        download_name=evidence.original_name,
    )


@bp.route("/activities/<int:entry_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@require_permission(Permission.KEEP_CPD)
def remove_evidence(entry_id: int, evidence_id: int) -> View:
    entry = _load_own_entry(entry_id)
    evidence = queries.evidence(entry, evidence_id)
    if evidence is None:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        keys: list[str] = []
        name = evidence.original_name
        outcome = _run(
            form,
            lambda: keys.append(
                services.remove_evidence(current_user, entry, evidence, today=today_in_england())
            ),
        )
        if outcome is True:
            for key in keys:
                _store().delete(key)
            flash(f"Removed {name}.", "success")
        else:
            flash("That file could not be removed: its CPD year has closed.")
    return redirect(url_for("cpd.list_evidence", entry_id=entry.id))


# Import and export

IMPORT_SESSION = "cpd_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, *, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _import_context(record: AccreditationRecord) -> ImportContext:
    return ImportContext(
        starts_on=record.starts_on,
        expires_on=record.expires_on,
        years=cpd_years(record.starts_on, record.expires_on),
        competencies={c.code for c in queries.competencies_for(record)},
        today=today_in_england(),
    )


def _check(record: AccreditationRecord, content: bytes) -> tuple[ImportCheck, list[ImportRow]]:
    return check_file(content, _import_context(record), queries.entry_keys(record.id))


def _forget_staged() -> None:
    """Delete the file waiting for confirmation, if there is one."""
    staged = session.pop(IMPORT_SESSION, None)
    if isinstance(staged, dict) and isinstance(staged.get("key"), str):
        with contextlib.suppress(ValueError):
            _store().delete(staged["key"])


def _staged(record: AccreditationRecord) -> tuple[bytes, str] | None:
    """The uploaded file waiting for confirmation: kept in the upload store under a random
    key that only this session knows, never in the cookie."""
    staged = session.get(IMPORT_SESSION)
    if not isinstance(staged, dict) or staged.get("record") != record.id:
        return None
    try:
        content = _store().read(str(staged.get("key", "")))
    except (ValueError, FileNotFoundError):
        return None
    return content, str(staged.get("name", ""))


@bp.route("/import/template.csv")
@require_permission(Permission.KEEP_CPD)
def download_import_template() -> Response:
    return _download(
        template_csv().encode("utf-8-sig"),
        mimetype="text/csv",
        filename="cpd-activities-template.csv",
    )


@bp.route("/import", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def import_activities() -> View:
    record = _own_record()
    if record is None:
        flash("You need an accreditation record before you can keep a CPD record.")
        return redirect(url_for("cpd.show_progress"))
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.stream.read(MAX_IMPORT_BYTES + 1)
        try:
            _check(record, content)
        except NotACsvFile as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            _forget_staged()
            key = secrets.token_hex(16)
            _store().write(key, content)
            session[IMPORT_SESSION] = {
                "key": key,
                "record": record.id,
                "name": (upload.filename or "activities.csv")[:255],
            }
            return redirect(url_for("cpd.check_import"))
    return render_template(
        "cpd/import_activities.html",
        form=form,
        columns=COLUMNS,
        column_labels=COLUMN_LABELS,
        activity_labels=ACTIVITY_LABELS,
        competencies=queries.competencies_for(record),
    )


@bp.route("/import/check", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def check_import() -> View:
    record = _own_record()
    staged = _staged(record) if record is not None else None
    if record is None or staged is None:
        flash("Upload your file to check it.")
        return redirect(url_for("cpd.import_activities"))
    content, name = staged
    try:
        check, already = _check(record, content)
    except NotACsvFile:
        _forget_staged()
        flash("Upload your file again.")
        return redirect(url_for("cpd.import_activities"))
    form = ConfirmImportForm()
    if form.validate_on_submit():
        added: list[CpdEntry] = []
        outcome = _run(
            form,
            lambda: added.extend(
                services.import_activities(current_user, record, check, filename=name)
            ),
        )
        if outcome is True:
            _forget_staged()
            count = len(added)
            flash(
                f"Added {count} activit{'y' if count == 1 else 'ies'} to your CPD record.",
                "success",
            )
            return redirect(url_for("cpd.show_progress"))
    return render_template(
        "cpd/check_import.html",
        form=form,
        check=check,
        already=already,
        name=name,
        format_hours=format_hours,
        activity_labels=ACTIVITY_LABELS,
    )


def _no_record() -> Response:
    flash("You need an accreditation record before you can keep a CPD record.")
    return redirect(url_for("cpd.show_progress"))


@bp.route("/export.csv")
@require_permission(Permission.KEEP_CPD)
def export_csv() -> Response:
    record = _own_record()
    if record is None:
        return _no_record()
    frame = activities_frame(queries.export_rows(record))
    return _download(to_csv(frame), mimetype="text/csv", filename=f"cpd-record-{record.number}.csv")


@bp.route("/export.xlsx")
@require_permission(Permission.KEEP_CPD)
def export_xlsx() -> Response:
    record = _own_record()
    if record is None:
        return _no_record()
    frame = activities_frame(queries.export_rows(record))
    return _download(to_xlsx(frame), mimetype=XLSX, filename=f"cpd-record-{record.number}.xlsx")


@bp.route("/export/print")
@require_permission(Permission.KEEP_CPD)
def print_record() -> View:
    record = _own_record()
    if record is None:
        return _no_record()
    return render_template(
        "cpd/print_record.html",
        record=record,
        progress=queries.progress(record, today=today_in_england()),
        entries=list(reversed(queries.entries_of(record.id))),
        choices={c.code: c for c in queries.competencies_for(record)},
        today=today_in_england(),
        format_hours=format_hours,
        activity_labels=ACTIVITY_LABELS,
    )


# Practice-related feedback


@bp.route("/feedback")
@require_permission(Permission.KEEP_CPD)
def list_feedback() -> View:
    record = _own_record()
    return render_template(
        "cpd/list_feedback.html",
        record=record,
        feedback=queries.feedback_of(record.id) if record else [],
    )


@bp.route("/feedback/new", methods=["GET", "POST"])
@require_permission(Permission.KEEP_CPD)
def add_feedback() -> View:
    record = _own_record()
    if record is None:
        flash("You need an accreditation record before you can keep a CPD record.")
        return redirect(url_for("cpd.show_progress"))
    form = FeedbackForm()
    findings: list[services.FieldFinding] = []
    if form.validate_on_submit() and form.received_on.data is not None:
        received_on: date = form.received_on.data
        outcome = _run(
            form,
            lambda: services.record_feedback(
                current_user,
                record,
                source=FeedbackSource(form.source.data),
                received_on=received_on,
                summary=form.summary.data or "",
                reflection=form.reflection.data or "",
                confirmed_anonymous=bool(form.confirm_anonymous.data),
                today=today_in_england(),
            ),
        )
        if outcome is True:
            flash("Feedback saved.", "success")
            return redirect(url_for("cpd.list_feedback"))
        if isinstance(outcome, list):
            findings = outcome
    return render_template("cpd/add_feedback.html", form=form, findings=findings)


# Administrators: requirement versions


def _load_version(requirements_id: int) -> CpdRequirementVersion:
    version = queries.requirement_version(requirements_id)
    if version is None:
        abort(404)
    return version


@bp.route("/requirements")
@require_permission(Permission.MANAGE_CPD)
def list_requirements() -> View:
    return render_template(
        "cpd/list_requirements.html", schemes=queries.schemes_with_requirements()
    )


@bp.route("/requirements/<int:requirements_id>")
@require_permission(Permission.MANAGE_CPD)
def show_requirements(requirements_id: int) -> View:
    version = _load_version(requirements_id)
    return render_template(
        "cpd/show_requirements.html",
        version=version,
        document=queries.document_of(version),
    )


@bp.route("/requirements/<int:requirements_id>/changes")
@require_permission(Permission.MANAGE_CPD)
def show_requirement_changes(requirements_id: int) -> View:
    version = _load_version(requirements_id)
    others = queries.other_requirement_versions(version)
    against_id = request.args.get("against", type=int)
    against = next((o for o in others if o.id == against_id), None) if against_id else None
    if against is None:
        against = next((o for o in others if o.loaded_at < version.loaded_at), None)
    changes = diff_requirements(
        queries.document_of(against) if against else None, queries.document_of(version)
    )
    return render_template(
        "cpd/show_requirement_changes.html",
        version=version,
        against=against,
        others=others,
        changes=changes,
    )


REQUIREMENTS = DocumentKind(
    load=_load_version,
    in_use=lambda version: queries.published_requirements(version.scheme_id),
    document_of=queries.document_of,
    diff=diff_requirements,
    publish=services.publish_requirements,
    retire=services.retire_requirements,
    draft=RequirementStatus.DRAFT,
    retired=RequirementStatus.RETIRED,
    stale=STALE_REQUIREMENTS,
    done={
        "publish": "Version {version} of the CPD requirements is now in force.",
        "retire": "Version {version} of the CPD requirements is retired.",
    },
    template="cpd/{action}_requirements.html",
    name="version",
    shown_at=lambda version: url_for("cpd.show_requirements", requirements_id=version.id),
)


@bp.route("/requirements/<int:requirements_id>/publish", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CPD)
def publish_requirements(requirements_id: int) -> View:
    return confirm_change(REQUIREMENTS, requirements_id, "publish")


@bp.route("/requirements/<int:requirements_id>/retire", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CPD)
def retire_requirements(requirements_id: int) -> View:
    return confirm_change(REQUIREMENTS, requirements_id, "retire")
