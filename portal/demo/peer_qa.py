"""Invented anonymised reviews in every peer QA state, made through the feature's own services.
Every review, partnership event and person here is invented."""

from __future__ import annotations

import io
import textwrap
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


# Invented recommendations, by the class the recommendation rules give them.
TRAINING = (
    "All practitioners should attend refresher training on neglect and its signs.",
    "Health visitors should receive training on recognising financial hardship in pre-birth "
    "assessments.",
    "Practitioners should be reminded of the neglect toolkit.",
    "School staff should complete awareness sessions on the signs of exploitation.",
    "Midwives and health visitors should attend multi-agency training on domestic abuse and "
    "coercive control.",
    "The partnership should run a learning event so that practitioners understand the "
    "experiences of disabled children.",
    "Practitioners must remember to record the voice of the child at every visit.",
    "GPs should be made aware of the safeguarding guidance on bruising in non-mobile babies.",
)
PROCEDURE = (
    "The partnership should update the multi-agency neglect procedure and its toolkit by June.",
    "Children's social care should revise the missing-from-care protocol and publish it on the "
    "partnership website.",
    "The partnership should update its escalation policy so that disagreements between agencies "
    "are resolved within ten days.",
    "The local authority should amend the pre-birth assessment procedure to include a check on "
    "housing and income.",
    "The partnership should review and reissue the threshold document with examples for "
    "adolescents.",
    "Health and children's social care should agree a revised referral form for concerns about "
    "infants.",
    "The partnership should update the procedure for children who are electively home educated.",
)
SYSTEM = (
    "The partnership should fund additional health visitor posts to reduce caseloads and "
    "redesign how agencies share information.",
    "Children's social care should cap caseloads in the long-term team at 18 children, measured "
    "quarterly.",
    "The integrated care board should fund interpreters for every health visitor contact where "
    "a parent's first language is not English.",
    "The partnership should fund a single front door for families of disabled children, with "
    "waiting times reported to the board every six months.",
    "The local authority and schools should redesign the route back to school after an "
    "exclusion so that a named worker holds each plan.",
    "The local authority should resource a stable team of social workers for children in care "
    "so that each child keeps one worker.",
)
NATIONAL = (
    "The Department for Education should amend Working Together to require national guidance "
    "on infant sleep.",
    "The Department for Education should publish guidance on sharing mental health information "
    "when a child changes school.",
    "The Child Safeguarding Practice Review Panel should consider a national review of how "
    "financial hardship shapes neglect.",
    "The Home Office should change national guidance so that domestic abuse notifications reach "
    "health visitors.",
    "The Department of Health and Social Care should issue national guidance on safeguarding "
    "disabled children in hospital.",
    "The government should amend the law on elective home education so that every child is seen.",
)
POOLS = {"training": TRAINING, "procedure": PROCEDURE, "system": SYSTEM, "national": NATIONAL}


@dataclass(frozen=True)
class DemoReview:
    state: str
    title: str
    partnership: str
    review_type: ReviewType
    themes: tuple[str, ...]
    # How many recommendations of each class: (training, procedure, system, national).
    mix: tuple[int, int, int, int]
    # Levels by marker code where the two peers differ from 3; empty: both give 3.
    first: dict[str, int]
    second: dict[str, int]
    grades: tuple[int, int] = (3, 3)
    # Paragraphs of analysis beside six of chronology: how far the report explains why.
    analysis: int = 2
    years_ago: int = 0


REVIEWS: tuple[DemoReview, ...] = (
    DemoReview(
        "draft",
        "Learning from the experiences of a teenager missing from care",
        "sunderland",
        ReviewType.LCSPR,
        ("children-in-care", "exploitation"),
        (1, 1, 1, 1),
        {},
        {},
    ),
    DemoReview(
        "submitted",
        "Child Q: an infant's injuries in a family under financial strain",
        "leeds",
        ReviewType.RAPID_REVIEW,
        ("infant-deaths", "racism-structural-inequality", "neglect"),
        (2, 1, 2, 1),
        {},
        {},
        analysis=4,
    ),
    DemoReview(
        "in_assessment",
        "Neglect of two siblings through a long period of drift",
        "gateshead",
        ReviewType.LCSPR,
        ("neglect",),
        (3, 2, 1, 1),
        {"R07": 2, "R12": 2},
        {},
        analysis=1,
    ),
    DemoReview(
        "moderation",
        "A young person's death by suicide after school exclusion",
        "darlington",
        ReviewType.LCSPR,
        ("suicide-self-harm", "adolescents", "mental-health"),
        (2, 2, 2, 1),
        {"R07": 1, "R08": 2},
        {"R07": 3, "R08": 3},
        (2, 3),
        analysis=3,
        years_ago=1,
    ),
    DemoReview(
        "completed",
        "Domestic abuse and a baby's serious injury: what the agencies knew",
        "hartlepool",
        ReviewType.RAPID_REVIEW,
        ("domestic-abuse", "infant-deaths"),
        (3, 1, 1, 1),
        {"R09": 2, "P04": 2},
        {"R09": 3, "P04": 1},
        (3, 4),
        years_ago=1,
    ),
    DemoReview(
        "responded",
        "Disabled child: the experience of a family waiting for support",
        "stockton-on-tees",
        ReviewType.LCSPR,
        ("disabled-children",),
        (1, 2, 3, 1),
        {"R06": 4},
        {"R06": 3},
        (4, 3),
        analysis=5,
        years_ago=2,
    ),
    # Earlier reviews whose QA completed: what the learning across reviews counts.
    DemoReview(
        "completed",
        "An infant's sudden death in temporary accommodation",
        "gateshead",
        ReviewType.RAPID_REVIEW,
        ("infant-deaths", "neglect"),
        (3, 2, 1, 1),
        {"R07": 2, "R11": 2},
        {"R07": 2, "R11": 2},
        (2, 2),
        analysis=1,
        years_ago=2,
    ),
    DemoReview(
        "completed",
        "Exploitation of a child excluded from school",
        "sunderland",
        ReviewType.LCSPR,
        ("exploitation", "adolescents"),
        (2, 2, 2, 1),
        {"R07": 2, "R08": 2},
        {"R07": 2, "R08": 3},
        years_ago=1,
    ),
    DemoReview(
        "completed",
        "A child educated at home and unseen by agencies",
        "darlington",
        ReviewType.LCSPR,
        ("neglect",),
        (2, 3, 1, 2),
        {"R07": 1, "R12": 2},
        {"R07": 2, "R12": 2},
        (2, 2),
        analysis=2,
        years_ago=2,
    ),
    DemoReview(
        "responded",
        "Parental mental health and a toddler's neglect",
        "hartlepool",
        ReviewType.LCSPR,
        ("mental-health", "neglect"),
        (2, 1, 3, 1),
        {"R07": 3, "R09": 2},
        {"R07": 2, "R09": 2},
        (3, 3),
        analysis=4,
    ),
)

CHRONOLOGY = (
    "In the spring the family moved into the area and registered with a GP. On the first visit "
    "the health visitor saw the child at home and recorded that the home was cold.",
    "Two weeks later the school nurse spoke to the older child, who said that there was often "
    "no food at home. The next day the school made a referral to children's social care.",
    "In the summer the police attended after a neighbour called about shouting. The officers "
    "spoke to the mother and left after an hour; a notification was sent three weeks later.",
    "In the autumn the social worker visited twice. The case was then closed with advice, and "
    "the family was signposted to a food bank and to early help.",
    "In the winter the child attended the emergency department with an injury. The hospital "
    "made a referral and a strategy discussion was held the following day.",
    "After the strategy discussion a child protection enquiry began. The child was seen at "
    "home, and a child protection conference was held four weeks later.",
)
ANALYSIS = (
    "This happened because the agencies did not share what each knew: the reason practitioners "
    "did not act on the school's concern was that each saw only part of the picture.",
    "The system made it hard to see the whole picture, which explains why the risk from "
    "poverty and cold housing was treated as a lifestyle choice rather than as harm.",
    "Practitioners told us that caseloads left no time to think, and this explains why visits "
    "were short and why the child's experience was not at the centre of the work.",
    "Hindsight bias was controlled by asking what was known at the time and why it made sense "
    "to practitioners then; the findings are about conditions of practice, not individuals.",
    "The family's account shows why help felt out of reach: the reason they stopped attending "
    "was that appointments clashed with shifts, and no service adapted to that.",
)


def recommendations_of(spec: DemoReview, n: int) -> list[str]:
    """The review's recommendations: for each class, as many as its mix says, taken in turn."""
    chosen = []
    for pool, count in zip(POOLS.values(), spec.mix, strict=True):
        chosen += [pool[(n * 3 + i) % len(pool)] for i in range(count)]
    return chosen


def report_text(spec: DemoReview, n: int, partnership: str) -> str:
    """An invented, anonymised report: chronology, analysis and a numbered recommendations
    section, as the recommendation analysis reads a published review."""
    analysis = [ANALYSIS[(n + i) % len(ANALYSIS)] for i in range(spec.analysis)]
    listed = [f"{i}. {text}" for i, text in enumerate(recommendations_of(spec, n), 1)]
    return "\n\n".join(
        [
            spec.title,
            f"An invented, anonymised {spec.review_type.label.lower()} for {partnership}. No "
            "child, family member or practitioner described here exists.",
            "What happened",
            *CHRONOLOGY,
            "Why it happened",
            *analysis,
            "Recommendations",
            "\n".join(listed),
            "Appendix: terms of reference",
            "The terms of reference are held by the partnership.",
        ]
    )


def demo_pdf(text: str) -> bytes:
    """A real PDF whose pages show `text`, lines wrapped, a blank line where the text has one,
    40 lines to a page: an invented stand-in for a published report."""
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend(textwrap.wrap(line, 85) or [""])
    pages = [lines[i : i + 40] for i in range(0, len(lines), 40)] or [[""]]

    def shown(line: str) -> bytes:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("cp1252", "replace") + b") Tj T*\n"

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font = 3 + 2 * len(pages)
    for i, page in enumerate(pages):
        stream = b"BT /F1 10 Tf 13 TL 56 790 Td\n" + b"".join(shown(x) for x in page) + b"ET\n"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream")
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
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
        published = today - timedelta(days=60 + 30 * (n % 6) + 365 * spec.years_ago)
        services.save_details(
            author,
            review,
            title=spec.title,
            partnership=partnership,
            review_type=spec.review_type,
            published_on=published,
            themes=spec.themes,
            today=today,
        )
        # The report is read as it is uploaded: its recommendations are offered as the list.
        text = report_text(spec, n, partnership.name)
        services.attach_report(author, review, io.BytesIO(demo_pdf(text)), store)
        made += 1
        if spec.state == "draft":
            continue
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
