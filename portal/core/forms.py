"""Shared form pieces: GOV.UK widgets and messages for fields every feature uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput
from wtforms import DateField, SubmitField
from wtforms.utils import unset_value


class ActionForm(FlaskForm):
    """A form that is only a button: it carries the CSRF token for a POST."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


def apply_domain_error(form: FlaskForm, message: str, field: str | None) -> None:
    """Show a service's DomainError beside its field (or the first field) in the error summary."""
    target = getattr(form, field, None) if field else None
    if target is None:
        names = [
            name
            for name, field in form._fields.items()
            if name not in {"csrf_token", "submit"} and field.type != "HiddenField"
        ]
        target = getattr(form, names[0]) if names else None
    if target is None:
        form.form_errors.append(message)
        return
    errors = list(target.errors)
    errors.append(message)
    target.errors = errors


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) that copes with any of the three being absent."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", GovDateInput())
        kwargs.setdefault("format", ["%d %m %Y"])
        super().__init__(label, validators, **kwargs)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        raw: list[Any] | None = getattr(self, "raw_data", None)
        if raw is not None and formdata is not None:
            parts = [str(part).strip() for part in raw][:3]
            self.raw_data = parts + [""] * (3 - len(parts))

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not any(str(v).strip() for v in valuelist):
            self.data = None
            return
        day, month, year = (str(v).strip() for v in [*valuelist, "", "", ""][:3])
        if not (day and month and year):
            self.data = None
            raise ValueError(self.gettext("Enter a complete date, with day, month and year"))
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError as exc:
            self.data = None
            raise ValueError(self.gettext("Enter a real date")) from exc
