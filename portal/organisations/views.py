"""Administrators' pages for organisations: list, history, add an agency and the partnerships
it works with, rename, merge."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db
from portal.organisations import bp, queries, services
from portal.organisations.forms import (
    AgencyForm,
    AgencyPartnershipsForm,
    FilterForm,
    MergeForm,
    RenameForm,
)
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
        agencies=queries.member_agencies(org) if org.kind is OrganisationKind.PARTNERSHIP else [],
        memberships=queries.partnerships_of(org) if org.kind.is_agency else [],
    )


def _partnership_choices(
    form: AgencyForm | AgencyPartnershipsForm,
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Every current partnership may be ticked; the page shows them by region."""
    by_region: dict[str, list[tuple[int, str]]] = {}
    for partnership in queries.active_partnerships_by_region():
        region = partnership.region.name if partnership.region else "No region"
        by_region.setdefault(region, []).append((partnership.id, partnership.name))
    form.partnerships.choices = [option for options in by_region.values() for option in options]
    return list(by_region.items())


@bp.route("/new-agency", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ORGANISATIONS)
def add_agency() -> View:
    form = AgencyForm()
    regions = _partnership_choices(form)
    if form.validate_on_submit():
        try:
            agency = services.add_agency(
                current_user,
                name=form.name.data or "",
                kind=OrganisationKind(form.kind.data),
                partnership_ids=form.partnerships.data or [],
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"Added {agency.name}.", "success")
            return redirect(url_for("organisations.show_organisation", org_id=agency.id))
    return render_template("organisations/add_agency.html", form=form, regions=regions)


@bp.route("/<int:org_id>/partnerships", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ORGANISATIONS)
def edit_agency_partnerships(org_id: int) -> View:
    org = _load(org_id)
    if not org.kind.is_agency or not org.is_active:
        abort(404)
    memberships = queries.partnerships_of(org)
    statutory = [m.partnership for m in memberships if m.statutory]
    form = AgencyPartnershipsForm(
        data={"partnerships": [m.partnership.id for m in memberships if not m.statutory]}
    )
    regions = _partnership_choices(form)
    # Statutory links come from the reference file: shown, not offered.
    fixed = {p.id for p in statutory}
    regions = [(name, [o for o in options if o[0] not in fixed]) for name, options in regions]
    if form.validate_on_submit():
        try:
            services.set_agency_partnerships(current_user, org, form.partnerships.data or [])
        except DomainError as exc:
            db.session.rollback()
            org = _load(org_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"Saved the partnerships {org.name} works with.", "success")
            return redirect(url_for("organisations.show_organisation", org_id=org.id))
    return render_template(
        "organisations/edit_agency_partnerships.html",
        org=org,
        form=form,
        regions=[(name, options) for name, options in regions if options],
        statutory=statutory,
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
