"""Identity providers people may sign in with (OpenID Connect), read from configuration."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from config.settings import ConfigError
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml
from portal.core.errors import DomainError

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
# Names that would clash with the sign-in pages' own paths.
RESERVED_NAMES = frozenset({"security-code"})
DISCOVERY_PATH = "/.well-known/openid-configuration"
# amr values (RFC 8176) taken to mean the provider checked more than a password.
DEFAULT_MULTI_FACTOR_AMR = ("mfa", "otp", "hwk", "swk")
AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post"})


@dataclass(frozen=True)
class IdentityProvider:
    """One OpenID Connect provider and what it may do for whom."""

    name: str
    label: str
    discovery_url: str
    client_id: str
    client_secret: str = field(repr=False)
    issuer: str | None = None
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    # The organisation (by code) this provider signs people in for: it is given to a person
    # who has none. Never a role.
    organisation: str | None = None
    # When set, only addresses at these domains may sign in with this provider.
    email_domains: tuple[str, ...] = ()
    multi_factor_amr: tuple[str, ...] = DEFAULT_MULTI_FACTOR_AMR
    multi_factor_acr: tuple[str, ...] = ()
    token_endpoint_auth_method: str = "client_secret_basic"  # noqa: S105  (a method's name)
    timeout_seconds: float = 10.0

    @property
    def origins(self) -> tuple[str, ...]:
        """Where this provider's pages live, for the Content Security Policy (sign-out posts a
        form whose answer redirects there)."""
        found = []
        for url in (self.discovery_url, self.issuer):
            if url:
                parts = urlsplit(url)
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in found:
                    found.append(origin)
        return tuple(found)

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything the client depends on changes."""
        text = "|".join(
            [
                self.discovery_url,
                self.client_id,
                self.client_secret,
                " ".join(self.scopes),
                self.token_endpoint_auth_method,
                str(self.timeout_seconds),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def allows_email(self, email: str) -> bool:
        if not self.email_domains:
            return True
        domain = email.rpartition("@")[2].lower()
        return domain in self.email_domains

    def asserts_multi_factor(self, amr: object, acr: object) -> bool:
        methods = {amr} if isinstance(amr, str) else set(amr) if isinstance(amr, list) else set()
        if methods & set(self.multi_factor_amr):
            return True
        return isinstance(acr, str) and acr in self.multi_factor_acr


@dataclass(frozen=True)
class ProviderIdentity:
    """What a provider vouched for about a person, after every check on its tokens."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str


class SignInProblem(DomainError):
    """Signing in with a provider did not work; the title and message are shown on a page."""

    status = 400

    def __init__(self, title: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.title = title
        if status is not None:
            self.status = status


def _strings(value: Any, where: str, key: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: '{key}' must be a list of words")
        return ()
    return tuple(v.strip() for v in value)


def parse_providers(
    document: Any, environ: Mapping[str, str] | None = None
) -> tuple[IdentityProvider, ...]:
    """Check a providers document (every problem at once) and build the providers.

    Secrets never live in the document: `client_secret_env` names the environment variable.
    """
    environ = os.environ if environ is None else environ
    if document is None:
        return ()
    rows = document.get("providers") if isinstance(document, dict) else None
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise DocumentInvalid(["'providers' must be a list"])
    check = ProblemCollector()
    built: list[IdentityProvider] = []
    names: set[str] = set()
    for index, row in enumerate(rows, start=1):
        where = f"provider {index}"
        name = check.text(row, "name", where)
        if name:
            where = f"provider {name!r}"
            if not NAME.match(name) or name in RESERVED_NAMES:
                check.problems.append(f"{where}: 'name' must be lower-case letters, digits, '-'")
            if name in names:
                check.problems.append(f"{where}: the name is used twice")
            names.add(name)
        if not isinstance(row, dict):
            continue
        label = check.text(row, "label", where)
        issuer = check.text(row, "issuer", where, required=False) or None
        discovery = check.text(row, "discovery_url", where, required=False)
        if not discovery and issuer:
            discovery = issuer.rstrip("/") + DISCOVERY_PATH
        if not discovery:
            check.problems.append(f"{where}: give 'issuer' or 'discovery_url'")
        elif urlsplit(discovery).scheme not in {"https", "http"}:
            check.problems.append(f"{where}: 'discovery_url' must be an http(s) URL")
        client_id = _from_env_or_value(row, "client_id", where, environ, check)
        secret = _from_env_or_value(row, "client_secret", where, environ, check, secret=True)
        scopes = _strings(row.get("scopes"), where, "scopes", check.problems) or (
            "openid",
            "email",
            "profile",
        )
        if "openid" not in scopes:
            check.problems.append(f"{where}: 'scopes' must include openid")
        domains = tuple(
            d.lower().lstrip("@")
            for d in _strings(row.get("email_domains"), where, "email_domains", check.problems)
        )
        organisation = check.text(row, "organisation", where, required=False) or None
        method = str(row.get("token_endpoint_auth_method") or "client_secret_basic")
        if method not in AUTH_METHODS:
            check.problems.append(
                f"{where}: 'token_endpoint_auth_method' must be one of {sorted(AUTH_METHODS)}"
            )
        amr = _strings(row.get("multi_factor_amr"), where, "multi_factor_amr", check.problems)
        acr = _strings(row.get("multi_factor_acr"), where, "multi_factor_acr", check.problems)
        built.append(
            IdentityProvider(
                name=name,
                label=label,
                discovery_url=discovery,
                issuer=issuer,
                client_id=client_id,
                client_secret=secret,
                scopes=scopes,
                organisation=organisation,
                email_domains=domains,
                multi_factor_amr=amr or DEFAULT_MULTI_FACTOR_AMR,
                multi_factor_acr=acr,
                token_endpoint_auth_method=method,
            )
        )
    check.done()
    return tuple(built)


def _from_env_or_value(
    row: dict[str, Any],
    key: str,
    where: str,
    environ: Mapping[str, str],
    check: ProblemCollector,
    *,
    secret: bool = False,
) -> str:
    variable = row.get(f"{key}_env")
    if secret and key in row:
        check.problems.append(f"{where}: never put '{key}' in the file; use '{key}_env'")
        return ""
    if isinstance(variable, str) and variable:
        value = environ.get(variable, "")
        if not value:
            check.problems.append(f"{where}: the environment variable {variable} is not set")
        return value
    if secret:
        check.problems.append(f"{where}: '{key}_env' is missing")
        return ""
    return check.text(row, key, where)


def load_providers(
    path: Path | None, environ: Mapping[str, str] | None = None
) -> tuple[IdentityProvider, ...]:
    """The providers configured in `path` (none when there is no file); ConfigError if wrong."""
    if path is None or not path.exists():
        return ()
    try:
        return parse_providers(read_yaml(path), environ)
    except DocumentInvalid as exc:
        raise ConfigError(f"{path.name}: " + "; ".join(exc.problems)) from exc


def configured_providers() -> tuple[IdentityProvider, ...]:
    return tuple(current_app.config.get("IDENTITY_PROVIDERS") or ())


def provider_named(name: str) -> IdentityProvider | None:
    return next((p for p in configured_providers() if p.name == name), None)
