"""Invented figures for the reports: serious incident notifications for a few partnerships,
diversity monitoring answers from the demo's accredited reviewers, findings of the completed
peer-QA'd reviews tagged against the system conditions, and national recommendations with the
government's response to some of them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.applications.models import CURRENT_ACCREDITATION, AccreditationRecord
from portal.auth.models import User
from portal.core.db import utcnow
from portal.core.documents import DocumentInvalid
from portal.core.errors import DomainError
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind
from portal.peer_qa.models import RELEASED, QaReview
from portal.reporting import learning_queries, learning_services
from portal.reporting.conditions import CONDITIONS_DIR, condition_files, read_conditions
from portal.reporting.learning_models import RecommendationSource, ResponseStatus
from portal.reporting.models import (
    AgeBand,
    Disability,
    DiversityAnswers,
    Ethnicity,
    IncidentNotification,
    NotificationImport,
    Sex,
)

FINDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Invented: the health visitor's concerns about the infant's weight never reached "
        "children's social care, because the two record systems do not connect.",
        ("information-sharing", "recording-tools"),
    ),
    (
        "Invented: the family was told twice that they did not meet the threshold for early "
        "help, although the school had raised the same worries for a year.",
        ("thresholds", "early-help"),
    ),
    (
        "Invented: the social worker held 31 cases and had no supervision for three months "
        "while the team carried four vacancies.",
        ("workload", "supervision-culture"),
    ),
    (
        "Invented: the family lived in temporary accommodation an hour from the child's "
        "school, and moved three times in a year.",
        ("structural",),
    ),
)

RECOMMENDATIONS: tuple[tuple[str, str, str | None, ResponseStatus, str], ...] = (
    (
        "Invented: the Department for Education should fund regional pools of accredited "
        "reviewers so that every partnership can commission a review within a month.",
        "Department for Education",
        "A national review of reviewing capacity",
        ResponseStatus.PARTLY_ACCEPTED,
        "Invented: funding for three regional pools from April, with an evaluation.",
    ),
    (
        "Invented: health and children's social care record systems should share a child's "
        "identifier so that concerns can be linked across agencies.",
        "Department of Health and Social Care",
        None,
        ResponseStatus.NO_RESPONSE,
        "",
    ),
    (
        "Invented: statutory guidance should say how partnerships take account of poverty and "
        "housing when they decide whether a family meets a threshold.",
        "Department for Education",
        "A thematic review of neglect",
        ResponseStatus.REJECTED,
        "",
    ),
)


def _notifications(analyst: User, today: date) -> None:
    partnerships = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.kind == OrganisationKind.PARTNERSHIP)
            .order_by(Organisation.code)
            .limit(12)
        )
    )
    if not partnerships:
        return
    batch = NotificationImport(
        filename="demo-notifications.csv",
        sha256="0" * 64,
        loaded_by_id=analyst.id,
        loaded_at=utcnow(),
        added=0,
    )
    db.session.add(batch)
    db.session.flush()
    added = 0
    for back in range(1, 7):
        month_index = today.year * 12 + today.month - 1 - back
        month = date(month_index // 12, month_index % 12 + 1, 1)
        for n, partnership in enumerate(partnerships):
            db.session.add(
                IncidentNotification(
                    partnership_id=partnership.id,
                    month=month,
                    notifications=(n * 3 + back) % 7,
                    import_id=batch.id,
                )
            )
            added += 1
    batch.added = added


def _diversity(today: date) -> None:
    users = list(
        db.session.scalars(
            sa.select(AccreditationRecord.user_id)
            .where(
                AccreditationRecord.status.in_(sorted(CURRENT_ACCREDITATION)),
                AccreditationRecord.expires_on > today,
            )
            .distinct()
            .order_by(AccreditationRecord.user_id)
        )
    )
    answered = set(db.session.scalars(sa.select(DiversityAnswers.user_id)))
    ethnicities, sexes = list(Ethnicity), list(Sex)
    for n, user_id in enumerate(users):
        # Most reviewers answer; every fifth has not, so "Not answered" shows too.
        if user_id in answered or n % 5 == 4:
            continue
        db.session.add(
            DiversityAnswers(
                user_id=user_id,
                ethnicity=ethnicities[n % 3],
                sex=sexes[n % 2],
                disability=list(Disability)[n % 2],
                age_band=list(AgeBand)[2 + n % 3],
            )
        )


def _taxonomy_loaded() -> bool:
    if learning_queries.current_taxonomy() is not None:
        return True
    try:
        for path in condition_files(CONDITIONS_DIR):
            learning_services.load_conditions(None, read_conditions(path))
    except (DocumentInvalid, DomainError):
        return False
    return learning_queries.current_taxonomy() is not None


def _findings(lead: User) -> list[QaReview]:
    reviews = list(
        db.session.scalars(
            sa.select(QaReview).where(QaReview.status.in_(sorted(RELEASED))).order_by(QaReview.id)
        )
    )
    taxonomy = learning_queries.current_taxonomy()
    if not reviews or taxonomy is None:
        return reviews
    for n, (text, codes) in enumerate(FINDINGS):
        learning_services.record_finding(
            lead,
            reviews[n % len(reviews)],
            text,
            learning_queries.conditions_by_code(taxonomy.id, list(codes)),
        )
    return reviews


def _recommendations(admin: User, reviews: list[QaReview], today: date) -> None:
    for n, (text, addressed_to, panel_title, response, action) in enumerate(RECOMMENDATIONS):
        review = reviews[0] if panel_title is None and reviews else None
        if panel_title is None and review is None:
            continue
        made = learning_services.add_national_recommendation(
            admin,
            learning_services.RecommendationInput(
                text=text,
                year=today.year - (n % 2),
                addressed_to=addressed_to,
                source=RecommendationSource.PANEL if panel_title else RecommendationSource.REVIEW,
                review=review,
                source_title=panel_title,
                source_year=today.year - 1 if panel_title else None,
            ),
        )
        if response is not ResponseStatus.NO_RESPONSE:
            learning_services.record_response(
                admin,
                made,
                status=response,
                action=action,
                responded_on=date(today.year, 1, 20) if today >= date(today.year, 1, 20) else today,
                version_id=None,
            )


def _person(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def load_demo_reporting(*, today: date | None = None) -> bool:
    """Once, after the rest of the demo: the figures the reports show."""
    today = today or utcnow().date()
    analyst, lead, admin = (
        _person("analyst@demo.test"),
        _person("qa@demo.test"),
        _person("admin@demo.test"),
    )
    if analyst is None or lead is None or admin is None:
        return False
    if not analyst.has_role(Role.ANALYST) or db.session.scalar(
        sa.select(NotificationImport.id).where(NotificationImport.loaded_by_id == analyst.id)
    ):
        return False
    _notifications(analyst, today)
    _diversity(today)
    reviews = _findings(lead) if _taxonomy_loaded() else []
    _recommendations(admin, reviews, today)
    db.session.flush()
    return True
