"""The annual report for the government's response: the year's protected tables by section and
the national recommendations with their responses, as a PDF. Pure: no Flask, no database; it
prints only what the protected tables publish, so the PDF and the page show the same cells."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from portal.reporting.disclosure import SYMBOLS
from portal.reporting.frames import SECTIONS, SafeTable

TITLE = "Child safeguarding practice reviewers: annual report"


@dataclass(frozen=True)
class RecommendationLine:
    """A national recommendation as the annual report prints it."""

    text: str
    source: str
    addressed_to: str
    response: str
    action: str
    responded_on: date | None


@dataclass(frozen=True)
class AnnualReport:
    year: int
    starts_on: date
    ends_on: date
    extracted_on: date
    rule: str
    tables: tuple[SafeTable, ...]
    recommendations: tuple[RecommendationLine, ...]

    @property
    def sections(self) -> list[tuple[str, str, list[SafeTable]]]:
        return [
            (key, label, [t for t in self.tables if t.section == key])
            for key, label in SECTIONS.items()
        ]

    @property
    def title(self) -> str:
        return f"{TITLE}, {self.year}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName="Helvetica-Bold"),
        "h1": ParagraphStyle("h1", parent=sheet["Heading1"], fontName="Helvetica-Bold"),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontName="Helvetica-Bold"),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
    }


def _table(table: SafeTable, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    header = [table.row_heading, *table.columns]
    rows: list[list[object]] = [[Paragraph(_escape(h), styles["cell"]) for h in header]]
    for row in table.rows:
        rows.append([Paragraph(_escape(row.label), styles["cell"]), *(c.text for c in row.cells)])
    if len(rows) == 1:
        rows.append(["Nothing for this period.", *([""] * len(table.columns))])
    width = 180 * mm
    first = 55 * mm if table.columns else width
    others = (width - first) / max(len(table.columns), 1)
    drawn = Table(rows, colWidths=[first, *([others] * len(table.columns))], repeatRows=1)
    drawn.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    notes = [
        f"Source: {table.source}. Date extracted: {table.extracted_on.isoformat()}.",
        table.rule,
        *table.notes,
    ]
    return [
        KeepTogether(
            [
                Paragraph(_escape(table.title), styles["h2"]),
                Paragraph(_escape(table.summary), styles["body"]),
                drawn,
            ]
        ),
        *(Paragraph(_escape(n), styles["small"]) for n in notes),
        Spacer(1, 6 * mm),
    ]


def _recommendations(
    lines: Sequence[RecommendationLine], styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    found: list[Flowable] = [
        Paragraph("National recommendations and the government's response", styles["h2"])
    ]
    if not lines:
        found.append(
            Paragraph("No national recommendations were made in the year.", styles["body"])
        )
    for number, line in enumerate(lines, start=1):
        when = f" on {line.responded_on.isoformat()}" if line.responded_on else ""
        found.append(
            Paragraph(
                f"<b>{number}. {_escape(line.text)}</b><br/>Source: {_escape(line.source)}. "
                f"Addressed to: {_escape(line.addressed_to)}.<br/>Response: "
                f"{_escape(line.response)}{when}."
                + (f" Action: {_escape(line.action)}" if line.action else ""),
                styles["body"],
            )
        )
    return found


def to_pdf(report: AnnualReport) -> bytes:
    """The report as an A4 PDF with real text, a title, language and a bookmark per section."""
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=report.title,
        author="Reviewer accreditation portal",
        subject=f"Figures for {report.starts_on.isoformat()} to {report.ends_on.isoformat()}",
        lang="en-GB",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    story: list[Flowable] = [
        Paragraph(_escape(report.title), styles["title"]),
        Paragraph(
            f"Figures for {report.starts_on.isoformat()} to {report.ends_on.isoformat()}, "
            f"extracted on {report.extracted_on.isoformat()}. Every figure is safe to publish: "
            f"{_escape(report.rule)}",
            styles["body"],
        ),
        Paragraph(
            "Symbols: " + "; ".join(f"'{s}' {words}" for s, words in SYMBOLS.items()) + ".",
            styles["body"],
        ),
    ]
    for key, label, tables in report.sections:
        story.append(_Bookmarked(label, key, styles))
        for table in tables:
            story.extend(_table(table, styles))
        if key == "learning":
            story.extend(_recommendations(report.recommendations, styles))
    document.build(story)
    return buffer.getvalue()


class _Bookmarked(Paragraph):  # type: ignore[misc]
    """A section heading that is also a bookmark in the PDF's outline."""

    def __init__(self, text: str, key: str, styles: dict[str, ParagraphStyle]) -> None:
        super().__init__(_escape(text), styles["h1"])
        self._key = key
        self._label = text

    def draw(self) -> None:
        super().draw()
        self.canv.bookmarkPage(self._key)
        self.canv.addOutlineEntry(self._label, self._key, level=0)
