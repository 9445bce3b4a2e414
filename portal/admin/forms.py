"""Administrators' forms: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired

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


class OrganisationForm(FlaskForm):
    organisation = SelectField("Organisation", widget=GovSelect(), coerce=int, choices=[])
    submit = SubmitField("Save organisation", widget=GovSubmitInput())


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
