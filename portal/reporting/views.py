"""Reporting pages: the analysts' dashboard and its downloads, loading serious incident
notifications, and a reviewer's diversity monitoring answers."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.csv_files import NotACsvFile
from portal.core.dates import add_years, today_in_england
from portal.core.errors import DomainError
from portal.core.permissions import Permission, require_permission
from portal.core.templating import format_date
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.reporting import bp, learning_queries, queries, services
from portal.reporting.annual import AnnualReport, RecommendationLine, to_pdf
from portal.reporting.disclosure import DEFAULT_THRESHOLD, SYMBOLS, Rule
from portal.reporting.facts import Period, RegionName
from portal.reporting.forms import (
    ConfirmUploadForm,
    DiversityForm,
    FilterForm,
    RemoveDiversityForm,
    UploadForm,
)
from portal.reporting.frames import (
    SECTIONS,
    TABLE_FACTS,
    SafeTable,
    all_tables,
    chart_of,
    for_region,
    linked_tables,
    to_csv,
    to_xlsx,
)
from portal.reporting.models import AgeBand, Disability, Ethnicity, Sex
from portal.reporting.notifications import (
    COLUMN_HELP,
    COLUMNS,
    MAX_UPLOAD_BYTES,
    NotificationCheck,
    check_file,
    named_keys,
    read_csv,
    template_csv,
)

View = str | Response | tuple[str, int]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_SESSION = "notifications_upload"


def _rule() -> Rule:
    return Rule(int(current_app.config.get("REPORTING_SUPPRESSION_THRESHOLD", DEFAULT_THRESHOLD)))


def _download(content: bytes, *, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# The dashboard


@dataclass(frozen=True)
class _Filters:
    form: FilterForm
    period: Period
    words: str
    regions: list[RegionName]


def _filters() -> _Filters:
    """The filters from the address (a GET form, so the address can be shared); a wrong date
    is shown as an error and the default period used meanwhile."""
    today = today_in_england()
    regions = queries.read_regions()
    form = FilterForm(request.args)
    form.region.choices = [("", "England (all regions)"), *((r.code, r.name) for r in regions)]
    valid = form.validate() if request.args else True
    if not valid:
        for name, field in form._fields.items():
            if name not in {"starts_on", "ends_on"}:
                field.errors = []
    starts_on = (form.starts_on.data if valid else None) or (
        add_years(today, -1) + timedelta(days=1)
    )
    ends_on = (form.ends_on.data if valid else None) or today
    if ends_on < starts_on:
        starts_on, ends_on = add_years(today, -1) + timedelta(days=1), today
    names = {r.code: r.name for r in regions}
    region = form.region.data if form.region.data in names else None
    period = Period(starts_on, ends_on, region)
    words = f"{format_date(starts_on)} to {format_date(ends_on)}; " + (
        names[region] if region else "England"
    )
    return _Filters(form, period, words, regions)


def _tables(chosen: _Filters, key: str | None = None) -> list[SafeTable]:
    """Every table, or one table's (a download): then only the figures it, and the tables it
    shares suppression with, are read and built."""
    period = chosen.period
    only = TABLE_FACTS[key] if key else None
    extract = queries.read_extract(period, today_in_england(), only, regions=chosen.regions)
    name = next((r.name for r in extract.regions if r.code == period.region_code), "")
    keys = linked_tables(key) if key else None
    return [for_region(t, period.region_code, name) for t in all_tables(extract, _rule(), keys)]


def _query_args() -> dict[str, Any]:
    """The filters in use, for the download links: the same address, without empty fields."""
    return {
        name: values
        for name, values in request.args.to_dict(flat=False).items()
        if name in {"starts_on", "ends_on", "region"} and any(v.strip() for v in values)
    }


@bp.route("/reports")
@require_permission(Permission.VIEW_REPORTS)
def show_dashboard() -> View:
    chosen = _filters()
    form, period, words = chosen.form, chosen.period, chosen.words
    tables = _tables(chosen)
    sections = [
        (key, label, [(t, chart_of(t)) for t in tables if t.section == key])
        for key, label in SECTIONS.items()
    ]
    return render_template(
        "reporting/show_dashboard.html",
        filter_form=form,
        period=period,
        filters=words,
        sections=sections,
        args=_query_args(),
        rule=_rule(),
        symbols=SYMBOLS,
        can_upload=current_user.has_permission(Permission.UPLOAD_NOTIFICATIONS),
        today=today_in_england(),
    )


@bp.route("/reports/tables/<string(maxlength=60):key>.<any(csv, xlsx):fmt>")
@require_permission(Permission.VIEW_REPORTS)
def download_table(key: str, fmt: str) -> Response:
    if key not in TABLE_FACTS:
        abort(404)
    chosen = _filters()
    period, words = chosen.period, chosen.words
    table = next((t for t in _tables(chosen, key) if t.key == key), None)
    if table is None:
        abort(404)
    suffix = f"-{period.region_code}" if period.region_code else ""
    filename = f"{table.key}{suffix}-{table.extracted_on.isoformat()}.{fmt}"
    if fmt == "csv":
        return _download(to_csv(table, words), mimetype="text/csv", filename=filename)
    return _download(to_xlsx(table, words), mimetype=XLSX, filename=filename)


# The annual report


FIRST_YEAR = 2000


def _annual(year: int) -> AnnualReport:
    today = today_in_england()
    if not FIRST_YEAR <= year <= today.year:
        abort(404)
    starts_on, ends_on = date(year, 1, 1), min(date(year, 12, 31), today)
    period = Period(starts_on, ends_on)
    tables = all_tables(queries.read_extract(period, today), _rule())
    made = learning_queries.national_recommendations(
        learning_queries.RecommendationFilter(year=year)
    )
    references = learning_queries.references_of(
        {r.qa_review_id for r in made if r.qa_review_id is not None}
    )
    lines = tuple(
        RecommendationLine(
            text=r.text,
            source=f"review {references.get(r.qa_review_id, '')}"
            if r.qa_review_id is not None
            else f"the panel's review '{r.source_title}' ({r.source_year})",
            addressed_to=r.addressed_to,
            response=r.response.label,
            action=r.response_action or "",
            responded_on=r.responded_on,
        )
        for r in made
    )
    return AnnualReport(year, starts_on, ends_on, today, _rule().text, tuple(tables), lines)


@bp.route("/reports/annual/<int:year>")
@require_permission(Permission.VIEW_REPORTS)
def show_annual_report(year: int) -> View:
    report = _annual(year)
    return render_template(
        "reporting/show_annual_report.html",
        report=report,
        symbols=SYMBOLS,
        args={
            "starts_on": [str(report.starts_on.day), str(report.starts_on.month), str(year)],
            "ends_on": [str(report.ends_on.day), str(report.ends_on.month), str(year)],
        },
    )


@bp.route("/reports/annual/<int:year>.pdf")
@require_permission(Permission.VIEW_REPORTS)
def download_annual_report(year: int) -> Response:
    report = _annual(year)
    return _download(
        to_pdf(report),
        mimetype="application/pdf",
        filename=f"annual-report-{year}-{report.extracted_on.isoformat()}.pdf",
    )


# Serious incident notifications


def _store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def _forget_staged() -> None:
    staged = session.pop(UPLOAD_SESSION, None)
    if isinstance(staged, dict) and isinstance(staged.get("key"), str):
        with contextlib.suppress(ValueError):
            _store().delete(staged["key"])


def _staged() -> tuple[bytes, str] | None:
    """The uploaded file waiting for confirmation: in the upload store under a random key only
    this session knows, never in the cookie."""
    staged = session.get(UPLOAD_SESSION)
    if not isinstance(staged, dict) or staged.get("user") != current_user.id:
        return None
    try:
        content = _store().read(str(staged.get("key", "")))
    except (ValueError, FileNotFoundError):
        return None
    return content, str(staged.get("name", ""))


def _check(content: bytes) -> tuple[NotificationCheck, dict[str, int]]:
    partnerships = queries.partnership_codes()
    # Only the figures for the months the file names are read.
    existing = queries.loaded_figures(partnerships, named_keys(read_csv(content)))
    return check_file(content, partnerships, existing, today_in_england()), partnerships


@bp.route("/reports/notifications")
@require_permission(Permission.UPLOAD_NOTIFICATIONS)
def show_notifications() -> View:
    return render_template(
        "reporting/show_notifications.html", loaded=queries.notifications_loaded()
    )


@bp.route("/reports/notifications/template.csv")
@require_permission(Permission.UPLOAD_NOTIFICATIONS)
def download_notifications_template() -> Response:
    return _download(
        template_csv().encode("utf-8-sig"),
        mimetype="text/csv",
        filename="serious-incident-notifications-template.csv",
    )


@bp.route("/reports/notifications/upload", methods=["GET", "POST"])
@require_permission(Permission.UPLOAD_NOTIFICATIONS)
def upload_notifications() -> View:
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        try:
            _check(content)
        except NotACsvFile as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            _forget_staged()
            key = secrets.token_hex(16)
            _store().write(key, content)
            session[UPLOAD_SESSION] = {
                "key": key,
                "user": current_user.id,
                "name": (upload.filename or "notifications.csv")[:255],
            }
            return redirect(url_for("reporting.check_notifications"))
    return render_template(
        "reporting/upload_notifications.html",
        form=form,
        columns=COLUMNS,
        column_help=COLUMN_HELP,
    )


@bp.route("/reports/notifications/check", methods=["GET", "POST"])
@require_permission(Permission.UPLOAD_NOTIFICATIONS)
def check_notifications() -> View:
    staged = _staged()
    if staged is None:
        flash("Upload your file to check it.")
        return redirect(url_for("reporting.upload_notifications"))
    content, name = staged
    try:
        check, partnerships = _check(content)
    except NotACsvFile:
        _forget_staged()
        flash("Upload your file again.")
        return redirect(url_for("reporting.upload_notifications"))
    form = ConfirmUploadForm()
    if form.validate_on_submit():
        try:
            batch = services.load_notifications(
                current_user, check, partnerships, filename=name, content=content
            )
        except DomainError as exc:
            # The page already says what is wrong with the file; nothing was written.
            db.session.rollback()
            flash(exc.message)
            return redirect(url_for("reporting.check_notifications"))
        else:
            db.session.commit()
            _forget_staged()
            flash(
                f"Loaded {name}: {batch.added} added, {batch.changed} changed, "
                f"{batch.unchanged} already loaded.",
                "success",
            )
            return redirect(url_for("reporting.show_notifications"))
    return render_template("reporting/check_notifications.html", form=form, check=check, name=name)


# Diversity monitoring


@bp.route("/diversity-monitoring", methods=["GET", "POST"])
@require_permission(Permission.GIVE_DIVERSITY_INFORMATION)
def edit_diversity() -> View:
    answers = queries.diversity_answers_of(current_user.id)
    form = DiversityForm(
        data=None
        if answers is None
        else {
            "ethnicity": answers.ethnicity.value,
            "sex": answers.sex.value,
            "disability": answers.disability.value,
            "age_band": answers.age_band.value,
        }
    )
    if form.validate_on_submit():
        services.save_diversity_answers(
            current_user,
            services.Answers(
                ethnicity=Ethnicity(form.ethnicity.data),
                sex=Sex(form.sex.data),
                disability=Disability(form.disability.data),
                age_band=AgeBand(form.age_band.data),
            ),
        )
        db.session.commit()
        flash("Your answers are saved. Thank you.", "success")
        return redirect(url_for("home.dashboard"))
    return render_template(
        "reporting/edit_diversity.html",
        form=form,
        remove_form=RemoveDiversityForm(),
        answered=answers is not None,
    )


@bp.route("/diversity-monitoring/remove", methods=["POST"])
@require_permission(Permission.GIVE_DIVERSITY_INFORMATION)
def remove_diversity() -> View:
    form = RemoveDiversityForm()
    if form.validate_on_submit() and services.remove_diversity_answers(current_user):
        db.session.commit()
        flash("Your answers are removed.", "success")
    return redirect(url_for("reporting.edit_diversity"))
