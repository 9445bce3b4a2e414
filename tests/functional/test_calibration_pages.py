"""Calibration pages: figures, double-marking and rating feedback through the test client."""

from __future__ import annotations

from portal.applications.models import Allocation, AllocationPurpose, FeedbackReview
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_user
from tests.integration.test_assessment import _assess_both, _assessor
from tests.support import error_messages, page_checks, sign_in_as, submit


def test_the_qa_lead_reads_figures_sends_double_marking_and_rates_feedback(client):
    _admin, application, a, b = _assess_both([3, 2, 3], [3, 3, 4])
    lead = make_user(roles=[Role.QA_LEAD])
    third = _assessor("Casey Third")
    sign_in_as(client, lead)

    page = client.get("/calibration")
    text = page_checks(page, service_name=SERVICE_NAME).get_text()
    assert a.assessor.name in text and b.assessor.name in text
    assert "few pairs" in text

    url = "/calibration/double-marking"
    page_checks(client.get(url), service_name=SERVICE_NAME)
    refused = submit(client, url, {"application": str(application.id), "assessor": "0"})
    assert "Select the assessor" in error_messages(page_checks(refused, service_name=SERVICE_NAME))
    done = submit(client, url, {"application": str(application.id), "assessor": str(third.id)})
    assert done.status_code == 302
    assert count(Allocation, Allocation.purpose == AllocationPurpose.CALIBRATION) == 1

    feedback = f"/calibration/assessors/{a.assessor_id}"
    page_checks(client.get(feedback), service_name=SERVICE_NAME)
    form_page = feedback
    rating = f"/calibration/feedback/{a.id}"
    missing = submit(client, rating, {}, form_page=form_page)
    soup = page_checks(missing, service_name=SERVICE_NAME)
    assert "Select how useful the feedback is" in error_messages(soup)
    saved = submit(client, rating, {f"a{a.id}-rating": "too_vague"}, form_page=form_page)
    assert saved.status_code == 302
    assert count(FeedbackReview) == 1

    sign_in_as(client, third)
    queue = client.get("/assessments").get_data(as_text=True)
    assert application.reference in queue
    exercise = db.session.query(Allocation).filter_by(purpose=AllocationPurpose.CALIBRATION).one()
    page = client.get(f"/assessments/{exercise.id}")
    text = page_checks(page, service_name=SERVICE_NAME).get_text()
    assert "calibration exercise" in text
    # Double-marking is blind: the agreed scores and the others' reasons stay hidden.
    assert "First for AB1" not in text and "Second for AB1" not in text
    whole = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Agreed scores" not in whole and "First for AB1" not in whole
