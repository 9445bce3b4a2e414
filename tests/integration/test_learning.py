"""Learning: loading the system conditions, findings from peer-reviewed reviews, national
recommendations and the government's response, and the counts the reports publish."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.errors import ConcurrentEdit, DomainError
from portal.core.permissions import Role
from portal.extensions import db
from portal.reporting import learning_queries, learning_services
from portal.reporting.conditions import CONDITIONS_DIR, parse_conditions, read_conditions
from portal.reporting.facts import Period
from portal.reporting.learning_models import (
    GovernmentResponse,
    RecommendationSource,
    ResponseStatus,
    SystemCondition,
)
from tests.factories import make_qa_review, make_user

SHIPPED = CONDITIONS_DIR / "2026.1.yaml"


@pytest.fixture
def lead():
    return make_user(roles=[Role.QA_LEAD])


@pytest.fixture
def admin():
    return make_user(roles=[Role.ADMINISTRATOR])


@pytest.fixture
def taxonomy():
    loaded = learning_services.load_conditions(None, read_conditions(SHIPPED)).taxonomy
    db.session.commit()
    return loaded


def completed(on: date, status: str = "completed"):
    review = make_qa_review(status=status)
    review.completed_at = datetime(on.year, on.month, on.day, 12, tzinfo=UTC)
    db.session.commit()
    return review


def conditions(taxonomy, *codes):
    return learning_queries.conditions_by_code(taxonomy.id, list(codes))


def test_loading_the_taxonomy_twice_changes_nothing(taxonomy):
    again = learning_services.load_conditions(None, read_conditions(SHIPPED))
    assert not again.created and again.taxonomy.id == taxonomy.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SystemCondition)) == len(
        read_conditions(SHIPPED).conditions
    )
    assert learning_queries.current_taxonomy().version == "2026.1"


def test_a_changed_file_under_a_loaded_version_is_refused(taxonomy):
    changed = read_conditions(SHIPPED).raw | {"title": "Something else"}
    with pytest.raises(DomainError, match="already loaded with different content"):
        learning_services.load_conditions(None, parse_conditions(changed))


def test_a_finding_comes_only_from_a_review_that_completed_quality_assurance(lead, taxonomy):
    open_review = make_qa_review(status="in_assessment")
    with pytest.raises(DomainError, match="completed quality assurance"):
        learning_services.record_finding(
            lead, open_review, "Caseloads left no time.", conditions(taxonomy, "workload")
        )
    review = completed(date(2026, 3, 1))
    with pytest.raises(DomainError, match="at least one"):
        learning_services.record_finding(lead, review, "Caseloads left no time.", [])
    with pytest.raises(DomainError, match="Enter the finding"):
        learning_services.record_finding(lead, review, "   ", conditions(taxonomy, "workload"))
    finding = learning_services.record_finding(
        lead, review, "  Caseloads   left no time. ", conditions(taxonomy, "workload", "thresholds")
    )
    db.session.commit()
    assert finding.text == "Caseloads left no time."
    assert [c.code for c in finding.conditions] == ["workload", "thresholds"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "learning_finding.recorded")
    )
    assert event.actor_id == lead.id and event.changes["conditions"] == ["workload", "thresholds"]
    rows = learning_queries.findings()
    assert rows[0].reference == review.reference
    assert rows[0].conditions == ("Workload and capacity", "Thresholds and access to services")


def test_conditions_are_counted_by_year_each_finding_under_each_of_its_conditions(lead, taxonomy):
    last, this = completed(date(2025, 6, 1)), completed(date(2026, 2, 1), status="responded")
    for _ in range(3):
        learning_services.record_finding(
            lead, last, "A finding.", conditions(taxonomy, "workload", "information-sharing")
        )
    learning_services.record_finding(lead, this, "Another.", conditions(taxonomy, "workload"))
    outside = completed(date(2023, 1, 1))
    learning_services.record_finding(lead, outside, "Old.", conditions(taxonomy, "workload"))
    db.session.commit()
    found = sorted(
        (c.year, c.code, c.count)
        for c in learning_queries.condition_counts(Period(date(2025, 1, 1), date(2026, 12, 31)))
    )
    assert found == [(2025, "information-sharing", 3), (2025, "workload", 3), (2026, "workload", 1)]
    assert learning_queries.condition_counts(Period(date(2027, 1, 1), date(2027, 12, 31))) == []


def _panel(admin, year=2026):
    return learning_services.add_national_recommendation(
        admin,
        learning_services.RecommendationInput(
            text="The department should fund regional review capacity.",
            year=year,
            addressed_to="Department for Education",
            source=RecommendationSource.PANEL,
            source_title="A thematic review of infant deaths",
            source_year=year,
        ),
    )


def test_a_national_recommendation_names_its_source(admin):
    with pytest.raises(DomainError, match="Select the review"):
        learning_services.add_national_recommendation(
            admin,
            learning_services.RecommendationInput(
                text="x", year=2026, addressed_to="DfE", source=RecommendationSource.REVIEW
            ),
        )
    with pytest.raises(DomainError, match="completed quality assurance"):
        learning_services.add_national_recommendation(
            admin,
            learning_services.RecommendationInput(
                text="x",
                year=2026,
                addressed_to="DfE",
                source=RecommendationSource.REVIEW,
                review=make_qa_review(status="submitted"),
            ),
        )
    with pytest.raises(DomainError, match="title of the panel"):
        learning_services.add_national_recommendation(
            admin,
            learning_services.RecommendationInput(
                text="x", year=2026, addressed_to="DfE", source=RecommendationSource.PANEL
            ),
        )
    review = completed(date(2026, 2, 1))
    from_review = learning_services.add_national_recommendation(
        admin,
        learning_services.RecommendationInput(
            text="Government should set a national threshold.",
            year=2026,
            addressed_to="Department of Health and Social Care",
            source=RecommendationSource.REVIEW,
            review=review,
        ),
    )
    db.session.commit()
    assert from_review.qa_review_id == review.id and from_review.source_title is None
    assert from_review.response is ResponseStatus.NO_RESPONSE


def test_the_response_is_kept_with_its_history_and_concurrent_edits_are_refused(admin):
    made = _panel(admin)
    db.session.commit()
    seen = made.version_id
    with pytest.raises(DomainError, match="date"):
        learning_services.record_response(
            admin,
            made,
            status=ResponseStatus.REJECTED,
            action="",
            responded_on=None,
            version_id=seen,
        )
    with pytest.raises(DomainError, match="action"):
        learning_services.record_response(
            admin,
            made,
            status=ResponseStatus.ACCEPTED,
            action=" ",
            responded_on=date(2026, 10, 1),
            version_id=seen,
        )
    learning_services.record_response(
        admin,
        made,
        status=ResponseStatus.PARTLY_ACCEPTED,
        action="Funding for two regions in 2027.",
        responded_on=date(2026, 10, 1),
        version_id=seen,
    )
    db.session.commit()
    assert made.version_id == seen + 1
    with pytest.raises(ConcurrentEdit):
        learning_services.record_response(
            admin,
            made,
            status=ResponseStatus.REJECTED,
            action="",
            responded_on=date(2026, 10, 2),
            version_id=seen,
        )
    learning_services.record_response(
        admin,
        made,
        status=ResponseStatus.ACCEPTED,
        action="Funding for every region.",
        responded_on=date(2026, 11, 1),
        version_id=made.version_id,
    )
    db.session.commit()
    history = learning_queries.response_history(made.id)
    assert [h.status for h in history] == [ResponseStatus.ACCEPTED, ResponseStatus.PARTLY_ACCEPTED]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GovernmentResponse)) == 2
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "national_recommendation.response_recorded")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.changes["before"]["response"] == "partly_accepted"
    assert event.changes["after"]["response"] == "accepted"


def test_responses_are_counted_by_year_made(admin):
    for year, status in ((2025, ResponseStatus.ACCEPTED), (2025, None), (2026, None), (2020, None)):
        made = _panel(admin, year)
        if status:
            learning_services.record_response(
                admin,
                made,
                status=status,
                action="Done.",
                responded_on=date(2026, 1, 1),
                version_id=None,
            )
    db.session.commit()
    found = sorted(
        (c.year, c.response, c.count)
        for c in learning_queries.response_counts(Period(date(2025, 1, 1), date(2026, 12, 31)))
    )
    assert found == [(2025, "accepted", 1), (2025, "no_response", 1), (2026, "no_response", 1)]
    chosen = learning_queries.national_recommendations(
        learning_queries.RecommendationFilter(2025, ResponseStatus.ACCEPTED)
    )
    assert [r.year for r in chosen] == [2025] and chosen[0].response is ResponseStatus.ACCEPTED
    assert learning_queries.recommendation_years() == [2026, 2025, 2020]


def test_the_conditions_commands_validate_and_load(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reporting", "conditions", "validate", str(SHIPPED)])
    assert result.exit_code == 0 and "is valid" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\nconditions:\n  - code: Bad\n    label: x\n", encoding="utf-8")
    result = runner.invoke(args=["reporting", "conditions", "validate", str(bad)])
    assert result.exit_code != 0
    assert "code 'Bad' must be lower-case" in result.output
    assert "'title' is missing" in result.output
    result = runner.invoke(args=["reporting", "conditions", "load", str(bad)])
    assert result.exit_code != 0 and "Nothing was loaded" in result.output
    assert learning_queries.current_taxonomy() is None
    result = runner.invoke(args=["reporting", "conditions", "load"])
    assert result.exit_code == 0 and "2026.1 of the system conditions loaded" in result.output
    again = runner.invoke(args=["reporting", "conditions", "load"])
    assert "already loaded" in again.output
