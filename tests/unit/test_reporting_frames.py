"""The dashboard's tables from a hand-made extract: suppression applied before anything shows
them, regions cut after it, charts and downloads saying what the table says."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from portal.reporting.disclosure import Rule
from portal.reporting.facts import (
    CategoryCount,
    ComplianceCount,
    Concentration,
    DomainHours,
    Durations,
    Extract,
    Period,
    Quarter,
    QuarterRegionCount,
    RegionCount,
    RegionName,
    RegionNotifications,
    RegionPlaces,
    StateCount,
)
from portal.reporting.frames import (
    all_tables,
    chart_of,
    concentration_table,
    defuse,
    for_region,
    table_frame,
    to_csv,
    to_xlsx,
)

pytestmark = pytest.mark.no_db

TODAY = date(2026, 11, 26)
N, Y, L = "E12000001", "E12000003", "E12000007"
REGIONS = [
    RegionName(N, "North East"),
    RegionName(Y, "Yorkshire and The Humber"),
    RegionName(L, "London"),
]


def extract(**changes) -> Extract:
    found = Extract(
        period=Period(date(2025, 11, 27), TODAY),
        today=TODAY,
        regions=REGIONS,
        reviewers_by_level=[
            RegionCount(Y, "reviewer", 30),
            RegionCount(Y, "lead_reviewer", 3),
            RegionCount(L, "reviewer", 40),
            RegionCount(L, "lead_reviewer", 12),
        ],
    )
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def table(tables, key):
    return next(t for t in tables if t.key == key)


def texts(t):
    return {row.label: [c.text for c in row.cells] for row in t.rows}


def test_reviewers_by_region_and_level_suppress_small_cells_and_their_partners():
    t = table(all_tables(extract(), Rule()), "reviewers-by-region-and-level")
    assert t.columns == ("Lead reviewer", "Reviewer", "Total")
    rows = texts(t)
    # Yorkshire's 3 lead reviewers are suppressed, and London's 12 with them (the column
    # total would give them away), then each row's next smallest.
    assert rows["Yorkshire and The Humber"] == ["c", "c", "33"]
    assert rows["London"] == ["c", "c", "52"]
    assert rows["North East"] == ["0", "0", "0"]
    assert rows["England"] == ["15", "70", "85"]
    assert "fewer" not in t.rule and "Counts from 1 to 4 are suppressed" in t.rule


def test_a_higher_threshold_suppresses_more():
    t = table(all_tables(extract(), Rule(threshold=13)), "reviewers-by-region-and-level")
    assert texts(t)["London"][0] == "c"
    assert "Counts from 1 to 12" in t.rule


def test_diversity_tables_share_the_regions_totals_with_the_reviewers_table():
    answers = [
        CategoryCount("White", Y, 31),
        CategoryCount("Not answered", Y, 2),
        CategoryCount("White", L, 50),
        CategoryCount("Asian or Asian British", L, 2),
    ]
    tables = all_tables(extract(diversity={"ethnicity": answers}), Rule())
    ethnicity = table(tables, "diversity-ethnicity")
    rows = texts(ethnicity)
    assert ethnicity.columns == ("North East", "Yorkshire and The Humber", "London", "England")
    assert rows["Asian or Asian British"] == ["0", "0", "c", "c"]
    assert rows["Not answered"] == ["0", "c", "0", "c"]
    # Each region's total is the same figure as in the reviewers' table.
    assert rows["England"] == ["0", "33", "52", "85"]
    for row in ethnicity.rows:
        for cell in row.cells:
            assert cell.text == "c" or cell.value is None or cell.value == 0 or cell.value >= 5


def test_a_region_view_shows_the_very_cells_of_england_view():
    tables = all_tables(extract(), Rule())
    england = table(tables, "reviewers-by-region-and-level")
    london = for_region(england, L)
    assert [r.label for r in london.rows] == ["London", "England"]
    assert texts(london)["London"] == texts(england)["London"]
    quarters = table(
        all_tables(
            extract(
                quarters=[Quarter(date(2026, 10, 1), date(2026, 12, 31))],
                reviewers_by_quarter=[
                    QuarterRegionCount(Quarter(date(2026, 10, 1), date(2026, 12, 31)), L, 52)
                ],
            ),
            Rule(),
        ),
        "reviewers-by-quarter",
    )
    cut = for_region(quarters, L)
    assert cut.columns == ("London", "England")
    assert texts(cut) == {"2026 Q4 (to date)": ["52", "52"]}


def test_places_are_hidden_where_few_reviewers_offer_them():
    places = [
        RegionPlaces(Y, places=9, reviewers_offering=3, commissions_running=12),
        RegionPlaces(L, places=30, reviewers_offering=10, commissions_running=8),
    ]
    t = table(all_tables(extract(places_this_quarter=places), Rule()), "places-this-quarter")
    rows = texts(t)
    assert rows["Yorkshire and The Humber"][0] == "c"
    assert rows["Yorkshire and The Humber"][2:] == ["c", "c"]
    # London's places would give Yorkshire's away through England's total.
    assert rows["London"][0] == "c"
    assert rows["England"] == ["39", "20", "51.3", "No"]


def test_notifications_are_rounded_and_missing_regions_marked_not_available():
    figures = [RegionNotifications(Y, 14, 12), RegionNotifications(L, 56, 12)]
    t = table(all_tables(extract(notifications=figures), Rule()), "notifications-by-region")
    rows = texts(t)
    assert rows["Yorkshire and The Humber"] == ["10"]
    assert rows["London"] == ["60"]
    assert rows["North East"] == ["x"]
    assert rows["England"] == ["70"]
    assert "may not sum to totals" in t.rule
    empty = table(all_tables(extract(), Rule()), "notifications-by-region")
    assert texts(empty)["England"] == ["x"]


def test_rates_and_medians_are_suppressed_with_their_counts():
    compliance = [ComplianceCount(Y, 2025, 20, 3), ComplianceCount(L, 2025, 40, 10)]
    t = table(all_tables(extract(compliance=compliance), Rule()), "cpd-compliance-by-region")
    rows = texts(t)
    assert rows["Yorkshire and The Humber"] == ["c", "c", "23", "c"]
    assert rows["England"] == ["60", "13", "73", "82.2"]
    by_year = table(all_tables(extract(compliance=compliance), Rule()), "cpd-compliance-by-year")
    assert texts(by_year)["2025"] == ["60", "13", "73", "82.2"]
    durations = table(
        all_tables(
            extract(
                days_to_decision=[
                    Durations.of("2025", (10.0, 20.0, 30.0)),
                    Durations.of("2026", (10.0, 20.0, 30.0, 40.0, 100.0)),
                ]
            ),
            Rule(),
        ),
        "days-to-decision",
    )
    assert texts(durations) == {"2025": ["c", "c", "c"], "2026": ["5", "30.0", "76.0"]}


def test_hours_are_hidden_where_few_reviewers_logged_them():
    hours = [DomainHours("Analysis", 3, 40), DomainHours("Practice", 12, 400)]
    t = table(all_tables(extract(domain_hours=hours), Rule()), "cpd-hours-by-domain")
    assert texts(t) == {"Analysis": ["c", "c"], "Practice": ["12", "100.0"]}


def test_concentration_share_of_the_busiest_tenth():
    found = concentration_table(
        extract(concentration=Concentration(40, (6, 4, 3, 3, 2, 1, 1))), Rule()
    )
    assert texts(found) == {
        "Commissions started in the period": ["20"],
        "Reviewers in the busiest 10%": ["c"],
        "Share of commissions done by the busiest 10% (%)": ["c"],
    }
    found = concentration_table(
        extract(concentration=Concentration(50, (6, 4, 3, 3, 2, 1, 1))), Rule()
    )
    assert texts(found)["Share of commissions done by the busiest 10% (%)"] == ["90.0"]
    nothing = concentration_table(extract(), Rule())
    assert texts(nothing)["Share of commissions done by the busiest 10% (%)"] == ["z"]


def test_applications_by_state_have_margins():
    states = [StateCount("submitted", "initial", 7), StateCount("decided", "initial", 20)]
    t = table(all_tables(extract(applications_by_state=states), Rule()), "applications-by-state")
    assert texts(t)["Submitted"] == ["7", "0", "7"]
    assert texts(t)["England"] == ["27", "0", "27"]


def test_a_chart_labels_every_bar_and_draws_none_for_a_symbol():
    t = table(all_tables(extract(), Rule()), "reviewers-by-region-and-level")
    chart = chart_of(t)
    assert chart is not None
    labels = [bar[0] for bar in chart.bars]
    # The region not known is left out when it holds only zeros.
    assert labels == ["North East", "Yorkshire and The Humber", "London"]
    assert [bar[1] for bar in chart.bars] == ["0", "33", "52"]
    assert chart.bars[2][4] > chart.bars[1][4] > 0 == chart.bars[0][4]
    assert "London: 52" in chart.description and t.summary in chart.description
    hidden = chart_of(table(all_tables(extract(), Rule()), "reviewers-by-quarter"))
    assert hidden is None


def test_summaries_say_the_headline_in_words():
    t = table(all_tables(extract(), Rule()), "reviewers-by-region-and-level")
    assert t.summary == (
        "Accredited reviewers by region and level: 85 in England. "
        "The largest published figure is London (52)."
    )


def test_downloads_say_what_the_page_says_with_notes():
    t = table(all_tables(extract(), Rule()), "reviewers-by-region-and-level")
    rows = list(csv.reader(io.StringIO(to_csv(t, "filters").decode("utf-8-sig"))))
    assert rows[0] == ["Region", "Lead reviewer", "Reviewer", "Total"]
    assert rows[2] == ["Yorkshire and The Humber", "c", "c", "33"]
    notes = {r[0]: r[1] for r in rows[len(t.rows) + 2 :] if r}
    assert notes["Source"] == "Reviewer accreditation portal"
    assert notes["Date extracted"] == "2026-11-26"
    assert notes["Suppression and rounding"] == t.rule
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(t, "filters")))
    assert book.sheetnames == ["Table", "Notes"]
    sheet = [list(r) for r in book["Table"].iter_rows(values_only=True)]
    assert sheet[2] == ["Yorkshire and The Humber", "c", "c", 33]
    notes_sheet = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True)}
    assert notes_sheet["Suppression and rounding"] == t.rule
    assert notes_sheet["Filters"] == "filters"


def test_labels_that_look_like_formulas_are_defused():
    assert defuse("=1+1") == "'=1+1"
    assert defuse("@SUM(A1)") == "'@SUM(A1)"
    assert defuse("London") == "London"
    hours = [DomainHours('=HYPERLINK("http://x")', 12, 400)]
    t = table(all_tables(extract(domain_hours=hours), Rule()), "cpd-hours-by-domain")
    assert table_frame(t).iloc[0, 0].startswith("'=")


def test_this_quarter_and_the_regions_totals_are_suppressed_together():
    quarter = Quarter(date(2026, 10, 1), date(2026, 12, 31))
    earlier = Quarter(date(2026, 7, 1), date(2026, 9, 30))
    by_level = [
        RegionCount(N, "reviewer", 3),
        RegionCount(Y, "reviewer", 6),
        RegionCount(Y, "lead_reviewer", 6),
        RegionCount(L, "reviewer", 40),
    ]
    by_quarter = [
        QuarterRegionCount(earlier, Y, 9),
        QuarterRegionCount(earlier, L, 38),
        QuarterRegionCount(quarter, N, 3),
        QuarterRegionCount(quarter, Y, 12),
        QuarterRegionCount(quarter, L, 40),
    ]
    tables = all_tables(
        extract(
            reviewers_by_level=by_level,
            quarters=[earlier, quarter],
            reviewers_by_quarter=by_quarter,
        ),
        Rule(),
    )
    totals = {
        r.label: r.cells[-1].text for r in table(tables, "reviewers-by-region-and-level").rows
    }
    now = texts(table(tables, "reviewers-by-quarter"))["2026 Q4 (to date)"]
    assert now == [
        totals["North East"],
        totals["Yorkshire and The Humber"],
        totals["London"],
        totals["England"],
    ]
    assert now[0] == "c"


def test_reviewers_whose_region_is_not_known_are_shown_when_there_are_some():
    by_level = [*extract().reviewers_by_level, RegionCount(None, "reviewer", 7)]
    t = table(
        all_tables(extract(reviewers_by_level=by_level), Rule()), "reviewers-by-region-and-level"
    )
    assert "Region not known" in texts(t)
    assert texts(t)["England"][-1] == "92"
    nothing_hidden = [RegionCount(Y, "reviewer", 30), RegionCount(None, "reviewer", 7)]
    t = table(
        all_tables(extract(reviewers_by_level=nothing_hidden), Rule()),
        "reviewers-by-region-and-level",
    )
    assert texts(t)["Region not known"] == ["7", "7"]
