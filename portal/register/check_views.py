"""Checks for commissioners: many accreditation numbers at once (the employer check, on the
page and as CSV), and one named reviewer's conflicts of interest before approaching them."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.dates import today_in_england
from portal.core.permissions import Permission, require_permission
from portal.register import bp, queries
from portal.register.employer_check import (
    CheckInputError,
    numbers_from_csv,
    numbers_from_text,
    to_csv,
)
from portal.register.forms import ConflictCheckForm, DownloadCheckForm, EmployerCheckForm
from portal.register.views import View, agencies_from_request


@bp.route("/employer-check", methods=["GET", "POST"])
@require_permission(Permission.SEARCH_REGISTER)
def employer_check() -> View:
    form = EmployerCheckForm()
    checked: list[queries.CheckedNumber] | None = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and getattr(upload, "filename", ""):
                numbers = numbers_from_csv(upload.read(70 * 1024))
            else:
                numbers = numbers_from_text(form.numbers.data or "")
            if not numbers:
                raise CheckInputError("Enter accreditation numbers or choose a CSV file", "numbers")
        except CheckInputError as exc:
            getattr(form, exc.field).errors = [exc.message]
        else:
            checked = queries.check_numbers(numbers)
    download = DownloadCheckForm(
        formdata=None, numbers="\n".join(row.number for row in checked or [])
    )
    return render_template(
        "register/employer_check.html",
        form=form,
        checked=checked,
        download=download,
        levels=queries.level_names(),
    )


@bp.route("/employer-check/download", methods=["POST"])
@require_permission(Permission.SEARCH_REGISTER)
def download_employer_check() -> View:
    form = DownloadCheckForm()
    try:
        numbers = numbers_from_text(form.numbers.data or "") if form.validate_on_submit() else []
    except CheckInputError:
        numbers = []
    if not numbers:
        return redirect(url_for("register.employer_check"))
    levels = queries.level_names()
    body = to_csv(row.cells(levels) for row in queries.check_numbers(numbers))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="accreditation-check.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/conflict-check")
@require_permission(Permission.SEARCH_REGISTER)
def check_conflicts() -> View:
    form = ConflictCheckForm(request.args)
    agencies = agencies_from_request("register.check_conflicts")
    result = None
    if "number" in request.args:
        typed = (form.number.data or "").strip()
        if not typed:
            form.number.errors = ["Enter an accreditation number"]
        else:
            result = queries.pre_check(
                typed,
                partnership_id=current_user.organisation_id,
                agencies=agencies.ids,
                today=today_in_england(),
            )
            if result is None:
                form.number.errors = ["This number is not on the register"]
    return render_template(
        "register/check_conflicts.html", form=form, agencies=agencies, result=result
    )
