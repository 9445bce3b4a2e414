"""After the run: is every write the users saw succeed in the database, and do the invariants
hold? Each check is plain SQL against the run's database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

# Audit subjects whose ids name a row of a table.
SUBJECT_TABLES = {
    "user": "users",
    "application": "applications",
    "allocation": "allocations",
    "cpd_entry": "cpd_entries",
    "accreditation_record": "accreditation_records",
    "register_entry": "register_entries",
    "organisation": "organisations",
}
# Statuses that mean an application has been submitted.
SUBMITTED = (
    "submitted",
    "in_assessment",
    "information_requested",
    "moderation",
    "awaiting_decision",
    "decided",
    "appealed",
)


def check_writes(
    conn: sa.Connection,
    writes: list[dict[str, Any]],
    succeeded: dict[str, int],
    *,
    since: float,
) -> tuple[int, list[str]]:
    """Writes lost: those Locust counted as successful that the database does not hold."""
    report = []
    lost = 0
    cpd = [w for w in writes if w["kind"] == "cpd"]
    titles = Counter(
        conn.scalars(
            sa.text("SELECT title FROM cpd_entries WHERE title LIKE 'load test reading %'")
        )
    )
    missing = [w["title"] for w in cpd if titles[w["title"]] == 0]
    found = len(cpd) - len(missing)
    lost_cpd = max(succeeded.get("cpd", 0) - found, len(missing))
    report.append(
        f"CPD activities: {succeeded.get('cpd', 0)} saved according to Locust, "
        f"{sum(titles.values())} in the database, {lost_cpd} lost"
    )
    lost += lost_cpd

    scores = [w for w in writes if w["kind"] == "score"]
    latest: dict[tuple[int, int], str] = {}
    for write in scores:
        latest[(write["allocation"], write["competency"])] = write["rationale"]
    stored = {
        (row.allocation_id, row.competency_id): row.rationale
        for row in conn.execute(
            sa.text("SELECT allocation_id, competency_id, rationale FROM scores")
        )
    }
    wrong = [key for key, rationale in latest.items() if stored.get(key) != rationale]
    audited = conn.scalar(
        sa.text(
            "SELECT count(*) FROM audit_events WHERE action = 'application.score_saved' "
            "AND occurred_at >= :since"
        ),
        {"since": datetime.fromtimestamp(since, UTC)},
    )
    lost_scores = max(succeeded.get("score", 0) - int(audited or 0), 0) + len(wrong)
    report.append(
        f"Scores: {succeeded.get('score', 0)} saved according to Locust, {audited} audited "
        f"saves, {len(latest) - len(wrong)} of {len(latest)} latest scores as last saved, "
        f"{lost_scores} lost"
    )
    lost += lost_scores
    return lost, report


def check_invariants(conn: sa.Connection) -> list[str]:
    """Each broken invariant, described; an empty list when all hold."""
    broken: list[str] = []

    def none(description: str, query: str) -> None:
        count = int(conn.scalar(sa.text(query)) or 0)
        if count:
            broken.append(f"{count} {description}")

    submitted = ", ".join(f"'{s}'" for s in SUBMITTED)
    none(
        "submitted applications without a submission time",
        f"SELECT count(*) FROM applications WHERE status IN ({submitted}) "  # noqa: S608
        "AND submitted_at IS NULL",
    )
    none(
        "applications whose status differs from their latest status change",
        "SELECT count(*) FROM applications a JOIN application_status_changes c "
        "ON c.application_id = a.id WHERE c.id = (SELECT max(id) FROM "
        "application_status_changes WHERE application_id = a.id) AND c.to_status <> a.status",
    )
    none(
        "scores on an allocation whose application is not being assessed",
        "SELECT count(*) FROM scores s JOIN allocations l ON l.id = s.allocation_id "
        "JOIN applications a ON a.id = l.application_id "
        "WHERE a.status IN ('draft', 'submitted', 'withdrawn')",
    )
    none(
        "scores outside the framework's scale (1 to 4)",
        "SELECT count(*) FROM scores WHERE level NOT BETWEEN 1 AND 4",
    )
    none(
        "duplicate CPD activities (same record, title, first day and provider)",
        "SELECT count(*) FROM (SELECT record_id FROM cpd_entries "
        "GROUP BY record_id, title, starts_on, provider HAVING count(*) > 1) d",
    )
    none(
        "duplicate scores for one competency of one allocation",
        "SELECT count(*) FROM (SELECT allocation_id FROM scores "
        "GROUP BY allocation_id, competency_id HAVING count(*) > 1) d",
    )
    none(
        "CPD activities whose owner is not the record's holder",
        "SELECT count(*) FROM cpd_entries e JOIN accreditation_records r "
        "ON r.id = e.record_id WHERE r.user_id <> e.user_id",
    )
    none(
        "email messages queued twice for one event",
        "SELECT count(*) FROM (SELECT 1 FROM outbox_messages "
        "GROUP BY to_address, subject, body_text, created_at HAVING count(*) > 1) d",
    )
    for subject, table in SUBJECT_TABLES.items():
        none(
            f"audit events about a {subject} that does not exist",
            f"SELECT count(*) FROM audit_events e WHERE e.subject_type = '{subject}' "  # noqa: S608
            f"AND e.subject_id ~ '^[0-9]+$' AND NOT EXISTS (SELECT 1 FROM {table} t "
            "WHERE t.id = CAST(e.subject_id AS INTEGER))",
        )
    return broken
