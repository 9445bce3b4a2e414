"""The register's JSON API at /api/v1 (public search and lookup; commissioning details with an
OAuth 2.0 client-credentials token), and administrators' pages for API clients."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, request
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import MethodNotAllowed, NotFound

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX)
# Administrators' pages are HTML with CSRF: a blueprint of their own, so that the API's
# problem+json error handlers do not answer for them.
clients_bp = Blueprint("api_clients", __name__, url_prefix="/admin/api-clients")
register_navigation(
    NavItem(
        "API clients",
        "api_clients.list_clients",
        Permission.MANAGE_API_CLIENTS,
        order=85,
        section=(
            "api_clients.list_clients",
            "api_clients.create_client",
            "api_clients.revoke_client",
        ),
    )
)

API_PATHS = ("/api/",)


def _is_api_request() -> bool:
    return request.path.startswith(API_PATHS)


def _api_request() -> Response | None:
    """Before anything else looks at the session: the API is never cookie-authenticated, so an
    API request is anonymous whatever cookie came with it; and an address under /api/ that
    matches no route is answered as problem details rather than an HTML page."""
    if not _is_api_request():
        return None
    g._login_user = AnonymousUserMixin()
    error = request.routing_exception
    if error is None:
        return None
    from portal.api.problems import problem

    if isinstance(error, MethodNotAllowed):
        return problem(405, headers={"Allow": ", ".join(sorted(error.valid_methods or []))})
    if isinstance(error, NotFound):
        return problem(404)
    return None


def init_app(app: Flask) -> None:
    from portal.api import oauth

    oauth.init_app(app)
    app.config.setdefault("API_CLIENT_RATE_LIMIT", "300 per minute")
    app.config.setdefault("API_ADDRESS_RATE_LIMIT", "60 per minute")
    app.config.setdefault("API_TOKEN_RATE_LIMIT", "20 per minute")
    # First of the app's before-request functions, ahead of the session and sign-in checks.
    app.before_request_funcs.setdefault(None, []).insert(0, _api_request)
    app.register_blueprint(clients_bp)


from portal.api import views  # noqa: E402, F401  (routes attach to the blueprints)
