"""Administrators' forms: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from portal.core.forms import GovDateField
from portal.core.permissions import GRANTABLE_ROLES


class GrantRoleForm(FlaskForm):
    role = SelectField(
        "Role to give",
        widget=GovSelect(),
        choices=[("", "Choose a role")] + [(r.value, r.label) for r in GRANTABLE_ROLES],
        validators=[InputRequired(message="Choose a role to give")],
    )
    organisation = SelectField(
        "Safeguarding partnership (for commissioners)", widget=GovSelect(), coerce=int, choices=[]
    )
    submit = SubmitField("Give role", widget=GovSubmitInput())


class RevokeRoleForm(FlaskForm):
    role = SelectField(choices=[(r.value, r.label) for r in GRANTABLE_ROLES])
    submit = SubmitField("Remove", widget=GovSubmitInput())


def _organisation_id(value: object) -> int:
    """The select's empty first option means no organisation (0); anything not a number is
    no organisation that exists (-1)."""
    if value in (None, ""):
        return 0
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 10 else -1


class OrganisationForm(FlaskForm):
    # Its own id: the role form on the same page has an 'organisation' select too.
    organisation = SelectField(
        "Organisation",
        coerce=_organisation_id,
        choices=[],
        id="person-organisation",
        validate_choice=False,
    )
    submit = SubmitField("Save organisation", widget=GovSubmitInput())

    def validate_organisation(self, field: SelectField) -> None:
        if field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError("Select an organisation from the list")


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or email address", widget=GovTextInput())
    role = SelectField("Role", widget=GovSelect(), choices=[])
    submit = SubmitField("Search", widget=GovSubmitInput())


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField("Actor (email address)", widget=GovTextInput())
    subject_type = SelectField("Subject", widget=GovSelect(), choices=[], validate_choice=False)
    subject_id = StringField("Subject reference", widget=GovTextInput())
    date_from = GovDateField("From")
    date_to = GovDateField("To")
    submit = SubmitField("Filter", widget=GovSubmitInput())
