"""The CPD audit, peer QA quality and recommendation class tables: figures worked out by hand,
suppressed with their partners, and the same in downloads."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from portal.reporting.disclosure import Rule
from portal.reporting.facts import (
    AuditOutcomeCount,
    ClassCount,
    Extract,
    GradeCount,
    MarkerLevelCount,
    Period,
    RecommendationClasses,
    RegionName,
    ThemeClassCount,
)
from portal.reporting.frames import SECTIONS, all_tables, chart_of, linked_tables, to_csv

pytestmark = pytest.mark.no_db

TODAY = date(2026, 11, 26)
N, Y, L = "E12000001", "E12000003", "E12000007"
REGIONS = [
    RegionName(N, "North East"),
    RegionName(Y, "Yorkshire and The Humber"),
    RegionName(L, "London"),
]
GRADES = {1: "Inadequate", 2: "Requires improvement", 3: "Good", 4: "Outstanding"}


def extract(**changes) -> Extract:
    found = Extract(
        period=Period(date(2024, 1, 1), TODAY),
        today=TODAY,
        regions=REGIONS,
        grade_labels=GRADES,
        level_labels=GRADES,
    )
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def table(tables, key):
    return next(t for t in tables if t.key == key)


def texts(t):
    return {row.label: [c.text for c in row.cells] for row in t.rows}


def test_audit_outcomes_by_year_and_region_with_englands_row_shared():
    tables = all_tables(
        extract(
            audit_outcomes=[
                AuditOutcomeCount(2025, Y, 20, 12, 5, 3, 0),
                AuditOutcomeCount(2025, L, 30, 20, 6, 4, 2),
                AuditOutcomeCount(2026, Y, 8, 6, 1, 1, 0),
            ]
        ),
        Rule(),
    )
    by_year = texts(table(tables, "cpd-audit-by-year"))
    # 2026's single advice and not met are suppressed, and 2025's beside them in each column;
    # the 2 overdue in 2025 takes England's overdue with it (the other year has none).
    assert by_year["2025"] == ["50", "32", "c", "c", "c"]
    assert by_year["2026"] == ["8", "6", "c", "c", "0"]
    assert by_year["England"] == ["58", "38", "12", "8", "c"]
    by_region = texts(table(tables, "cpd-audit-by-region"))
    # England's row is one figure in both tables: its overdue is suppressed here too.
    assert by_region["Yorkshire and The Humber"] == ["28", "18", "6", "c", "0"]
    assert by_region["London"] == ["30", "20", "6", "c", "c"]
    assert by_region["England"] == by_year["England"]
    assert "North East" in by_region and by_region["North East"] == ["0"] * 5
    assert all(t.section in SECTIONS for t in tables)


def test_no_audits_gives_empty_tables_with_a_summary():
    t = table(all_tables(extract(), Rule()), "cpd-audit-by-year")
    assert texts(t) == {"England": ["0"] * 5}
    assert "nothing" in t.summary or "0" in t.summary


def test_grade_distribution_by_year_suppresses_small_cells_and_their_partners():
    t = table(
        all_tables(
            extract(
                grades=[
                    GradeCount(2025, 2, 6),
                    GradeCount(2025, 3, 12),
                    GradeCount(2025, 4, 2),
                    GradeCount(2026, 1, 1),
                    GradeCount(2026, 3, 9),
                    GradeCount(2026, 4, 7),
                ]
            ),
            Rule(),
        ),
        "qa-grades-by-year",
    )
    assert t.columns == ("Inadequate", "Requires improvement", "Good", "Outstanding", "Total")
    rows = texts(t)
    # 2 Outstanding in 2025 takes the 6 beside it; 1 Inadequate in 2026 takes the 7; the
    # Requires improvement column then takes England's 6.
    assert rows["2025"] == ["0", "c", "12", "c", "20"]
    assert rows["2026"] == ["c", "0", "9", "c", "17"]
    # Each suppressed cell has a partner in its row and column: nothing can be subtracted out.
    for row in t.rows:
        hidden = [c for c in row.cells if not c.published]
        assert len(hidden) != 1
    assert rows["England"] == ["c", "c", "21", "9", "37"]


def _levels():
    """Marker A: 10 reviews in 2025 at levels 2 (4) and 3 (6), mean 2.6; in 2026, 3 reviews.
    Marker B: 8 reviews in 2025, all at 4. Marker C: 3 reviews in 2025 at level 1."""
    return [
        MarkerLevelCount(2025, "A", "Analysis", 1, 2, 4),
        MarkerLevelCount(2025, "A", "Analysis", 1, 3, 6),
        MarkerLevelCount(2026, "A", "Analysis", 1, 1, 3),
        MarkerLevelCount(2025, "B", "Family involvement", 2, 4, 8),
        MarkerLevelCount(2025, "C", "Publication", 3, 1, 3),
    ]


def test_agreed_marker_levels_with_mean_and_counts():
    tables = all_tables(extract(marker_levels=_levels()), Rule())
    rows = texts(table(tables, "qa-marker-levels"))
    # Analysis: 3 at 1, 4 at 2, 6 at 3: 13 reviews, mean (3 + 8 + 18) / 13 = 2.23.
    assert rows["Analysis"] == ["c", "c", "6", "0", "13", "2.23"]
    assert rows["Family involvement"] == ["0", "0", "0", "8", "8", "4.00"]
    # Three reviews: the count and the mean are suppressed.
    assert rows["Publication"] == ["c", "0", "0", "0", "c", "c"]
    by_year = table(tables, "qa-marker-levels-by-year")
    assert by_year.columns == ("Reviews 2025", "Mean level 2025", "Reviews 2026", "Mean level 2026")
    assert texts(by_year)["Analysis"] == ["10", "2.60", "c", "c"]
    assert texts(by_year)["Family involvement"] == ["8", "4.00", "0", "z"]


def test_the_lowest_markers_rank_only_published_means():
    t = table(all_tables(extract(marker_levels=_levels()), Rule()), "qa-lowest-markers")
    assert [r.label for r in t.rows] == ["Analysis", "Family involvement"]
    assert texts(t)["Analysis"] == ["13", "2.23"]
    assert "Analysis" in t.summary and "2.23" in t.summary
    chart = chart_of(t)
    assert chart is not None and "Analysis: 2.23" in chart.description


def test_recommendation_classes_show_only_when_the_seam_returns_them():
    assert not any(
        t.key.startswith("recommendation-classes") for t in all_tables(extract(), Rule())
    )
    classes = RecommendationClasses(
        by_year_and_region=(
            ClassCount(2025, Y, "training", 14),
            ClassCount(2025, Y, "system", 6),
            ClassCount(2025, L, "training", 9),
            ClassCount(2025, L, "national", 2),
            ClassCount(2026, L, "procedure", 11),
        ),
        by_theme=(
            ThemeClassCount("neglect", "training", 20),
            ThemeClassCount("neglect", "system", 6),
            ThemeClassCount("online-harm", "national", 2),
        ),
    )
    tables = all_tables(
        extract(recommendation_classes=classes, theme_names={"neglect": "Neglect"}), Rule()
    )
    by_year = texts(table(tables, "recommendation-classes-by-year"))
    assert by_year["2025"] == ["23", "0", "c", "c", "31"]
    assert by_year["2026"] == ["0", "11", "0", "0", "11"]
    by_region = texts(table(tables, "recommendation-classes-by-region"))
    assert by_region["England"] == by_year["England"] == ["23", "11", "c", "c", "42"]
    assert by_region["Yorkshire and The Humber"] == ["c", "0", "c", "0", "20"]
    assert by_region["London"] == ["c", "11", "0", "c", "22"]
    by_theme = texts(table(tables, "recommendation-classes-by-theme"))
    assert by_theme["Neglect"] == ["20", "0", "6", "0", "26"]
    assert by_theme["online-harm"] == ["0", "0", "0", "c", "c"]


def test_the_quality_downloads_carry_the_suppressed_cells_and_notes():
    t = table(all_tables(extract(marker_levels=_levels()), Rule()), "qa-marker-levels")
    text = to_csv(t, "England").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Marker"
    publication = next(r for r in rows if r and r[0] == "Publication")
    assert publication[1:] == ["c", "0", "0", "0", "c", "c"]
    assert any(r and r[0] == "Suppression and rounding" for r in rows)


def _every_fact() -> Extract:
    """An extract with small figures in every fact, so linked suppression has work to do."""
    from portal.reporting.facts import (
        AssessorLoad,
        CategoryCount,
        ComplianceCount,
        Concentration,
        ConditionCount,
        DomainHours,
        Durations,
        OutcomeCount,
        Quarter,
        QuarterPlaces,
        QuarterRegionCount,
        RegionCommissions,
        RegionCount,
        RegionExpiries,
        RegionNotifications,
        RegionPlaces,
        ResponseCount,
        StateCount,
    )

    quarter = Quarter(date(2026, 10, 1), date(2026, 12, 31))
    return extract(
        reviewers_by_level=[RegionCount(Y, "reviewer", 30), RegionCount(L, "reviewer", 3)],
        quarters=[quarter],
        reviewers_by_quarter=[
            QuarterRegionCount(quarter, Y, 30),
            QuarterRegionCount(quarter, L, 3),
        ],
        reviewers_by_specialism=[RegionCount(Y, "neglect", 12), RegionCount(L, "neglect", 2)],
        places_this_quarter=[RegionPlaces(Y, 20, 12, 4), RegionPlaces(L, 2, 2, 1)],
        places_by_quarter=[QuarterPlaces(quarter, 22, 14, 5)],
        notifications=[RegionNotifications(Y, 13, 12)],
        commissions=[RegionCommissions("London", 3, 10.0)],
        concentration=Concentration(33, (3, 2, 1)),
        expiries=[RegionExpiries(Y, 2, 9, 1)],
        applications_by_state=[StateCount("submitted", "initial", 7)],
        days_to_decision=[Durations.of("2026", (10.0, 20.0, 30.0, 40.0, 100.0))],
        days_in_state=[Durations.of("submitted", (1.0, 2.0))],
        assessor_load=[AssessorLoad(2, 1), AssessorLoad(0, 0)],
        outcomes=[OutcomeCount(2026, "accredit", 12), OutcomeCount(2026, "decline", 2)],
        compliance=[ComplianceCount(Y, 2026, 20, 3), ComplianceCount(L, 2026, 2, 0)],
        domain_hours=[DomainHours("Analysis", 3, 40), DomainHours("Practice", 12, 400)],
        audit_outcomes=[AuditOutcomeCount(2026, Y, 20, 12, 5, 3, 0)],
        grades=[GradeCount(2026, 2, 6), GradeCount(2026, 4, 2)],
        marker_levels=_levels(),
        recommendation_classes=RecommendationClasses(
            by_year_and_region=(
                ClassCount(2026, Y, "training", 14),
                ClassCount(2026, L, "system", 2),
            ),
            by_theme=(ThemeClassCount("neglect", "training", 3),),
        ),
        condition_counts=[ConditionCount(2026, "c1", "Condition", 1, 4)],
        response_counts=[ResponseCount(2026, "accepted", 6)],
        diversity={
            "ethnicity": [CategoryCount("White", Y, 28), CategoryCount("Not answered", Y, 2)],
            "sex": [CategoryCount("Female", L, 3)],
        },
    )


def test_a_download_reads_only_its_facts_and_shows_the_very_cells_of_the_dashboard():
    """Each table built from only the facts TABLE_FACTS names for it (what a download reads)
    is the table the dashboard shows: nothing it shares suppression with is left out."""
    from dataclasses import fields, replace

    from portal.reporting.frames import TABLE_FACTS
    from portal.reporting.queries import FACTS

    full = _every_fact()
    tables = all_tables(full, Rule())
    assert {t.key for t in tables} == set(TABLE_FACTS)
    assert set().union(*TABLE_FACTS.values()) == FACTS
    empty = Extract(period=full.period, today=TODAY, regions=REGIONS)
    for t in tables:
        partial = replace(
            full,
            **{
                f.name: getattr(empty, f.name)
                for f in fields(Extract)
                if f.name in FACTS and f.name not in TABLE_FACTS[t.key]
            },
        )
        assert table(all_tables(partial, Rule()), t.key) == t, t.key
        # Building only the table and those it shares suppression with gives it too.
        only = all_tables(partial, Rule(), linked_tables(t.key))
        assert {u.key for u in only} == linked_tables(t.key), t.key
        assert table(only, t.key) == t, t.key


def test_tables_sharing_suppression_read_the_same_facts():
    """A table's linked tables are those built from no facts but its own, and the link is
    mutual: each of them names the same set."""
    from portal.reporting.frames import TABLE_FACTS

    for key in TABLE_FACTS:
        assert key in linked_tables(key)
        for other in linked_tables(key):
            assert linked_tables(other) == linked_tables(key), (key, other)
    assert linked_tables("notifications-by-region") == {"notifications-by-region"}
    assert linked_tables("qa-lowest-markers") == {
        "qa-marker-levels",
        "qa-lowest-markers",
        "qa-marker-levels-by-year",
    }
