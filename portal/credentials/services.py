"""Use cases: creating and rotating the signing keys, issuing a credential for an accreditation,
signing the status lists and verifying a credential someone has been given."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from portal.applications.models import AccreditationRecord, AccreditationStatus
from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.credentials import queries, signing, statuslist
from portal.credentials.models import IssuedCredential, KeyStatus, SigningKey
from portal.credentials.signing import Failure, Rejected
from portal.extensions import db

STATUS_LIST_TTL = 60 * 60  # seconds a verifier may cache a status list


class KeyUnavailable(DomainError):
    """The active key's private half cannot be read with this configuration."""


# Keys


def _cipher() -> Fernet:
    """Fernet with a key derived (HKDF-SHA256) from CREDENTIAL_KEY_SECRET, or SECRET_KEY."""
    secret = current_app.config.get("CREDENTIAL_KEY_SECRET") or current_app.config["SECRET_KEY"]
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"portal credential signing keys",
        info=b"fernet",
    ).derive(str(secret).encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _create_key() -> SigningKey:
    private = signing.new_key()
    kid = str(private.kid)
    row = SigningKey(
        kid=kid,
        algorithm=signing.ALGORITHM,
        public_jwk=signing.public_jwk(private),
        encrypted_private_key=_cipher().encrypt(signing.private_pem(private)).decode(),
        status=KeyStatus.ACTIVE,
    )
    db.session.add(row)
    db.session.flush()
    return row


def ensure_key() -> SigningKey:
    """The active signing key, created on first need."""
    active = queries.active_key()
    if active is not None:
        return active
    row = _create_key()
    record_event(
        None,
        "credentials.key_created",
        subject_type="signing_key",
        subject_id=row.kid,
        summary=f"Signing key {row.kid} created",
    )
    db.session.flush()
    return row


def rotate_key(actor: User | None = None, *, now: datetime | None = None) -> SigningKey:
    """Retire the active key and create another. The retired key's public half stays
    published so that credentials it signed still verify; it signs nothing new."""
    now = now or utcnow()
    old = queries.active_key()
    if old is not None:
        old.status = KeyStatus.RETIRED
        old.retired_at = now
        db.session.flush()  # one active key at a time, even within this transaction
    new = _create_key()
    record_event(
        actor,
        "credentials.key_rotated",
        subject_type="signing_key",
        subject_id=new.kid,
        summary=(
            f"Signing key {new.kid} replaced {old.kid}" if old else f"Signing key {new.kid} created"
        ),
        changes={"retired": old.kid if old else None, "active": new.kid},
    )
    db.session.flush()
    return new


def sign_with(key: SigningKey, payload: dict[str, object]) -> str:
    """Sign with `key`, which must be the active key: a retired key signs nothing."""
    if key.status is not KeyStatus.ACTIVE:
        raise DomainError(f"Signing key {key.kid} is retired: it signs nothing new")
    try:
        pem = _cipher().decrypt(key.encrypted_private_key.encode())
    except InvalidToken:
        raise KeyUnavailable(
            "The signing key cannot be read with the portal's current secret. "
            "Rotate the key to sign with a new one."
        ) from None
    return signing.sign(payload, signing.load_private_key(pem, key.kid), key.kid)


# Issuing


ISSUABLE = frozenset(
    {
        AccreditationStatus.ACCREDITED,
        AccreditationStatus.ACCREDITED_WITH_CONDITIONS,
        AccreditationStatus.PROVISIONAL,
    }
)


def _level_name(record: AccreditationRecord) -> str:
    for level in record.scheme.settings.get("levels") or []:
        if isinstance(level, dict) and level.get("code") == record.level:
            return str(level.get("name") or record.level)
    return record.level


def _free_index() -> int:
    """A random unused place in the status lists, so a list reveals nothing about when a
    credential was issued or whose it is."""
    for _ in range(20):
        candidates = [secrets.randbelow(statuslist.SIZE) for _ in range(16)]
        free = [c for c in candidates if c not in queries.used_indexes(candidates)]
        if free:
            return free[0]
    raise DomainError("The status lists are full")  # pragma: no cover (131,072 places)


def issue_credential(
    actor: User, record: AccreditationRecord, *, today: date, now: datetime | None = None
) -> IssuedCredential:
    """A credential for the record's current term, signed with the active key. Issued once
    a term: asking again gives the same credential; a renewal or a new term gives a new one
    and keeps the old. Only a current accreditation whose term has started or is running
    gets one."""
    if record.user_id != actor.id:
        raise DomainError("You can only take a credential for your own accreditation")
    if record.status not in ISSUABLE:
        raise DomainError(
            f"Your accreditation is {record.status.label.lower()}, so no credential can be "
            "issued for it"
        )
    if record.expires_on <= today:
        raise DomainError("Your accreditation's term has ended, so no credential can be issued")
    existing = queries.credential_for_term(record)
    if existing is not None:
        return existing
    now = now or utcnow()
    key = ensure_key()
    framework = queries.framework_of(record)
    public_id = str(uuid.uuid4())
    index = _free_index()
    base_url = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    accreditation = signing.Accreditation(
        public_id=public_id,
        number=record.number,
        name=record.user.name,
        level=record.level,
        level_name=_level_name(record),
        scheme_name=record.scheme.name,
        valid_from=record.starts_on,
        valid_until=record.expires_on,
        framework_title=framework.title,
        framework_version=framework.version,
        framework_url=f"{base_url}/credentials/frameworks/{framework.id}",
        domains=[signing.Domain(d.code, d.title) for d in queries.domains_of(framework.id)],
        status_index=index,
    )
    payload = signing.build_credential(
        accreditation,
        base_url=base_url,
        issuer_name=str(current_app.config["SERVICE_NAME"]),
        issued_at=now,
    )
    credential = IssuedCredential(
        public_id=public_id,
        record_id=record.id,
        status_index=index,
        kid=key.kid,
        level=record.level,
        valid_from=record.starts_on,
        valid_until=record.expires_on,
        issued_at=now,
        issued_by_id=actor.id,
        token=sign_with(key, payload),
    )
    db.session.add(credential)
    db.session.flush()
    record_event(
        actor,
        "credentials.issued",
        subject_type="accreditation",
        subject_id=record.id,
        summary=(
            f"Credential for {record.number} issued, valid {record.starts_on} to "
            f"{record.expires_on}, signed with {key.kid}"
        ),
        changes={"credential": public_id, "status_index": index, "kid": key.kid},
    )
    db.session.flush()
    return credential


# Status lists


def status_list(purpose: str, *, now: datetime | None = None) -> str | None:
    """The signed status list for `purpose`, from the records as they are now; None before
    the portal has a key (nothing has been issued, so there is nothing to list)."""
    now = now or utcnow()
    key = queries.active_key()
    if key is None:
        return None
    today = now.astimezone(UTC).date()
    encoded = statuslist.encode(queries.status_indexes(purpose, today=today))
    payload = signing.build_status_list(
        base_url=str(current_app.config["PUBLIC_URL"]).rstrip("/"),
        issuer_name=str(current_app.config["SERVICE_NAME"]),
        purpose=purpose,
        encoded_list=encoded,
        now=now,
        ttl=STATUS_LIST_TTL,
    )
    return sign_with(key, payload)


def status_bit(purpose: str, index: int, *, today: date) -> bool:
    """The bit at `index` in the list for `purpose`, read from the list as it is served."""
    bits = statuslist.decode(statuslist.encode(queries.status_indexes(purpose, today=today)))
    return statuslist.is_set(bits, index)


# Verifying


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a credential, in the terms a member of the public needs."""

    failure: Failure | None = None
    contents: signing.Contents | None = None
    kid: str | None = None
    expired: bool = False
    not_yet_valid: bool = False
    revoked: bool = False
    suspended: bool = False
    register: AccreditationRecord | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def genuine(self) -> bool:
        """Signed by the portal, unchanged, and issued by it."""
        return self.failure is None

    @property
    def valid(self) -> bool:
        """Genuine, within its dates, and neither revoked nor suspended."""
        return (
            self.genuine
            and not (self.expired or self.not_yet_valid)
            and not (self.revoked or self.suspended)
        )


def verify_credential(token: str, *, now: datetime | None = None) -> Verification:
    """Check a credential's signature against the portal's keys, its dates, and its status
    now. Never raises for bad input: every problem is an outcome."""
    now = now or utcnow()
    base_url = str(current_app.config["PUBLIC_URL"]).rstrip("/")
    try:
        checked = signing.check_signature(token, queries.public_keys())
        contents = signing.contents(checked.payload, base_url=base_url)
        key = queries.key(checked.kid)
        if key is None:
            raise RuntimeError("check_signature found it among the keys")
        if (
            key.retired_at is not None
            and contents.issued_at is not None
            and contents.issued_at > key.retired_at
        ):
            raise Rejected(Failure.KEY_RETIRED)
        issued = queries.credential(contents.public_id)
        if issued is None or issued.kid != checked.kid:
            raise Rejected(Failure.NOT_ISSUED)
    except Rejected as rejected:
        return Verification(failure=rejected.failure)
    today = now.astimezone(UTC).date()
    index = contents.status_index
    revoked = index is not None and status_bit("revocation", index, today=today)
    suspended = index is not None and status_bit("suspension", index, today=today)
    return Verification(
        contents=contents,
        kid=checked.kid,
        expired=contents.valid_until is not None and now >= contents.valid_until,
        not_yet_valid=contents.valid_from is not None and now < contents.valid_from,
        revoked=revoked,
        suspended=suspended,
        register=queries.record_by_number(contents.number) if contents.number else None,
    )
