"""Learning across reviews: what the recommendations of reviews in peer QA target, by year,
region and theme, and the markers where reviews score lowest. Counts, never reviews or
people: nothing here names an author, an assessor or a review."""

from __future__ import annotations

from flask import render_template

from portal.core.permissions import Permission, require_permission
from portal.peer_qa import bp, learning
from portal.peer_qa.views.common import View, analysis_labels


@bp.route("/learning")
@require_permission(Permission.VIEW_PEER_QA_LEARNING)
def show_learning() -> View:
    return render_template(
        "peer_qa/show_learning.html",
        learning=learning.learning(),
        labels=analysis_labels()["class"],
        small_number=learning.small_number,
        is_small=learning.is_small,
        small=learning.SMALL_NUMBER,
    )
