"""Organisation forms: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


class RenameForm(FlaskForm):
    name = StringField(
        "New name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the new name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    version_id = HiddenField()
    submit = SubmitField("Rename", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    target = SelectField(
        "Merge into",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Choose the organisation to merge into")],
    )
    version_id = HiddenField()
    submit = SubmitField("Merge organisations", widget=GovSubmitInput())


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name", widget=GovTextInput())
    kind = SelectField("Kind", widget=GovSelect(), choices=[])
    region = SelectField("Region", widget=GovSelect(), choices=[])
    page = IntegerField(default=1)
    submit = SubmitField("Filter", widget=GovSubmitInput())
