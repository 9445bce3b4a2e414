"""The form an administrator fills in to close an account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.privacy.closure import MAX_REASON


class CloseAccountForm(FlaskForm):
    reason = TextAreaField(
        "Why is the account being closed?",
        widget=GovTextArea(),
        description="For example, the person asked on 3 November 2026 for their data to be "
        "erased. This goes in the audit log.",
        validators=[
            InputRequired(message="Enter why the account is being closed"),
            Length(
                max=MAX_REASON,
                message=f"The reason must be {MAX_REASON} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Close the account", widget=GovSubmitInput())
