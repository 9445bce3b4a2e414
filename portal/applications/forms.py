"""Application forms: they validate what was typed and never save."""

from __future__ import annotations

import re
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
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from portal.applications.models import (
    FEEDBACK_RATING_LABELS,
    INTEREST_KIND_LABELS,
    REGISTRATION_BODY_LABELS,
    ApplicationRoute,
)
from portal.core.forms import GovDateField, VersionedForm

AGENCIES: tuple[tuple[str, str], ...] = (
    ("childrens_social_care", "Children's social care"),
    ("health", "Health (NHS or public health)"),
    ("police", "Police"),
    ("education", "Education or early years"),
    ("probation", "Probation or youth justice"),
    ("voluntary", "Voluntary or community sector"),
    ("adult_services", "Adult social care or mental health services"),
    ("other", "Another agency"),
)
AGENCY_LABELS = dict(AGENCIES)

SAVE = "Save and continue"


class StartForm(FlaskForm):
    scheme = RadioField(
        "Which register are you applying to join?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the register you are applying to join")],
    )
    route = RadioField(
        "How are you applying?",
        widget=GovRadioInput(),
        choices=[
            (ApplicationRoute.FULL.value, "I have led at least one practice review"),
            (
                ApplicationRoute.SUPERVISED.value,
                "I have the training but have not yet led a review: I want to be accredited "
                "provisionally and lead my first review with a mentor",
            ),
        ],
        validators=[InputRequired(message="Select how you are applying")],
    )
    submit = SubmitField("Start application", widget=GovSubmitInput())


class PersonalDetailsForm(VersionedForm):
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    phone = StringField(
        "Telephone number",
        widget=GovTextInput(),
        description="For example, 01632 960 001 or 07700 900 982",
        validators=[InputRequired(message="Enter a telephone number")],
    )
    home_region_code = SelectField(
        "Region you live in",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the region you live in")],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())

    def validate_phone(self, field: StringField) -> None:
        digits = re.sub(r"[\s()+-]", "", field.data or "")
        if not digits.isdigit() or not 10 <= len(digits) <= 15:
            raise ValidationError(
                "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
            )


class RegistrationForm(VersionedForm):
    registration_body = RadioField(
        "Which professional body are you registered with?",
        widget=GovRadioInput(),
        choices=[(body.value, label) for body, label in REGISTRATION_BODY_LABELS.items()],
        validators=[InputRequired(message="Select your professional registration body")],
    )
    registration_body_other = StringField(
        "Name of the professional body",
        widget=GovTextInput(),
        description="Only if you selected another professional body",
        validators=[Optional(), Length(max=200, message="Name must be 200 characters or fewer")],
    )
    registration_number = StringField(
        "Registration number",
        widget=GovTextInput(),
        description="Leave blank if you are not professionally registered",
        validators=[Optional(), Length(max=40, message="Number must be 40 characters or fewer")],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        body = self.registration_body.data
        if body and body != "none" and not (self.registration_number.data or "").strip():
            self.registration_number.errors = [
                *self.registration_number.errors,
                "Enter your registration number",
            ]
            valid = False
        if body == "other" and not (self.registration_body_other.data or "").strip():
            self.registration_body_other.errors = [
                *self.registration_body_other.errors,
                "Enter the name of your professional body",
            ]
            valid = False
        return valid


def _count(label: str, message: str) -> IntegerField:
    return IntegerField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=message),
            NumberRange(min=0, max=500, message=f"{label} must be a number from 0 to 500"),
        ],
    )


class ExperienceForm(VersionedForm):
    reviews_led = _count("Reviews you have led", "Enter how many reviews you have led")
    reviews_co_led = _count("Reviews you have co-led", "Enter how many reviews you have co-led")
    years_in_practice = IntegerField(
        "Years in practice",
        widget=GovTextInput(),
        description="Years working in or with safeguarding agencies",
        validators=[
            InputRequired(message="Enter your years in practice"),
            NumberRange(min=0, max=70, message="Years in practice must be from 0 to 70"),
        ],
    )
    agencies = SelectMultipleField(
        "Agencies you have worked in",
        widget=GovCheckboxesInput(),
        choices=list(AGENCIES),
        description="Select all that apply",
        validators=[InputRequired(message="Select the agencies you have worked in")],
    )
    experience_summary = TextAreaField(
        "Describe your experience of reviews",
        widget=GovCharacterCount(),
        description="The reviews you led or took part in, their kind (for example neglect or "
        "infant death), your role and the methods you used. Do not name or identify anyone.",
        validators=[
            InputRequired(message="Describe your experience"),
            Length(max=5000, message="Description must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())


class QualificationsForm(VersionedForm):
    qualifications = TextAreaField(
        "Professional qualifications",
        widget=GovTextArea(),
        description="Degrees, professional qualifications and when you gained them",
        validators=[
            InputRequired(message="Describe your qualifications"),
            Length(max=3000, message="Qualifications must be 3,000 characters or fewer"),
        ],
    )
    review_training = TextAreaField(
        "Review training",
        widget=GovTextArea(),
        description="Training in systems-based review methods, with the provider and the year",
        validators=[
            InputRequired(message="Describe the review training you have completed"),
            Length(max=3000, message="Review training must be 3,000 characters or fewer"),
        ],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())


class DbsCheckForm(VersionedForm):
    dbs_certificate_number = StringField(
        "DBS certificate number",
        widget=GovTextInput(),
        description="The 12-digit number on your enhanced DBS certificate",
        validators=[InputRequired(message="Enter your DBS certificate number")],
    )
    dbs_issued_on = GovDateField(
        "Date of issue",
        description="For example, 27 3 2025",
        validators=[InputRequired(message="Enter the date your DBS certificate was issued")],
    )
    dbs_update_service = RadioField(
        "Is your certificate on the DBS Update Service?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[
            InputRequired(message="Select yes if your certificate is on the Update Service")
        ],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())

    def validate_dbs_certificate_number(self, field: StringField) -> None:
        digits = re.sub(r"\s", "", field.data or "")
        if not (digits.isdigit() and len(digits) == 12):
            raise ValidationError("DBS certificate number must be 12 digits")


class InterestForm(FlaskForm):
    organisation = SelectField(
        "Organisation",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        description="Partnerships are listed by their area",
        validators=[InputRequired(message="Select the organisation")],
    )
    kind = RadioField(
        "Your connection with it",
        widget=GovRadioInput(),
        choices=[(kind.value, label) for kind, label in INTEREST_KIND_LABELS.items()],
        validators=[InputRequired(message="Select your connection with the organisation")],
    )
    details = TextAreaField(
        "Details (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=1000, message="Details must be 1,000 characters or fewer"),
        ],
    )
    started_on = GovDateField("Start date (optional)", validators=[Optional()])
    ended_on = GovDateField(
        "End date",
        description="Leave blank if the connection continues",
        validators=[Optional()],
    )
    submit = SubmitField("Add declaration", widget=GovSubmitInput())


class ConfirmInterestsForm(VersionedForm):
    confirm = BooleanField(
        "I have declared every organisation I have worked for or with in the last 3 years",
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm you have declared every organisation")],
    )
    submit = SubmitField("Confirm and continue", widget=GovSubmitInput())


class RefereeForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the referee's name"), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the referee's email address"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )
    job_title = StringField(
        "Job title and organisation",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the referee's job title"), Length(max=200)],
    )
    relationship = TextAreaField(
        "How they know your work",
        widget=GovTextArea(),
        description="For example, they commissioned a review you led, or supervised you",
        validators=[
            InputRequired(message="Say how the referee knows your work"),
            Length(max=1000, message="This must be 1,000 characters or fewer"),
        ],
    )
    submit = SubmitField(SAVE, widget=GovSubmitInput())


class SelfAssessmentForm(FlaskForm):
    level = RadioField(
        "Your level",
        widget=GovRadioInput(),
        coerce=int,
        validators=[InputRequired(message="Select the level your practice shows")],
    )
    narrative = TextAreaField(
        "Your evidence",
        widget=GovCharacterCount(),
        description="What you did, in which kind of review, and how it shows this competency. "
        "Do not name or identify any child, family member or practitioner.",
        validators=[
            InputRequired(message="Describe your evidence for this competency"),
            Length(min=50, max=3000, message="Evidence must be between 50 and 3,000 characters"),
        ],
    )
    version_id = HiddenField()
    submit = SubmitField(SAVE, widget=GovSubmitInput())


class WorkSampleForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="For example, Overview report of a review about neglect (anonymised)",
        validators=[InputRequired(message="Enter a title for the work sample"), Length(max=200)],
    )
    file = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description="A PDF or Word document (DOCX), anonymised: no names, dates of birth or "
        "addresses of anyone involved.",
        validators=[InputRequired(message="Select a file to upload")],
    )
    submit = SubmitField("Upload work sample", widget=GovSubmitInput())


class SubmitForm(VersionedForm):
    declaration = BooleanField(
        "I confirm that the information I have given is true and complete, that my work "
        "samples are anonymised, and that I have declared every conflict of interest",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Submit application", widget=GovSubmitInput())


class WithdrawForm(VersionedForm):
    reason = TextAreaField(
        "Reason (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Withdraw application", widget=GovSubmitInput())


class ReferenceForm(FlaskForm):
    known_for = StringField(
        "How long and in what role have you known the applicant's work?",
        widget=GovTextInput(),
        validators=[InputRequired(message="Say how long you have known the applicant's work")],
    )
    reference_text = TextAreaField(
        "Your reference",
        widget=GovCharacterCount(),
        description="Their ability to lead a systems-based review: analysis, involving families "
        "and practitioners, independence and report writing. Do not identify anyone else.",
        validators=[
            InputRequired(message="Enter your reference"),
            Length(max=6000, message="Reference must be 6,000 characters or fewer"),
        ],
    )
    would_recommend = RadioField(
        "Would you recommend them for accreditation?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired(message="Select yes if you would recommend them")],
    )
    submit = SubmitField("Send reference", widget=GovSubmitInput())


class AdminFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status", widget=GovSelect(), choices=[])
    scheme = SelectField("Scheme", widget=GovSelect(), choices=[])
    submit = SubmitField("Filter", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    outcome = RadioField(
        "Decision",
        widget=GovRadioInput(),
        choices=[
            ("accredit", "Accredit"),
            ("not_yet", "Not yet: with a development plan"),
            ("decline", "Decline"),
        ],
        validators=[InputRequired(message="Select the decision")],
    )
    level = SelectField(
        "Level (if accredited)",
        widget=GovSelect(),
        choices=[],
        validators=[Optional()],
    )
    conditions = TextAreaField(
        "Conditions (optional, if accredited)",
        widget=GovTextArea(),
        description="For example, a supervised first review in a specialism",
        validators=[Optional(), Length(max=2000)],
    )
    reasons = TextAreaField(
        "Reasons",
        widget=GovTextArea(),
        description="The applicant reads these with the agreed scores",
        validators=[
            InputRequired(message="Give the reasons for the decision"),
            Length(max=5000, message="Reasons must be 5,000 characters or fewer"),
        ],
    )
    development_plan = TextAreaField(
        "Development plan (if not yet)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000)],
    )
    development_competencies = SelectMultipleField(
        "Competencies to evidence (if not yet)",
        widget=GovCheckboxesInput(),
        choices=[],
        validators=[Optional()],
    )
    reapply_from = GovDateField("Earliest date to reapply (if not yet)", validators=[Optional()])
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class AppealForm(FlaskForm):
    grounds = TextAreaField(
        "Why are you appealing?",
        widget=GovCharacterCount(),
        description="Say which part of the decision you think is wrong and why: for example, "
        "evidence the assessors missed, or a procedure that was not followed.",
        validators=[
            InputRequired(message="Explain why you are appealing"),
            Length(max=5000, message="Grounds must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send appeal", widget=GovSubmitInput())


class HearAppealForm(DecisionForm):
    appeal_outcome = RadioField(
        "Outcome of the appeal",
        widget=GovRadioInput(),
        choices=[
            ("dismissed", "Dismiss: the decision stands"),
            ("upheld", "Uphold: record a new decision below"),
        ],
        validators=[InputRequired(message="Select the outcome of the appeal")],
    )
    appeal_reasons = TextAreaField(
        "Reasons for the outcome of the appeal",
        widget=GovTextArea(),
        validators=[InputRequired(message="Give the reasons for the outcome of the appeal")],
    )
    submit = SubmitField("Record outcome of appeal", widget=GovSubmitInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The new decision is asked for only when the appeal is upheld.
        self.outcome.validators = [Optional()]
        self.reasons.validators = [Optional(), Length(max=5000)]


class RecordStatusForm(FlaskForm):
    status = SelectField(
        "New status",
        widget=GovSelect(),
        choices=[],
        validators=[InputRequired(message="Select the new status")],
    )
    conditions = TextAreaField(
        "Conditions (if accredited with conditions)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000)],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="The reviewer is emailed the reason; the register shows only the status",
        validators=[InputRequired(message="Give the reason for the change")],
    )
    version_id = HiddenField()
    submit = SubmitField("Change status", widget=GovSubmitInput())


class RecordFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("Status", widget=GovSelect(), choices=[])
    submit = SubmitField("Filter", widget=GovSubmitInput())


class PairMentorForm(FlaskForm):
    mentor = SelectField(
        "Mentor",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        description="Fully accredited reviewers in this scheme with no declared conflict",
        validators=[InputRequired(message="Select a mentor")],
    )
    submit = SubmitField("Pair with mentor", widget=GovSubmitInput())


class SupervisionForm(FlaskForm):
    held_on = GovDateField(
        "Date of the session",
        validators=[InputRequired(message="Enter the date of the session")],
    )
    minutes = IntegerField(
        "Length in minutes",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the length of the session in minutes"),
            NumberRange(min=15, max=480, message="A session lasts from 15 to 480 minutes"),
        ],
    )
    focus = StringField(
        "Focus",
        widget=GovTextInput(),
        description="For example, planning practitioner conversations without blame",
        validators=[InputRequired(message="Enter the focus of the session"), Length(max=200)],
    )
    notes = TextAreaField(
        "Notes",
        widget=GovTextArea(),
        description="What was discussed and agreed. Do not identify any child, family member "
        "or practitioner.",
        validators=[InputRequired(message="Enter notes of the session"), Length(max=5000)],
    )
    submit = SubmitField("Log session", widget=GovSubmitInput())


class CalibrationForm(FlaskForm):
    application = SelectField(
        "Application to double-mark",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        description="Applications whose scores are already agreed",
        validators=[InputRequired(message="Select the application")],
    )
    assessor = SelectField(
        "Assessor",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Select the assessor")],
    )
    submit = SubmitField("Send for double-marking", widget=GovSubmitInput())


class RateFeedbackForm(FlaskForm):
    rating = RadioField(
        "How useful is this feedback to the applicant?",
        widget=GovRadioInput(),
        choices=[(r.value, label) for r, label in FEEDBACK_RATING_LABELS.items()],
        validators=[InputRequired(message="Select how useful the feedback is")],
    )
    note = TextAreaField(
        "Note for the assessor (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Save rating", widget=GovSubmitInput())


class CompletedReviewForm(FlaskForm):
    title = StringField(
        "Title of the review",
        widget=GovTextInput(),
        description="As published, or a short description if it was not published. Do not "
        "name the child or family.",
        validators=[InputRequired(message="Enter the title of the review"), Length(max=200)],
    )
    partnership = SelectField(
        "Commissioning partnership",
        widget=GovSelect(),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Select the partnership that commissioned it")],
    )
    year = IntegerField(
        "Year completed",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the year the review was completed")],
    )
    role = RadioField(
        "Your role",
        widget=GovRadioInput(),
        choices=[("lead", "Lead reviewer"), ("co_lead", "Co-lead reviewer")],
        validators=[InputRequired(message="Select your role in the review")],
    )
    submit = SubmitField("Add review", widget=GovSubmitInput())


class RenewalStatementForm(VersionedForm):
    renewal_statement = TextAreaField(
        "Your renewal statement",
        widget=GovCharacterCount(),
        description="How your practice as a reviewer has developed in this accreditation, what "
        "you learned from peer quality assurance and feedback, and what you will develop next. "
        "Do not identify any child, family member or practitioner.",
        validators=[
            InputRequired(message="Write your renewal statement"),
            Length(min=100, max=5000, message="The statement must be 100 to 5,000 characters"),
        ],
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())
