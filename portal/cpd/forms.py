"""CPD forms: they validate what was typed and never save."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import GovDateField, VersionedForm
from portal.cpd.models import ACTIVITY_LABELS, FEEDBACK_SOURCE_LABELS
from portal.cpd.rules import MAX_HOURS, EntryData, parse_hours

TEXT_LIMIT = 5000


def _hours(form: FlaskForm, field: Any) -> None:
    try:
        parse_hours(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


class EntryForm(VersionedForm):
    activity_type = RadioField(
        "Type of activity",
        widget=GovRadioInput(),
        choices=[(t.value, label) for t, label in ACTIVITY_LABELS.items()],
        validators=[Optional()],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="For example, Systems analysis in practice reviews: two-day course",
        validators=[
            InputRequired(message="Enter a title for the activity"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Short description",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=2000, message="Keep the description to 2000 characters"),
        ],
    )
    relevance = TextAreaField(
        "Why is it relevant to your work as a reviewer?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    starts_on = GovDateField(
        "Date",
        description="The day of the activity, or its first day. For example, 27 3 2026",
        validators=[Optional()],
    )
    ends_on = GovDateField(
        "Last day (if it took more than one day)",
        description="The activity counts in the CPD year of its last day",
        validators=[Optional()],
    )
    provider = StringField(
        "Provider (optional)",
        widget=GovTextInput(),
        description="Who ran or published it, if anyone",
        validators=[
            Optional(),
            Length(max=200, message="Provider must be 200 characters or fewer"),
        ],
    )
    hours = StringField(
        "Hours",
        widget=GovTextInput(),
        description=f"In quarter hours, from 0.25 to {MAX_HOURS}. For example, 1.5",
        validators=[Optional(), _hours],
    )
    participatory_hours = StringField(
        "Participatory hours",
        widget=GovTextInput(),
        description="Hours spent learning with other people (not on your own), or 0",
        validators=[Optional(), _hours],
    )
    competencies = SelectMultipleField(
        "Which competencies did it develop?",
        widget=GovCheckboxesInput(),
        description="From the framework you were accredited against. Select all that apply.",
        validators=[Optional()],
    )
    learning = TextAreaField(
        "What did you learn?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    impact = TextAreaField(
        "What difference has it made, or will it make, to your practice and to the people you "
        "work with?",
        widget=GovTextArea(),
        description="For example, children and families, practitioners, commissioners",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    peer_discussion = RadioField(
        "Did you discuss this learning with a peer?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[Optional()],
    )
    peer_name = StringField(
        "Peer's name",
        widget=GovTextInput(),
        description="Only if you discussed it with a peer",
        validators=[Optional(), Length(max=200)],
    )
    peer_role = StringField(
        "Peer's role",
        widget=GovTextInput(),
        description="For example, accredited reviewer, safeguarding partnership manager",
        validators=[Optional(), Length(max=200)],
    )
    peer_learning = TextAreaField(
        "What did you learn from the discussion?",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    confirm_anonymous = BooleanField(
        "I have checked this text and it does not identify a child, a family member or a "
        "practitioner",
        widget=GovCheckboxInput(),
    )
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())
    complete = SubmitField("Save as complete", widget=GovSubmitInput())

    @property
    def completing(self) -> bool:
        return bool(self.complete.data)

    def entry_data(self) -> EntryData:
        peer = {"yes": True, "no": False}.get(self.peer_discussion.data or "")
        return EntryData(
            activity_type=self.activity_type.data or None,
            title=(self.title.data or "").strip(),
            description=_text(self.description.data),
            relevance=_text(self.relevance.data),
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            provider=_text(self.provider.data),
            hours=parse_hours(self.hours.data),
            participatory_hours=parse_hours(self.participatory_hours.data),
            competencies=tuple(self.competencies.data or ()),
            learning=_text(self.learning.data),
            impact=_text(self.impact.data),
            peer_discussion=peer,
            peer_name=_text(self.peer_name.data),
            peer_role=_text(self.peer_role.data),
            peer_learning=_text(self.peer_learning.data),
        )


class CorrectionForm(EntryForm):
    reason = TextAreaField(
        "Why are you correcting it?",
        widget=GovTextArea(),
        description="The reason is kept with the values before the correction",
        validators=[Optional(), Length(max=2000)],
    )
    save_draft = None
    complete = SubmitField("Save correction", widget=GovSubmitInput())

    @property
    def completing(self) -> bool:
        return False


class EvidenceForm(FlaskForm):
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description="A PDF or Word document (DOCX) smaller than 10 MB, such as a certificate or "
        "notes. Remove anything that identifies a child, family member or practitioner.",
        validators=[InputRequired(message="Select a file to upload")],
    )
    submit = SubmitField("Upload file", widget=GovSubmitInput())


class FeedbackForm(FlaskForm):
    source = RadioField(
        "Who gave you the feedback?",
        widget=GovRadioInput(),
        choices=[(s.value, label) for s, label in FEEDBACK_SOURCE_LABELS.items()],
        validators=[InputRequired(message="Select who gave you the feedback")],
    )
    received_on = GovDateField(
        "When did you receive it?",
        description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date you received the feedback")],
    )
    summary = TextAreaField(
        "What did the feedback say?",
        widget=GovTextArea(),
        description="In your own words, without naming anyone",
        validators=[InputRequired(message="Say what the feedback was"), Length(max=TEXT_LIMIT)],
    )
    reflection = TextAreaField(
        "What do you take from it for your practice?",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Say what you take from it"),
            Length(max=TEXT_LIMIT),
        ],
    )
    confirm_anonymous = BooleanField(
        "I have checked this text and it does not identify anyone",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save feedback", widget=GovSubmitInput())


class ImportForm(FlaskForm):
    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        description="A CSV file saved as UTF-8, smaller than 1 MB, with the template's column "
        "headings in its first row.",
        validators=[InputRequired(message="Select a CSV file to upload")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ConfirmImportForm(FlaskForm):
    submit = SubmitField("Add these activities", widget=GovSubmitInput())
