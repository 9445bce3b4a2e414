"""The OpenID Connect conversation with a provider, through Authlib: start (PKCE S256, state and
nonce in the session), finish (code for tokens; ID token signature, issuer, audience, expiry
and nonce checked by Authlib), userinfo, and the provider's sign-out address."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from joserfc.errors import ExpiredTokenError, JoseError
from werkzeug.wrappers import Response

from portal.auth.identity_providers import IdentityProvider, ProviderIdentity, SignInProblem
from portal.extensions import oauth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assertion:
    """The person, whether the provider says it checked a second factor, and the ID token
    (kept to name the session when asking the provider to end it)."""

    identity: ProviderIdentity
    multi_factor: bool
    id_token: str


def _client(provider: IdentityProvider) -> Any:
    # One Authlib client per provider configuration: the key changes with the configuration,
    # so a changed client id or address is never served by a client built for the old one.
    key = f"{provider.name}-{provider.fingerprint}"
    client = oauth.create_client(key)
    if client is None:
        client = oauth.register(
            key,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": " ".join(provider.scopes),
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": provider.token_endpoint_auth_method,
                "default_timeout": provider.timeout_seconds,
            },
        )
    return client


def unreachable(provider: IdentityProvider) -> SignInProblem:
    return SignInProblem(
        f"We could not reach {provider.label}",
        f"We could not reach {provider.label}. Try again later or sign in with your password.",
        status=503,
    )


def not_completed(provider: IdentityProvider) -> SignInProblem:
    return SignInProblem(
        "Your sign-in could not be completed",
        f"Your sign-in with {provider.label} could not be completed: it may have been started "
        "in another browser, taken too long, or been used already. Start again.",
    )


def untrusted(provider: IdentityProvider) -> SignInProblem:
    return SignInProblem(
        "Your sign-in could not be checked",
        f"We could not check the sign-in that {provider.label} sent us, so we did not use it. "
        "Start again, or sign in with your password.",
    )


def _metadata(provider: IdentityProvider) -> dict[str, Any]:
    client = _client(provider)
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("identity provider unreachable", extra={"provider": provider.name})
        raise unreachable(provider) from exc
    if provider.issuer and metadata.get("issuer") != provider.issuer:
        log.warning("identity provider names another issuer", extra={"provider": provider.name})
        raise untrusted(provider)
    return metadata


def start(provider: IdentityProvider, redirect_uri: str) -> Response:
    """A redirect to the provider; state, nonce and the PKCE verifier wait in the session."""
    _metadata(provider)
    try:
        response: Response = _client(provider).authorize_redirect(redirect_uri)
    except requests.RequestException as exc:
        raise unreachable(provider) from exc
    return response


def finish(provider: IdentityProvider) -> Assertion:
    """Exchange the code from the callback's query for tokens and check them; read the email
    and name from userinfo (the ID token need carry only the subject)."""
    client = _client(provider)
    metadata = _metadata(provider)
    try:
        token = client.authorize_access_token()
        if "userinfo" not in token:
            raise untrusted(provider)  # no ID token, or no nonce to check it against
        claims = dict(token["userinfo"])
        userinfo = dict(client.userinfo(token=token))
    except MismatchingStateError as exc:
        raise not_completed(provider) from exc
    except requests.HTTPError as exc:
        log.warning("identity provider refused a request", extra={"provider": provider.name})
        raise not_completed(provider) from exc
    except requests.RequestException as exc:
        log.warning("identity provider unreachable", extra={"provider": provider.name})
        raise unreachable(provider) from exc
    except ExpiredTokenError as exc:
        log.warning("expired ID token", extra={"provider": provider.name})
        raise untrusted(provider) from exc
    except (JoseError, AuthlibBaseError, ValueError) as exc:
        if isinstance(exc, OAuthError) and exc.error == "access_denied":
            raise SignInProblem(
                "You did not finish signing in",
                f"You did not finish signing in with {provider.label}. Start again, or sign "
                "in with your password.",
            ) from exc
        log.warning(
            "identity provider sign-in refused",
            extra={"provider": provider.name, "error": type(exc).__name__},
        )
        if isinstance(exc, OAuthError):
            raise not_completed(provider) from exc
        raise untrusted(provider) from exc
    subject = str(claims.get("sub") or "")
    if not subject or userinfo.get("sub") != subject:
        # Userinfo must describe the person the ID token is about (OpenID Connect Core 5.3.2).
        raise untrusted(provider)
    email = userinfo.get("email")
    name = userinfo.get("name") or " ".join(
        str(part) for part in (userinfo.get("given_name"), userinfo.get("family_name")) if part
    )
    return Assertion(
        identity=ProviderIdentity(
            issuer=str(claims.get("iss") or metadata.get("issuer") or ""),
            subject=subject,
            email=email if isinstance(email, str) else "",
            email_verified=userinfo.get("email_verified") is True,
            name=str(name or ""),
        ),
        multi_factor=provider.asserts_multi_factor(claims.get("amr"), claims.get("acr")),
        id_token=str(token.get("id_token") or ""),
    )


def sign_out_url(provider: IdentityProvider, id_token: str, return_to: str) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout),
    or None when the provider offers no such address or cannot be reached."""
    try:
        metadata = _metadata(provider)
    except SignInProblem:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = _client(provider).create_logout_url(
        post_logout_redirect_uri=return_to,
        id_token_hint=id_token or None,
        client_id=provider.client_id,
    )
    return str(result["url"])
