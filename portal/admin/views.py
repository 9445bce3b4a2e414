"""Administrators' pages: people, their roles and organisation, and the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.admin import bp, queries
from portal.admin.forms import (
    AuditFilterForm,
    GrantRoleForm,
    OrganisationForm,
    RevokeRoleForm,
    UserFilterForm,
)
from portal.auth import services as accounts
from portal.auth import two_factor
from portal.auth.models import User
from portal.auth.policies import can_change_roles
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, apply_domain_error
from portal.core.permissions import GRANTABLE_ROLES, Permission, Role, require_permission
from portal.extensions import db
from portal.organisations import queries as organisation_queries
from portal.organisations.models import Organisation
from portal.organisations.queries import OptionGroup

View = str | Response | tuple[str, int]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def _load_user(user_id: int) -> User:
    user = queries.user_with_role_history(user_id)
    if user is None:
        abort(404)
    return user


def _grant_form() -> GrantRoleForm:
    form = GrantRoleForm()
    form.organisation.choices = [(0, "Not a commissioner")] + [
        (o.id, o.name) for o in organisation_queries.active_partnerships()
    ]
    return form


# Longest text the organisation finder takes; longer is cut, not refused.
FIND_MAX = 100


def _organisation_form(user: User) -> tuple[OrganisationForm, list[OptionGroup]]:
    """The person's organisation as a select of every current organisation grouped by kind:
    one query."""
    form = OrganisationForm(organisation=user.organisation_id or 0)
    groups = organisation_queries.grouped_options()
    form.organisation.choices = [(0, "No organisation")] + [
        option for group in groups for option in group.options
    ]
    return form, groups


def _found_organisations(
    groups: list[OptionGroup], find: str, keep: int | None
) -> list[OptionGroup]:
    """The organisations whose names have every word found, and always the one the person
    belongs to, so that saving after a find never clears it by accident."""
    shown = organisation_queries.narrowed(groups, find)
    if not find or keep is None or any(keep == i for g in shown for i, _ in g.options):
        return shown
    wanted = {i for g in shown for i, _ in g.options} | {keep}
    kept = [OptionGroup(g.kind, [o for o in g.options if o[0] in wanted]) for g in groups]
    return [group for group in kept if group.options]


def _render_user(user: User, **forms: object) -> str:
    organisation_form, groups = _organisation_form(user)
    form = forms.get("organisation_form") or organisation_form
    find = " ".join(request.args.get("find", "").split())[:FIND_MAX]
    shown = _found_organisations(groups, find, user.organisation_id)
    context: dict[str, object] = {
        "organisation_groups": shown,
        "find": find,
        "matches": sum(len(group.options) for group in shown),
        "user": user,
        "can_change": can_change_roles(current_user, user),
        "grant_form": forms.get("grant_form") or _grant_form(),
        "organisation_form": form,
        "revoke_form": RevokeRoleForm(),
        "events": queries.events_about_user(user),
        "grantable": GRANTABLE_ROLES,
    }
    return render_template("admin/show_user.html", **context)


@bp.route("")
@require_permission(Permission.MANAGE_USERS)
def index() -> View:
    return render_template("admin/index.html", summary=queries.summary())


@bp.route("/users")
@require_permission(Permission.MANAGE_USERS)
def list_users() -> View:
    form = UserFilterForm(request.args)
    form.role.choices = [("", "Any role")] + [(r.value, r.label) for r in GRANTABLE_ROLES]
    page = queries.users(
        text=(form.q.data or "").strip(), role=form.role.data or "", page=_page_number()
    )
    return render_template("admin/list_users.html", form=form, page=page)


@bp.route("/users/<int:user_id>")
@require_permission(Permission.MANAGE_USERS)
def show_user(user_id: int) -> View:
    return _render_user(_load_user(user_id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@require_permission(Permission.MANAGE_ROLES)
def grant_role(user_id: int) -> View:
    user = _load_user(user_id)
    if not can_change_roles(current_user, user):
        abort(403)
    form = _grant_form()
    if form.validate_on_submit():
        organisation = (
            db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        )
        try:
            accounts.grant_role(current_user, user, Role(form.role.data), organisation=organisation)
        except DomainError as exc:
            db.session.rollback()
            user = _load_user(user_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(f"{user.name} now has the role {Role(form.role.data).label}.", "success")
            return redirect(url_for("admin.show_user", user_id=user.id))
    return _render_user(user, grant_form=form)


@bp.route("/users/<int:user_id>/roles/remove", methods=["POST"])
@require_permission(Permission.MANAGE_ROLES)
def revoke_role(user_id: int) -> View:
    user = _load_user(user_id)
    if not can_change_roles(current_user, user):
        abort(403)
    form = RevokeRoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = Role(form.role.data)
    try:
        accounts.revoke_role(current_user, user, role)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Removed the role {role.label} from {user.name}.", "success")
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.route("/users/<int:user_id>/organisation", methods=["POST"])
@require_permission(Permission.MANAGE_USERS)
def set_organisation(user_id: int) -> View:
    user = _load_user(user_id)
    form, _groups = _organisation_form(user)
    if form.validate_on_submit():
        organisation = (
            db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        )
        try:
            accounts.set_organisation(current_user, user, organisation)
        except DomainError as exc:
            db.session.rollback()
            user = _load_user(user_id)
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash("Organisation saved.", "success")
            return redirect(url_for("admin.show_user", user_id=user.id))
    return _render_user(user, organisation_form=form)


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@require_permission(Permission.MANAGE_USERS)
def reset_two_factor(user_id: int) -> View:
    user = _load_user(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        two_factor.reset_two_factor(current_user, user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(
            f"{user.name}'s two-factor authentication is reset. They have been emailed.", "success"
        )
    return redirect(url_for("admin.show_user", user_id=user.id))


@bp.route("/audit-log")
@require_permission(Permission.VIEW_AUDIT_LOG)
def audit_log() -> View:
    form = AuditFilterForm(request.args or None)
    form.subject_type.choices = [("", "Any subject")] + [
        (s, s.replace("_", " ").capitalize()) for s in queries.subject_types()
    ]
    valid = form.validate() if request.args else True
    page = queries.audit_events(
        actor=(form.actor.data or "").strip(),
        subject_type=form.subject_type.data or "",
        subject_id=(form.subject_id.data or "").strip(),
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
        page=_page_number(),
    )
    return render_template("admin/audit_log.html", form=form, page=page, valid=valid)
