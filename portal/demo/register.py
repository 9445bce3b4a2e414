"""Demonstration register entries: the demo reviewers' own, and a few more invented accredited
reviewers with varied regions, specialisms and availability. One declared the demo
commissioner's partnership (Leeds), so that the search shows a conflict left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.applications import accreditation
from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    Application,
    ApplicationStatus,
    DeclaredInterest,
    InterestKind,
    StatusChange,
)
from portal.auth import services as accounts
from portal.auth.models import User
from portal.core.db import utcnow
from portal.extensions import db
from portal.framework.models import Scheme
from portal.framework.queries import published_framework
from portal.organisations.models import Organisation
from portal.register import services as register

YORKSHIRE, NORTH_WEST, NORTH_EAST = "E12000003", "E12000002", "E12000001"
LONDON, SOUTH_EAST, WEST_MIDLANDS = "E12000007", "E12000008", "E12000005"


@dataclass(frozen=True)
class DemoEntry:
    email: str
    name: str | None  # None: an existing demo person
    level: str
    status: AccreditationStatus
    regions: tuple[str, ...]
    specialisms: tuple[str, ...]
    methodologies: tuple[str, ...]
    languages: tuple[str, ...]
    biography: str
    starts_in_days: int | None
    per_quarter: int
    band: str
    travel: str
    declares: str | None = None  # an organisation code: a conflict of interest


A = AccreditationStatus
# Every person and every biography here is invented.
# fmt: off
ENTRIES: tuple[DemoEntry, ...] = (
    DemoEntry(
        "reviewer@demo.test", None, "reviewer", A.ACCREDITED,
        (YORKSHIRE, NORTH_EAST), ("neglect", "infant-deaths", "substance-misuse"),
        ("systems-learning-together",), ("en", "pl"),
        "A former social work manager who has led eleven local reviews, most about neglect "
        "and infant deaths, using the Learning Together systems approach.",
        21, 2, "band-b", "anywhere",
    ),
    DemoEntry(
        "yusra.pennington@demo.test", None, "provisional", A.PROVISIONAL,
        (NORTH_WEST,), ("extra-familial-harm", "exploitation"), ("silp",), ("en", "ur", "pa"),
        "A youth justice practitioner leading a first review with a mentor.",
        45, 1, "band-a", "my-regions",
    ),
    DemoEntry(
        "marguerite.okafor-lindqvist@demo.test", "Marguerite Okafor-Lindqvist", "lead_reviewer",
        A.ACCREDITED, (YORKSHIRE, NORTH_WEST), ("infant-deaths", "domestic-abuse"),
        ("systems-learning-together", "hybrid-systems"), ("en", "fr"),
        "A paediatric nurse by background who has led complex reviews of infant deaths and "
        "mentors new reviewers.",
        10, 3, "band-d", "anywhere",
    ),
    DemoEntry(
        "declan.farrow-mbeki@demo.test", "Declan Farrow-Mbeki", "reviewer", A.ACCREDITED,
        (YORKSHIRE,), ("infant-deaths", "neglect"), ("silp",), ("en",),
        "A former detective who reviewed several infant deaths for partnerships in Yorkshire.",
        7, 2, "band-c", "my-regions", declares="leeds",
    ),
    DemoEntry(
        "zoe.osuilleabhain@demo.test", "Zoë Ó Súilleabháin", "reviewer",
        A.ACCREDITED_WITH_CONDITIONS, (LONDON, SOUTH_EAST),
        ("online-harm", "child-sexual-abuse", "adolescents"), ("appreciative-inquiry",),
        ("en", "cy"),
        "Works with partnerships on online harm and child sexual abuse, with an emphasis on "
        "hearing young people.",
        60, 1, "band-c", "remote",
    ),
    DemoEntry(
        "anwen.prydderch@demo.test", "Anwen Prydderch", "reviewer", A.ACCREDITED,
        (WEST_MIDLANDS, YORKSHIRE), ("disabled-children", "mental-health", "neglect"),
        ("systems-learning-together",), ("en", "cy", "bfi"),
        "A learning disability nurse and British Sign Language user who reviews cases about "
        "disabled children.",
        None, 0, "band-b", "anywhere",
    ),
    DemoEntry(
        "ravi.thistlewood@demo.test", "Ravi Thistlewood", "reviewer", A.SUSPENDED,
        (NORTH_EAST,), ("neglect",), ("significant-incident-learning",), ("en", "hi"),
        "Reviews of neglect in the North East.",
        30, 1, "band-a", "my-regions",
    ),
)
# fmt: on


def _decided_application(person: User, scheme: Scheme) -> Application:
    """A closed application standing behind an accreditation record, as a decision leaves it."""
    framework = published_framework(scheme.id)
    if framework is None:
        raise LookupError(scheme.code)
    application = Application(
        scheme_id=scheme.id,
        framework_id=framework.id,
        applicant_id=person.id,
        status=ApplicationStatus.DECIDED,
        full_name=person.name,
        completed_sections=[],
    )
    db.session.add(application)
    db.session.flush()
    application.reference = f"{scheme.code.upper()}-A{application.id:06d}"
    db.session.add(
        StatusChange(application=application, from_status=None, to_status=application.status)
    )
    return application


def load_demo_register(password: str, *, today: date | None = None) -> int:
    """Entries for the demo reviewers and a few more accredited reviewers (once frameworks are
    loaded, as accreditation needs them)."""
    today = today or utcnow().date()
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == "cspr"))
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.test"))
    if scheme is None or admin is None or published_framework(scheme.id) is None:
        return 0
    organisations = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    made = 0
    for spec in ENTRIES:
        person = db.session.scalar(sa.select(User).where(User.email == spec.email))
        if person is None:
            if spec.name is None:
                continue
            person = accounts.create_confirmed_account(
                name=spec.name, email=spec.email, password=password
            )
        record = db.session.scalar(
            sa.select(AccreditationRecord).where(AccreditationRecord.user_id == person.id)
        )
        if record is None:
            application = _decided_application(person, scheme)
            initial = A.PROVISIONAL if spec.status is A.PROVISIONAL else A.ACCREDITED
            record = accreditation.issue_record(
                admin,
                application,
                level=spec.level,
                status=initial,
                conditions=None,
                today=today - timedelta(days=400),
            )
            if spec.status is A.ACCREDITED_WITH_CONDITIONS:
                accreditation.change_record_status(
                    admin,
                    record,
                    spec.status,
                    reason="Invented: a condition after a complaint was upheld in part.",
                    conditions="Co-reviews with an accredited lead reviewer until March 2027.",
                    version_id=None,
                )
            elif spec.status is A.SUSPENDED:
                accreditation.change_record_status(
                    admin,
                    record,
                    spec.status,
                    reason="Invented: suspended while a concern is investigated.",
                    version_id=None,
                )
            if spec.declares and spec.declares in organisations:
                db.session.add(
                    DeclaredInterest(
                        application=application,
                        user_id=person.id,
                        organisation_id=organisations[spec.declares].id,
                        kind=InterestKind.COMMISSIONED,
                        details="Invented: led a review for the partnership.",
                        started_on=today - timedelta(days=900),
                        ended_on=today - timedelta(days=500),
                    )
                )
        entry = register.save_profile(
            person,
            register.Profile(
                regions=spec.regions,
                specialisms=spec.specialisms,
                methodologies=spec.methodologies,
                languages=spec.languages,
                biography=spec.biography,
            ),
            version_id=None,
        )
        register.save_availability(
            person,
            register.Availability(
                available_from=today + timedelta(days=spec.starts_in_days)
                if spec.starts_in_days is not None
                else None,
                reviews_per_quarter=spec.per_quarter,
                day_rate_band=spec.band,
                travel=spec.travel,
            ),
            version_id=entry.version_id,
        )
        made += 1
    db.session.flush()
    return made


def load_demo_commissions(*, today: date | None = None) -> int:
    """The demo commissioner's partnership has shortlisted two reviewers: one accepted and
    has been commissioned, the other has not answered yet."""
    from portal.register import commissioning
    from portal.register.commissioning_models import ReviewType

    today = today or utcnow().date()
    commissioner = db.session.scalar(sa.select(User).where(User.email == "commissioner@demo.test"))
    if commissioner is None or commissioner.organisation_id is None:
        return 0
    made = 0
    for email, commission in (
        ("marguerite.okafor-lindqvist@demo.test", True),
        ("anwen.prydderch@demo.test", False),
    ):
        reviewer = db.session.scalar(sa.select(User).where(User.email == email))
        if reviewer is None:
            continue
        commissioning.add_to_shortlist(commissioner, reviewer.id)
        request = commissioning.request_availability(
            commissioner,
            reviewer.id,
            review_type=ReviewType.LCSPR,
            wanted_from=today + timedelta(days=30),
            message="An invented review of neglect in a family known to several agencies.",
        )
        if commission:
            commissioning.answer_request(
                reviewer,
                request,
                available=True,
                can_start_on=today + timedelta(days=30),
                note="I can start then.",
                version_id=None,
            )
            commissioning.record_commission(
                commissioner,
                reviewer.id,
                commissioning.CommissionDetails(
                    review_type=ReviewType.LCSPR,
                    starts_on=today + timedelta(days=30),
                    expected_end_on=today + timedelta(days=210),
                ),
            )
        made += 1
    db.session.flush()
    return made
