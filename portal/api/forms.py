"""Administrators' forms for API clients: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.api.models import SCOPES
from portal.api.services import NAME_MAX


class CreateClientForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="What the partnership calls the system that will use it, for example "
        "'Case management system'",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message="Enter a name for the client"),
            Length(max=NAME_MAX, message=f"Name must be {NAME_MAX} characters or fewer"),
        ],
    )
    partnership = SelectField(
        "Partnership",
        widget=GovSelect(),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Choose the partnership the client is for")],
    )
    scopes = SelectMultipleField(
        "What the client may do",
        widget=GovCheckboxesInput(),
        choices=list(SCOPES.items()),
        # An unknown scope gets the same message as none, from the service.
        validate_choice=False,
        validators=[InputRequired(message="Choose what the client may do")],
    )
    submit = SubmitField("Create client", widget=GovSubmitInput())

    def validate_partnership(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Choose the partnership the client is for")


class RevokeClientForm(FlaskForm):
    submit = SubmitField("Revoke client", widget=GovSubmitInput())
