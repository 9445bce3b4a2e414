"""Shared form pieces: GOV.UK widgets and messages for fields every feature uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput
from wtforms import DateField, HiddenField, SubmitField
from wtforms.utils import unset_value

from portal.core.errors import ConcurrentEdit, DomainError
from portal.extensions import db


class ActionForm(FlaskForm):
    """A form that is only a button: it carries the CSRF token for a POST."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


class VersionedForm(FlaskForm):
    """A form that edits a versioned record: it carries the version it was shown with, so a
    save over someone else's change is refused (optimistic locking)."""

    version_id = HiddenField()

    @property
    def seen_version(self) -> int | None:
        raw = self.version_id.data
        return int(raw) if raw and str(raw).isdigit() else None


class ConfirmChangeForm(VersionedForm):
    """Confirms a change to a versioned record (publishing or retiring a version)."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


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


def commit_or_show_error(
    form: FlaskForm,
    action: Callable[[], object],
    *,
    stored_version: Callable[[], int | None] | None = None,
    conflict_field: str | None = None,
) -> bool:
    """Run a service in the request's transaction and commit; or roll back and show its error
    beside the field, keeping what was typed. After a change made meanwhile elsewhere
    (ConcurrentEdit) the form's `version_id` takes the version now stored, so a second save is a
    deliberate choice over what is there."""
    try:
        action()
    except ConcurrentEdit as exc:
        db.session.rollback()
        apply_domain_error(form, exc.message, conflict_field or exc.field)
        if stored_version is not None:
            version = stored_version()
            form.version_id.data = "" if version is None else str(version)
        return False
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form, exc.message, exc.field)
        return False
    db.session.commit()
    return True


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
