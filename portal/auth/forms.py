"""Account forms: they validate input and never save."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from portal.auth.passwords import MAX_LENGTH, MIN_LENGTH

EMAIL_REQUIRED = InputRequired(message="Enter your email address")
EMAIL_FORMAT = Email(
    message="Enter an email address in the correct format, like name@example.com",
    check_deliverability=False,
)


class SignUpForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[EMAIL_REQUIRED, EMAIL_FORMAT, Length(max=320)],
    )
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter a password"),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=f"Password must be between {MIN_LENGTH} and {MAX_LENGTH} characters",
            ),
        ],
    )
    confirm_password = PasswordField(
        "Confirm your password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your password"),
            EqualTo("password", message="Passwords must match"),
        ],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=[EMAIL_REQUIRED])
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class EmailOnlyForm(FlaskForm):
    email = EmailField(
        "Email address", widget=GovTextInput(), validators=[EMAIL_REQUIRED, EMAIL_FORMAT]
    )
    submit = SubmitField("Send link", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter a new password"),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=f"Password must be between {MIN_LENGTH} and {MAX_LENGTH} characters",
            ),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            EqualTo("password", message="Passwords must match"),
        ],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class SecurityCodeForm(FlaskForm):
    code = StringField(
        "Security code",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the code from your authenticator app"),
            Length(max=32, message="Enter the code from your authenticator app"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    submit = SubmitField("Delete my account", widget=GovSubmitInput())
