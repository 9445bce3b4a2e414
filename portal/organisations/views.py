"""Administrators' pages for organisations: list, history, rename, merge."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db
from portal.organisations import bp, queries, services
from portal.organisations.forms import FilterForm, MergeForm, RenameForm
from portal.organisations.models import Organisation, OrganisationKind

View = str | Response | tuple[str, int]
STALE = "Someone else changed this organisation while you were editing. Check it and try again."


def _load(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


@bp.route("")
@require_permission(Permission.MANAGE_ORGANISATIONS)
def list_organisations() -> View:
    form = FilterForm(request.args)
    form.kind.choices = [("", "All kinds")] + [(k.value, k.label) for k in OrganisationKind]
    region_list = queries.regions()
    form.region.choices = [("", "All regions")] + [(r.code, r.name) for r in region_list]
    rows = queries.organisation_rows(
        text=(form.q.data or "").strip(),
        kind=form.kind.data or "",
        region=form.region.data or "",
        include_merged=request.args.get("merged") == "1",
    )
    return render_template("organisations/list_organisations.html", form=form, rows=rows)


@bp.route("/<int:org_id>")
@require_permission(Permission.MANAGE_ORGANISATIONS)
def show_organisation(org_id: int) -> View:
    org = _load(org_id)
    return render_template(
        "organisations/show_organisation.html",
        org=org,
        names=queries.name_history(org),
        merged_from=queries.merged_from(org),
        members=queries.members(org),
    )


@bp.route("/<int:org_id>/rename", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ORGANISATIONS)
def rename_organisation(org_id: int) -> View:
    org = _load(org_id)
    form = RenameForm(version_id=org.version_id)
    if form.validate_on_submit():
        try:
            if str(org.version_id) != form.version_id.data:
                raise DomainError(STALE, field="name")
            services.rename_organisation(current_user, org, form.name.data)
        except DomainError as exc:
            db.session.rollback()
            org = _load(org_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"Renamed to {org.name}. The old name is kept in its history.", "success")
            return redirect(url_for("organisations.show_organisation", org_id=org.id))
    return render_template("organisations/rename_organisation.html", org=org, form=form)


@bp.route("/<int:org_id>/merge", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ORGANISATIONS)
def merge_organisation(org_id: int) -> View:
    org = _load(org_id)
    if not org.is_active:
        abort(404)
    form = MergeForm(version_id=org.version_id)
    form.target.choices = [(0, "Choose an organisation")] + [
        (o.id, o.name) for o in queries.merge_targets(org)
    ]
    if form.validate_on_submit():
        target = db.session.get(Organisation, form.target.data) if form.target.data else None
        try:
            if target is None:
                raise DomainError("Choose the organisation to merge into", field="target")
            if str(org.version_id) != form.version_id.data:
                raise DomainError(STALE, field="target")
            services.merge_organisations(current_user, org, target)
        except DomainError as exc:
            db.session.rollback()
            org = _load(org_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"{org.name} is merged into {target.name}.", "success")
            return redirect(url_for("organisations.show_organisation", org_id=target.id))
    return render_template("organisations/merge_organisation.html", org=org, form=form)
