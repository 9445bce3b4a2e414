"""Reporting queries against small hand-made datasets, each figure worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.applications.models import (
    AccreditationStatus,
    AccreditationStatusChange,
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    Outcome,
    StatusChange,
)
from portal.core.dates import add_months, today_in_england
from portal.core.db import UTCDateTime
from portal.core.permissions import Role
from portal.extensions import db
from portal.register.commissioning_models import Commission, ReviewType
from portal.reporting import queries
from portal.reporting.facts import Durations, Period
from portal.reporting.models import (
    AgeBand,
    Disability,
    DiversityAnswers,
    Ethnicity,
    IncidentNotification,
    NotificationImport,
    Sex,
)
from tests.factories import (
    make_application,
    make_cpd_entry,
    make_cpd_requirements,
    make_entry,
    make_organisation,
    make_qa_review,
    make_record,
    make_region,
    make_rubric,
    make_user,
)

YORKSHIRE = "E12000003"
LONDON = "E12000007"


def _regions():
    make_region()
    make_region(code=LONDON, name="London")
    make_region(code="E12000001", name="North East")


def reviewer(region=YORKSHIRE, level="reviewer", starts_on=None, **record):
    """An accredited reviewer whose application gave `region` as their home region."""
    made = make_record(level=level, starts_on=starts_on, **record)
    db.session.get(Application, made.application_id).home_region_code = region
    db.session.commit()
    return made


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def today():
    return today_in_england()


def test_reviewers_by_region_and_level(today):
    _regions()
    for _ in range(3):
        reviewer()
    reviewer(level="lead_reviewer")
    reviewer(LONDON)
    reviewer(LONDON)
    reviewer(LONDON, status="lapsed")
    reviewer(LONDON, status="suspended")
    found = {(r.region_code, r.key): r.count for r in queries.reviewers_by_level(today)}
    assert found == {
        (YORKSHIRE, "reviewer"): 3,
        (YORKSHIRE, "lead_reviewer"): 1,
        (LONDON, "reviewer"): 2,
    }


def test_an_empty_database_has_no_reviewers(today):
    assert queries.reviewers_by_level(today) == []
    assert queries.expiries(today) == []
    assert queries.compliance(Period(today - timedelta(days=365), today), today) == []


def test_reviewers_at_each_quarter_end_follow_the_status_history(today):
    _regions()
    this = queries.quarter_of(today)
    last = queries.quarter_of(this.starts_on - timedelta(days=1))
    long_ago = this.starts_on - timedelta(days=400)
    # Accredited long ago, lapsed on the first day of this quarter.
    lapsed = reviewer(starts_on=long_ago)
    lapsed.history[0].occurred_at = at(long_ago)
    lapsed.status = AccreditationStatus.LAPSED
    db.session.add(
        AccreditationStatusChange(
            record=lapsed,
            from_status=AccreditationStatus.ACCREDITED,
            to_status=AccreditationStatus.LAPSED,
            reason="Lapsed",
            occurred_at=at(this.starts_on, 0),
        )
    )
    # Accredited long ago and still.
    steady = reviewer(LONDON, starts_on=long_ago)
    steady.history[0].occurred_at = at(long_ago)
    # Accredited today: counts in this quarter only.
    reviewer()
    db.session.commit()
    found = {
        (r.quarter.label, r.region_code): r.count
        for r in queries.reviewers_by_quarter([last, this], today)
    }
    assert found == {
        (last.label, YORKSHIRE): 1,
        (last.label, LONDON): 1,
        (this.label, LONDON): 1,
        (this.label, YORKSHIRE): 1,
    }


def test_quarters_between_dates():
    found = queries.quarters_between(date(2025, 2, 10), date(2025, 11, 1))
    assert [q.label for q in found] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert len(queries.quarters_between(date(2010, 1, 1), date(2025, 1, 1))) == 12


def test_specialisms_count_each_reviewer_under_each(today):
    _regions()
    a = reviewer()
    make_entry(a.user, specialisms=("neglect", "domestic-abuse"))
    b = reviewer(LONDON)
    make_entry(b.user, regions=(LONDON,), specialisms=("neglect",))
    found = {(r.region_code, r.key): r.count for r in queries.reviewers_by_specialism(today)}
    assert found == {
        (YORKSHIRE, "neglect"): 1,
        (YORKSHIRE, "domestic-abuse"): 1,
        (LONDON, "neglect"): 1,
    }


def _commission(partnership, reviewer_user, starts_on, ends_on, shortlisted_days=None):
    commissioner = make_user(roles=[Role.COMMISSIONER], organisation=partnership)
    commission = Commission(
        partnership_id=partnership.id,
        reviewer_id=reviewer_user.id,
        recorded_by_id=commissioner.id,
        review_type=ReviewType.LCSPR,
        starts_on=starts_on,
        expected_end_on=ends_on,
        recorded_at=at(starts_on),
        shortlisted_at=at(starts_on) - timedelta(days=shortlisted_days)
        if shortlisted_days is not None
        else None,
    )
    db.session.add(commission)
    db.session.commit()
    return commission


def test_places_and_commissions_this_quarter(today):
    _regions()
    quarter = queries.quarter_of(today)
    offering = []
    for places in (2, 3):
        record = reviewer()
        make_entry(
            record.user, available_from=today - timedelta(days=1), reviews_per_quarter=places
        )
        offering.append(record)
    # Available only after this quarter: no places now.
    later = reviewer()
    make_entry(
        later.user, available_from=quarter.ends_on + timedelta(days=1), reviews_per_quarter=4
    )
    # No availability set: no places.
    unset = reviewer(LONDON)
    make_entry(unset.user, regions=(LONDON,), reviews_per_quarter=2)
    yorkshire = make_organisation()
    london = make_organisation(region=make_region(code=LONDON, name="London"))
    _commission(yorkshire, offering[0].user, quarter.starts_on, quarter.ends_on)
    _commission(london, offering[1].user, quarter.starts_on, quarter.ends_on)
    _commission(
        london,
        offering[1].user,
        quarter.starts_on - timedelta(days=100),
        quarter.starts_on - timedelta(days=1),
    )
    found = {r.region_code: r for r in queries.places_this_quarter(today)}
    assert (found[YORKSHIRE].places, found[YORKSHIRE].reviewers_offering) == (5, 2)
    assert found[YORKSHIRE].commissions_running == 1
    assert (found[LONDON].places, found[LONDON].commissions_running) == (0, 1)
    by_quarter = queries.places_by_quarter(today)
    assert [q.places for q in by_quarter] == [5, 9, 9, 9]
    assert [q.commissions_running for q in by_quarter] == [2, 0, 0, 0]
    assert [q.reviewers_offering for q in by_quarter] == [2, 3, 3, 3]


def test_commissions_by_region_and_concentration(today):
    _regions()
    records = [reviewer() for _ in range(20)]
    partnership = make_organisation()
    start = today - timedelta(days=30)
    # The busiest reviewer has 3 commissions, another 2, a third 1: 6 in all.
    for n, record in zip((3, 2, 1), records, strict=False):
        for _ in range(n):
            _commission(
                partnership, record.user, start, start + timedelta(days=60), shortlisted_days=10
            )
    period = Period(today - timedelta(days=90), today)
    (row,) = queries.commissions_by_region(period)
    assert (row.region_name, row.commissions, row.median_days_to_commission) == (
        "Yorkshire and The Humber",
        6,
        10.0,
    )
    found = queries.concentration(period, today)
    assert found.accredited_reviewers == 20
    assert found.per_reviewer == (3, 2, 1)


def test_expiries_and_renewals_in_progress(today):
    _regions()
    # Expires in 3 months, 9 months, 2 years.
    reviewer(starts_on=add_months(today, 3 - 36))
    reviewer(starts_on=add_months(today, 9 - 36))
    reviewer(LONDON, starts_on=add_months(today, 9 - 36))
    reviewer()
    renewing = make_application(status=ApplicationStatus.SUBMITTED)
    renewing.kind = ApplicationKind.RENEWAL
    drafted = make_application(status=ApplicationStatus.DRAFT)
    drafted.kind = ApplicationKind.RENEWAL
    db.session.commit()
    found = {r.region_code: r for r in queries.expiries(today)}
    assert (found[YORKSHIRE].within_6_months, found[YORKSHIRE].within_12_months) == (1, 2)
    assert found[YORKSHIRE].renewals_in_progress == 1
    assert (found[LONDON].within_6_months, found[LONDON].within_12_months) == (0, 1)
    assert found[LONDON].renewals_in_progress == 0


def _decided(submitted: date, decided: date, outcome=Outcome.ACCREDIT):
    application = make_application(status=ApplicationStatus.DECIDED)
    application.submitted_at = at(submitted)
    admin = make_user(roles=[Role.ADMINISTRATOR])
    db.session.add(
        Decision(
            application_id=application.id,
            decided_by_id=admin.id,
            decided_at=at(decided),
            outcome=outcome,
            reasons="Invented reasons.",
            appeal_by=decided + timedelta(days=28),
        )
    )
    db.session.commit()
    return application


def test_pipeline_states_durations_and_outcomes(today):
    _regions()
    make_application(status=ApplicationStatus.SUBMITTED)
    make_application(status=ApplicationStatus.SUBMITTED)
    make_application()
    base = today - timedelta(days=200)
    for days in (10, 20, 30, 40, 100):
        _decided(base, base + timedelta(days=days))
    _decided(base, base + timedelta(days=50), Outcome.DECLINE)
    found = {(s.status, s.kind): s.count for s in queries.applications_by_state()}
    assert found == {
        ("submitted", "initial"): 2,
        ("draft", "initial"): 1,
        ("decided", "initial"): 6,
    }
    period = Period(today - timedelta(days=365), today)
    durations = queries.days_to_decision(period)
    by_year: dict[str, list[int]] = {}
    for days in (10, 20, 30, 40, 50, 100):
        by_year.setdefault(str((base + timedelta(days=days)).year), []).append(days)
    # Counts, medians and 90th percentiles (in SQL on PostgreSQL) as the rules define them.
    assert durations == [Durations.of(year, days) for year, days in sorted(by_year.items())]
    if len(by_year) == 1:
        assert (durations[0].count, durations[0].median, durations[0].p90) == (6, 35, 75)
    outcomes = {(o.outcome, o.year): o.count for o in queries.outcomes_by_year(period)}
    assert sum(n for (outcome, _), n in outcomes.items() if outcome == "accredit") == 5
    assert sum(n for (outcome, _), n in outcomes.items() if outcome == "decline") == 1
    # Outside the period: nothing.
    old = Period(today - timedelta(days=3000), today - timedelta(days=2000))
    assert queries.days_to_decision(old) == []
    assert queries.outcomes_by_year(old) == []


def test_days_in_each_state_from_the_history(today):
    application = make_application(status=ApplicationStatus.DRAFT)
    start = today - timedelta(days=40)
    application.status_changes[0].occurred_at = at(start)
    for status, days in (
        (ApplicationStatus.SUBMITTED, 5),
        (ApplicationStatus.IN_ASSESSMENT, 8),
        (ApplicationStatus.AWAITING_DECISION, 20),
    ):
        db.session.add(
            StatusChange(
                application=application,
                to_status=status,
                occurred_at=at(start + timedelta(days=days)),
            )
        )
    db.session.commit()
    found = {
        d.key: (d.count, d.median, d.p90)
        for d in queries.days_in_state(Period(today - timedelta(days=60), today))
    }
    assert found == {
        "draft": (1, 5.0, 5.0),
        "submitted": (1, 3.0, 3.0),
        "in_assessment": (1, 12.0, 12.0),
    }


def test_assessor_load_counts_open_and_overdue_without_names(today):
    busy = make_user(roles=[Role.ASSESSOR])
    make_user(roles=[Role.QA_LEAD])
    for due, submitted in (
        (today - timedelta(days=1), None),
        (today + timedelta(days=5), None),
        (today, at(today)),
    ):
        application = make_application(status=ApplicationStatus.IN_ASSESSMENT)
        db.session.add(
            Allocation(
                application_id=application.id,
                assessor_id=busy.id,
                purpose=AllocationPurpose.ASSESSMENT,
                due_on=due,
                submitted_at=submitted,
            )
        )
    db.session.commit()
    found = sorted((a.open_assessments, a.overdue) for a in queries.assessor_load(today))
    assert found == [(0, 0), (2, 1)]


def test_cpd_compliance_by_region_and_year(today):
    _regions()
    make_cpd_requirements()
    # Two years ago: the first CPD year has closed.
    starts = today - timedelta(days=500)
    met = reviewer(starts_on=starts)
    not_met = reviewer(LONDON, starts_on=starts)
    # The test requirements ask for records and peer discussions each year.
    for i in range(6):
        make_cpd_entry(met, on=starts + timedelta(days=10 + i), peer=True)
    make_cpd_entry(not_met, on=starts + timedelta(days=10))
    period = Period(today - timedelta(days=365 * 3), today)
    found = {(c.region_code, c.met, c.not_met) for c in queries.compliance(period, today)}
    year_end = (starts.replace(year=starts.year + 1) - timedelta(days=1)).year
    assert {(r, m, n) for r, m, n in found} == {(YORKSHIRE, 1, 0), (LONDON, 0, 1)}
    assert {c.year for c in queries.compliance(period, today)} == {year_end}


def _judged_in_python(records, period, today):
    """The CPD rules' own judgement of every closed year, counted as compliance() counts."""
    from portal.cpd import queries as cpd_queries
    from portal.cpd.models import CpdEntry, EntryStatus
    from portal.cpd.rules import EntryFacts, cpd_years, in_force_on, judge_year

    timeline = cpd_queries.requirement_timeline({r.scheme_id for r in records})
    last = min(period.ends_on, today - timedelta(days=1))
    counts = {}
    for record in records:
        entries = [
            EntryFacts(
                True,
                e.ends_on or e.starts_on,
                0,
                0,
                bool(e.peer_discussion),
                frozenset(),
                frozenset(),
            )
            for e in db.session.scalars(
                sa.select(CpdEntry).where(
                    CpdEntry.record_id == record.id, CpdEntry.status == EntryStatus.COMPLETED
                )
            )
        ]
        for year in cpd_years(record.starts_on, record.expires_on):
            if period.starts_on <= year.ends_on <= last:
                document = in_force_on(timeline[record.scheme_id], year.starts_on)
                met = judge_year(entries, document, year, today).met
                key = (YORKSHIRE, year.ends_on.year)
                counts.setdefault(key, [0, 0])[0 if met else 1] += 1
    return {(r, y, m, n) for (r, y), (m, n) in counts.items()}


def test_cpd_compliance_keeps_the_year_boundaries_and_the_requirements_in_force(today):
    """The SQL judges the years as the CPD rules do: a term starting on 29 February, a last
    year cut short by the expiry, activities on a year's first and last days, drafts, and a
    change of requirements that applies to years starting on or after its publication."""
    _regions()
    make_cpd_requirements()  # 2 records, 1 with a peer discussion, from 2020
    make_cpd_requirements(
        version="2.0",
        published_at=datetime(2023, 6, 1, 9, tzinfo=UTC),
        each_year={"records": 3, "peer_discussion": 0},
    )
    leap = reviewer(starts_on=date(2020, 2, 29))  # expires 28 February 2023
    for peer in (True, False):
        make_cpd_entry(leap, on=date(2021, 2, 27), peer=peer)  # the first year's last day
    make_cpd_entry(leap, on=date(2021, 2, 28), peer=True)  # the second year's first day
    make_cpd_entry(leap, on=date(2021, 5, 1), peer=True, completed=False)
    short = reviewer(starts_on=date(2021, 6, 10))
    short.expires_on = date(2022, 9, 1)
    db.session.commit()
    for _ in range(2):
        make_cpd_entry(short, on=date(2022, 8, 31), peer=True)  # the cut-short year's last day
    make_cpd_entry(short, on=date(2022, 9, 1), peer=True)  # after the expiry: in no year
    later = reviewer(starts_on=date(2023, 6, 1))  # judged by version 2.0 from its first year
    for _ in range(2):
        make_cpd_entry(later, on=date(2023, 7, 1), peer=True)
    for _ in range(3):
        make_cpd_entry(later, on=date(2024, 7, 1))
    period = Period(date(2020, 1, 1), date(2025, 12, 31))
    found = {(c.region_code, c.year, c.met, c.not_met) for c in queries.compliance(period, today)}
    assert found == {
        (YORKSHIRE, 2021, 1, 0),  # leap year 1 (to 27 February 2021): met
        (YORKSHIRE, 2022, 1, 2),  # leap year 2 not met; short year 1 not met, year 2 met
        (YORKSHIRE, 2023, 0, 1),  # leap year 3
        (YORKSHIRE, 2024, 0, 1),  # later year 1: 2 records where 2.0 asks for 3
        (YORKSHIRE, 2025, 1, 0),  # later year 2: 3 records, no peer discussion needed
    }
    assert found == _judged_in_python([leap, short, later], period, today)
    narrower = Period(date(2022, 6, 9), date(2022, 8, 31))  # ends exactly on two years' ends
    assert {(c.year, c.met, c.not_met) for c in queries.compliance(narrower, today)} == {
        (2022, 1, 1)
    }


def test_a_year_is_counted_in_utc_whatever_the_database_sessions_time_zone(today):
    """A decision at 23:30 UTC on 31 December counts in that year, even where the database
    session's time zone is a day ahead (PostgreSQL would otherwise take the year there)."""
    from portal.core.sql_dates import utc_year

    _regions()
    late = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    application = _decided(date(2025, 12, 11), date(2025, 12, 31))
    db.session.execute(
        sa.update(Decision).where(Decision.application_id == application.id).values(decided_at=late)
    )
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET TIME ZONE 'Pacific/Kiritimati'"))  # UTC+14
        assert db.session.scalar(sa.select(sa.extract("year", sa.literal(late)))) == 2026
    assert db.session.scalar(sa.select(utc_year(sa.literal(late, UTCDateTime())))) == 2025
    period = Period(date(2025, 12, 1), date(2025, 12, 31))
    assert [(o.year, o.count) for o in queries.outcomes_by_year(period)] == [(2025, 1)]
    assert [d.key for d in queries.days_to_decision(period)] == ["2025"]


def test_years_are_added_in_sql_as_in_python():
    from portal.core.dates import add_years
    from portal.core.sql_dates import add_days
    from portal.core.sql_dates import add_years as sql_add_years

    for day in (date(2020, 2, 29), date(2021, 2, 28), date(2023, 12, 31), date(2024, 3, 1)):
        for years in (-1, 0, 1, 3, 4):
            found = db.session.scalar(sa.select(sql_add_years(sa.literal(day, sa.Date), years)))
            assert found == add_years(day, years), (day, years)
        assert db.session.scalar(sa.select(add_days(sa.literal(day, sa.Date), -1))) == (
            day - timedelta(days=1)
        )


def test_cpd_hours_by_domain(today):
    _regions()
    record = reviewer()
    make_cpd_entry(record, on=today - timedelta(days=5), competencies=("AB1",), hours=8)
    make_cpd_entry(record, on=today - timedelta(days=4), competencies=("AB1", "CD1"), hours=4)
    make_cpd_entry(record, on=today - timedelta(days=3), completed=False, hours=40)
    found = {
        d.domain: (d.reviewers, d.quarter_hours)
        for d in queries.hours_by_domain(Period(today - timedelta(days=30), today))
    }
    assert sum(q for _, q in found.values()) == 8 + 4 + 4
    assert all(n == 1 for n, _ in found.values())


def _cycle(opened_on: date):
    from decimal import Decimal

    from portal.cpd.audit_models import CpdAuditCycle

    admin = make_user(roles=[Role.ADMINISTRATOR])
    scheme_id = make_record().scheme_id
    cycle = CpdAuditCycle(
        scheme_id=scheme_id,
        opened_on=opened_on,
        opened_by_id=admin.id,
        percent=Decimal("5"),
        seed=1,
        due_on=opened_on + timedelta(days=21),
    )
    db.session.add(cycle)
    db.session.commit()
    return cycle


def _selected(cycle, region, status, outcome=None, *, due_on=None, overdue=False):
    from portal.cpd.audit_models import (
        AuditOutcome,
        AuditStatus,
        CpdAuditSelection,
        SelectionReason,
    )

    record = reviewer(region)
    db.session.add(
        CpdAuditSelection(
            cycle_id=cycle.id,
            record_id=record.id,
            user_id=record.user_id,
            reason=SelectionReason.DRAWN,
            status=AuditStatus(status),
            outcome=AuditOutcome(outcome) if outcome else None,
            year_starts_on=cycle.opened_on - timedelta(days=365),
            year_ends_on=cycle.opened_on - timedelta(days=1),
            due_on=due_on or cycle.due_on,
            overdue_at=at(cycle.opened_on) if overdue else None,
        )
    )
    db.session.commit()


def test_cpd_audit_outcomes_by_year_of_cycle_and_region(today):
    _regions()
    last_year = _cycle(date(today.year - 1, 3, 1))
    this_year = _cycle(date(today.year, 1, 10))
    _cycle(date(today.year - 5, 1, 1))  # before the period: not counted
    _selected(last_year, YORKSHIRE, "accepted", "accepted")
    _selected(last_year, YORKSHIRE, "advice", "advice")
    _selected(last_year, LONDON, "closed", "not_met", overdue=True)
    # Waiting for the record, its deadline passed: overdue without an outcome.
    _selected(this_year, LONDON, "requested", due_on=today - timedelta(days=1))
    _selected(this_year, LONDON, "submitted")
    period = Period(date(today.year - 2, 1, 1), today)
    found = sorted(queries.cpd_audit_outcomes(period, today), key=lambda r: (r.year, r.region_code))
    assert [
        (r.year, r.region_code, r.selected, r.accepted, r.advice, r.not_met, r.overdue)
        for r in found
    ] == [
        (today.year - 1, YORKSHIRE, 2, 1, 1, 0, 0),
        (today.year - 1, LONDON, 1, 0, 0, 1, 1),
        (today.year, LONDON, 2, 0, 0, 0, 1),
    ]
    assert queries.cpd_audit_outcomes(Period(today + timedelta(days=1), today), today) == []


def _qa_review(completed_on: date, grade: int, levels: dict[str, int], status="completed"):
    from portal.peer_qa import queries as qa_queries
    from portal.peer_qa.models import AgreedMarkerScore

    review = make_qa_review(status=status)
    review.completed_at = at(completed_on)
    review.agreed_grade = grade
    for marker in qa_queries.markers_of(review.rubric_id):
        if marker.code in levels:
            db.session.add(
                AgreedMarkerScore(
                    review_id=review.id, marker_id=marker.id, level=levels[marker.code]
                )
            )
    db.session.commit()
    return review


def test_qa_grades_and_agreed_marker_levels_by_year(today):
    from portal.peer_qa import queries as qa_queries

    rubric = make_rubric()
    first, second = (m.code for m in qa_queries.markers_of(rubric.id)[:2])
    last_year = date(today.year - 1, 6, 1)
    _qa_review(last_year, 3, {first: 2, second: 3})
    _qa_review(last_year, 3, {first: 2})
    _qa_review(today, 2, {first: 1}, status="responded")
    # Not released: neither counts.
    _qa_review(today, 4, {first: 4}, status="moderation")
    period = Period(date(today.year - 2, 1, 1), today)
    assert sorted((g.year, g.grade, g.count) for g in queries.qa_grades(period)) == [
        (today.year - 1, 3, 2),
        (today.year, 2, 1),
    ]
    found = sorted(
        (m.year, m.marker_code, m.level, m.count) for m in queries.qa_marker_levels(period)
    )
    assert found == sorted(
        [
            (today.year - 1, first, 2, 2),
            (today.year - 1, second, 3, 1),
            (today.year, first, 1, 1),
        ]
    )
    overall, levels = queries.qa_scale_labels()
    assert overall[3] == "Good" and levels[1] == "Inadequate"
    assert queries.qa_grades(Period(today + timedelta(days=1), today)) == []


def test_recommendation_classes_by_year_region_and_theme(today):
    london = make_organisation(region=make_region(code=LONDON, name="London"))
    yorkshire = make_organisation(region=make_region())
    training = "Practitioners should attend refresher training on neglect."
    system = "The partnership should fund a shared caseload measure across agencies by March."
    national = "The Department for Education should issue national guidance on infant sleep."

    def released(on, partnership, recommendations, themes, status="completed"):
        review = make_qa_review(
            status=status,
            partnership=partnership,
            recommendations=recommendations,
            themes=themes,
        )
        review.completed_at = at(on)
        db.session.commit()

    last_year = date(today.year - 1, 6, 1)
    released(last_year, london, (training, system), ("neglect", "infant-deaths"))
    released(today, yorkshire, (training, national), ("neglect",), status="responded")
    # Not released, and released outside the period: neither counts.
    released(today, yorkshire, (system,), ("neglect",), status="moderation")
    released(date(today.year - 3, 1, 1), london, (system,), ("neglect",))

    classes = queries.recommendation_classes(Period(date(today.year - 2, 1, 1), today))
    assert sorted(
        (c.year, c.region_code, c.class_code, c.count) for c in classes.by_year_and_region
    ) == [
        (today.year - 1, LONDON, "system", 1),
        (today.year - 1, LONDON, "training", 1),
        (today.year, YORKSHIRE, "national", 1),
        (today.year, YORKSHIRE, "training", 1),
    ]
    assert sorted((t.theme, t.class_code, t.count) for t in classes.by_theme) == [
        ("infant-deaths", "system", 1),
        ("infant-deaths", "training", 1),
        ("neglect", "national", 1),
        ("neglect", "system", 1),
        ("neglect", "training", 2),
    ]
    empty = queries.recommendation_classes(Period(today + timedelta(days=1), today))
    assert empty.by_year_and_region == () and empty.by_theme == ()


def test_notifications_by_region_and_month(today):
    _regions()
    york = make_organisation()
    london = make_organisation(region=make_region(code=LONDON, name="London"))
    analyst = make_user(roles=[Role.ANALYST])
    batch = NotificationImport(filename="n.csv", sha256="0" * 64, loaded_by_id=analyst.id)
    db.session.add(batch)
    db.session.flush()
    month = today.replace(day=1)
    for org, when, n in (
        (york, month, 4),
        (york, add_months(month, -1), 3),
        (london, month, 0),
        (london, add_months(month, -30), 9),
    ):
        db.session.add(
            IncidentNotification(
                partnership_id=org.id, month=when, notifications=n, import_id=batch.id
            )
        )
    db.session.commit()
    found = {
        (r.region_code, r.notifications, r.months_loaded)
        for r in queries.notifications_by_region(Period(add_months(today, -6), today))
    }
    assert found == {(YORKSHIRE, 7, 2), (LONDON, 0, 1)}


def test_diversity_counts_current_reviewers_with_those_not_answering(today):
    _regions()
    answered = reviewer()
    reviewer()
    lapsed = reviewer(status="lapsed")
    for record in (answered, lapsed):
        db.session.add(
            DiversityAnswers(
                user_id=record.user_id,
                ethnicity=Ethnicity.IRISH,
                sex=Sex.FEMALE,
                disability=Disability.PREFER_NOT_TO_SAY,
                age_band=AgeBand.FROM_45_TO_54,
            )
        )
    db.session.commit()
    found = queries.diversity(today)
    assert {(c.category, c.region_code, c.count) for c in found["ethnicity"]} == {
        ("White", YORKSHIRE, 1),
        ("Not answered", YORKSHIRE, 1),
    }
    assert {(c.category, c.count) for c in found["disability"]} == {
        ("Prefer not to say", 1),
        ("Not answered", 1),
    }
    assert {(c.category, c.count) for c in found["age_band"]} == {
        ("45 to 54", 1),
        ("Not answered", 1),
    }


def test_loaded_figures_read_only_the_months_named(today):
    _regions()
    york = make_organisation(code="york-test")
    analyst = make_user(roles=[Role.ANALYST])
    batch = NotificationImport(filename="n.csv", sha256="0" * 64, loaded_by_id=analyst.id)
    db.session.add(batch)
    db.session.flush()
    db.session.add(
        IncidentNotification(
            partnership_id=york.id, month=date(2025, 1, 1), notifications=2, import_id=batch.id
        )
    )
    db.session.add(
        IncidentNotification(
            partnership_id=york.id, month=date(2025, 2, 1), notifications=5, import_id=batch.id
        )
    )
    db.session.commit()
    codes = queries.partnership_codes()
    assert codes["york-test"] == york.id
    assert queries.loaded_figures(
        codes, [("york-test", date(2025, 2, 1)), ("nobody", date(2025, 2, 1))]
    ) == {("york-test", date(2025, 2, 1)): 5}
