"""Read models for API clients: the administrators' list, and lookups for the OAuth server."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.api.models import ApiClient, ApiToken
from portal.auth.models import User
from portal.extensions import db
from portal.organisations import queries as organisation_queries
from portal.organisations.models import Organisation


def token_hash(token: str) -> str:
    """Access tokens are long random strings: a plain SHA-256 cannot be reversed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Client ids are URL-safe base64: anything else (a NUL byte, say) is no client id.
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,48}$")


def active_client(client_id: str) -> ApiClient | None:
    """The client with this id, unless it was revoked."""
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        return None
    return db.session.scalar(
        sa.select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.revoked_at.is_(None))
    )


def token_by_value(token: str) -> ApiToken | None:
    """The token with this value, whatever its state (the validator says why it is refused)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(token)))


def client(client_pk: int) -> ApiClient | None:
    return db.session.get(ApiClient, client_pk)


@dataclass(frozen=True)
class ClientRow:
    id: int
    name: str
    client_id: str
    partnership: str
    scopes: list[str]
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


def client_rows() -> list[ClientRow]:
    """Every client, active first, then by partnership and name: one query."""
    creator = aliased(User)
    rows = db.session.execute(
        sa.select(
            ApiClient.id,
            ApiClient.name,
            ApiClient.client_id,
            Organisation.name,
            ApiClient.scopes,
            ApiClient.created_at,
            creator.name,
            ApiClient.last_used_at,
            ApiClient.revoked_at,
        )
        .join(Organisation, Organisation.id == ApiClient.partnership_id)
        .join(creator, creator.id == ApiClient.created_by_id)
        .order_by(ApiClient.revoked_at.is_not(None), Organisation.name, ApiClient.name)
    )
    return [
        ClientRow(
            id=row[0],
            name=row[1],
            client_id=row[2],
            partnership=row[3],
            scopes=row[4].split(),
            created_at=row[5],
            created_by=row[6],
            last_used_at=row[7],
            revoked_at=row[8],
        )
        for row in rows
    ]


def partnerships() -> list[Organisation]:
    """The partnerships a client can be created for."""
    return organisation_queries.active_partnerships()
