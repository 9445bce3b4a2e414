"""Reading the identity providers' configuration: every problem at once, secrets only from the
environment, and the rules each provider carries."""

from __future__ import annotations

import pytest

from portal.auth.identity_providers import (
    DISCOVERY_PATH,
    IdentityProvider,
    load_providers,
    parse_providers,
)
from portal.core.documents import DocumentInvalid

pytestmark = pytest.mark.no_db

ENV = {"IDP_SECRET": "not-a-real-secret"}


def _row(**fields: object) -> dict[str, object]:
    return {
        "name": "partnership-idp",
        "label": "Invented Partnership",
        "issuer": "https://idp.example.test",
        "client_id": "portal",
        "client_secret_env": "IDP_SECRET",
        **fields,
    }


def test_a_provider_is_read_with_its_defaults():
    (provider,) = parse_providers(
        {"providers": [_row(email_domains=["@Invented.Example.test"])]}, ENV
    )
    assert provider.discovery_url == "https://idp.example.test" + DISCOVERY_PATH
    assert provider.client_secret == "not-a-real-secret"
    assert provider.scopes == ("openid", "email", "profile")
    assert provider.email_domains == ("invented.example.test",)
    assert provider.token_endpoint_auth_method == "client_secret_basic"
    assert "not-a-real-secret" not in repr(provider)


def test_every_problem_is_reported_at_once():
    rows = [
        _row(name="Bad Name", client_secret="in-the-file"),
        _row(name="second", issuer=None, client_secret_env="MISSING_SECRET", scopes=["email"]),
        _row(name="second", token_endpoint_auth_method="private_key_jwt"),
    ]
    with pytest.raises(DocumentInvalid) as caught:
        parse_providers({"providers": rows}, ENV)
    text = "; ".join(caught.value.problems)
    assert "'name' must be lower-case" in text
    assert "never put 'client_secret' in the file" in text
    assert "give 'issuer' or 'discovery_url'" in text
    assert "MISSING_SECRET is not set" in text
    assert "'scopes' must include openid" in text
    assert "the name is used twice" in text
    assert "'token_endpoint_auth_method' must be one of" in text


def test_no_file_and_an_empty_list_mean_no_providers(tmp_path):
    assert load_providers(None) == ()
    assert load_providers(tmp_path / "absent.yaml") == ()
    empty = tmp_path / "providers.yaml"
    empty.write_text("providers: []\n")
    assert load_providers(empty) == ()


def test_the_shipped_file_configures_no_provider():
    from config.settings import CONFIG_DIR

    assert load_providers(CONFIG_DIR / "identity_providers.yaml", {}) == ()


def _provider(**fields: object) -> IdentityProvider:
    values: dict[str, object] = {
        "name": "p",
        "label": "P",
        "discovery_url": "https://login.example.test/tenant/v2.0" + DISCOVERY_PATH,
        "client_id": "c",
        "client_secret": "s",
        **fields,
    }
    return IdentityProvider(**values)  # type: ignore[arg-type]


def test_email_domains_limit_who_may_sign_in():
    assert _provider().allows_email("anyone@anywhere.example.test")
    limited = _provider(email_domains=("invented.example.test",))
    assert limited.allows_email("a@Invented.Example.test")
    assert not limited.allows_email("a@sub.invented.example.test")
    assert not limited.allows_email("a@elsewhere.example.test")


@pytest.mark.parametrize(
    ("amr", "acr", "expected"),
    [
        (["pwd", "mfa"], None, True),
        (["hwk"], None, True),
        ("otp", None, True),
        (["pwd"], None, False),
        (None, None, False),
        (["pwd"], "urn:invented:loa:2", True),
        (["pwd"], "urn:invented:loa:1", False),
    ],
)
def test_multi_factor_is_read_from_amr_or_a_listed_acr(amr, acr, expected):
    provider = _provider(multi_factor_acr=("urn:invented:loa:2",))
    assert provider.asserts_multi_factor(amr, acr) is expected


def test_the_providers_origins_are_those_of_its_addresses():
    provider = _provider(issuer="https://issuer.example.test/tenant/")
    assert provider.origins == ("https://login.example.test", "https://issuer.example.test")
