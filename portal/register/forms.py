"""Register forms: they validate what was typed and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
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
from portal.register.models import BIOGRAPHY_MAX, MAX_REVIEWS_PER_QUARTER


class ProfileForm(VersionedForm):
    regions = SelectMultipleField(
        "Regions you work in",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        validators=[InputRequired(message="Select the regions you work in")],
    )
    specialisms = SelectMultipleField(
        "Specialisms",
        widget=GovCheckboxesInput(),
        description="The kinds of case you have reviewed or have particular expertise in",
        validators=[InputRequired(message="Select at least one specialism")],
    )
    methodologies = SelectMultipleField(
        "Review methodologies you use",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        validators=[InputRequired(message="Select at least one methodology")],
    )
    languages = SelectMultipleField(
        "Languages you can work in",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        validators=[InputRequired(message="Select the languages you can work in")],
    )
    biography = TextAreaField(
        "Short biography",
        widget=GovCharacterCount(),
        description="Your background and the reviews you have led, as partnerships and the "
        "public will read it. Do not name or identify any child, family or practitioner.",
        validators=[
            Optional(),
            Length(
                max=BIOGRAPHY_MAX,
                message=f"Biography must be {BIOGRAPHY_MAX:,} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Save your profile", widget=GovSubmitInput())


class AvailabilityForm(VersionedForm):
    available_from = GovDateField(
        "When can you next start a review?",
        description="For example, 27 3 2027. Leave blank if you are not taking on reviews.",
        validators=[Optional()],
    )
    reviews_per_quarter = IntegerField(
        "How many reviews can you take on each quarter?",
        widget=GovTextInput(),
        description=f"From 0 to {MAX_REVIEWS_PER_QUARTER}. 0 means you are not taking on "
        "reviews at the moment.",
        validators=[
            InputRequired(message="Enter how many reviews you can take on each quarter"),
            NumberRange(
                min=0,
                max=MAX_REVIEWS_PER_QUARTER,
                message=f"Reviews each quarter must be a number from 0 to "
                f"{MAX_REVIEWS_PER_QUARTER}",
            ),
        ],
    )
    day_rate_band = RadioField(
        "Your day rate",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select your day rate band")],
    )
    travel = RadioField(
        "Where will you work in person?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select where you will work in person")],
    )
    submit = SubmitField("Save commissioning details", widget=GovSubmitInput())


class PublicSearchForm(FlaskForm):
    """The public register's search: in the URL, so that a search can be shared."""

    class Meta:
        csrf = False

    q = StringField(
        "Name or accreditation number",
        widget=GovTextInput(),
    )
    status = SelectField("Status", widget=GovSelect(), validate_choice=False)
    region = SelectField("Region", widget=GovSelect(), validate_choice=False)
    submit = SubmitField("Search", widget=GovSubmitInput())


class FindReviewerForm(FlaskForm):
    """Partnerships' search: every filter in the URL, so each state can be shared."""

    class Meta:
        csrf = False

    q = StringField(
        "Search by name, specialism, methodology or biography",
        widget=GovTextInput(),
    )
    region = SelectField("Region they work in", widget=GovSelect(), validate_choice=False)
    specialisms = SelectMultipleField(
        "Specialisms",
        widget=GovCheckboxesInput(),
        description="Reviewers with every specialism you select",
        validate_choice=False,
    )
    methodologies = SelectMultipleField(
        "Methodologies",
        widget=GovCheckboxesInput(),
        description="Reviewers who use any of those you select",
        validate_choice=False,
    )
    languages = SelectMultipleField(
        "Languages",
        widget=GovCheckboxesInput(),
        description="Reviewers who work in any of those you select",
        validate_choice=False,
    )
    level = SelectField("Level", widget=GovSelect(), validate_choice=False)
    available_by = GovDateField(
        "Available to start by",
        description="For example, 27 3 2027",
        validators=[Optional()],
    )
    capacity = BooleanField(
        "Has capacity for at least one review this quarter", widget=GovCheckboxInput()
    )
    sort = SelectField("Sort by", widget=GovSelect(), validate_choice=False)
    submit = SubmitField("Apply filters", widget=GovSubmitInput())


# Commissioning

REVIEW_TYPE_CHOICES = [
    ("rapid_review", "Rapid review"),
    ("lcspr", "Local child safeguarding practice review (LCSPR)"),
]


class ShortlistForm(FlaskForm):
    """A button: add a reviewer to the shortlist, or take them off it."""

    reviewer_id = HiddenField()
    submit = SubmitField("Shortlist", widget=GovSubmitInput())


class AvailabilityRequestForm(FlaskForm):
    review_type = RadioField(
        "What kind of review is it?",
        widget=GovRadioInput(),
        choices=REVIEW_TYPE_CHOICES,
        validators=[InputRequired(message="Select the kind of review")],
    )
    wanted_from = GovDateField(
        "When would it start?",
        description="Optional. For example, 27 3 2027",
        validators=[Optional()],
    )
    message = TextAreaField(
        "Message to the reviewer",
        widget=GovCharacterCount(),
        description="Optional. Do not name or identify any child, family or practitioner.",
        validators=[
            Optional(),
            Length(max=1000, message="Message must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send the request", widget=GovSubmitInput())


class AnswerRequestForm(VersionedForm):
    available = RadioField(
        "Are you available to lead this review?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired(message="Select yes if you are available")],
    )
    can_start_on = GovDateField(
        "If yes, when can you start?",
        description="For example, 27 3 2027",
        validators=[Optional()],
    )
    note = TextAreaField(
        "Note to the partnership",
        widget=GovCharacterCount(),
        description="Optional",
        validators=[Optional(), Length(max=1000, message="Note must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Send your answer", widget=GovSubmitInput())


class CommissionForm(FlaskForm):
    review_type = RadioField(
        "What kind of review is it?",
        widget=GovRadioInput(),
        choices=REVIEW_TYPE_CHOICES,
        validators=[InputRequired(message="Select the kind of review")],
    )
    starts_on = GovDateField(
        "Start date",
        description="For example, 27 3 2027",
        validators=[InputRequired(message="Enter the start date")],
    )
    expected_end_on = GovDateField(
        "Expected end date",
        description="For example, 27 9 2027",
        validators=[InputRequired(message="Enter the expected end date")],
    )
    submit = SubmitField("Record the commission", widget=GovSubmitInput())


class EmployerCheckForm(FlaskForm):
    numbers = TextAreaField(
        "Accreditation numbers",
        widget=GovTextArea(),
        description="Up to 100, one a line or separated by commas",
        validators=[Optional()],
    )
    file = FileField(
        "Or upload a CSV file",
        widget=GovFileInput(),
        description="With the numbers in a column headed 'number'",
    )
    submit = SubmitField("Check the numbers", widget=GovSubmitInput())


class DownloadCheckForm(FlaskForm):
    numbers = HiddenField()
    submit = SubmitField("Download as CSV", widget=GovSubmitInput())


class ConflictCheckForm(FlaskForm):
    """The conflict pre-check: in the URL, so that a check can be shared."""

    class Meta:
        csrf = False

    number = StringField(
        "Accreditation number",
        widget=GovTextInput(),
        description="For example, CSPR-2026-00012",
    )
    submit = SubmitField("Check for conflicts", widget=GovSubmitInput())
