"""Organisation forms: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from portal.organisations.models import OrganisationKind

AGENCY_KINDS = [(kind.value, kind.label) for kind in OrganisationKind if kind.is_agency]


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


class PartnershipsField(SelectMultipleField):
    """Partnerships ticked in checkboxes the template groups by region."""

    def pre_validate(self, form: object) -> None:
        allowed = {value for value, _label in self.choices or []}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError("Choose only current safeguarding partnerships")


class AgencyForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="As the agency calls itself, for example Invented Valley Academy Trust",
        validators=[
            InputRequired(message="Enter the agency's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    kind = RadioField(
        "Kind of agency",
        widget=GovRadioInput(),
        choices=AGENCY_KINDS,
        validators=[InputRequired(message="Choose the kind of agency")],
    )
    partnerships = PartnershipsField("Partnerships it works with (optional)", coerce=int)
    submit = SubmitField("Add agency", widget=GovSubmitInput())


class AgencyPartnershipsForm(FlaskForm):
    partnerships = PartnershipsField("Partnerships it works with", coerce=int)
    submit = SubmitField("Save partnerships", widget=GovSubmitInput())
