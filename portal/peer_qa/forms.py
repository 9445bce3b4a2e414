"""Peer QA forms: they validate what was typed and never save."""

from __future__ import annotations

from typing import Any

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
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import GovDateField, VersionedForm
from portal.peer_qa.models import Confidence, ReviewType, RubricMarker, RubricVersion
from portal.peer_qa.queries import INVOLVEMENT_GROUPS

SAVE = "Save and continue"


class _Versioned(FlaskForm):
    version_id = HiddenField()

    def version(self) -> int | None:
        raw = self.version_id.data
        return int(raw) if raw and str(raw).isdigit() else None


class DetailsForm(_Versioned):
    title = StringField(
        "Anonymised title",
        widget=GovTextInput(),
        description="As published. Do not name the child, family members or practitioners.",
        validators=[InputRequired(message="Enter the review's anonymised title"), Length(max=300)],
    )
    partnership = SelectField(
        "Commissioning partnership",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Select the partnership that commissioned the review")],
    )
    review_type = RadioField(
        "Type of review",
        widget=GovRadioInput(),
        choices=[(t.value, t.label) for t in ReviewType],
        validators=[InputRequired(message="Select the type of review")],
    )
    published_on = GovDateField(
        "Publication date",
        description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date the review was published")],
    )
    themes = SelectMultipleField(
        "Themes",
        widget=GovCheckboxesInput(),
        description="Select every theme the review deals with.",
        validators=[InputRequired(message="Select at least one theme")],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())


class ReportForm(FlaskForm):
    report = FileField(
        "Upload the report",
        widget=GovFileInput(),
        description="The published report as a PDF or Word document (DOCX), up to 15 MB.",
        validators=[InputRequired(message="Select the report to upload")],
    )
    submit = SubmitField("Upload report", widget=GovSubmitInput())


class RecommendationForm(FlaskForm):
    text = TextAreaField(
        "Recommendation",
        widget=GovTextArea(),
        description="One recommendation, as published.",
        validators=[InputRequired(message="Enter the recommendation"), Length(max=2000)],
    )
    submit = SubmitField("Add recommendation", widget=GovSubmitInput())


class ConfirmRecommendationsForm(FlaskForm):
    confirm = SubmitField("These are the review's recommendations", widget=GovSubmitInput())


YES_NO = [("yes", "Yes"), ("no", "No")]


def _involvement_form() -> type[_Versioned]:
    fields: dict[str, Any] = {}
    for group, label in INVOLVEMENT_GROUPS.items():
        fields[f"{group}_invited"] = RadioField(
            f"{label}: were they invited to take part?",
            widget=GovRadioInput(),
            choices=YES_NO,
            validators=[InputRequired(message=f"Say whether {label.lower()} were invited")],
        )
        fields[f"{group}_took_part"] = RadioField(
            f"{label}: did they take part?",
            widget=GovRadioInput(),
            choices=YES_NO,
            validators=[InputRequired(message=f"Say whether {label.lower()} took part")],
        )
        fields[f"{group}_how"] = TextAreaField(
            f"{label}: how were they involved, or why not?",
            widget=GovTextArea(),
            validators=[
                InputRequired(message=f"Say how {label.lower()} were involved, or why not"),
                Length(max=3000),
            ],
        )
        fields[f"{group}_adjustments"] = TextAreaField(
            f"{label}: adjustments made (optional)",
            widget=GovTextArea(),
            description="For example, an interpreter, meeting at home, an advocate.",
            validators=[Optional(), Length(max=3000)],
        )
    fields["practitioner_support"] = TextAreaField(
        "Support and follow-up offered to practitioners",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Say what support and follow-up practitioners were offered"),
            Length(max=3000),
        ],
    )
    fields["submit"] = SubmitField(SAVE, widget=GovSubmitInput())
    return type("InvolvementForm", (_Versioned,), fields)


InvolvementForm = _involvement_form()


class SubmitReviewForm(FlaskForm):
    personal_data_checked = BooleanField(
        "I have checked each item listed and it does not identify anyone",
        widget=GovCheckboxInput(),
    )
    anonymised = BooleanField(
        "I declare that the report, its title, recommendations and involvement record are "
        "anonymised",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Submit for peer QA", widget=GovSubmitInput())


class AllocateForm(FlaskForm):
    first = SelectField(
        "First peer assessor",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Select the first peer assessor")],
    )
    second = SelectField(
        "Second peer assessor",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Select the second peer assessor")],
    )
    submit = SubmitField("Allocate", widget=GovSubmitInput())


class ReplacePeerForm(VersionedForm):
    replacement = SelectField(
        "Who takes over",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        description="Accredited reviewers with no conflict of interest, fewest open first.",
        validators=[InputRequired(message="Select who takes over")],
    )
    reason = TextAreaField(
        "Why is the peer assessor being replaced?",
        widget=GovTextArea(),
        description="For example, they are ill, or they recognised the review. This goes in "
        "the audit log; the peer replaced is told only that it was handed on.",
        validators=[
            InputRequired(message="Enter why the peer assessor is being replaced"),
            Length(max=1000, message="The reason must be 1000 characters or fewer"),
        ],
    )
    submit = SubmitField("Hand the assessment over", widget=GovSubmitInput())


def _levels(rubric: RubricVersion, *, overall: bool = False) -> list[tuple[str, str]]:
    scale = rubric.overall_scale if overall else rubric.scale
    return [(str(level), f"{level}: {label}") for level, label in scale.items()]


def assessment_form(rubric: RubricVersion, markers: list[RubricMarker]) -> type[FlaskForm]:
    """A form with a level and a comment for each marker. Saving keeps what is there; submitting
    (checked by the service) needs every one."""
    fields: dict[str, Any] = {}
    for marker in markers:
        fields[f"level_{marker.id}"] = RadioField(
            f"{marker.code}: level",
            widget=GovRadioInput(),
            choices=_levels(rubric),
            validators=[Optional()],
        )
        fields[f"comment_{marker.id}"] = TextAreaField(
            f"{marker.code}: comment for the author",
            widget=GovTextArea(),
            validators=[Optional(), Length(max=3000)],
        )
    fields["overall_grade"] = RadioField(
        "Overall grade",
        widget=GovRadioInput(),
        choices=_levels(rubric, overall=True),
        validators=[Optional()],
    )
    fields["confidence"] = RadioField(
        "How confident are you in this assessment?",
        widget=GovRadioInput(),
        choices=[(c.value, c.label) for c in Confidence],
        validators=[Optional()],
    )
    fields["summary_for_author"] = TextAreaField(
        "Overall comments for the author (optional)",
        widget=GovCharacterCount(),
        validators=[Optional(), Length(max=5000)],
    )
    fields["notes_for_lead"] = TextAreaField(
        "Notes for the QA lead only (optional)",
        widget=GovTextArea(),
        description="The author and the other assessor never see these.",
        validators=[Optional(), Length(max=5000)],
    )
    fields["version_id"] = HiddenField()
    fields["save"] = SubmitField("Save and come back later", widget=GovSubmitInput())
    fields["submit_assessment"] = SubmitField("Submit assessment", widget=GovSubmitInput())
    return type("AssessmentForm", (FlaskForm,), fields)


def moderation_form(rubric: RubricVersion, markers: list[RubricMarker]) -> type[FlaskForm]:
    fields: dict[str, Any] = {}
    for marker in markers:
        fields[f"level_{marker.id}"] = RadioField(
            f"{marker.code}: agreed level",
            widget=GovRadioInput(),
            choices=_levels(rubric),
            validators=[InputRequired(message=f"Choose the agreed level for {marker.code}")],
        )
    fields["overall_grade"] = RadioField(
        "Agreed overall grade",
        widget=GovRadioInput(),
        choices=_levels(rubric, overall=True),
        validators=[InputRequired(message="Choose the agreed overall grade")],
    )
    fields["rationale"] = TextAreaField(
        "Rationale for the agreed scores",
        widget=GovCharacterCount(),
        description="The author reads this with the feedback.",
        validators=[
            InputRequired(message="Give the rationale for the agreed scores"),
            Length(max=5000),
        ],
    )
    fields["submit"] = SubmitField("Record agreed scores", widget=GovSubmitInput())
    return type("ModerationForm", (FlaskForm,), fields)


class ResponseForm(FlaskForm):
    response = TextAreaField(
        "Your response to the feedback",
        widget=GovCharacterCount(),
        description="The QA lead reads it; the peer assessors do not learn who you are.",
        validators=[InputRequired(message="Write your response"), Length(max=5000)],
    )
    submit = SubmitField("Send response", widget=GovSubmitInput())
