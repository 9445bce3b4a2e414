"""CPD audit forms: they validate what was typed and never save."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import GovDateField, VersionedForm
from portal.cpd.audit_models import AuditOutcome
from portal.cpd.sampling import MAX_PERCENT, MIN_PERCENT

TEXT_LIMIT = 5000


def _percent(form: FlaskForm, field: Any) -> None:
    if not field.data or not str(field.data).strip():
        return
    try:
        value = Decimal(str(field.data).strip().rstrip("%"))
    except InvalidOperation as exc:
        raise ValidationError("Enter the sample as a number, like 5 or 2.5") from exc
    if not value.is_finite() or not MIN_PERCENT <= value <= MAX_PERCENT:
        raise ValidationError(f"The sample must be between {MIN_PERCENT}% and {MAX_PERCENT}%")


class OpenCycleForm(FlaskForm):
    scheme = RadioField(
        "Scheme",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(message="Select the scheme to audit")],
    )
    percent = StringField(
        "Percentage of eligible reviewers to draw (optional)",
        widget=GovTextInput(),
        description="Leave it empty to use the scheme's rate. From 2.5 to 100.",
        validators=[Optional(), _percent],
    )
    submit = SubmitField("Draw the sample", widget=GovSubmitInput())

    @property
    def percent_value(self) -> Decimal | None:
        text = (self.percent.data or "").strip().rstrip("%")
        return Decimal(text) if text else None


class SubmitAuditForm(FlaskForm):
    statement = TextAreaField(
        "Anything the assessor should know (optional)",
        widget=GovTextArea(),
        description="For example, a gap in your record and why, or where evidence is kept.",
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    declaration = BooleanField(
        "I confirm that this CPD record for the year is complete, accurate and my own",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Submit my CPD record", widget=GovSubmitInput())


class AllocateAssessorForm(VersionedForm):
    # The view offers conflict-free people; anyone else posted is refused by the service with
    # the reason.
    assessor = RadioField(
        "Assessor",
        widget=GovRadioInput(),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Select an assessor")],
    )
    submit = SubmitField("Allocate", widget=GovSubmitInput())


class AuditReviewForm(VersionedForm):
    outcome = RadioField(
        "Outcome",
        widget=GovRadioInput(),
        choices=[(o.value, o.label) for o in AuditOutcome],
        validators=[InputRequired(message="Select the outcome")],
    )
    feedback = TextAreaField(
        "Feedback for the reviewer",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Give feedback for the reviewer"),
            Length(max=TEXT_LIMIT),
        ],
    )
    plan_actions = TextAreaField(
        "Development plan: what the reviewer must do (if not met)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
    plan_due_on = GovDateField(
        "Development plan: complete by (if not met)",
        description="Leave it empty for the scheme's usual time. For example, 27 3 2027",
        validators=[Optional()],
    )
    submit = SubmitField("Record the outcome", widget=GovSubmitInput())


class PutRightForm(VersionedForm):
    note = TextAreaField(
        "How the plan was completed",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Say how the plan was completed"),
            Length(max=TEXT_LIMIT),
        ],
    )
    submit = SubmitField("Confirm the plan is complete", widget=GovSubmitInput())


class DecideProposalForm(VersionedForm):
    decision = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=[
            ("accept", "Accept: make the change"),
            ("reject", "Reject: make no change and close the audit"),
            ("more_time", "Give more time: set a new deadline for what is overdue"),
        ],
        validators=[InputRequired(message="Select accept, reject or more time")],
    )
    new_deadline = GovDateField(
        "New deadline",
        description="Only when you give more time. For example, 27 3 2027.",
        validators=[Optional()],
    )
    note = TextAreaField(
        "Reason for your decision",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Give the reason for your decision"),
            Length(max=TEXT_LIMIT),
        ],
    )
    submit = SubmitField("Save the decision", widget=GovSubmitInput())
