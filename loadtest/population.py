"""An invented population for the load test: reviewers with accreditation records, register
entries and CPD, assessors with applications allocated to them, commissioners and analysts.

Every person here is invented. Each simulated user of the load test signs in as a different
account, so there are more accounts of each kind than users."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import pyotp
import sqlalchemy as sa
from flask import Flask

from portal.applications.models import (
    AccreditationRecord,
    Allocation,
    AllocationPurpose,
    ApplicationStatus,
)
from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.extensions import db
from portal.framework.models import Competency, FrameworkStatus, FrameworkVersion
from portal.organisations.models import Organisation, OrganisationKind

FIRST_NAMES = [
    "Ada",
    "Bram",
    "Cerys",
    "Dami",
    "Elin",
    "Femi",
    "Gwen",
    "Hari",
    "Ines",
    "Jago",
    "Kemi",
    "Lior",
    "Mair",
    "Niamh",
    "Osei",
    "Pia",
    "Quinn",
    "Rhys",
    "Sade",
    "Tam",
    "Ula",
    "Vik",
    "Wren",
    "Xan",
    "Yara",
    "Zeb",
]
SURNAMES = [
    "Ashdown-Pryce",
    "Brightwater",
    "Carrow",
    "Dunmore",
    "Elsworth",
    "Fenwick-Obi",
    "Garrow",
    "Hollins",
    "Ivesdale",
    "Jessop-Kaur",
    "Kilbride",
    "Lowther",
    "Marrick",
    "Northcote",
    "Oakhurst",
    "Penrose",
    "Quarrie",
    "Rosedale",
    "Stannard",
    "Thorne-Adeyemi",
    "Upfield",
    "Vardy",
    "Welbourne",
    "Yarrow",
]
SPECIALISMS = ("neglect", "infant-deaths", "domestic-abuse", "adolescents", "online-harm")
METHODOLOGIES = ("systems-learning-together", "silp", "appreciative-inquiry")
REGIONS = ("E12000001", "E12000002", "E12000003", "E12000007", "E12000008")


@dataclass
class Account:
    email: str
    totp_secret: str | None = None
    number: str | None = None  # a reviewer's accreditation number
    allocations: list[int] = field(default_factory=list)  # an assessor's open allocations


@dataclass
class Population:
    password: str
    reviewers: list[Account]
    assessors: list[Account]
    commissioners: list[Account]
    analysts: list[Account]
    numbers: list[str]
    competencies: list[int]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))


def _name(n: int) -> str:
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[(n // 7) % len(SURNAMES)]}"


def populate(app: Flask, *, users: int, register: int = 150, seed: int = 2026) -> Population:
    """Reference data, then enough invented people that every simulated user has an account."""
    from tests import factories

    rng = random.Random(seed)
    runner = app.test_cli_runner()
    with app.app_context():
        for command in (
            ["organisations", "load"],
            ["framework", "load-all"],
            ["cpd", "requirements", "load-all"],
            ["credentials", "ensure-key"],
        ):
            result = runner.invoke(args=command)
            if result.exit_code != 0:
                raise RuntimeError(f"{' '.join(command)} failed: {result.output}")
        framework = db.session.scalar(
            sa.select(FrameworkVersion).where(FrameworkVersion.status == FrameworkStatus.PUBLISHED)
        )
        assert framework is not None, "no published framework"
        competencies = list(
            db.session.scalars(
                sa.select(Competency.id)
                .where(Competency.framework_id == framework.id)
                .order_by(Competency.id)
            )
        )
        partnerships = list(
            db.session.scalars(
                sa.select(Organisation).where(Organisation.kind == OrganisationKind.PARTNERSHIP)
            )
        )
        # Every simulated user may be of any kind: twice the users of each, and a register
        # of a realistic size for searching.
        each = max(2 * users, 6)
        reviewers = [_reviewer(factories, framework, n, rng) for n in range(max(each, register))]
        assessors = [_assessor(factories, framework, n, competencies) for n in range(each)]
        commissioners = [
            _person(factories, f"commissioner{n}", Role.COMMISSIONER, n, rng.choice(partnerships))
            for n in range(each)
        ]
        analysts = [_person(factories, f"analyst{n}", Role.ANALYST, n) for n in range(each)]
        db.session.commit()
        return Population(
            password=factories.DEFAULT_PASSWORD,
            reviewers=reviewers,
            assessors=assessors,
            commissioners=commissioners,
            analysts=analysts,
            numbers=[r.number for r in reviewers if r.number],
            competencies=competencies,
        )


def _user(factories, email: str, roles: list[Role], n: int, organisation=None) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(
        name=_name(n),
        email=f"{email}@loadtest.example.org",
        password=None,
        roles=roles,
        organisation=organisation,
    )


def _person(factories, email: str, role: Role, n: int, organisation=None) -> Account:  # type: ignore[no-untyped-def]
    user = _user(factories, email, [role], n, organisation)
    return Account(email=user.email, totp_secret=user.totp_secret)


def _reviewer(factories, framework: FrameworkVersion, n: int, rng: random.Random) -> Account:  # type: ignore[no-untyped-def]
    user = _user(factories, f"reviewer{n}", [Role.REVIEWER], n)
    started = today_in_england() - timedelta(days=rng.randint(30, 900))
    record: AccreditationRecord = factories.make_record(
        user=user, framework=framework, starts_on=started
    )
    record.number = f"CSPR-{started.year}-{record.id:05d}"
    db.session.commit()
    factories.make_entry(
        user,
        regions=tuple(rng.sample(REGIONS, 2)),
        specialisms=tuple(rng.sample(SPECIALISMS, 2)),
        methodologies=(rng.choice(METHODOLOGIES),),
        biography=f"Invented reviewer {n}: led reviews about neglect and adolescents.",
        available_from=today_in_england() + timedelta(days=rng.randint(0, 120)),
        reviews_per_quarter=rng.randint(1, 3),
    )
    codes = _competency_codes(framework)
    for k in range(rng.randint(1, 4)):
        factories.make_cpd_entry(
            record,
            on=started + timedelta(days=10 + 20 * k),
            competencies=(rng.choice(codes),),
            peer=k == 0,
            title=f"Invented course {n}-{k}",
        )
    return Account(email=user.email, number=record.number)


_codes: dict[int, list[str]] = {}


def _competency_codes(framework: FrameworkVersion) -> list[str]:
    if framework.id not in _codes:
        _codes[framework.id] = list(
            db.session.scalars(
                sa.select(Competency.code).where(Competency.framework_id == framework.id)
            )
        )
    return _codes[framework.id]


def _assessor(factories, framework: FrameworkVersion, n: int, competencies: list[int]) -> Account:  # type: ignore[no-untyped-def]
    user = _user(factories, f"assessor{n}", [Role.ASSESSOR], n)
    allocations = []
    for k in range(3):
        applicant = _user(factories, f"applicant{n}-{k}", [], 1000 + 3 * n + k)
        application = factories.make_application(
            applicant=applicant, framework=framework, status=ApplicationStatus.IN_ASSESSMENT
        )
        allocation = Allocation(
            application_id=application.id,
            assessor_id=user.id,
            purpose=AllocationPurpose.ASSESSMENT,
            due_on=today_in_england() + timedelta(days=14),
        )
        db.session.add(allocation)
        db.session.flush()
        allocations.append(allocation.id)
    db.session.commit()
    assert user.totp_secret and pyotp.TOTP(user.totp_secret)
    return Account(email=user.email, totp_secret=user.totp_secret, allocations=allocations)
