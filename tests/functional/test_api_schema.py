"""The API does what its OpenAPI document says: schemathesis generates requests for every
operation from the document (valid and invalid ones) and checks each answer: never a 500,
a status the document lists, and a body matching its schema. Once with no token, once with
a valid token of a client holding every scope."""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from portal.applications.models import AccreditationRecord
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import (
    make_api_client,
    make_entry,
    make_organisation,
    make_record,
    make_user,
)

# Past the rate limits: this test is about the documented shapes, not the limits (tested apart).
GENEROUS = "100000 per minute"


@pytest.fixture
def api_schema(app):
    make_organisation()  # agencies a search may name: the document lists them
    for n, status in enumerate(("accredited", "suspended", "accredited_with_conditions")):
        user = make_user(name=f"Schema Person {n}", roles=[Role.REVIEWER])
        make_record(user=user, status=status, conditions="Invented" if n == 2 else None)
        make_entry(user, available_from=date(2026, 1, 1) if n else None)
    saved = {
        k: app.config[k]
        for k in ("API_ADDRESS_RATE_LIMIT", "API_CLIENT_RATE_LIMIT", "API_TOKEN_RATE_LIMIT")
    }
    app.config.update(dict.fromkeys(saved, GENEROUS))
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    app.config.update(saved)


@pytest.fixture
def bearer(client):
    api_client, secret = make_api_client()
    response = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200
    db.session.commit()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _exercise(schema, mode: GenerationMode, headers: dict[str, str] | None) -> list[str]:
    """Run every operation with generated requests; the operations tried, by name."""
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy(generation_mode=mode))
        @FAST
        def run(case):
            case.call_and_validate(headers=headers)

        run()
    return tried


# Schemathesis leaves out the document's own address; test_api.py checks that one.
EVERY_OPERATION = [
    "GET /entries",
    "GET /entries/{number}",
    "GET /reviewers",
    "POST /oauth/token",
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_conforms_to_its_document_without_a_token(api_schema, mode):
    assert sorted(_exercise(api_schema, mode, None)) == sorted(EVERY_OPERATION)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_conforms_to_its_document_with_a_token(api_schema, bearer, mode):
    assert sorted(_exercise(api_schema, mode, bearer)) == sorted(EVERY_OPERATION)


def test_the_answers_generation_rarely_reaches_match_the_document(api_schema, bearer, app):
    """Lookups of numbers that exist (with commissioning details), the partnership's search
    with results, and a rate-limited answer, checked against the document too."""
    number = db.session.scalar(sa.select(AccreditationRecord.number).limit(1))
    lookup = api_schema["/entries/{number}"]["GET"]
    for headers in (None, bearer):
        response = lookup.Case(path_parameters={"number": number}).call_and_validate(
            headers=headers
        )
        assert response.status_code == 200
        assert ("commissioning" in response.json()) is (headers is not None)
    search = api_schema["/reviewers"]["GET"]
    found = search.Case(query={"sort": "availability"}).call_and_validate(headers=bearer)
    assert found.status_code == 200 and found.json()["total"] == 2
    app.config["API_ADDRESS_RATE_LIMIT"] = "1 per minute"
    entries = api_schema["/entries"]["GET"]
    entries.Case(query={}).call_and_validate()
    limited = entries.Case(query={}).call_and_validate()
    assert limited.status_code == 429
