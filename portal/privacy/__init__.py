"""Data protection: retention rules applied daily, subject access exports and erasure."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from portal.privacy import views  # noqa: E402,F401  (routes register on the blueprint)
