"""Security headers, safe redirects and signed tokens."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """The policy; `form_targets` are other origins a form's answer may redirect to (an
    identity provider's sign-out page)."""
    form_action = " ".join(["'self'", *form_targets])
    return CSP.replace("form-action 'self'", f"form-action {form_action}")


# Other origins that forms may lead to: app.extensions[FORM_TARGETS] is a function giving them.
FORM_TARGETS = "portal.form_targets"

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def register_security_headers(app: Flask) -> None:
    send_hsts = bool(app.config.get("SEND_HSTS"))

    @app.before_request
    def _refuse_nul_characters() -> None:
        # No field has a use for a NUL character, and PostgreSQL refuses text holding one:
        # a 400 page, not a database error.
        fields = (*request.args.listvalues(), *request.form.listvalues())
        if any("\x00" in value for values in fields for value in values):
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        targets = app.extensions.get(FORM_TARGETS)
        headers["Content-Security-Policy"] = content_security_policy(
            tuple(targets()) if targets else ()
        )
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if send_hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response


def same_secret(expected: str | None, given: str | None) -> bool:
    """Compare a secret (token, code) in constant time, so the time taken says nothing about
    how much of it was right."""
    if expected is None or given is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def is_safe_next(target: str | None) -> bool:
    """Only our own relative paths: no scheme, no host, no protocol-relative tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target if target is not None and is_safe_next(target) else default


class TokenError(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def make_token(secret: str, salt: str, payload: Any) -> str:
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


def read_token(secret: str, salt: str, token: str, max_age: int) -> Any:
    """The payload of a signed token, or TokenError saying whether it expired."""
    serializer = URLSafeTimedSerializer(secret, salt=salt)
    try:
        return serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(expired=True) from exc
    except BadSignature as exc:
        raise TokenError(expired=False) from exc
