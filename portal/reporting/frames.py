"""The dashboard's tables built from the extract, protected (suppressed and, where stated,
rounded) before anything shows them, and as pandas DataFrames, CSV and XLSX with a notes
sheet. Pure: no Flask, no database.

Every figure a page, a chart or a download shows comes from a SafeTable built here, so the
same suppression applies to all three."""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd

from portal.reporting.disclosure import (
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SUPPRESSED,
    SYMBOLS,
    Cell,
    Grid,
    Rule,
    protect,
    protect_linked,
    published_counts,
    rate_cell,
    statistic_cell,
)
from portal.reporting.facts import NO_REGION, Durations, Extract, RegionName
from portal.reporting.models import (
    AGE_BAND_LABELS,
    DISABILITY_LABELS,
    ETHNIC_GROUPS,
    SEX_LABELS,
)

# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ENGLAND = "England"
TOTAL = "Total"

CAPACITY, PIPELINE, CPD, QUALITY = "capacity", "pipeline", "cpd", "quality"
LEARNING, WORKFORCE = "learning", "workforce"
# The dashboard's sections in order: a key, and tables built with that section, protected with
# the rest in build_tables so shared figures stay suppressed together.
SECTIONS: dict[str, str] = {
    CAPACITY: "Capacity",
    PIPELINE: "Accreditation pipeline",
    CPD: "Continuing professional development",
    QUALITY: "Quality of reviews",
    LEARNING: "Learning and the government's response",
    WORKFORCE: "Workforce diversity",
}

AUDIT_COLUMNS = ("Selected", "Accepted", "Accepted with advice", "Not met", "Overdue")
RECOMMENDATION_CLASSES: dict[str, str] = {
    "training": "Training",
    "procedure": "Procedure or policy",
    "system": "System conditions",
    "national": "National",
}
LOWEST_MARKERS = 5
RESPONSE_LABELS: dict[str, str] = {
    "accepted": "Accepted",
    "partly_accepted": "Partly accepted",
    "rejected": "Rejected",
    "no_response": "No response yet",
}

SOURCE = "Reviewer accreditation portal"
ENGLAND_ONLY = "This table is for England: it is not broken down by region."

STATE_LABELS: dict[str, str] = {
    "draft": "Not submitted",
    "submitted": "Submitted",
    "in_assessment": "In assessment",
    "information_requested": "Information requested",
    "moderation": "In moderation",
    "awaiting_decision": "Awaiting decision",
    "decided": "Decided",
    "appealed": "Appealed",
    "withdrawn": "Withdrawn",
}
OUTCOME_LABELS: dict[str, str] = {
    "accredit": "Accredit",
    "not_yet": "Not yet",
    "decline": "Decline",
}
LOAD_BANDS: tuple[tuple[str, int, int], ...] = (
    ("No open assessments", 0, 0),
    ("1 open assessment", 1, 1),
    ("2 open assessments", 2, 2),
    ("3 or 4 open assessments", 3, 4),
    ("5 or more open assessments", 5, 10**9),
)


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[Cell, ...]
    total: bool = False
    # The region this row is for, where the table's rows are regions.
    region_code: str | None = None


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str


@dataclass(frozen=True)
class SafeTable:
    """A published table: every cell already protected, with its source, date and method."""

    key: str
    section: str
    title: str
    row_heading: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    extracted_on: date
    rule: str
    summary: str = ""
    notes: tuple[str, ...] = ()
    source: str = SOURCE
    # Where the table is broken down by region: "rows" or "columns" (the regions' codes).
    region_axis: str | None = None
    column_regions: tuple[str | None, ...] = ()
    # The column a chart draws, by index (None: no chart).
    chart_column: int | None = None

    @property
    def column_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.columns)}

    def bars(self) -> list[Bar]:
        if self.chart_column is None:
            return []
        return [
            Bar(row.label, row.cells[self.chart_column].value, row.cells[self.chart_column].text)
            for row in self.rows
            if not row.total
        ]

    @property
    def chart_title(self) -> str:
        if self.chart_column is None:
            return ""
        return f"{self.columns[self.chart_column]} by {self.row_heading.lower()}"


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart's geometry, in SVG user units."""

    title: str
    description: str
    width: int
    height: int
    label_width: int
    bars: tuple[tuple[str, str, int, int, float], ...]  # label, text, y, bar height, length


BAR_HEIGHT = 24
BAR_GAP = 10
CHART_WIDTH = 640
LABEL_WIDTH = 230
VALUE_ROOM = 90


def chart_of(table: SafeTable) -> Chart | None:
    """Bars for the chart column; a suppressed or unavailable value has no bar and says its
    symbol in words beside the label, so nothing is told by colour alone."""
    bars = table.bars()
    if not bars:
        return None
    largest = max([b.value for b in bars if b.value is not None] + [0.0])
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_ROOM
    drawn = []
    for i, bar in enumerate(bars):
        length = 0.0 if bar.value is None or largest == 0 else room * bar.value / largest
        text = bar.text if bar.value is not None else f"{bar.text} ({SYMBOLS.get(bar.text, '')})"
        drawn.append((bar.label, text, i * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT, round(length, 1)))
    values = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return Chart(
        title=table.chart_title,
        description=f"{table.summary} Values: {values}.",
        width=CHART_WIDTH,
        height=len(bars) * (BAR_HEIGHT + BAR_GAP),
        label_width=LABEL_WIDTH,
        bars=tuple(drawn),
    )


# Building the tables


@dataclass
class _Pending:
    """A table waiting for its suppression: the grid and how to dress it."""

    table: SafeTable
    grid: Grid
    row_labels: list[str]
    row_regions: list[str | None]
    column_labels: list[str]
    rule: Rule
    # How to finish the table: derived columns, by kind and what they need.
    finish: tuple[Any, ...] = ()
    masks: list[list[bool]] = field(default_factory=list)


def _region_rows(regions: Sequence[RegionName]) -> tuple[list[str | None], list[str]]:
    codes: list[str | None] = [r.code for r in regions]
    names = [r.name for r in regions]
    codes.append(None)
    names.append(NO_REGION)
    return codes, names


def _pct(value: float | None) -> str:
    return "not available" if value is None else f"{value:.1f}%"


def _cell_or(table_cell: Cell, words: str) -> str:
    return (
        f"{table_cell.text} {words}"
        if table_cell.published
        else f"'{table_cell.text}' (suppressed)"
    )


def build_tables(
    extract: Extract,
    rule: Rule,
    *,
    notifications_rule: Rule | None = None,
    only: Collection[str] | None = None,
) -> list[SafeTable]:
    """Every table of the dashboard (or only those named), for England, protected together
    (figures shared between tables are suppressed in all of them)."""
    today = extract.today
    codes, names = _region_rows(extract.regions)
    index_of = {code: i for i, code in enumerate(codes)}
    pending: list[_Pending] = []

    def base(
        key: str, section: str, title: str, row_heading: str, columns: Sequence[str], **more: object
    ) -> SafeTable:
        return SafeTable(
            key=key,
            section=section,
            title=title,
            row_heading=row_heading,
            columns=tuple(columns),
            rows=(),
            extracted_on=today,
            rule=rule.text,
            **more,  # type: ignore[arg-type]
        )

    # Capacity: current accreditations by region and level.
    levels = sorted({r.key for r in extract.reviewers_by_level}) or ["reviewer"]
    body = [[0] * len(levels) for _ in codes]
    for r in extract.reviewers_by_level:
        body[index_of.get(r.region_code, len(codes) - 1)][levels.index(r.key)] += r.count
    keys: dict[tuple[int, int], Hashable] = {
        (i, len(levels)): ("reviewers", code) for i, code in enumerate(codes)
    }
    keys[(len(codes), len(levels))] = ("reviewers", "all")
    level_labels = [lv.replace("_", " ").capitalize() for lv in levels]
    pending.append(
        _Pending(
            base(
                "reviewers-by-region-and-level",
                CAPACITY,
                "Accredited reviewers by region and level",
                "Region",
                [*level_labels, TOTAL],
                region_axis="rows",
                chart_column=len(levels),
                notes=(
                    "Each current accreditation counts once, in the home region the reviewer "
                    "gave when applying.",
                ),
            ),
            Grid(tuple(tuple(r) for r in body), keys=keys),
            names,
            list(codes),
            level_labels,
            rule,
        )
    )

    # Capacity: accreditations current at the end of each quarter, by region (columns).
    quarters = extract.quarters
    body = [[0] * len(codes) for _ in quarters]
    q_index = {q: i for i, q in enumerate(quarters)}
    for qr in extract.reviewers_by_quarter:
        body[q_index[qr.quarter]][index_of.get(qr.region_code, len(codes) - 1)] += qr.count
    labels = [q.label + (" (to date)" if q.ends_on > today else "") for q in quarters]
    # The quarter under way is counted today: the same figures as the regions' totals above,
    # so they are suppressed together.
    now_keys: dict[tuple[int, int], Hashable] = {}
    for i, q in enumerate(quarters):
        if q.starts_on <= today <= q.ends_on:
            now_keys = {(i, j): ("reviewers", code) for j, code in enumerate(codes)}
            now_keys[(i, len(codes))] = ("reviewers", "all")
    pending.append(
        _Pending(
            base(
                "reviewers-by-quarter",
                CAPACITY,
                "Accredited reviewers at the end of each quarter",
                "Quarter",
                [*names, ENGLAND],
                region_axis="columns",
                column_regions=(*codes, None),
                chart_column=len(codes),
                notes=(
                    "Accreditations current on the quarter's last day (today for the quarter "
                    "under way), from each accreditation's status history.",
                ),
            ),
            Grid(
                tuple(tuple(r) for r in body),
                column_totals=False,
                empty_width=len(codes),
                keys=now_keys,
            ),
            labels,
            [None] * len(labels),
            [*names],
            rule,
        )
    )

    # Capacity: by specialism (rows) and region (columns).
    specialisms = sorted(
        {r.key for r in extract.reviewers_by_specialism},
        key=lambda c: extract.specialism_names.get(c, c),
    )
    body = [[0] * len(codes) for _ in specialisms]
    for r in extract.reviewers_by_specialism:
        body[specialisms.index(r.key)][index_of.get(r.region_code, len(codes) - 1)] += r.count
    spec_labels = [extract.specialism_names.get(c, c) for c in specialisms]
    pending.append(
        _Pending(
            base(
                "reviewers-by-specialism",
                CAPACITY,
                "Accredited reviewers by specialism",
                "Specialism",
                [*names, ENGLAND],
                region_axis="columns",
                column_regions=(*codes, None),
                chart_column=len(codes),
                notes=(
                    "A reviewer with several specialisms on their register entry counts under "
                    "each, so the specialisms do not add up to the number of reviewers.",
                ),
            ),
            Grid(tuple(tuple(r) for r in body), column_totals=False, empty_width=len(codes)),
            spec_labels,
            [None] * len(spec_labels),
            [*names],
            rule,
        )
    )

    # Capacity: places and commissions this quarter by region (two grids, one table).
    places = [0] * len(codes)
    offering = [0] * len(codes)
    running = [0] * len(codes)
    for p in extract.places_this_quarter:
        i = index_of.get(p.region_code, len(codes) - 1)
        places[i] += p.places
        offering[i] += p.reviewers_offering
        running[i] += p.commissions_running
    # Places say what a few reviewers offer: hidden where fewer than the threshold offer them.
    few = [[0 < n < rule.threshold] for n in offering] + [[0 < sum(offering) < rule.threshold]]
    places_grid = Grid(tuple((p,) for p in places), row_totals=False)
    running_grid = Grid(tuple((n,) for n in running), row_totals=False)
    pending.append(
        _Pending(
            base(
                "places-this-quarter",
                CAPACITY,
                "Places and commissions this quarter by region",
                "Region",
                ["Places offered", "Commissions running", "Utilisation (%)", "Short of capacity"],
                region_axis="rows",
                chart_column=2,
                notes=(
                    "Places are the reviews per quarter reviewers say they can take, once "
                    "they are available; reviewers count in their home region. Commissions "
                    "count in the partnership's region. A region is short of capacity when "
                    "its commissions take all its places or more.",
                ),
            ),
            places_grid,
            names,
            list(codes),
            ["Places offered"],
            Rule(1),
            finish=("places", running_grid, few),
        )
    )

    # Capacity: places by quarter, England.
    pq = extract.places_by_quarter
    pending.append(
        _Pending(
            base(
                "places-by-quarter",
                CAPACITY,
                "Places and commissions by quarter, England",
                "Quarter",
                ["Places offered", "Commissions running", "Places left"],
                chart_column=2,
                notes=(ENGLAND_ONLY, "Places offered as reviewers' availability stands today."),
            ),
            Grid(
                tuple((q.places, q.commissions_running) for q in pq),
                row_totals=False,
                column_totals=False,
                empty_width=2,
            ),
            [q.quarter.label for q in pq],
            [None] * len(pq),
            ["Places offered", "Commissions running"],
            Rule(1),
            finish=("places_by_quarter", [q.reviewers_offering for q in pq]),
        )
    )

    # Capacity: serious incident notifications by region, rounded as published.
    loaded = [0] * len(codes)
    notified = [0] * len(codes)
    for n in extract.notifications:
        i = index_of.get(n.region_code, len(codes) - 1)
        notified[i] += n.notifications
        loaded[i] += n.months_loaded
    n_rule = notifications_rule or Rule(rule.threshold, rounding=10)
    pending.append(
        _Pending(
            replace(
                base(
                    "notifications-by-region",
                    CAPACITY,
                    "Serious incident notifications by region",
                    "Region",
                    ["Notifications"],
                    region_axis="rows",
                    chart_column=0,
                    notes=(
                        "Notifications by safeguarding partnerships, loaded by analysts, "
                        "counted in the partnership's region for the months in the period. "
                        "'x' marks a region with no figures loaded for the period.",
                    ),
                ),
                rule=n_rule.text,
                source="Serious incident notifications loaded by analysts",
            ),
            Grid(tuple((n,) for n in notified), row_totals=False),
            names,
            list(codes),
            ["Notifications"],
            n_rule,
            finish=("notifications", loaded),
        )
    )

    # Capacity: commissions started, from the commissioning report.
    c_rows = extract.commissions
    pending.append(
        _Pending(
            base(
                "commissions-by-region",
                CAPACITY,
                "Commissions started and time to commission by region",
                "Region",
                ["Commissions started", "Median days from shortlisting to commission"],
                chart_column=0,
                region_axis="rows",
                notes=(
                    "Commissions starting in the period, by the partnership's region; days "
                    "from shortlisting the reviewer to recording the commission.",
                ),
            ),
            Grid(tuple((c.commissions,) for c in c_rows), row_totals=False, empty_width=1),
            [c.region_name for c in c_rows],
            [_code_of(c.region_name, extract.regions) for c in c_rows],
            ["Commissions started"],
            rule,
            finish=("medians", [c.median_days_to_commission for c in c_rows]),
        )
    )

    # Capacity: expiries and renewals by region.
    exp = [[0, 0, 0] for _ in codes]
    for e in extract.expiries:
        i = index_of.get(e.region_code, len(codes) - 1)
        exp[i][0] += e.within_6_months
        exp[i][1] += e.within_12_months
        exp[i][2] += e.renewals_in_progress
    pending.append(
        _Pending(
            base(
                "expiring-accreditations",
                CAPACITY,
                "Accreditations expiring and renewals in progress by region",
                "Region",
                [
                    "Expiring in the next 6 months",
                    "Expiring in the next 12 months",
                    "Renewals in progress",
                ],
                region_axis="rows",
                chart_column=1,
                notes=(
                    "Those expiring in the next 12 months include those in the next 6. "
                    "Renewals in progress are renewal applications submitted and not yet "
                    "decided.",
                ),
            ),
            Grid(tuple(tuple(r) for r in exp), row_totals=False),
            names,
            list(codes),
            ["6", "12", "renewals"],
            rule,
        )
    )

    # Pipeline: applications by state and kind.
    states = list(STATE_LABELS)
    kinds = ["initial", "renewal"]
    body = [[0, 0] for _ in states]
    for s in extract.applications_by_state:
        body[states.index(s.status)][kinds.index(s.kind)] += s.count
    pending.append(
        _Pending(
            base(
                "applications-by-state",
                PIPELINE,
                "Applications by state",
                "State",
                ["Initial", "Renewal", TOTAL],
                chart_column=2,
                notes=(ENGLAND_ONLY, "Every application as it stands on the date extracted."),
            ),
            Grid(tuple(tuple(r) for r in body)),
            [STATE_LABELS[s] for s in states],
            [None] * len(states),
            ["Initial", "Renewal"],
            rule,
        )
    )

    # Pipeline: outcomes by year.
    years = sorted({o.year for o in extract.outcomes})
    outcomes = list(OUTCOME_LABELS)
    body = [[0] * len(outcomes) for _ in years]
    for o in extract.outcomes:
        body[years.index(o.year)][outcomes.index(o.outcome)] += o.count
    pending.append(
        _Pending(
            base(
                "outcomes-by-year",
                PIPELINE,
                "Decisions by outcome and year",
                "Year",
                [*OUTCOME_LABELS.values(), TOTAL],
                chart_column=len(outcomes),
                notes=(ENGLAND_ONLY, "Decisions made in the period, by calendar year (UTC)."),
            ),
            Grid(tuple(tuple(r) for r in body), empty_width=len(outcomes)),
            [str(y) for y in years],
            [None] * len(years),
            list(OUTCOME_LABELS.values()),
            rule,
        )
    )

    # Pipeline: assessor load (people counted by their number of open assessments).
    bands = [[0, 0] for _ in LOAD_BANDS]
    for load in extract.assessor_load:
        for i, (_, low, high) in enumerate(LOAD_BANDS):
            if low <= load.open_assessments <= high:
                bands[i][0] += 1
                bands[i][1] += load.overdue
    pending.append(
        _Pending(
            base(
                "assessor-load",
                PIPELINE,
                "Assessors by open assessments",
                "Open assessments",
                ["Assessors", "Overdue assessments"],
                chart_column=0,
                notes=(
                    ENGLAND_ONLY,
                    "Assessors and quality assurance leads; an assessment is "
                    "overdue when its due date has passed and it is not submitted.",
                ),
            ),
            Grid(tuple(tuple(r) for r in bands), row_totals=False),
            [b[0] for b in LOAD_BANDS],
            [None] * len(LOAD_BANDS),
            ["Assessors", "Overdue"],
            rule,
        )
    )

    # CPD: compliance by region and by year (linked by England's totals).
    by_region = [[0, 0] for _ in codes]
    c_years = sorted({c.year for c in extract.compliance})
    by_year = [[0, 0] for _ in c_years]
    for c in extract.compliance:
        i = index_of.get(c.region_code, len(codes) - 1)
        by_region[i][0] += c.met
        by_region[i][1] += c.not_met
        by_year[c_years.index(c.year)][0] += c.met
        by_year[c_years.index(c.year)][1] += c.not_met
    shared: dict[tuple[int, int], Hashable] = {
        (len(codes), 0): ("cpd", "met"),
        (len(codes), 1): ("cpd", "not met"),
        (len(codes), 2): ("cpd", "judged"),
    }
    shared_year: dict[tuple[int, int], Hashable] = {
        (len(c_years), 0): ("cpd", "met"),
        (len(c_years), 1): ("cpd", "not met"),
        (len(c_years), 2): ("cpd", "judged"),
    }
    cpd_notes = (
        "Each reviewer's CPD years that closed in the period, judged against the "
        "requirements in force when the year began: a year is met when every yearly "
        "requirement is.",
    )
    pending.append(
        _Pending(
            base(
                "cpd-compliance-by-region",
                CPD,
                "CPD years meeting the requirements by region",
                "Region",
                ["Met", "Not met", "CPD years judged", "Met (%)"],
                region_axis="rows",
                chart_column=3,
                notes=cpd_notes,
            ),
            Grid(tuple(tuple(r) for r in by_region), keys=shared),
            names,
            list(codes),
            ["Met", "Not met"],
            rule,
            finish=("rate",),
        )
    )
    pending.append(
        _Pending(
            base(
                "cpd-compliance-by-year",
                CPD,
                "CPD years meeting the requirements by year",
                "Year the CPD year ended",
                ["Met", "Not met", "CPD years judged", "Met (%)"],
                chart_column=3,
                notes=(ENGLAND_ONLY, *cpd_notes),
            ),
            Grid(tuple(tuple(r) for r in by_year), keys=shared_year, empty_width=2),
            [str(y) for y in c_years],
            [None] * len(c_years),
            ["Met", "Not met"],
            rule,
            finish=("rate",),
        )
    )

    # CPD: hours by domain.
    dh = extract.domain_hours
    pending.append(
        _Pending(
            base(
                "cpd-hours-by-domain",
                CPD,
                "CPD hours by framework domain",
                "Domain",
                ["Reviewers", "Hours"],
                chart_column=1,
                notes=(
                    ENGLAND_ONLY,
                    "Completed activities in the period; an activity that "
                    "developed two domains counts in both. Hours are suppressed where fewer "
                    "reviewers than the threshold logged them.",
                ),
            ),
            Grid(
                tuple((d.reviewers,) for d in dh),
                row_totals=False,
                column_totals=False,
                empty_width=1,
            ),
            [d.domain for d in dh],
            [None] * len(dh),
            ["Reviewers"],
            rule,
            finish=("hours", [d.quarter_hours for d in dh]),
        )
    )

    # Workforce: each question by region (columns), linked to the reviewers' totals.
    questions = (
        ("diversity-ethnicity", "Ethnic group", "ethnicity"),
        ("diversity-sex", "Sex", "sex"),
        ("diversity-disability", "Disability", "disability"),
        ("diversity-age", "Age band", "age_band"),
    )

    orders = {
        "ethnicity": list(ETHNIC_GROUPS),
        "sex": list(SEX_LABELS.values()),
        "disability": list(DISABILITY_LABELS.values()),
        "age_band": list(AGE_BAND_LABELS.values()),
    }
    for key, heading, name in questions:
        categories = [*orders[name], "Not answered"]
        body = [[0] * len(codes) for _ in categories]
        for cc in extract.diversity.get(name, []):
            body[categories.index(cc.category)][index_of.get(cc.region_code, len(codes) - 1)] += (
                cc.count
            )
        links: dict[tuple[int, int], Hashable] = {
            (len(categories), j): ("reviewers", code) for j, code in enumerate(codes)
        }
        links[(len(categories), len(codes))] = ("reviewers", "all")
        pending.append(
            _Pending(
                base(
                    key,
                    WORKFORCE,
                    f"Accredited reviewers by {heading.lower()}",
                    heading,
                    [*names, ENGLAND],
                    region_axis="columns",
                    column_regions=(*codes, None),
                    chart_column=len(codes),
                    notes=(
                        "Voluntary diversity monitoring answers of reviewers with a current "
                        "accreditation, shown only in aggregate. 'Not answered' counts "
                        "reviewers who have not given an answer.",
                    ),
                ),
                Grid(tuple(tuple(r) for r in body), keys=links),
                categories,
                [None] * len(categories),
                list(names),
                rule,
            )
        )

    # CPD audit outcomes by the year the cycle opened and by region, linked by England's row.
    audit_years = sorted({a.year for a in extract.audit_outcomes})
    by_year_audit = [[0] * len(AUDIT_COLUMNS) for _ in audit_years]
    by_region_audit = [[0] * len(AUDIT_COLUMNS) for _ in codes]
    for a in extract.audit_outcomes:
        figures = (a.selected, a.accepted, a.advice, a.not_met, a.overdue)
        for j, figure in enumerate(figures):
            by_year_audit[audit_years.index(a.year)][j] += figure
            by_region_audit[index_of.get(a.region_code, len(codes) - 1)][j] += figure
    audit_notes = (
        "Reviewers drawn for a CPD audit in cycles opened in the period. Accepted, accepted "
        "with advice and not met are final outcomes; audits still under way have none yet. "
        "Overdue counts audits past a deadline today or escalated for missing one.",
    )
    audit_tables: list[
        tuple[str, str, str, list[list[int]], list[str], list[str | None], str | None, int]
    ] = [
        (
            "cpd-audit-by-year",
            "CPD audit outcomes by year",
            "Year the cycle opened",
            by_year_audit,
            [str(y) for y in audit_years],
            [None] * len(audit_years),
            None,
            len(audit_years),
        ),
        (
            "cpd-audit-by-region",
            "CPD audit outcomes by region",
            "Region",
            by_region_audit,
            names,
            list(codes),
            "rows",
            len(codes),
        ),
    ]
    for key, title, heading, body_rows, labels_, regions_, axis, width in audit_tables:
        pending.append(
            _Pending(
                base(
                    key,
                    CPD,
                    title,
                    heading,
                    AUDIT_COLUMNS,
                    region_axis=axis,
                    chart_column=0,
                    notes=(ENGLAND_ONLY, *audit_notes) if axis is None else audit_notes,
                ),
                Grid(
                    tuple(tuple(r) for r in body_rows),
                    row_totals=False,
                    empty_width=len(AUDIT_COLUMNS),
                    keys={(width, j): ("cpd-audit", j) for j in range(len(AUDIT_COLUMNS))},
                ),
                labels_,
                regions_,
                list(AUDIT_COLUMNS),
                rule,
            )
        )

    # Quality: agreed overall grades by year.
    grade_years = sorted({g.year for g in extract.grades})
    grades = sorted(set(extract.grade_labels) | {g.grade for g in extract.grades})
    body = [[0] * len(grades) for _ in grade_years]
    for g in extract.grades:
        body[grade_years.index(g.year)][grades.index(g.grade)] += g.count
    grade_names = [extract.grade_labels.get(g, f"Grade {g}") for g in grades]
    pending.append(
        _Pending(
            base(
                "qa-grades-by-year",
                QUALITY,
                "Peer-reviewed reviews by overall grade and year",
                "Year feedback was released",
                [*grade_names, TOTAL],
                chart_column=len(grades),
                notes=(
                    ENGLAND_ONLY,
                    "Reviews whose peer quality assurance feedback was released in the period, "
                    "by the overall grade the two peer assessors agreed or the QA lead set in "
                    "moderation.",
                ),
            ),
            Grid(tuple(tuple(r) for r in body), empty_width=len(grades)),
            [str(y) for y in grade_years],
            [None] * len(grade_years),
            grade_names,
            rule,
        )
    )

    # Quality: agreed marker levels, by marker (the distribution, with the mean level).
    marker_order: dict[str, tuple[int, str]] = {}
    for m in extract.marker_levels:
        marker_order.setdefault(m.marker_code, (m.position, m.marker_title))
    markers = sorted(marker_order, key=lambda c: (marker_order[c][0], c))
    marker_names = [marker_order[c][1] for c in markers]
    levels_ = sorted(set(extract.level_labels) | {m.level for m in extract.marker_levels})
    level_names = [extract.level_labels.get(lv, f"Level {lv}") for lv in levels_]
    body = [[0] * len(levels_) for _ in markers]
    level_sums = [0] * len(markers)
    for m in extract.marker_levels:
        i = markers.index(m.marker_code)
        body[i][levels_.index(m.level)] += m.count
        level_sums[i] += m.level * m.count
    marker_notes = (
        ENGLAND_ONLY,
        "Each marker's agreed level for reviews whose peer quality assurance feedback was "
        "released in the period (level 1 is the lowest). The mean level is published only "
        "where at least the threshold number of reviews were scored on the marker.",
    )
    pending.append(
        _Pending(
            base(
                "qa-marker-levels",
                QUALITY,
                "Agreed marker levels",
                "Marker",
                [*level_names, "Reviews scored", "Mean agreed level"],
                chart_column=len(levels_) + 1,
                notes=marker_notes,
            ),
            Grid(tuple(tuple(r) for r in body), column_totals=False, empty_width=len(levels_)),
            marker_names,
            [None] * len(markers),
            level_names,
            rule,
            finish=("mean_level", level_sums),
        )
    )

    # Quality: the mean agreed level of each marker, by year (counts and means).
    m_years = sorted({m.year for m in extract.marker_levels})
    counts_by_year = [[0] * len(m_years) for _ in markers]
    sums_by_year = [[0] * len(m_years) for _ in markers]
    for m in extract.marker_levels:
        i, j = markers.index(m.marker_code), m_years.index(m.year)
        counts_by_year[i][j] += m.count
        sums_by_year[i][j] += m.level * m.count
    pending.append(
        _Pending(
            base(
                "qa-marker-levels-by-year",
                QUALITY,
                "Mean agreed marker level by year",
                "Marker",
                [f"{label} {y}" for y in m_years for label in ("Reviews", "Mean level")],
                notes=marker_notes,
            ),
            Grid(
                tuple(tuple(r) for r in counts_by_year),
                row_totals=False,
                column_totals=False,
                empty_width=len(m_years),
            ),
            marker_names,
            [None] * len(markers),
            [str(y) for y in m_years],
            rule,
            finish=("means_by_year", sums_by_year),
        )
    )

    # Learning: system conditions in tagged findings, by year.
    found_order: dict[str, tuple[int, str]] = {}
    for fc in extract.condition_counts:
        found_order.setdefault(fc.code, (fc.position, fc.label))
    conditions = sorted(found_order, key=lambda c: (found_order[c][0], c))
    c_years_ = sorted({fc.year for fc in extract.condition_counts})
    body = [[0] * len(c_years_) for _ in conditions]
    for fc in extract.condition_counts:
        body[conditions.index(fc.code)][c_years_.index(fc.year)] += fc.count
    pending.append(
        _Pending(
            base(
                "learning-conditions-by-year",
                LEARNING,
                "Findings by system condition and year",
                "System condition",
                [*(str(y) for y in c_years_), TOTAL],
                chart_column=len(c_years_),
                notes=(
                    ENGLAND_ONLY,
                    "Findings of reviews that completed peer quality assurance, tagged by "
                    "quality assurance leads against the taxonomy of system conditions, by the "
                    "year the review's quality assurance completed. A finding tagged with two "
                    "conditions counts under each, so the conditions do not add up to the "
                    "number of findings.",
                ),
            ),
            Grid(tuple(tuple(r) for r in body), column_totals=False, empty_width=len(c_years_)),
            [found_order[c][1] for c in conditions],
            [None] * len(conditions),
            [str(y) for y in c_years_],
            rule,
        )
    )

    # Learning: national recommendations by year and the government's response.
    r_years = sorted({rc.year for rc in extract.response_counts})
    responses = list(RESPONSE_LABELS)
    body = [[0] * len(responses) for _ in r_years]
    for rc in extract.response_counts:
        body[r_years.index(rc.year)][responses.index(rc.response)] += rc.count
    pending.append(
        _Pending(
            base(
                "national-recommendations-by-response",
                LEARNING,
                "National recommendations by the government's response",
                "Year made",
                [*RESPONSE_LABELS.values(), TOTAL],
                chart_column=len(responses),
                notes=(
                    ENGLAND_ONLY,
                    "National recommendations from reviews and from the panel's national and "
                    "thematic reviews made in the years of the period, by the government's "
                    "response as it stands on the date extracted.",
                ),
            ),
            Grid(tuple(tuple(r) for r in body), empty_width=len(responses)),
            [str(y) for y in r_years],
            [None] * len(r_years),
            list(RESPONSE_LABELS.values()),
            rule,
        )
    )

    # Quality: recommendations by class, where the classes are stored.
    if extract.recommendation_classes is not None:
        pending.extend(_class_tables(extract, rule, base, codes, names, index_of))

    if only is not None:
        pending = [p for p in pending if p.table.key in only]
    # Suppress: tables sharing a rule are protected together (their shared keys link them).
    by_threshold: dict[int, list[_Pending]] = defaultdict(list)
    for waiting in pending:
        by_threshold[waiting.rule.threshold].append(waiting)
    for threshold, group in by_threshold.items():
        masks = protect_linked([p.grid for p in group], threshold)
        for waiting, mask in zip(group, masks, strict=True):
            waiting.masks = mask
    return [_without_empty_unknown(_finish(waiting, rule)) for waiting in pending]


def _is_zero(cell: Cell) -> bool:
    return cell.published and cell.value == 0


def _without_empty_unknown(table: SafeTable) -> SafeTable:
    """The 'Region not known' row or column left out when it holds only zeros (after
    suppression, so leaving it out tells nothing)."""
    if table.region_axis == "rows":
        rows = tuple(
            r
            for r in table.rows
            if not (r.label == NO_REGION and not r.total and all(_is_zero(c) for c in r.cells))
        )
        return replace(table, rows=rows)
    if table.region_axis == "columns" and NO_REGION in table.columns:
        j = table.columns.index(NO_REGION)
        if not all(_is_zero(r.cells[j]) for r in table.rows):
            return table
        keep = [i for i in range(len(table.columns)) if i != j]
        chart = table.chart_column
        return replace(
            table,
            columns=tuple(table.columns[i] for i in keep),
            column_regions=tuple(table.column_regions[i] for i in keep),
            rows=tuple(replace(r, cells=tuple(r.cells[i] for i in keep)) for r in table.rows),
            chart_column=None if chart is None else chart - (1 if chart > j else 0),
        )
    return table


def _code_of(name: str, regions: Sequence[RegionName]) -> str | None:
    return next((r.code for r in regions if r.name == name), None)


def _rows_from(
    p: _Pending, cells: list[list[Cell]], *, total_label: str = ENGLAND
) -> tuple[TableRow, ...]:
    rows = [
        TableRow(label, tuple(cells[i]), region_code=p.row_regions[i])
        for i, label in enumerate(p.row_labels)
    ]
    if p.grid.column_totals:
        rows.append(TableRow(total_label, tuple(cells[len(p.row_labels)]), total=True))
    return tuple(rows)


def _finish(p: _Pending, rule: Rule) -> SafeTable:
    grid, table = p.grid, p.table
    cells = published_counts(grid, p.masks, p.rule)
    values = grid.augmented()
    kind = p.finish[0] if p.finish else None
    if kind == "places":
        _, running_grid, few = p.finish
        running_mask = protect_linked([running_grid], rule.threshold)[0]
        running_cells = published_counts(running_grid, running_mask, rule)
        # Places: hidden where few offer them, and one more where a column total would tell.
        places_mask = [row[:] for row in p.masks]
        for i, hide in enumerate(few):
            places_mask[i][0] = places_mask[i][0] or hide[0]
        places_mask = protect(grid, 1, places_mask)
        place_cells = published_counts(grid, places_mask, Rule(1))
        running_values = running_grid.augmented()
        merged = []
        for i in range(len(values)):
            place, run = place_cells[i][0], running_cells[i][0]
            utilisation = rate_cell(run, place, running_values[i][0], values[i][0])
            if not place.published or not run.published:
                short = Cell(None, SUPPRESSED)
            elif values[i][0] == 0 and running_values[i][0] == 0:
                short = Cell(None, NOT_APPLICABLE)
            else:
                short = Cell(1.0 if running_values[i][0] >= values[i][0] else 0.0)
            merged.append([place, run, utilisation, short])
        rows = _rows_from(p, merged)
        # "Short of capacity" reads as words.
        rows = tuple(replace(r, cells=(*r.cells[:3], _yes_no(r.cells[3]))) for r in rows)
        summary = _places_summary(rows)
        return replace(table, rows=rows, summary=summary)
    if kind == "places_by_quarter":
        offering = p.finish[1]
        merged = []
        for i, (offered, booked) in enumerate(values):
            place_cell = (
                Cell(float(offered))
                if not 0 < offering[i] < rule.threshold
                else Cell(None, SUPPRESSED)
            )
            run_cell = (
                Cell(float(booked)) if not 0 < booked < rule.threshold else Cell(None, SUPPRESSED)
            )
            left = (
                Cell(float(offered - booked))
                if place_cell.published and run_cell.published
                else Cell(None, SUPPRESSED)
            )
            merged.append([place_cell, run_cell, left])
        rows = tuple(TableRow(label, tuple(merged[i])) for i, label in enumerate(p.row_labels))
        now = rows[0] if rows else None
        summary = (
            f"This quarter, {_cell_or(now.cells[0], 'places')} are offered in England and "
            f"{_cell_or(now.cells[1], 'commissions')} are running."
            if now
            else "No quarters to show."
        )
        return replace(table, rows=rows, summary=summary)
    if kind == "notifications":
        loaded = p.finish[1]
        any_loaded = sum(loaded) > 0
        fixed = []
        for i, row in enumerate(cells):
            if (i < len(loaded) and loaded[i] == 0) or (i == len(loaded) and not any_loaded):
                fixed.append([Cell(None, NOT_AVAILABLE)])
            else:
                fixed.append(row)
        rows = _rows_from(p, fixed)
        england = rows[-1].cells[0]
        summary = (
            f"{_cell_or(england, 'serious incidents')} were notified in England in the period "
            "(rounded to the nearest 10)."
            if any_loaded
            else "No serious incident notifications are loaded for the period."
        )
        return replace(table, rows=rows, summary=summary)
    if kind == "medians":
        medians = p.finish[1]
        merged = []
        for i, row in enumerate(cells):
            count = values[i][0]
            if i < len(medians):
                merged.append([row[0], statistic_cell(medians[i], count, rule)])
            else:
                merged.append([row[0], Cell(None, NOT_APPLICABLE)])
        rows = _rows_from(p, merged)
        summary = f"{_cell_or(rows[-1].cells[0], 'commissions')} started in England in the period."
        return replace(table, rows=rows, summary=summary)
    if kind == "rate":
        merged = []
        for i, row in enumerate(cells):
            met, judged = values[i][0], values[i][2]
            merged.append([*row, rate_cell(row[0], row[2], met, judged)])
        rows = _rows_from(p, merged)
        totals = rows[-1].cells
        summary = (
            f"{totals[3].text}% of {totals[2].text} CPD years judged in England met the "
            "requirements."
            if totals[3].published
            else "Too few CPD years were judged in the period to publish a rate "
            f"({totals[2].text} judged)."
        )
        return replace(table, rows=rows, summary=summary)
    if kind == "hours":
        hours = p.finish[1]
        merged = []
        for i, row in enumerate(cells):
            merged.append(
                [
                    row[0],
                    Cell(hours[i] / 4, places=1) if row[0].published else Cell(None, SUPPRESSED),
                ]
            )
        rows = tuple(TableRow(label, tuple(merged[i])) for i, label in enumerate(p.row_labels))
        published = [r for r in rows if r.cells[1].published and r.cells[1].value]
        top = max(published, key=lambda r: r.cells[1].value or 0, default=None)
        summary = (
            f"Most CPD hours in the period developed {top.label.lower()} "
            f"({top.cells[1].text} hours)."
            if top
            else "No CPD hours can be published for the period."
        )
        return replace(table, rows=rows, summary=summary)
    if kind == "mean_level":
        sums = p.finish[1]
        merged = []
        for i, row in enumerate(cells):
            n = values[i][-1]
            mean = sums[i] / n if n else None
            merged.append([*row, statistic_cell(mean, n, rule, places=2)])
        rows = _rows_from(p, merged)
        return replace(table, rows=rows, summary=_lowest_summary(rows))
    if kind == "means_by_year":
        sums = p.finish[1]
        merged = []
        for i, row in enumerate(cells):
            line: list[Cell] = []
            for j, count_cell_ in enumerate(row):
                scored = values[i][j]
                mean = sums[i][j] / scored if scored else None
                line.extend([count_cell_, statistic_cell(mean, scored, rule, places=2)])
            merged.append(line)
        rows = _rows_from(p, merged)
        return replace(
            table,
            rows=rows,
            summary=(
                f"{table.title}: {len(rows)} markers over {len(p.column_labels)} years."
                if rows
                else f"{table.title}: nothing to show for the period."
            ),
        )
    rows = _rows_from(p, cells)
    return replace(table, rows=rows, summary=_generic_summary(table, rows))


def _lowest_summary(rows: Sequence[TableRow]) -> str:
    published = [r for r in rows if r.cells[-1].published]
    if not published:
        return "Too few reviews were scored in the period to publish a marker's mean level."
    low = min(published, key=lambda r: r.cells[-1].value or 0)
    return (
        f"The marker with the lowest published mean agreed level is {low.label} "
        f"({low.cells[-1].text}, from {low.cells[-2].text} reviews)."
    )


def lowest_markers(levels: SafeTable, limit: int = LOWEST_MARKERS) -> SafeTable:
    """The markers where quality is lowest: those with a published mean agreed level, lowest
    first (a marker whose mean is suppressed is not ranked, so its place tells nothing)."""
    published = sorted(
        (r for r in levels.rows if r.cells[-1].published),
        key=lambda r: (r.cells[-1].value or 0, r.label),
    )[:limit]
    rows = tuple(TableRow(r.label, (r.cells[-2], r.cells[-1])) for r in published)
    return replace(
        levels,
        key="qa-lowest-markers",
        title="Markers where quality is lowest",
        columns=("Reviews scored", "Mean agreed level"),
        rows=rows,
        chart_column=1,
        summary=_lowest_summary(levels.rows),
        notes=(
            *levels.notes,
            f"The {limit} markers with the lowest published mean agreed level, lowest first.",
        ),
    )


def _class_tables(
    extract: Extract,
    rule: Rule,
    base: Any,
    codes: list[str | None],
    names: list[str],
    index_of: dict[str | None, int],
) -> list[_Pending]:
    """Recommendations by class: by year, by region and by theme, linked by the class totals
    (a theme table counts a recommendation under each of its review's themes, so its totals
    are not England's and are not linked)."""
    classes = list(RECOMMENDATION_CLASSES)
    class_names = list(RECOMMENDATION_CLASSES.values())
    found = extract.recommendation_classes
    counted = found.by_year_and_region if found else ()
    themed = found.by_theme if found else ()
    years = sorted({r.year for r in counted})
    themes = sorted({r.theme for r in themed}, key=lambda t: extract.theme_names.get(t, t))
    by_year = [[0] * len(classes) for _ in years]
    by_region = [[0] * len(classes) for _ in codes]
    by_theme = [[0] * len(classes) for _ in themes]
    for r in counted:
        if r.class_code in classes:
            j = classes.index(r.class_code)
            by_year[years.index(r.year)][j] += r.count
            by_region[index_of.get(r.region_code, len(codes) - 1)][j] += r.count
    for t in themed:
        if t.class_code in classes:
            by_theme[themes.index(t.theme)][classes.index(t.class_code)] += t.count
    notes = (
        "Recommendations of reviews whose peer quality assurance feedback was released in the "
        "period, by the class each was given: training, procedure or policy, system "
        "conditions, or national.",
    )
    totals: dict[tuple[int, int], Hashable] = {
        (len(years), j): ("recommendations", j) for j in range(len(classes) + 1)
    }
    region_totals: dict[tuple[int, int], Hashable] = {
        (len(codes), j): ("recommendations", j) for j in range(len(classes) + 1)
    }
    return [
        _Pending(
            base(
                "recommendation-classes-by-year",
                QUALITY,
                "Recommendations by class and year",
                "Year feedback was released",
                [*class_names, TOTAL],
                chart_column=len(classes),
                notes=(ENGLAND_ONLY, *notes),
            ),
            Grid(tuple(tuple(r) for r in by_year), keys=totals, empty_width=len(classes)),
            [str(y) for y in years],
            [None] * len(years),
            class_names,
            rule,
        ),
        _Pending(
            base(
                "recommendation-classes-by-region",
                QUALITY,
                "Recommendations by class and region",
                "Region",
                [*class_names, TOTAL],
                region_axis="rows",
                chart_column=len(classes),
                notes=(*notes, "Counted in the commissioning partnership's region."),
            ),
            Grid(tuple(tuple(r) for r in by_region), keys=region_totals),
            names,
            list(codes),
            class_names,
            rule,
        ),
        _Pending(
            base(
                "recommendation-classes-by-theme",
                QUALITY,
                "Recommendations by class and theme",
                "Theme",
                [*class_names, TOTAL],
                chart_column=len(classes),
                notes=(
                    ENGLAND_ONLY,
                    *notes,
                    "A review with several themes counts under each, so the themes do not "
                    "add up to the number of recommendations.",
                ),
            ),
            Grid(tuple(tuple(r) for r in by_theme), column_totals=False, empty_width=len(classes)),
            [extract.theme_names.get(t, t) for t in themes],
            [None] * len(themes),
            class_names,
            rule,
        ),
    ]


def _yes_no(cell: Cell) -> Cell:
    if not cell.published:
        return cell
    return Cell(None, "Yes" if cell.value else "No")


def _places_summary(rows: Sequence[TableRow]) -> str:
    short = [r.label for r in rows if not r.total and r.cells[3].symbol == "Yes"]
    england = rows[-1]
    text = (
        f"This quarter {_cell_or(england.cells[0], 'places')} are offered in England and "
        f"{_cell_or(england.cells[1], 'commissions')} are running."
    )
    if short:
        text += " Short of capacity: " + ", ".join(short) + "."
    else:
        text += " No region is shown as short of capacity."
    return text


def _generic_summary(table: SafeTable, rows: Sequence[TableRow]) -> str:
    column = table.chart_column if table.chart_column is not None else 0
    body = [r for r in rows if not r.total]
    if not body:
        return f"{table.title}: nothing to show for the period."
    total_row = next((r for r in rows if r.total), None)
    if table.region_axis == "columns" or total_row is None:
        published = [r for r in body if r.cells[column].published and r.cells[column].value]
        top = max(published, key=lambda r: r.cells[column].value or 0, default=None)
        if top is None:
            return f"{table.title}: every figure is zero or suppressed."
        where = table.columns[column]
        return (
            f"{table.title}: {top.label} has the largest published figure for {where} "
            f"({top.cells[column].text})."
        )
    total = total_row.cells[column]
    published = [r for r in body if r.cells[column].published and r.cells[column].value]
    top = max(published, key=lambda r: r.cells[column].value or 0, default=None)
    text = f"{table.title}: {_cell_or(total, 'in England')}."
    if top is not None:
        text += f" The largest published figure is {top.label} ({top.cells[column].text})."
    return text


# Days: medians and 90th percentiles


def duration_table(
    key: str,
    title: str,
    row_heading: str,
    durations: Sequence[tuple[str, Durations]],
    rule: Rule,
    today: date,
    notes: Sequence[str],
) -> SafeTable:
    """Counts with their median and 90th percentile days, each suppressed below the threshold
    (a median of three applications would describe those three)."""
    rows = []
    for label, days in durations:
        n = days.count
        count = Cell(None, SUPPRESSED) if 0 < n < rule.threshold else Cell(float(n))
        rows.append(
            TableRow(
                label,
                (
                    count,
                    statistic_cell(days.median, n, rule),
                    statistic_cell(days.p90, n, rule),
                ),
            )
        )
    published = [r for r in rows if r.cells[1].published]
    summary = (
        "; ".join(f"{r.label}: median {r.cells[1].text} days" for r in published[:4]) + "."
        if published
        else f"{title}: too few to publish for the period."
    )
    return SafeTable(
        key=key,
        section=PIPELINE,
        title=title,
        row_heading=row_heading,
        columns=("Applications", "Median days", "90th percentile days"),
        rows=tuple(rows),
        extracted_on=today,
        rule=rule.text,
        summary=summary,
        notes=(ENGLAND_ONLY, *notes),
        chart_column=1,
    )


def pipeline_durations(extract: Extract, rule: Rule) -> list[SafeTable]:
    in_state = {d.key: d for d in extract.days_in_state}
    return [
        duration_table(
            "days-to-decision",
            "Days from submission to decision",
            "Year of decision",
            [(d.key, d) for d in extract.days_to_decision],
            rule,
            extract.today,
            ("First decisions made in the period; days from submission, in calendar days.",),
        ),
        duration_table(
            "days-in-state",
            "Days in each state",
            "State",
            [(STATE_LABELS[s], in_state[s]) for s in STATE_LABELS if s in in_state],
            rule,
            extract.today,
            (
                "Time from entering a state to leaving it, for spells that ended in the period, "
                "from each application's status history.",
            ),
        ),
    ]


def concentration_table(extract: Extract, rule: Rule) -> SafeTable:
    """The share of commissions in the period done by the busiest 10% of accredited
    reviewers."""
    c = extract.concentration
    busiest = math.ceil(c.accredited_reviewers / 10) if c.accredited_reviewers else 0
    total = sum(c.per_reviewer)
    top = sum(c.per_reviewer[:busiest])
    total_cell = Cell(None, SUPPRESSED) if 0 < total < rule.threshold else Cell(float(total))
    busiest_cell = Cell(None, SUPPRESSED) if 0 < busiest < rule.threshold else Cell(float(busiest))
    share = (
        Cell(None, NOT_APPLICABLE)
        if total == 0
        else Cell(None, SUPPRESSED)
        if not total_cell.published or not busiest_cell.published
        else Cell(100 * top / total, places=1)
    )
    summary = (
        f"The busiest 10% of reviewers did {share.text}% of the commissions started in the period."
        if share.published
        else "Too few commissions or reviewers to publish the share for the period."
    )
    return SafeTable(
        key="concentration",
        section=CAPACITY,
        title="Concentration of commissions",
        row_heading="Measure",
        columns=("Value",),
        rows=(
            TableRow("Commissions started in the period", (total_cell,)),
            TableRow("Reviewers in the busiest 10%", (busiest_cell,)),
            TableRow("Share of commissions done by the busiest 10% (%)", (share,)),
        ),
        extracted_on=extract.today,
        rule=rule.text,
        summary=summary,
        notes=(
            ENGLAND_ONLY,
            "The busiest 10% is a tenth of reviewers accredited today (rounded "
            "up), those with the most commissions starting in the period.",
        ),
    )


# The extract's facts each table is built from, with those of every table it shares figures
# with (their suppression is linked through the shared keys: the reviewers' totals, England's
# CPD and audit totals, the recommendation classes' totals), so a download of one table reads
# only these and still shows the very cells the dashboard does.
_REVIEWERS = frozenset({"reviewers_by_level", "reviewers_by_quarter", "diversity"})
_MARKERS = frozenset({"marker_levels"})
_CLASSES = frozenset({"recommendation_classes"})
TABLE_FACTS: dict[str, frozenset[str]] = {
    "reviewers-by-region-and-level": _REVIEWERS,
    "reviewers-by-quarter": _REVIEWERS,
    "reviewers-by-specialism": frozenset({"reviewers_by_specialism"}),
    "places-this-quarter": frozenset({"places_this_quarter"}),
    "places-by-quarter": frozenset({"places_by_quarter"}),
    "notifications-by-region": frozenset({"notifications"}),
    "commissions-by-region": frozenset({"commissions"}),
    "expiring-accreditations": frozenset({"expiries"}),
    "concentration": frozenset({"concentration"}),
    "applications-by-state": frozenset({"applications_by_state"}),
    "outcomes-by-year": frozenset({"outcomes"}),
    "assessor-load": frozenset({"assessor_load"}),
    "days-to-decision": frozenset({"days_to_decision"}),
    "days-in-state": frozenset({"days_in_state"}),
    "cpd-compliance-by-region": frozenset({"compliance"}),
    "cpd-compliance-by-year": frozenset({"compliance"}),
    "cpd-hours-by-domain": frozenset({"domain_hours"}),
    "diversity-ethnicity": _REVIEWERS,
    "diversity-sex": _REVIEWERS,
    "diversity-disability": _REVIEWERS,
    "diversity-age": _REVIEWERS,
    "cpd-audit-by-year": frozenset({"audit_outcomes"}),
    "cpd-audit-by-region": frozenset({"audit_outcomes"}),
    "qa-grades-by-year": frozenset({"grades"}),
    "qa-marker-levels": _MARKERS,
    "qa-lowest-markers": _MARKERS,
    "qa-marker-levels-by-year": _MARKERS,
    "learning-conditions-by-year": frozenset({"condition_counts"}),
    "national-recommendations-by-response": frozenset({"response_counts"}),
    "recommendation-classes-by-year": _CLASSES,
    "recommendation-classes-by-region": _CLASSES,
    "recommendation-classes-by-theme": _CLASSES,
}


def all_tables(
    extract: Extract, rule: Rule, only: Collection[str] | None = None
) -> list[SafeTable]:
    """Every table of the dashboard in its order, or only those named (which must include every
    table they share suppression with: see `linked_tables`)."""

    def wanted(key: str) -> bool:
        return only is None or key in only

    tables = build_tables(extract, rule, only=only)
    if wanted("concentration"):
        tables.insert(
            next((i for i, t in enumerate(tables) if t.section != CAPACITY), len(tables)),
            concentration_table(extract, rule),
        )
    durations = (
        [t for t in pipeline_durations(extract, rule) if wanted(t.key)]
        if (wanted("days-to-decision") or wanted("days-in-state"))
        else []
    )
    pipeline = [i for i, t in enumerate(tables) if t.section == PIPELINE]
    at = pipeline[-1] + 1 if pipeline else len(tables)
    tables[at:at] = durations
    levels = next((i for i, t in enumerate(tables) if t.key == "qa-marker-levels"), None)
    if levels is not None and wanted("qa-lowest-markers"):
        tables.insert(levels + 1, lowest_markers(tables[levels]))
    return tables


def linked_tables(key: str) -> frozenset[str]:
    """The table and every table it shares suppression with: those built from no facts but
    the ones it reads."""
    facts = TABLE_FACTS[key]
    return frozenset(k for k, needs in TABLE_FACTS.items() if needs <= facts)


def for_region(table: SafeTable, region_code: str | None, region_name: str = "") -> SafeTable:
    """The table cut to one region (its row or column, and England's), after suppression, so
    a region's view shows the very cells England's view does."""
    if region_code is None:
        return table
    if table.region_axis == "rows":
        rows = tuple(r for r in table.rows if r.total or r.region_code == region_code)
        return replace(table, rows=rows)
    if table.region_axis == "columns":
        keep = [i for i, code in enumerate(table.column_regions) if code == region_code]
        keep.append(len(table.columns) - 1)
        rows = tuple(replace(r, cells=tuple(r.cells[i] for i in keep)) for r in table.rows)
        columns = tuple(table.columns[i] for i in keep)
        return replace(
            table,
            rows=rows,
            columns=columns,
            column_regions=tuple(
                table.column_regions[i] if i < len(table.column_regions) else None for i in keep
            ),
            chart_column=0 if table.chart_column is not None else None,
        )
    return table


# Downloads


def defuse(value: object) -> object:
    """Text a spreadsheet would run as a formula, prefixed with ' so it is shown as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_frame(table: SafeTable) -> pd.DataFrame:
    """The table as published: numbers as numbers, symbols as text, labels defused."""
    records = [[defuse(row.label), *(cell.plain for cell in row.cells)] for row in table.rows]
    columns = [table.row_heading, *table.columns]
    return pd.DataFrame.from_records(records, columns=columns).astype(object)


def notes_frame(table: SafeTable, filters: str) -> pd.DataFrame:
    lines = [
        ("Title", table.title),
        ("Source", table.source),
        ("Date extracted", table.extracted_on.isoformat()),
        ("Filters", filters),
        ("Suppression and rounding", table.rule),
        *(("Note", note) for note in table.notes),
        *((f"Symbol '{symbol}'", words) for symbol, words in SYMBOLS.items()),
    ]
    return pd.DataFrame.from_records(
        [(defuse(k), defuse(v)) for k, v in lines], columns=["Item", "Detail"]
    )


def to_csv(table: SafeTable, filters: str) -> bytes:
    """UTF-8 with a byte order mark; the notes follow the table after a blank line."""
    frame = table_frame(table)
    text: str = frame.to_csv(index=False, lineterminator="\r\n")
    notes: str = notes_frame(table, filters).to_csv(
        index=False, header=False, lineterminator="\r\n"
    )
    return ("\r\n".join([text.rstrip("\r\n"), "", notes])).encode("utf-8-sig")


def to_xlsx(table: SafeTable, filters: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table_frame(table).to_excel(writer, index=False, sheet_name="Table")
        notes_frame(table, filters).to_excel(writer, index=False, sheet_name="Notes")
    return buffer.getvalue()
