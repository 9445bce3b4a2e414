"""Reading a CSV of CPD activities: the template's columns and every row checked before anything
is written. Pure: no database, no Flask."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from portal.core import csv_files
from portal.core.personal_data import find_personal_data
from portal.cpd.models import ACTIVITY_LABELS, ActivityType
from portal.cpd.rules import CpdYear, EntryData, entry_problems, is_locked, parse_hours

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 500

COLUMNS: tuple[str, ...] = (
    "activity_type",
    "title",
    "description",
    "relevance",
    "starts_on",
    "ends_on",
    "provider",
    "hours",
    "participatory_hours",
    "competencies",
    "learning",
    "impact",
    "peer_discussion",
    "peer_name",
    "peer_role",
    "peer_learning",
)

# What each column means, for the template's guidance and the error messages.
COLUMN_LABELS: dict[str, str] = {
    "activity_type": "type of activity",
    "title": "title",
    "description": "description",
    "relevance": "why it is relevant",
    "starts_on": "first day",
    "ends_on": "last day",
    "provider": "provider",
    "hours": "hours",
    "participatory_hours": "participatory hours",
    "competencies": "competencies",
    "learning": "what you learned",
    "impact": "impact on your practice and on people",
    "peer_discussion": "peer discussion",
    "peer_name": "peer's name",
    "peer_role": "peer's role",
    "peer_learning": "what you learned from the peer",
}

EXAMPLE_ROW: dict[str, str] = {
    "activity_type": "formal_course",
    "title": "Systems analysis in practice reviews",
    "description": "A two-day course on systems methods.",
    "relevance": "I lead local practice reviews.",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-03",
    "provider": "Invented Training Ltd",
    "hours": "12.5",
    "participatory_hours": "8",
    "competencies": "AB1; CD1",
    "learning": "How to explain why practice made sense at the time.",
    "impact": "My analysis says more about the conditions of practice.",
    "peer_discussion": "yes",
    "peer_name": "Invented Colleague",
    "peer_role": "Accredited reviewer",
    "peer_learning": "To test my explanations with the practitioners involved.",
}

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class ImportContext:
    """What a row is checked against: the reviewer's accreditation and framework."""

    starts_on: date
    expires_on: date
    years: Sequence[CpdYear]
    competencies: Collection[str]
    today: date


@dataclass(frozen=True)
class ImportRow:
    line: int
    data: EntryData | None
    problems: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[date | None, str, str] | None:
        return natural_key(self.data) if self.data is not None else None


@dataclass
class ImportCheck:
    """Each data row of the file, good or bad, by its line number in the file."""

    rows: list[ImportRow] = field(default_factory=list)

    @property
    def good(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.problems]

    @property
    def bad(self) -> list[ImportRow]:
        return [row for row in self.rows if row.problems]


def natural_key(data: EntryData) -> tuple[date | None, str, str]:
    """Date, title and provider, ignoring case and spacing: the same activity imported twice."""
    return (
        data.starts_on,
        " ".join(data.title.split()).casefold(),
        " ".join((data.provider or "").split()).casefold(),
    )


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(EXAMPLE_ROW)
    return buffer.getvalue()


def read_csv(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows with their line numbers (see core.csv_files.read_csv)."""
    return csv_files.read_csv(
        content,
        COLUMNS,
        max_bytes=MAX_IMPORT_BYTES,
        max_rows=MAX_IMPORT_ROWS,
        too_many=f"The file can hold up to {MAX_IMPORT_ROWS} activities",
    )


def _date(value: str, label: str, problems: list[str]) -> date | None:
    text = value.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            continue
    problems.append(f"The {label} must be a real date, like 2026-03-02 or 02/03/2026")
    return None


def _hours(value: str, label: str, problems: list[str]) -> int | None:
    try:
        return parse_hours(value)
    except ValueError as exc:
        problems.append(f"{label.capitalize()}: {str(exc)[0].lower()}{str(exc)[1:]}")
        return None


def _text(value: str) -> str | None:
    return value.strip() or None


def check_row(line: int, raw: dict[str, str], context: ImportContext) -> ImportRow:
    """Everything wrong with one row, in words the reviewer can act on."""
    if csv_files.WRONG_COLUMNS in raw:
        return ImportRow(
            line,
            None,
            (
                f"The row has {raw[csv_files.WRONG_COLUMNS]} values where the template has "
                f"{len(COLUMNS)}",
            ),
        )
    problems: list[str] = []
    kind = raw["activity_type"].strip().lower()
    by_label = {label.casefold(): t.value for t, label in ACTIVITY_LABELS.items()}
    if kind in {t.value for t in ActivityType}:
        activity_type: str | None = kind
    elif kind in by_label:
        activity_type = by_label[kind]
    else:
        activity_type = None
        if kind:
            problems.append(
                f"The type of activity {raw['activity_type'].strip()!r} is not one of "
                + ", ".join(t.value for t in ActivityType)
            )
    starts_on = _date(raw["starts_on"], "first day", problems)
    ends_on = _date(raw["ends_on"], "last day", problems)
    hours = _hours(raw["hours"], "hours", problems)
    participatory = _hours(raw["participatory_hours"], "participatory hours", problems)
    codes = tuple(
        dict.fromkeys(c.strip().upper() for c in raw["competencies"].replace(",", ";").split(";"))
    )
    codes = tuple(c for c in codes if c)
    unknown = [c for c in codes if c not in context.competencies]
    if unknown:
        problems.append("Competencies not in your framework: " + ", ".join(unknown))
    peer_text = raw["peer_discussion"].strip().lower()
    peer: bool | None = True if peer_text in YES else False if peer_text in NO else None
    if peer_text and peer is None:
        problems.append("Peer discussion must be yes or no")
    data = EntryData(
        activity_type=activity_type,
        title=raw["title"].strip(),
        description=_text(raw["description"]),
        relevance=_text(raw["relevance"]),
        starts_on=starts_on,
        ends_on=ends_on,
        provider=_text(raw["provider"]),
        hours=hours,
        participatory_hours=participatory,
        competencies=codes,
        learning=_text(raw["learning"]),
        impact=_text(raw["impact"]),
        peer_discussion=peer,
        peer_name=_text(raw["peer_name"]) if peer else None,
        peer_role=_text(raw["peer_role"]) if peer else None,
        peer_learning=_text(raw["peer_learning"]) if peer else None,
    )
    already = " ".join(problems)
    for name, message in entry_problems(data, complete=True, today=context.today):
        # A value that could not be read is already reported; do not also say it is missing.
        if name in {"starts_on", "ends_on"} and "day must be a real date" in already:
            continue
        if name in {"hours", "participatory_hours"} and "ours:" in already:
            continue
        if name == "activity_type" and "type of activity" in already:
            continue
        if name == "peer_discussion" and "Peer discussion" in already:
            continue
        if len(data.title) > 200 and name == "title":
            continue
        problems.append(message)
    if len(data.title) > 200:
        problems.append("The title must be 200 characters or fewer")
    day = data.counts_on
    if day is not None and starts_on is not None:
        last = context.years[-1].ends_on if context.years else context.expires_on
        if starts_on < context.starts_on or day > last:
            problems.append(
                f"The activity must fall within your accreditation, from "
                f"{context.starts_on.isoformat()} to {last.isoformat()}"
            )
        elif is_locked(context.years, day, context.today):
            problems.append("Its CPD year has closed: activities can no longer be added to it")
    texts = (data.title, data.description, data.relevance, data.learning, data.impact)
    if any(find_personal_data(t) for t in (*texts, data.peer_learning)):
        problems.append(
            "The text may identify a child, a family member or a practitioner: change it, or "
            "log this activity in the portal, where you can confirm it identifies nobody"
        )
    return ImportRow(line, data, tuple(dict.fromkeys(problems)))


def check_file(
    content: bytes, context: ImportContext, existing: Collection[tuple[date | None, str, str]]
) -> tuple[ImportCheck, list[ImportRow]]:
    """Every row checked: the rows to write or refuse, and the good rows already in the record
    (left out, so a file imported twice adds nothing the second time)."""
    check = ImportCheck()
    already: list[ImportRow] = []
    seen: dict[tuple[date | None, str, str], int] = {}
    for line, raw in read_csv(content):
        row = check_row(line, raw, context)
        key = row.key
        if key is not None and not row.problems:
            if key in seen:
                row = ImportRow(
                    line,
                    row.data,
                    (f"The same activity (date, title and provider) as line {seen[key]}",),
                )
            elif key in existing:
                already.append(row)
                continue
            else:
                seen[key] = line
        check.rows.append(row)
    return check, already
