"""Reading a CSV of serious incident notifications by partnership and month: the template and
every row checked before anything is written. Pure: no database, no Flask."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from portal.reporting.models import MAX_NOTIFICATIONS

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_ROWS = 20_000

COLUMNS: tuple[str, ...] = ("partnership_code", "month", "notifications")

COLUMN_HELP: dict[str, str] = {
    "partnership_code": "The partnership's code, as on the portal's organisations pages",
    "month": "The month the incidents were notified, like 2026-04",
    "notifications": f"How many serious incidents were notified: a whole number, 0 to "
    f"{MAX_NOTIFICATIONS}",
}

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a spreadsheet or other zipped file: save it as 'CSV UTF-8'"),
    (b"\xd0\xcf\x11\xe0", "an older Office file: save it as 'CSV UTF-8'"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
)

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class NotACsvFile(ValueError):
    """The whole file is refused: the message says why."""


@dataclass(frozen=True)
class NotificationRow:
    line: int
    partnership_code: str
    month: date | None
    notifications: int | None
    problems: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, date] | None:
        if self.problems or self.month is None:
            return None
        return (self.partnership_code, self.month)


@dataclass
class NotificationCheck:
    """Each data row of the file by its line, and what loading the good ones would do."""

    rows: list[NotificationRow] = field(default_factory=list)
    added: list[NotificationRow] = field(default_factory=list)
    changed: list[tuple[NotificationRow, int]] = field(default_factory=list)
    unchanged: list[NotificationRow] = field(default_factory=list)

    @property
    def bad(self) -> list[NotificationRow]:
        return [row for row in self.rows if row.problems]

    @property
    def good(self) -> list[NotificationRow]:
        return [row for row in self.rows if not row.problems]

    @property
    def writes(self) -> int:
        return len(self.added) + len(self.changed)


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(["invented-vale", "2026-04", "2"])
    return buffer.getvalue()


def read_csv(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers, once the file is known to be UTF-8 CSV text with
    the template's header. Raises NotACsvFile saying why it is not."""
    if not content.strip():
        raise NotACsvFile("The selected file is empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise NotACsvFile(f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
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
        missing = [c for c in COLUMNS if c not in names]
        unexpected = [n for n in names if n and n not in COLUMNS]
        if missing or unexpected or len(set(names)) != len(names):
            parts = []
            if missing:
                parts.append("it has no column " + ", ".join(missing))
            if unexpected:
                parts.append("it has columns the template does not: " + ", ".join(unexpected))
            if not parts:
                parts.append("a column appears twice")
            raise NotACsvFile(
                "The first row must be the template's column headings: " + "; ".join(parts)
            )
        rows: list[tuple[int, dict[str, str]]] = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise NotACsvFile(f"The file can hold up to {MAX_ROWS:,} rows")
            if len(values) != len(names):
                rows.append((reader.line_num, {"__columns__": str(len(values))}))
                continue
            rows.append((reader.line_num, dict(zip(names, values, strict=True))))
    except csv.Error as exc:
        raise NotACsvFile(
            f"The selected file must be a CSV file: line {reader.line_num} could not be read"
        ) from exc
    return rows


def named_keys(rows: list[tuple[int, dict[str, str]]]) -> list[tuple[str, date]]:
    """The partnership codes and months a file's rows name, where they can be read: so that
    only those months' figures are looked up."""
    keys = []
    for _, raw in rows:
        found = MONTH.match(raw.get("month", "").strip())
        if found and 1 <= int(found.group(2)) <= 12:
            code = raw.get("partnership_code", "").strip().lower()
            keys.append((code, date(int(found.group(1)), int(found.group(2)), 1)))
    return keys


def check_row(
    line: int, raw: dict[str, str], partnerships: Mapping[str, int], today: date
) -> NotificationRow:
    """Everything wrong with one row, in words the analyst can act on."""
    if "__columns__" in raw:
        return NotificationRow(
            line,
            "",
            None,
            None,
            (f"The row has {raw['__columns__']} values where the template has {len(COLUMNS)}",),
        )
    problems: list[str] = []
    code = raw["partnership_code"].strip().lower()
    if not code:
        problems.append("Enter the partnership's code")
    elif code not in partnerships:
        problems.append(f"There is no partnership with the code {code!r}")
    month: date | None = None
    text = raw["month"].strip()
    found = MONTH.match(text)
    if not text:
        problems.append("Enter the month, like 2026-04")
    elif found is None or not 1 <= int(found.group(2)) <= 12:
        problems.append(f"The month {text!r} must be a real month, like 2026-04")
    else:
        month = date(int(found.group(1)), int(found.group(2)), 1)
        if month > today.replace(day=1):
            problems.append("The month must not be in the future")
        elif month.year < 2018:
            problems.append("The month must be from 2018 onwards")
    number: int | None = None
    value = raw["notifications"].strip()
    if not value:
        problems.append("Enter the number of notifications")
    elif not value.isdigit():
        problems.append(f"The number of notifications {value!r} must be a whole number, like 3")
    else:
        number = int(value)
        if number > MAX_NOTIFICATIONS:
            problems.append(f"The number of notifications must be {MAX_NOTIFICATIONS} or fewer")
    return NotificationRow(line, code, month, number, tuple(problems))


def check_file(
    content: bytes,
    partnerships: Mapping[str, int],
    existing: Mapping[tuple[str, date], int],
    today: date,
) -> NotificationCheck:
    """Every row checked, and each good row sorted into what loading it would do: add a month,
    change a month already loaded, or nothing (the same figure is already there, so a file
    loaded twice changes nothing the second time)."""
    check = NotificationCheck()
    seen: dict[tuple[str, date], int] = {}
    for line, raw in read_csv(content):
        row = check_row(line, raw, partnerships, today)
        key = row.key
        if key is not None:
            if key in seen:
                row = NotificationRow(
                    line,
                    row.partnership_code,
                    row.month,
                    row.notifications,
                    (f"The same partnership and month as line {seen[key]}",),
                )
            else:
                seen[key] = line
        check.rows.append(row)
        key = row.key
        if key is None:
            continue
        before = existing.get(key)
        if before is None:
            check.added.append(row)
        elif before != row.notifications:
            check.changed.append((row, before))
        else:
            check.unchanged.append(row)
    return check
