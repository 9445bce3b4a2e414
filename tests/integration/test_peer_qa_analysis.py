"""The recommendation analysis inside peer QA: the report's text read on upload, recommendations
offered from it only when the author has none, each recommendation's classification stored and
kept up to date, the personal-data check over the report, and learning across reviews."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app
from pypdf import PdfReader, PdfWriter

from portal.applications.models import AccreditationStatus  # noqa: F401  (the app's models first)
from portal.core.audit import AuditEvent
from portal.core.errors import DomainError
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.peer_qa import learning, queries, services
from portal.peer_qa.models import AgreedMarkerScore, RecommendationAnalysis
from portal.peer_qa.recommendation_rules import current_rules
from tests.factories import (
    make_organisation,
    make_qa_review,
    make_record,
    make_region,
    make_rubric,
    make_user,
)
from tests.files import docx_bytes, pdf_bytes

TODAY = date(2026, 11, 26)
TRAINING = "All practitioners should attend refresher training on neglect and its signs."
PROCEDURE = (
    "The partnership should update the multi-agency neglect procedure and its toolkit by June."
)
SYSTEM = (
    "The partnership should fund additional health visitor posts to reduce caseloads and "
    "redesign how agencies share information."
)
NATIONAL = (
    "The Department for Education should amend Working Together to require national guidance "
    "on infant sleep."
)
REPORT = f"""Learning from the experiences of an infant in a busy household

Background

In the spring the family moved to the area. On the first visit the health visitor saw the baby \
at home. Two weeks later the school nurse spoke to the older child. In May the police attended \
after a neighbour called. The next day the social worker visited and the case was closed.

Analysis

This happened because the agencies did not share what each knew, and the reason practitioners \
did not act was that caseloads left no time to think. The system made it hard to see the whole \
picture, and this explains why the risks were not recognised. Hindsight bias was controlled by \
asking what was known at the time.

Recommendations

1. {TRAINING}
2. {PROCEDURE}
3. {SYSTEM}
4. {NATIONAL}

Appendix

Terms of reference.
"""


def _reviewer():
    user = make_user(roles=[Role.REVIEWER])
    make_record(user=user, starts_on=date(2025, 1, 1))
    return user


def _draft():
    author = _reviewer()
    make_rubric()
    return author, services.start_review(author, today=TODAY)


def _store() -> UploadStore:
    return UploadStore(current_app.config["UPLOAD_DIR"])


def _stored(review_id: int) -> list[RecommendationAnalysis]:
    return list(
        db.session.scalars(
            sa.select(RecommendationAnalysis)
            .where(RecommendationAnalysis.review_id == review_id)
            .order_by(RecommendationAnalysis.position)
        )
    )


def test_uploading_a_report_reads_its_text_and_offers_its_recommendations():
    author, review = _draft()
    services.attach_report(author, review, io.BytesIO(pdf_bytes(REPORT)), _store())
    assert "The system made it hard to see the whole picture" in " ".join(
        (review.report_text or "").split()
    )
    assert review.recommendations == [TRAINING, PROCEDURE, SYSTEM, NATIONAL]
    stored = _stored(review.id)
    assert [(a.position, a.class_) for a in stored] == [
        (1, "training"),
        (2, "procedure"),
        (3, "system"),
        (4, "national"),
    ]
    first = stored[0]
    assert (first.target_level, first.strength, first.admonishment) == (
        "practitioner",
        "weak",
        True,
    )
    assert first.owner_named is False and first.measurable is False
    assert first.rules_version == current_rules().version
    assert any(e["matched"].lower() == "training" for e in first.evidence)
    # The chronology against analysis estimate is stored with the rules that made it.
    assert review.report_counted_words and review.report_counted_words > 0
    assert review.report_chronology_words and review.report_analysis_words
    assert review.analysis_rules_version == current_rules().version
    estimate = queries.review_analysis(review).report
    assert estimate is not None
    assert estimate.chronology_percent + estimate.analysis_percent + estimate.other_percent == 100
    assert "report" in review.completed_sections


def test_a_word_report_is_read_too():
    author, review = _draft()
    paragraphs = ["Recommendations", f"1. {SYSTEM}", f"2. {NATIONAL}"]
    services.attach_report(author, review, io.BytesIO(docx_bytes(paragraphs=paragraphs)), _store())
    assert review.recommendations == [SYSTEM, NATIONAL]


def test_recommendations_found_never_replace_the_authors_list():
    author, review = _draft()
    services.add_recommendation(author, review, "My own recommendation for the partnership.")
    services.attach_report(author, review, io.BytesIO(pdf_bytes(REPORT)), _store())
    assert review.recommendations == ["My own recommendation for the partnership."]
    assert [a.text for a in _stored(review.id)] == review.recommendations
    assert review.report_text  # the text is still kept for the analysis


def test_a_report_without_text_is_kept_and_the_author_lists_the_recommendations():
    author, review = _draft()
    services.attach_report(author, review, io.BytesIO(pdf_bytes("")), _store())
    assert review.report_key is not None
    assert review.report_text is None and review.recommendations == []
    assert review.report_counted_words is None
    assert queries.review_analysis(review).report is None


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(REPORT))))
    writer.encrypt("open sesame")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\nnot really a PDF at all", "could not be read: it may be damaged"),
        ("encrypted", "protected by a password"),
    ],
)
def test_a_report_whose_text_cannot_be_read_is_refused_and_nothing_is_kept(data, message):
    author, review = _draft()
    store = _store()
    services.attach_report(author, review, io.BytesIO(pdf_bytes(REPORT)), store)
    kept = review.report_key
    before = {p.name for p in store.root.rglob("*") if p.is_file()}
    body = _encrypted() if data == "encrypted" else data
    with pytest.raises(DomainError, match=message) as caught:
        services.attach_report(author, review, io.BytesIO(body), store)
    assert caught.value.field == "report"
    assert caught.value.message.startswith("The report's text could not be read")
    assert review.report_key == kept
    assert {p.name for p in store.root.rglob("*") if p.is_file()} == before


def test_each_change_to_the_list_classifies_it_again():
    author, review = _draft()
    services.add_recommendation(author, review, TRAINING)
    services.add_recommendation(author, review, NATIONAL)
    assert [a.class_ for a in _stored(review.id)] == ["training", "national"]
    services.change_recommendation(author, review, 0, SYSTEM)
    assert [(a.position, a.class_, a.text) for a in _stored(review.id)] == [
        (1, "system", SYSTEM),
        (2, "national", NATIONAL),
    ]
    services.remove_recommendation(author, review, 0)
    assert [(a.position, a.class_) for a in _stored(review.id)] == [(1, "national")]
    # Confirming analyses the list by the rules in use now.
    db.session.execute(sa.update(RecommendationAnalysis).values(rules_version="old"))
    services.confirm_recommendations(author, review)
    assert [a.rules_version for a in _stored(review.id)] == [current_rules().version]


def test_the_personal_data_check_reads_the_report_and_nothing_is_audited_of_it():
    author, review = _draft()
    text = REPORT.replace(
        "In May the police attended",
        "On 3 May 2024 the police attended 14 Acacia Road, LS1 4AB",
    )
    services.attach_report(author, review, io.BytesIO(pdf_bytes(text)), _store())
    found = queries.personal_data_in(review)
    in_report = [w for w in found if w.where.startswith("The report, paragraph")]
    assert {w.finding.kind for w in in_report} >= {"date", "postcode"}
    assert all(w.where == in_report[0].where for w in in_report)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_id == str(review.id))
    )
    summaries = " ".join(e.summary + str(e.changes or "") for e in events)
    assert "LS1 4AB" not in summaries and "Acacia" not in summaries


def test_the_analysis_reads_nothing_about_the_author():
    author, review = _draft()
    services.attach_report(author, review, io.BytesIO(pdf_bytes(REPORT)), _store())
    analysis = queries.review_analysis(review)
    words = repr(analysis) + " ".join(str(a.evidence) for a in analysis.recommendations)
    assert author.name not in words and author.email not in words


# Learning across reviews


def _agree(review, levels: dict[str, int]):
    for marker in queries.markers_of(review.rubric_id):
        level = levels.get(marker.code, 3)
        db.session.add(AgreedMarkerScore(review_id=review.id, marker_id=marker.id, level=level))
    db.session.commit()


def _learning_data():
    north = make_region(code="E12000001", name="North East")
    london = make_region(code="E12000007", name="London")
    tyne = make_organisation(region=north)
    thames = make_organisation(region=london)
    # 2025, North East, neglect: 6 system, 1 training.
    make_qa_review(
        status="completed",
        partnership=tyne,
        published_on=date(2025, 5, 1),
        themes=("neglect",),
        recommendations=(SYSTEM,) * 6 + (TRAINING,),
    )
    # 2026, London, neglect and online harm: 5 training, 5 procedure.
    make_qa_review(
        status="submitted",
        partnership=thames,
        published_on=date(2026, 2, 1),
        themes=("neglect", "online-harm"),
        recommendations=(TRAINING,) * 5 + (PROCEDURE,) * 5,
    )
    # Neither drafts nor withdrawn reviews count.
    make_qa_review(status="draft", partnership=thames, recommendations=(NATIONAL,) * 9)
    make_qa_review(status="withdrawn", partnership=thames, recommendations=(NATIONAL,) * 9)


def test_learning_counts_recommendations_by_class_year_region_and_theme():
    _learning_data()
    overall = learning.class_counts_overall()
    assert overall.counts == {"training": 6, "procedure": 5, "system": 6, "national": 0}
    assert overall.total == 17
    by_year = {g.key: g.counts for g in learning.class_counts_by_year()}
    assert by_year == {
        "2025": {"training": 1, "procedure": 0, "system": 6, "national": 0},
        "2026": {"training": 5, "procedure": 5, "system": 0, "national": 0},
    }
    by_region = {g.label: g.counts for g in learning.class_counts_by_region()}
    assert by_region == {
        "North East": {"training": 1, "procedure": 0, "system": 6, "national": 0},
        "London": {"training": 5, "procedure": 5, "system": 0, "national": 0},
    }
    assert [g.label for g in learning.class_counts_by_region()] == ["North East", "London"]
    by_theme = {g.key: g.counts for g in learning.class_counts_by_theme()}
    assert by_theme == {
        "neglect": {"training": 6, "procedure": 5, "system": 6, "national": 0},
        "online-harm": {"training": 5, "procedure": 5, "system": 0, "national": 0},
    }


def test_small_numbers_are_never_shown_or_worked_out():
    _learning_data()
    year_2025 = next(g for g in learning.class_counts_by_year() if g.key == "2025")
    assert year_2025.share("system") == 86
    assert year_2025.share("training") is None  # one recommendation
    assert year_2025.share("national") == 0
    assert learning.small_number(1) == "fewer than 5"
    assert learning.small_number(4) == "fewer than 5"
    assert learning.small_number(0) == "0"
    assert learning.small_number(5) == "5"
    assert learning.small_number(1234) == "1,234"
    tiny = learning.ClassCounts("x", "x", {"training": 3, "procedure": 0})
    assert tiny.share("procedure") is None  # the group itself is small


def test_the_markers_where_reviews_score_lowest_from_agreed_scores():
    reviews = [make_qa_review(status="completed") for _ in range(5)]
    for n, review in enumerate(reviews):
        _agree(review, {"R07": 1 if n < 4 else 2, "R01": 4})
    # A review still with its assessors has no agreed scores to count.
    _agree(make_qa_review(status="in_assessment"), {"R07": 4})
    markers = learning.lowest_scoring_markers()
    assert markers[0].code == "R07"
    assert markers[0].reviews == 5
    assert markers[0].average == pytest.approx(1.2)
    assert markers[0].shown_average == 1.2
    assert markers[0].lowest == 1
    assert markers[-1].code == "R01" and markers[-1].average == 4
    few = make_qa_review(status="completed")
    db.session.execute(sa.delete(AgreedMarkerScore))
    _agree(few, {})
    assert all(m.shown_average is None for m in learning.lowest_scoring_markers())
