"""Peer quality assurance of completed reviews: the QA rubric, submissions, blind peer
assessment and moderation, and the analysis of what reviews' recommendations target."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("peer_qa", __name__, url_prefix="/peer-qa")

AUTHOR_PAGES = (
    "peer_qa.list_reviews",
    "peer_qa.show_review",
    "peer_qa.edit_details",
    "peer_qa.edit_report",
    "peer_qa.edit_recommendations",
    "peer_qa.edit_recommendation",
    "peer_qa.edit_involvement",
    "peer_qa.check_review",
    "peer_qa.show_analysis",
    "peer_qa.respond_to_feedback",
)
register_navigation(
    NavItem(
        "Your reviews",
        "peer_qa.list_reviews",
        Permission.SUBMIT_REVIEWS,
        order=43,
        section=AUTHOR_PAGES,
    )
)
register_navigation(
    NavItem(
        "Reviews to assess",
        "peer_qa.list_assessments",
        Permission.ASSESS_REVIEWS,
        order=56,
        section=("peer_qa.list_assessments", "peer_qa.score_review"),
    )
)
register_navigation(
    NavItem(
        "Review QA",
        "peer_qa.list_all_reviews",
        Permission.MANAGE_PEER_QA,
        order=62,
        section=(
            "peer_qa.list_all_reviews",
            "peer_qa.manage_review",
            "peer_qa.allocate_peers",
            "peer_qa.moderate_review",
            "peer_qa.list_rubrics",
            "peer_qa.show_rubric",
        ),
    )
)

register_navigation(
    NavItem(
        "Learning from reviews",
        "peer_qa.show_learning",
        Permission.VIEW_PEER_QA_LEARNING,
        order=63,
        section=("peer_qa.show_learning",),
    )
)

from portal.peer_qa import views  # noqa: E402,F401  (routes attach to bp)
