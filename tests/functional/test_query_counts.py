"""No page runs a number of SQL queries that grows with the data."""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.auth import services as accounts
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import make_organisation, make_user
from tests.support import sign_in_as


@contextmanager
def counting():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.session.get_bind()
    target = engine.engine if isinstance(engine, sa.Connection) else engine
    sa.event.listen(target, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(target, "before_cursor_execute", record)


def _grow(admin, n, org=None):
    """More people, organisations, audit events, and role history written by many granters."""
    org = org or make_organisation()
    for _ in range(n):
        granter = make_user(roles=[Role.ADMINISTRATOR])
        person = make_user(organisation=org, roles=[Role.REVIEWER])
        accounts.grant_role(granter, person, Role.ANALYST)
        if Role.ASSESSOR in admin.roles:
            accounts.revoke_role(granter, admin, Role.ASSESSOR)
        else:
            accounts.grant_role(granter, admin, Role.ASSESSOR)
        make_organisation()
    db.session.commit()
    return org


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users",
        "/admin/audit-log",
        "/admin/organisations",
        "/admin",
        "/dashboard",
        "/admin/users/{admin}",
        "/admin/organisations/{org}",
    ],
)
def test_page_queries_do_not_grow_with_the_data(client, url):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    org = _grow(admin, 2)
    target = url.format(admin=admin.id, org=org.id)
    client.get(target)  # warm up
    db.session.expire_all()  # as a new request's session would start
    with counting() as small:
        assert client.get(target).status_code == 200
    _grow(admin, 12, org)
    db.session.expire_all()
    with counting() as large:
        assert client.get(target).status_code == 200
    assert len(large) == len(small), "\n".join(large)


def _grow_applications(n):
    """More applications in every state, with their referees, answers and decisions."""
    from portal.applications.models import ApplicationStatus
    from tests.factories import make_application

    for i in range(n):
        status = list(ApplicationStatus)[i % len(ApplicationStatus)]
        make_application(status=status, interests=[make_organisation()])
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/applications",
        "/admin/applications?status=submitted",
        "/admin/accreditations",
        "/applications/{own}",
        "/applications/{own}/check-answers",
        "/applications/{own}/self-assessment",
        "/applications/{own}/interests",
        "/applications/{submitted}",
    ],
)
def test_application_pages_do_not_grow_with_the_data(client, url):
    from portal.applications.models import ApplicationStatus
    from tests.factories import make_application

    admin = make_user(roles=[Role.ADMINISTRATOR])
    own = make_application(interests=[make_organisation(), make_organisation()])
    submitted = make_application(status=ApplicationStatus.SUBMITTED)
    who = admin if url.startswith("/admin") or "{submitted}" in url else own.applicant
    sign_in_as(client, who)
    _grow_applications(3)
    target = url.format(own=own.id, submitted=submitted.id)
    client.get(target)
    db.session.expire_all()
    with counting() as small:
        assert client.get(target).status_code == 200
    _grow_applications(12)
    db.session.expire_all()
    with counting() as large:
        assert client.get(target).status_code == 200
    assert len(large) == len(small), "\n".join(large)


@pytest.mark.parametrize(
    "path", ["", "/check-answers", "/interests", "/work-samples", "/self-assessment"]
)
def test_an_applications_own_pages_do_not_grow_with_its_answers(client, path):
    from portal.applications.models import DeclaredInterest, InterestKind, WorkSample
    from tests.factories import make_application

    own = make_application(interests=[make_organisation()])
    sign_in_as(client, own.applicant)
    target = f"/applications/{own.id}{path}"
    client.get(target)
    db.session.expire_all()
    with counting() as small:
        assert client.get(target).status_code == 200
    for n in range(8):
        db.session.add(
            DeclaredInterest(
                application_id=own.id,
                user_id=own.applicant_id,
                organisation_id=make_organisation().id,
                kind=InterestKind.OTHER,
            )
        )
        if n < 2:
            db.session.add(
                WorkSample(
                    application_id=own.id,
                    title=f"Extra {n}",
                    original_name="x.pdf",
                    storage_key=f"{own.id:016x}{n:016x}",
                    content_type="application/pdf",
                    size_bytes=10,
                    sha256="0" * 64,
                )
            )
    db.session.commit()
    db.session.expire_all()
    with counting() as large:
        assert client.get(target).status_code == 200
    assert len(large) == len(small), "\n".join(large)


@pytest.mark.parametrize("url", ["/cpd", "/dashboard"])
def test_a_reviewers_cpd_pages_do_not_grow_with_their_activities(client, url):
    from datetime import timedelta

    from portal.core.db import utcnow
    from portal.cpd.models import ActivityType, CpdEntry, EntryStatus
    from tests.factories import make_cpd_entry, make_cpd_requirements, make_record

    make_cpd_requirements()
    record = make_record(starts_on=utcnow().date() - timedelta(days=200))
    sign_in_as(client, record.user)

    def grow(n):
        for i in range(n):
            db.session.add(
                CpdEntry(
                    record_id=record.id,
                    user_id=record.user_id,
                    status=EntryStatus.COMPLETED if i % 3 else EntryStatus.DRAFT,
                    activity_type=ActivityType.READING,
                    title=f"Reading {i}",
                    starts_on=record.starts_on + timedelta(days=i % 190),
                    hours_quarters=4,
                    participatory_quarters=0,
                    competency_codes=["AB1", "CD1"][: 1 + i % 2],
                    learning="Invented.",
                    impact="Invented.",
                    peer_discussion=bool(i % 2),
                )
            )
        db.session.commit()

    for _ in range(5):
        make_cpd_entry(record)
    client.get(url)
    db.session.expire_all()
    with counting() as small:
        assert client.get(url).status_code == 200
    grow(495)
    db.session.expire_all()
    with counting() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(large)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("admin", "/cpd/audit"),
        ("admin", "/cpd/audit/{cycle}"),
        ("admin", "/cpd/audit/reviewers"),
        ("admin", "/cpd/audit/reviewers/{record}"),
        ("admin", "/cpd/audit/records/{selection}"),
        ("assessor", "/cpd/audit/assessments"),
        ("assessor", "/cpd/audit/records/{selection}/assess"),
        ("reviewer", "/cpd/audit/records/{unsubmitted}/submit"),
    ],
)
def test_cpd_audit_pages_do_not_grow_with_the_data(client, who, url):
    """More reviewers drawn, submitted and allocated; more cycles; more activities with
    evidence in the audited year."""
    from datetime import timedelta

    from portal.core.dates import today_in_england
    from portal.cpd import audit, audit_queries
    from portal.cpd.models import CpdEvidence
    from tests.factories import make_cpd_entry, make_cpd_requirements, make_record

    today = today_in_england()
    started = today - timedelta(days=400)
    make_cpd_requirements()
    admin = make_user(roles=[Role.ADMINISTRATOR])
    assessor = make_user(roles=[Role.ASSESSOR])
    target = make_record(starts_on=started)
    waiting = make_record(starts_on=started)

    def evidenced(record, n):
        for _ in range(n):
            entry = make_cpd_entry(record, on=started + timedelta(days=5), peer=True)
            db.session.add(
                CpdEvidence(
                    entry_id=entry.id,
                    original_name="note.pdf",
                    storage_key=f"q{entry.id:031x}",
                    content_type="application/pdf",
                    size_bytes=10,
                    sha256="0" * 64,
                )
            )
        db.session.commit()

    def draw_and_allocate(n):
        records = [make_record(starts_on=started) for _ in range(n)]
        for record in records:
            evidenced(record, 1)
        cycle = audit.open_cycle(admin, records[0].scheme, percent=None, today=today, seed=n)
        # 5% of a handful is one: draw the rest too, as a second cycle at 100%.
        audit.open_cycle(admin, records[0].scheme, percent=Decimal(100), today=today)
        for selection in db.session.query(audit_queries.CpdAuditSelection).filter(
            audit_queries.CpdAuditSelection.status == audit_queries.AuditStatus.REQUESTED,
            audit_queries.CpdAuditSelection.record_id != waiting.id,
        ):
            audit.submit_record(selection.user, selection, statement="", declared=True, today=today)
            audit.allocate_assessor(admin, selection, assessor)
        db.session.commit()
        return cycle

    cycle = draw_and_allocate(2)
    evidenced(target, 2)
    evidenced(waiting, 1)
    selection = next(
        s for s in db.session.query(audit_queries.CpdAuditSelection) if s.record_id == target.id
    )
    unsubmitted = next(
        s for s in db.session.query(audit_queries.CpdAuditSelection) if s.record_id == waiting.id
    )
    user = {"admin": admin, "assessor": assessor, "reviewer": waiting.user}[who]
    sign_in_as(client, user)
    path = url.format(
        cycle=cycle.id, record=target.id, selection=selection.id, unsubmitted=unsubmitted.id
    )
    client.get(path)
    db.session.expire_all()
    with counting() as small:
        assert client.get(path).status_code == 200
    draw_and_allocate(6)
    evidenced(target, 8)
    evidenced(waiting, 8)
    db.session.expire_all()
    with counting() as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), "\n".join(large)


def _grow_register(n, partnership):
    """More accredited reviewers with entries, some of them conflicted with the partnership."""
    from portal.applications.models import DeclaredInterest, InterestKind
    from tests.factories import make_entry, make_record

    for i in range(n):
        user = make_user(roles=[Role.REVIEWER])
        record = make_record(user=user)
        make_entry(
            user,
            specialisms=("neglect", "online-harm"),
            methodologies=("silp",),
            languages=("en", "cy"),
            biography="Invented reviews of neglect.",
        )
        if i % 3 == 0:
            db.session.add(
                DeclaredInterest(
                    application_id=record.application_id,
                    user_id=user.id,
                    organisation_id=partnership.id,
                    kind=InterestKind.BOARD,
                )
            )
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/register?q=test&status=current&region=E12000003",
        "/register/search?q=neglect&specialisms=neglect&languages=cy&capacity=y",
        "/register/search?q=neglect&show_conflicts=1&sort=availability",
    ],
)
def test_register_pages_run_the_same_queries_for_3_or_30_entries(client, url):
    partnership = make_organisation()
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    _grow_register(3, partnership)
    client.get(url)  # warm up
    db.session.expire_all()
    with counting() as small:
        assert client.get(url).status_code == 200
    _grow_register(27, partnership)
    db.session.expire_all()
    with counting() as large:
        response = client.get(url)
        assert response.status_code == 200
    assert len(large) == len(small), "\n".join(large)


def _renew_and_issue(record, n):
    """n more terms of the record, each with its credential (the earlier ones are kept)."""
    from datetime import timedelta

    from portal.credentials import services as credentials

    for _ in range(n):
        credentials.issue_credential(record.user, record, today=record.starts_on)
        record.starts_on, record.expires_on = (
            record.expires_on,
            record.expires_on + timedelta(days=1000),
        )
        db.session.commit()


def test_a_reviewers_credentials_page_does_not_grow_with_their_credentials(client):
    from tests.factories import make_record

    record = make_record()
    sign_in_as(client, record.user)
    _renew_and_issue(record, 2)
    client.get("/credentials")
    db.session.expire_all()
    with counting() as small:
        assert client.get("/credentials").status_code == 200
    _renew_and_issue(record, 8)
    db.session.expire_all()
    with counting() as large:
        assert client.get("/credentials").status_code == 200
    assert len(large) == len(small), "\n".join(large)


def _grow_peer_qa(n, author, assessor):
    """More reviews by the author in every QA state, each with an assessment by the assessor
    and another peer, and reviews by other authors."""
    from tests.factories import make_peer_assessment, make_qa_review

    states = ["draft", "submitted", "in_assessment", "moderation", "completed", "responded"]
    for i in range(n):
        state = states[i % len(states)]
        for review in (make_qa_review(author=author, status=state), make_qa_review(status=state)):
            if state not in {"draft", "submitted"}:
                make_peer_assessment(review, assessor=assessor, submitted=state != "in_assessment")
                make_peer_assessment(review)
    db.session.commit()


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/peer-qa/reviews", "author"),
        ("/peer-qa/assessments", "assessor"),
        ("/peer-qa/manage", "lead"),
        ("/peer-qa/rubrics", "lead"),
        ("/peer-qa/learning", "lead"),
        ("/peer-qa/learning", "analyst"),
    ],
)
def test_peer_qa_lists_run_the_same_queries_for_6_or_24_reviews(client, url, who):
    from tests.factories import make_peer_assessor, make_record

    author = make_user(roles=[Role.REVIEWER])
    make_record(user=author)
    assessor = make_peer_assessor()
    people = {
        "author": author,
        "assessor": assessor,
        "lead": make_user(roles=[Role.QA_LEAD]),
        "analyst": make_user(roles=[Role.ANALYST]),
    }
    sign_in_as(client, people[who])
    _grow_peer_qa(6, author, assessor)
    client.get(url)  # warm up
    db.session.expire_all()
    with counting() as small:
        assert client.get(url).status_code == 200
    _grow_peer_qa(18, author, assessor)
    db.session.expire_all()
    with counting() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(large)


def test_the_learning_page_runs_the_same_queries_for_more_regions_themes_and_scores(client):
    from portal.peer_qa import queries as qa_queries
    from portal.peer_qa.models import AgreedMarkerScore
    from tests.factories import make_qa_review, make_region

    sign_in_as(client, make_user(roles=[Role.ANALYST]))
    regions = [("E12000001", "North East"), ("E12000002", "North West"), ("E12000004", "East")]
    themes = ["neglect", "online-harm", "adolescents", "domestic-abuse"]

    def grow(n):
        for i in range(n):
            code, name = regions[i % len(regions)]
            review = make_qa_review(
                status="completed",
                partnership=make_organisation(region=make_region(code=code, name=name)),
                themes=(themes[i % len(themes)],),
                published_on=date(2020 + i % 6, 1, 1),
            )
            for marker in qa_queries.markers_of(review.rubric_id):
                db.session.add(
                    AgreedMarkerScore(review_id=review.id, marker_id=marker.id, level=1 + i % 4)
                )
        db.session.commit()

    grow(2)
    client.get("/peer-qa/learning")
    db.session.expire_all()
    with counting() as small:
        assert client.get("/peer-qa/learning").status_code == 200
    grow(12)
    db.session.expire_all()
    with counting() as large:
        assert client.get("/peer-qa/learning").status_code == 200
    assert len(large) == len(small), "\n".join(large)


def test_the_analysis_pages_do_not_grow_with_the_recommendations(client):
    from tests.factories import make_peer_assessment, make_qa_review, make_record

    author = make_user(roles=[Role.REVIEWER])
    make_record(user=author)
    few = make_qa_review(author=author, status="in_assessment", recommendations=("One.",) * 2)
    many = make_qa_review(author=author, status="in_assessment", recommendations=("One.",) * 30)
    sign_in_as(client, author)
    counts = []
    for review in (few, many):
        client.get(f"/peer-qa/reviews/{review.id}/analysis")
        db.session.expire_all()
        with counting() as queries:
            assert client.get(f"/peer-qa/reviews/{review.id}/analysis").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assessments = [make_peer_assessment(r, submitted=False) for r in (few, many)]
    counts = []
    for assessment in assessments:
        sign_in_as(client, assessment.assessor)
        client.get(f"/peer-qa/assessments/{assessment.id}")
        db.session.expire_all()
        with counting() as queries:
            assert client.get(f"/peer-qa/assessments/{assessment.id}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _grow_reports(n, partnership):
    """More accredited reviewers, each with a register entry, CPD activities, a commission,
    diversity answers and a decided application."""
    from datetime import timedelta

    from portal.core.dates import today_in_england
    from portal.register.commissioning_models import Commission, ReviewType
    from portal.reporting.models import AgeBand, Disability, DiversityAnswers, Ethnicity, Sex
    from tests.factories import make_cpd_entry, make_cpd_requirements, make_entry, make_reviewer_in

    today = today_in_england()
    if db.session.scalar(sa.text("select count(*) from cpd_requirement_versions")) == 0:
        make_cpd_requirements()
    for i in range(n):
        record = make_reviewer_in(
            ("E12000003", "E12000007")[i % 2], starts_on=today - timedelta(days=400 + i)
        )
        make_entry(record.user, available_from=today, reviews_per_quarter=2)
        make_cpd_entry(record, on=record.starts_on + timedelta(days=5), peer=True)
        make_cpd_entry(record, on=today - timedelta(days=3))
        db.session.add(
            Commission(
                partnership_id=partnership.id,
                reviewer_id=record.user_id,
                recorded_by_id=record.user_id,
                review_type=ReviewType.LCSPR,
                starts_on=today - timedelta(days=10),
                expected_end_on=today + timedelta(days=60),
            )
        )
        db.session.add(
            DiversityAnswers(
                user_id=record.user_id,
                ethnicity=list(Ethnicity)[i % len(Ethnicity)],
                sex=list(Sex)[i % len(Sex)],
                disability=list(Disability)[i % len(Disability)],
                age_band=list(AgeBand)[i % len(AgeBand)],
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/reports",
        "/reports?region=E12000007",
        "/reports/tables/cpd-compliance-by-region.xlsx",
        "/reports/tables/diversity-ethnicity.csv",
    ],
)
def test_reports_run_the_same_queries_for_5_or_50_reviewers(client, url):
    from tests.factories import make_region

    make_region(code="E12000007", name="London")
    partnership = make_organisation()
    sign_in_as(client, make_user(roles=[Role.ANALYST]))
    _grow_reports(5, partnership)
    client.get(url)  # warm up
    db.session.expire_all()
    with counting() as small:
        assert client.get(url).status_code == 200
    _grow_reports(45, partnership)
    db.session.expire_all()
    with counting() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(large)


def test_the_api_clients_page_runs_the_same_queries_for_2_or_20_clients(client):
    from tests.factories import make_api_client

    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    for _ in range(2):
        make_api_client()
    client.get("/admin/api-clients")
    db.session.expire_all()
    with counting() as small:
        assert client.get("/admin/api-clients").status_code == 200
    for _ in range(18):
        make_api_client()
    db.session.expire_all()
    with counting() as large:
        assert client.get("/admin/api-clients").status_code == 200
    assert len(large) == len(small), "\n".join(large)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/entries?q=test&status=current&region=E12000003&per_page=50",
        "/api/v1/reviewers?q=neglect&specialism=neglect&language=cy&per_page=50",
        "/api/v1/reviewers?sort=availability&capacity=true&per_page=50",
    ],
)
def test_the_api_runs_the_same_queries_for_3_or_30_entries(client, url):
    from tests.factories import make_api_client

    partnership = make_organisation()
    api_client, secret = make_api_client(partnership=partnership)
    token = client.post(
        "/api/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": secret,
        },
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    _grow_register(3, partnership)
    client.get(url, headers=headers)  # warm up
    db.session.expire_all()
    with counting() as small:
        assert client.get(url, headers=headers).status_code == 200
    _grow_register(27, partnership)
    db.session.expire_all()
    with counting() as large:
        response = client.get(url, headers=headers)
        assert response.status_code == 200
    assert response.get_json()["total"] > 3
    assert len(large) == len(small), "\n".join(large)
