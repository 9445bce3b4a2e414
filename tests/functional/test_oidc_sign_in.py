"""Signing in with an OpenID Connect provider, through the test client, against a real provider
(oidc-provider under node): accounts created and linked, organisations, second factors,
sign-out at the provider, and every way it can fail leaving nothing behind."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.auth.models import IdentityLink, RoleGrant, User
from portal.core.audit import AuditEvent
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_organisation, make_user
from tests.oidc import (
    PROVIDER_LABEL,
    TEST_CLIENT_BASE,
    ProviderBrowser,
    RunningProvider,
    callback_url,
    running_provider,
)
from tests.support import (
    browser_session_of,
    csrf_token,
    current_code,
    free_port,
    page_checks,
    path_of,
    submit,
)

START = "/sign-in/with/test-idp"


def _start(client: FlaskClient) -> str:
    response = client.get(START)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] and query["state"] and query["nonce"]
    return location


def _sign_in(
    client: FlaskClient, provider: RunningProvider, email: str, **login: object
) -> TestResponse:
    """Start at the portal, sign in at the provider, come back to the portal's callback."""
    back = ProviderBrowser(provider.issuer).sign_in(_start(client), email=email, **login)  # type: ignore[arg-type]
    assert back.startswith(callback_url(TEST_CLIENT_BASE))
    return client.get(path_of(back))


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _problem(response: TestResponse, status: int, heading: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert soup.h1 is not None
    assert " ".join(soup.h1.get_text().split()) == heading
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "Sign in with your email address and password" in text


def _signed_in_as(client: FlaskClient) -> str | None:
    row = browser_session_of(client)
    return str(row.user_id) if row is not None and row.ended_at is None else None


# --- Happy paths -----------------------------------------------------------------------------


def test_the_sign_in_page_offers_each_configured_provider(client, use_provider):
    use_provider()
    page = client.get("/sign-in")
    soup = page_checks(page, service_name=SERVICE_NAME)
    button = soup.find("a", string=lambda s: s and f"Sign in with {PROVIDER_LABEL}" in s)
    assert button is not None and button["href"] == START
    assert soup.select_one("input[name=password]") is not None  # the password form stays


def test_a_first_sign_in_creates_a_confirmed_applicant_account_with_no_password(
    client, use_provider, oidc_provider
):
    use_provider()
    response = _sign_in(client, oidc_provider, "New.Person@Example.test", name="Nia Invented")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/dashboard"
    user = _user("new.person@example.test")
    assert user is not None
    assert user.name == "Nia Invented"
    assert user.email_confirmed and user.password_hash is None
    assert user.roles == {Role.APPLICANT}
    assert count(RoleGrant, RoleGrant.user_id == user.id) == 0
    (link,) = db.session.scalars(sa.select(IdentityLink).where(IdentityLink.user_id == user.id))
    assert link.issuer == oidc_provider.issuer
    assert link.subject == "sub-New.Person@Example.test"
    assert _signed_in_as(client) == str(user.id)
    actions = set(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.subject_id == str(user.id))
        )
    )
    assert {"account.created", "account.identity_linked", "auth.signed_in"} <= actions
    assert client.get("/dashboard").status_code == 200


def test_an_existing_account_is_linked_when_the_provider_verifies_its_email(
    client, use_provider, oidc_provider
):
    use_provider()
    person = make_user(email="linked.person@example.test", name="Lee Existing")
    response = _sign_in(client, oidc_provider, "  LINKED.person@example.test")

    assert response.status_code == 302
    assert _signed_in_as(client) == str(person.id)
    assert count(User, User.email == "linked.person@example.test") == 1
    link = db.session.scalar(sa.select(IdentityLink).where(IdentityLink.user_id == person.id))
    assert link is not None and link.provider == "test-idp"
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "account.identity_linked", AuditEvent.subject_id == str(person.id)
        )
    )
    assert event is not None
    db.session.refresh(person)
    assert person.name == "Lee Existing"  # the provider changes nobody's name


def test_a_second_sign_in_by_the_same_subject_uses_the_same_account(
    client, use_provider, oidc_provider, app
):
    use_provider()
    _sign_in(client, oidc_provider, "again@example.test", subject="subject-42")
    first = _user("again@example.test")
    assert first is not None

    other = app.test_client()
    # The same person at the provider, whose address there has since changed.
    response = _sign_in(other, oidc_provider, "renamed@example.test", subject="subject-42")

    assert response.status_code == 302
    assert _signed_in_as(other) == str(first.id)
    assert _user("renamed@example.test") is None
    assert count(IdentityLink, IdentityLink.subject == "subject-42") == 1
    sign_ins = count(
        AuditEvent,
        AuditEvent.action == "auth.signed_in",
        AuditEvent.subject_id == str(first.id),
    )
    assert sign_ins == 2


def test_the_providers_organisation_is_given_to_people_who_have_none(
    client, use_provider, oidc_provider, app
):
    organisation = make_organisation(code="invented-sso-partnership")
    use_provider(organisation="invented-sso-partnership")
    _sign_in(client, oidc_provider, "org.person@example.test")
    user = _user("org.person@example.test")
    assert user is not None and user.organisation_id == organisation.id
    assert user.roles == {Role.APPLICANT}

    elsewhere = make_organisation()
    settled = make_user(email="settled@example.test", organisation=elsewhere)
    _sign_in(app.test_client(), oidc_provider, "settled@example.test")
    db.session.refresh(settled)
    assert settled.organisation_id == elsewhere.id  # never moved


def test_signing_in_grants_no_role_and_keeps_the_roles_held(client, use_provider, oidc_provider):
    use_provider(multi_factor_acr=("urn:invented:mfa",))
    commissioner = make_user(email="commissioner.sso@example.test", roles=[Role.COMMISSIONER])
    grants = count(RoleGrant)
    _sign_in(client, oidc_provider, "commissioner.sso@example.test", acr="urn:invented:mfa")
    assert count(RoleGrant) == grants
    db.session.refresh(commissioner)
    assert commissioner.roles == {Role.APPLICANT, Role.COMMISSIONER}


def test_an_assessor_whose_provider_asserts_mfa_is_not_asked_for_our_code(
    client, use_provider, oidc_provider
):
    use_provider()
    assessor = make_user(email="assessor.mfa@example.test", roles=[Role.ASSESSOR])
    response = _sign_in(client, oidc_provider, "assessor.mfa@example.test", amr="pwd mfa")

    assert urlsplit(response.headers["Location"]).path == "/dashboard"
    with client.session_transaction() as session:
        assert session.get("_mfa") is True
    assert _signed_in_as(client) == str(assessor.id)
    assert client.get("/dashboard").status_code == 200


def test_an_acr_the_config_lists_as_multi_factor_skips_our_code(
    client, use_provider, oidc_provider
):
    use_provider(multi_factor_acr=("urn:invented:loa:2",))
    make_user(email="assessor.acr@example.test", roles=[Role.ASSESSOR])
    response = _sign_in(
        client, oidc_provider, "assessor.acr@example.test", acr="urn:invented:loa:2"
    )
    assert urlsplit(response.headers["Location"]).path == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_an_assessor_without_mfa_at_the_provider_is_asked_for_our_code(
    client, use_provider, oidc_provider
):
    use_provider()
    assessor = make_user(email="assessor.pwd@example.test", roles=[Role.ASSESSOR])
    response = _sign_in(client, oidc_provider, "assessor.pwd@example.test", amr="pwd")

    assert urlsplit(response.headers["Location"]).path == "/sign-in/security-code"
    assert _signed_in_as(client) is None
    assert client.get("/dashboard").status_code == 302

    done = submit(client, "/sign-in/security-code", {"code": current_code(assessor)})
    assert urlsplit(done.headers["Location"]).path == "/dashboard"
    assert _signed_in_as(client) == str(assessor.id)
    assert client.get("/dashboard").status_code == 200


def test_sign_out_ends_the_session_here_and_at_the_provider(client, use_provider, oidc_provider):
    use_provider()
    browser = ProviderBrowser(oidc_provider.issuer)
    back = browser.sign_in(_start(client), email="leaving@example.test")
    client.get(path_of(back))
    page = client.get("/account")
    assert page.status_code == 200

    response = client.post(
        "/sign-out", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )

    assert response.status_code == 302
    away = response.headers["Location"]
    metadata = oidc_provider.metadata()
    assert away.startswith(str(metadata["end_session_endpoint"]))
    query = parse_qs(urlsplit(away).query)
    assert query["post_logout_redirect_uri"] == [f"{TEST_CLIENT_BASE}/signed-out"]
    assert query["id_token_hint"][0].count(".") == 2
    assert _signed_in_as(client) is None
    # The provider's form asks, then sends the browser back to the portal.
    assert urlsplit(browser.confirm_sign_out(away)).path == "/signed-out"
    # Signed out at the provider too: starting again shows its sign-in page.
    leaving, html = browser.follow(_start(client))
    assert leaving == "" and 'name="email"' in html


def test_a_password_sign_out_stays_at_the_portal(client, use_provider):
    use_provider()
    person = make_user(email="password.only@example.test")
    submit(client, "/sign-in", {"email": person.email, "password": "correct horse battery staple"})
    page = client.get("/account")
    response = client.post(
        "/sign-out", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    assert response.headers["Location"] == "/signed-out"


def test_the_provider_is_named_in_the_content_security_policy_for_sign_out(
    client, use_provider, oidc_provider
):
    use_provider()
    policy = client.get("/sign-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc_provider.issuer}" in policy


# --- Failures: a clear page, and nothing created ---------------------------------------------


def _rows() -> tuple[int, int, int]:
    """Accounts, identity links and audit events: a failed sign-in adds none of them."""
    return count(User), count(IdentityLink), count(AuditEvent)


def test_a_wrong_state_is_refused(client, use_provider, oidc_provider):
    use_provider()
    before = _rows()
    back = ProviderBrowser(oidc_provider.issuer).sign_in(_start(client), email="state@example.test")
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "not-the-state-we-sent"
    tampered = urlunsplit(parts._replace(query=urlencode(query)))

    _problem(client.get(path_of(tampered)), 400, "Your sign-in could not be completed")
    assert _signed_in_as(client) is None
    assert _rows() == before


def test_a_replayed_code_is_refused(client, use_provider, oidc_provider, app):
    use_provider()
    back = ProviderBrowser(oidc_provider.issuer).sign_in(
        _start(client), email="replay@example.test"
    )
    assert client.get(path_of(back)).status_code == 302
    assert _user("replay@example.test") is not None
    before = _rows()

    # The same callback again: its state was used up.
    again = app.test_client()
    _problem(again.get(path_of(back)), 400, "Your sign-in could not be completed")
    # The same code with a fresh state: the provider refuses a code used before.
    code = parse_qs(urlsplit(back).query)["code"][0]
    state = parse_qs(urlsplit(_start(again)).query)["state"][0]
    replay = f"/sign-in/with/test-idp/callback?{urlencode({'code': code, 'state': state})}"
    _problem(again.get(replay), 400, "Your sign-in could not be completed")
    assert _signed_in_as(again) is None
    assert _rows() == before


@pytest.mark.parametrize(
    "client_id",
    ["portal-tampered", "portal-expired", "portal-wrong-audience"],
    ids=["tampered-signature", "expired", "wrong-audience"],
)
def test_an_id_token_that_fails_its_checks_is_refused(
    client, use_provider, oidc_provider, client_id
):
    use_provider(client_id=client_id)
    before = _rows()
    response = _sign_in(client, oidc_provider, f"{client_id}@example.test")
    _problem(response, 400, "Your sign-in could not be checked")
    assert _signed_in_as(client) is None
    assert _rows() == before


def test_an_unverified_email_is_refused(client, use_provider, oidc_provider):
    use_provider()
    make_user(email="unverified@example.test")
    before = _rows()
    response = _sign_in(client, oidc_provider, "unverified@example.test", verified=False)
    _problem(response, 403, "Your email address is not verified")
    assert _signed_in_as(client) is None
    assert _rows() == before


def test_a_new_unverified_email_creates_nothing(client, use_provider, oidc_provider):
    use_provider()
    before = _rows()
    response = _sign_in(client, oidc_provider, "brand.new@example.test", verified=False)
    _problem(response, 403, "Your email address is not verified")
    assert _user("brand.new@example.test") is None
    assert _rows() == before


def test_an_email_domain_the_provider_is_not_allowed_for_is_refused(
    client, use_provider, oidc_provider
):
    use_provider(email_domains=("partnership.example.test",))
    before = _rows()
    response = _sign_in(client, oidc_provider, "someone@elsewhere.example.test")
    _problem(response, 403, "You cannot sign in this way")
    assert "elsewhere.example.test" in response.get_data(as_text=True)
    assert _rows() == before


def test_an_allowed_email_domain_signs_in(client, use_provider, oidc_provider):
    use_provider(email_domains=("partnership.example.test",))
    response = _sign_in(client, oidc_provider, "someone@Partnership.example.test")
    assert response.status_code == 302
    assert _user("someone@partnership.example.test") is not None


def test_a_provider_that_cannot_be_reached_gets_a_clear_page(client, use_provider):
    closed = f"http://127.0.0.1:{free_port()}"
    use_provider(discovery_url=f"{closed}/.well-known/openid-configuration", issuer=closed)
    before = _rows()
    response = client.get(START)
    _problem(response, 503, f"We could not reach {PROVIDER_LABEL}")
    assert "sign in with your password" in response.get_data(as_text=True)
    assert _rows() == before


def test_a_provider_that_goes_down_before_the_callback_gets_a_clear_page(client, app, monkeypatch):
    before = _rows()
    with running_provider([callback_url(TEST_CLIENT_BASE)]) as short_lived:
        monkeypatch.setitem(app.config, "IDENTITY_PROVIDERS", (short_lived.config(),))
        back = ProviderBrowser(short_lived.issuer).sign_in(
            _start(client), email="down@example.test"
        )
    # The provider has stopped: its token endpoint no longer answers.
    response = client.get(path_of(back))
    _problem(response, 503, f"We could not reach {PROVIDER_LABEL}")
    assert _signed_in_as(client) is None
    assert _rows() == before


def test_a_refusal_at_the_provider_gets_a_clear_page(client, use_provider):
    use_provider()
    before = _rows()
    state = parse_qs(urlsplit(_start(client)).query)["state"][0]
    response = client.get(f"/sign-in/with/test-idp/callback?error=access_denied&state={state}")
    _problem(response, 400, "You did not finish signing in")
    assert _rows() == before


def test_a_closed_account_cannot_sign_in(client, use_provider, oidc_provider):
    use_provider()
    make_user(email="closed@example.test").active = False
    db.session.commit()
    before = _rows()
    response = _sign_in(client, oidc_provider, "closed@example.test")
    _problem(response, 403, "This account is closed")
    assert _rows() == before


def test_an_unknown_provider_is_not_found(client, use_provider):
    use_provider()
    assert client.get("/sign-in/with/nobody").status_code == 404
    assert client.get("/sign-in/with/nobody/callback").status_code == 404


def test_failed_callbacks_count_towards_the_sign_in_limit_per_address(
    client, use_provider, app, monkeypatch
):
    use_provider()
    monkeypatch.setitem(app.config, "SIGN_IN_ADDRESS_LIMIT", "2 per 15 minutes")
    for _ in range(2):
        assert client.get("/sign-in/with/test-idp/callback?code=x&state=y").status_code == 400
    response = client.get("/sign-in/with/test-idp/callback?code=x&state=y")
    assert response.status_code == 429
