"""The reporting benchmark's dataset: the register benchmark's invented reviewers, then the
history reports read (applications' submissions, decisions and status changes, accreditation
status changes, assessors and their allocations, renewals in assessment, CPD activities and
audits, commissions, peer-QA results and the findings tagged on them, national
recommendations and the government's responses, diversity answers, serious incident
notifications), all invented and inserted in bulk."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench import bulk, register_search
from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatusChange,
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    Outcome,
    StatusChange,
)
from portal.auth.models import RoleGrant, User
from portal.auth.passwords import hash_password
from portal.core.dates import today_in_england
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.cpd.audit_models import (
    AuditOutcome,
    AuditStatus,
    CpdAuditCycle,
    CpdAuditSelection,
    SelectionReason,
)
from portal.cpd.models import ActivityType, CpdEntry, EntryStatus
from portal.extensions import db
from portal.framework.models import Competency, FrameworkStatus, FrameworkVersion
from portal.organisations.models import Organisation, OrganisationKind
from portal.peer_qa.models import (
    AgreedMarkerScore,
    QaReview,
    QaStatus,
    RecommendationAnalysis,
    RubricMarker,
    RubricVersion,
)
from portal.register.commissioning_models import Commission, ReviewType
from portal.register.reference import current as reference
from portal.reporting.learning_models import (
    LearningFinding,
    NationalRecommendation,
    RecommendationSource,
    ResponseStatus,
    SystemCondition,
    finding_conditions,
)
from portal.reporting.models import (
    AgeBand,
    Disability,
    DiversityAnswers,
    Ethnicity,
    IncidentNotification,
    NotificationImport,
    Sex,
)

# Bump when the dataset changes, so a cached SQLite file is rebuilt.
BUILDER_VERSION = 2
ANALYST = "analyst@bench.test"
BATCH = register_search.BATCH
REGIONS = [f"E1200000{n}" for n in range(1, 10)]


def _insert(model: type[Any] | sa.Table, rows: list[dict[str, Any]]) -> None:
    bulk.insert(model, rows)


def _at(day: date, hour: int = 11) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def build(
    app: Flask, commissioner_id: int, built: register_search.Built, reviewers: int, activities: int
) -> None:
    """Grow the register to `reviewers`, load the rules reports judge by, then the rest."""
    with app.app_context():
        runner = app.test_cli_runner()
        for args in (
            ["cpd", "requirements", "load-all"],
            ["peer-qa", "rubric", "load-all"],
            ["reporting", "conditions", "load"],
        ):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        grown = 0
        while grown < reviewers:
            step = min(25_000, reviewers - grown)
            register_search.grow(step, built, commissioner_id)
            grown += step
        db.session.remove()
        _history(commissioner_id, activities)
        db.session.remove()


def _history(commissioner_id: int, activities: int) -> None:
    rng = random.Random(7)
    today = today_in_england()
    analyst = User(
        email=ANALYST,
        name="Bench Analyst",
        password_hash=hash_password("bench password words"),
        email_confirmed_at=utcnow(),
    )
    db.session.add(analyst)
    db.session.flush()
    db.session.add(RoleGrant(user_id=analyst.id, role=Role.ANALYST))
    db.session.commit()
    framework = db.session.scalar(
        sa.select(FrameworkVersion).where(FrameworkVersion.status == FrameworkStatus.PUBLISHED)
    )
    assert framework is not None
    competencies = list(
        db.session.scalars(
            sa.select(Competency.code).where(Competency.framework_id == framework.id)
        )
    )
    records = db.session.execute(
        sa.select(
            AccreditationRecord.id,
            AccreditationRecord.user_id,
            AccreditationRecord.application_id,
            AccreditationRecord.status,
            AccreditationRecord.starts_on,
            AccreditationRecord.expires_on,
        ).order_by(AccreditationRecord.id)
    ).all()
    partnerships = list(
        db.session.scalars(
            sa.select(Organisation.id).where(Organisation.kind == OrganisationKind.PARTNERSHIP)
        )
    )

    # Applications: a home region, a submission, a decision and the status history.
    updates, decisions, changes, record_changes = [], [], [], []
    for record_id, _user, application_id, status, starts_on, _expires in records:
        submitted = starts_on - timedelta(days=rng.randrange(40, 200))
        decided = starts_on - timedelta(days=rng.randrange(0, 10))
        assessed = submitted + timedelta(days=rng.randrange(1, 20))
        awaiting = assessed + (decided - assessed) * rng.randrange(3, 9) // 10
        updates.append(
            {
                "b_id": application_id,
                "home_region_code": REGIONS[application_id % len(REGIONS)],
                "submitted_at": _at(submitted),
            }
        )
        decisions.append(
            {
                "application_id": application_id,
                "decided_by_id": commissioner_id,
                "decided_at": _at(decided, 15),
                "outcome": Outcome.ACCREDIT,
                "reasons": "Invented for the benchmark.",
                "appeal_by": decided + timedelta(days=28),
            }
        )
        steps = [
            (None, ApplicationStatus.SUBMITTED, submitted, 9),
            (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_ASSESSMENT, assessed, 10),
            (ApplicationStatus.IN_ASSESSMENT, ApplicationStatus.AWAITING_DECISION, awaiting, 12),
            (ApplicationStatus.AWAITING_DECISION, ApplicationStatus.DECIDED, decided, 15),
        ]
        for before, after, day, hour in steps:
            changes.append(
                {
                    "application_id": application_id,
                    "from_status": before,
                    "to_status": after,
                    "occurred_at": _at(day, hour),
                }
            )
        record_changes.append(
            {
                "record_id": record_id,
                "from_status": None,
                "to_status": status,
                "reason": "Accredited",
                "occurred_at": _at(starts_on, 8),
            }
        )
    for start in range(0, len(updates), BATCH):
        db.session.execute(
            sa.update(Application.__table__)
            .where(Application.__table__.c.id == sa.bindparam("b_id"))
            .values(
                home_region_code=sa.bindparam("home_region_code"),
                submitted_at=sa.bindparam("submitted_at"),
            ),
            updates[start : start + BATCH],
        )
    _insert(Decision, decisions)
    _insert(StatusChange, changes)
    _insert(AccreditationStatusChange, record_changes)
    db.session.commit()
    del updates, decisions, changes, record_changes

    # CPD activities: about `activities` in all, over each record's term up to today.
    each = max(1, activities // max(1, len(records)))
    entries: list[dict[str, Any]] = []
    made = 0
    for index, (record_id, user_id, _app, _status, starts_on, expires_on) in enumerate(records):
        count = each + (1 if index < activities - each * len(records) else 0)
        last = min(expires_on - timedelta(days=1), today)
        span = max(0, (last - starts_on).days)
        for _ in range(count):
            ends = starts_on + timedelta(days=rng.randrange(0, span + 1))
            done = rng.random() < 0.9
            hours = rng.randrange(1, 40)
            entries.append(
                {
                    "record_id": record_id,
                    "user_id": user_id,
                    "status": EntryStatus.COMPLETED if done else EntryStatus.DRAFT,
                    "activity_type": rng.choice(list(ActivityType)),
                    "title": "Invented activity",
                    "starts_on": ends - timedelta(days=rng.choice([0, 0, 0, 1, 2])),
                    "ends_on": ends,
                    "hours_quarters": hours,
                    "participatory_quarters": rng.randrange(0, hours + 1),
                    "competency_codes": rng.sample(competencies, rng.randint(1, 3)),
                    "learning": "Invented learning.",
                    "impact": "Invented impact.",
                    "peer_discussion": rng.random() < 0.4,
                }
            )
            made += 1
        if len(entries) >= 50_000:
            _insert(CpdEntry, entries)
            db.session.commit()
            entries = []
    _insert(CpdEntry, entries)
    db.session.commit()
    del entries

    # More commissions (the register benchmark made one for every twentieth reviewer): about
    # one for every five reviewers over three years, some shortlisted first.
    commissions = []
    for _ in range(len(records) * 3 // 20):
        _record, user_id, *_ = rng.choice(records)
        starts = today - timedelta(days=rng.randrange(0, 1100))
        recorded = _at(starts - timedelta(days=rng.randrange(1, 30)))
        commissions.append(
            {
                "partnership_id": rng.choice(partnerships),
                "reviewer_id": user_id,
                "recorded_by_id": commissioner_id,
                "review_type": rng.choice(list(ReviewType)),
                "starts_on": starts,
                "expected_end_on": starts + timedelta(days=rng.randrange(60, 240)),
                "shortlisted_at": recorded - timedelta(days=rng.randrange(1, 40))
                if rng.random() < 0.7
                else None,
                "recorded_at": recorded,
            }
        )
    _insert(Commission, commissions)
    db.session.commit()
    del commissions

    # Peer QA: a released review for one reviewer in ten, with agreed marker levels and
    # classified recommendations.
    rubric = db.session.scalar(
        sa.select(RubricVersion).where(RubricVersion.status == FrameworkStatus.PUBLISHED)
    )
    markers = (
        list(
            db.session.scalars(
                sa.select(RubricMarker.id).where(RubricMarker.rubric_id == rubric.id)
            )
        )
        if rubric is not None
        else []
    )
    grades = sorted(rubric.overall_scale) if rubric is not None else [1, 2, 3, 4]
    levels = sorted(rubric.scale) if rubric is not None else [1, 2, 3, 4]
    themes = sorted(reference().specialisms.codes())
    first_review = int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(QaReview.id), 0))))
    reviews, scores, analyses = [], [], []
    released: list[tuple[int, date]] = []
    for n, (_record, user_id, *_rest) in enumerate(records[::10]):
        review_id = first_review + n + 1
        completed = today - timedelta(days=rng.randrange(0, 1100))
        released.append((review_id, completed))
        reviews.append(
            {
                "id": review_id,
                "reference": f"QA-B-{review_id:07d}",
                "author_id": user_id,
                "rubric_id": rubric.id if rubric is not None else None,
                "status": QaStatus.COMPLETED if rng.random() < 0.8 else QaStatus.RESPONDED,
                "title": "Invented review",
                "partnership_id": rng.choice(partnerships),
                "review_type": rng.choice(list(ReviewType)),
                "themes": rng.sample(themes, rng.randint(1, 2)),
                "agreed_grade": rng.choice(grades),
                "passed": True,
                "completed_at": _at(completed, 14),
                "submitted_at": _at(completed - timedelta(days=30)),
                "status_changed_at": _at(completed, 14),
            }
        )
        for marker_id in markers:
            scores.append(
                {"review_id": review_id, "marker_id": marker_id, "level": rng.choice(levels)}
            )
        for position in range(1, rng.randint(2, 5)):
            analyses.append(
                {
                    "review_id": review_id,
                    "position": position,
                    "text": "Invented recommendation.",
                    "class": rng.choice(["training", "procedure", "system", "national"]),
                    "target_level": "partnership",
                    "strength": "medium",
                    "admonishment": False,
                    "owner_named": rng.random() < 0.5,
                    "measurable": rng.random() < 0.5,
                    "evidence": [],
                    "rules_version": "bench",
                }
            )
    _insert(QaReview, reviews)
    _insert(AgreedMarkerScore, scores)
    _insert(RecommendationAnalysis, analyses)
    db.session.commit()
    del reviews, scores, analyses

    # Diversity answers from seven reviewers in ten.
    answers = [
        {
            "user_id": user_id,
            "ethnicity": rng.choice(list(Ethnicity)),
            "sex": rng.choice(list(Sex)),
            "disability": rng.choice(list(Disability)),
            "age_band": rng.choice(list(AgeBand)),
        }
        for _record, user_id, *_rest in records
        if rng.random() < 0.7
    ]
    _insert(DiversityAnswers, answers)
    db.session.commit()

    # Serious incident notifications: every partnership, the last 36 months.
    batch = NotificationImport(filename="bench.csv", sha256="0" * 64, loaded_by_id=analyst.id)
    db.session.add(batch)
    db.session.flush()
    month = today.replace(day=1)
    notifications = []
    for _ in range(36):
        for partnership in partnerships:
            notifications.append(
                {
                    "partnership_id": partnership,
                    "month": month,
                    "notifications": rng.randrange(0, 4),
                    "import_id": batch.id,
                }
            )
        month = (month - timedelta(days=1)).replace(day=1)
    _insert(IncidentNotification, notifications)
    db.session.commit()

    assessors, qa_leads = _staff(len(records))
    _allocations(rng, records, assessors, commissioner_id, framework, today)
    _cpd_audits(rng, records, assessors, analyst.id, framework.scheme_id, today)
    _findings(rng, released, qa_leads)
    _national_recommendations(rng, released, analyst.id, today)
    _resequence()


def _staff(reviewers: int) -> tuple[list[int], list[int]]:
    """Assessors (one for every 200 reviewers) and QA leads (one for every 2,000)."""
    password = hash_password("bench password words")
    now = utcnow()
    first = register_search._next_id(User)
    people = []
    for role, count in (
        (Role.ASSESSOR, max(10, reviewers // 200)),
        (Role.QA_LEAD, max(2, reviewers // 2000)),
    ):
        people += [(role, n) for n in range(count)]
    users = [
        {
            "id": first + i,
            "email": f"{role.value}{n}@bench.test",
            "name": f"Bench {role.value.replace('_', ' ')} {n}",
            "password_hash": password,
            "email_confirmed_at": now,
        }
        for i, (role, n) in enumerate(people)
    ]
    _insert(User, users)
    _insert(
        RoleGrant, [{"user_id": first + i, "role": role} for i, (role, _n) in enumerate(people)]
    )
    db.session.commit()
    assessors = [first + i for i, (role, _n) in enumerate(people) if role is Role.ASSESSOR]
    qa_leads = [first + i for i, (role, _n) in enumerate(people) if role is Role.QA_LEAD]
    return assessors, qa_leads


def _allocations(
    rng: random.Random,
    records: Sequence[Any],
    assessors: list[int],
    admin_id: int,
    framework: FrameworkVersion,
    today: date,
) -> None:
    """Two assessments of every decided application (one in ten moderated too), all
    submitted; and a renewal being assessed for one reviewer in fifty, its two assessments
    open (a third of them past their due date)."""
    allocations, applications, changes = [], [], []
    next_application = register_search._next_id(Application)
    for record_id, user_id, application_id, _status, starts_on, _expires in records:
        pair = rng.sample(assessors, 3)
        allocated = starts_on - timedelta(days=rng.randrange(60, 150))
        purposes = [AllocationPurpose.ASSESSMENT, AllocationPurpose.ASSESSMENT]
        if rng.random() < 0.1:
            purposes.append(AllocationPurpose.MODERATION)
        for assessor, purpose in zip(pair, purposes, strict=False):
            allocations.append(
                {
                    "application_id": application_id,
                    "assessor_id": assessor,
                    "purpose": purpose,
                    "allocated_by_id": admin_id,
                    "allocated_at": _at(allocated),
                    "due_on": allocated + timedelta(days=28),
                    "submitted_at": _at(allocated + timedelta(days=rng.randrange(5, 35))),
                }
            )
        if record_id % 50 == 0:
            renewal_id = next_application
            next_application += 1
            submitted = today - timedelta(days=rng.randrange(10, 90))
            assessed = submitted + timedelta(days=rng.randrange(1, 8))
            applications.append(
                {
                    "id": renewal_id,
                    "reference": f"BENCH-R-{renewal_id:07d}",
                    "scheme_id": framework.scheme_id,
                    "framework_id": framework.id,
                    "applicant_id": user_id,
                    "kind": ApplicationKind.RENEWAL,
                    "status": ApplicationStatus.IN_ASSESSMENT,
                    "full_name": "Invented renewal",
                    "home_region_code": REGIONS[renewal_id % len(REGIONS)],
                    "submitted_at": _at(submitted),
                    "status_changed_at": _at(assessed, 10),
                }
            )
            changes.append(
                {
                    "application_id": renewal_id,
                    "from_status": None,
                    "to_status": ApplicationStatus.SUBMITTED,
                    "occurred_at": _at(submitted, 9),
                }
            )
            changes.append(
                {
                    "application_id": renewal_id,
                    "from_status": ApplicationStatus.SUBMITTED,
                    "to_status": ApplicationStatus.IN_ASSESSMENT,
                    "occurred_at": _at(assessed, 10),
                }
            )
            for assessor in pair[:2]:
                allocations.append(
                    {
                        "application_id": renewal_id,
                        "assessor_id": assessor,
                        "purpose": AllocationPurpose.ASSESSMENT,
                        "allocated_by_id": admin_id,
                        "allocated_at": _at(assessed, 10),
                        "due_on": assessed + timedelta(days=rng.choice([14, 28, 56, 84])),
                        "submitted_at": None,
                    }
                )
        if len(allocations) >= 50_000:
            # The renewals first: their allocations refer to them.
            for model, rows in ((Application, applications), (StatusChange, changes)):
                _insert(model, rows)
            _insert(Allocation, allocations)
            db.session.commit()
            applications, changes, allocations = [], [], []
    _insert(Application, applications)
    _insert(StatusChange, changes)
    _insert(Allocation, allocations)
    db.session.commit()


def _cpd_audits(
    rng: random.Random,
    records: Sequence[Any],
    assessors: list[int],
    admin_id: int,
    scheme_id: int,
    today: date,
) -> None:
    """A CPD audit cycle a year for three years, each drawing 5% of the records. The older
    two are finished; this year's is under way, some records late."""
    last_cycle = register_search._next_id(CpdAuditCycle)
    finished = [AuditStatus.ACCEPTED] * 85 + [AuditStatus.ADVICE] * 10
    finished += [AuditStatus.PUT_RIGHT] * 4 + [AuditStatus.CLOSED]
    under_way = [AuditStatus.REQUESTED] * 30 + [AuditStatus.SUBMITTED] * 20
    under_way += [AuditStatus.SECOND_REVIEW] * 5 + finished[:45]
    under_way += [AuditStatus.DEVELOPMENT_PLAN] * 3 + [AuditStatus.PROPOSED] * 2
    outcome_of = {
        AuditStatus.ACCEPTED: AuditOutcome.ACCEPTED,
        AuditStatus.ADVICE: AuditOutcome.ADVICE,
        AuditStatus.PUT_RIGHT: AuditOutcome.NOT_MET,
        AuditStatus.CLOSED: AuditOutcome.NOT_MET,
        AuditStatus.DEVELOPMENT_PLAN: AuditOutcome.NOT_MET,
    }
    cycles, selections = [], []
    user_of = {r[0]: r[1] for r in records}
    for n, days_ago in enumerate((730, 365, 40)):
        cycle_id = last_cycle + n
        opened = today - timedelta(days=days_ago)
        due = opened + timedelta(days=21)
        eligible = [r[0] for r in records if r[4] <= opened - timedelta(days=365)]
        drawn = rng.sample(eligible, max(1, len(eligible) // 20)) if eligible else []
        cycles.append(
            {
                "id": cycle_id,
                "scheme_id": scheme_id,
                "opened_on": opened,
                "opened_at": _at(opened, 9),
                "opened_by_id": admin_id,
                "percent": 5,
                "seed": 1000 + n,
                "due_on": due,
                "eligible": eligible,
                "always": [],
                "newly_accredited": [],
                "under_audit": [],
            }
        )
        for record_id in drawn:
            status = rng.choice(under_way if days_ago < 365 else finished)
            outcome = outcome_of.get(status)
            first, second = rng.sample(assessors, 2)
            waiting = status in {AuditStatus.REQUESTED, AuditStatus.PROPOSED}
            not_met = outcome is AuditOutcome.NOT_MET or status is AuditStatus.PROPOSED
            selections.append(
                {
                    "cycle_id": cycle_id,
                    "record_id": record_id,
                    "user_id": user_of[record_id],
                    "reason": SelectionReason.DRAWN,
                    "status": status,
                    "year_starts_on": opened - timedelta(days=365),
                    "year_ends_on": opened - timedelta(days=1),
                    "due_on": due,
                    "submitted_at": None if waiting else _at(due - timedelta(days=3)),
                    "statement": None if waiting else "Invented statement.",
                    "first_assessor_id": None if waiting else first,
                    "second_assessor_id": second
                    if outcome is not AuditOutcome.ACCEPTED
                    and not waiting
                    and status is not AuditStatus.SUBMITTED
                    else None,
                    "outcome": outcome,
                    "outcome_at": _at(due + timedelta(days=14)) if outcome else None,
                    "plan_due_on": due + timedelta(days=90) if not_met else None,
                    "overdue_at": _at(due + timedelta(days=1))
                    if status is AuditStatus.PROPOSED
                    else None,
                }
            )
    _insert(CpdAuditCycle, cycles)
    _insert(CpdAuditSelection, selections)
    db.session.commit()


def _findings(rng: random.Random, released: list[tuple[int, date]], qa_leads: list[int]) -> None:
    """One to three learning findings for each released review, each tagged with one or two
    system conditions of the taxonomy in use."""
    conditions = list(db.session.scalars(sa.select(SystemCondition.id)))
    if not conditions:
        return
    first = register_search._next_id(LearningFinding)
    findings: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for review_id, completed in released:
        for _ in range(rng.randint(1, 3)):
            finding_id = first + len(findings)
            findings.append(
                {
                    "id": finding_id,
                    "qa_review_id": review_id,
                    "text": "Invented finding.",
                    "recorded_by_id": rng.choice(qa_leads),
                    "recorded_at": _at(completed + timedelta(days=7)),
                }
            )
            links += [
                {"finding_id": finding_id, "condition_id": c}
                for c in rng.sample(conditions, rng.randint(1, 2))
            ]
    _insert(LearningFinding, findings)
    _insert(finding_conditions, links)
    db.session.commit()


def _national_recommendations(
    rng: random.Random, released: list[tuple[int, date]], analyst_id: int, today: date
) -> None:
    """Forty national recommendations a year for four years, from reviews and from the
    panel's own reviews, with the government's response as it stands (the older the year,
    the more have one)."""
    rows = []
    responses = [ResponseStatus.ACCEPTED, ResponseStatus.PARTLY_ACCEPTED, ResponseStatus.REJECTED]
    for year in range(today.year - 3, today.year + 1):
        for n in range(40):
            from_review = rng.random() < 0.6 and released
            answered = rng.random() < (today.year - year + 1) / 4
            response = rng.choice(responses) if answered else ResponseStatus.NO_RESPONSE
            rows.append(
                {
                    "text": "Invented national recommendation.",
                    "year": year,
                    "source": RecommendationSource.REVIEW
                    if from_review
                    else RecommendationSource.PANEL,
                    "qa_review_id": rng.choice(released)[0] if from_review else None,
                    "source_title": None if from_review else f"Invented thematic review {n}",
                    "source_year": None if from_review else year,
                    "addressed_to": "Department for Education",
                    "response": response,
                    "response_action": "Invented action." if answered else None,
                    "responded_on": date(year, 12, 1) if answered and year < today.year else None,
                    "recorded_by_id": analyst_id,
                    "recorded_at": _at(date(year, 6, 1)),
                }
            )
    _insert(NationalRecommendation, rows)
    db.session.commit()


def _resequence() -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("users", "applications", "qa_reviews", "cpd_audit_cycles", "learning_findings"):
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )
    db.session.commit()
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE")
        )
