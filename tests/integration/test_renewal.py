"""Renewal: its window, its shorter task list reading the CPD record, and the term it gives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.applications import accreditation, decisions, queries, renewal, services
from portal.applications.models import (
    AccreditationStatus,
    ApplicationKind,
    ApplicationStatus,
    Outcome,
)
from portal.applications.tasks import progress, tasks_for
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import (
    make_cpd_entry,
    make_cpd_requirements,
    make_organisation,
    make_record,
    make_user,
)

START = date(2024, 1, 15)  # expires 15 January 2027; the window opens 15 July 2026


def _record(**kwargs):
    from portal.cpd.models import CpdRequirementVersion

    if db.session.query(CpdRequirementVersion).count() == 0:
        make_cpd_requirements()
    return make_record(starts_on=START, **kwargs)


def _meet_cpd(record):
    """Two records a year with a peer discussion, touching both areas, for each year so far."""
    for year in range(3):
        day = START.replace(year=START.year + year) + timedelta(days=30)
        make_cpd_entry(record, on=day, peer=True, competencies=("AB1",))
        make_cpd_entry(record, on=day + timedelta(days=1), competencies=("CD1",))
    db.session.commit()


def test_the_window_opens_six_months_before_expiry_and_closes_at_expiry():
    record = _record()
    span = renewal.window(record)
    assert span == renewal.Window(date(2026, 7, 15), date(2027, 1, 15))
    with pytest.raises(DomainError, match="from 15 July 2026"):
        renewal.start_renewal(record.user, record, today=date(2026, 7, 14))
    with pytest.raises(DomainError, match="until 15 January 2027"):
        renewal.start_renewal(record.user, record, today=date(2027, 1, 15))
    application = renewal.start_renewal(record.user, record, today=date(2026, 7, 15))
    assert application.kind is ApplicationKind.RENEWAL
    assert application.reference.startswith("TST-R")
    with pytest.raises(DomainError, match="already"):
        renewal.start_renewal(record.user, record, today=date(2026, 7, 16))


def test_only_the_holder_of_a_full_accreditation_renews():
    record = _record()
    with pytest.raises(NotPermitted):
        renewal.start_renewal(make_user(), record, today=date(2026, 8, 1))
    provisional = _record(status="provisional")
    with pytest.raises(InvalidTransition):
        renewal.start_renewal(provisional.user, provisional, today=date(2026, 8, 1))


def test_the_renewal_task_list_reads_the_cpd_record_and_needs_reviews_and_a_statement():
    record = _record()
    today = date(2026, 8, 1)
    application = renewal.start_renewal(record.user, record, today=today)
    assert [t.slug for t in tasks_for(application)] == [
        "personal-details",
        "interests",
        "dbs-check",
        "cpd-record",
        "completed-reviews",
        "renewal-statement",
    ]
    competencies = queries.competencies(application.framework_id)
    met = services.cpd_met(application, today)
    assert met is False
    state = progress(application, competencies, today=today, cpd_met=met)
    assert "registration" not in state.missing
    assert state.missing["cpd-record"]
    _meet_cpd(record)
    assert services.cpd_met(application, today) is True
    partnership = make_organisation()
    for n in (1, 2):
        renewal.add_completed_review(
            record.user,
            application,
            title=f"Invented review {n}",
            partnership=partnership,
            year=2025,
            role="lead",
            today=today,
        )
    with pytest.raises(DomainError, match="between 2024 and 2026"):
        renewal.add_completed_review(
            record.user,
            application,
            title="Too early",
            partnership=partnership,
            year=2019,
            role="lead",
            today=today,
        )
    state = progress(application, competencies, today=today, cpd_met=True)
    assert not state.missing["cpd-record"]
    assert not state.missing["completed-reviews"]
    assert state.missing["renewal-statement"]


def _complete(record, today):
    application = renewal.start_renewal(record.user, record, today=today)
    _meet_cpd(record)
    partnership = make_organisation()
    for n in (1, 2):
        renewal.add_completed_review(
            record.user,
            application,
            title=f"Invented review {n}",
            partnership=partnership,
            year=2025,
            role="co_lead",
            today=today,
        )
    services.save_section(
        record.user,
        application,
        "personal-details",
        {"phone": "01632 960 001", "home_region_code": partnership.region_code},
        version_id=None,
    )
    services.save_section(
        record.user,
        application,
        "dbs-check",
        {
            "dbs_certificate_number": "001234567890",
            "dbs_issued_on": today - timedelta(days=100),
            "dbs_update_service": True,
        },
        version_id=None,
    )
    services.confirm_interests(record.user, application, version_id=None)
    services.save_section(
        record.user,
        application,
        "renewal-statement",
        {"renewal_statement": "An invented statement about my practice. " * 5},
        version_id=None,
    )
    services.submit_application(
        record.user,
        application,
        queries.competencies(application.framework_id),
        declaration=True,
        version_id=None,
        today=today,
    )
    db.session.commit()
    return application


def test_a_complete_renewal_is_submitted_and_keeps_the_record_from_lapsing():
    record = _record()
    today = date(2026, 12, 1)
    application = _complete(record, today)
    assert application.status is ApplicationStatus.SUBMITTED
    assert accreditation.lapse_expired(today=record.expires_on) == 0
    assert record.status is AccreditationStatus.ACCREDITED


def test_a_draft_renewal_does_not_stop_the_record_lapsing():
    record = _record()
    renewal.start_renewal(record.user, record, today=date(2026, 12, 1))
    assert accreditation.lapse_expired(today=record.expires_on) == 1


def test_renewal_decided_before_expiry_continues_the_term_without_a_gap():
    record = _record()
    today = date(2026, 12, 1)
    application = _complete(record, today)
    application.status = ApplicationStatus.AWAITING_DECISION
    db.session.commit()
    decisions.record_decision(
        make_user(roles=[Role.ADMINISTRATOR]),
        application,
        decisions.DecisionInput(Outcome.ACCREDIT, "Renewed.", level="reviewer"),
        queries.competencies(application.framework_id),
        today=today,
    )
    assert record.starts_on == date(2027, 1, 15)
    assert record.expires_on == date(2030, 1, 15)


def test_reviews_that_completed_peer_qa_in_the_term_count_towards_a_renewal():
    from portal.core.db import utcnow
    from tests.factories import make_qa_review

    record = _record()
    today = date(2026, 8, 1)
    application = renewal.start_renewal(record.user, record, today=today)
    competencies = queries.competencies(application.framework_id)
    assert services.qa_reviews_in_term(application) == 0
    state = progress(application, competencies, today=today, cpd_met=True, qa_reviews=0)
    assert state.missing["completed-reviews"] and not state.started.get("completed-reviews")
    # Completed peer QA in the term counts; a review still with its assessors does not.
    for title in ("Passed", "Also passed"):
        done = make_qa_review(author=record.user, status="completed", title=title)
        done.agreed_grade, done.passed, done.completed_at = 3, True, utcnow()
    make_qa_review(author=record.user, status="in_assessment")
    db.session.commit()
    assert services.qa_reviews_in_term(application) == 2
    state = progress(
        application,
        competencies,
        today=today,
        cpd_met=True,
        qa_reviews=services.qa_reviews_in_term(application),
    )
    assert not state.missing["completed-reviews"]
    assert state.started["completed-reviews"]
    # One from peer QA and one typed in make two as well.
    state = progress(application, competencies, today=today, cpd_met=True, qa_reviews=1)
    assert state.missing["completed-reviews"]
    renewal.add_completed_review(
        record.user,
        application,
        title="Typed in",
        partnership=make_organisation(),
        year=2025,
        role="lead",
        today=today,
    )
    state = progress(application, competencies, today=today, cpd_met=True, qa_reviews=1)
    assert not state.missing["completed-reviews"]


def test_a_first_application_counts_no_peer_qa_reviews():
    from tests.factories import make_application

    application = make_application()
    assert services.qa_reviews_in_term(application) == 0
