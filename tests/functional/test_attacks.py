"""Attacks tried against the portal through HTTP: open redirects on every `next`-style value,
session fixation, framing, CSRF on every POST route, stored script in free text rendered back,
and secrets compared in constant time."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.routing import Rule

from portal.core.audit import AuditEvent
from portal.core.permissions import Role
from portal.core.security import is_safe_next, same_secret
from tests.conftest import SERVICE_NAME
from tests.factories import (
    DEFAULT_PASSWORD,
    count,
    make_application,
    make_cpd_entry,
    make_entry,
    make_organisation,
    make_qa_review,
    make_record,
    make_user,
)
from tests.support import browser_session_of, csrf_token, page_checks, sign_in_as, submit

ROOT = Path(__file__).resolve().parents[2]

REDIRECTS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
    "@evil.example",
]


def _ours(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


# --- open redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("target", REDIRECTS)
def test_no_next_value_leads_off_the_site(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", REDIRECTS)
def test_sign_in_never_redirects_off_the_site(client, target):
    make_user(email="known@example.test")
    page = f"/sign-in?next={quote(target, safe='')}"
    response = submit(
        client, page, {"email": "known@example.test", "password": DEFAULT_PASSWORD}, form_page=page
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target", REDIRECTS[:6])
def test_sign_in_with_a_second_factor_never_redirects_off_the_site(client, target):
    from tests.support import current_code

    user = make_user(email="admin@example.test", roles=[Role.ADMINISTRATOR])
    page = f"/sign-in?next={quote(target, safe='')}"
    first = submit(
        client, page, {"email": user.email, "password": DEFAULT_PASSWORD}, form_page=page
    )
    assert first.headers["Location"].startswith("/sign-in/security-code")
    response = submit(client, "/sign-in/security-code", {"code": current_code(user)})
    assert response.status_code == 302
    assert _ours(response.headers["Location"])
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize("target", [*REDIRECTS, "/register/search//evil.example"])
def test_the_shortlist_goes_back_only_to_the_search(client, target):
    commissioner = make_user(roles=[Role.COMMISSIONER], organisation=make_organisation())
    reviewer = make_user(roles=[Role.REVIEWER])
    make_record(user=reviewer)
    make_entry(reviewer)
    sign_in_as(client, commissioner)
    page = client.get("/register/search").get_data(as_text=True)
    response = client.post(
        "/register/shortlist",
        data={"csrf_token": csrf_token(page), "reviewer_id": str(reviewer.id), "back": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/shortlist"


# --- session fixation ----------------------------------------------------------------------


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("portal_session")
    return cookie.value if cookie else None


def test_signing_in_starts_a_new_session_and_a_planted_one_stays_signed_out(client, app):
    make_user(email="known@example.test")
    client.get("/sign-in")
    planted = _session_cookie(client)
    assert planted
    submit(client, "/sign-in", {"email": "known@example.test", "password": DEFAULT_PASSWORD})
    signed_in = _session_cookie(client)
    assert signed_in and signed_in != planted
    assert client.get("/account").status_code == 200

    # The attacker who planted (or kept) the first cookie is still signed out.
    attacker = app.test_client()
    attacker.set_cookie("portal_session", planted)
    response = attacker.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def _signed_in(app, user):
    browser = app.test_client()
    submit(browser, "/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert browser.get("/account").status_code == 200
    return browser


def test_a_copied_session_cookie_is_refused_once_its_owner_signs_out(app):
    """ASVS 3.3.1: signing out ends the session on the server, not only in the browser."""
    user = make_user(email="known@example.test")
    owner = _signed_in(app, user)
    thief = app.test_client()
    thief.set_cookie("portal_session", _session_cookie(owner))
    assert thief.get("/account").status_code == 200  # a stolen cookie works until...
    submit(owner, "/sign-out", {}, form_page="/account")
    response = thief.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_signing_out_in_one_browser_leaves_the_others_signed_in(app):
    user = make_user(email="known@example.test")
    laptop, phone = _signed_in(app, user), _signed_in(app, user)
    submit(laptop, "/sign-out", {}, form_page="/account")
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 200


def test_the_cookie_holds_a_token_whose_hash_alone_is_stored(app):
    user = make_user(email="known@example.test")
    browser = _signed_in(app, user)
    with browser.session_transaction() as session:
        token = session["_user_id"]
    row = browser_session_of(browser)
    assert len(token) >= 40 and ":" not in token  # random: no account id in it
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token


def test_session_tokens_are_compared_in_constant_time():
    assert same_secret("abc", "abc")
    assert not same_secret("abc", "abd")
    assert not same_secret("abc", None)
    assert not same_secret(None, None)
    assert not same_secret("abc", "ab\u00e9")  # not ASCII: refused, not an error


def test_no_secret_or_token_is_compared_with_equals():
    """Secrets held in memory are compared with hmac.compare_digest (same_secret); values
    looked up by their hash in the database are not secrets by then."""
    pattern = re.compile(
        r"(session_token|_secret|\btoken|_hash|password)\s*(==|!=)"
        r"|(==|!=)\s*(\w*\.)?(session_token|\w*_secret|token|\w*_hash|password)\b"
    )
    found = []
    for path in (ROOT / "portal").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            # Model.column == value builds SQL (a lookup by hash), not a comparison in Python.
            sql = re.search(r"\b[A-Z]\w*\.\w+\s*(==|!=)", code)
            if pattern.search(code) and not sql and ".where(" not in code:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


# --- framing -------------------------------------------------------------------------------


def test_every_kind_of_response_refuses_to_be_framed(client):
    applicant = make_user(roles=[])
    application = make_application(applicant=applicant, complete=False)
    responses = {
        "public page": client.get("/"),
        "sign-in form": client.get("/sign-in"),
        "redirect": client.get("/account"),
        "not found": client.get("/no-such-page"),
        "health (JSON)": client.get("/healthz"),
        "static asset": client.get("/assets/application.css"),
        "CSRF failure": client.post("/sign-in", data={}),
    }
    sign_in_as(client, applicant)
    responses["signed-in page"] = client.get("/account")
    responses["form page"] = client.get(f"/applications/{application.id}/personal-details")
    responses["forbidden"] = client.get("/admin/users")
    responses["download"] = client.get("/cpd/import/template.csv")
    for kind, response in responses.items():
        assert response.headers.get("X-Frame-Options") == "DENY", kind
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], kind
        assert response.headers.get("X-Content-Type-Options") == "nosniff", kind


# --- CSRF on every POST route --------------------------------------------------------------


def _sample_url(app, rule: Rule) -> str:
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        values[name] = (
            1 if kind == "IntegerConverter" else uuid.uuid4() if kind == "UUIDConverter" else "x"
        )
    return app.url_map.bind("localhost").build(rule.endpoint, values, method="POST")


def _post_rules(app) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


def test_there_are_post_routes_to_try(app):
    assert len(_post_rules(app)) > 50


# POST routes that a browser's cookie never authorises, so a CSRF token would protect nothing:
# each is named here with the reason, and must still refuse a request without its credentials.
CSRF_EXEMPT = {
    "api.issue_token": "the OAuth token endpoint: client credentials, never the session cookie",
}


def test_the_csrf_exempt_routes_are_only_those_named(app):
    csrf = app.extensions["csrf"]
    exempt = set()
    for rule in _post_rules(app):
        view = app.view_functions[rule.endpoint]
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views or any(
            rule.endpoint.startswith(f"{bp.name}.") for bp in csrf._exempt_blueprints
        ):
            exempt.add(rule.endpoint)
    assert exempt == set(CSRF_EXEMPT)


@pytest.mark.parametrize("who", ["anonymous", "administrator"])
def test_every_post_route_refuses_a_request_without_a_csrf_token(app, client, who):
    if who == "administrator":
        sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR, Role.QA_LEAD]))
    accepted = []
    before = count(AuditEvent)
    for rule in _post_rules(app):
        url = _sample_url(app, rule)
        response = client.post(url, data={"anything": "x"})
        if rule.endpoint in CSRF_EXEMPT:
            if response.status_code not in (400, 401):
                accepted.append(f"{rule.endpoint} {url}: {response.status_code}")
            continue
        title = response.get_data(as_text=True).split("<title>", 1)[-1].split("</title>")[0]
        if response.status_code != 400 or not title.startswith("Sorry"):
            accepted.append(f"{rule.endpoint} {url}: {response.status_code} {title}")
    assert accepted == []
    assert count(AuditEvent) == before


def test_a_token_from_another_session_is_refused(app, client):
    other = app.test_client()
    token = csrf_token(other.get("/sign-in").get_data(as_text=True))
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": "a@example.test", "password": "x"}
    )
    assert response.status_code == 400


# --- stored script in free text ------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'><svg onload=alert(1)>'


def _escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html
    assert "&lt;script&gt;alert" in html


def test_script_in_a_cpd_entry_is_shown_as_text(client):
    reviewer = make_user(roles=[Role.REVIEWER])
    record = make_record(user=reviewer)
    entry = make_cpd_entry(record, title=PAYLOAD)
    entry.description = entry.learning = entry.impact = PAYLOAD
    sign_in_as(client, reviewer)
    for url in ("/cpd", f"/cpd/activities/{entry.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        _escaped(response.get_data(as_text=True))


def test_script_in_a_register_biography_is_shown_as_text(client):
    reviewer = make_user(roles=[Role.REVIEWER], name=f"Reviewer {PAYLOAD}")
    make_record(user=reviewer)
    make_entry(reviewer, biography=PAYLOAD)
    sign_in_as(client, reviewer)
    _escaped(client.get("/register/my-entry").get_data(as_text=True))
    _escaped(client.get("/register/my-entry/profile").get_data(as_text=True))
    commissioner = make_user(roles=[Role.COMMISSIONER], organisation=make_organisation())
    sign_in_as(client, commissioner)
    _escaped(client.get("/register/search?q=Reviewer").get_data(as_text=True))


def test_script_in_an_application_is_shown_as_text(client):
    applicant = make_user(name=f"Applicant {PAYLOAD}")
    application = make_application(applicant=applicant, complete=True)
    application.experience_summary = application.qualifications = PAYLOAD
    application.full_name = PAYLOAD
    sign_in_as(client, applicant)
    for url in (
        f"/applications/{application.id}/check-answers",
        f"/applications/{application.id}/experience",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _escaped(response.get_data(as_text=True))
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    response = client.get(f"/applications/{application.id}")
    assert response.status_code == 200
    _escaped(response.get_data(as_text=True))
    _escaped(client.get("/admin/users?q=Applicant").get_data(as_text=True))


def test_script_in_a_peer_qa_review_is_shown_as_text(client):
    author = make_user(roles=[Role.REVIEWER])
    make_record(user=author)
    review = make_qa_review(author=author, title=PAYLOAD, recommendations=(PAYLOAD,))
    sign_in_as(client, author)
    response = client.get(f"/peer-qa/reviews/{review.id}")
    assert response.status_code == 200
    _escaped(response.get_data(as_text=True))


def test_script_typed_into_a_form_comes_back_escaped_with_the_error(client):
    response = submit(client, "/sign-up", {"name": PAYLOAD, "email": "not an email"})
    assert response.status_code == 200
    page_checks(response, service_name=SERVICE_NAME)
    _escaped(response.get_data(as_text=True))


def test_a_nul_character_in_any_field_is_a_bad_request_not_a_database_error(client):
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post(
        "/sign-in", data={"csrf_token": csrf_token(page), "email": "\x00", "password": "x"}
    )
    assert response.status_code == 400
    assert client.get("/register?q=%00").status_code == 400
