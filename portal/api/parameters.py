"""Reading an API request's query parameters strictly: a value that is not valid is a 400
naming the parameter, never silently dropped."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from werkzeug.datastructures import MultiDict

from portal.api.problems import BadParameters

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
TEXT_MAX = 200
PER_PAGE_MAX = 100
PAGE_MAX = 100_000
# As on the partnership's search page.
MAX_AGENCIES = 20


class Parameters:
    def __init__(self, args: MultiDict[str, str]) -> None:
        self.args = args
        self.errors: list[dict[str, str]] = []

    def _fail(self, name: str, detail: str) -> None:
        self.errors.append({"parameter": name, "detail": detail})

    def _one(self, name: str) -> str | None:
        values = self.args.getlist(name)
        if len(values) > 1:
            self._fail(name, "Give this parameter once.")
            return None
        return values[0] if values else None

    def text(self, name: str, *, max_length: int = TEXT_MAX) -> str:
        value = self._one(name) or ""
        if len(value) > max_length:
            self._fail(name, f"Must be {max_length} characters or fewer.")
            return ""
        return value

    def choice(self, name: str, allowed: Collection[str], *, default: str = "") -> str:
        value = self._one(name)
        if value is None:
            return default
        if value not in allowed:
            self._fail(name, f"Must be one of: {', '.join(sorted(allowed))}.")
            return default
        return value

    def choices(self, name: str, allowed: Collection[str]) -> tuple[str, ...]:
        values = self.args.getlist(name)
        wrong = [v for v in values if v not in allowed]
        if wrong:
            self._fail(name, f"Not a known code: {', '.join(sorted(set(wrong)))[:200]}.")
            return ()
        return tuple(dict.fromkeys(values))

    def identifiers(self, name: str, allowed: Collection[int], *, most: int) -> tuple[int, ...]:
        """Repeated whole numbers, each one of `allowed`, at most `most` of them."""
        values = self.args.getlist(name)
        if len(values) > most:
            self._fail(name, f"Give at most {most}.")
            return ()
        wrong = [
            v
            for v in values
            if not (v.isascii() and v.isdigit() and len(v) < 10 and int(v) in allowed)
        ]
        if wrong:
            self._fail(name, f"Not a known organisation: {', '.join(sorted(set(wrong)))[:200]}.")
            return ()
        return tuple(dict.fromkeys(int(v) for v in values))

    def integer(self, name: str, *, default: int, minimum: int, maximum: int) -> int:
        value = self._one(name)
        if value is None:
            return default
        if not value.isascii() or not value.isdigit() or len(value) > 7:
            self._fail(name, f"Must be a whole number from {minimum} to {maximum}.")
            return default
        number = int(value)
        if not minimum <= number <= maximum:
            self._fail(name, f"Must be a whole number from {minimum} to {maximum}.")
            return default
        return number

    def day(self, name: str) -> date | None:
        value = self._one(name)
        if value is None:
            return None
        try:
            if not ISO_DATE.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self._fail(name, "Must be a date as YYYY-MM-DD.")
            return None

    def boolean(self, name: str) -> bool:
        value = self._one(name)
        if value is None:
            return False
        if value not in {"true", "false"}:
            self._fail(name, "Must be true or false.")
            return False
        return value == "true"

    def done(self) -> None:
        if self.errors:
            raise BadParameters(self.errors)


def accreditation_number(value: str) -> str:
    """The number as the register writes it, or a 400 for something that cannot be one."""
    if not NUMBER.match(value):
        raise BadParameters(
            [{"parameter": "number", "detail": "Must be letters, digits and hyphens (32 at most)."}]
        )
    return value.upper()
