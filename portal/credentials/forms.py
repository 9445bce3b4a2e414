"""Credential forms: they validate what was sent and never save."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.credentials.signing import MAX_TOKEN_CHARS

MAX_FILE_BYTES = MAX_TOKEN_CHARS


class IssueForm(FlaskForm):
    record_id = HiddenField()
    submit = SubmitField("Create your credential", widget=GovSubmitInput())

    @property
    def record(self) -> int | None:
        raw = str(self.record_id.data or "")
        return int(raw) if raw.isdigit() and len(raw) < 12 else None


class VerifyForm(FlaskForm):
    credential = TextAreaField(
        "Paste the credential",
        widget=GovTextArea(),
        description="Open the credential file in a text editor and copy all of it.",
        validators=[
            Optional(),
            Length(
                max=MAX_TOKEN_CHARS,
                message="The credential must be 65,536 characters or fewer: check you pasted "
                "only the credential",
            ),
        ],
    )
    file = FileField(
        "Or upload the credential file",
        widget=GovFileInput(),
        description="The file the reviewer gave you, ending in .jwt, smaller than 64 KB.",
    )
    submit = SubmitField("Check the credential", widget=GovSubmitInput())

    # The credential's text, from the box or the file, once the form is valid.
    text: str = ""

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        upload = self.file.data
        has_file = bool(upload and getattr(upload, "filename", ""))
        has_text = bool((self.credential.data or "").strip())
        if has_file and has_text:
            self.credential.errors = ["Paste the credential or upload its file, not both"]
            return False
        if not (has_file or has_text):
            self.credential.errors = ["Paste the credential or upload its file"]
            return False
        self.text = (self.credential.data or "").strip()
        if has_file:
            content = upload.stream.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                self.file.errors = ["The file must be smaller than 64 KB"]
                return False
            try:
                self.text = content.decode("utf-8").strip()
            except UnicodeDecodeError:
                self.file.errors = ["The file must be a credential file, which is text"]
                return False
            if not self.text:
                self.file.errors = ["The file is empty"]
                return False
        return True
