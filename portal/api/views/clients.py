"""Administrators' pages for API clients: list with last use, create (the secret shown once)
and revoke."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.api import clients_bp as bp
from portal.api import queries, services
from portal.api.forms import CreateClientForm, RevokeClientForm
from portal.api.models import SCOPES, ApiClient
from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db
from portal.organisations.models import Organisation

View = str | Response | tuple[str, int]


def _load(client_id: int) -> ApiClient:
    client = queries.client(client_id)
    if client is None:
        abort(404)
    return client


@bp.route("")
@require_permission(Permission.MANAGE_API_CLIENTS)
def list_clients() -> View:
    return render_template("api/list_clients.html", rows=queries.client_rows(), scopes=SCOPES)


@bp.route("/new", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_API_CLIENTS)
def create_client() -> View:
    form = CreateClientForm()
    form.partnership.choices = [(0, "Choose a partnership")] + [
        (org.id, org.name) for org in queries.partnerships()
    ]
    if form.validate_on_submit():
        partnership = (
            db.session.get(Organisation, form.partnership.data) if form.partnership.data else None
        )
        try:
            created = services.create_client(
                current_user,
                name=form.name.data or "",
                partnership=partnership,
                scopes=list(form.scopes.data or []),
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            # The secret is never stored, so it cannot wait in the (signed, not encrypted)
            # session for a redirect: this answer to the POST is the only place it appears.
            response = make_response(
                render_template(
                    "api/client_created.html",
                    client=created.client,
                    secret=created.secret,
                    scopes=SCOPES,
                )
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("api/create_client.html", form=form)


@bp.route("/<int:client_id>/revoke", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_API_CLIENTS)
def revoke_client(client_id: int) -> View:
    client = _load(client_id)
    if not client.active:
        flash(f"{client.name} was revoked already.", "success")
        return redirect(url_for("api_clients.list_clients"))
    form = RevokeClientForm()
    if form.validate_on_submit():
        try:
            services.revoke_client(current_user, client)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            flash(
                f"{client.name} is revoked: it can get no new token, and its tokens no longer "
                "work.",
                "success",
            )
            return redirect(url_for("api_clients.list_clients"))
    return render_template("api/revoke_client.html", client=client, form=form)
