"""Verifiable accreditation credentials: the portal's signing keys and their public set, Open
Badges 3.0 credentials for accredited reviewers, status lists, and verification."""

from __future__ import annotations

from flask import Blueprint

# No prefix: the public key set lives at /.well-known/ and verification under /register/.
bp = Blueprint("credentials", __name__)

from portal.credentials import views  # noqa: E402, F401
