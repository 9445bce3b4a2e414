"""Demonstration applications in each state the applicant's part of the workflow reaches,
made through the applications' own services. Every person and answer is invented."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from portal.applications import (
    assessment,
    calibration,
    decisions,
    mentoring,
    queries,
    renewal,
    services,
)
from portal.applications.models import (
    AccreditationRecord,
    Allocation,
    Application,
    ApplicationRoute,
    InterestKind,
    Outcome,
)
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
    for organisation in partnerships:
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


def _submitted(
    email: str,
    scheme: Scheme,
    partnerships: list[Organisation],
    store: UploadStore,
    *,
    today: date,
    route: ApplicationRoute = ApplicationRoute.FULL,
    declare_from: int = 0,
) -> Application:
    """A complete application, submitted, with both references in. Each person declares two
    partnerships starting at `declare_from`, so that a mentor can be free of a conflict."""
    person = _person(email)
    application = services.start_application(person, scheme, route)
    declared = partnerships[declare_from : declare_from + 2]
    _answer_everything(person, application, declared, store, today=today)
    services.submit_application(
        person,
        application,
        queries.competencies(application.framework_id),
        declaration=True,
        version_id=None,
        today=today,
    )
    for referee in application.referees:
        services.give_reference(
            referee,
            known_for="Several years, as a commissioning partnership's manager",
            reference_text="An invented reference: careful, independent, and good with "
            "families and practitioners.",
            would_recommend=True,
        )
    return application


def _score(allocation: Allocation, levels: list[int], words: str) -> None:
    competencies = queries.competencies(allocation.application.framework_id)
    for n, competency in enumerate(competencies):
        assessment.save_score(
            allocation.assessor,
            allocation,
            competency,
            level=levels[n % len(levels)],
            rationale=f"{words}: the work samples show {competency.title.lower()}.",
            version_id=None,
        )


def _submit(allocation: Allocation, outcome: Outcome, comments: str) -> None:
    assessment.submit_assessment(
        allocation.assessor,
        allocation,
        outcome=outcome,
        level="reviewer" if outcome is Outcome.ACCREDIT else None,
        comments=comments,
        version_id=None,
    )


def _assessed_states(
    scheme: Scheme, partnerships: list[Organisation], store: UploadStore, *, today: date
) -> int:
    """Applications in assessment, waiting for information, in moderation, awaiting a decision,
    decided (accredited, provisional with a mentor, not yet and appealed) and double-marked."""
    admin = _person("admin@demo.test")
    grace = _person("assessor@demo.test")
    malcolm = _person("qa@demo.test")
    nadia = _person("nadia.ferreira-hollis@demo.test")
    owen = _person("owen.castellane@demo.test")
    started = today - timedelta(days=21)

    # In assessment: one assessor has started scoring.
    felicity = _submitted("felicity.marchbanks@demo.test", scheme, partnerships, store, today=today)
    first, _second = assessment.allocate_assessors(admin, felicity, grace, nadia, today=started)
    _score(first, [3], "Draft")

    # Information requested: the clock has stopped.
    rashid = _submitted("rashid.vandermeer@demo.test", scheme, partnerships, store, today=today)
    asking, _ = assessment.allocate_assessors(admin, rashid, grace, owen, today=started)
    assessment.request_information(
        grace,
        asking,
        question="Your second work sample names a school. Please upload a version with the "
        "school removed, or say why it cannot identify anyone.",
    )

    # In moderation: the two assessors disagree.
    eilidh = _submitted("eilidh.brackenbury@demo.test", scheme, partnerships, store, today=today)
    a, b = assessment.allocate_assessors(admin, eilidh, nadia, owen, today=started)
    _score(a, [3, 3, 4], "Clear")
    _score(b, [2, 3, 1], "Thin")
    _submit(a, Outcome.ACCREDIT, "A systems analysis that explains why, with families heard.")
    _submit(b, Outcome.NOT_YET, "The analysis describes what happened more than why.")
    assessment.allocate_moderator(admin, eilidh, malcolm, today=today)

    # Awaiting a decision: the assessors agree.
    wendell = _submitted("wendell.ashcombe@demo.test", scheme, partnerships, store, today=today)
    a, b = assessment.allocate_assessors(admin, wendell, grace, owen, today=started)
    _score(a, [3, 4], "Strong")
    _score(b, [3], "Sound")
    _submit(a, Outcome.ACCREDIT, "Consistently at the accredited standard or above.")
    _submit(b, Outcome.ACCREDIT, "Meets the standard in every domain.")

    # Decided and accredited: the demo reviewer, with an accreditation number.
    tomasz = _decided(
        "reviewer@demo.test", scheme, partnerships, store, today, admin, (nadia, owen)
    )
    decisions.record_decision(
        admin,
        tomasz,
        decisions.DecisionInput(Outcome.ACCREDIT, "Meets every competency.", level="reviewer"),
        queries.competencies(tomasz.framework_id),
        today=today,
    )
    # A calibration exercise on it, sent by the QA lead to a third assessor.
    calibration.send_for_calibration(malcolm, tomasz, grace, today=today)

    # Provisionally accredited by supervised practice, with the demo reviewer as mentor.
    yusra = _decided(
        "yusra.pennington@demo.test",
        scheme,
        partnerships,
        store,
        today,
        admin,
        (grace, owen),
        route=ApplicationRoute.SUPERVISED,
        declare_from=2,
    )
    decisions.record_decision(
        admin,
        yusra,
        decisions.DecisionInput(
            Outcome.ACCREDIT, "Ready to lead a first review with a mentor.", level="provisional"
        ),
        queries.competencies(yusra.framework_id),
        today=today,
    )
    record = db.session.scalar(
        sa.select(AccreditationRecord).where(AccreditationRecord.user_id == yusra.applicant_id)
    )
    if record is not None:
        pairing = mentoring.pair_mentor(admin, record, _person("reviewer@demo.test"))
        mentoring.log_session(
            _person("reviewer@demo.test"),
            pairing,
            held_on=today,
            minutes=90,
            focus="Planning how to hear practitioners without blame",
            notes="Agreed the questions for the practitioner learning event and how to "
            "support people afterwards.",
            today=today,
        )

    # Not yet accredited, and appealed.
    callum = _decided(
        "callum.oyelaran-firth@demo.test", scheme, partnerships, store, today, admin, (grace, nadia)
    )
    competencies = queries.competencies(callum.framework_id)
    decisions.record_decision(
        admin,
        callum,
        decisions.DecisionInput(
            Outcome.NOT_YET,
            "Recommendations target training rather than the conditions of practice.",
            development_plan="Lead a review with recommendations that change system "
            "conditions, and reflect on it with a mentor.",
            development_competencies=(competencies[0].code,),
            reapply_from=today + timedelta(days=180),
        ),
        competencies,
        today=today,
    )
    decisions.lodge_appeal(
        callum.applicant,
        callum,
        grounds="My second work sample shows recommendations aimed at commissioning "
        "arrangements, which the assessors did not mention.",
        today=today,
    )
    db.session.flush()
    return 7


def _decided(
    email: str,
    scheme: Scheme,
    partnerships: list[Organisation],
    store: UploadStore,
    today: date,
    admin: User,
    pair: tuple[User, User],
    *,
    route: ApplicationRoute = ApplicationRoute.FULL,
    declare_from: int = 0,
) -> Application:
    """An application that the two assessors agree on, awaiting its decision."""
    application = _submitted(
        email, scheme, partnerships, store, today=today, route=route, declare_from=declare_from
    )
    a, b = assessment.allocate_assessors(
        admin, application, pair[0], pair[1], today=today - timedelta(days=30)
    )
    _score(a, [3], "Sound")
    _score(b, [3], "Sound")
    _submit(a, Outcome.ACCREDIT, "Meets the accredited standard.")
    _submit(b, Outcome.ACCREDIT, "Meets the accredited standard throughout.")
    return application


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
    for email in ("harriet.quennell@demo.test",):
        person = _person(email)
        application = services.start_application(person, scheme, ApplicationRoute.FULL)
        _answer_everything(person, application, partnerships[:2], store, today=today)
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

    made += _assessed_states(scheme, partnerships, store, today=today)

    # Withdrawn by its applicant.
    obinna = _person("obinna.castellanos@demo.test")
    withdrawn = services.start_application(obinna, scheme, ApplicationRoute.SUPERVISED)
    services.withdraw_application(
        obinna, withdrawn, reason="Applying next year instead.", version_id=None
    )
    made += 1
    db.session.flush()
    return made


def load_demo_renewal(store: UploadStore) -> None:
    """A reviewer accredited nearly three years ago, renewing: their draft renewal is open."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == "cspr"))
    if scheme is None or not queries.open_schemes():
        return
    partnerships = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.region_code.is_not(None))
            .order_by(Organisation.code)
            .limit(6)
        )
    )
    today = utcnow().date()
    admin = _person("admin@demo.test")
    beatrix = _decided(
        "beatrix.holloway-nkemelu@demo.test",
        scheme,
        partnerships,
        store,
        today,
        admin,
        (_person("assessor@demo.test"), _person("owen.castellane@demo.test")),
        declare_from=4,
    )
    decisions.record_decision(
        admin,
        beatrix,
        decisions.DecisionInput(Outcome.ACCREDIT, "Meets every competency.", level="reviewer"),
        queries.competencies(beatrix.framework_id),
        today=today,
    )
    record = db.session.scalar(
        sa.select(AccreditationRecord).where(AccreditationRecord.user_id == beatrix.applicant_id)
    )
    if record is None:
        return
    # As if accredited nearly three years ago: the renewal window is open.
    record.expires_on = today + timedelta(days=120)
    record.starts_on = record.expires_on.replace(year=record.expires_on.year - 3)
    application = renewal.start_renewal(beatrix.applicant, record, today=today)
    renewal.add_completed_review(
        beatrix.applicant,
        application,
        title="Learning from an invented review about infant neglect",
        partnership=partnerships[0],
        year=today.year - 1,
        role="lead",
        today=today,
    )
    db.session.flush()
