"""The OpenAPI 3.1 document for /api/v1, built from the same reference data the API checks
parameters against (regions, levels, specialisms...), so the two cannot disagree."""

from __future__ import annotations

from typing import Any

from flask import current_app

from portal.api import PREFIX
from portal.api.models import SCOPE_COMMISSIONING, SCOPES
from portal.api.parameters import MAX_AGENCIES, NUMBER, PAGE_MAX, PER_PAGE_MAX, TEXT_MAX
from portal.applications.models import AccreditationStatus
from portal.organisations import queries as organisation_queries
from portal.register import queries as register_queries
from portal.register.reference import current as reference

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Json) -> Json:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: Json, *, required: list[str] | None = None) -> Json:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def _enum_string(values: list[str]) -> Json:
    return {"type": "string", "enum": values} if values else {"type": "string"}


STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
INTEGER = {"type": "integer"}
LINK = {"type": "string", "format": "uri-reference"}


def _schemas() -> Json:
    coded = _object({"code": STRING, "name": STRING})
    status = _object(
        {
            "code": _enum_string([s.value for s in AccreditationStatus]),
            "label": STRING,
            "current": {
                "type": "boolean",
                "description": "Whether the reviewer may be commissioned on this accreditation",
            },
        }
    )
    links = _object({"self": LINK, "html": LINK})
    page_links = _object({"self": LINK, "next": _nullable(LINK), "prev": _nullable(LINK)})
    problem = {
        "type": "object",
        "description": "Problem details (RFC 9457)",
        "properties": {
            "type": STRING,
            "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
            "instance": STRING,
            "request_id": {"type": "string", "description": "Also in the X-Request-Id header"},
            "error": {"type": "string", "description": "The OAuth error code, where OAuth has one"},
            "error_description": STRING,
            "errors": {
                "type": "array",
                "description": "Each query parameter that is not valid, and why",
                "items": _object({"parameter": STRING, "detail": STRING}),
            },
        },
        "required": ["type", "title", "status", "detail"],
    }
    commissioning = _object(
        {
            "available_from": _nullable(DATE),
            "reviews_per_quarter": _nullable({"type": "integer", "minimum": 0}),
            "booked_this_quarter": {"type": "integer", "minimum": 0},
            "places_left_this_quarter": _nullable({"type": "integer", "minimum": 0}),
            "day_rate_band": _nullable(_ref("Coded")),
            "travel": _nullable(_ref("Coded")),
        }
    )
    commissioning["properties"]["conflict_check"] = _ref("ConflictCheck")
    commissioning["description"] = (
        "Commissioning details: only with a token carrying " + SCOPE_COMMISSIONING
    )
    conflict_check = _object(
        {
            "conflicted": {"type": "boolean"},
            "checked": {
                "type": "array",
                "items": STRING,
                "description": "The partnership and the organisations merged into it",
            },
            "conflicts": {
                "type": "array",
                "items": _object(
                    {
                        "organisation": STRING,
                        "connection": STRING,
                        "from": _nullable(DATE),
                        "to": _nullable(DATE),
                    }
                ),
            },
            "independence": _nullable(STRING),
        }
    )
    conflict_check["description"] = (
        "In a lookup only: the reviewer's conflicts of interest with the token's partnership "
        "(declarations in the last three years, or employment)"
    )
    public_row = _object(
        {
            "number": STRING,
            "name": STRING,
            "status": _ref("Status"),
            "level": _ref("Coded"),
            "valid_until": DATE,
            "regions": {"type": "array", "items": _ref("Coded")},
            "links": _ref("Links"),
        }
    )
    period = _object(
        {
            "status": _enum_string([s.value for s in AccreditationStatus]),
            "label": STRING,
            "from": DATE,
            "to": _nullable(DATE),
            "wording": STRING,
        }
    )
    terms = {"type": "array", "items": _ref("Coded")}
    entry_properties: Json = {
        "number": STRING,
        "name": STRING,
        "status": _ref("Status"),
        "scheme": STRING,
        "level": _ref("Coded"),
        "conditions": _nullable(STRING),
        "valid_until": DATE,
        "regions": terms,
        "specialisms": terms,
        "methodologies": terms,
        "languages": terms,
        "biography": STRING,
        "history": {"type": "array", "items": _ref("Period")},
        "links": _ref("Links"),
        "commissioning": _ref("Commissioning"),
    }
    entry = _object(
        entry_properties, required=[k for k in entry_properties if k != "commissioning"]
    )
    reviewer = _object(
        {
            "number": STRING,
            "name": STRING,
            "status": _ref("Status"),
            "level": _ref("Coded"),
            "valid_until": DATE,
            "regions": terms,
            "specialisms": terms,
            "methodologies": terms,
            "languages": terms,
            "biography": STRING,
            "independence": _nullable(STRING),
            "commissioning": _ref("Commissioning"),
            "links": _ref("Links"),
        }
    )

    def paged(item: str, **extra: Json) -> Json:
        return _object(
            {
                "items": {"type": "array", "items": _ref(item)},
                "page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
                "total": {"type": "integer", "minimum": 0},
                "links": _ref("PageLinks"),
                **extra,
            }
        )

    token = _object(
        {
            "access_token": STRING,
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "minimum": 1},
            "scope": STRING,
        }
    )
    return {
        "Problem": problem,
        "Coded": coded,
        "Status": status,
        "Links": links,
        "PageLinks": page_links,
        "Commissioning": commissioning,
        "ConflictCheck": conflict_check,
        "PublicRow": public_row,
        "Period": period,
        "Entry": entry,
        "EntryPage": paged("PublicRow"),
        "Reviewer": reviewer,
        "ReviewerPage": paged(
            "Reviewer",
            partnership=_object({"id": INTEGER, "name": STRING}),
            excluded_for_conflicts={
                "type": "integer",
                "minimum": 0,
                "description": "Matching reviewers left out for a conflict of interest",
            },
            conflict_organisations={"type": "array", "items": STRING},
        ),
        "Token": token,
    }


def _problem_response(description: str, **headers: Json) -> Json:
    response: Json = {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _responses() -> Json:
    return {
        "BadParameters": _problem_response("A parameter is not valid (see `errors`)"),
        "Unauthorised": _problem_response(
            "No valid bearer token",
            **{"WWW-Authenticate": {"schema": STRING, "required": True}},
        ),
        "Forbidden": _problem_response("The token lacks the scope needed"),
        "NotFound": _problem_response("No such accreditation number"),
        "TooManyRequests": _problem_response(
            "Rate limit reached: wait the number of seconds in Retry-After",
            **{"Retry-After": {"schema": {"type": "integer", "minimum": 1}, "required": True}},
        ),
        "ServerError": _problem_response("Something went wrong on our side"),
        "Unavailable": _problem_response("The service is not available at the moment"),
    }


def _common(*codes: str) -> Json:
    names = {
        "400": "BadParameters",
        "401": "Unauthorised",
        "403": "Forbidden",
        "404": "NotFound",
        "429": "TooManyRequests",
        "500": "ServerError",
        "503": "Unavailable",
    }
    return {code: {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _json_response(description: str, schema: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _query(name: str, schema: Json, description: str, **extra: Any) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def _paging() -> list[Json]:
    return [
        _query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": 1},
            "Page number; past the last page gives the last page",
        ),
        _query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": 20},
            "Results per page",
        ),
    ]


def _codes(name: str, values: list[str], description: str) -> Json:
    return _query(
        name,
        {"type": "array", "items": _enum_string(values)},
        description + " (repeat the parameter for more than one)",
        style="form",
        explode=True,
    )


def document() -> Json:
    """The whole document, with the codes this installation accepts."""
    ref = reference()
    regions = sorted(r.code for r in organisation_queries.regions())
    levels = sorted(register_queries.level_names())
    agencies = sorted(org.id for org in organisation_queries.active_organisations())
    text = _query("q", {"type": "string", "maxLength": TEXT_MAX}, "")
    public_search = {
        "get": {
            "operationId": "searchEntries",
            "summary": "Search the public register",
            "description": (
                "Accreditations of any status whose number, or holder's name, contains what is "
                "given. Open to anyone; the same as the public register's search."
            ),
            "tags": ["Register"],
            "security": [{}, {"oauth2": []}],
            "parameters": [
                {**text, "description": "Accreditation number or name (each word, any order)"},
                _query(
                    "status",
                    _enum_string(list(register_queries.STATUS_FILTERS)),
                    "Which statuses: current includes with conditions and provisional",
                ),
                _query("region", _enum_string(regions), "Region code (ONS) the reviewer works in"),
                *_paging(),
            ],
            "responses": {
                "200": _json_response("A page of entries", "EntryPage"),
                **_common("400", "401", "429", "500", "503"),
            },
        }
    }
    lookup = {
        "get": {
            "operationId": "getEntry",
            "summary": "Look up an accreditation number",
            "description": (
                "The register entry for the number: public fields for anyone; with a token "
                f"carrying {SCOPE_COMMISSIONING}, also `commissioning`."
            ),
            "tags": ["Register"],
            "security": [{}, {"oauth2": []}],
            "parameters": [
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": NUMBER.pattern},
                    "description": "Accreditation number (any case)",
                }
            ],
            "responses": {
                "200": _json_response("The entry", "Entry"),
                **_common("400", "401", "404", "429", "500", "503"),
            },
        }
    }
    reviewers = {
        "get": {
            "operationId": "searchReviewers",
            "summary": "The partnership's search for a reviewer",
            "description": (
                "Currently accredited reviewers matching every filter, with commissioning "
                "details. Reviewers with a conflict of interest with the client's partnership "
                "(a declaration in the last three years, or employment) are left out and "
                "counted in `excluded_for_conflicts`."
            ),
            "tags": ["Commissioning"],
            "security": [{"oauth2": [SCOPE_COMMISSIONING]}],
            "parameters": [
                {
                    **text,
                    "description": "Words in the name, specialisms, methodologies or biography",
                },
                _query("region", _enum_string(regions), "Region code (ONS) the reviewer works in"),
                _codes("specialism", sorted(ref.specialisms.codes()), "Has every specialism"),
                _codes("methodology", sorted(ref.methodologies.codes()), "Uses any methodology"),
                _codes("language", sorted(ref.languages.codes()), "Works in any language"),
                _query("level", _enum_string(levels), "Accreditation level"),
                _query("available_by", DATE, "Can start on or before this day"),
                _query("capacity", {"type": "boolean"}, "Has a place left this quarter"),
                _query(
                    "agency",
                    {
                        "type": "array",
                        "items": {"type": "integer", "enum": agencies}
                        if agencies
                        else {"type": "integer", "minimum": 1},
                        "maxItems": MAX_AGENCIES,
                    },
                    "Organisation id of an agency involved in the case: reviewers with a "
                    "conflict with it are left out too (repeat for more than one)",
                    style="form",
                    explode=True,
                ),
                _query(
                    "sort",
                    _enum_string(list(register_queries.SORTS)),
                    "relevance (default) or availability",
                ),
                *_paging(),
            ],
            "responses": {
                "200": _json_response("A page of reviewers", "ReviewerPage"),
                **_common("400", "401", "403", "429", "500", "503"),
            },
        }
    }
    token = {
        "post": {
            "operationId": "issueToken",
            "summary": "Get an access token (OAuth 2.0 client credentials)",
            "description": (
                "Authenticate with the client id and secret (HTTP Basic, or client_id and "
                "client_secret in the form). Tokens are short-lived; ask for a new one when "
                "it expires. Errors keep OAuth's `error` member."
            ),
            "tags": ["Authorisation"],
            "security": [{"clientSecretBasic": []}, {}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                                "scope": {
                                    "type": "string",
                                    "description": "Space-separated; default all held",
                                },
                                "client_id": STRING,
                                "client_secret": STRING,
                            },
                            "required": ["grant_type"],
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    **_json_response("An access token", "Token"),
                    "headers": {"Cache-Control": {"schema": {"type": "string"}}},
                },
                "400": _problem_response("The request is not valid (OAuth error in `error`)"),
                "401": _problem_response(
                    "The client could not be authenticated",
                    **{"WWW-Authenticate": {"schema": STRING, "required": False}},
                ),
                **_common("429", "500", "503"),
            },
        }
    }
    openapi_path = {
        "get": {
            "operationId": "getOpenApiDocument",
            "summary": "This document",
            "tags": ["Register"],
            "security": [{}],
            "responses": {
                "200": {
                    "description": "The OpenAPI document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **_common("429", "500", "503"),
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['SERVICE_NAME']}: register API",
            "version": "1.0.0",
            "description": (
                "The accredited register of child safeguarding practice reviewers. Public "
                "fields are open to anyone. Commissioning details and the partnership's search "
                "need a bearer token from the token endpoint, issued to an API client that an "
                "administrator created for a safeguarding partnership. Every error is "
                "`application/problem+json` (RFC 9457). Requests are rate-limited per client "
                "(with a token) or per address."
            ),
        },
        "servers": [{"url": PREFIX}],
        "tags": [
            {"name": "Register", "description": "Open to anyone"},
            {"name": "Commissioning", "description": "Needs a token"},
            {"name": "Authorisation", "description": "Tokens"},
        ],
        "paths": {
            "/entries": public_search,
            "/entries/{number}": lookup,
            "/reviewers": reviewers,
            "/oauth/token": token,
            "/openapi.json": openapi_path,
        },
        "components": {
            "schemas": _schemas(),
            "responses": _responses(),
            "securitySchemes": {
                "oauth2": {
                    "type": "oauth2",
                    "description": "Client credentials, for API clients of partnerships",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": f"{PREFIX}/oauth/token",
                            "scopes": dict(SCOPES),
                        }
                    },
                },
                "clientSecretBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The client id and secret, at the token endpoint only",
                },
            },
        },
    }
