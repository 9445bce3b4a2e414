"""Building, signing and checking credentials, and status list bitstrings: pure rules."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, date, datetime

import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from portal.credentials import signing, statuslist
from portal.credentials.signing import Failure, Rejected

pytestmark = pytest.mark.no_db

BASE = "https://accreditation.example.test"


def _accreditation(**changes: object) -> signing.Accreditation:
    values: dict[str, object] = {
        "public_id": "6f1c1b9e-2f4e-4a57-9d43-0d3c8f3f0a11",
        "number": "CSPR-2026-00042",
        "name": "Ada Example",
        "level": "reviewer",
        "level_name": "Reviewer",
        "scheme_name": "Child safeguarding practice reviewers",
        "valid_from": date(2026, 1, 5),
        "valid_until": date(2029, 1, 5),
        "framework_title": "Reviewer competency framework",
        "framework_version": "1.0",
        "framework_url": f"{BASE}/credentials/frameworks/3",
        "domains": [signing.Domain("A", "Analysis"), signing.Domain("B", "Relationships")],
        "status_index": 4242,
    }
    values.update(changes)
    return signing.Accreditation(**values)  # type: ignore[arg-type]


def _payload() -> dict:
    return signing.build_credential(
        _accreditation(),
        base_url=BASE,
        issuer_name="The portal",
        issued_at=datetime(2026, 1, 6, 9, 30, tzinfo=UTC),
    )


@pytest.fixture(scope="module")
def key():
    return signing.new_key()


@pytest.fixture(scope="module")
def keys(key):
    return {key.kid: signing.public_jwk(key)}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segments(token: str) -> tuple[dict, dict, str]:
    head, body, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(head))),
        json.loads(base64.urlsafe_b64decode(pad(body))),
        signature,
    )


def test_the_credential_is_an_open_badge_on_the_vc_2_data_model():
    payload = _payload()
    assert payload["@context"] == [signing.VC_CONTEXT, signing.OB_CONTEXT]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"]["type"] == ["Profile"] and payload["issuer"]["id"] == BASE
    assert payload["validFrom"] == "2026-01-05T00:00:00Z"
    assert payload["validUntil"] == "2029-01-05T00:00:00Z"
    assert payload["nbf"] < payload["iat"] < payload["exp"]
    assert payload["jti"] == payload["id"] == "urn:uuid:6f1c1b9e-2f4e-4a57-9d43-0d3c8f3f0a11"
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    identities = {i["identityType"]: i["identityHash"] for i in subject["identifier"]}
    assert identities == {"name": "Ada Example", "ext:AccreditationNumber": "CSPR-2026-00042"}
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert [(a["targetCode"], a["targetName"]) for a in achievement["alignment"]] == [
        ("A", "Analysis"),
        ("B", "Relationships"),
    ]
    assert all(
        a["targetUrl"].startswith(f"{BASE}/credentials/frameworks/3#domain-")
        for a in achievement["alignment"]
    )
    statuses = payload["credentialStatus"]
    assert [s["statusPurpose"] for s in statuses] == ["revocation", "suspension"]
    for status in statuses:
        assert status["type"] == "BitstringStatusListEntry"
        assert status["statusListIndex"] == "4242"
        purpose = status["statusPurpose"]
        assert status["statusListCredential"] == f"{BASE}/credentials/status/{purpose}"


def test_a_signed_credential_is_a_vc_jwt_with_its_kid_and_verifies(key, keys):
    token = signing.sign(_payload(), key, key.kid)
    header, body, _ = _segments(token)
    assert header == {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": key.kid}
    checked = signing.check_signature(token, keys)
    assert checked.kid == key.kid and checked.payload == body == _payload()
    contents = signing.contents(checked.payload, base_url=BASE)
    assert (contents.name, contents.number, contents.status_index) == (
        "Ada Example",
        "CSPR-2026-00042",
        4242,
    )
    assert contents.valid_until == datetime(2029, 1, 5, tzinfo=UTC)
    assert [d.code for d in contents.domains] == ["A", "B"]


def test_line_breaks_and_spaces_around_a_pasted_credential_do_not_matter(key, keys):
    token = signing.sign(_payload(), key, key.kid)
    wrapped = "\n  " + "\n".join(token[i : i + 60] for i in range(0, len(token), 60)) + "\n"
    assert signing.check_signature(wrapped, keys).kid == key.kid


def _rejected(token: str, keys) -> Failure:
    with pytest.raises(Rejected) as caught:
        signing.check_signature(token, keys)
    assert str(caught.value) == caught.value.failure.message
    return caught.value.failure


def test_a_changed_byte_in_the_payload_breaks_the_signature(key, keys):
    token = signing.sign(_payload(), key, key.kid)
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    at = raw.index(b"Ada Example")
    raw[at] = ord("E")  # "Eda Example"
    assert _rejected(f"{head}.{_b64(bytes(raw))}.{signature}", keys) is Failure.BAD_SIGNATURE


def test_a_later_validity_written_into_the_payload_breaks_the_signature(key, keys):
    token = signing.sign(_payload(), key, key.kid)
    head, _, signature = token.split(".")
    forged = {**_payload(), "validUntil": "2099-01-01T00:00:00Z"}
    body = _b64(json.dumps(forged, separators=(",", ":")).encode())
    assert _rejected(f"{head}.{body}.{signature}", keys) is Failure.BAD_SIGNATURE


def test_a_signature_from_another_credential_does_not_fit(key, keys):
    one = signing.sign(_payload(), key, key.kid)
    other = signing.sign({**_payload(), "name": "Another"}, key, key.kid)
    head, body, _ = one.split(".")
    assert _rejected(f"{head}.{body}.{other.split('.')[2]}", keys) is Failure.BAD_SIGNATURE


def test_a_signature_made_with_a_key_of_the_attackers_own_does_not_fit(key, keys):
    mallory = signing.new_key()
    forged = signing.sign(_payload(), mallory, key.kid)  # claims to be the portal's key
    assert _rejected(forged, keys) is Failure.BAD_SIGNATURE
    assert _rejected(signing.sign(_payload(), mallory, mallory.kid), keys) is Failure.UNKNOWN_KEY


def test_a_header_whose_kid_was_changed_names_no_key_of_the_portal(key, keys):
    token = signing.sign(_payload(), key, key.kid)
    header, _, _ = _segments(token)
    changed = _b64(json.dumps({**header, "kid": "someone-else"}).encode())
    _, body, signature = token.split(".")
    assert _rejected(f"{changed}.{body}.{signature}", keys) is Failure.UNKNOWN_KEY


def test_a_changed_kid_pointing_at_another_real_key_fails_on_the_signature(key, keys):
    second = signing.new_key()
    both = {**keys, second.kid: signing.public_jwk(second)}
    token = signing.sign(_payload(), key, key.kid)
    header, _, _ = _segments(token)
    changed = _b64(json.dumps({**header, "kid": second.kid}).encode())
    _, body, signature = token.split(".")
    assert _rejected(f"{changed}.{body}.{signature}", both) is Failure.BAD_SIGNATURE


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_an_unsigned_credential_is_refused(keys, key, alg):
    header = _b64(json.dumps({"alg": alg, "typ": "vc+jwt", "kid": key.kid}).encode())
    body = _b64(json.dumps(_payload()).encode())
    assert _rejected(f"{header}.{body}.", keys) is Failure.NO_ALGORITHM
    assert _rejected(f"{header}.{body}.c2ln", keys) is Failure.NO_ALGORITHM


def test_a_credential_signed_with_the_public_key_as_an_hmac_secret_is_refused(key, keys):
    # The classic confusion attack: HS256 keyed with the published public key.
    secret = OctKey.import_key(json.dumps(signing.public_jwk(key)).encode())
    header = {"alg": "HS256", "typ": "vc+jwt", "kid": key.kid}
    forged = jws.serialize_compact(header, json.dumps(_payload()), secret, algorithms=["HS256"])
    assert _rejected(forged, keys) is Failure.WRONG_ALGORITHM


@pytest.mark.parametrize("alg", ["ES384", "RS256", "EdDSA", "PS256"])
def test_other_algorithms_are_refused_before_any_key_is_used(key, keys, alg):
    token = signing.sign(_payload(), key, key.kid)
    header, _, _ = _segments(token)
    _, body, signature = token.split(".")
    changed = _b64(json.dumps({**header, "alg": alg}).encode())
    assert _rejected(f"{changed}.{body}.{signature}", keys) is Failure.WRONG_ALGORITHM


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "a.b",
        "a.b.c.d",
        "!!!.???.###",
        "eyJhbGciOiJFUzI1NiJ9",
        _b64(b"[1,2]") + ".e30.c2ln",
        _b64(b"not json") + ".e30.c2ln",
        "é.é.é",
        "x" * (signing.MAX_TOKEN_CHARS + 1) + ".a.b",
    ],
)
def test_text_that_is_not_a_credential_is_malformed(keys, text):
    assert _rejected(text, keys) is Failure.MALFORMED


def test_a_signed_payload_that_is_not_json_is_not_a_credential(key, keys):
    token = jws.serialize_compact(
        {"alg": "ES256", "kid": key.kid}, b"plain words", key, algorithms=["ES256"]
    )
    assert _rejected(token, keys) is Failure.NOT_A_CREDENTIAL


@pytest.mark.parametrize(
    "change",
    [
        {"type": ["VerifiableCredential"]},
        {"issuer": {"id": "https://elsewhere.example.test"}},
        {"credentialSubject": "Ada"},
        {"id": "https://example.test/1"},
    ],
)
def test_a_signed_payload_the_portal_did_not_write_as_a_credential_is_refused(change):
    with pytest.raises(Rejected) as caught:
        signing.contents({**_payload(), **change}, base_url=BASE)
    assert caught.value.failure is Failure.NOT_A_CREDENTIAL


def test_every_failure_has_a_plain_message():
    for failure in Failure:
        assert failure.message and "Traceback" not in failure.message


# Status lists


def test_a_status_list_holds_at_least_131072_bits_gzipped_in_base64url():
    encoded = statuslist.encode([])
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert len(gzip.decompress(raw)) * 8 == statuslist.SIZE == 131_072


def test_bits_count_from_the_first_bit_of_the_first_byte():
    bits = statuslist.decode(statuslist.encode([0, 9, 131_071]))
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert [i for i in (0, 1, 8, 9, 10, 131_070, 131_071) if statuslist.is_set(bits, i)] == [
        0,
        9,
        131_071,
    ]


def test_an_index_outside_the_list_is_refused():
    with pytest.raises(ValueError, match="outside"):
        statuslist.encode([131_072])


@pytest.mark.parametrize(
    "signature",
    ["", "!!!", "é", "AAAA", "cut", "extra"],
)
def test_a_missing_or_mangled_signature_never_verifies(key, keys, signature):
    token = signing.sign(_payload(), key, key.kid)
    head, body, real = token.split(".")
    mangled = {"cut": real[:10], "extra": real + "x"}.get(signature, signature)
    assert _rejected(f"{head}.{body}.{mangled}", keys) is Failure.BAD_SIGNATURE
