"""Peer quality assurance of completed reviews: the QA rubric, submissions, blind peer
assessment and moderation, and the analysis of what reviews' recommendations target."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("peer_qa", __name__, url_prefix="/peer-qa")
