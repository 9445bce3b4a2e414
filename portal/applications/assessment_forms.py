"""Forms for allocating, scoring, recommending and asking for information: input only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.applications.models import Outcome
from portal.core.forms import VersionedForm

NO_ONE = ""


class AllocateAssessorsForm(FlaskForm):
    first_assessor = SelectField(
        "First assessor",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the first assessor")],
    )
    second_assessor = SelectField(
        "Second assessor",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the second assessor")],
    )
    submit = SubmitField("Allocate assessors", widget=GovSubmitInput())


class AllocateModeratorForm(FlaskForm):
    moderator = SelectField(
        "Moderator",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the moderator")],
    )
    submit = SubmitField("Allocate moderator", widget=GovSubmitInput())


class ReplaceAssessorForm(VersionedForm):
    replacement = SelectField(
        "Who takes over",
        widget=GovSelect(),
        description="People with no conflict of interest, fewest open allocations first.",
        validators=[InputRequired(message="Select who takes over")],
    )
    reason = TextAreaField(
        "Why is the assessor being replaced?",
        widget=GovTextArea(),
        description="For example, they are ill, or a conflict of interest came to light. This "
        "goes in the audit log; the person replaced is told only that the work was handed on.",
        validators=[
            InputRequired(message="Enter why the assessor is being replaced"),
            Length(max=1000, message="The reason must be 1000 characters or fewer"),
        ],
    )
    submit = SubmitField("Hand the work over", widget=GovSubmitInput())


class ScoreForm(VersionedForm):
    level = RadioField(
        "Level",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(message="Select the level the evidence shows")],
    )
    rationale = TextAreaField(
        "Your reasons",
        widget=GovCharacterCount(),
        description="What in the application, the work samples and the references supports "
        "this level.",
        validators=[
            InputRequired(message="Give the reasons for your score"),
            Length(max=5000, message="Reasons must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save score", widget=GovSubmitInput())


class SubmitAssessmentForm(VersionedForm):
    outcome = RadioField(
        "Your recommendation",
        widget=GovRadioInput(),
        choices=[(o.value, o.label) for o in Outcome],
        validators=[InputRequired(message="Select your recommendation")],
    )
    level = RadioField(
        "Level to accredit at",
        widget=GovRadioInput(),
        description="Only if you recommend accreditation.",
        validators=[Optional()],
    )
    comments = TextAreaField(
        "Comments for the applicant",
        widget=GovCharacterCount(),
        description="Your overall view and feedback, written for the applicant to read.",
        validators=[
            InputRequired(message="Give your comments for the applicant"),
            Length(max=5000, message="Comments must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Submit assessment", widget=GovSubmitInput())


class InformationRequestForm(FlaskForm):
    question = TextAreaField(
        "Your question for the applicant",
        widget=GovCharacterCount(),
        description="The applicant sees this question as you write it. The assessment "
        "clock stops until they answer.",
        validators=[
            InputRequired(message="Enter your question for the applicant"),
            Length(max=2000, message="The question must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send question", widget=GovSubmitInput())


class InformationResponseForm(FlaskForm):
    response = TextAreaField(
        "Your answer",
        widget=GovCharacterCount(),
        description="Do not name or identify any child, family member or practitioner.",
        validators=[
            InputRequired(message="Enter your answer"),
            Length(max=5000, message="Your answer must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send answer", widget=GovSubmitInput())
