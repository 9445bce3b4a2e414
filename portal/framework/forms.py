"""Framework forms: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField


class ConfirmChangeForm(FlaskForm):
    version_id = HiddenField()
    submit = SubmitField("Confirm", widget=GovSubmitInput())
