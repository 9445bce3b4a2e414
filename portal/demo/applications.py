"""Demonstration applications in each state the applicant's part of the workflow reaches,
made through the applications' own services. Every person and answer is invented."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from portal.applications import queries, services
from portal.applications.models import Application, ApplicationRoute, InterestKind
from portal.auth.models import User
from portal.core.db import utcnow
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.framework.models import Scheme
from portal.organisations.models import Organisation

# A one-page PDF with invented, anonymised text.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >> endobj\n"
    b"4 0 obj << /Length 76 >> stream\nBT /F1 14 Tf 60 780 Td "
    b"(Invented overview report: learning about neglect) Tj ET\nendstream endobj\n"
    b"5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)

NARRATIVE = (
    "In an invented review of neglect I mapped how the agencies' ways of working made the "
    "missed signs understandable at the time, and tested each finding with the practitioners "
    "involved before it was written."
)


def _person(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        raise LookupError(email)
    return user


def _answer_everything(
    person: User,
    application: Application,
    partnerships: list[Organisation],
    store: UploadStore,
    *,
    today: date,
) -> None:
    region = partnerships[0].region_code
    services.save_section(
        person,
        application,
        "personal-details",
        {"phone": "01632 960 123", "home_region_code": region},
        version_id=None,
    )
    services.save_section(
        person,
        application,
        "registration",
        {"registration_body": "swe", "registration_number": "SW900123"},
        version_id=None,
    )
    services.save_section(
        person,
        application,
        "experience",
        {
            "reviews_led": 5,
            "reviews_co_led": 3,
            "years_in_practice": 22,
            "agencies": ["childrens_social_care", "health"],
            "experience_summary": "Led five invented reviews about neglect and infant deaths "
            "using a systems approach, and co-led three about extra-familial harm.",
        },
        version_id=None,
    )
    services.save_section(
        person,
        application,
        "qualifications",
        {
            "qualifications": "Invented MA in Social Work (2003).",
            "review_training": "Invented systems review methods course (2021).",
        },
        version_id=None,
    )
    services.save_section(
        person,
        application,
        "dbs-check",
        {
            "dbs_certificate_number": "001122334455",
            "dbs_issued_on": today - timedelta(days=300),
            "dbs_update_service": True,
        },
        version_id=None,
    )
    for organisation in partnerships[:2]:
        services.add_interest(
            person,
            application,
            organisation=organisation,
            kind=InterestKind.COMMISSIONED,
            details="Led a review for this partnership.",
            started_on=today - timedelta(days=700),
            ended_on=today - timedelta(days=400),
            today=today,
        )
    services.confirm_interests(person, application, version_id=None)
    local = person.email.split("@")[0]
    for position in (1, 2):
        services.save_referee(
            person,
            application,
            position,
            name=f"Invented Referee {position}",
            email=f"{local}.referee{position}@demo.test",
            job_title="Partnership business manager (invented)",
            relationship="Commissioned a review they led.",
        )
    for competency in queries.competencies(application.framework_id):
        services.save_self_assessment(
            person, application, competency, level=3, narrative=NARRATIVE, version_id=None
        )
    services.add_work_sample(
        person,
        application,
        title="Overview report, neglect review (anonymised)",
        filename="overview-report.pdf",
        stream=io.BytesIO(DEMO_PDF),
        store=store,
    )


def load_demo_applications(store: UploadStore) -> int:
    """Applications for the demo people: a draft, submitted ones and a withdrawn one."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == "cspr"))
    if scheme is None or not queries.open_schemes():
        return 0
    partnerships = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.region_code.is_not(None))
            .order_by(Organisation.code)
            .limit(6)
        )
    )
    today = utcnow().date()
    made = 0

    # A draft, half done: the demo applicant's own.
    priya = _person("applicant@demo.test")
    draft = services.start_application(priya, scheme, ApplicationRoute.FULL)
    services.save_section(
        priya,
        draft,
        "personal-details",
        {"phone": "01632 960 456", "home_region_code": partnerships[0].region_code},
        version_id=None,
    )
    services.save_section(
        priya,
        draft,
        "registration",
        {"registration_body": "hcpc", "registration_number": "HC000777"},
        version_id=None,
    )
    made += 1

    # Submitted, one reference in.
    for email in ("harriet.quennell@demo.test", "felicity.marchbanks@demo.test"):
        person = _person(email)
        application = services.start_application(person, scheme, ApplicationRoute.FULL)
        _answer_everything(person, application, partnerships, store, today=today)
        competencies = queries.competencies(application.framework_id)
        services.submit_application(
            person,
            application,
            competencies,
            declaration=True,
            version_id=None,
            today=today,
        )
        services.give_reference(
            application.referees[0],
            known_for="Four years, as the commissioning partnership's manager",
            reference_text="An invented reference: a careful, independent reviewer who "
            "involves families and practitioners well.",
            would_recommend=True,
        )
        made += 1

    # Withdrawn by its applicant.
    obinna = _person("obinna.castellanos@demo.test")
    withdrawn = services.start_application(obinna, scheme, ApplicationRoute.SUPERVISED)
    services.withdraw_application(
        obinna, withdrawn, reason="Applying next year instead.", version_id=None
    )
    made += 1
    db.session.flush()
    return made
