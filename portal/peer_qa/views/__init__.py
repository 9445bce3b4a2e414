"""Peer QA pages, split by who uses them: authors, peer assessors and the QA lead."""

from __future__ import annotations

from portal.peer_qa.views import assessing, authoring, learning_pages, managing  # noqa: F401  (routes attach to bp)
