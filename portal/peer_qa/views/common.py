"""Pieces every peer QA page uses: running a service with one commit, and the report download."""

from __future__ import annotations

from flask import current_app
from werkzeug.wrappers import Response

from portal.core.uploads import UploadStore
from portal.peer_qa.recommendation_rules import current_rules

View = str | Response | tuple[str, int]


def store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def analysis_labels() -> dict[str, dict[str, str]]:
    """The words the recommendation rules give each class, target level and strength."""
    rules = current_rules()
    return {
        family: {o.code: o.label for o in choice.options}
        for family, choice in (
            ("class", rules.classes),
            ("target_level", rules.target_levels),
            ("strength", rules.strength),
        )
    }
