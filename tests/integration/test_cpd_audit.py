"""The CPD audit through its services: the draw (reproducible, the right size, who is left out
and who is always in), submission, allocation, first and second reviews, development plans,
proposals, the daily reminders and escalations, and the outcome counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.applications.models import AccreditationStatus
from portal.auth.models import RoleGrant
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.core.worker import deliver_pending
from portal.cpd import audit, audit_queries
from portal.cpd.audit_models import (
    AuditOutcome,
    AuditStatus,
    CpdAuditSelection,
    ProposalDecision,
    SelectionReason,
)
from portal.cpd.sampling import draw
from portal.extensions import db
from portal.framework.models import Scheme
from tests.factories import count, make_cpd_entry, make_cpd_requirements, make_record, make_user

TODAY = date(2027, 6, 15)
LONG_AGO = date(2025, 3, 1)  # accredited more than a CPD year before TODAY


@pytest.fixture
def admin():
    return make_user(roles=[Role.ADMINISTRATOR])


@pytest.fixture
def scheme():
    make_cpd_requirements()
    return db.session.scalar(sa.select(Scheme).where(Scheme.code == "tst"))


def _records(n: int, *, starts_on: date = LONG_AGO):
    return [make_record(starts_on=starts_on) for _ in range(n)]


def _open(admin, scheme, *, percent: str | None = "100", seed: int | None = 7, today=TODAY):
    cycle = audit.open_cycle(
        admin,
        scheme,
        percent=Decimal(percent) if percent is not None else None,
        today=today,
        seed=seed,
    )
    db.session.commit()
    return cycle


def _drawn(cycle) -> set[int]:
    return {s.record_id for s in audit_queries.selections_of(cycle.id)}


def _assessor(name: str = "Assessor"):
    return make_user(name=name, roles=[Role.ASSESSOR])


def _submitted(admin, scheme):
    """One reviewer drawn and their record submitted."""
    record = make_record(starts_on=LONG_AGO)
    make_cpd_entry(record, on=date(2026, 5, 1), peer=True)
    cycle = _open(admin, scheme)
    selection = audit_queries.selections_of(cycle.id)[0]
    audit.submit_record(record.user, selection, statement="", declared=True, today=TODAY)
    db.session.commit()
    return selection


def _in_review(admin, scheme, stage: int = 1):
    selection = _submitted(admin, scheme)
    first = _assessor("First Assessor")
    audit.allocate_assessor(admin, selection, first)
    if stage == 1:
        return selection, first, None
    audit.record_review(
        first,
        selection,
        outcome=AuditOutcome.NOT_MET,
        feedback="Too few records.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    second = _assessor("Second Assessor")
    audit.allocate_assessor(admin, selection, second)
    return selection, first, second


# The draw


def test_the_draw_is_reproducible_from_its_recorded_seed(admin, scheme):
    _records(30)
    cycle = _open(admin, scheme, percent="10", seed=None)
    assert len(_drawn(cycle)) == 3
    check = audit_queries.draw_check(cycle)
    assert check.matches
    assert set(check.repeated) == _drawn(cycle)
    # The same population, rate and seed always give the same sample.
    again = draw(audit_queries.population_of(cycle), percent=Decimal("10"), seed=cycle.seed)
    assert set(again) == _drawn(cycle)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "cpd_audit.cycle_opened")
    )
    assert event.changes["seed"] == cycle.seed
    assert sorted(event.changes["drawn"]) == sorted(_drawn(cycle))


def test_a_draw_from_a_given_seed_is_the_same_as_the_rules_give(admin, scheme):
    records = _records(20)
    cycle = _open(admin, scheme, percent="10", seed=12345)
    population = audit_queries.population_of(cycle)
    assert set(population.eligible) == {r.id for r in records}
    assert _drawn(cycle) == set(draw(population, percent=Decimal("10"), seed=12345))


@pytest.mark.parametrize(
    ("eligible", "percent", "size"),
    [(3, "5", 1), (20, "5", 1), (21, "5", 2), (40, "2.5", 1), (41, "2.5", 2)],
)
def test_the_sample_is_the_rate_rounded_up_and_at_least_one(admin, scheme, eligible, percent, size):
    _records(eligible)
    assert len(_drawn(_open(admin, scheme, percent=percent))) == size


def test_the_scheme_rate_is_used_when_none_is_given(admin, scheme):
    _records(21)
    cycle = _open(admin, scheme, percent=None)
    assert cycle.percent == Decimal("5")
    assert len(_drawn(cycle)) == 2
    scheme.settings = {**scheme.settings, "cpd_audit": {"sample_percent": 2.5}}
    db.session.commit()
    assert audit_queries.audit_settings(scheme).percent == Decimal("2.5")


def test_a_rate_below_two_and_a_half_percent_is_refused(admin, scheme):
    _records(3)
    with pytest.raises(DomainError, match=r"between 2\.5% and 100%") as caught:
        _open(admin, scheme, percent="2")
    assert caught.value.field == "percent"


def test_a_scheme_file_with_a_wrong_rate_is_reported(admin, scheme):
    _records(3)
    scheme.settings = {**scheme.settings, "cpd_audit": {"sample_percent": 1}}
    with pytest.raises(DomainError, match="sample_percent"):
        _open(admin, scheme, percent=None)


@pytest.mark.parametrize(
    ("block", "says"),
    [
        ("not a mapping", "must be a mapping"),
        ({"sample_percent": "lots"}, "sample_percent"),
        ({"submission_days": 0}, "'submission_days' must be a whole number from 7 to 90"),
        ({"development_plan_days": True}, "'development_plan_days' must be a whole number"),
        ({"reminder_days_before": 31}, "'reminder_days_before' must be a whole number"),
    ],
)
def test_each_wrong_audit_setting_is_named(scheme, block, says):
    scheme.settings = {**scheme.settings, "cpd_audit": block}
    with pytest.raises(audit_queries.AuditSettingsInvalid, match=says):
        audit_queries.audit_settings(scheme)


def test_the_shipped_scheme_sets_the_audit_as_the_regulators_do():
    from config.settings import CONFIG_DIR
    from portal.core.documents import read_yaml

    document = read_yaml(CONFIG_DIR / "schemes" / "cspr.yaml")
    settings = audit_queries.audit_settings(Scheme(code="cspr", name="x", settings=document))
    assert settings == audit_queries.AuditSettings(Decimal(5), 21, 90, 7)


def test_the_newly_accredited_and_those_under_audit_are_left_out(admin, scheme):
    old = _records(2)
    new = make_record(starts_on=TODAY - timedelta(days=200))
    first = _open(admin, scheme, percent="2.5", seed=1)
    busy = _drawn(first)
    assert len(busy) == 1 and new.id not in busy
    second = _open(admin, scheme, percent="100", seed=2)
    assert _drawn(second) == {r.id for r in old} - busy
    assert second.newly_accredited == [new.id]
    assert second.under_audit == sorted(busy)


def test_suspended_and_expired_records_are_not_candidates(admin, scheme):
    current = make_record(starts_on=LONG_AGO)
    make_record(starts_on=LONG_AGO, status="suspended")
    make_record(starts_on=date(2023, 1, 1))  # expired on 1 January 2026
    assert _drawn(_open(admin, scheme)) == {current.id}


def test_anyone_given_advice_last_cycle_is_always_drawn(admin, scheme):
    selection, _, second = _in_review(admin, scheme, stage=2)
    audit.record_review(
        second,
        selection,
        outcome=AuditOutcome.ADVICE,
        feedback="Reflect more.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    db.session.commit()
    others = _records(40)
    later = TODAY + timedelta(days=200)
    cycle = _open(admin, scheme, percent="2.5", seed=99, today=later)
    drawn = audit_queries.selections_of(cycle.id)
    assert selection.record_id in {s.record_id for s in drawn}
    assert len(drawn) == 2  # 2.5% of 40 is one, plus the one given advice
    reasons = {s.record_id: s.reason for s in drawn}
    assert reasons[selection.record_id] is SelectionReason.ADVICE_LAST_CYCLE
    assert {r.id for r in others} & set(reasons)


def test_nobody_to_draw_is_refused(admin, scheme):
    make_record(starts_on=TODAY - timedelta(days=30))
    with pytest.raises(DomainError, match="Nobody"):
        _open(admin, scheme)


def test_only_administrators_open_a_cycle(scheme):
    _records(2)
    with pytest.raises(NotPermitted):
        _open(_assessor(), scheme)


def test_each_reviewer_drawn_is_emailed_with_the_deadline(app, inbox, admin, scheme):
    record = make_record(starts_on=LONG_AGO)
    cycle = _open(admin, scheme)
    selection = audit_queries.selections_of(cycle.id)[0]
    assert selection.due_on == TODAY + timedelta(days=21)
    # The audited CPD year is the last one that closed: 1 March 2026 to 28 February 2027.
    assert (selection.year_starts_on, selection.year_ends_on) == (
        date(2026, 3, 1),
        date(2027, 2, 28),
    )
    deliver_pending(app)
    message = inbox.wait_for(record.user.email, "selected for audit")
    assert "6 July 2027" in str(message["Subject"])


# Submission


def test_a_reviewer_submits_their_own_record_once_with_a_declaration(admin, scheme):
    record = make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    with pytest.raises(NotPermitted):
        audit.submit_record(make_user(), selection, statement="", declared=True, today=TODAY)
    with pytest.raises(audit.AuditProblems) as caught:
        audit.submit_record(record.user, selection, statement="", declared=False, today=TODAY)
    assert caught.value.problems == [
        ("declaration", "Confirm that the record is complete and your own")
    ]
    audit.submit_record(
        record.user, selection, statement="Evidence attached.", declared=True, today=TODAY
    )
    assert selection.status is AuditStatus.SUBMITTED and selection.submitted_at is not None
    assert count(OutboxMessage, OutboxMessage.to_address == admin.email) == 1
    with pytest.raises(InvalidTransition):
        audit.submit_record(record.user, selection, statement="", declared=True, today=TODAY)


# Allocation


def test_allocation_is_conflict_free(admin, scheme):
    selection = _submitted(admin, scheme)
    reviewer_and_assessor = selection.user
    db.session.add(RoleGrant(user=reviewer_and_assessor, role=Role.ASSESSOR))
    db.session.commit()
    with pytest.raises(DomainError, match="own CPD record"):
        audit.allocate_assessor(admin, selection, reviewer_and_assessor)
    with pytest.raises(DomainError, match="assesses CPD audits"):
        audit.allocate_assessor(admin, selection, make_user(roles=[Role.COMMISSIONER]))
    with pytest.raises(NotPermitted):
        audit.allocate_assessor(_assessor(), selection, _assessor())
    first = _assessor()
    assert audit.allocate_assessor(admin, selection, first) == 1
    assert selection.first_assessor_id == first.id


def test_a_mentor_or_mentee_of_the_reviewer_cannot_assess_them(admin, scheme):
    from portal.applications.models import MentorPairing

    selection = _submitted(admin, scheme)
    mentor = _assessor("Mentor")
    mentee_record = make_record(starts_on=TODAY - timedelta(days=30))
    mentee = mentee_record.user
    db.session.add(RoleGrant(user=mentee, role=Role.ASSESSOR))
    db.session.add(
        MentorPairing(record_id=selection.record_id, mentor_id=mentor.id, paired_by_id=admin.id)
    )
    db.session.add(
        MentorPairing(
            record_id=mentee_record.id, mentor_id=selection.user_id, paired_by_id=admin.id
        )
    )
    db.session.commit()
    assert audit_queries.mentoring_links(selection.user_id) == {mentor.id, mentee.id}
    for linked in (mentor, mentee):
        with pytest.raises(DomainError, match="mentor or mentee"):
            audit.allocate_assessor(admin, selection, linked)


def test_nothing_to_allocate_before_submission(admin, scheme):
    make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    with pytest.raises(InvalidTransition):
        audit.allocate_assessor(admin, selection, _assessor())


def test_the_second_assessor_is_never_the_first(admin, scheme):
    selection, first, second = _in_review(admin, scheme, stage=2)
    assert selection.status is AuditStatus.SECOND_REVIEW
    with pytest.raises(DomainError, match="other than the first"):
        audit.allocate_assessor(admin, selection, first)
    assert selection.second_assessor_id == second.id


# Reviews


def test_only_the_allocated_assessor_records_a_review_with_feedback(admin, scheme):
    selection, first, _ = _in_review(admin, scheme)
    with pytest.raises(NotPermitted):
        audit.record_review(
            _assessor(),
            selection,
            outcome=AuditOutcome.ACCEPTED,
            feedback="Good.",
            plan_actions=None,
            plan_due_on=None,
            today=TODAY,
        )
    with pytest.raises(audit.AuditProblems) as caught:
        audit.record_review(
            first,
            selection,
            outcome=AuditOutcome.ACCEPTED,
            feedback="  ",
            plan_actions=None,
            plan_due_on=None,
            today=TODAY,
        )
    assert caught.value.field == "feedback"


def test_a_first_acceptance_ends_the_audit(app, inbox, admin, scheme):
    selection, first, _ = _in_review(admin, scheme)
    audit.record_review(
        first,
        selection,
        outcome=AuditOutcome.ACCEPTED,
        feedback="A thoughtful record.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    db.session.commit()
    assert selection.status is AuditStatus.ACCEPTED
    assert selection.outcome is AuditOutcome.ACCEPTED
    deliver_pending(app)
    assert "A thoughtful record." in str(
        inbox.wait_for(selection.user.email, "accepted").get_payload()
    )
    with pytest.raises(InvalidTransition):
        audit.record_review(
            first,
            selection,
            outcome=AuditOutcome.ACCEPTED,
            feedback="Again.",
            plan_actions=None,
            plan_due_on=None,
            today=TODAY,
        )


@pytest.mark.parametrize("first_outcome", [AuditOutcome.ADVICE, AuditOutcome.NOT_MET])
def test_anything_not_accepted_goes_to_a_second_assessor(admin, scheme, first_outcome):
    selection, first, _ = _in_review(admin, scheme)
    audit.record_review(
        first,
        selection,
        outcome=first_outcome,
        feedback="Thin.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    assert selection.status is AuditStatus.SECOND_REVIEW
    assert selection.outcome is None
    assert count(OutboxMessage, OutboxMessage.subject.contains("needs a second assessor")) == 1


def test_the_second_outcome_stands(admin, scheme):
    selection, _, second = _in_review(admin, scheme, stage=2)
    audit.record_review(
        second,
        selection,
        outcome=AuditOutcome.ACCEPTED,
        feedback="It meets them.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    assert selection.status is AuditStatus.ACCEPTED
    assert [r.outcome for r in selection.reviews] == [AuditOutcome.NOT_MET, AuditOutcome.ACCEPTED]


def test_not_met_sets_a_development_plan(admin, scheme):
    selection, _, second = _in_review(admin, scheme, stage=2)
    with pytest.raises(audit.AuditProblems) as caught:
        audit.record_review(
            second,
            selection,
            outcome=AuditOutcome.NOT_MET,
            feedback="Not met.",
            plan_actions="",
            plan_due_on=TODAY,
            today=TODAY,
        )
    assert {field for field, _ in caught.value.problems} == {"plan_actions", "plan_due_on"}
    audit.record_review(
        second,
        selection,
        outcome=AuditOutcome.NOT_MET,
        feedback="Not met.",
        plan_actions="Complete two records with peer discussion.",
        plan_due_on=None,
        today=TODAY,
    )
    assert selection.status is AuditStatus.DEVELOPMENT_PLAN
    assert selection.outcome is AuditOutcome.NOT_MET
    assert selection.plan_due_on == TODAY + timedelta(days=90)


def _plan(admin, scheme):
    selection, _, second = _in_review(admin, scheme, stage=2)
    audit.record_review(
        second,
        selection,
        outcome=AuditOutcome.NOT_MET,
        feedback="Not met.",
        plan_actions="Two more records.",
        plan_due_on=TODAY + timedelta(days=30),
        today=TODAY,
    )
    db.session.commit()
    return selection, second


def test_the_plan_owner_confirms_it_was_put_right(admin, scheme):
    selection, second = _plan(admin, scheme)
    with pytest.raises(NotPermitted):
        audit.confirm_put_right(_assessor(), selection, note="Done.")
    with pytest.raises(DomainError):
        audit.confirm_put_right(second, selection, note=" ")
    audit.confirm_put_right(second, selection, note="Two records added.")
    assert selection.status is AuditStatus.PUT_RIGHT
    with pytest.raises(InvalidTransition):
        audit.confirm_put_right(second, selection, note="Again.")


# The daily command


def _to(address: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.subject).where(OutboxMessage.to_address == address)
        )
    )


def test_a_reminder_goes_once_before_the_deadline(admin, scheme):
    record = make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    assert audit.process_overdue(today=selection.due_on - timedelta(days=8)) == (0, 0)
    assert audit.process_overdue(today=selection.due_on - timedelta(days=7)) == (1, 0)
    assert audit.process_overdue(today=selection.due_on - timedelta(days=7)) == (0, 0)
    assert audit.process_overdue(today=selection.due_on) == (0, 0)
    reminders = [s for s in _to(record.user.email) if s.startswith("Reminder")]
    assert len(reminders) == 1


def test_an_overdue_submission_is_escalated_once(app, inbox, admin, scheme):
    record = make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    late = selection.due_on + timedelta(days=1)
    assert audit.process_overdue(today=late) == (0, 1)
    db.session.commit()
    assert audit.process_overdue(today=late) == (0, 0)
    assert audit.process_overdue(today=late + timedelta(days=1)) == (0, 0)
    db.session.commit()
    assert selection.status is AuditStatus.PROPOSED
    assert selection.proposed_status is AccreditationStatus.SUSPENDED
    assert selection.overdue_at is not None
    deliver_pending(app)
    inbox.wait_for(record.user.email, "overdue")
    inbox.wait_for(admin.email, "a suspension is proposed")
    assert len([m for m in inbox.to(record.user.email) if "overdue" in str(m["Subject"])]) == 1
    assert len(inbox.to(admin.email)) == 1
    with pytest.raises(InvalidTransition):
        audit.submit_record(record.user, selection, statement="", declared=True, today=late)


def test_an_overdue_plan_is_escalated(admin, scheme):
    selection, _ = _plan(admin, scheme)
    assert audit.process_overdue(today=selection.plan_due_on - timedelta(days=7)) == (1, 0)
    assert audit.process_overdue(today=selection.plan_due_on + timedelta(days=1)) == (0, 1)
    assert selection.status is AuditStatus.PROPOSED
    assert "development plan" in (selection.proposal_reason or "")


# Proposals


def test_accepting_a_proposal_suspends_the_accreditation(admin, scheme):
    selection, _ = _plan(admin, scheme)
    audit.process_overdue(today=selection.plan_due_on + timedelta(days=1))
    with pytest.raises(DomainError):
        audit.decide_proposal(admin, selection, accept=True, note="")
    with pytest.raises(NotPermitted):
        audit.decide_proposal(_assessor(), selection, accept=True, note="No.")
    audit.decide_proposal(admin, selection, accept=True, note="No response to the plan.")
    db.session.commit()
    assert selection.record.status is AccreditationStatus.SUSPENDED
    assert selection.status is AuditStatus.CLOSED
    assert selection.proposal_decision is ProposalDecision.ACCEPTED
    assert count(AuditEvent, AuditEvent.action == "accreditation.status_changed") == 1
    with pytest.raises(InvalidTransition):
        audit.decide_proposal(admin, selection, accept=True, note="Again.")


def test_rejecting_a_proposal_changes_nothing_but_closes_the_audit(admin, scheme):
    make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    audit.process_overdue(today=selection.due_on + timedelta(days=1))
    audit.decide_proposal(admin, selection, accept=False, note="Was in hospital.")
    assert selection.record.status is AccreditationStatus.ACCREDITED
    assert selection.status is AuditStatus.CLOSED
    assert selection.proposal_decision is ProposalDecision.REJECTED


def test_more_time_sends_an_overdue_submission_back_with_a_new_deadline(admin, scheme):
    record = make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    late = selection.due_on + timedelta(days=1)
    audit.process_overdue(today=late)
    for deadline, note, message in (
        (None, "Ill.", "Enter the new deadline"),
        (late, "Ill.", "must be in the future"),
        (late + timedelta(days=14), " ", "Give the reason"),
    ):
        with pytest.raises(DomainError, match=message):
            audit.give_more_time(admin, selection, new_deadline=deadline, note=note, today=late)
    with pytest.raises(NotPermitted):
        audit.give_more_time(
            _assessor(), selection, new_deadline=late + timedelta(days=14), note="x", today=late
        )
    new = late + timedelta(days=14)
    audit.give_more_time(admin, selection, new_deadline=new, note="Was in hospital.", today=late)
    db.session.commit()
    assert selection.status is AuditStatus.REQUESTED
    assert selection.due_on == new and selection.overdue_at is None
    assert selection.record.status is AccreditationStatus.ACCREDITED
    assert selection.proposal_decision is ProposalDecision.REJECTED
    assert any(s.startswith("More time for your CPD record") for s in _to(record.user.email))
    # Reminded again before the new deadline, and escalated again if it is missed too.
    assert audit.process_overdue(today=new - timedelta(days=7)) == (1, 0)
    assert audit.process_overdue(today=new + timedelta(days=1)) == (0, 1)
    assert selection.status is AuditStatus.PROPOSED


def test_more_time_sends_an_overdue_plan_back_to_the_plan(admin, scheme):
    selection, _ = _plan(admin, scheme)
    late = selection.plan_due_on + timedelta(days=1)
    audit.process_overdue(today=late)
    audit.give_more_time(
        admin, selection, new_deadline=late + timedelta(days=30), note="Agreed.", today=late
    )
    assert selection.status is AuditStatus.DEVELOPMENT_PLAN
    assert selection.plan_due_on == late + timedelta(days=30)
    assert selection.plan_reminded_at is None


def test_a_proposal_the_record_cannot_take_is_refused(admin, scheme):
    make_record(starts_on=LONG_AGO)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    audit.process_overdue(today=selection.due_on + timedelta(days=1))
    selection.record.status = AccreditationStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        audit.decide_proposal(admin, selection, accept=True, note="Too late.")


# Counts


def test_outcome_counts_per_cycle(admin, scheme):
    accepted, first, _ = _in_review(admin, scheme)
    audit.record_review(
        first,
        accepted,
        outcome=AuditOutcome.ACCEPTED,
        feedback="Fine.",
        plan_actions=None,
        plan_due_on=None,
        today=TODAY,
    )
    db.session.commit()
    _records(3)
    cycle = _open(admin, scheme, seed=3)
    selections = audit_queries.selections_of(cycle.id)
    assert len(selections) == 4  # the three new, and the one accepted before, no longer in audit
    audit.submit_record(selections[0].user, selections[0], statement="", declared=True, today=TODAY)
    audit.process_overdue(today=cycle.due_on + timedelta(days=1))
    counts = audit_queries.cycle_counts(cycle.id, today=cycle.due_on + timedelta(days=1))
    assert (counts.selected, counts.submitted, counts.accepted, counts.advice) == (4, 1, 0, 0)
    assert (counts.not_met, counts.overdue, counts.proposals) == (0, 3, 3)
    rows = audit_queries.outcome_counts(today=TODAY)
    assert [r.cycle_id for r in rows][:2] == [cycle.id, accepted.cycle_id]
    earlier = next(r for r in rows if r.cycle_id == accepted.cycle_id)
    assert (earlier.selected, earlier.submitted, earlier.accepted) == (1, 1, 1)


def test_selections_are_unique_per_cycle_and_record(admin, scheme):
    make_record(starts_on=LONG_AGO)
    cycle = _open(admin, scheme)
    selection = audit_queries.selections_of(cycle.id)[0]
    db.session.add(
        CpdAuditSelection(
            cycle_id=cycle.id,
            record_id=selection.record_id,
            user_id=selection.user_id,
            reason=SelectionReason.DRAWN,
            year_starts_on=selection.year_starts_on,
            year_ends_on=selection.year_ends_on,
            due_on=selection.due_on,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_evidence_can_be_added_to_the_audited_year_until_the_record_is_submitted(
    app, admin, scheme
):
    import io

    from portal.core.uploads import UploadStore
    from portal.cpd import services
    from tests.files import pdf_bytes

    record = make_record(starts_on=LONG_AGO)
    entry = make_cpd_entry(record, on=date(2026, 5, 1))
    store = UploadStore(app.config["UPLOAD_DIR"])
    assert services.evidence_locked(entry, TODAY)
    selection = audit_queries.selections_of(_open(admin, scheme).id)[0]
    assert not services.evidence_locked(entry, TODAY)
    evidence = services.add_evidence(
        record.user,
        entry,
        filename="certificate.pdf",
        stream=io.BytesIO(pdf_bytes()),
        store=store,
        today=TODAY,
    )
    audit.submit_record(record.user, selection, statement="", declared=True, today=TODAY)
    assert services.evidence_locked(entry, TODAY)
    with pytest.raises(DomainError, match="locked"):
        services.remove_evidence(record.user, entry, evidence, today=TODAY)
    store.delete(evidence.storage_key)
