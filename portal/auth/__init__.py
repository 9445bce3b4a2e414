"""Accounts, roles and sign-in."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from portal.core.security import same_secret
from portal.extensions import db, login_manager

bp = Blueprint("auth", __name__)

IDLE_KEY = "_seen"
MFA_DONE = "_mfa"
# Pages a user who must use a second factor can still reach before setting it up.
BEFORE_SECOND_FACTOR = frozenset(
    {
        "static",
        "home.healthz",
        "home.accessibility",
        "home.privacy",
        "home.cookies",
        "auth.setup_two_factor",
        "auth.recovery_codes",
        "auth.sign_out",
        "auth.signed_out",
    }
)


def init_app(app: Flask) -> None:
    from portal.auth.identity_providers import configured_providers, load_providers
    from portal.auth.models import User
    from portal.core.security import FORM_TARGETS

    if "IDENTITY_PROVIDERS" not in app.config:
        app.config["IDENTITY_PROVIDERS"] = load_providers(app.config["IDENTITY_PROVIDERS_FILE"])
    # Signing out posts a form whose answer may redirect to the provider's sign-out page.
    app.extensions[FORM_TARGETS] = lambda: [
        origin for provider in configured_providers() for origin in provider.origins
    ]

    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.sign_in"

    def _load(identity: str) -> User | None:
        user_id, _, token = identity.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.scalar(sa.select(User).where(User.id == int(user_id)))
        if user is None or not user.active or not same_secret(user.session_token, token):
            return None
        return user

    login_manager.user_loader(_load)
    idle_limit = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()

    @app.before_request
    def _end_idle_sessions() -> Response | None:
        if request.endpoint in {"static", "home.healthz"} or not current_user.is_authenticated:
            return None
        now = datetime.now(UTC).timestamp()
        seen = session.get(IDLE_KEY)
        if isinstance(seen, int | float) and now - seen > idle_limit:
            logout_user()
            session.clear()
            return redirect(url_for("auth.signed_out", idle=1))
        session[IDLE_KEY] = now
        return None

    @app.before_request
    def _require_second_factor() -> Response | None:
        """Assessors, QA leads, analysts and administrators reach no page without one."""
        if request.endpoint in BEFORE_SECOND_FACTOR or not current_user.is_authenticated:
            return None
        user = current_user
        if not user.needs_two_factor or session.get(MFA_DONE):
            return None
        if user.two_factor_enabled:
            # Set up, but not used in this session (e.g. a role given since sign-in).
            logout_user()
            session.clear()
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.setup_two_factor"))


from portal.auth import views  # noqa: E402,F401  (routes attach to bp)
