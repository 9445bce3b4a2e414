"""The employer check's rules: reading up to 100 accreditation numbers typed or uploaded as a
CSV file, and writing the result as CSV that spreadsheets cannot run as formulas. Pure: no
Flask and no database."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

MAX_NUMBERS = 100
MAX_FILE_BYTES = 64 * 1024
CSV_HEADER = ("number", "name", "status", "level", "conditions", "valid until")
# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SEPARATORS = re.compile(r"[,;\n\r\t]+")


class CheckInputError(ValueError):
    """What was typed or uploaded cannot be checked; the message says why, for the form."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _normalise(raw: str) -> str:
    return " ".join(raw.split()).upper()


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in (_normalise(v) for v in values) if v))


def _limited(numbers: list[str], field: str) -> list[str]:
    if len(numbers) > MAX_NUMBERS:
        raise CheckInputError(
            f"Check {MAX_NUMBERS} accreditation numbers or fewer at a time "
            f"(you gave {len(numbers)})",
            field,
        )
    return numbers


def numbers_from_text(text: str) -> list[str]:
    """Numbers one a line or separated by commas, each once, in the order given."""
    return _limited(_unique(_SEPARATORS.split(text or "")), "numbers")


def numbers_from_csv(content: bytes) -> list[str]:
    """The `number` column of a CSV file (UTF-8, with or without a byte order mark)."""
    if len(content) > MAX_FILE_BYTES:
        raise CheckInputError("The selected file must be smaller than 64KB", "file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CheckInputError("The selected file must be a CSV file", "file") from exc
    if "\x00" in text:
        raise CheckInputError("The selected file must be a CSV file", "file")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise CheckInputError("The selected file must be a CSV file", "file") from exc
    if not rows:
        raise CheckInputError("The selected file is empty", "file")
    header = [cell.strip().lower() for cell in rows[0]]
    if "number" not in header:
        raise CheckInputError(
            "The CSV file must have a column headed 'number' in its first row", "file"
        )
    column = header.index("number")
    return _limited(_unique(row[column] for row in rows[1:] if len(row) > column), "file")


def safe_cell(value: object) -> str:
    """A cell as text, with a leading apostrophe where a spreadsheet would see a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()
