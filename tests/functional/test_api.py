"""The register API: public search and lookup, the partnership's search with commissioning
details, OAuth 2.0 client-credentials tokens, problem+json errors and rate limits."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from portal.api.models import ApiClient, ApiToken
from portal.api.queries import token_hash
from portal.applications.models import DeclaredInterest, InterestKind
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db
from portal.register import queries as register_queries
from tests.factories import (
    count,
    make_api_client,
    make_entry,
    make_organisation,
    make_record,
    make_user,
)
from tests.support import sign_in_as, submit

PROBLEM = "application/problem+json"
READ = ("register:read",)


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _token(client, api_client, secret, **form) -> str:
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", **form},
        headers=_basic(api_client.client_id, secret),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _reviewer(name: str, *, status: str = "accredited", **entry):
    user = make_user(name=name, roles=[Role.REVIEWER])
    record = make_record(user=user, status=status)
    make_entry(user, **entry)
    return user, record


def _declare(user, record, organisation) -> None:
    db.session.add(
        DeclaredInterest(
            application_id=record.application_id,
            user_id=user.id,
            organisation_id=organisation.id,
            kind=InterestKind.COMMISSIONED,
            started_on=date(2024, 1, 1),
        )
    )
    db.session.commit()


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# The OpenAPI document


def test_the_openapi_document_is_valid_openapi_3_1(client):
    make_reviewer = _reviewer("Dana Document")  # regions and levels come from the data
    assert make_reviewer
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/entries",
        "/entries/{number}",
        "/reviewers",
        "/oauth/token",
        "/openapi.json",
    }
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/api/v1/oauth/token"
    region = next(
        p for p in document["paths"]["/entries"]["get"]["parameters"] if p["name"] == "region"
    )
    assert "E12000003" in region["schema"]["enum"]


def test_every_operation_documents_its_errors_as_problem_details(client):
    document = client.get("/api/v1/openapi.json").get_json()
    responses = document["components"]["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"429", "500"} <= codes, f"{method} {path}"
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    if "$ref" in response:
                        response = responses[response["$ref"].rsplit("/", 1)[1]]
                    assert list(response["content"]) == [PROBLEM], f"{method} {path} {code}"


# Public search


def test_public_search_finds_by_name_status_and_region_with_public_fields_only(client):
    _reviewer("Amara Openfield")
    _reviewer("Basil Openfield", status="suspended")
    _reviewer("Cora Elsewhere", regions=("E12000007",))
    response = client.get("/api/v1/entries?q=openfield")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert [item["name"] for item in body["items"]] == ["Amara Openfield", "Basil Openfield"]
    assert body["total"] == 2 and body["page"] == 1 and body["pages"] == 1
    item = body["items"][0]
    assert set(item) == {"number", "name", "status", "level", "valid_until", "regions", "links"}
    assert item["status"] == {"code": "accredited", "label": "Accredited", "current": True}
    assert item["regions"][0]["code"] == "E12000003"
    assert item["links"]["self"] == f"/api/v1/entries/{item['number']}"

    current = client.get("/api/v1/entries?q=openfield&status=current").get_json()
    assert [i["name"] for i in current["items"]] == ["Amara Openfield"]
    suspended = client.get("/api/v1/entries?q=openfield&status=suspended").get_json()
    assert [i["name"] for i in suspended["items"]] == ["Basil Openfield"]
    london = client.get("/api/v1/entries?region=E12000007").get_json()
    assert [i["name"] for i in london["items"]] == ["Cora Elsewhere"]


def test_public_search_by_accreditation_number(client):
    _, record = _reviewer("Delia Numbered")
    body = client.get(f"/api/v1/entries?q={record.number.lower()}").get_json()
    assert [item["number"] for item in body["items"]] == [record.number]


def test_public_search_pages_with_links(client):
    for n in range(3):
        _reviewer(f"Paged Person {n}")
    body = client.get("/api/v1/entries?q=paged&per_page=2").get_json()
    assert body["total"] == 3 and body["pages"] == 2 and len(body["items"]) == 2
    assert body["links"]["prev"] is None
    assert "page=2" in body["links"]["next"] and "per_page=2" in body["links"]["next"]
    second = client.get(body["links"]["next"]).get_json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None
    beyond = client.get("/api/v1/entries?q=paged&per_page=2&page=9").get_json()
    assert beyond["page"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=%27%3B+DROP+TABLE+users%3B--",
        "q=%22NEAR%28a+b%29%22+OR+*",
        "q=Zo%C3%AB+%C3%81lvarez",
        "q=" + "x" * 200,
    ],
)
def test_public_search_copes_with_any_text(client, query):
    response = client.get(f"/api/v1/entries?{query}")
    assert response.status_code == 200
    assert isinstance(response.get_json()["items"], list)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=nonsense", "status"),
        ("region=Z99", "region"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=101", "per_page"),
        ("q=" + "x" * 201, "q"),
        ("status=all&status=current", "status"),
    ],
)
def test_public_search_refuses_bad_parameters_naming_them(client, query, parameter):
    make_record()
    body = _is_problem(client.get(f"/api/v1/entries?{query}"), 400)
    assert [error["parameter"] for error in body["errors"]] == [parameter]


# Entry lookup


def test_lookup_shows_public_fields_and_history_to_anyone(client):
    _, record = _reviewer("Esme Lookup", biography="Invented biography.")
    response = client.get(f"/api/v1/entries/{record.number.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["number"] == record.number and body["name"] == "Esme Lookup"
    assert body["biography"] == "Invented biography."
    assert body["specialisms"] == [{"code": "neglect", "name": "Neglect"}]
    assert body["history"][0]["status"] == "accredited"
    assert "commissioning" not in body
    assert response.headers["Cache-Control"].startswith("public")


def test_lookup_of_an_unknown_number_is_a_404_problem(client):
    body = _is_problem(client.get("/api/v1/entries/NOPE-0000"), 404)
    assert "NOPE-0000" in body["detail"]
    assert body["instance"] == "/api/v1/entries/NOPE-0000"


def test_lookup_of_something_that_cannot_be_a_number_is_a_400_problem(client):
    body = _is_problem(client.get("/api/v1/entries/a%20b"), 400)
    assert body["errors"][0]["parameter"] == "number"


def test_lookup_with_a_commissioning_token_adds_commissioning_details(client):
    _, record = _reviewer(
        "Fern Details",
        available_from=date(2026, 12, 1),
        reviews_per_quarter=2,
        day_rate_band="band-b",
        travel="anywhere",
    )
    api_client, secret = make_api_client()
    token = _token(client, api_client, secret)
    response = client.get(f"/api/v1/entries/{record.number}", headers=_bearer(token))
    assert response.status_code == 200
    details = response.get_json()["commissioning"]
    assert details["available_from"] == "2026-12-01"
    assert details["reviews_per_quarter"] == 2
    assert details["places_left_this_quarter"] == 2
    from portal.core.dates import today_in_england
    from portal.register.commissioning_queries import quarter_of

    first = quarter_of(max(date(2026, 12, 1), today_in_england()))[0]
    assert details["next_free_place_from"] == first.isoformat()
    assert details["day_rate_band"]["code"] == "band-b"
    assert details["travel"]["code"] == "anywhere"
    assert response.headers["Cache-Control"] == "no-store"


def test_lookup_with_a_read_only_token_shows_public_fields_only(client):
    _, record = _reviewer("Gail Readonly")
    api_client, secret = make_api_client(scopes=READ)
    token = _token(client, api_client, secret)
    body = client.get(f"/api/v1/entries/{record.number}", headers=_bearer(token)).get_json()
    assert "commissioning" not in body


def test_a_token_that_is_sent_must_be_valid(client):
    _, record = _reviewer("Hana Badtoken")
    for url in (f"/api/v1/entries/{record.number}", "/api/v1/entries"):
        response = client.get(url, headers=_bearer("not-a-token"))
        body = _is_problem(response, 401)
        assert body["error"] == "invalid_token"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_session_cookie_never_authorises_commissioning_fields(client):
    partnership = make_organisation()
    _, record = _reviewer("Ida Cookie")
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    assert client.get("/register/search").status_code == 200  # the session works for pages
    body = client.get(f"/api/v1/entries/{record.number}").get_json()
    assert "commissioning" not in body
    response = client.get("/api/v1/reviewers")
    _is_problem(response, 401)


# The partnership's search


def test_partnership_search_needs_a_bearer_token(client):
    response = client.get("/api/v1/reviewers")
    body = _is_problem(response, 401)
    assert body["error"] == "missing_authorization"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_partnership_search_needs_the_commissioning_scope(client):
    api_client, secret = make_api_client(scopes=READ)
    token = _token(client, api_client, secret)
    body = _is_problem(client.get("/api/v1/reviewers", headers=_bearer(token)), 403)
    assert body["error"] == "insufficient_scope"


def test_partnership_search_leaves_out_conflicts_with_the_clients_partnership(client):
    partnership = make_organisation()
    other = make_organisation()
    _reviewer("Jo Free", available_from=date(2026, 1, 5))
    conflicted, record = _reviewer("Kit Conflicted")
    _declare(conflicted, record, partnership)
    _reviewer("Lee Suspended", status="suspended")
    api_client, secret = make_api_client(partnership=partnership)
    token = _token(client, api_client, secret)
    body = client.get("/api/v1/reviewers", headers=_bearer(token)).get_json()
    assert [item["name"] for item in body["items"]] == ["Jo Free"]
    assert body["excluded_for_conflicts"] == 1
    assert body["partnership"] == {"id": partnership.id, "name": partnership.name}
    assert body["conflict_organisations"] == [partnership.name]
    item = body["items"][0]
    assert item["commissioning"]["available_from"] == "2026-01-05"
    assert item["commissioning"]["booked_this_quarter"] == 0
    assert item["commissioning"]["next_free_place_from"] is not None
    # Another partnership's client sees the conflicted reviewer.
    other_client, other_secret = make_api_client(partnership=other)
    other_token = _token(client, other_client, other_secret)
    names = [
        i["name"]
        for i in client.get("/api/v1/reviewers", headers=_bearer(other_token)).get_json()["items"]
    ]
    assert names == ["Jo Free", "Kit Conflicted"]


def test_partnership_search_filters(client):
    _reviewer(
        "Mo Neglect",
        specialisms=("neglect",),
        languages=("en", "cy"),
        available_from=date(2026, 2, 1),
        reviews_per_quarter=1,
    )
    _reviewer(
        "Nell Online",
        specialisms=("online-harm",),
        methodologies=("silp",),
        available_from=date(2027, 6, 1),
        reviews_per_quarter=0,
        biography="Invented work on online harm.",
    )
    api_client, secret = make_api_client()
    headers = _bearer(_token(client, api_client, secret))

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/reviewers?{query}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["name"] for item in response.get_json()["items"]]

    assert names("specialism=neglect") == ["Mo Neglect"]
    assert names("specialism=neglect&specialism=online-harm") == []
    assert names("methodology=silp") == ["Nell Online"]
    assert names("language=cy") == ["Mo Neglect"]
    assert names("available_by=2026-03-01") == ["Mo Neglect"]
    assert names("capacity=true") == ["Mo Neglect"]
    assert names("capacity=false") == ["Mo Neglect", "Nell Online"]
    assert names("q=online") == ["Nell Online"]
    assert names("sort=availability") == ["Mo Neglect", "Nell Online"]
    assert names("level=reviewer&region=E12000003") == ["Mo Neglect", "Nell Online"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("specialism=astrology", "specialism"),
        ("available_by=2026-13-01", "available_by"),
        ("available_by=20260101", "available_by"),
        ("capacity=yes", "capacity"),
        ("sort=price", "sort"),
        ("level=grand", "level"),
    ],
)
def test_partnership_search_refuses_bad_parameters(client, query, parameter):
    api_client, secret = make_api_client()
    headers = _bearer(_token(client, api_client, secret))
    body = _is_problem(client.get(f"/api/v1/reviewers?{query}", headers=headers), 400)
    assert [error["parameter"] for error in body["errors"]] == [parameter]


# Tokens


def test_a_token_is_issued_for_client_credentials_and_stored_only_as_a_hash(client, app):
    api_client, secret = make_api_client()
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(api_client.client_id, secret),
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "register:read register:commissioning"
    stored = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.api_client_id == api_client.id)
    ).all()
    assert len(stored) == 1
    assert stored[0].token_hash == token_hash(body["access_token"])
    assert body["access_token"] not in stored[0].token_hash
    assert (stored[0].expires_at - stored[0].issued_at) == timedelta(seconds=900)


def test_the_client_secret_may_be_posted_in_the_form(client):
    api_client, secret = make_api_client()
    response = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
            "scope": "register:read",
        },
    )
    assert response.status_code == 200
    assert response.get_json()["scope"] == "register:read"


def test_secrets_are_stored_as_argon2_hashes_only(client):
    api_client, secret = make_api_client()
    stored = db.session.get(ApiClient, api_client.id)
    assert stored.secret_hash.startswith("$argon2id$")
    assert secret not in stored.secret_hash
    assert len(secret) >= 40


@pytest.mark.parametrize(
    ("form", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, "wrong", 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        ({"grant_type": "password"}, "right", 400, "unsupported_grant_type"),
        ({}, "right", 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "admin"}, "right", 400, "invalid_scope"),
    ],
)
def test_token_errors_are_problem_details_keeping_the_oauth_error(
    client, form, auth, status, error
):
    api_client, secret = make_api_client(scopes=READ)
    headers = {}
    if auth:
        headers = _basic(api_client.client_id, secret if auth == "right" else "wrong-secret")
    response = client.post("/api/v1/oauth/token", data=form, headers=headers)
    body = _is_problem(response, status)
    assert body["error"] == error
    assert count(ApiToken) == 0


def test_a_client_cannot_ask_for_a_scope_it_does_not_hold(client):
    api_client, secret = make_api_client(scopes=READ)
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "scope": "register:commissioning"},
        headers=_basic(api_client.client_id, secret),
    )
    assert _is_problem(response, 400)["error"] == "invalid_scope"


def test_the_token_endpoint_needs_no_csrf_token_and_refuses_get(client):
    response = client.get("/api/v1/oauth/token")
    _is_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_an_expired_token_is_refused(client):
    api_client, secret = make_api_client()
    token = _token(client, api_client, secret)
    stored = db.session.scalar(sa.select(ApiToken).where(ApiToken.api_client_id == api_client.id))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    body = _is_problem(client.get("/api/v1/reviewers", headers=_bearer(token)), 401)
    assert body["error"] == "invalid_token"


def test_a_revoked_client_is_refused_at_once(client):
    api_client, secret = make_api_client()
    token = _token(client, api_client, secret)
    assert client.get("/api/v1/reviewers", headers=_bearer(token)).status_code == 200
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    revoked = submit(client, f"/admin/api-clients/{api_client.id}/revoke", {})
    assert revoked.status_code == 302
    # The administrator's session is still on this client: it makes no difference to the API.
    body = _is_problem(client.get("/api/v1/reviewers", headers=_bearer(token)), 401)
    assert body["error"] == "invalid_token"
    again = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(api_client.client_id, secret),
    )
    assert _is_problem(again, 401)["error"] == "invalid_client"


def test_using_a_token_records_the_clients_last_use(client):
    api_client, secret = make_api_client()
    assert api_client.last_used_at is None
    token = _token(client, api_client, secret)
    db.session.expire_all()
    first = db.session.get(ApiClient, api_client.id).last_used_at
    assert first is not None
    stored = db.session.get(ApiClient, api_client.id)
    stored.last_used_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    client.get("/api/v1/reviewers", headers=_bearer(token))
    db.session.expire_all()
    assert db.session.get(ApiClient, api_client.id).last_used_at > utcnow() - timedelta(minutes=1)


# Errors


def test_an_unknown_api_address_is_a_404_problem(client):
    _is_problem(client.get("/api/v1/nothing-here"), 404)
    _is_problem(client.get("/api/v2/entries"), 404)


def test_a_wrong_method_is_a_405_problem_with_allow(client):
    response = client.post("/api/v1/entries")
    _is_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_is_a_500_problem_with_no_trace(client, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("invented failure with secret detail")

    monkeypatch.setattr(register_queries, "public_search", broken)
    response = client.get("/api/v1/entries")
    body = _is_problem(response, 500)
    assert "secret detail" not in response.get_data(as_text=True)
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_html_pages_keep_their_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# Rate limits


def test_too_many_requests_from_an_address_is_a_429_problem_with_retry_after(client, app):
    app.config["API_ADDRESS_RATE_LIMIT"] = "2 per minute"
    try:
        assert client.get("/api/v1/entries").status_code == 200
        assert client.get("/api/v1/entries").status_code == 200
        response = client.get("/api/v1/entries")
        _is_problem(response, 429)
        assert 1 <= int(response.headers["Retry-After"]) <= 61
    finally:
        app.config["API_ADDRESS_RATE_LIMIT"] = "60 per minute"


def test_a_client_with_a_token_is_counted_apart_from_its_address(client, app):
    api_client, secret = make_api_client()
    token = _token(client, api_client, secret)
    app.config["API_ADDRESS_RATE_LIMIT"] = "1 per minute"
    app.config["API_CLIENT_RATE_LIMIT"] = "3 per minute"
    try:
        assert client.get("/api/v1/entries").status_code == 200
        assert client.get("/api/v1/entries").status_code == 429
        for _ in range(3):
            assert client.get("/api/v1/entries", headers=_bearer(token)).status_code == 200
        limited = client.get("/api/v1/entries", headers=_bearer(token))
        _is_problem(limited, 429)
        assert int(limited.headers["Retry-After"]) >= 1
    finally:
        app.config["API_ADDRESS_RATE_LIMIT"] = "60 per minute"
        app.config["API_CLIENT_RATE_LIMIT"] = "300 per minute"


def test_the_token_endpoint_is_rate_limited_per_address(client, app):
    app.config["API_TOKEN_RATE_LIMIT"] = "2 per minute"
    try:
        for _ in range(2):
            client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"})
        response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"})
        _is_problem(response, 429)
        assert "Retry-After" in response.headers
    finally:
        app.config["API_TOKEN_RATE_LIMIT"] = "20 per minute"


# The command


def test_purge_tokens_deletes_only_expired_tokens(app, client):
    api_client, secret = make_api_client()
    _token(client, api_client, secret)
    _token(client, api_client, secret)
    first = db.session.scalars(sa.select(ApiToken)).first()
    first.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["api", "purge-tokens"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired access token." in result.output
    assert count(ApiToken) == 1


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer " + "x" * 5000, "Bearer a\x00b", ""],
)
def test_odd_authorization_headers_are_401_problems(client, authorization):
    response = client.get("/api/v1/entries", headers={"Authorization": authorization})
    _is_problem(response, 401)


@pytest.mark.parametrize("client_id", ["x" * 49, "not a client", ""])
def test_odd_client_ids_are_refused_as_unknown_clients(client, client_id):
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "s"},
    )
    assert _is_problem(response, response.status_code)["error"] == "invalid_client"
    assert response.status_code in {400, 401}


def test_a_nul_character_in_a_token_request_is_an_invalid_request(client):
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "s"},
    )
    assert _is_problem(response, 400)["error"] == "invalid_request"
    assert count(ApiToken) == 0


def test_a_form_post_to_the_admin_pages_still_needs_its_csrf_token(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    response = client.post("/admin/api-clients/new", data={"name": "No token"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert count(ApiClient) == 0


def test_partnership_search_leaves_out_conflicts_with_agencies_of_the_case(client):
    partnership = make_organisation()
    school = make_organisation(name="Invented Academy Trust")
    _reviewer("Olu Clear")
    linked, record = _reviewer("Pat Linked")
    _declare(linked, record, school)
    api_client, secret = make_api_client(partnership=partnership)
    headers = _bearer(_token(client, api_client, secret))
    plain = client.get("/api/v1/reviewers", headers=headers).get_json()
    assert [i["name"] for i in plain["items"]] == ["Olu Clear", "Pat Linked"]
    body = client.get(f"/api/v1/reviewers?agency={school.id}", headers=headers).get_json()
    assert [i["name"] for i in body["items"]] == ["Olu Clear"]
    assert body["excluded_for_conflicts"] == 1
    assert body["conflict_organisations"] == [partnership.name, school.name]
    own = client.get(f"/api/v1/reviewers?agency={partnership.id}", headers=headers)
    assert own.status_code == 200  # the partnership itself is always checked anyway
    for query in ("agency=0", "agency=abc", "agency=99999999"):
        problem = _is_problem(client.get(f"/api/v1/reviewers?{query}", headers=headers), 400)
        assert problem["errors"][0]["parameter"] == "agency"
    many = "&".join(f"agency={school.id}" for _ in range(21))
    _is_problem(client.get(f"/api/v1/reviewers?{many}", headers=headers), 400)


def test_lookup_with_a_commissioning_token_checks_conflicts_with_the_partnership(client):
    partnership = make_organisation()
    conflicted, record = _reviewer("Quinn Declared")
    _declare(conflicted, record, partnership)
    _, clear = _reviewer("Rae Clear")
    api_client, secret = make_api_client(partnership=partnership)
    headers = _bearer(_token(client, api_client, secret))
    body = client.get(f"/api/v1/entries/{record.number}", headers=headers).get_json()
    check = body["commissioning"]["conflict_check"]
    assert check["conflicted"] is True
    assert check["checked"] == [partnership.name]
    assert check["conflicts"] == [
        {
            "organisation": partnership.name,
            "connection": InterestKind.COMMISSIONED.label,
            "from": "2024-01-01",
            "to": None,
        }
    ]
    other = client.get(f"/api/v1/entries/{clear.number}", headers=headers).get_json()
    assert other["commissioning"]["conflict_check"]["conflicted"] is False


@pytest.mark.parametrize("name", ["status", "region"])
def test_an_empty_value_for_a_listed_parameter_is_refused_not_ignored(client, name):
    response = client.get(f"/api/v1/entries?{name}=")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert [e["parameter"] for e in response.get_json()["errors"]] == [name]
