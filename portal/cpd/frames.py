"""A CPD record as a pandas DataFrame, and as CSV and XLSX bytes safe to open in a spreadsheet.
Pure: no Flask, no database."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ActivityRow:
    """One activity as exported: plain values, hours as text in hours."""

    status: str
    cpd_year: int | None
    activity_type: str
    title: str
    description: str
    relevance: str
    starts_on: date | None
    ends_on: date | None
    provider: str
    hours: str
    participatory_hours: str
    competencies: str
    learning: str
    impact: str
    peer_discussion: str
    peer_name: str
    peer_role: str
    peer_learning: str


COLUMNS: dict[str, str] = {
    "status": "Status",
    "cpd_year": "CPD year",
    "activity_type": "Type of activity",
    "title": "Title",
    "description": "Description",
    "relevance": "Why it is relevant",
    "starts_on": "First day",
    "ends_on": "Last day",
    "provider": "Provider",
    "hours": "Hours",
    "participatory_hours": "Participatory hours",
    "competencies": "Competencies",
    "learning": "What I learned",
    "impact": "Impact on my practice and on people",
    "peer_discussion": "Peer discussion",
    "peer_name": "Peer's name",
    "peer_role": "Peer's role",
    "peer_learning": "What I learned from the peer",
}


def defuse(value: object) -> object:
    """Text a spreadsheet would run as a formula, prefixed with ' so it is shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def activities_frame(rows: Sequence[ActivityRow]) -> pd.DataFrame:
    """One row per activity, with readable column headings, every text cell defused."""
    records = [{name: getattr(row, name) for name in COLUMNS} for row in rows]
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for name in frame.columns:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]):
            frame[name] = frame[name].map(defuse)
    return frame.rename(columns=COLUMNS)


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte order mark, so spreadsheets read the accents right."""
    text: str = frame.to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, *, sheet: str = "CPD record") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
    return buffer.getvalue()
