"""Credential pages: a reviewer's credentials, the public key set and status lists, the
framework pages alignments point to, and public verification."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.dates import today_in_england
from portal.core.errors import DomainError
from portal.core.permissions import Permission, public, require_permission
from portal.core.rate_limits import counters_unavailable
from portal.credentials import bp, policies, queries, services
from portal.credentials.forms import IssueForm, VerifyForm
from portal.credentials.signing import MEDIA_TYPE
from portal.extensions import db, limiter

View = str | Response | tuple[str, int]

_PUBLIC_CACHE = "public, max-age=300"


# A reviewer's credentials


def _for_term(record: Any, issued: list[Any]) -> Any:
    """The credential already issued for the record's current term and level, if any."""
    for credential in issued:  # newest first
        if (credential.record_id, credential.valid_from, credential.valid_until) == (
            record.id,
            record.starts_on,
            record.expires_on,
        ) and credential.level == record.level:
            return credential
    return None


@bp.route("/credentials")
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def show_my_credentials() -> View:
    records = [
        record
        for record in queries.records_of(current_user.id)
        if policies.can_take_credential(current_user, record)
    ]
    issued = queries.credentials_of([r.id for r in records])
    today = today_in_england()
    return render_template(
        "credentials/show_my_credentials.html",
        records=records,
        issued=issued,
        current={r.id: _for_term(r, issued) for r in records},
        issuable={r.id: r.status in services.ISSUABLE and r.expires_on > today for r in records},
        form=IssueForm(formdata=None),
    )


@bp.route("/credentials/issue", methods=["POST"])
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def issue_credential() -> View:
    form = IssueForm()
    record = queries.record(form.record) if form.validate_on_submit() and form.record else None
    if record is None:
        flash("Choose the accreditation to create a credential for.")
        return redirect(url_for("credentials.show_my_credentials"))
    if not policies.can_take_credential(current_user, record):
        abort(403)
    try:
        credential = services.issue_credential(current_user, record, today=today_in_england())
    except DomainError as error:
        db.session.rollback()
        flash(str(error))
        return redirect(url_for("credentials.show_my_credentials"))
    db.session.commit()
    flash(f"Your credential for {record.number} is ready to download.", "success")
    return redirect(url_for("credentials.show_my_credentials", _anchor=credential.public_id))


@bp.route("/credentials/<uuid:credential_id>")
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def download_credential(credential_id: object) -> View:
    credential = queries.credential(str(credential_id))
    if credential is None:
        abort(404)
    if not policies.can_download(current_user, credential):
        abort(403)
    name = f"accreditation-{credential.record.number}-{credential.valid_from:%Y-%m-%d}.jwt"
    response = Response(credential.token, mimetype=MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# What verifiers fetch


@bp.route("/.well-known/jwks.json")
@public
def jwks() -> View:
    body = {"keys": list(queries.public_keys().values())}
    response = Response(json.dumps(body), mimetype="application/jwk-set+json")
    response.headers["Cache-Control"] = _PUBLIC_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/credentials/status/<any(revocation, suspension):purpose>")
@public
def status_list(purpose: str) -> View:
    token = services.status_list(purpose)
    if token is None:
        abort(404)
    response = Response(token, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = _PUBLIC_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/credentials/frameworks/<int:framework_id>")
@public
def show_framework(framework_id: int) -> View:
    framework = queries.public_framework(framework_id)
    if framework is None:
        abort(404)
    return render_template(
        "credentials/show_framework.html",
        framework=framework,
        domains=queries.domains_of(framework.id),
        levels=[
            level
            for level in framework.scheme.settings.get("levels") or []
            if isinstance(level, dict) and level.get("code")
        ],
    )


# Verification, for anyone


def _verify_limit() -> str:
    return str(current_app.config["VERIFY_ADDRESS_LIMIT"])


def _address_key() -> str:
    return "verify-address:" + (request.remote_addr or "unknown")


@bp.route("/register/verify", methods=["GET", "POST"])
@public
@limiter.limit(
    _verify_limit,
    key_func=_address_key,
    methods=["POST"],
    scope="verify",
    exempt_when=counters_unavailable,
)
def verify_credential() -> View:
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        result = services.verify_credential(form.text)
    return render_template(
        "credentials/verify_credential.html",
        form=form,
        result=result,
    )
