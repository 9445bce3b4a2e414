"""Invented anonymised reviews in every peer QA state, made through the feature's own services.
Every review, partnership event and person here is invented."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.auth import services as accounts
from portal.auth.models import User
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.peer_qa import queries, services
from portal.peer_qa.models import Confidence, QaReview, ReviewType

# Accredited demo reviewers who also assess peers' reviews.
PEER_ASSESSORS = (
    "marguerite.okafor-lindqvist@demo.test",
    "declan.farrow-mbeki@demo.test",
    "anwen.prydderch@demo.test",
)


@dataclass(frozen=True)
class DemoReview:
    state: str
    title: str
    partnership: str
    review_type: ReviewType
    themes: tuple[str, ...]
    recommendations: tuple[str, ...]
    # Levels by marker code where the two peers differ from 3; empty: both give 3.
    first: dict[str, int]
    second: dict[str, int]
    grades: tuple[int, int] = (3, 3)


REVIEWS: tuple[DemoReview, ...] = (
    DemoReview(
        "draft",
        "Learning from the experiences of a teenager missing from care",
        "sunderland",
        ReviewType.LCSPR,
        ("children-in-care", "exploitation"),
        (
            "Children's homes and the police should agree a shared plan for each child who goes "
            "missing, reviewed monthly by the partnership.",
        ),
        {},
        {},
    ),
    DemoReview(
        "submitted",
        "Child Q: an infant's injuries in a family under financial strain",
        "leeds",
        ReviewType.RAPID_REVIEW,
        ("infant-deaths", "racism-structural-inequality"),
        (
            "The partnership should commission a review of how financial hardship is assessed in "
            "pre-birth assessments, reporting within six months.",
            "The integrated care board should fund interpreters for every health visitor contact "
            "where a parent's first language is not English.",
        ),
        {},
        {},
    ),
    DemoReview(
        "in_assessment",
        "Neglect of two siblings through a long period of drift",
        "gateshead",
        ReviewType.LCSPR,
        ("neglect",),
        (
            "Children's social care should cap caseloads in the long-term team at 18 children, "
            "measured quarterly.",
            "Practitioners should be reminded of the neglect toolkit.",
        ),
        {"R07": 2, "R12": 2},
        {},
    ),
    DemoReview(
        "moderation",
        "A young person's death by suicide after school exclusion",
        "darlington",
        ReviewType.LCSPR,
        ("suicide-self-harm", "adolescents", "mental-health"),
        (
            "The local authority and schools should redesign the route back to school after an "
            "exclusion so that a named worker holds each plan.",
            "The Department for Education should publish guidance on sharing mental health "
            "information when a child changes school.",
        ),
        {"R07": 1, "R08": 2},
        {"R07": 3, "R08": 3},
        (2, 3),
    ),
    DemoReview(
        "completed",
        "Domestic abuse and a baby's serious injury: what the agencies knew",
        "hartlepool",
        ReviewType.RAPID_REVIEW,
        ("domestic-abuse", "infant-deaths"),
        (
            "Police and health should share domestic abuse notifications with midwifery within "
            "24 hours, audited by the partnership each quarter.",
        ),
        {"R09": 2, "P04": 2},
        {"R09": 3, "P04": 1},
        (3, 4),
    ),
    DemoReview(
        "responded",
        "Disabled child: the experience of a family waiting for support",
        "stockton-on-tees",
        ReviewType.LCSPR,
        ("disabled-children",),
        (
            "The partnership should fund a single front door for families of disabled children, "
            "with waiting times reported to the board every six months.",
        ),
        {"R06": 4},
        {"R06": 3},
        (4, 3),
    ),
)


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with the review's title: an invented stand-in for a published report."""
    safe = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 760 Td (Invented anonymised review: {safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _person(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _score(assessment_id: int, levels: dict[str, int], grade: int, *, submit: bool) -> None:
    assessment = queries.assessment(assessment_id)
    if assessment is None:
        raise RuntimeError("assessment is not set")
    if assessment.review.rubric_id is None:
        raise RuntimeError("assessment.review.rubric_id is not set")
    markers = queries.markers_of(assessment.review.rubric_id)
    services.save_assessment(
        assessment.assessor,
        assessment,
        scores={
            m.id: services.ScoreInput(
                levels.get(m.code, 3),
                f"Invented comment on {m.title.lower()}: "
                + ("a clear strength." if levels.get(m.code, 3) >= 3 else "needs more depth."),
            )
            for m in markers
        },
        overall_grade=grade,
        confidence=Confidence.MEDIUM,
        summary_for_author="Invented: a readable review; the analysis could say more about why.",
        notes_for_lead="Invented: I have not worked in this area.",
    )
    if submit:
        services.submit_assessment(assessment.assessor, assessment)


def load_demo_peer_qa(store: UploadStore, *, today: date | None = None) -> int:
    """The demo reviewer's reviews in every QA state (once the rubric is loaded and the demo
    reviewers are accredited)."""
    today = today or utcnow().date()
    author = _person("reviewer@demo.test")
    lead = _person("qa@demo.test")
    admin = _person("admin@demo.test")
    peers = [p for p in (_person(e) for e in PEER_ASSESSORS) if p is not None]
    if (
        queries.current_rubric() is None
        or author is None
        or lead is None
        or admin is None
        or len(peers) < 3
        or queries.current_record(author.id, today) is None
    ):
        return 0
    if db.session.scalar(sa.select(QaReview.id).where(QaReview.author_id == author.id)):
        return 0
    for peer in peers:
        if not peer.has_role(Role.ASSESSOR):
            accounts.grant_role(admin, peer, Role.ASSESSOR)
    organisations = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    made = 0
    for n, spec in enumerate(REVIEWS):
        partnership = organisations.get(spec.partnership)
        if partnership is None:
            continue
        review = services.start_review(author, today=today)
        services.save_details(
            author,
            review,
            title=spec.title,
            partnership=partnership,
            review_type=spec.review_type,
            published_on=today - timedelta(days=60 + 30 * n),
            themes=spec.themes,
            today=today,
        )
        for text in spec.recommendations:
            services.add_recommendation(author, review, text)
        made += 1
        if spec.state == "draft":
            continue
        services.attach_report(author, review, io.BytesIO(demo_pdf(spec.title)), store)
        services.confirm_recommendations(author, review)
        services.save_involvement(
            author,
            review,
            {
                "children": {
                    "invited": True,
                    "took_part": n % 2 == 0,
                    "how": "Invented: a conversation with an advocate present",
                    "adjustments": "Met at a youth centre the young person chose",
                },
                "family": {
                    "invited": True,
                    "took_part": True,
                    "how": "Invented: two meetings at home",
                    "adjustments": "An interpreter at each meeting",
                },
                "practitioners": {
                    "invited": True,
                    "took_part": True,
                    "how": "Invented: a learning event and individual conversations",
                    "adjustments": "",
                },
                "practitioner_support": "Invented: a debrief after the learning event, and each "
                "practitioner saw the findings before publication.",
            },
        )
        services.submit_review(
            author, review, anonymised=True, personal_data_checked=True, today=today
        )
        if spec.state == "submitted":
            continue
        first, second = peers[n % 3], peers[(n + 1) % 3]
        one, two = services.allocate_peers(lead, review, first, second, today=today)
        db.session.flush()
        _score(one.id, spec.first, spec.grades[0], submit=True)
        if spec.state == "in_assessment":
            continue
        _score(two.id, spec.second, spec.grades[1], submit=True)
        if spec.state in {"completed", "responded"} and review.status.value == "moderation":
            markers = [m for m in queries.markers_of(review.rubric_id or 0) if m.counts]
            services.moderate(
                lead,
                review,
                levels={m.id: 3 for m in markers},
                overall_grade=3,
                rationale="Invented: the analysis is sound once the family's account is read.",
            )
        if spec.state == "responded":
            services.respond_to_feedback(
                author,
                review,
                "Invented: thank you. I will show more clearly how the family's account shaped "
                "the findings in my next review.",
            )
    db.session.flush()
    return made
