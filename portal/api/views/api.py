"""The register API: public search and lookup, the partnership's search with commissioning
details, the token endpoint and the OpenAPI document. Errors are problem details."""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any

from authlib.oauth2 import OAuth2Error
from flask import Response, current_app, g, request, url_for
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from portal.api import bp, openapi, services
from portal.api.models import SCOPE_COMMISSIONING, ApiClient
from portal.api.oauth import Token, bearer_token, protector, server
from portal.api.parameters import (
    MAX_AGENCIES,
    PAGE_MAX,
    PER_PAGE_MAX,
    Parameters,
    accreditation_number,
)
from portal.api.problems import BadParameters, problem
from portal.api.representations import (
    commissioning,
    conflict_check,
    page,
    public_entry,
    public_row,
    reviewer_row,
)
from portal.core.dates import today_in_england
from portal.core.db import utcnow
from portal.core.permissions import public
from portal.core.rate_limits import counters_unavailable
from portal.extensions import csrf, db, limiter
from portal.organisations import queries as organisation_queries
from portal.register import commissioning_queries
from portal.register import queries as register_queries
from portal.register.reference import current as reference

log = logging.getLogger(__name__)
JSON = "application/json"


# Rate limits: per client for a valid token, otherwise per address.


def _bearer_client() -> ApiClient | None:
    """The client whose valid token came with this request, if one did."""
    if "_api_rate_client" in g:
        found: ApiClient | None = g._api_rate_client
        return found
    client = None
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        record = bearer_token(value.strip())
        if record is not None and record.expires_at > utcnow() and record.client.active:
            client = record.client
    g._api_rate_client = client
    return client


def _rate_key() -> str:
    client = _bearer_client()
    if client is not None:
        return f"api-client:{client.id}"
    return f"api-address:{request.remote_addr or 'unknown'}"


def _rate_limit() -> str:
    name = "API_CLIENT_RATE_LIMIT" if _bearer_client() is not None else "API_ADDRESS_RATE_LIMIT"
    return str(current_app.config[name])


limiter.limit(_rate_limit, key_func=_rate_key, scope="api", exempt_when=counters_unavailable)(bp)


# Errors


@bp.errorhandler(BadParameters)
def _bad_parameters(error: BadParameters) -> Response:
    return problem(400, "One or more query parameters are not valid.", errors=error.errors)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers: dict[str, str] = {}
    if isinstance(error, MethodNotAllowed):
        headers["Allow"] = ", ".join(sorted(error.valid_methods or []))
    if status == 429:
        headers["Retry-After"] = str(_retry_after())
    if status >= 500:
        log.error("API error", extra={"path": request.path, "status": status})
    if status == 400 and request.endpoint == "api.issue_token":
        # A request refused before Authlib saw it (a NUL character, say): the token endpoint's
        # errors carry OAuth's `error` member (RFC 6749, section 5.2).
        return problem(400, headers=headers, error="invalid_request")
    return problem(status if status in range(400, 600) else 500, headers=headers)


def _retry_after() -> int:
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


@bp.errorhandler(OperationalError)
def _database_down(error: OperationalError) -> Response:
    log.error("database unavailable", extra={"path": request.path, "error": str(error.orig)})
    _rollback_quietly()
    return problem(503, headers={"Retry-After": "30"})


@bp.errorhandler(Exception)
def _internal(error: Exception) -> Response:
    log.exception("unhandled API error", exc_info=error, extra={"path": request.path})
    _rollback_quietly()
    return problem(500)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database may be what failed
        log.warning("rollback after error failed", exc_info=True)


def _json(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON)
    # Commissioning details depend on the token: never from a shared cache.
    response.headers["Cache-Control"] = (
        "no-store" if "Authorization" in request.headers else ("public, max-age=60")
    )
    response.vary.add("Authorization")
    return response


def _oauth_problem(error: OAuth2Error) -> Response:
    headers: dict[str, str] = {}
    if error.status_code == 401:
        # RFC 6750 section 3: no error code when the request carried no credentials at all.
        challenge = 'Bearer realm="register"'
        if error.error != "missing_authorization":
            challenge += f', error="{error.error}"'
        headers["WWW-Authenticate"] = challenge
    elif error.status_code == 403:
        headers["WWW-Authenticate"] = f'Bearer realm="register", error="{error.error}"'
    detail = {
        401: "This needs a valid bearer token: get one from the token endpoint.",
        403: "The token does not carry the scope this needs.",
    }.get(error.status_code, error.description or "The token was refused.")
    return problem(error.status_code, detail, headers=headers, error=error.error)


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("refused")
        self.response = response


@bp.errorhandler(Refused)
def _refused(error: Refused) -> Response:
    return error.response


def _token(scopes: list[str] | None) -> Token:
    """The request's bearer token, valid and holding `scopes`; else a 401 or 403."""
    try:
        token: Token = protector.acquire_token(scopes)
    except OAuth2Error as error:
        raise Refused(_oauth_problem(error)) from error
    # When the client was last used, for the administrators' list (written once a minute).
    if services.note_use(token.client, utcnow()):
        db.session.commit()
    return token


def _link(endpoint: str, **values: Any) -> Any:
    args: dict[str, Any] = request.args.to_dict(flat=False)

    def url(number: int) -> str:
        return url_for(endpoint, **{**args, **values, "page": number})

    return url


def _regions() -> dict[str, str]:
    return {r.code: r.name for r in organisation_queries.regions()}


# Routes


@bp.route("/openapi.json")
@public
def openapi_document() -> Response:
    response = Response(json.dumps(openapi.document(), ensure_ascii=False), content_type=JSON)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/oauth/token", methods=["POST"])
@public
@csrf.exempt  # type: ignore[untyped-decorator]
@limiter.limit(
    lambda: str(current_app.config["API_TOKEN_RATE_LIMIT"]),
    key_func=lambda: f"api-token:{request.remote_addr or 'unknown'}",
    scope="api-token",
)
def issue_token() -> Response:
    response: Response = server.create_token_response()
    if response.status_code == 200:
        db.session.commit()
    else:
        db.session.rollback()
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/entries")
@public
def search_entries() -> Response:
    regions = _regions()
    params = Parameters(request.args)
    text = params.text("q")
    status = params.choice("status", register_queries.STATUS_FILTERS, default="all")
    region = params.choice("region", regions)
    number = params.integer("page", default=1, minimum=1, maximum=PAGE_MAX)
    per_page = params.integer("per_page", default=20, minimum=1, maximum=PER_PAGE_MAX)
    params.done()
    if "Authorization" in request.headers:
        _token(None)  # a token that is sent must be valid, even where none is needed
    found = register_queries.public_search(
        text=text, status=status, region=region, page=number, per_page=per_page
    )
    levels = register_queries.level_names()
    return _json(
        page(
            [public_row(row, regions=regions, levels=levels) for row in found.rows],
            number=found.number,
            pages=found.pages,
            total=found.total,
            per_page=per_page,
            link=_link("api.search_entries"),
        )
    )


@bp.route("/entries/<string:number>")
@public
def show_entry(number: str) -> Response:
    wanted = accreditation_number(number)
    token = _token(None) if "Authorization" in request.headers else None
    found = register_queries.public_entry(wanted)
    if found is None:
        return problem(404, f"No accreditation has the number {wanted}.")
    details = None
    if token is not None and SCOPE_COMMISSIONING in token.get_scope().split():
        entry = found.entry
        booked = commissioning_queries.booked_this_quarter(
            [found.record.user_id], today_in_england()
        ).get(found.record.user_id, 0)
        user_id = found.record.user_id
        free_from = commissioning_queries.first_free_quarters(
            {user_id: entry.reviews_per_quarter if entry else None},
            {user_id: entry.available_from} if entry and entry.available_from else {},
            today_in_england(),
        ).get(user_id)
        details = commissioning(
            available_from=entry.available_from if entry else None,
            reviews_per_quarter=entry.reviews_per_quarter if entry else None,
            booked=booked,
            free_from=free_from,
            day_rate_band=entry.day_rate_band if entry else None,
            travel=entry.travel if entry else None,
            reference=reference(),
        )
        checked = register_queries.pre_check(
            wanted,
            partnership_id=token.client.partnership_id,
            agencies=(),
            today=today_in_england(),
        )
        if checked is not None:
            details["conflict_check"] = conflict_check(checked)
    return _json(
        public_entry(
            found, regions=_regions(), reference=reference(), commissioning_details=details
        )
    )


@bp.route("/reviewers")
@public
def search_reviewers() -> Response:
    # The guard is the bearer token, checked here: never the session cookie.
    token = _token([SCOPE_COMMISSIONING])
    ref = reference()
    regions = _regions()
    levels = register_queries.level_names()
    partnership = token.client.partnership
    # Agencies involved in the case: their declarations conflict too (as on the search page).
    agencies = {org.id for org in organisation_queries.active_organisations()}
    params = Parameters(request.args)
    filters = register_queries.SearchFilters(
        text=params.text("q"),
        region=params.choice("region", regions),
        specialisms=params.choices("specialism", ref.specialisms.codes()),
        methodologies=params.choices("methodology", ref.methodologies.codes()),
        languages=params.choices("language", ref.languages.codes()),
        level=params.choice("level", levels),
        available_by=params.day("available_by"),
        capacity=params.boolean("capacity"),
        sort=params.choice("sort", register_queries.SORTS, default="relevance"),
        agencies=params.identifiers("agency", agencies, most=MAX_AGENCIES),
    )
    number = params.integer("page", default=1, minimum=1, maximum=PAGE_MAX)
    per_page = params.integer("per_page", default=20, minimum=1, maximum=PER_PAGE_MAX)
    params.done()
    result = register_queries.find_reviewers(
        filters,
        partnership_id=partnership.id,
        today=today_in_england(),
        page=number,
        per_page=per_page,
    )
    body = page(
        [
            reviewer_row(row, regions=regions, levels=levels, reference=ref)
            for row in result.page.rows
        ],
        number=result.page.number,
        pages=result.page.pages,
        total=result.page.total,
        per_page=per_page,
        link=_link("api.search_reviewers"),
    )
    body["partnership"] = {"id": partnership.id, "name": partnership.name}
    body["excluded_for_conflicts"] = result.conflicted
    body["conflict_organisations"] = result.conflict_organisations
    return _json(body)
