"""The referee's page: reached by the one-time link in their email, without an account."""

from __future__ import annotations

from flask import abort, render_template, url_for
from werkzeug.wrappers import Response

from portal.applications import bp, services
from portal.applications.forms import ReferenceForm
from portal.core.errors import DomainError
from portal.core.permissions import public
from portal.extensions import db

View = str | Response | tuple[str, int]


@bp.route("/references/<string:token>", methods=["GET", "POST"])
@public
def give_reference(token: str) -> View:
    try:
        referee = services.referee_for_token(token)
    except DomainError as exc:
        return render_template("applications/reference_link_invalid.html", message=exc.message), 400
    form = ReferenceForm()
    if form.validate_on_submit():
        try:
            services.give_reference(
                referee,
                known_for=form.known_for.data or "",
                reference_text=form.reference_text.data or "",
                would_recommend=form.would_recommend.data == "yes",
            )
        except DomainError:
            db.session.rollback()
            abort(400)
        db.session.commit()
        return render_template("applications/reference_given.html", home=url_for("home.start"))
    return render_template(
        "applications/give_reference.html",
        form=form,
        referee=referee,
        application=referee.application,
    )
