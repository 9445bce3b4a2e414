"""Assessment through the pages: allocation, the queue, scoring, recommending, questions to
the applicant, moderation, and who may open what."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from bs4 import BeautifulSoup

from portal.applications import assessment, queries
from portal.applications import assessment_queries as aq
from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    ApplicationStatus,
    InformationRequest,
    Outcome,
)
from portal.core.permissions import Role
from portal.core.templating import LONDON
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import make_application, make_organisation, make_user
from tests.functional.test_query_counts import counting
from tests.support import error_messages, page_checks, sign_in_as, submit


def _today() -> date:
    return datetime.now(LONDON).date()


def _page(client, url, *, status=200):
    response = client.get(url)
    assert response.status_code == status, response.headers.get("Location")
    return page_checks(response, service_name=SERVICE_NAME), response.get_data(as_text=True)


def _version(html):
    return re.search(r'name="version_id"[^>]*value="(\d+)"', html).group(1)


def _allocated():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    first = make_user(name="Alex First", roles=[Role.ASSESSOR])
    second = make_user(name="Blake Second", roles=[Role.ASSESSOR])
    application = make_application(status=ApplicationStatus.SUBMITTED)
    allocations = assessment.allocate_assessors(admin, application, first, second, today=_today())
    db.session.commit()
    return admin, application, allocations


def _score_through_pages(client, allocation, levels, words):
    sign_in_as(client, allocation.assessor)
    for competency, level in zip(
        queries.competencies(allocation.application.framework_id), levels, strict=True
    ):
        url = f"/assessments/{allocation.id}/scores/{competency.id}"
        html = client.get(url).get_data(as_text=True)
        response = submit(
            client,
            url,
            {
                "level": str(level),
                "rationale": f"{words} {competency.code}",
                "version_id": _version(html),
            },
        )
        assert response.status_code == 302, error_messages(
            BeautifulSoup(response.get_data(as_text=True), "html.parser")
        )


def _submit_through_page(client, allocation, outcome="accredit", level="reviewer"):
    sign_in_as(client, allocation.assessor)
    url = f"/assessments/{allocation.id}/submit"
    html = client.get(url).get_data(as_text=True)
    return submit(
        client,
        url,
        {
            "outcome": outcome,
            "level": level if outcome == "accredit" else "",
            "comments": "Invented feedback for the applicant.",
            "version_id": _version(html),
        },
    )


def test_an_administrator_allocates_two_assessors_without_a_conflict(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    declared = make_organisation()
    application = make_application(status=ApplicationStatus.SUBMITTED, interests=[declared])
    idle = make_user(name="Idle Assessor", roles=[Role.ASSESSOR])
    lead = make_user(name="Lead Assessor", roles=[Role.QA_LEAD])
    conflicted = make_user(name="Conflicted Assessor", roles=[Role.ASSESSOR], organisation=declared)
    sign_in_as(client, admin)

    soup, html = _page(client, f"/applications/{application.id}")
    assert soup.find("a", string="Allocate assessors") is not None
    soup, html = _page(client, f"/admin/applications/{application.id}/allocate")
    suggested = soup.find("table", class_="govuk-table")
    assert "Idle Assessor" in suggested.get_text() and "Conflicted" not in suggested.get_text()
    assert f"Works for {declared.name}, declared by the applicant" in html
    options = [o["value"] for o in soup.select("#first_assessor option")]
    assert str(conflicted.id) not in options

    url = f"/admin/applications/{application.id}/allocate"
    same = submit(client, url, {"first_assessor": str(idle.id), "second_assessor": str(idle.id)})
    assert same.status_code == 200
    soup = page_checks(same, service_name=SERVICE_NAME)
    assert "Choose two different assessors" in error_messages(soup)

    response = submit(
        client, url, {"first_assessor": str(idle.id), "second_assessor": str(lead.id)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert queries.application(application.id).status is ApplicationStatus.IN_ASSESSMENT
    soup, html = _page(client, f"/applications/{application.id}")
    assert "Idle Assessor" in html and "Lead Assessor" in html
    # Allocated once, the page sends the administrator back.
    assert client.get(url).status_code == 302


def test_an_administrator_hands_an_unfinished_assessment_to_someone_else(client):
    admin, application, (a, _b) = _allocated()
    alex_id = a.assessor_id
    carol = make_user(name="Carol Third", roles=[Role.ASSESSOR])
    sign_in_as(client, admin)
    url = f"/admin/applications/{application.id}/allocations/{a.id}/replace"
    soup, _ = _page(client, f"/applications/{application.id}")
    assert soup.find("a", href=url) is not None
    soup, html = _page(client, url)
    assert "Alex First" in soup.select_one("#allocation").get_text()
    options = [o["value"] for o in soup.select("#replacement option") if o["value"]]
    assert options == [str(carol.id)]  # neither assessor already on it

    soup = page_checks(
        submit(client, url, {"replacement": str(carol.id), "reason": ""}),
        service_name=SERVICE_NAME,
    )
    assert error_messages(soup) == ["Enter why the assessor is being replaced"]
    assert soup.select_one("#replacement option[selected]")["value"] == str(carol.id)

    response = submit(client, url, {"replacement": str(carol.id), "reason": "Alex is ill."})
    assert response.status_code == 302
    db.session.expire_all()
    assert aq.allocation(a.id).assessor_id == carol.id
    soup, html = _page(client, f"/applications/{application.id}")
    assert "Carol Third" in html and "Alex First" not in html
    # The person replaced no longer opens the work.
    sign_in_as(client, db.session.get(type(admin), alex_id))
    assert client.get(f"/assessments/{a.id}").status_code in {403, 404}


def test_the_administrators_list_and_dashboard_say_what_needs_allocating(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    application = make_application(status=ApplicationStatus.SUBMITTED)
    sign_in_as(client, admin)
    soup, html = _page(client, "/admin/applications")
    assert soup.find("a", href=f"/admin/applications/{application.id}/allocate") is not None
    soup, html = _page(client, "/dashboard")
    assert "Manage applications" in html
    assert "1 need assessors" in html


def test_an_assessor_scores_every_competency_and_submits_from_their_queue(client):
    _, application, (a, _b) = _allocated()
    sign_in_as(client, a.assessor)
    soup, html = _page(client, "/dashboard")
    assert "1 allocation waiting for you" in html
    soup, html = _page(client, "/assessments")
    assert soup.find("a", string=application.reference) is not None
    assert "0 of 3" in html
    soup, html = _page(client, f"/assessments/{a.id}")
    # The application's answers, references and work samples are all there.
    assert "Invented overview report" in html
    sample = application.work_samples[0]
    assert (
        soup.find("a", href=f"/applications/{application.id}/work-samples/{sample.id}") is not None
    )
    assert "Make your recommendation and submit" not in html

    competency = queries.competencies(application.framework_id)[0]
    soup, html = _page(client, f"/assessments/{a.id}/scores/{competency.id}")
    empty = submit(
        client,
        f"/assessments/{a.id}/scores/{competency.id}",
        {"level": "", "rationale": "", "version_id": _version(html)},
    )
    soup = page_checks(empty, service_name=SERVICE_NAME)
    assert "Select the level the evidence shows" in error_messages(soup)

    _score_through_pages(client, a, [3, 3, 2], "Alex's reasons for")
    soup, html = _page(client, f"/assessments/{a.id}")
    assert "Alex&#39;s reasons for AB1" in html or "Alex's reasons for AB1" in html
    soup, html = _page(client, f"/assessments/{a.id}/submit")
    no_level = submit(
        client,
        f"/assessments/{a.id}/submit",
        {"outcome": "accredit", "comments": "Fine.", "version_id": _version(html)},
    )
    soup = page_checks(no_level, service_name=SERVICE_NAME)
    assert "Select the level to accredit at" in error_messages(soup)
    response = _submit_through_page(client, a)
    assert response.status_code == 302 and response.headers["Location"] == "/assessments"
    soup, html = _page(client, "/assessments")
    assert "Nothing is waiting for you" in html and "Finished" in html
    # Submitted work can no longer change.
    assert client.get(f"/assessments/{a.id}/scores/{competency.id}").status_code == 302


def test_neither_assessor_sees_the_other_on_any_page_until_both_have_submitted(client):
    _, application, (a, b) = _allocated()
    _score_through_pages(client, a, [3, 3, 3], "Secret of Alex")
    _score_through_pages(client, b, [3, 2, 3], "Secret of Blake")
    _submit_through_page(client, a)
    for who, other in ((a, "Secret of Blake"), (b, "Secret of Alex")):
        sign_in_as(client, who.assessor)
        for url in (
            f"/assessments/{who.id}",
            f"/assessments/{who.id}/submit",
            f"/applications/{application.id}",
            "/assessments",
        ):
            html = client.get(url).get_data(as_text=True)
            assert other not in html, url
    _submit_through_page(client, b)
    sign_in_as(client, a.assessor)
    _soup, html = _page(client, f"/assessments/{a.id}")
    assert "The other assessment" in html and "Secret of Blake AB2" in html


def test_a_stale_score_is_refused_with_a_clear_message_and_the_input_kept(client):
    _, application, (a, _) = _allocated()
    first, second = queries.competencies(application.framework_id)[:2]
    sign_in_as(client, a.assessor)
    stale_html = client.get(f"/assessments/{a.id}/scores/{second.id}").get_data(as_text=True)
    # Meanwhile, in another tab, another score is saved.
    html = client.get(f"/assessments/{a.id}/scores/{first.id}").get_data(as_text=True)
    saved = submit(
        client,
        f"/assessments/{a.id}/scores/{first.id}",
        {"level": "2", "rationale": "From tab one", "version_id": _version(html)},
    )
    assert saved.status_code == 302
    refused = submit(
        client,
        f"/assessments/{a.id}/scores/{second.id}",
        {"level": "4", "rationale": "Typed in tab two", "version_id": _version(stale_html)},
    )
    assert refused.status_code == 200
    soup = page_checks(refused, service_name=SERVICE_NAME)
    assert any("saved somewhere else" in m for m in error_messages(soup))
    assert "Typed in tab two" in refused.get_data(as_text=True)
    assert soup.select_one("input[name=level][value='4']").has_attr("checked")
    # Saving again is a deliberate choice, and works.
    again = submit(
        client,
        f"/assessments/{a.id}/scores/{second.id}",
        {"level": "4", "rationale": "Typed in tab two", "version_id": _version(str(soup))},
    )
    assert again.status_code == 302


def test_a_question_to_the_applicant_is_answered_from_their_application(client):
    _, application, (a, b) = _allocated()
    sign_in_as(client, a.assessor)
    soup, html = _page(client, f"/assessments/{a.id}")
    assert soup.find("a", string="Ask the applicant for more information") is not None
    soup, html = _page(client, f"/assessments/{a.id}/information-request")
    empty = submit(client, f"/assessments/{a.id}/information-request", {"question": ""})
    page_checks(empty, service_name=SERVICE_NAME)
    response = submit(
        client,
        f"/assessments/{a.id}/information-request",
        {"question": "Which of your reviews is the sample from?"},
    )
    assert response.status_code == 302
    request = db.session.query(InformationRequest).filter_by(application_id=application.id).one()

    sign_in_as(client, application.applicant)
    soup, html = _page(client, f"/applications/{application.id}")
    assert "Which of your reviews is the sample from?" in html
    url = f"/applications/{application.id}/information-requests/{request.id}"
    soup, html = _page(client, url)
    response = submit(client, url, {"response": "The invented one from 2025."})
    assert response.status_code == 302
    db.session.expire_all()
    assert queries.application(application.id).status is ApplicationStatus.IN_ASSESSMENT
    assert client.get(url).status_code == 302  # answered once

    sign_in_as(client, b.assessor)
    soup, html = _page(client, f"/assessments/{b.id}")
    assert "The invented one from 2025." in html


def test_a_moderator_resolves_a_disagreement_through_the_pages(client):
    admin, application, (a, b) = _allocated()
    _score_through_pages(client, a, [1, 3, 3], "Alex")
    _score_through_pages(client, b, [3, 3, 3], "Blake")
    _submit_through_page(client, a)
    _submit_through_page(client, b, outcome="not_yet")
    db.session.expire_all()
    assert queries.application(application.id).status is ApplicationStatus.MODERATION

    sign_in_as(client, admin)
    soup, html = _page(client, "/admin/applications")
    assert soup.find("a", href=f"/admin/applications/{application.id}/moderator") is not None
    soup, html = _page(client, f"/admin/applications/{application.id}/moderator")
    assert "Assessed this application" in html
    lead = make_user(name="Quinn Lead", roles=[Role.QA_LEAD])
    response = submit(
        client, f"/admin/applications/{application.id}/moderator", {"moderator": str(lead.id)}
    )
    assert response.status_code == 302
    moderation = (
        db.session.query(Allocation)
        .filter_by(application_id=application.id, purpose=AllocationPurpose.MODERATION)
        .one()
    )

    sign_in_as(client, lead)
    soup, html = _page(client, f"/assessments/{moderation.id}")
    assert "Alex AB1" in html and "Blake AB1" in html
    competency = queries.competencies(application.framework_id)[0]
    soup, html = _page(client, f"/assessments/{moderation.id}/scores/{competency.id}")
    assert "Alex AB1" in html and "Blake AB1" in html
    _score_through_pages(client, moderation, [2, 3, 3], "Agreed")
    soup, html = _page(client, f"/assessments/{moderation.id}/submit")
    response = _submit_through_page(client, moderation, outcome="accredit")
    assert response.status_code == 302
    db.session.expire_all()
    assert queries.application(application.id).status is ApplicationStatus.AWAITING_DECISION

    sign_in_as(client, admin)
    soup, html = _page(client, f"/applications/{application.id}")
    assert "Agreed scores" in html and "(moderated)" in html


@pytest.mark.parametrize(
    "path",
    ["", "/submit", "/information-request", "/scores/{competency}"],
)
def test_an_assessor_cannot_open_another_assessors_allocation(client, path):
    _, application, (a, b) = _allocated()
    competency = queries.competencies(application.framework_id)[0]
    sign_in_as(client, b.assessor)
    url = f"/assessments/{a.id}" + path.format(competency=competency.id)
    assert client.get(url).status_code == 403
    outsider = make_user(roles=[Role.QA_LEAD])
    sign_in_as(client, outsider)
    assert client.get(url).status_code == 403
    assert client.get(f"/applications/{application.id}").status_code == 403
    assert client.get("/assessments/999999").status_code == 404


def test_only_the_applicant_opens_the_answer_page(client):
    admin, application, (a, _) = _allocated()
    request = assessment.request_information(a.assessor, a, question="Why?")
    db.session.commit()
    url = f"/applications/{application.id}/information-requests/{request.id}"
    for who in (admin, a.assessor, make_user()):
        sign_in_as(client, who)
        assert client.get(url).status_code == 403
    sign_in_as(client, application.applicant)
    assert client.get(url).status_code == 200
    other = make_application(applicant=make_user(), status=ApplicationStatus.SUBMITTED)
    assert (
        client.get(f"/applications/{other.id}/information-requests/{request.id}").status_code == 403
    )
    mine = make_application(applicant=application.applicant, status=ApplicationStatus.WITHDRAWN)
    assert (
        client.get(f"/applications/{mine.id}/information-requests/{request.id}").status_code == 404
    )


# Queries do not grow with the data


def _framework_with(n):
    from portal.framework import services as framework_services
    from portal.framework.schema import parse_framework, parse_scheme
    from tests.frameworks import competency, framework_document, scheme_document

    if n == 2:
        framework_services.load_scheme(None, parse_scheme(scheme_document("qcs")))
    document = framework_document(
        "qcs",
        f"{n}.0",
        domains=[
            {
                "code": "QC",
                "title": "Domain QC",
                "purpose": "Why QC.",
                "competencies": [competency(f"QC{i}") for i in range(1, n + 1)],
            }
        ],
    )
    framework = framework_services.load_framework(None, parse_framework(document)).framework
    framework_services.publish_framework(None, framework)
    db.session.commit()
    return framework


def _assessed(n, assessor, other):
    """An application scored by both assessors on `n` competencies, with `n` questions."""
    admin = make_user(roles=[Role.ADMINISTRATOR])
    application = make_application(
        status=ApplicationStatus.SUBMITTED,
        framework=_framework_with(n),
        interests=[make_organisation() for _ in range(n)],
    )
    mine, theirs = assessment.allocate_assessors(
        admin, application, assessor, other, today=_today()
    )
    for i in range(n):
        db.session.add(
            InformationRequest(
                application=application,
                requested_by_id=other.id,
                question=f"Question {i}",
                response="Answer",
                responded_at=datetime.now(LONDON),
            )
        )
    for allocation in (mine, theirs):
        for competency in queries.competencies(application.framework_id):
            assessment.save_score(
                allocation.assessor,
                allocation,
                competency,
                level=3,
                rationale="Same",
                version_id=None,
            )
        assessment.submit_assessment(
            allocation.assessor,
            allocation,
            outcome=Outcome.ACCREDIT,
            level="reviewer",
            comments="Fine",
            version_id=None,
        )
    db.session.commit()
    return mine


def test_the_queue_and_allocation_pages_run_the_same_queries_however_much_there_is(client):
    assessor = make_user(roles=[Role.ASSESSOR])
    other = make_user(roles=[Role.ASSESSOR])
    sign_in_as(client, assessor)
    counts = {}
    for n in (2, 10):
        allocation = _assessed(n, assessor, other)
        for _ in range(n - 1):
            extra = make_application(status=ApplicationStatus.IN_ASSESSMENT)
            db.session.add(
                Allocation(
                    application=extra,
                    assessor=assessor,
                    purpose=AllocationPurpose.ASSESSMENT,
                    due_on=_today(),
                )
            )
        db.session.commit()
        for url in ("/assessments", f"/assessments/{allocation.id}", "/dashboard"):
            client.get(url)  # warm up
            db.session.expire_all()
            with counting() as statements:
                assert client.get(url).status_code == 200
            counts.setdefault(url.replace(str(allocation.id), "<id>"), []).append(len(statements))
    assert all(small == large for small, large in counts.values()), counts
