"""CPD rules at their boundaries: years, drafts, peer discussions, areas, hours."""

from __future__ import annotations

from datetime import date

import pytest

from config.settings import CONFIG_DIR
from portal.core.documents import read_yaml
from portal.cpd.rules import (
    CpdYear,
    EntryData,
    EntryFacts,
    YearState,
    cpd_years,
    entry_problems,
    format_hours,
    hours_by_domain,
    hours_problems,
    in_force_on,
    is_locked,
    judge_term,
    judge_year,
    parse_hours,
    year_of,
)
from portal.cpd.schema import parse_requirements

pytestmark = pytest.mark.no_db

SHIPPED = parse_requirements(read_yaml(CONFIG_DIR / "cpd" / "cspr" / "2026.1.yaml"))
START = date(2026, 4, 1)
YEARS = cpd_years(START, date(2029, 4, 1))
YEAR1 = YEARS[0]


def with_hours(total: float = 35, participatory: float = 20):
    raw = {**SHIPPED.raw, "over_term": {**SHIPPED.raw["over_term"]}}
    raw["over_term"]["hours"] = {"required": True, "total": total, "participatory": participatory}
    return parse_requirements(raw)


def entry(
    on: date | None = date(2026, 6, 1),
    *,
    completed: bool = True,
    peer: bool = False,
    hours: float = 2,
    participatory: float = 1,
    domains: tuple[str, ...] = (),
) -> EntryFacts:
    return EntryFacts(
        completed=completed,
        counts_on=on,
        hours=int(hours * 4),
        participatory_hours=int(participatory * 4),
        peer_discussion=peer,
        competencies=frozenset(f"{d}1" for d in domains),
        domains=frozenset(domains),
    )


def result(judgement, code):
    return next(r for r in judgement.results if r.code == code)


# CPD years


def test_the_years_run_from_anniversary_to_the_day_before_the_next():
    assert [
        CpdYear(1, date(2026, 4, 1), date(2027, 3, 31)),
        CpdYear(2, date(2027, 4, 1), date(2028, 3, 31)),
        CpdYear(3, date(2028, 4, 1), date(2029, 3, 31)),
    ] == YEARS


def test_a_term_starting_on_29_february_has_years_ending_on_27_february():
    years = cpd_years(date(2028, 2, 29), date(2031, 2, 28))
    assert years[0].ends_on == date(2029, 2, 27)
    assert years[-1].ends_on == date(2031, 2, 27)


def test_an_entry_on_the_last_day_counts_in_that_year_and_the_next_day_in_the_next():
    assert year_of(YEARS, date(2027, 3, 31)).number == 1
    assert year_of(YEARS, date(2027, 4, 1)).number == 2
    two = [entry(date(2026, 4, 1)), entry(date(2027, 3, 31))]
    assert judge_year(two, SHIPPED, YEAR1, date(2026, 5, 1)).completed == 2
    late = [entry(date(2026, 4, 1)), entry(date(2027, 4, 1))]
    assert judge_year(late, SHIPPED, YEAR1, date(2026, 5, 1)).completed == 1
    assert judge_year(late, SHIPPED, YEARS[1], date(2026, 5, 1)).completed == 1


def test_an_entry_before_the_term_counts_in_no_year():
    judged = judge_year([entry(date(2026, 3, 31))] * 2, SHIPPED, YEAR1, date(2026, 5, 1))
    assert judged.completed == 0


def test_days_left_include_today_and_end_at_zero():
    assert YEAR1.days_left(date(2027, 3, 31)) == 1
    assert YEAR1.days_left(date(2027, 3, 1)) == 31
    assert YEAR1.days_left(date(2027, 4, 1)) == 0


def test_entries_lock_the_day_after_their_year_closes():
    assert not is_locked(YEARS, date(2026, 6, 1), date(2027, 3, 31))
    assert is_locked(YEARS, date(2026, 6, 1), date(2027, 4, 1))
    assert not is_locked(YEARS, None, date(2030, 1, 1))


def test_the_state_of_a_year_follows_today():
    assert judge_year([], SHIPPED, YEAR1, date(2027, 4, 1)).state is YearState.CLOSED
    assert judge_year([], SHIPPED, YEAR1, date(2027, 3, 31)).state is YearState.CURRENT
    assert judge_year([], SHIPPED, YEARS[1], date(2027, 3, 31)).state is YearState.FUTURE


# Each year: records and peer discussion


def test_exactly_two_completed_records_with_one_peer_discussion_meet_the_year():
    judged = judge_year([entry(peer=True), entry()], SHIPPED, YEAR1, date(2026, 7, 1))
    assert judged.met
    assert result(judged, "records").missing is None


def test_one_record_is_not_enough_and_says_what_is_missing():
    judged = judge_year([entry(peer=True)], SHIPPED, YEAR1, date(2026, 7, 1))
    assert not judged.met
    assert result(judged, "records").missing == "1 more completed record"
    assert result(judged, "peer_discussion").met


def test_a_draft_does_not_count():
    entries = [entry(peer=True), entry(completed=False)]
    judged = judge_year(entries, SHIPPED, YEAR1, date(2026, 7, 1))
    assert result(judged, "records").done == "1 completed record"
    assert not judged.met


def test_a_draft_with_a_peer_discussion_does_not_count_for_the_peer_rule():
    judged = judge_year(
        [entry(), entry(), entry(completed=False, peer=True)], SHIPPED, YEAR1, date(2026, 7, 1)
    )
    assert result(judged, "records").met
    peer = result(judged, "peer_discussion")
    assert not peer.met
    assert peer.missing == "1 more record with a peer discussion"


# Over the term: areas and hours


def test_each_area_must_be_touched_once_over_the_term():
    entries = [entry(domains=("EEDI",)), entry(date(2028, 5, 1), domains=("SYS", "AB"))]
    judged = judge_term(entries, SHIPPED, YEARS)
    assert result(judged, "area:eedi").met
    assert result(judged, "area:systems").met
    families = result(judged, "area:families")
    assert not families.met
    assert "involving children and families" in families.missing
    assert not judged.met
    judged = judge_term([*entries, entry(domains=("FAM",))], SHIPPED, YEARS)
    assert judged.met


def test_an_area_touched_only_by_a_draft_or_outside_the_term_is_not_met():
    entries = [
        entry(domains=("EEDI",), completed=False),
        entry(date(2029, 4, 1), domains=("EEDI",)),
    ]
    assert not result(judge_term(entries, SHIPPED, YEARS), "area:eedi").met


def test_hours_are_off_by_default():
    judged = judge_term([], SHIPPED, YEARS)
    assert [r.code for r in judged.results] == ["area:eedi", "area:systems", "area:families"]


def test_hours_exactly_at_the_minimum_are_met_and_a_quarter_less_is_not():
    rules = with_hours(35, 20)
    enough = [entry(hours=17.5, participatory=10), entry(hours=17.5, participatory=10)]
    judged = judge_term(enough, rules, YEARS)
    assert result(judged, "hours").met
    assert result(judged, "participatory_hours").met
    short = [entry(hours=17.5, participatory=10), entry(hours=17.25, participatory=9.75)]
    judged = judge_term(short, rules, YEARS)
    assert result(judged, "hours").missing == "0.25 more hours"
    assert result(judged, "participatory_hours").missing == "0.25 more participatory hours"


# Hours typed in


@pytest.mark.parametrize(
    ("typed", "quarters"), [("1.5", 6), ("2", 8), (" 0.25 ", 1), ("200", 800), ("", None)]
)
def test_hours_are_read_in_quarter_hours(typed, quarters):
    assert parse_hours(typed) == quarters


@pytest.mark.parametrize("typed", ["1.3", "abc", "0.1", "NaN", "1e400x"])
def test_hours_that_are_not_quarter_hours_are_refused(typed):
    with pytest.raises(ValueError, match=r"(?i)hours"):
        parse_hours(typed)


def test_hours_are_written_back_without_trailing_zeros():
    assert [format_hours(q) for q in (1, 4, 6, 800)] == ["0.25", "1", "1.5", "200"]


def test_hours_have_bounds_and_participatory_cannot_exceed_them():
    assert hours_problems(1, 0) == []
    assert hours_problems(800, 800) == []
    assert [f for f, _ in hours_problems(0, 0)] == ["hours"]
    assert [f for f, _ in hours_problems(801, 0)] == ["hours"]
    assert [f for f, _ in hours_problems(4, 5)] == ["participatory_hours"]
    assert [f for f, _ in hours_problems(4, -1)] == ["participatory_hours"]


# What a complete entry needs


def data(**changes) -> EntryData:
    values = {
        "activity_type": "formal_course",
        "title": "Systems analysis course",
        "description": "Two days on systems methods.",
        "relevance": "I lead reviews.",
        "starts_on": date(2026, 6, 1),
        "ends_on": None,
        "provider": "Invented provider",
        "hours": 8,
        "participatory_hours": 4,
        "competencies": ("SYS1",),
        "learning": "How to explain why.",
        "impact": "Better analysis for families.",
        "peer_discussion": False,
        "peer_name": None,
        "peer_role": None,
        "peer_learning": None,
    }
    values.update(changes)
    return EntryData(**values)


def test_a_draft_needs_only_a_title():
    blank = data(
        activity_type=None,
        description=None,
        relevance=None,
        starts_on=None,
        hours=None,
        participatory_hours=None,
        competencies=(),
        learning=None,
        impact=None,
        peer_discussion=None,
    )
    assert entry_problems(blank, complete=False, today=date(2026, 7, 1)) == []
    missing = [f for f, _ in entry_problems(blank, complete=True, today=date(2026, 7, 1))]
    assert {"activity_type", "starts_on", "hours", "learning", "impact"} <= set(missing)
    no_title = [f for f, _ in entry_problems(data(title=" "), complete=False, today=START)]
    assert no_title == ["title"]


def test_a_complete_entry_with_a_peer_discussion_names_the_peer_and_what_was_learned():
    today = date(2026, 7, 1)
    assert entry_problems(data(), complete=True, today=today) == []
    missing = [f for f, _ in entry_problems(data(peer_discussion=True), complete=True, today=today)]
    assert missing == ["peer_name", "peer_role", "peer_learning"]


def test_participatory_hours_above_the_hours_are_refused_even_in_a_draft():
    problems = entry_problems(data(hours=4, participatory_hours=5), complete=False, today=START)
    assert [f for f, _ in problems] == ["participatory_hours"]


def test_a_completed_activity_must_have_happened_and_end_after_it_starts():
    today = date(2026, 7, 1)
    future = entry_problems(data(starts_on=date(2026, 7, 2)), complete=True, today=today)
    assert [f for f, _ in future] == ["starts_on"]
    backwards = data(starts_on=date(2026, 6, 2), ends_on=date(2026, 6, 1))
    assert [f for f, _ in entry_problems(backwards, complete=False, today=today)] == ["ends_on"]


# Versions and the chart


def test_the_version_in_force_is_the_latest_published_by_that_day():
    versions = [(date(2026, 1, 1), "a"), (date(2027, 6, 1), "b")]
    assert in_force_on(versions, date(2027, 5, 31)) == "a"
    assert in_force_on(versions, date(2027, 6, 1)) == "b"
    assert in_force_on(versions, date(2025, 1, 1)) == "a"
    assert in_force_on([], date(2025, 1, 1)) is None


def test_hours_by_domain_count_an_activity_in_each_domain_it_developed():
    entries = [
        entry(hours=2, domains=("SYS", "FAM")),
        entry(hours=1, domains=("SYS",)),
        entry(hours=5, domains=("SYS",), completed=False),
    ]
    rows = hours_by_domain(entries, [("SYS", "Systems"), ("FAM", "Families"), ("EEDI", "E")])
    assert [(r.code, r.hours) for r in rows] == [("SYS", 12), ("FAM", 8), ("EEDI", 0)]


def test_spans_in_force_give_the_version_in_force_on_each_day():
    from portal.cpd.rules import in_force_spans

    versions = [(date(2022, 1, 1), "b"), (date(2021, 1, 1), "a"), (date(2022, 1, 1), "c")]
    spans = in_force_spans(versions)
    assert spans == [
        (None, date(2021, 1, 1), "a"),
        (date(2021, 1, 1), date(2022, 1, 1), "a"),
        (date(2022, 1, 1), None, "c"),
    ]
    for day in (date(2020, 6, 1), date(2021, 1, 1), date(2021, 12, 31), date(2022, 1, 1)):
        chosen = [
            v
            for since, until, v in spans
            if (since is None or since <= day) and (until is None or day < until)
        ]
        assert chosen == [in_force_on(versions, day)]
    assert in_force_spans([]) == []
