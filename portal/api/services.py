"""Use cases for API clients: administrators create and revoke them; the token endpoint
issues tokens; the API notes when a client was last used."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.api.models import SCOPES, ApiClient, ApiToken
from portal.api.queries import token_hash
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind

NAME_MAX = 120
# Last use is written at most this often, so that busy clients do not write on every call.
LAST_USE_GRAIN = timedelta(minutes=1)


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    # Shown once, on the page that confirms the client was created; never stored.
    secret: str


def create_client(
    actor: User, *, name: str, partnership: Organisation | None, scopes: list[str]
) -> NewClient:
    """A client belongs to one active safeguarding partnership and holds known scopes."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter a name for the client", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"Name must be {NAME_MAX} characters or fewer", field="name")
    if (
        partnership is None
        or partnership.kind is not OrganisationKind.PARTNERSHIP
        or partnership.merged_into_id is not None
    ):
        raise DomainError("Choose the partnership the client is for", field="partnership")
    chosen = [scope for scope in SCOPES if scope in set(scopes)]
    if not chosen or len(chosen) != len(set(scopes)):
        raise DomainError("Choose what the client may do", field="scopes")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=secrets.token_urlsafe(18),
        secret_hash=hash_password(secret),
        name=name,
        partnership_id=partnership.id,
        scopes=" ".join(chosen),
        created_by_id=actor.id,
    )
    db.session.add(client)
    db.session.flush()
    record_event(
        actor,
        "api.client_created",
        subject_type="api_client",
        subject_id=client.id,
        summary=f"Created API client {name} for {partnership.name}",
        changes={"client_id": client.client_id, "scopes": chosen, "partnership": partnership.id},
    )
    db.session.flush()
    return NewClient(client=client, secret=secret)


def revoke_client(actor: User, client: ApiClient) -> None:
    """A revoked client gets no new token, and its tokens stop working at once."""
    if client.revoked_at is not None:
        raise DomainError("This client was revoked already")
    now = utcnow()
    client.revoked_at = now
    client.revoked_by_id = actor.id
    db.session.execute(sa.delete(ApiToken).where(ApiToken.api_client_id == client.id))
    record_event(
        actor,
        "api.client_revoked",
        subject_type="api_client",
        subject_id=client.id,
        summary=f"Revoked API client {client.name} of {client.partnership.name}",
        changes={"client_id": client.client_id},
    )
    db.session.flush()


def save_token(client: ApiClient, *, access_token: str, scope: str, expires_in: int) -> ApiToken:
    """Keep the token's hash only; the client holds the token itself."""
    now = utcnow()
    token = ApiToken(
        api_client_id=client.id,
        token_hash=token_hash(access_token),
        scope=scope,
        issued_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )
    db.session.add(token)
    note_use(client, now)
    db.session.flush()
    return token


def note_use(client: ApiClient, now: datetime) -> bool:
    """Record that the client was used, unless that was recorded a moment ago."""
    if client.last_used_at is not None and now - client.last_used_at < LAST_USE_GRAIN:
        return False
    client.last_used_at = now
    db.session.flush()
    return True


def purge_expired_tokens(now: datetime) -> int:
    """Delete tokens that expired before `now`; they can never be used again."""
    result = db.session.execute(sa.delete(ApiToken).where(ApiToken.expires_at < now))
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
