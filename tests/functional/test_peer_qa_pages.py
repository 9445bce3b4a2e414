"""Peer QA through its pages: an author submits, the QA lead allocates, two peers score blind,
the QA lead moderates, the author reads and responds. Blindness, uploads and object checks."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.applications.models import AccreditationRecord
from portal.auth.models import User
from portal.core.email import OutboxMessage
from portal.core.permissions import Role
from portal.core.worker import deliver_pending
from portal.extensions import db
from portal.peer_qa import queries
from portal.peer_qa.models import PeerAssessment, QaReview, QaStatus
from tests.conftest import SERVICE_NAME
from tests.factories import (
    attach_report_file,
    make_organisation,
    make_peer_assessment,
    make_peer_assessor,
    make_qa_review,
    make_record,
    make_rubric,
    make_user,
)
from tests.files import pdf_bytes
from tests.support import body_of, error_messages, page_checks, sign_in_as, submit

AUTHOR_NAME = "Hermione Quillfeather-Ashdown"
AUTHOR_FILE = "Quillfeather final report.pdf"


def _errors(response):
    return error_messages(BeautifulSoup(response.get_data(as_text=True), "html.parser"))


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page_checks(response, service_name=SERVICE_NAME)
    return response.get_data(as_text=True)


def _author():
    author = make_user(
        name=AUTHOR_NAME, email="hermione.quillfeather@example.test", roles=[Role.REVIEWER]
    )
    record = make_record(user=author)
    return author, record.number


def _submit_through_pages(client, author):
    make_rubric()
    partnership = make_organisation(name="Invented Dale Safeguarding Children Partnership")
    sign_in_as(client, author)
    _page(client, "/peer-qa/reviews")
    started = submit(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews")
    assert started.status_code == 302
    base = started.headers["Location"]
    review_id = int(base.rsplit("/", 1)[1])
    _page(client, base)
    _page(client, f"{base}/details")
    answer = submit(
        client,
        f"{base}/details",
        {
            "title": "Learning from the experiences of a baby in a busy household",
            "partnership": str(partnership.id),
            "review_type": "lcspr",
            "published_on": ["2", "3", "2026"],
            "themes": ["neglect"],
        },
    )
    assert answer.status_code == 302, _errors(answer)
    _page(client, f"{base}/report")
    uploaded = submit(client, f"{base}/report", {"report": (io.BytesIO(pdf_bytes()), AUTHOR_FILE)})
    assert uploaded.status_code == 302, _errors(uploaded)
    _page(client, f"{base}/recommendations")
    for text in (
        "The partnership should fund a shared measure of caseloads across agencies by March.",
        "Health visitors should check on Baby Smith at 14 Acacia Road.",
    ):
        added = submit(client, f"{base}/recommendations", {"text": text})
        assert added.status_code == 302
    _page(client, f"{base}/recommendations/2")
    changed = submit(
        client, f"{base}/recommendations/2", {"text": "Health visitors should see Baby Smith."}
    )
    assert changed.status_code == 302
    confirmed = submit(client, f"{base}/recommendations", {"confirm-confirm": "y"})
    assert confirmed.status_code == 302, _errors(confirmed)
    _page(client, f"{base}/involvement")
    answers = {"practitioner_support": "A debrief and a call a month later."}
    for group in ("children", "family", "practitioners"):
        answers |= {
            f"{group}_invited": "yes",
            f"{group}_took_part": "no" if group == "children" else "yes",
            f"{group}_how": "Met in person with an advocate",
            f"{group}_adjustments": "",
        }
    saved = submit(client, f"{base}/involvement", answers)
    assert saved.status_code == 302, _errors(saved)
    check = _page(client, f"{base}/check")
    assert "Some of what you wrote may identify a person" in check
    assert "Baby Smith" in check
    refused = submit(client, f"{base}/check", {"anonymised": "y"})
    assert refused.status_code == 200
    assert _errors(refused) == ["Confirm you have checked the possible personal data listed above"]
    page_checks(refused, service_name=SERVICE_NAME)
    done = submit(client, f"{base}/check", {"anonymised": "y", "personal_data_checked": "y"})
    assert done.status_code == 302, _errors(done)
    review = db.session.get(QaReview, review_id)
    assert review.status is QaStatus.SUBMITTED
    return review


def _score_through_pages(client, assessor, assessment, levels, grade):
    sign_in_as(client, assessor)
    url = f"/peer-qa/assessments/{assessment.id}"
    text = _page(client, url)
    data = {
        "overall_grade": str(grade),
        "confidence": "medium",
        "summary_for_author": "Clear and useful.",
        "notes_for_lead": "Only for the lead.",
        "submit_assessment": "Submit assessment",
        "version_id": str(assessment.version_id),
    }
    for marker in queries.markers_of(assessment.review.rubric_id):
        data[f"level_{marker.id}"] = str(levels.get(marker.code, 3))
        data[f"comment_{marker.id}"] = f"Assessor comment on {marker.code}"
    sent = submit(client, url, data)
    assert sent.status_code == 302, _errors(sent)
    return text


def _everything_an_assessor_sees(client, assessor, assessment, review):
    seen = [
        _page(client, "/peer-qa/assessments"),
        _page(client, f"/peer-qa/assessments/{assessment.id}"),
    ]
    download = client.get(f"/peer-qa/reviews/{review.id}/report/file")
    assert download.status_code == 200
    seen.append(str(download.headers))
    seen += [
        m.subject + m.body_text
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == assessor.email)
        )
    ]
    return "\n".join(seen)


def test_the_whole_journey_through_the_pages_is_blind_both_ways(client, app, inbox):
    author, number = _author()
    review = _submit_through_pages(client, author)
    lead = make_user(name="Quentin Leadbetter", roles=[Role.QA_LEAD])
    first = make_peer_assessor(name="Perpetua Firstassessor")
    second = make_peer_assessor(name="Barnaby Secondassessor")

    sign_in_as(client, lead)
    listing = _page(client, "/peer-qa/manage")
    assert review.reference in listing
    manage = _page(client, f"/peer-qa/manage/{review.id}")
    assert AUTHOR_NAME in manage  # the QA lead knows who wrote it
    allocate = _page(client, f"/peer-qa/manage/{review.id}/allocate")
    assert first.name in allocate and AUTHOR_NAME not in allocate.split("Allocate</button>")[0]
    same = submit(
        client,
        f"/peer-qa/manage/{review.id}/allocate",
        {"first": str(first.id), "second": str(first.id)},
    )
    assert _errors(same) == ["Choose two different peer assessors"]
    allocated = submit(
        client,
        f"/peer-qa/manage/{review.id}/allocate",
        {"first": str(first.id), "second": str(second.id)},
    )
    assert allocated.status_code == 302, _errors(allocated)
    a, b = queries.assessments_of(review.id)

    before = _score_through_pages(client, first, a, {"R07": 1}, 3)
    assert "Assessor comment" not in before
    # The second peer cannot read the first's scores before submitting.
    sign_in_as(client, second)
    hidden = _page(client, f"/peer-qa/assessments/{b.id}")
    assert "Assessor comment on R07" not in hidden and "Only for the lead" not in hidden
    _score_through_pages(client, second, b, {"R07": 3}, 3)
    db.session.expire_all()
    assert db.session.get(QaReview, review.id).status is QaStatus.MODERATION

    for assessor, assessment in ((first, a), (second, b)):
        sign_in_as(client, assessor)
        seen = _everything_an_assessor_sees(client, assessor, assessment, review)
        for secret in (AUTHOR_NAME, "Quillfeather", author.email, number, AUTHOR_FILE):
            assert secret not in seen, secret
        assert f"filename=review-{review.reference}.pdf" in seen
    # After both are in, each sees the other's levels, never their name or notes.
    assert "Hidden until both are in" not in _page(client, f"/peer-qa/assessments/{b.id}")

    sign_in_as(client, lead)
    moderation = _page(client, f"/peer-qa/manage/{review.id}/moderate")
    assert "Only for the lead." in moderation
    markers = [m for m in queries.markers_of(review.rubric_id) if m.counts]
    empty = submit(client, f"/peer-qa/manage/{review.id}/moderate", {})
    assert "Give the rationale for the agreed scores" in _errors(empty)
    page_checks(empty, service_name=SERVICE_NAME)
    agreed = submit(
        client,
        f"/peer-qa/manage/{review.id}/moderate",
        {f"level_{m.id}": "2" if m.code == "R07" else "3" for m in markers}
        | {"overall_grade": "3", "rationale": "The analysis explains some of why, not all."},
    )
    assert agreed.status_code == 302, _errors(agreed)
    db.session.expire_all()
    assert db.session.get(QaReview, review.id).status is QaStatus.COMPLETED

    sign_in_as(client, author)
    seen_by_author = [
        _page(client, "/peer-qa/reviews"),
        _page(client, f"/peer-qa/reviews/{review.id}"),
        _page(client, f"/peer-qa/reviews/{review.id}/respond"),
    ]
    feedback = seen_by_author[1]
    assert "Assessor comment on R07" in feedback
    assert "The analysis explains some of why" in feedback
    assert "Only for the lead" not in feedback
    responded = submit(
        client,
        f"/peer-qa/reviews/{review.id}/respond",
        {"response": "Thank you. I will work on the analysis."},
    )
    assert responded.status_code == 302
    seen_by_author.append(_page(client, f"/peer-qa/reviews/{review.id}"))
    seen_by_author += [
        m.subject + m.body_text
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == author.email)
        )
    ]
    everything = "\n".join(seen_by_author)
    for person in (first, second):
        for secret in (person.name, person.email, person.name.split()[1]):
            assert secret not in everything, secret
    assert db.session.get(QaReview, review.id).status is QaStatus.RESPONDED

    # The same holds for the messages as the SMTP server receives them.
    deliver_pending(app)
    for assessor in (first, second):
        received = inbox.to(assessor.email)
        assert received, assessor.email
        for message in received:
            text = str(message["Subject"]) + body_of(message)
            for secret in (AUTHOR_NAME, author.email, number):
                assert secret not in text
    to_author = inbox.to(author.email)
    assert any("feedback" in str(m["Subject"]).lower() for m in to_author)
    for message in to_author:
        text = str(message["Subject"]) + body_of(message)
        for person in (first, second):
            assert person.name not in text and person.email not in text


def test_report_uploads_are_checked_by_content_and_size(client, app):
    author, _ = _author()
    make_rubric()
    sign_in_as(client, author)
    started = submit(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews")
    base = started.headers["Location"]
    wrong = submit(
        client, f"{base}/report", {"report": (io.BytesIO(b"MZ not a pdf at all"), "report.pdf")}
    )
    assert _errors(wrong) == ["The selected file must be a PDF or Word document (DOCX)"]
    page_checks(wrong, service_name=SERVICE_NAME)
    big = pdf_bytes(padding=15 * 1024 * 1024)
    too_big = submit(client, f"{base}/report", {"report": (io.BytesIO(big), "report.pdf")})
    assert _errors(too_big) == ["The file must be smaller than 15 MB"]
    none = submit(client, f"{base}/report", {})
    assert _errors(none) == ["Select the report to upload"]
    stored = list(app.config["UPLOAD_DIR"].rglob("*"))
    assert not [p for p in stored if p.suffix == ".partial"]


def test_details_errors_keep_what_was_typed(client):
    author, _ = _author()
    make_rubric()
    sign_in_as(client, author)
    base = submit(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews").headers[
        "Location"
    ]
    response = submit(
        client,
        f"{base}/details",
        {"title": "Kept title", "published_on": ["31", "2", "2026"], "version_id": "1"},
    )
    assert response.status_code == 200
    messages = _errors(response)
    assert "Enter a real date" in messages
    assert "Select at least one theme" in messages
    assert 'value="Kept title"' in response.get_data(as_text=True)
    page_checks(response, service_name=SERVICE_NAME)


def test_reviews_and_assessments_are_closed_to_everyone_else(client):
    review = make_qa_review()
    attach_report_file(review)
    allocated = make_peer_assessment(review, submitted=False)
    other_reviewer = make_user(roles=[Role.REVIEWER])
    make_record(user=other_reviewer)
    sign_in_as(client, other_reviewer)
    for path in (
        "",
        "/details",
        "/report",
        "/recommendations",
        "/involvement",
        "/check",
        "/respond",
        "/report/file",
    ):
        assert client.get(f"/peer-qa/reviews/{review.id}{path}").status_code == 403, path
    unallocated = make_peer_assessor()
    sign_in_as(client, unallocated)
    assert client.get(f"/peer-qa/assessments/{allocated.id}").status_code == 403
    assert client.get(f"/peer-qa/reviews/{review.id}/report/file").status_code == 403
    sign_in_as(client, allocated.assessor)
    assert client.get(f"/peer-qa/assessments/{allocated.id}").status_code == 200
    assert client.get(f"/peer-qa/reviews/{review.id}/report/file").status_code == 200
    assert client.get(f"/peer-qa/reviews/{review.id}").status_code == 403
    assert client.get("/peer-qa/assessments/999999").status_code == 404


def test_the_qa_lead_replaces_a_peer_who_has_not_submitted(client):
    review = make_qa_review(status="in_assessment")
    first = make_peer_assessment(review, submitted=False)
    second = make_peer_assessment(review, submitted=True)
    spare = make_peer_assessor(name="Spare Peer")
    lead = make_user(roles=[Role.QA_LEAD])
    sign_in_as(client, lead)
    manage = page_checks(client.get(f"/peer-qa/manage/{review.id}"), service_name=SERVICE_NAME)
    url = f"/peer-qa/manage/{review.id}/assessments/{first.id}/replace"
    submitted_url = f"/peer-qa/manage/{review.id}/assessments/{second.id}/replace"
    assert manage.find("a", href=url) is not None
    assert manage.find("a", href=submitted_url) is None
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    offered = {o["value"] for o in soup.select("#replacement option")}
    assert str(spare.id) in offered
    assert not offered & {str(first.assessor_id), str(second.assessor_id)}
    soup = page_checks(
        submit(client, url, {"replacement": str(spare.id), "reason": ""}),
        service_name=SERVICE_NAME,
    )
    assert error_messages(soup) == ["Enter why the peer assessor is being replaced"]
    response = submit(client, url, {"replacement": str(spare.id), "reason": "Unwell."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(first), first.id).assessor_id == spare.id
    # Submitted work is not handed on.
    assert client.get(submitted_url).status_code == 302


def test_a_reviewer_without_accreditation_cannot_start_a_review(client):
    reviewer = make_user(roles=[Role.REVIEWER])
    sign_in_as(client, reviewer)
    page = _page(client, "/peer-qa/reviews")
    assert "You need a current accreditation" in page
    response = submit(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews", follow=True)
    assert "You need a current accreditation" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QaReview)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccreditationRecord)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerAssessment)) == 0
    assert re.search("Your reviews", page)


def test_a_renewal_lists_the_reviews_that_completed_peer_qa_in_the_term(client):
    from portal.core.db import utcnow
    from tests.functional.test_renewal_pages import _in_window

    record, _ = _in_window()
    done = make_qa_review(author=record.user, status="completed", title="A review that passed")
    done.agreed_grade, done.passed, done.completed_at = 3, True, utcnow()
    make_qa_review(author=record.user, status="in_assessment", title="Still with assessors")
    db.session.commit()
    sign_in_as(client, record.user)
    submit(client, "/applications/renew", {})
    application_id = db.session.scalar(
        sa.text("SELECT id FROM applications WHERE kind = 'renewal'")
    )
    page = _page(client, f"/applications/{application_id}/completed-reviews")
    assert "A review that passed" in page and done.reference in page
    assert "Good (met the standard)" in page
    assert "Still with assessors" not in page


def test_the_author_withdraws_a_review_before_assessors_are_allocated(client):
    review = make_qa_review()
    sign_in_as(client, review.author)
    page = _page(client, f"/peer-qa/reviews/{review.id}")
    assert "Withdraw this review" in page
    withdrawn = submit(
        client,
        f"/peer-qa/reviews/{review.id}/withdraw",
        {"withdraw-submit": "y"},
        form_page=f"/peer-qa/reviews/{review.id}",
    )
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert db.session.get(QaReview, review.id).status is QaStatus.WITHDRAWN
    assessed = make_qa_review(author=review.author, status="in_assessment")
    assert "Withdraw this review" not in _page(client, f"/peer-qa/reviews/{assessed.id}")
    refused = submit(
        client,
        f"/peer-qa/reviews/{assessed.id}/withdraw",
        {},
        form_page=f"/peer-qa/reviews/{review.id}",
        follow=True,
    )
    assert "cannot become withdrawn" in refused.get_data(as_text=True)


def test_the_demo_holds_a_review_in_every_qa_state(app):
    runner = app.test_cli_runner()
    for args in (
        ["organisations", "load"],
        ["framework", "load-all"],
        ["peer-qa", "rubric", "load-all"],
        ["demo", "load"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    author = db.session.scalar(sa.select(User).where(User.email == "reviewer@demo.test"))
    states = {r.status.value for r in queries.reviews_of(author.id)}
    assert states == {"draft", "submitted", "in_assessment", "moderation", "completed", "responded"}
    moderation = next(r for r in queries.reviews_of(author.id) if r.status.value == "moderation")
    assert all(a.submitted_at for a in queries.assessments_of(moderation.id))


def test_the_author_removes_a_recommendation_and_withdraws_a_draft(client):
    author, _ = _author()
    make_rubric()
    sign_in_as(client, author)
    base = submit(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews").headers[
        "Location"
    ]
    for text in ("First recommendation", "Second recommendation"):
        submit(client, f"{base}/recommendations", {"text": text})
    removed = submit(
        client, f"{base}/recommendations/1/remove", {}, form_page=f"{base}/recommendations"
    )
    assert removed.status_code == 302
    review_id = int(base.rsplit("/", 1)[1])
    db.session.expire_all()
    assert db.session.get(QaReview, review_id).recommendations == ["Second recommendation"]
    assert client.get(f"{base}/recommendations/5").status_code == 404
    withdrawn = submit(client, f"{base}/withdraw", {}, form_page=base)
    assert withdrawn.status_code == 302
    db.session.expire_all()
    assert db.session.get(QaReview, review_id).status is QaStatus.WITHDRAWN
    assert "First recommendation" not in _page(client, "/peer-qa/reviews")
