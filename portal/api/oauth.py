"""The OAuth 2.0 authorization server (client credentials only) and the bearer token check,
built on Authlib, with clients and tokens from this package's tables."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import Flask, Response, g

from portal.api import queries, services
from portal.api.models import SCOPES, ApiClient, ApiToken
from portal.api.problems import problem
from portal.auth.passwords import verify_password
from portal.core.db import utcnow

# Access tokens live this long (seconds): short, so a leaked one is soon useless.
DEFAULT_TOKEN_SECONDS = 900


class Client(ClientMixin):  # type: ignore[misc]
    """What Authlib needs to know about an API client."""

    def __init__(self, record: ApiClient) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scopes asked for, all of them when none are asked for; None (an invalid_scope
        error) when the client asks for one it does not hold."""
        held = self.record.scope_list
        if not scope:
            return " ".join(held)
        asked = scope_to_list(scope) or []
        if any(s not in held for s in asked):
            return None
        return " ".join(s for s in held if s in asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        # argon2's verification compares in constant time.
        return self.record.active and verify_password(self.record.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class Token(TokenMixin):  # type: ignore[misc]
    """A stored token, as Authlib's bearer validator sees it."""

    def __init__(self, record: ApiToken) -> None:
        self.record = record

    @property
    def client(self) -> ApiClient:
        return self.record.client

    def check_client(self, client: Any) -> bool:
        return bool(client.get_client_id() == self.record.client.client_id)

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.record.expires_at - utcnow()).total_seconds()))

    def is_expired(self) -> bool:
        return self.record.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        """Revoking the client ends its tokens at once: this is read on every request."""
        return not self.record.client.active

    def get_user(self) -> None:
        return None

    def get_client(self) -> Client:
        return Client(self.record.client)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def _query_client(client_id: str) -> Client | None:
    record = queries.active_client(client_id)
    return Client(record) if record is not None else None


def _save_token(token: dict[str, Any], request: Any) -> None:
    client: Client = request.client
    services.save_token(
        client.record,
        access_token=token["access_token"],
        scope=token.get("scope") or "",
        expires_in=int(token.get("expires_in") or DEFAULT_TOKEN_SECONDS),
    )


class Server(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server, answering its errors as problem details that keep OAuth's own
    `error` and `error_description` members (RFC 6749 section 5.2)."""

    def handle_error_response(self, request: Any, error: Any) -> Response:
        status, body, headers = error(self.get_error_uri(request, error))
        payload = dict(body)
        extra = {"error": payload.get("error", "invalid_request")}
        if payload.get("error_description"):
            extra["error_description"] = payload["error_description"]
        return problem(
            status,
            payload.get("error_description") or "The token request was refused.",
            headers={k: v for k, v in headers if k.lower() == "www-authenticate"},
            **extra,
        )


class Validator(BearerTokenValidator):  # type: ignore[misc]
    def authenticate_token(self, token_string: str) -> Token | None:
        record = bearer_token(token_string)
        return Token(record) if record is not None else None


def bearer_token(token_string: str) -> ApiToken | None:
    """The stored token for this value, looked up once per request."""
    cached = g.get("_api_token")
    if cached is not None and cached[0] == token_string:
        found: ApiToken | None = cached[1]
        return found
    record = queries.token_by_value(token_string)
    g._api_token = (token_string, record)
    return record


server = Server()
server.register_grant(ClientCredentialsGrant)
protector = ResourceProtector()
protector.register_token_validator(Validator())


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {"client_credentials": int(app.config.get("API_TOKEN_SECONDS", DEFAULT_TOKEN_SECONDS))},
    )
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(SCOPES))
    server.init_app(app, query_client=_query_client, save_token=_save_token)
