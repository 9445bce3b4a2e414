"""The demo data gives reviewers complete, partial and empty CPD records."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.db import utcnow
from portal.cpd import queries
from portal.extensions import db


def test_demo_load_gives_reviewers_complete_partial_and_empty_cpd_records(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["framework", "load-all"]).exit_code == 0
    result = runner.invoke(args=["cpd", "requirements", "load-all"])
    assert result.exit_code == 0, result.output
    assert "cspr: 1 CPD requirement version(s)." in result.output
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    today = utcnow().date()

    def progress(email):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        record = queries.cpd_record_for(user.id)
        return queries.progress(record, today=today), queries.entries_of(record.id)

    complete, entries = progress("reviewer@demo.test")
    assert complete.current.met and complete.term.met
    assert any(e.status.value == "draft" for e in entries)
    partial, entries = progress("yusra.pennington@demo.test")
    assert not partial.current.met
    assert len(entries) == 2
    empty, entries = progress("ottilie.farquharson-mbeki@demo.test")
    assert entries == []
    assert not empty.current.met

    # One reviewer was drawn for the CPD audit and has submitted, waiting for an assessor.
    from portal.cpd import audit_queries
    from portal.cpd.audit_models import AuditStatus, CpdAuditCycle

    cycle = db.session.scalar(sa.select(CpdAuditCycle))
    assert cycle is not None and audit_queries.draw_check(cycle).matches
    selections = audit_queries.selections_of(cycle.id)
    assert [s.status for s in selections] == [AuditStatus.SUBMITTED]
    assert selections[0].first_assessor_id is None
    assert len(audit_queries.audited_entries(selections[0])) == 2
