"""Importing CPD activities: only the good rows are written, as completed activities, and the
same file imported again adds nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from portal.core.audit import AuditEvent
from portal.core.errors import DomainError, NotPermitted
from portal.cpd import queries, services
from portal.cpd.imports import COLUMNS, EXAMPLE_ROW, ImportContext, check_file
from portal.cpd.models import CpdEntry, EntryStatus
from portal.cpd.rules import cpd_years
from portal.extensions import db
from tests.factories import count, make_cpd_entry, make_cpd_requirements, make_record, make_user


def csv_of(*rows: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for values in rows:
        writer.writerow({**EXAMPLE_ROW, **values})
    return buffer.getvalue().encode()


@pytest.fixture
def record():
    make_cpd_requirements()
    return make_record(starts_on=queries_today() - timedelta(days=100))


def queries_today():
    from portal.core.db import utcnow

    return utcnow().date()


def check(record, content: bytes):
    context = ImportContext(
        starts_on=record.starts_on,
        expires_on=record.expires_on,
        years=cpd_years(record.starts_on, record.expires_on),
        competencies={c.code for c in queries.competencies_for(record)},
        today=queries_today(),
    )
    return check_file(content, context, queries.entry_keys(record.id))


def test_confirming_writes_only_the_good_rows_and_a_second_import_adds_none(record) -> None:
    day = (queries_today() - timedelta(days=5)).isoformat()
    content = csv_of(
        {"starts_on": day, "ends_on": "", "title": "First course"},
        {"starts_on": day, "ends_on": "", "title": "Bad hours", "hours": "-1"},
        {"starts_on": day, "ends_on": "", "title": "Second course", "peer_discussion": "no"},
    )
    result, already = check(record, content)
    assert [r.line for r in result.good] == [2, 4]
    assert [r.line for r in result.bad] == [3]
    assert already == []
    added = services.import_activities(record.user, record, result, filename="mine.csv")
    db.session.commit()
    assert [e.title for e in added] == ["First course", "Second course"]
    assert count(CpdEntry, CpdEntry.record_id == record.id) == 2
    assert all(e.status is EntryStatus.COMPLETED and e.completed_at for e in added)
    assert added[0].hours_quarters == 50
    assert added[1].peer_name is None
    assert count(AuditEvent, AuditEvent.action == "cpd.activities_imported") == 1
    assert queries.progress(record, today=queries_today()).current.completed == 2

    again, already = check(record, content)
    assert [r.line for r in again.good] == []
    assert [r.line for r in already] == [2, 4]
    with pytest.raises(DomainError, match="no new activities"):
        services.import_activities(record.user, record, again, filename="mine.csv")
    # Even rows checked before the first import was written are not written twice.
    with pytest.raises(DomainError):
        services.import_activities(record.user, record, result, filename="mine.csv")
    db.session.rollback()
    assert count(CpdEntry, CpdEntry.record_id == record.id) == 2


def test_an_activity_logged_by_hand_is_not_imported_again(record) -> None:
    day = queries_today() - timedelta(days=5)
    make_cpd_entry(record, on=day, title="Systems Analysis  in practice reviews")
    existing = db.session.get(CpdEntry, queries.entries_of(record.id)[0].id)
    existing.provider = "invented training ltd"
    db.session.commit()
    result, already = check(record, csv_of({"starts_on": day.isoformat(), "ends_on": ""}))
    assert result.good == []
    assert [r.line for r in already] == [2]


def test_only_the_reviewer_imports_into_their_record(record) -> None:
    day = (queries_today() - timedelta(days=5)).isoformat()
    result, _ = check(record, csv_of({"starts_on": day, "ends_on": ""}))
    with pytest.raises(NotPermitted):
        services.import_activities(make_user(), record, result, filename="x.csv")
