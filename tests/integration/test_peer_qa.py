"""Peer QA services: submission rules, conflict-free allocation, blind scoring, the agreement
rule, moderation, the author's response and the seams to mentoring and renewal."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.applications.models import (
    AccreditationStatus,
    DeclaredInterest,
    InterestKind,
    MentorPairing,
)
from portal.auth.models import RoleGrant
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.email import OutboxMessage
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.peer_qa import queries, services
from portal.peer_qa.models import (
    AgreedMarkerScore,
    Confidence,
    QaStatus,
    ReviewType,
)
from tests.factories import (
    count,
    make_application,
    make_organisation,
    make_peer_assessment,
    make_peer_assessor,
    make_qa_review,
    make_record,
    make_rubric,
    make_user,
)
from tests.files import docx_bytes, pdf_bytes

TODAY = date(2026, 11, 26)


def _reviewer():
    user = make_user(roles=[Role.REVIEWER])
    make_record(user=user, starts_on=date(2025, 1, 1))
    return user


def _declare(user, organisation, *, ended_on=None):
    application = make_application(applicant=user)
    db.session.add(
        DeclaredInterest(
            application_id=application.id,
            user_id=user.id,
            organisation_id=organisation.id,
            kind=InterestKind.CONTRACTED,
            ended_on=ended_on,
        )
    )
    db.session.commit()


def _lead():
    return make_user(roles=[Role.QA_LEAD])


def _complete_draft(author):
    make_rubric()
    review = services.start_review(author, today=TODAY)
    services.save_details(
        author,
        review,
        title="Learning about neglect in a rural family",
        partnership=make_organisation(),
        review_type=ReviewType.RAPID_REVIEW,
        published_on=date(2026, 6, 1),
        themes=["neglect"],
        today=TODAY,
    )
    services.attach_report(
        author, review, io.BytesIO(pdf_bytes()), UploadStore(current_app.config["UPLOAD_DIR"])
    )
    services.add_recommendation(author, review, "The partnership should fund a shared tool.")
    services.confirm_recommendations(author, review)
    services.save_involvement(
        author,
        review,
        {
            group: {"invited": True, "took_part": group != "children", "how": "In person"}
            for group in queries.INVOLVEMENT_GROUPS
        }
        | {"practitioner_support": "A debrief and a follow-up call"},
    )
    return review


# Submission


def test_only_a_currently_accredited_reviewer_starts_a_review():
    with pytest.raises(DomainError, match="current accreditation"):
        services.start_review(make_user(roles=[Role.REVIEWER]), today=TODAY)
    with pytest.raises(NotPermitted):
        services.start_review(make_user(roles=[Role.ASSESSOR]), today=TODAY)
    lapsed = make_user(roles=[Role.REVIEWER])
    make_record(user=lapsed, starts_on=date(2020, 1, 1))
    with pytest.raises(DomainError):
        services.start_review(lapsed, today=TODAY)


def test_a_complete_draft_is_submitted_against_the_rubric_in_use_and_the_qa_lead_told():
    author, lead = _reviewer(), _lead()
    review = _complete_draft(author)
    assert services.missing_sections(review) == []
    services.submit_review(
        author, review, anonymised=True, personal_data_checked=False, today=TODAY
    )
    assert review.status is QaStatus.SUBMITTED
    assert review.reference == f"QA-2026-{review.id:05d}"
    assert review.rubric_id == make_rubric().id
    assert review.report_text == "Invented anonymised report"  # read when it was uploaded
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == lead.email)
    )
    assert review.reference in message.subject
    actions = set(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.subject_id == str(review.id))
        )
    )
    assert {
        "qa_review.started",
        "qa_review.details_saved",
        "qa_review.report_attached",
        "qa_review.moved_to_submitted",
    } <= actions


def test_submission_needs_every_section_and_the_declaration():
    author = _reviewer()
    make_rubric()
    review = services.start_review(author, today=TODAY)
    with pytest.raises(DomainError, match="Complete every section"):
        services.submit_review(
            author, review, anonymised=True, personal_data_checked=True, today=TODAY
        )
    review = _complete_draft(author)
    with pytest.raises(DomainError, match="anonymised") as caught:
        services.submit_review(
            author, review, anonymised=False, personal_data_checked=False, today=TODAY
        )
    assert caught.value.field == "anonymised"


def test_possible_personal_data_is_a_warning_to_confirm_not_a_block():
    author = _reviewer()
    review = _complete_draft(author)
    services.add_recommendation(author, review, "Mrs Jones should be seen at 14 Acacia Road.")
    found = queries.personal_data_in(review)
    assert [w.where for w in found] == ["Recommendation 2", "Recommendation 2"]
    with pytest.raises(DomainError) as caught:
        services.submit_review(
            author, review, anonymised=True, personal_data_checked=False, today=TODAY
        )
    assert caught.value.field == "personal_data_checked"
    services.submit_review(author, review, anonymised=True, personal_data_checked=True, today=TODAY)
    assert review.personal_data_confirmed_at is not None


def test_the_involvement_record_is_checked():
    author = _reviewer()
    review = _complete_draft(author)
    with pytest.raises(DomainError) as caught:
        services.save_involvement(
            author,
            review,
            {"family": {"invited": False, "took_part": True}, "practitioner_support": "x"},
        )
    assert caught.value.field == "family_invited"
    with pytest.raises(DomainError) as caught:
        services.save_involvement(author, review, {})
    assert caught.value.field == "practitioner_support"


def test_recommendations_are_added_changed_and_removed_one_per_row():
    author = _reviewer()
    make_rubric()
    review = services.start_review(author, today=TODAY)
    services.add_recommendation(author, review, "  First   one ")
    services.add_recommendation(author, review, "Second")
    services.change_recommendation(author, review, 1, "Second, changed")
    assert review.recommendations == ["First one", "Second, changed"]
    services.remove_recommendation(author, review, 0)
    assert review.recommendations == ["Second, changed"]
    with pytest.raises(DomainError):
        services.remove_recommendation(author, review, 5)
    with pytest.raises(DomainError):
        services.add_recommendation(author, review, "   ")
    with pytest.raises(NotPermitted):
        services.add_recommendation(_reviewer(), review, "Someone else's")


def test_extracted_recommendations_seed_an_empty_list_only():
    author = _reviewer()
    make_rubric()
    review = services.start_review(author, today=TODAY)
    services.record_report_analysis(
        author, review, text="Full text", recommendations=["A", " ", "B"]
    )
    assert review.report_text == "Full text"
    assert review.recommendations == ["A", "B"]
    services.record_report_analysis(author, review, text="Again", recommendations=["C"])
    assert review.recommendations == ["A", "B"]


def test_reports_are_pdf_or_docx_within_the_size_limit():
    author = _reviewer()
    make_rubric()
    review = services.start_review(author, today=TODAY)
    store = UploadStore(current_app.config["UPLOAD_DIR"])
    with pytest.raises(DomainError, match="PDF or Word") as caught:
        services.attach_report(author, review, io.BytesIO(b"plain text, not a report"), store)
    assert caught.value.field == "report"
    big = pdf_bytes(padding=services.REPORT_MAX_MEGABYTES * 1024 * 1024)
    with pytest.raises(DomainError, match="smaller than"):
        services.attach_report(author, review, io.BytesIO(big), store)
    assert services.attach_report(author, review, io.BytesIO(docx_bytes()), store) is None
    first = review.report_key
    assert services.attach_report(author, review, io.BytesIO(pdf_bytes()), store) == first


def test_a_submitted_review_cannot_be_edited():
    review = make_qa_review()
    with pytest.raises(InvalidTransition):
        services.add_recommendation(review.author, review, "Late")


# Allocation


def test_suggestions_leave_out_conflicts_and_put_the_lowest_load_first():
    partnership = make_organisation()
    author_org = make_organisation()
    author = _reviewer()
    _declare(author, author_org)
    review = make_qa_review(author=author, partnership=partnership)
    busy, free = make_peer_assessor(name="Busy Assessor"), make_peer_assessor(name="Zed Free")
    make_peer_assessment(make_qa_review(status="in_assessment"), assessor=busy, submitted=False)
    declared_partnership = make_peer_assessor(name="Declared Partnership")
    _declare(declared_partnership, partnership)
    long_ago = make_peer_assessor(name="Ended Long Ago")
    _declare(long_ago, partnership, ended_on=TODAY - timedelta(days=3 * 366 + 2))
    make_peer_assessor(name="Works There", organisation=partnership)
    linked_to_author = make_peer_assessor(name="Linked To Author")
    _declare(linked_to_author, author_org)
    # The author is accredited and an assessor too, but never a candidate.
    db.session.add(RoleGrant(user_id=author.id, role=Role.ASSESSOR))
    db.session.commit()
    not_accredited = make_user(roles=[Role.ASSESSOR], name="Not Accredited")

    found = queries.candidates(review, today=TODAY)
    suggested = [c.user.name for c in found.suggested]
    assert suggested == ["Ended Long Ago", "Zed Free", "Busy Assessor"]
    reasons = {c.user.name: c.conflicts for c in found.conflicted}
    assert set(reasons) == {"Declared Partnership", "Works There", "Linked To Author", author.name}
    assert reasons[author.name][0] == "Is the author"
    assert reasons["Declared Partnership"][0].startswith("Commissioning partnership: Declared")
    assert reasons["Works There"] == (f"Commissioning partnership: Works for {partnership.name}",)
    assert reasons["Linked To Author"][0].startswith("Declared by the author too")
    assert not_accredited.name not in suggested + list(reasons)
    assert free.id in {c.user.id for c in found.suggested}


def test_the_qa_lead_allocates_two_different_conflict_free_peers_who_are_emailed_blind():
    lead, review = _lead(), make_qa_review()
    first, second = make_peer_assessor(), make_peer_assessor()
    conflicted = make_peer_assessor(organisation=review.partnership)
    with pytest.raises(NotPermitted):
        services.allocate_peers(first, review, first, second, today=TODAY)
    with pytest.raises(DomainError, match="two different") as caught:
        services.allocate_peers(lead, review, first, first, today=TODAY)
    assert caught.value.field == "second"
    with pytest.raises(DomainError, match="conflict of interest"):
        services.allocate_peers(lead, review, first, conflicted, today=TODAY)
    made = services.allocate_peers(lead, review, first, second, today=TODAY)
    assert review.status is QaStatus.IN_ASSESSMENT
    assert {a.assessor_id for a in made} == {first.id, second.id}
    emails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address.in_([first.email, second.email]))
    ).all()
    assert len(emails) == 2
    for message in emails:
        assert review.author.name not in message.body_text + message.subject
        assert review.author.email not in message.body_text
    with pytest.raises(InvalidTransition):
        services.allocate_peers(lead, review, first, second, today=TODAY)


# Scoring, agreement and moderation


def _allocated():
    lead, review = _lead(), make_qa_review()
    first, second = make_peer_assessor(), make_peer_assessor()
    services.allocate_peers(lead, review, first, second, today=TODAY)
    db.session.commit()
    a, b = queries.assessments_of(review.id)
    return lead, review, a, b


def _score(assessment, level_by_code, grade, *, submit=True):
    markers = queries.markers_of(assessment.review.rubric_id)
    services.save_assessment(
        assessment.assessor,
        assessment,
        scores={
            m.id: services.ScoreInput(level_by_code.get(m.code, 3), f"On {m.code}") for m in markers
        },
        overall_grade=grade,
        confidence=Confidence.HIGH,
        summary_for_author="A clear review.",
        notes_for_lead="Private note for the lead.",
    )
    if submit:
        services.submit_assessment(assessment.assessor, assessment)


def test_an_unsubmitted_peer_assessment_is_handed_over_blind_with_the_reason_audited():
    lead, review, a, b = _allocated()
    _score(a, {}, 3, submit=False)
    before = a.assessor
    other = make_peer_assessor()
    services.replace_peer(
        lead, a, other, reason="They recognised the review.", today=TODAY, version_id=None
    )
    db.session.commit()
    db.session.refresh(a)
    assert a.assessor_id == other.id and a.scores == [] and a.overall_grade is None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "qa_review.peer_replaced")
    )
    assert event.changes["assessor_id"] == [before.id, other.id]
    assert event.changes["reason"] == "They recognised the review."
    for person in (before, other):
        (message,) = db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.to_address == person.email,
                OutboxMessage.subject.contains(review.reference),
                OutboxMessage.subject.not_like("%to assess%")
                if person is before
                else OutboxMessage.subject.like("%to assess%"),
            )
        )
        assert review.author.name not in message.body_text + message.subject
        assert "recognised" not in message.body_text
    # The new peer scores and submits; the one replaced no longer can.
    with pytest.raises(NotPermitted):
        services.save_assessment(
            before,
            a,
            scores={},
            overall_grade=3,
            confidence=Confidence.HIGH,
            summary_for_author="Too late.",
            notes_for_lead="",
        )
    _score(a, {}, 3)
    _score(b, {}, 3)
    assert review.status is QaStatus.COMPLETED


def test_a_replacement_peer_passes_the_allocation_checks():
    lead, review, a, b = _allocated()
    conflicted = make_peer_assessor(organisation=review.partnership)
    for person, message in (
        (b.assessor, "already assesses this review"),
        (a.assessor, "already assesses this review"),
        (conflicted, "conflict of interest"),
        (make_user(roles=[Role.ASSESSOR]), "accredited reviewer who holds the assessor role"),
    ):
        with pytest.raises(DomainError, match=message):
            services.replace_peer(lead, a, person, reason="x", today=TODAY, version_id=None)
        db.session.rollback()
    with pytest.raises(DomainError, match="Enter why"):
        services.replace_peer(
            lead, a, make_peer_assessor(), reason=" ", today=TODAY, version_id=None
        )
    db.session.rollback()
    with pytest.raises(NotPermitted):
        services.replace_peer(
            b.assessor, a, make_peer_assessor(), reason="x", today=TODAY, version_id=None
        )
    db.session.rollback()
    _score(a, {}, 3)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        services.replace_peer(
            lead, a, make_peer_assessor(), reason="x", today=TODAY, version_id=None
        )


def test_only_the_allocated_assessor_scores_and_only_a_complete_assessment_is_submitted():
    _, review, a, b = _allocated()
    with pytest.raises(NotPermitted):
        services.save_assessment(
            b.assessor,
            a,
            scores={},
            overall_grade=None,
            confidence=None,
            summary_for_author="",
            notes_for_lead="",
        )
    with pytest.raises(NotPermitted):
        services.submit_assessment(make_peer_assessor(), a)
    markers = queries.markers_of(review.rubric_id)
    services.save_assessment(
        a.assessor,
        a,
        scores={markers[0].id: services.ScoreInput(3, "")},
        overall_grade=None,
        confidence=None,
        summary_for_author="",
        notes_for_lead="",
    )
    with pytest.raises(DomainError) as caught:
        services.submit_assessment(a.assessor, a)
    assert caught.value.field == f"comment_{markers[0].id}"
    with pytest.raises(DomainError):
        services.save_assessment(
            a.assessor,
            a,
            scores={markers[0].id: services.ScoreInput(7, "x")},
            overall_grade=None,
            confidence=None,
            summary_for_author="",
            notes_for_lead="",
        )


def test_the_other_peers_scores_stay_unreadable_until_both_are_in():
    _, _review, a, b = _allocated()
    _score(a, {}, 3)
    assert queries.other_assessment(a) is None
    assert queries.other_assessment(b) is None
    _score(b, {}, 3)
    assert queries.other_assessment(a).id == b.id


def test_one_level_apart_derives_the_lower_levels_and_completes():
    _, review, a, b = _allocated()
    _score(a, {"R07": 2, "P01": 1}, 3)
    _score(b, {"R07": 3, "P01": 4}, 4)
    assert review.status is QaStatus.COMPLETED
    agreed = {s.marker.code: s.level for s in queries.agreed_scores(review.id)}
    assert agreed["R07"] == 2 and agreed["P01"] == 1 and agreed["R01"] == 3
    assert review.agreed_grade == 3 and review.passed is True
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == review.author.email)
    )
    assert "feedback" in message.subject.lower()
    for person in (a.assessor, b.assessor):
        assert person.name not in message.body_text


def test_two_levels_apart_on_a_marker_sends_it_to_moderation():
    lead, review, a, b = _allocated()
    _score(a, {"R07": 1}, 3)
    _score(b, {"R07": 3}, 3)
    assert review.status is QaStatus.MODERATION
    assert count(AgreedMarkerScore, AgreedMarkerScore.review_id == review.id) == 0
    assert db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.to_address == lead.email, OutboxMessage.subject.like("%moderation%")
        )
    )


def test_two_levels_apart_on_the_overall_grade_sends_it_to_moderation():
    _, review, a, b = _allocated()
    _score(a, {}, 2)
    _score(b, {}, 4)
    assert review.status is QaStatus.MODERATION


def test_the_qa_lead_moderates_with_a_rationale_and_partnership_markers_keep_the_lower():
    lead, review, a, b = _allocated()
    _score(a, {"R07": 1, "P02": 1}, 2)
    _score(b, {"R07": 4, "P02": 4}, 4)
    markers = queries.markers_of(review.rubric_id)
    levels = {m.id: 3 for m in markers if m.counts}
    with pytest.raises(DomainError) as caught:
        services.moderate(lead, review, levels=levels, overall_grade=3, rationale=" ")
    assert caught.value.field == "rationale"
    with pytest.raises(NotPermitted):
        services.moderate(a.assessor, review, levels=levels, overall_grade=3, rationale="x")
    services.moderate(lead, review, levels=levels, overall_grade=2, rationale="We agreed on 3.")
    assert review.status is QaStatus.COMPLETED
    agreed = {s.marker.code: s for s in queries.agreed_scores(review.id)}
    assert agreed["R07"].level == 3 and agreed["R07"].moderated
    assert agreed["P02"].level == 1 and not agreed["P02"].moderated
    assert review.agreed_grade == 2 and review.passed is False
    feedback = queries.author_feedback(review)
    assert feedback.moderation_rationale == "We agreed on 3."
    assert all("Private note" not in c for r in feedback.reviewer for c in r.comments)
    with pytest.raises(InvalidTransition):
        services.moderate(lead, review, levels=levels, overall_grade=3, rationale="Again")


def test_the_author_responds_once_the_feedback_is_released():
    _lead_user, review, a, b = _allocated()
    with pytest.raises(InvalidTransition):
        services.respond_to_feedback(review.author, review, "Too early")
    _score(a, {}, 3)
    _score(b, {}, 3)
    with pytest.raises(NotPermitted):
        services.respond_to_feedback(a.assessor, review, "Not mine")
    services.respond_to_feedback(review.author, review, "Thank you; I will act on R12.")
    assert review.status is QaStatus.RESPONDED
    assert [c.to_status for c in review.status_changes][-1] is QaStatus.RESPONDED


# Seams


def test_a_provisional_authors_qa_result_reports_to_mentoring():
    author = make_user(roles=[Role.REVIEWER])
    record = make_record(user=author, status="provisional", starts_on=date(2026, 1, 5))
    pairing = MentorPairing(
        record_id=record.id, mentor_id=make_peer_assessor().id, paired_by_id=_lead().id
    )
    db.session.add(pairing)
    db.session.commit()
    review = make_qa_review(author=author, status="in_assessment")
    make_peer_assessment(review, level=3, grade=3)
    second = make_peer_assessment(review, level=3, grade=4, submitted=False)
    second.submitted_at = None
    db.session.commit()
    # The second assessor submits through the service, which completes the QA.
    services.submit_assessment(second.assessor, second)
    assert review.status is QaStatus.COMPLETED
    assert pairing.review_reference == review.reference and pairing.review_passed is True
    assert record.status is AccreditationStatus.ACCREDITED


def test_qa_outcomes_for_lists_completed_reviews_in_the_period():
    author = _reviewer()
    done = make_qa_review(author=author, status="completed")
    done.agreed_grade, done.passed, done.completed_at = 4, True, utcnow()
    make_qa_review(author=author, status="in_assessment")
    make_qa_review(status="completed")  # someone else's
    db.session.commit()
    today = done.completed_at.date()
    outcomes = queries.qa_outcomes_for(author.id, today - timedelta(days=1), today)
    assert [(o.reference, o.grade_label, o.passed) for o in outcomes] == [
        (done.reference, "Outstanding", True)
    ]
    assert (
        queries.qa_outcomes_for(author.id, today + timedelta(days=1), today + timedelta(days=9))
        == []
    )
