"""Small typed builders for test data. Every person and organisation here is invented.

Builders commit, as data made before a request would be; inside a test that only releases a
savepoint, and the whole test is still rolled back at its end.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta
from functools import cache

import pyotp
import sqlalchemy as sa

from portal.applications.models import (
    AccreditationRecord,
    Application,
    ApplicationRoute,
    ApplicationStatus,
    DeclaredInterest,
    InterestKind,
    Referee,
    RegistrationBody,
    SelfAssessment,
    StatusChange,
    WorkSample,
)
from portal.auth.models import RoleGrant, User
from portal.auth.passwords import hash_password
from portal.core.db import utcnow
from portal.core.permissions import TWO_FACTOR_ROLES, Role
from portal.extensions import db
from portal.framework.models import Competency, FrameworkVersion, Scheme
from portal.organisations.models import Organisation, OrganisationKind, OrganisationName, Region
from portal.register.models import RegisterEntry

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@cache
def _default_hash() -> str:
    return hash_password(DEFAULT_PASSWORD)


def make_region(*, code: str = "E12000003", name: str = "Yorkshire and The Humber") -> Region:
    region = db.session.get(Region, code)
    if region is None:
        region = Region(code=code, name=name, position=int(code[-1]))
        db.session.add(region)
        db.session.commit()
    return region


def make_organisation(
    *,
    name: str | None = None,
    code: str | None = None,
    kind: OrganisationKind = OrganisationKind.PARTNERSHIP,
    region: Region | None = None,
) -> Organisation:
    n = next(_counter)
    name = name or f"Invented Vale {n} Safeguarding Children Partnership"
    if kind is OrganisationKind.PARTNERSHIP and region is None:
        region = make_region()
    org = Organisation(
        code=code or f"invented-vale-{n}",
        name=name,
        kind=kind,
        region_code=region.code if region else None,
    )
    db.session.add(org)
    db.session.add(OrganisationName(organisation=org, name=name))
    db.session.commit()
    return org


def make_user(
    *,
    name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    roles: tuple[Role, ...] | list[Role] = (),
    confirmed: bool = True,
    organisation: Organisation | None = None,
    two_factor: bool | None = None,
) -> User:
    """A person; those whose roles require a second factor have one set up unless told not."""
    n = next(_counter)
    user = User(
        name=name or f"Test Person {n}",
        email=(email or f"person{n}@example.test").lower(),
        password_hash=_default_hash() if password is None else hash_password(password),
        email_confirmed_at=utcnow() if confirmed else None,
        organisation=organisation,
    )
    db.session.add(user)
    db.session.flush()
    for role in roles:
        if role is Role.COMMISSIONER and user.organisation is None:
            user.organisation = make_organisation()
        db.session.add(RoleGrant(user=user, role=role))
    if two_factor if two_factor is not None else bool(set(roles) & TWO_FACTOR_ROLES):
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = utcnow()
    db.session.commit()
    db.session.refresh(user)
    return user


def count(model: type, *where: sa.ColumnElement[bool]) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for clause in where:
        query = query.where(clause)
    return int(db.session.scalar(query) or 0)


def make_framework(*, scheme: str = "tst", version: str = "1.0") -> FrameworkVersion:
    """A small published framework (tests/frameworks.py) for `scheme`, loaded once."""
    from portal.framework import services as framework_services
    from portal.framework.schema import parse_framework, parse_scheme
    from tests.frameworks import framework_document, scheme_document

    existing = db.session.scalar(
        sa.select(FrameworkVersion)
        .join(Scheme)
        .where(Scheme.code == scheme, FrameworkVersion.version == version)
    )
    if existing is not None:
        return existing
    framework_services.load_scheme(None, parse_scheme(scheme_document(scheme)))
    framework = framework_services.load_framework(
        None, parse_framework(framework_document(scheme, version))
    ).framework
    framework_services.publish_framework(None, framework)
    db.session.commit()
    return framework


def make_application(
    *,
    applicant: User | None = None,
    framework: FrameworkVersion | None = None,
    status: ApplicationStatus = ApplicationStatus.DRAFT,
    complete: bool = True,
    route: ApplicationRoute = ApplicationRoute.FULL,
    interests: list[Organisation] | tuple[Organisation, ...] = (),
) -> Application:
    """An application; `complete` fills every section as a careful applicant would. A status
    past draft is set directly, as if the earlier steps had happened."""
    applicant = applicant or make_user()
    framework = framework or make_framework()
    application = Application(
        scheme_id=framework.scheme_id,
        framework_id=framework.id,
        applicant_id=applicant.id,
        route=route,
        status=status,
        full_name=applicant.name,
        completed_sections=[],
    )
    db.session.add(application)
    db.session.flush()
    application.reference = f"TST-A{application.id:06d}"
    for organisation in interests:
        db.session.add(
            DeclaredInterest(
                application=application,
                user_id=applicant.id,
                organisation_id=organisation.id,
                kind=InterestKind.COMMISSIONED,
            )
        )
    if complete:
        region = make_region()
        application.phone = "01632 960 001"
        application.home_region_code = region.code
        application.registration_body = RegistrationBody.SOCIAL_WORK_ENGLAND
        application.registration_number = "SW123456"
        application.reviews_led = 3
        application.reviews_co_led = 2
        application.years_in_practice = 15
        application.agencies = ["childrens_social_care"]
        application.experience_summary = "Led three invented reviews about neglect."
        application.qualifications = "Invented qualification in social work."
        application.review_training = "Invented systems review course, 2024."
        application.dbs_certificate_number = "001234567890"
        application.dbs_issued_on = utcnow().date() - timedelta(days=200)
        application.dbs_update_service = True
        application.completed_sections = ["interests"]
        for position in (1, 2):
            db.session.add(
                Referee(
                    application=application,
                    position=position,
                    name=f"Referee {position} of {applicant.name}",
                    email=f"referee{position}.{application.id}@example.test",
                    job_title="Invented role",
                    relationship_to_applicant="Commissioned a review they led.",
                )
            )
        for competency in db.session.scalars(
            sa.select(Competency).where(Competency.framework_id == framework.id)
        ):
            db.session.add(
                SelfAssessment(
                    application=application,
                    competency_id=competency.id,
                    level=3,
                    narrative=f"Invented evidence for {competency.code}, long enough to count.",
                )
            )
        db.session.add(
            WorkSample(
                application=application,
                title="Invented overview report",
                original_name="report.pdf",
                storage_key=secrets.token_hex(16),
                content_type="application/pdf",
                size_bytes=1024,
                sha256="0" * 64,
            )
        )
    if status is not ApplicationStatus.DRAFT:
        application.submitted_at = utcnow()
        application.declaration_accepted_at = utcnow()
    db.session.add(StatusChange(application=application, from_status=None, to_status=status))
    db.session.commit()
    db.session.refresh(application)
    return application


def add_stored_work_sample(application: Application, store) -> str:
    """A work sample whose file really is in `store` (a generated PDF); returns its key."""
    import io

    from portal.core.uploads import DOCX, PDF
    from tests.files import pdf_bytes

    stored = store.save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=frozenset({PDF, DOCX}))
    db.session.add(
        WorkSample(
            application=application,
            title="Invented",
            original_name="s.pdf",
            storage_key=stored.key,
            content_type=stored.content_type,
            size_bytes=stored.size,
            sha256=stored.sha256,
        )
    )
    return str(stored.key)


# CPD


def cpd_requirements_document(scheme: str = "tst", version: str = "1.0", **changes: object):
    """CPD requirements for the test framework: its domains AB and CD stand for the areas."""
    document: dict[str, object] = {
        "scheme": scheme,
        "version": version,
        "title": "Test CPD requirements",
        "summary": "For tests.",
        "sources": [{"id": "src", "citation": "Invented (2026) CPD rules"}],
        "each_year": {"records": 2, "peer_discussion": 1},
        "over_term": {
            "areas": [
                {"code": "ab", "label": "Area AB", "domains": ["AB"]},
                {"code": "cd", "label": "Area CD", "competencies": ["CD1"]},
            ],
            "hours": {"required": False, "total": 35, "participatory": 20},
        },
        "reminders": {"days_before_year_end": [90, 30, 7]},
    }
    document.update(changes)
    return document


def make_cpd_requirements(
    *,
    scheme: str = "tst",
    version: str = "1.0",
    published_at: datetime | None = None,
    **changes: object,
):
    """A published version of the CPD requirements, in force from `published_at` (default:
    long ago, so every test year is judged against it)."""
    from portal.cpd import services as cpd_services
    from portal.cpd.schema import parse_requirements

    make_framework(scheme=scheme)
    loaded = cpd_services.load_requirements(
        None, parse_requirements(cpd_requirements_document(scheme, version, **changes))
    ).version
    cpd_services.publish_requirements(None, loaded)
    loaded.published_at = published_at or datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    return loaded


def make_record(
    *,
    user: User | None = None,
    starts_on: date | None = None,
    years: int = 3,
    framework: FrameworkVersion | None = None,
    status: str = "accredited",
    level: str = "reviewer",
    conditions: str | None = None,
) -> AccreditationRecord:
    """An accreditation record, as if a decision had issued it, with its first status change."""
    from portal.applications.models import AccreditationStatus, AccreditationStatusChange

    user = user or make_user(roles=[Role.REVIEWER])
    framework = framework or make_framework()
    application = make_application(
        applicant=user, framework=framework, status=ApplicationStatus.DECIDED
    )
    start = starts_on or utcnow().date()
    try:
        expires = start.replace(year=start.year + years)
    except ValueError:
        expires = start.replace(year=start.year + years, day=28)
    record = AccreditationRecord(
        user_id=user.id,
        scheme_id=framework.scheme_id,
        application_id=application.id,
        number=f"TST-{start.year}-{application.id:05d}",
        level=level,
        status=AccreditationStatus(status),
        conditions=conditions,
        starts_on=start,
        expires_on=expires,
    )
    db.session.add(record)
    db.session.add(
        AccreditationStatusChange(
            record=record, from_status=None, to_status=record.status, reason="Accredited"
        )
    )
    db.session.commit()
    return record


def make_reviewer_in(region_code: str = "E12000003", **record: object) -> AccreditationRecord:
    """An accreditation record whose application gave `region_code` as the home region (where
    reports count the reviewer)."""
    if db.session.get(Region, region_code) is None:
        make_region(code=region_code, name=f"Region {region_code}")
    made = make_record(**record)  # type: ignore[arg-type]
    application = db.session.get(Application, made.application_id)
    assert application is not None
    application.home_region_code = region_code
    db.session.commit()
    return made


def make_cpd_entry(
    record,
    *,
    on: date | None = None,
    completed: bool = True,
    peer: bool = False,
    competencies: tuple[str, ...] = ("AB1",),
    hours: int = 8,
    title: str | None = None,
):
    """An activity in `record`'s CPD log, written directly as a reviewer would have saved it."""
    from portal.cpd.models import ActivityType, CpdEntry, EntryStatus

    n = next(_counter)
    entry = CpdEntry(
        record_id=record.id,
        user_id=record.user_id,
        status=EntryStatus.COMPLETED if completed else EntryStatus.DRAFT,
        activity_type=ActivityType.FORMAL_COURSE,
        title=title or f"Invented course {n}",
        description="An invented course.",
        relevance="It is about reviewing.",
        starts_on=on or record.starts_on,
        hours_quarters=hours,
        participatory_quarters=hours // 2,
        competency_codes=list(competencies),
        learning="Invented learning.",
        impact="Invented impact on practice.",
        peer_discussion=peer,
        peer_name="Invented Peer" if peer else None,
        peer_role="Accredited reviewer" if peer else None,
        peer_learning="Invented learning from the peer." if peer else None,
        completed_at=utcnow() if completed else None,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_audit_selection(record, status=None, *, year_ends_on: date | None = None, **assessors):
    """`record` drawn for the CPD audit in a cycle of its own, in `status` (default: submitted),
    with any assessors given as `first_assessor_id` / `second_assessor_id`."""
    from portal.cpd.audit_models import (
        AuditStatus,
        CpdAuditCycle,
        CpdAuditSelection,
        SelectionReason,
    )

    status = status or AuditStatus.SUBMITTED
    cycle = CpdAuditCycle(
        scheme_id=record.scheme_id,
        opened_on=record.starts_on,
        opened_by_id=make_user(roles=[Role.ADMINISTRATOR]).id,
        percent=5,
        seed=42,
        due_on=record.starts_on,
        eligible=[record.id],
    )
    db.session.add(cycle)
    db.session.flush()
    selection = CpdAuditSelection(
        cycle_id=cycle.id,
        record_id=record.id,
        user_id=record.user_id,
        reason=SelectionReason.DRAWN,
        status=status,
        year_starts_on=record.starts_on,
        year_ends_on=year_ends_on or record.starts_on + timedelta(days=364),
        due_on=record.starts_on,
        submitted_at=None if status is AuditStatus.REQUESTED else utcnow(),
        **assessors,
    )
    db.session.add(selection)
    db.session.commit()
    return selection


def make_entry(
    user: User,
    *,
    regions: tuple[str, ...] = ("E12000003",),
    specialisms: tuple[str, ...] = ("neglect",),
    methodologies: tuple[str, ...] = ("systems-learning-together",),
    languages: tuple[str, ...] = ("en",),
    biography: str = "",
    available_from: date | None = None,
    reviews_per_quarter: int = 1,
    day_rate_band: str | None = "band-b",
    travel: str | None = "anywhere",
) -> RegisterEntry:
    """A register entry made through the register's own services (so it is indexed)."""
    from portal.register import services as register_services

    for code in regions:
        make_region() if code == "E12000003" else make_region(code=code, name=f"Region {code}")
    entry = register_services.save_profile(
        user,
        register_services.Profile(
            regions=regions,
            specialisms=specialisms,
            methodologies=methodologies,
            languages=languages,
            biography=biography,
        ),
        version_id=None,
    )
    entry = register_services.save_availability(
        user,
        register_services.Availability(
            available_from=available_from,
            reviews_per_quarter=reviews_per_quarter,
            day_rate_band=day_rate_band,
            travel=travel,
        ),
        version_id=entry.version_id,
    )
    db.session.commit()
    return entry


def make_rubric():
    """The shipped QA rubric, loaded and in use."""
    from config.settings import CONFIG_DIR
    from portal.core.documents import read_yaml
    from portal.peer_qa import queries as qa_queries
    from portal.peer_qa import services as qa_services
    from portal.peer_qa.schema import parse_rubric

    current = qa_queries.current_rubric()
    if current is not None:
        return current
    document = parse_rubric(read_yaml(CONFIG_DIR / "peer_qa" / "rubric" / "2026.1.yaml"))
    rubric = qa_services.load_rubric(None, document).rubric
    qa_services.publish_rubric(None, rubric)
    db.session.commit()
    return rubric


def make_peer_assessor(*, name: str | None = None, organisation: Organisation | None = None):
    """An accredited reviewer who also holds the assessor role."""
    user = make_user(name=name, roles=[Role.REVIEWER, Role.ASSESSOR], organisation=organisation)
    make_record(user=user)
    return user


def make_qa_review(
    *,
    author: User | None = None,
    status: str = "submitted",
    partnership: Organisation | None = None,
    title: str = "Learning from the experiences of an infant in a busy household",
    recommendations: tuple[str, ...] = (
        "The partnership should fund a shared caseload measure across agencies by March.",
        "Health and children's social care should redesign the referral pathway for infants.",
    ),
    published_on: date = date(2026, 3, 2),
    themes: tuple[str, ...] = ("neglect",),
):
    """A review in the given QA state, as if its author had filled in every section, with its
    recommendations classified as the services classify them."""
    from portal.peer_qa import services as qa_services
    from portal.peer_qa.models import QaReview, QaStatus, QaStatusChange, ReviewType

    rubric = make_rubric()
    if author is None:
        author = make_user(roles=[Role.REVIEWER])
        make_record(user=author)
    partnership = partnership or make_organisation()
    review = QaReview(
        author_id=author.id,
        status=QaStatus(status),
        title=title,
        partnership_id=partnership.id,
        review_type=ReviewType.LCSPR,
        published_on=published_on,
        themes=list(themes),
        recommendations=list(recommendations),
        involvement={
            group: {"invited": True, "took_part": True, "how": "Met in person", "adjustments": ""}
            for group in ("children", "family", "practitioners")
        }
        | {"practitioner_support": "A debrief and a follow-up call a month later."},
        completed_sections=["details", "report", "recommendations", "involvement"],
    )
    db.session.add(review)
    db.session.flush()
    if status != "draft":
        review.rubric_id = rubric.id
        review.reference = f"QA-2026-{review.id:05d}"
        review.submitted_at = utcnow()
        review.anonymised_declared_at = utcnow()
    db.session.add(
        QaStatusChange(review=review, from_status=None, to_status=review.status, actor_id=author.id)
    )
    qa_services.classify_recommendations(review)
    db.session.commit()
    return review


def attach_report_file(review, data: bytes | None = None) -> None:
    """Give the review a stored PDF report."""
    from flask import current_app

    from portal.core.uploads import PDF, UploadStore
    from tests.files import pdf_bytes

    store = UploadStore(current_app.config["UPLOAD_DIR"])
    key = secrets.token_hex(16)
    path = store.path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data or pdf_bytes())
    review.report_key = key
    review.report_content_type = PDF
    review.report_size = path.stat().st_size
    review.report_sha256 = "0" * 64
    db.session.commit()


def make_peer_assessment(
    review,
    *,
    assessor: User | None = None,
    level: int | dict[str, int] | None = 3,
    grade: int | None = 3,
    submitted: bool = True,
):
    """A peer assessment of `review`, scoring every marker `level` (or by code from a dict,
    others 3), with comments."""
    from portal.peer_qa import queries as qa_queries
    from portal.peer_qa.models import Confidence, MarkerScore, PeerAssessment

    assessor = assessor or make_peer_assessor()
    assessment = PeerAssessment(review_id=review.id, assessor_id=assessor.id)
    db.session.add(assessment)
    db.session.flush()
    if level is not None:
        for marker in qa_queries.markers_of(review.rubric_id):
            given = level.get(marker.code, 3) if isinstance(level, dict) else level
            db.session.add(
                MarkerScore(
                    assessment_id=assessment.id,
                    marker_id=marker.id,
                    level=given,
                    comment=f"Comment on {marker.code}",
                )
            )
    assessment.overall_grade = grade
    assessment.confidence = Confidence.MEDIUM if grade else None
    assessment.submitted_at = utcnow() if submitted else None
    db.session.commit()
    return assessment


def make_api_client(
    *,
    partnership: Organisation | None = None,
    scopes: tuple[str, ...] = ("register:read", "register:commissioning"),
    name: str = "Invented case management system",
):
    """An API client for `partnership` made by an administrator, and its secret (shown once)."""
    from portal.api import services as api_services

    admin = make_user(roles=[Role.ADMINISTRATOR])
    created = api_services.create_client(
        admin, name=name, partnership=partnership or make_organisation(), scopes=list(scopes)
    )
    db.session.commit()
    return created.client, created.secret
