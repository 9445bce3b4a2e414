"""Assessment and moderation: allocation without conflicts, independent scoring, agreement,
moderation, and information requests that stop the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.applications import assessment, queries
from portal.applications import assessment_queries as aq
from portal.applications.models import (
    AgreedScore,
    Allocation,
    AllocationPurpose,
    ApplicationStatus,
    DeclaredInterest,
    InterestKind,
    Outcome,
    StatusChange,
)
from portal.auth.models import RoleGrant
from portal.core.audit import AuditEvent
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.core.worker import deliver_pending
from portal.extensions import db
from tests.factories import count, make_application, make_organisation, make_user

# A Monday with no bank holiday near it; ten working days on is Monday 16 March 2026.
TODAY = date(2026, 3, 2)
DUE = date(2026, 3, 16)


def _assessor(name: str, **kwargs) -> object:
    return make_user(name=name, roles=[Role.ASSESSOR], **kwargs)


def _competencies(application):
    return queries.competencies(application.framework_id)


def _allocated(**kwargs):
    """A submitted application allocated to two assessors by an administrator."""
    admin = make_user(roles=[Role.ADMINISTRATOR])
    first, second = _assessor("Alex First"), _assessor("Blake Second")
    application = make_application(status=ApplicationStatus.SUBMITTED, **kwargs)
    allocations = assessment.allocate_assessors(admin, application, first, second, today=TODAY)
    db.session.commit()
    return admin, application, allocations


def _score_all(allocation, levels, rationale="Invented reasons"):
    for competency, level in zip(_competencies(allocation.application), levels, strict=True):
        assessment.save_score(
            allocation.assessor,
            allocation,
            competency,
            level=level,
            rationale=f"{rationale} for {competency.code}",
            version_id=allocation.version_id,
        )


def _submit(allocation, outcome=Outcome.ACCREDIT, level="reviewer"):
    return assessment.submit_assessment(
        allocation.assessor,
        allocation,
        outcome=outcome,
        level=level if outcome is Outcome.ACCREDIT else None,
        comments="Invented comments for the applicant.",
        version_id=allocation.version_id,
    )


def _assess_both(first_levels, second_levels, first=Outcome.ACCREDIT, second=Outcome.ACCREDIT):
    admin, application, (a, b) = _allocated()
    _score_all(a, first_levels, "First")
    _score_all(b, second_levels, "Second")
    _submit(a, first)
    _submit(b, second)
    db.session.commit()
    return admin, application, a, b


def _disagreement(application) -> str:
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "application.assessments_disagree",
            AuditEvent.subject_id == str(application.id),
        )
    )
    return event.summary


# Conflicts of interest and suggestions


def test_suggestions_leave_out_everyone_with_a_conflict_and_say_why():
    declared = make_organisation(name="Invented Ford Safeguarding Children Partnership")
    elsewhere = make_organisation()
    application = make_application(status=ApplicationStatus.SUBMITTED, interests=[declared])
    applicant = application.applicant
    db.session.add(RoleGrant(user_id=applicant.id, role=Role.ASSESSOR))  # an assessor applying
    colleague = _assessor("Colleague At Ford", organisation=declared)
    referee = _assessor("Referee Person", email=application.referees[0].email)
    own = _assessor("Own Declaration")
    own_application = make_application(applicant=own, interests=[declared])
    assert own_application.id
    clear = _assessor("Clear Person", organisation=elsewhere)
    db.session.commit()

    found = aq.candidates(application, today=TODAY)
    suggested = {c.user.id for c in found.suggested}
    reasons = {c.user.id: c.conflicts for c in found.conflicted}
    assert suggested == {clear.id}
    assert reasons[applicant.id] == ("Is the applicant",)
    assert reasons[colleague.id] == (f"Works for {declared.name}, declared by the applicant",)
    assert reasons[referee.id] == ("Is a referee for this application",)
    assert reasons[own.id] == (
        f"Has declared their own connection with {declared.name}, also declared by the applicant",
    )


def test_a_connection_that_ended_more_than_three_years_ago_is_no_conflict():
    old = make_organisation()
    recent = make_organisation()
    application = make_application(status=ApplicationStatus.SUBMITTED, interests=[old, recent])
    for interest in application.interests:
        interest.ended_on = (
            date(2023, 3, 1) if interest.organisation_id == old.id else date(2023, 3, 2)
        )
    at_old = _assessor("At Old", organisation=old)
    at_recent = _assessor("At Recent", organisation=recent)
    db.session.commit()
    found = aq.candidates(application, today=TODAY)
    assert at_old.id in {c.user.id for c in found.suggested}
    assert at_recent.id in {c.user.id for c in found.conflicted}


def test_suggestions_come_lowest_open_load_first_and_include_qa_leads():
    busy = _assessor("Aaron Busy")
    idle = _assessor("Zed Idle")
    lead = make_user(name="Mo Lead", roles=[Role.QA_LEAD])
    make_user(name="Not An Assessor", roles=[Role.ANALYST])
    for _ in range(2):
        other = make_application(status=ApplicationStatus.IN_ASSESSMENT)
        db.session.add(
            Allocation(
                application=other, assessor=busy, purpose=AllocationPurpose.ASSESSMENT, due_on=DUE
            )
        )
    # Submitted work and work on withdrawn applications are not load.
    done = make_application(status=ApplicationStatus.IN_ASSESSMENT)
    db.session.add(
        Allocation(
            application=done,
            assessor=lead,
            purpose=AllocationPurpose.ASSESSMENT,
            due_on=DUE,
            submitted_at=datetime(2026, 2, 1, tzinfo=UTC),
        )
    )
    gone = make_application(status=ApplicationStatus.WITHDRAWN)
    db.session.add(
        Allocation(
            application=gone, assessor=idle, purpose=AllocationPurpose.ASSESSMENT, due_on=DUE
        )
    )
    db.session.commit()
    application = make_application(status=ApplicationStatus.SUBMITTED)
    found = aq.candidates(application, today=TODAY)
    assert [(c.user.name, c.load) for c in found.suggested] == [
        ("Mo Lead", 0),
        ("Zed Idle", 0),
        ("Aaron Busy", 2),
    ]


# Allocation


def test_allocating_two_assessors_starts_assessment_with_due_dates_audit_and_emails(app, inbox):
    admin, application, allocations = _allocated()
    assert application.status is ApplicationStatus.IN_ASSESSMENT
    assert [a.due_on for a in allocations] == [DUE, DUE]
    assert {a.purpose for a in allocations} == {AllocationPurpose.ASSESSMENT}
    assert all(a.allocated_by_id == admin.id for a in allocations)
    change = db.session.scalar(
        sa.select(StatusChange).where(
            StatusChange.application_id == application.id,
            StatusChange.to_status == ApplicationStatus.IN_ASSESSMENT,
        )
    )
    assert change.actor_id == admin.id and change.from_status is ApplicationStatus.SUBMITTED
    assert count(AuditEvent, AuditEvent.action == "application.assessors_allocated") == 1
    deliver_pending(app)
    for allocation in allocations:
        message = inbox.wait_for(allocation.assessor.email, application.reference)
        assert "16 March 2026" in str(message["Subject"])


def test_the_due_date_skips_weekends_and_bank_holidays():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    application = make_application(status=ApplicationStatus.SUBMITTED)
    # Thursday 17 December 2026: Christmas Day and the Boxing Day substitute (Monday 28th)
    # and New Year's Day 2027 are skipped as well as the weekends.
    allocations = assessment.allocate_assessors(
        admin, application, _assessor("One"), _assessor("Two"), today=date(2026, 12, 17)
    )
    assert allocations[0].due_on == date(2027, 1, 5)


@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.DRAFT,
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.AWAITING_DECISION,
    ],
)
def test_only_a_submitted_application_can_be_allocated(status):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    application = make_application(status=status)
    with pytest.raises(InvalidTransition):
        assessment.allocate_assessors(
            admin, application, _assessor("One"), _assessor("Two"), today=TODAY
        )
    assert count(Allocation, Allocation.application_id == application.id) == 0


def test_only_an_administrator_allocates():
    application = make_application(status=ApplicationStatus.SUBMITTED)
    lead = make_user(roles=[Role.QA_LEAD])
    with pytest.raises(NotPermitted):
        assessment.allocate_assessors(
            lead, application, _assessor("One"), _assessor("Two"), today=TODAY
        )


def test_allocation_refuses_the_same_person_twice_a_conflict_or_a_non_assessor():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    declared = make_organisation()
    application = make_application(status=ApplicationStatus.SUBMITTED, interests=[declared])
    one = _assessor("One")
    with pytest.raises(DomainError, match="two different") as same:
        assessment.allocate_assessors(admin, application, one, one, today=TODAY)
    assert same.value.field == "second_assessor"
    conflicted = _assessor("Conflicted", organisation=declared)
    with pytest.raises(DomainError, match="conflict of interest") as conflict:
        assessment.allocate_assessors(admin, application, one, conflicted, today=TODAY)
    assert conflict.value.field == "second_assessor"
    with pytest.raises(DomainError, match="not an assessor"):
        assessment.allocate_assessors(admin, application, make_user(), one, today=TODAY)
    db.session.add(RoleGrant(user_id=application.applicant_id, role=Role.ASSESSOR))
    db.session.commit()
    with pytest.raises(DomainError, match="Is the applicant"):
        assessment.allocate_assessors(admin, application, application.applicant, one, today=TODAY)
    assert application.status is ApplicationStatus.SUBMITTED


# Scoring and independence


def test_scores_are_drafts_until_every_competency_is_scored_and_submitted():
    _, application, (a, _) = _allocated()
    competencies = _competencies(application)
    assessment.save_score(
        a.assessor, a, competencies[0], level=3, rationale="Good", version_id=a.version_id
    )
    with pytest.raises(DomainError, match="Not yet scored: AB2, CD1"):
        _submit(a)
    _score_all(a, [3, 3, 2])
    assert {s.level for s in a.scores} == {3, 2}
    with pytest.raises(DomainError, match="level to accredit") as no_level:
        assessment.submit_assessment(
            a.assessor,
            a,
            outcome=Outcome.ACCREDIT,
            level=None,
            comments="x",
            version_id=a.version_id,
        )
    assert no_level.value.field == "level"
    _submit(a)
    assert a.submitted_at is not None and a.recommended_level == "reviewer"
    assert application.status is ApplicationStatus.IN_ASSESSMENT  # waits for the other
    with pytest.raises(InvalidTransition):
        assessment.save_score(
            a.assessor, a, competencies[0], level=1, rationale="Later", version_id=a.version_id
        )
    assert count(AuditEvent, AuditEvent.action == "application.assessment_submitted") == 1


def test_a_score_must_be_on_the_scale_with_reasons():
    _, application, (a, _) = _allocated()
    competency = _competencies(application)[0]
    with pytest.raises(DomainError) as off_scale:
        assessment.save_score(a.assessor, a, competency, level=7, rationale="x", version_id=None)
    assert off_scale.value.field == "level"
    with pytest.raises(DomainError) as no_reasons:
        assessment.save_score(a.assessor, a, competency, level=2, rationale="  ", version_id=None)
    assert no_reasons.value.field == "rationale"


def test_only_the_allocated_assessor_scores_and_never_a_withdrawn_application():
    _, application, (a, _) = _allocated()
    competency = _competencies(application)[0]
    stranger = _assessor("Stranger")
    with pytest.raises(NotPermitted):
        assessment.save_score(stranger, a, competency, level=2, rationale="x", version_id=None)
    application.status = ApplicationStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        assessment.save_score(a.assessor, a, competency, level=2, rationale="x", version_id=None)


def test_a_stale_score_form_is_refused():
    _, application, (a, _) = _allocated()
    first, second = _competencies(application)[:2]
    seen = a.version_id
    assessment.save_score(a.assessor, a, first, level=2, rationale="Tab one", version_id=seen)
    assert a.version_id == seen + 1
    with pytest.raises(ConcurrentEdit):
        assessment.save_score(a.assessor, a, second, level=3, rationale="Tab two", version_id=seen)


def test_neither_assessor_sees_the_other_until_both_have_submitted():
    _, _, (a, b) = _allocated()
    _score_all(a, [3, 3, 3])
    _score_all(b, [3, 3, 3])
    assert aq.peer_assessment(a) is None and aq.peer_assessment(b) is None
    _submit(a)
    assert aq.peer_assessment(a) is None  # b has not submitted
    assert aq.peer_assessment(b) is None  # b has not submitted either
    _submit(b)
    assert aq.peer_assessment(a).id == b.id
    assert aq.peer_assessment(b).id == a.id
    # Only a moderator gets both assessments this way.
    assert aq.assessments_to_moderate(a) == []


# Agreement and moderation


def test_matching_or_adjacent_scores_agree_on_the_lower_level(app, inbox):
    admin, application, _, _ = _assess_both([3, 2, 4], [3, 3, 3])
    assert application.status is ApplicationStatus.AWAITING_DECISION
    agreed = {s.competency.code: s for s in aq.agreed_scores(application.id)}
    assert {code: s.level for code, s in agreed.items()} == {"AB1": 3, "AB2": 2, "CD1": 3}
    assert "First for AB2" in agreed["AB2"].rationale
    assert "Second for AB2" in agreed["AB2"].rationale
    assert all(s.moderator_id is None for s in agreed.values())
    change = application.status_changes[-1]
    assert change.actor_id is None and change.from_status is ApplicationStatus.IN_ASSESSMENT
    deliver_pending(app)
    inbox.wait_for(admin.email, "is ready for a decision")


def test_scores_two_levels_apart_need_moderation(app, inbox):
    admin, application, _, _ = _assess_both([1, 3, 3], [3, 3, 3])
    assert application.status is ApplicationStatus.MODERATION
    assert application.status_changes[-1].reason == "The two assessments disagree"
    assert "AB1 scored 1 and 3" in _disagreement(application)
    assert count(AgreedScore, AgreedScore.application_id == application.id) == 0
    deliver_pending(app)
    inbox.wait_for(admin.email, "needs a moderator")


def test_different_outcomes_need_moderation():
    _, application, _, _ = _assess_both([3, 3, 3], [3, 3, 3], second=Outcome.NOT_YET)
    assert application.status is ApplicationStatus.MODERATION
    assert "Different outcomes" in _disagreement(application)


def test_compare_assessments_is_a_pure_rule():
    names = {1: "AB1", 2: "AB2"}
    same = assessment.compare_assessments(
        Outcome.ACCREDIT, {1: 3, 2: 2}, Outcome.ACCREDIT, {1: 3, 2: 3}, names
    )
    assert not same.disagree and same.agreed_levels == {1: 3, 2: 2}
    apart = assessment.compare_assessments(
        Outcome.DECLINE, {1: 4, 2: 2}, Outcome.DECLINE, {1: 2, 2: 2}, names
    )
    assert apart.disagree and apart.reasons == ("AB1 scored 4 and 2",) and apart.agreed_levels == {}


def test_a_moderator_who_did_not_assess_records_the_agreed_scores(app, inbox):
    admin, application, a, b = _assess_both([1, 3, 3], [3, 3, 4])
    found = aq.candidates(
        application,
        today=TODAY,
        excluded={x.assessor_id: "Assessed this application" for x in (a, b)},
    )
    assert {c.user.id for c in found.conflicted} >= {a.assessor_id, b.assessor_id}
    with pytest.raises(DomainError, match="Assessed this application"):
        assessment.allocate_moderator(admin, application, a.assessor, today=TODAY)
    lead = make_user(name="Quinn Lead", roles=[Role.QA_LEAD])
    moderation = assessment.allocate_moderator(admin, application, lead, today=TODAY)
    assert moderation.purpose is AllocationPurpose.MODERATION and moderation.due_on == DUE
    with pytest.raises(InvalidTransition, match="already has a moderator"):
        assessment.allocate_moderator(admin, application, _assessor("Another"), today=TODAY)
    assert aq.peer_assessment(moderation) is None
    assert [x.id for x in aq.assessments_to_moderate(moderation)] == [a.id, b.id]
    # The assessors cannot touch their work any more, nor the moderator's.
    with pytest.raises(InvalidTransition):
        _submit(a)
    with pytest.raises(NotPermitted):
        assessment.save_score(
            a.assessor,
            moderation,
            _competencies(application)[0],
            level=3,
            rationale="x",
            version_id=None,
        )
    _score_all(moderation, [2, 3, 3], "Moderated")
    _submit(moderation, Outcome.NOT_YET)
    db.session.commit()
    assert application.status is ApplicationStatus.AWAITING_DECISION
    agreed = aq.agreed_scores(application.id)
    assert [s.level for s in agreed] == [2, 3, 3]
    assert {s.moderator_id for s in agreed} == {lead.id}
    assert application.status_changes[-1].actor_id == lead.id
    assert count(AuditEvent, AuditEvent.action == "application.moderation_submitted") == 1
    deliver_pending(app)
    inbox.wait_for(lead.email, "to moderate")
    inbox.wait_for(admin.email, "has been moderated")


def test_a_moderator_is_only_allocated_in_moderation():
    admin, application, _ = _allocated()
    with pytest.raises(InvalidTransition):
        assessment.allocate_moderator(admin, application, _assessor("Early"), today=TODAY)


# Information requests


def test_a_question_stops_the_clock_and_the_answer_moves_due_dates_on(app, inbox):
    _, application, (a, b) = _allocated()
    request = assessment.request_information(a.assessor, a, question="Which review was it?")
    assert application.status is ApplicationStatus.INFORMATION_REQUESTED
    deliver_pending(app)
    message = inbox.wait_for(application.applicant.email, "need more information")
    assert "Which review was it?" in message.get_payload(decode=True).decode()
    # While paused nobody can submit, and no second question can be asked.
    _score_all(a, [3, 3, 3])
    with pytest.raises(InvalidTransition):
        _submit(a)
    with pytest.raises(InvalidTransition):
        assessment.request_information(b.assessor, b, question="Another?")
    # Asked on Friday 6 March, answered on Wednesday 11 March: 3 working days.
    request.requested_at = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    with pytest.raises(NotPermitted):
        assessment.answer_information_request(
            a.assessor, request, response="x", today=date(2026, 3, 11)
        )
    paused = assessment.answer_information_request(
        application.applicant, request, response="The invented one.", today=date(2026, 3, 11)
    )
    assert paused == 3
    assert application.status is ApplicationStatus.IN_ASSESSMENT
    assert a.due_on == b.due_on == date(2026, 3, 19)
    assert application.status_changes[-1].actor_id == application.applicant_id
    with pytest.raises(InvalidTransition):
        assessment.answer_information_request(
            application.applicant, request, response="Again", today=date(2026, 3, 11)
        )
    deliver_pending(app)
    for allocation in (a, b):
        inbox.wait_for(allocation.assessor.email, "has answered your question")
    assert count(AuditEvent, AuditEvent.action == "application.information_given") == 1


def test_a_submitted_assessment_keeps_its_due_date_when_the_clock_restarts():
    _, application, (a, b) = _allocated()
    _score_all(a, [3, 3, 3])
    _submit(a)
    with pytest.raises(InvalidTransition):
        assessment.request_information(a.assessor, a, question="Too late")
    request = assessment.request_information(b.assessor, b, question="Anything else?")
    request.requested_at = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    assessment.answer_information_request(
        application.applicant, request, response="No", today=date(2026, 3, 9)
    )
    assert (a.due_on, b.due_on) == (DUE, date(2026, 3, 17))


def test_only_an_allocated_assessor_asks_and_never_with_an_empty_question():
    _, application, (a, _) = _allocated()
    with pytest.raises(NotPermitted):
        assessment.request_information(_assessor("Stranger"), a, question="Hello?")
    with pytest.raises(DomainError) as empty:
        assessment.request_information(a.assessor, a, question="  ")
    assert empty.value.field == "question"
    assert application.status is ApplicationStatus.IN_ASSESSMENT


# Queues and administrators' lists


def test_the_queue_marks_overdue_and_paused_work():
    _, _, (a, b) = _allocated()
    rows = aq.assessor_queue(a.assessor_id, today=date(2026, 3, 17))
    assert [(r.allocation.id, r.overdue, r.paused, r.scored, r.competencies) for r in rows] == [
        (a.id, True, False, 0, 3)
    ]
    assert aq.queue_summary(a.assessor_id, today=date(2026, 3, 17)) == aq.QueueSummary(1, 1)
    assert aq.queue_summary(a.assessor_id, today=TODAY) == aq.QueueSummary(1, 0)
    assessment.request_information(b.assessor, b, question="Why?")
    rows = aq.assessor_queue(a.assessor_id, today=date(2026, 3, 17))
    assert (rows[0].overdue, rows[0].paused) == (False, True)
    assert aq.queue_summary(a.assessor_id, today=date(2026, 3, 17)) == aq.QueueSummary(1, 0)


def test_administrators_see_what_needs_assessors_or_a_moderator():
    before = aq.allocation_todo()
    waiting = make_application(status=ApplicationStatus.SUBMITTED)
    _, moderated, _, _ = _assess_both([1, 1, 1], [3, 3, 3])
    todo = aq.allocation_todo()
    assert todo.needs_assessors == before.needs_assessors + 1
    assert todo.needs_moderator == before.needs_moderator + 1
    assert aq.needing_moderator([waiting.id, moderated.id]) == {moderated.id}
    assert aq.admin_overview(waiting).needs_assessors
    assert aq.admin_overview(moderated).needs_moderator


def test_an_own_declaration_on_an_old_application_still_counts():
    declared = make_organisation()
    application = make_application(status=ApplicationStatus.SUBMITTED, interests=[declared])
    assessor = _assessor("Former Applicant")
    previous = make_application(applicant=assessor, status=ApplicationStatus.WITHDRAWN)
    db.session.add(
        DeclaredInterest(
            application=previous,
            user_id=assessor.id,
            organisation_id=declared.id,
            kind=InterestKind.EMPLOYED,
            ended_on=date(2025, 1, 31),
        )
    )
    db.session.commit()
    reasons = aq.conflicts_of(application, [assessor], today=TODAY)
    assert len(reasons[assessor.id]) == 1


def test_assessors_are_reminded_once_before_the_due_date_and_once_when_overdue():
    from datetime import timedelta

    from portal.core.email import OutboxMessage

    _admin_user, _application, (a, b) = _allocated()
    assert assessment.remind_assessors(today=TODAY) == 0
    two_days_before = date(2026, 3, 12)  # Thursday; due Monday 16 March
    assert assessment.remind_assessors(today=two_days_before) == 2
    assert assessment.remind_assessors(today=two_days_before) == 0
    _score_all(a, [3, 3, 3])
    _submit(a)
    db.session.commit()
    overdue_day = DUE + timedelta(days=1)
    assert assessment.remind_assessors(today=overdue_day) == 1  # only the one still open
    assert assessment.remind_assessors(today=overdue_day + timedelta(days=3)) == 0
    db.session.commit()
    subjects = list(db.session.scalars(sa.select(OutboxMessage.subject)))
    assert sum(s.startswith("Overdue:") for s in subjects) == 1
    assert any(s.startswith("Assessment overdue:") for s in subjects)
    assert b.submitted_at is None


def test_no_reminder_while_the_applicant_is_asked_for_information():
    from datetime import timedelta

    _admin_user, _application, (a, _b) = _allocated()
    assessment.request_information(a.assessor, a, question="Which review is this?")
    db.session.commit()
    assert assessment.remind_assessors(today=DUE + timedelta(days=5)) == 0


# Handing unfinished work to someone else


def test_an_unfinished_assessment_is_handed_over_with_a_new_due_date_and_both_told(app, inbox):
    admin, application, (a, _b) = _allocated()
    before = a.assessor
    competency = _competencies(application)[0]
    assessment.save_score(
        a.assessor, a, competency, level=3, rationale="A draft", version_id=a.version_id
    )
    db.session.commit()
    carol = _assessor("Carol Third")
    later = date(2026, 3, 9)  # a Monday: due ten working days on
    assessment.replace_assessor(
        admin, a, carol, reason="Alex is ill.", today=later, version_id=a.version_id
    )
    db.session.commit()
    db.session.refresh(a)
    assert a.assessor_id == carol.id and a.due_on == date(2026, 3, 23)
    assert a.scores == [] and a.submitted_at is None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "application.assessor_replaced")
    )
    assert event.changes["assessor_id"] == [before.id, carol.id]
    assert event.changes["reason"] == "Alex is ill." and event.changes["draft_scores_removed"] == 1
    deliver_pending(app)
    assert "23 March 2026" in str(inbox.wait_for(carol.email, application.reference)["Subject"])
    told = inbox.wait_for(before.email, "handed to someone else")
    assert "Alex is ill" not in told.get_payload()
    # The new assessor works it like any allocation; the person replaced no longer can.
    _score_all(a, [3] * len(_competencies(application)))
    with pytest.raises(NotPermitted):
        assessment.save_score(
            before, a, competency, level=2, rationale="Too late", version_id=a.version_id
        )


def test_a_replacement_passes_the_allocation_checks():
    admin, _application, (a, b) = _allocated()
    for person, message in (
        (b.assessor, "conflict of interest: Already on it"),
        (a.assessor, "conflict of interest: Is the assessor being replaced"),
        (make_user(name="Not Assessor"), "Not Assessor is not an assessor"),
    ):
        with pytest.raises(DomainError, match=message):
            assessment.replace_assessor(
                admin, a, person, reason="x", today=TODAY, version_id=a.version_id
            )
        db.session.rollback()
    with pytest.raises(DomainError, match="Enter why the assessor is being replaced"):
        assessment.replace_assessor(
            admin, a, _assessor("Dee"), reason="  ", today=TODAY, version_id=a.version_id
        )
    db.session.rollback()
    with pytest.raises(ConcurrentEdit):
        assessment.replace_assessor(
            admin, a, _assessor("Eve"), reason="x", today=TODAY, version_id=a.version_id - 1
        )
    db.session.rollback()
    with pytest.raises(NotPermitted):
        assessment.replace_assessor(
            b.assessor, a, _assessor("Fay"), reason="x", today=TODAY, version_id=None
        )


def test_submitted_work_and_a_closed_application_are_not_handed_over():
    admin, application, a, _b = _assess_both([3, 3, 3], [3, 3, 3])
    assert not aq.replaceable(a, application)
    with pytest.raises(InvalidTransition, match="submitted"):
        assessment.replace_assessor(
            admin, a, _assessor("Gil"), reason="x", today=TODAY, version_id=None
        )
