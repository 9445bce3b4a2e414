"""Open Badges 3.0 credentials as VC-JWTs: building the credential, signing it with one of the
portal's keys and checking a signature. Pure: no database, no Flask."""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

# joserfc is Authlib's JOSE implementation (Authlib depends on it and deprecates its own
# authlib.jose in its favour): typed, and strict about which algorithms it accepts.
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

# ES256 (ECDSA on P-256 with SHA-256): the algorithm every JOSE library and verifier supports.
ALGORITHM = "ES256"
CURVE = "P-256"
# VC-JOSE-COSE: a credential secured as a JWT is typed vc+jwt, its content a credential.
HEADER_TYPE = "vc+jwt"
CONTENT_TYPE = "vc"
MEDIA_TYPE = "application/vc+jwt"

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
NUMBER_IDENTITY_TYPE = "ext:AccreditationNumber"
STATUS_PURPOSES = ("revocation", "suspension")

# Anything longer than this is not one of our credentials (ours are a few kilobytes).
MAX_TOKEN_CHARS = 64 * 1024


def new_key() -> ECKey:
    """A fresh private key whose kid is its RFC 7638 thumbprint."""
    key = ECKey.generate_key(CURVE, private=True)
    return ECKey.import_key(
        key.as_pem(private=True),
        parameters={"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM},
    )


def public_jwk(key: ECKey) -> dict[str, Any]:
    return dict(key.as_dict(private=False))


def private_pem(key: ECKey) -> bytes:
    return key.as_pem(private=True)


def load_private_key(pem: bytes, kid: str) -> ECKey:
    return ECKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})


def sign(payload: Mapping[str, Any], key: ECKey, kid: str) -> str:
    """The payload as a compact JWS, with the kid in its protected header."""
    header = {"alg": ALGORITHM, "typ": HEADER_TYPE, "cty": CONTENT_TYPE, "kid": kid}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, body, key, algorithms=[ALGORITHM])


def instant(day: date) -> datetime:
    """A term's date as the start of that day in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Building


@dataclass(frozen=True)
class Domain:
    code: str
    title: str


@dataclass(frozen=True)
class Accreditation:
    """What one credential says about one accreditation."""

    public_id: str
    number: str
    name: str
    level: str
    level_name: str
    scheme_name: str
    valid_from: date
    valid_until: date
    framework_title: str
    framework_version: str
    framework_url: str
    domains: Sequence[Domain]
    status_index: int


def status_list_url(base_url: str, purpose: str) -> str:
    return f"{base_url}/credentials/status/{purpose}"


def build_credential(
    accreditation: Accreditation, *, base_url: str, issuer_name: str, issued_at: datetime
) -> dict[str, Any]:
    """An OpenBadgeCredential (Open Badges 3.0 on the VC data model 2.0) with the JWT claims
    VC-JOSE-COSE allows beside it."""
    a = accreditation
    entry_url = f"{base_url}/register/{a.number}"
    starts, ends = instant(a.valid_from), instant(a.valid_until)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{a.public_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{a.scheme_name}: {a.level_name}",
        "issuer": {
            "id": base_url,
            "type": ["Profile"],
            "name": issuer_name,
            "url": base_url,
        },
        "validFrom": iso(starts),
        "validUntil": iso(ends),
        "credentialSubject": {
            "id": entry_url,
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": a.name,
                },
                {
                    "type": "IdentityObject",
                    "identityType": NUMBER_IDENTITY_TYPE,
                    "hashed": False,
                    "identityHash": a.number,
                },
            ],
            "achievement": {
                "id": f"{a.framework_url}#level-{a.level}",
                "type": ["Achievement"],
                "achievementType": "License",
                "name": f"{a.scheme_name}: {a.level_name}",
                "description": (
                    f"{a.level_name} in the {a.scheme_name} scheme, assessed against "
                    f"{a.framework_title} (version {a.framework_version})."
                ),
                "criteria": {
                    "narrative": (
                        "Assessed by independent assessors against each competency of the "
                        "framework, with references, work samples and a decision by the "
                        "accreditation panel."
                    )
                },
                "humanCode": a.level,
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": domain.title,
                        "targetCode": domain.code,
                        "targetFramework": f"{a.framework_title} (version {a.framework_version})",
                        "targetUrl": f"{a.framework_url}#domain-{domain.code}",
                        # A domain of the portal's own framework, not a CASE item.
                        "targetType": "ext:CompetencyDomain",
                    }
                    for domain in a.domains
                ],
            },
        },
        "credentialStatus": [
            {
                "id": f"{status_list_url(base_url, purpose)}#{a.status_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(a.status_index),
                "statusListCredential": status_list_url(base_url, purpose),
            }
            for purpose in STATUS_PURPOSES
        ],
        "iss": base_url,
        "sub": entry_url,
        "jti": f"urn:uuid:{a.public_id}",
        "iat": int(issued_at.timestamp()),
        "nbf": int(starts.timestamp()),
        "exp": int(ends.timestamp()),
    }


def build_status_list(
    *, base_url: str, issuer_name: str, purpose: str, encoded_list: str, now: datetime, ttl: int
) -> dict[str, Any]:
    """A BitstringStatusListCredential for one purpose."""
    url = status_list_url(base_url, purpose)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": base_url, "type": ["Profile"], "name": issuer_name},
        "validFrom": iso(now),
        "validUntil": iso(datetime.fromtimestamp(now.timestamp() + ttl, UTC)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
            "ttl": ttl * 1000,
        },
        "iss": base_url,
        "iat": int(now.timestamp()),
    }


# Checking


class Failure(enum.StrEnum):
    """Why a piece of text is not a credential the portal can vouch for."""

    MALFORMED = "malformed"
    NO_ALGORITHM = "no_algorithm"
    WRONG_ALGORITHM = "wrong_algorithm"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NOT_A_CREDENTIAL = "not_a_credential"
    KEY_RETIRED = "key_retired"
    NOT_ISSUED = "not_issued"

    @property
    def message(self) -> str:
        return FAILURE_MESSAGES[self]


FAILURE_MESSAGES: dict[Failure, str] = {
    Failure.MALFORMED: (
        "This is not a credential file. A credential is one long line of letters, numbers, "
        "dashes and underscores in three parts separated by full stops."
    ),
    Failure.NO_ALGORITHM: (
        "This credential is not signed at all, so anyone could have written it. Do not rely on it."
    ),
    Failure.WRONG_ALGORITHM: (
        "This credential is not signed the way the portal signs credentials. Do not rely on it."
    ),
    Failure.UNKNOWN_KEY: (
        "This credential was not signed with any of the portal's keys. Do not rely on it."
    ),
    Failure.BAD_SIGNATURE: (
        "The signature does not match the credential: it has been changed since it was "
        "issued, or it was not issued by the portal. Do not rely on it."
    ),
    Failure.NOT_A_CREDENTIAL: (
        "This is signed by the portal but it is not an accreditation credential."
    ),
    Failure.KEY_RETIRED: (
        "This credential was signed with a key after the portal had stopped using it. "
        "Do not rely on it."
    ),
    Failure.NOT_ISSUED: ("The portal has no record of issuing this credential. Do not rely on it."),
}


class Rejected(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass(frozen=True)
class Checked:
    """A credential whose signature holds: its header and payload."""

    kid: str
    header: dict[str, Any]
    payload: dict[str, Any]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def read_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, or Rejected(MALFORMED)."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]) or len(token) > MAX_TOKEN_CHARS:
        raise Rejected(Failure.MALFORMED)
    try:
        header = json.loads(_b64decode(parts[0]))
    except (binascii.Error, ValueError):
        raise Rejected(Failure.MALFORMED) from None
    if not isinstance(header, dict):
        raise Rejected(Failure.MALFORMED)
    return header


def check_signature(token: str, public_keys: Mapping[str, Mapping[str, Any]]) -> Checked:
    """Check a compact JWS against the portal's public keys (kid -> JWK). Only ES256 is
    accepted, whatever the header asks for: `alg: none` and HMAC with a public key as its
    secret are refused before any key is used."""
    token = "".join(token.split())
    header = read_header(token)
    alg = header.get("alg")
    if not alg or str(alg).lower() == "none":
        raise Rejected(Failure.NO_ALGORITHM)
    if alg != ALGORITHM:
        raise Rejected(Failure.WRONG_ALGORITHM)
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in public_keys:
        raise Rejected(Failure.UNKNOWN_KEY)
    key = ECKey.import_key(dict(public_keys[kid]))
    try:
        verified = jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
    except JoseError:
        raise Rejected(Failure.BAD_SIGNATURE) from None
    try:
        payload = json.loads(verified.payload)
    except ValueError:
        raise Rejected(Failure.NOT_A_CREDENTIAL) from None
    if not isinstance(payload, dict):
        raise Rejected(Failure.NOT_A_CREDENTIAL)
    return Checked(kid=kid, header=dict(header), payload=payload)


# Reading a checked credential


def parse_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Contents:
    """What a checked credential says, read defensively."""

    public_id: str
    name: str
    number: str
    achievement: str
    level: str
    valid_from: datetime | None
    valid_until: datetime | None
    issued_at: datetime | None
    domains: list[Domain]
    framework: str
    status_index: int | None


def _identity(subject: Mapping[str, Any], kind: str) -> str:
    for identity in subject.get("identifier") or []:
        if isinstance(identity, dict) and identity.get("identityType") == kind:
            return str(identity.get("identityHash") or "")
    return ""


def _status_index(payload: Mapping[str, Any], base_url: str) -> int | None:
    entries = payload.get("credentialStatus") or []
    if isinstance(entries, dict):
        entries = [entries]
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if str(entry.get("statusListCredential", "")).startswith(status_list_url(base_url, "")):
            raw = str(entry.get("statusListIndex", ""))
            if raw.isdigit():
                return int(raw)
    return None


def contents(payload: Mapping[str, Any], *, base_url: str) -> Contents:
    """Read an OpenBadgeCredential the portal issued, or Rejected(NOT_A_CREDENTIAL)."""
    types = payload.get("type") or []
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = payload.get("credentialSubject")
    if (
        not isinstance(types, list)
        or "OpenBadgeCredential" not in types
        or issuer_id != base_url
        or not isinstance(subject, dict)
        or not str(payload.get("id", "")).startswith("urn:uuid:")
    ):
        raise Rejected(Failure.NOT_A_CREDENTIAL)
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    alignments = [a for a in achievement.get("alignment") or [] if isinstance(a, dict)]
    issued = payload.get("iat")
    return Contents(
        public_id=str(payload["id"]).removeprefix("urn:uuid:"),
        name=_identity(subject, "name"),
        number=_identity(subject, NUMBER_IDENTITY_TYPE),
        achievement=str(achievement.get("name") or ""),
        level=str(achievement.get("humanCode") or ""),
        valid_from=parse_instant(payload.get("validFrom")),
        valid_until=parse_instant(payload.get("validUntil")),
        issued_at=datetime.fromtimestamp(issued, UTC) if isinstance(issued, int) else None,
        domains=[
            Domain(str(a.get("targetCode") or ""), str(a.get("targetName") or ""))
            for a in alignments
        ],
        framework=str(alignments[0].get("targetFramework") or "") if alignments else "",
        status_index=_status_index(payload, base_url),
    )
