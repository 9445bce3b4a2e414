"""Accounts, roles and sign-in."""

from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from portal.core.db import utcnow
from portal.extensions import db, login_manager

bp = Blueprint("auth", __name__)

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

    from portal.auth import sessions

    limits = sessions.Limits(
        idle=app.config["PERMANENT_SESSION_LIFETIME"],
        absolute=app.config["SESSION_ABSOLUTE_LIFETIME"],
    )

    def _load(identity: str) -> User | None:
        """The account of this browser's session row (one query); None once it has ended or
        run out, and a session that ran out is kept in g to be ended and reported."""
        found = sessions.user_for_token(identity)
        if found is None:
            return None
        user, browser_session = found
        if sessions.expiry(browser_session, limits, utcnow()):
            g.expired_session = browser_session
            return None
        return user

    login_manager.user_loader(_load)

    @app.before_request
    def _end_or_refresh_session() -> Response | None:
        if request.endpoint in {"static", "home.healthz"}:
            return None
        now = utcnow()
        if not current_user.is_authenticated:
            expired = g.pop("expired_session", None)
            if expired is None:
                return None
            reason = sessions.expiry(expired, limits, now) or sessions.TIMED_OUT
            sessions.end_session(expired, reason)
            db.session.commit()
            session.clear()
            if reason == sessions.TIME_LIMIT:
                return redirect(url_for("auth.signed_out", limit=1))
            return redirect(url_for("auth.signed_out", idle=1))
        browser_session = current_user.browser_session
        if browser_session is not None and sessions.needs_touch(browser_session, now):
            # Its own small commit, at most once a minute, so the idle timeout can be enforced
            # from the row without a write on every request.
            browser_session.last_seen_at = now
            db.session.commit()
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
            if user.browser_session is not None:
                sessions.end_session(user.browser_session, sessions.SECOND_FACTOR_NEEDED)
                db.session.commit()
            logout_user()
            session.clear()
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.setup_two_factor"))


from portal.auth import views  # noqa: E402,F401  (routes attach to bp)
