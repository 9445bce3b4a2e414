"""Forms for learning: a finding tagged with system conditions, a national recommendation, the
government's response (with the version seen, so concurrent edits are caught), and the list's
filters. They validate and never save."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.core.forms import GovDateField, VersionedForm
from portal.reporting.learning_models import (
    MAX_FINDING,
    MAX_RECOMMENDATION,
    RESPONSE_LABELS,
    RecommendationSource,
    ResponseStatus,
)

YEARS = NumberRange(min=2000, max=2100, message="Enter a year from 2000 to 2100")


class FindingForm(VersionedForm):
    review = SelectField(
        "Review",
        widget=GovSelect(),
        description="Only reviews that completed peer quality assurance are listed.",
        validators=[InputRequired(message="Select the review the finding comes from")],
    )
    text = TextAreaField(
        "Finding",
        widget=GovTextArea(),
        description="In a sentence or two, why practice happened as it did. No names.",
        validators=[
            InputRequired(message="Enter the finding"),
            Length(
                max=MAX_FINDING, message=f"The finding must be {MAX_FINDING} characters or fewer"
            ),
        ],
    )
    conditions = SelectMultipleField(
        "System conditions",
        widget=GovCheckboxesInput(),
        description="Select every condition the finding shows.",
        validators=[InputRequired(message="Select at least one system condition")],
    )
    submit = SubmitField("Save finding", widget=GovSubmitInput())


class RemoveFindingForm(VersionedForm):
    submit = SubmitField("Remove finding", widget=GovSubmitInput())


class NationalRecommendationForm(FlaskForm):
    text = TextAreaField(
        "Recommendation",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter the recommendation"),
            Length(
                max=MAX_RECOMMENDATION,
                message=f"The recommendation must be {MAX_RECOMMENDATION} characters or fewer",
            ),
        ],
    )
    year = IntegerField(
        "Year made",
        widget=GovTextInput(),
        description="The year the recommendation was made, for example 2026.",
        validators=[InputRequired(message="Enter the year the recommendation was made"), YEARS],
    )
    addressed_to = StringField(
        "Addressed to",
        widget=GovTextInput(),
        description="The department or national body that is asked to act.",
        validators=[
            InputRequired(message="Enter who the recommendation is addressed to"),
            Length(max=300, message="Who it is addressed to must be 300 characters or fewer"),
        ],
    )
    source = RadioField(
        "Where it came from",
        widget=GovRadioInput(),
        choices=[(s.value, s.label) for s in RecommendationSource],
        validators=[InputRequired(message="Select where the recommendation came from")],
    )
    review = SelectField(
        "Review (for a local review)",
        widget=GovSelect(),
        validators=[Optional()],
    )
    source_title = StringField(
        "Title of the panel's review (for a national or thematic review)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=300, message="The title must be 300 characters or fewer"),
        ],
    )
    source_year = IntegerField(
        "Year of the panel's review",
        widget=GovTextInput(),
        validators=[Optional(), YEARS],
    )
    submit = SubmitField("Add recommendation", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        """Each source needs its own fields: checked after the fields' own rules, with the
        error beside the field that is missing."""
        valid = bool(super().validate(extra_validators))
        if self.source.data == RecommendationSource.REVIEW.value and not self.review.data:
            self.review.errors = [*self.review.errors, "Select the review it came from"]
            valid = False
        if self.source.data == RecommendationSource.PANEL.value:
            if not (self.source_title.data or "").strip():
                self.source_title.errors = [
                    *self.source_title.errors,
                    "Enter the title of the panel's review",
                ]
                valid = False
            if self.source_year.data is None and not self.source_year.errors:
                self.source_year.errors = [
                    *self.source_year.errors,
                    "Enter the year of the panel's review",
                ]
                valid = False
        return valid


class ResponseForm(VersionedForm):
    status = RadioField(
        "The government's response",
        widget=GovRadioInput(),
        choices=[(s.value, RESPONSE_LABELS[s]) for s in ResponseStatus],
        validators=[InputRequired(message="Select the government's response")],
    )
    action = TextAreaField(
        "Action the government will take",
        widget=GovTextArea(),
        description="Needed when the recommendation is accepted or partly accepted.",
        validators=[Optional(), Length(max=4000, message="Keep the action to 4000 characters")],
    )
    responded_on = GovDateField(
        "Date of the response",
        description="For example, 14 10 2026. Needed unless there is no response yet.",
        validators=[Optional()],
    )
    submit = SubmitField("Save response", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        """A response has a date; an acceptance, full or partial, says what will be done."""
        valid = bool(super().validate(extra_validators))
        status = self.status.data
        responded = status and status != ResponseStatus.NO_RESPONSE.value
        if responded and self.responded_on.data is None and not self.responded_on.errors:
            self.responded_on.errors = [
                *self.responded_on.errors,
                "Enter the date of the government's response",
            ]
            valid = False
        wanted = {ResponseStatus.ACCEPTED.value, ResponseStatus.PARTLY_ACCEPTED.value}
        if status in wanted and not (self.action.data or "").strip():
            self.action.errors = [*self.action.errors, "Enter the action the government will take"]
            valid = False
        return valid


class RecommendationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField("Year made", widget=GovSelect(), validators=[Optional()])
    response = SelectField("Response", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())
