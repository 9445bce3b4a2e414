"""Reading an uploaded CSV file whose first row must be a template's column headings: the
whole file is refused, with a message a person can act on, when it is not such a file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

# Files people pick by mistake, known by their first bytes.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a spreadsheet or other zipped file: save it as 'CSV UTF-8'"),
    (b"\xd0\xcf\x11\xe0", "an older Office file: save it as 'CSV UTF-8'"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
)

# A row with the wrong number of values is kept, under this key, for the row checks to report.
WRONG_COLUMNS = "__columns__"


class NotACsvFile(ValueError):
    """The whole file is refused: the message says why."""


def read_csv(
    content: bytes,
    columns: Sequence[str],
    *,
    max_bytes: int,
    max_rows: int,
    too_many: str,
) -> list[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers, once the file is known to be UTF-8 CSV text whose
    header is `columns` (in any order, any case). Blank rows are skipped; a row with the wrong
    number of values comes back as {WRONG_COLUMNS: how many it had}. Raises NotACsvFile saying
    why the file is not one (`too_many` is the message when it has more than `max_rows`)."""
    if not content.strip():
        raise NotACsvFile("The selected file is empty")
    if len(content) > max_bytes:
        raise NotACsvFile(f"The file must be smaller than {max_bytes // (1024 * 1024)} MB")
    for signature, what in SIGNATURES:
        if content.startswith(signature):
            raise NotACsvFile(f"The selected file must be a CSV file: this one is {what}")
    if b"\x00" in content:
        raise NotACsvFile("The selected file must be a CSV file: this one is not text")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotACsvFile(
            "The selected file must be a CSV file saved as UTF-8 (in a spreadsheet, choose "
            "'CSV UTF-8')"
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise NotACsvFile("The selected file is empty")
        names = [name.strip().lower() for name in header]
        _check_header(names, columns)
        rows: list[tuple[int, dict[str, str]]] = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= max_rows:
                raise NotACsvFile(too_many)
            if len(values) != len(names):
                rows.append((reader.line_num, {WRONG_COLUMNS: str(len(values))}))
                continue
            rows.append((reader.line_num, dict(zip(names, values, strict=True))))
    except csv.Error as exc:
        raise NotACsvFile(
            f"The selected file must be a CSV file: line {reader.line_num} could not be read"
        ) from exc
    return rows


def _check_header(names: list[str], columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in names]
    unexpected = [n for n in names if n and n not in columns]
    if not missing and not unexpected and len(set(names)) == len(names):
        return
    parts = []
    if missing:
        parts.append("it has no column " + ", ".join(missing))
    if unexpected:
        parts.append("it has columns the template does not: " + ", ".join(unexpected))
    if not parts:
        parts.append("a column appears twice")
    raise NotACsvFile("The first row must be the template's column headings: " + "; ".join(parts))
