"""The recommendation analysis through the pages: the report read on upload with its
recommendations offered, unreadable reports refused beside the field, the personal-data
warning over the report for its author only, the analysis for the author and beside the
report for the peers (blind), and learning across reviews with small numbers hidden."""

from __future__ import annotations

import io
from datetime import date

from bs4 import BeautifulSoup

from portal.applications.models import AccreditationStatus  # noqa: F401  (the app's models first)
from portal.core.permissions import Role
from portal.extensions import db
from portal.peer_qa import queries
from portal.peer_qa.models import AgreedMarkerScore
from tests.conftest import SERVICE_NAME
from tests.factories import (
    make_organisation,
    make_peer_assessment,
    make_qa_review,
    make_record,
    make_region,
    make_rubric,
    make_user,
)
from tests.files import pdf_bytes
from tests.integration.test_peer_qa_analysis import NATIONAL, PROCEDURE, REPORT, SYSTEM, TRAINING
from tests.support import error_messages, page_checks, sign_in_as, submit

AUTHOR_NAME = "Perpetua Fernsby-Oakhampton"


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page_checks(response, service_name=SERVICE_NAME)
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def _draft(client):
    author = make_user(name=AUTHOR_NAME, email="perpetua@example.test", roles=[Role.REVIEWER])
    make_record(user=author)
    make_rubric()
    sign_in_as(client, author)
    started = submit(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews")
    return author, started.headers["Location"]


def test_uploading_a_report_offers_its_recommendations_and_shows_the_analysis(client):
    _, base = _draft(client)
    text = REPORT.replace("In May the police attended", "On 3 May 2024 the police attended")
    uploaded = submit(
        client, f"{base}/report", {"report": (io.BytesIO(pdf_bytes(text)), "report.pdf")}
    )
    assert uploaded.status_code == 302
    assert uploaded.headers["Location"].endswith("/recommendations")
    page = _text(_page(client, f"{base}/recommendations"))
    assert "4 recommendations were found in it" in page
    for recommendation in (TRAINING, PROCEDURE, SYSTEM, NATIONAL):
        assert recommendation in page
    analysis = _text(_page(client, f"{base}/analysis"))
    assert "It is not a score" in analysis
    for label in (
        "Training or awareness",
        "Tools, procedures or policy updates",
        "Practice conditions and system design",
        "National",
    ):
        assert label in analysis
    assert "Tells practitioners what they should do" in analysis
    assert "Words that decided" in analysis and "“training”" in analysis
    assert "Chronology (what happened):" in analysis
    assert "How much of the report tells what happened" in _page(client, f"{base}/analysis")


def test_a_second_upload_keeps_the_authors_list(client):
    _, base = _draft(client)
    submit(client, f"{base}/recommendations", {"text": "My own recommendation."})
    uploaded = submit(
        client, f"{base}/report", {"report": (io.BytesIO(pdf_bytes(REPORT)), "report.pdf")}
    )
    assert uploaded.status_code == 302
    page = _text(_page(client, f"{base}/recommendations"))
    assert "Your list of recommendations is unchanged" in page
    assert TRAINING not in page


def test_a_scanned_report_is_kept_and_the_author_is_told_to_list_the_recommendations(client):
    _, base = _draft(client)
    uploaded = submit(client, f"{base}/report", {"report": (io.BytesIO(pdf_bytes("")), "scan.pdf")})
    assert uploaded.status_code == 302
    page = _text(_page(client, f"{base}/recommendations"))
    assert "no text that could be read" in page
    assert "No estimate: the report's text has not been read" in _text(
        _page(client, f"{base}/analysis")
    )


def test_an_unreadable_report_is_refused_beside_the_upload_field(client, app):
    _, base = _draft(client)
    before = {p for p in app.config["UPLOAD_DIR"].rglob("*") if p.is_file()}
    damaged = submit(
        client,
        f"{base}/report",
        {"report": (io.BytesIO(b"%PDF-1.4\nnot really a PDF"), "report.pdf")},
    )
    assert damaged.status_code == 200
    page_checks(damaged, service_name=SERVICE_NAME)
    soup = BeautifulSoup(damaged.get_data(as_text=True), "html.parser")
    assert error_messages(soup) == [
        "The report's text could not be read: The PDF could not be read: it may be damaged."
    ]
    assert soup.select_one("#report-error") is not None
    assert {p for p in app.config["UPLOAD_DIR"].rglob("*") if p.is_file()} == before
    review_id = int(base.rsplit("/", 1)[1])
    assert queries.review(review_id).report_key is None


def test_the_personal_data_check_reads_the_report_for_its_author_only(client):
    author, base = _draft(client)
    text = REPORT.replace("In May the police attended", "On 3 May 2024 the police attended")
    partnership = make_organisation(name="Invented Moor Safeguarding Children Partnership")
    details = {
        "title": "Learning from an infant's experiences",
        "partnership": str(partnership.id),
        "review_type": "lcspr",
        "published_on": ["2", "3", "2026"],
        "themes": ["neglect"],
    }
    assert submit(client, f"{base}/details", details).status_code == 302
    report = {"report": (io.BytesIO(pdf_bytes(text)), "report.pdf")}
    assert submit(client, f"{base}/report", report).status_code == 302
    assert submit(client, f"{base}/recommendations", {"confirm-confirm": "y"}).status_code == 302
    answers = {"practitioner_support": "A debrief and a call a month later."}
    for group in ("children", "family", "practitioners"):
        answers |= {
            f"{group}_invited": "yes",
            f"{group}_took_part": "yes",
            f"{group}_how": "Met in person",
            f"{group}_adjustments": "",
        }
    assert submit(client, f"{base}/involvement", answers).status_code == 302
    check = _text(_page(client, f"{base}/check"))
    assert "Some of what you wrote may identify a person" in check
    assert "The report, paragraph" in check and "3 May 2024" in check
    refused = submit(client, f"{base}/check", {"anonymised": "y"})
    assert refused.status_code == 200
    soup = BeautifulSoup(refused.get_data(as_text=True), "html.parser")
    assert error_messages(soup) == [
        "Confirm you have checked the possible personal data listed above"
    ]
    done = submit(client, f"{base}/check", {"anonymised": "y", "personal_data_checked": "y"})
    assert done.status_code == 302
    # The peers see the analysis, never the list of what may identify someone.
    review = queries.review(int(base.rsplit("/", 1)[1]))
    review.status = review.status.__class__("in_assessment")
    db.session.commit()
    assessment = make_peer_assessment(review, submitted=False)
    sign_in_as(client, assessment.assessor)
    html = _page(client, f"/peer-qa/assessments/{assessment.id}")
    assert "may identify a person" not in html and "The report, paragraph" not in html
    assert AUTHOR_NAME not in html and author.email not in html


def test_the_peer_sees_the_analysis_as_an_aid_and_never_the_author(client):
    author = make_user(name=AUTHOR_NAME, email="perpetua@example.test", roles=[Role.REVIEWER])
    make_record(user=author)
    review = make_qa_review(
        author=author, status="in_assessment", recommendations=(TRAINING, SYSTEM)
    )
    review.report_counted_words, review.report_chronology_words = 200, 120
    review.report_analysis_words, review.analysis_rules_version = 50, "2026.1"
    db.session.commit()
    assessment = make_peer_assessment(review, submitted=False)
    sign_in_as(client, assessment.assessor)
    html = _page(client, f"/peer-qa/assessments/{assessment.id}")
    page = _text(html)
    assert "Recommendation analysis: an aid, not a score" in page
    assert "Practice conditions and system design" in page
    assert "Chronology (what happened): 60%" in page
    assert "Analysis (why and how): 25%" in page
    for secret in (AUTHOR_NAME, "Perpetua", author.email):
        assert secret not in html
    # The author's analysis page stays the author's.
    assert client.get(f"/peer-qa/reviews/{review.id}/analysis").status_code == 403
    sign_in_as(client, author)
    assert client.get(f"/peer-qa/reviews/{review.id}/analysis").status_code == 200
    other = make_user(roles=[Role.REVIEWER])
    make_record(user=other)
    sign_in_as(client, other)
    assert client.get(f"/peer-qa/reviews/{review.id}/analysis").status_code == 403
    assert client.get("/peer-qa/reviews/999999/analysis").status_code == 404


def test_learning_shows_shares_and_hides_small_numbers(client):
    region = make_region(code="E12000001", name="North East")
    partnership = make_organisation(region=region)
    make_qa_review(
        status="completed",
        partnership=partnership,
        published_on=date(2025, 6, 1),
        recommendations=(SYSTEM,) * 6 + (TRAINING,) * 2,
    )
    reviews = [make_qa_review(status="completed", partnership=partnership) for _ in range(5)]
    for review in reviews:
        for marker in queries.markers_of(review.rubric_id):
            level = 1 if marker.code == "R07" else 3
            db.session.add(AgreedMarkerScore(review_id=review.id, marker_id=marker.id, level=level))
    db.session.commit()
    for role in (Role.ANALYST, Role.QA_LEAD):
        sign_in_as(client, make_user(roles=[role]))
        html = _page(client, "/peer-qa/learning")
        page = _text(html)
        assert "2025: Training or awareness not shown" in page
        assert "Practice conditions and system design 75%" in page
        assert "fewer than 5" in page
        assert "North East" in page and "Neglect" in page
        assert "The lowest mean agreed levels: R07" in page
        assert html.count('role="img"') == 4
        assert html.count("<desc") == 4
    sign_in_as(client, make_user(roles=[Role.REVIEWER]))
    assert client.get("/peer-qa/learning").status_code == 403


def test_the_demo_has_every_class_of_recommendation_in_every_qa_state(app, client):
    import sqlalchemy as sa

    from portal.auth.models import User
    from portal.peer_qa.models import RecommendationAnalysis

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
    by_state: dict[str, set[str]] = {}
    for review in queries.reviews_of(author.id):
        assert review.report_text and review.report_counted_words
        classes = db.session.scalars(
            sa.select(RecommendationAnalysis.class_).where(
                RecommendationAnalysis.review_id == review.id
            )
        )
        by_state.setdefault(review.status.value, set()).update(classes)
    every = {"training", "procedure", "system", "national"}
    assert by_state == dict.fromkeys(
        ("draft", "submitted", "in_assessment", "moderation", "completed", "responded"), every
    )
    sign_in_as(client, db.session.scalar(sa.select(User).where(User.email == "qa@demo.test")))
    page = _text(_page(client, "/peer-qa/learning"))
    assert "No recommendations to count yet" not in page
    assert "The lowest mean agreed levels: R07" in page
