"""Reporting forms: the dashboard's filters (a GET form), the notifications upload and its
confirmation, and the diversity monitoring questions. They validate and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.core.forms import GovDateField
from portal.reporting.models import (
    AGE_BAND_LABELS,
    DISABILITY_LABELS,
    ETHNICITIES,
    SEX_LABELS,
)


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    starts_on = GovDateField("From", validators=[Optional()], description="For example, 1 4 2026")
    ends_on = GovDateField("To", validators=[Optional()], description="For example, 31 3 2027")
    region = SelectField("Region", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate_ends_on(self, field: GovDateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date must be the same as or after the start date")


class UploadForm(FlaskForm):
    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        description="A CSV file saved as UTF-8, smaller than 1 MB, with the template's column "
        "headings in its first row.",
        validators=[InputRequired(message="Select a CSV file to upload")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ConfirmUploadForm(FlaskForm):
    submit = SubmitField("Load these figures", widget=GovSubmitInput())


def _choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    return list(labels.items())


class DiversityForm(FlaskForm):
    ethnicity = RadioField(
        "What is your ethnic group?",
        widget=GovRadioInput(),
        choices=[
            (e.value, f"{group}: {words}" if group != words else words)
            for e, (group, words) in ETHNICITIES.items()
        ],
        validators=[InputRequired(message="Select your ethnic group, or prefer not to say")],
    )
    sex = RadioField(
        "What is your sex?",
        widget=GovRadioInput(),
        choices=_choices({k.value: v for k, v in SEX_LABELS.items()}),
        validators=[InputRequired(message="Select your sex, or prefer not to say")],
    )
    disability = RadioField(
        "Do you consider yourself to have a disability?",
        widget=GovRadioInput(),
        description="A physical or mental impairment that has a substantial and long-term "
        "effect on your ability to do normal daily activities.",
        choices=_choices({k.value: v for k, v in DISABILITY_LABELS.items()}),
        validators=[
            InputRequired(message="Select whether you have a disability, or prefer not to say")
        ],
    )
    age_band = RadioField(
        "What is your age?",
        widget=GovRadioInput(),
        choices=_choices({k.value: v for k, v in AGE_BAND_LABELS.items()}),
        validators=[InputRequired(message="Select your age band, or prefer not to say")],
    )
    submit = SubmitField("Save your answers", widget=GovSubmitInput())


class RemoveDiversityForm(FlaskForm):
    submit = SubmitField("Remove your answers", widget=GovSubmitInput())
