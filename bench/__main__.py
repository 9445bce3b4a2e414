"""Time the main pages on a populated SQLite database, partnerships' register search at
10,000 and 100,000 reviewers, and the analysts' reports at scale, on SQLite and PostgreSQL
(figures, not pass/fail).

`python -m bench` runs all three, the third being the analysts' reports at 100,000 reviewers and
1,000,000 CPD activities (bench/reporting.py); `python -m bench pages`, `... register_search` or
`... reporting` runs the parts named and keeps the others' figures already in build/bench.json."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyotp
import sqlalchemy as sa
from flask_migrate import upgrade

from config.settings import Test
from portal import create_app
from portal.applications.models import Application, ApplicationStatus, Referee, SelfAssessment
from portal.auth.models import RoleGrant, User
from portal.auth.passwords import hash_password
from portal.auth.sessions import start_session
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db
from portal.framework.models import Competency, FrameworkStatus, FrameworkVersion

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "2000"))
EVENTS_EACH = 5
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", "build"))
PAGES = [
    "/dashboard",
    "/admin",
    "/admin/users",
    "/admin/users?q=person1",
    "/admin/audit-log",
    "/admin/organisations",
    "/admin/frameworks",
    "/admin/applications",
    "/admin/applications?status=submitted",
    "/admin/accreditations",
    "/applications/{application}",
    "/healthz",
]


def _populate() -> User:
    password = hash_password("bench password words")
    admin = User(
        email="admin@bench.test",
        name="Bench Admin",
        password_hash=password,
        email_confirmed_at=utcnow(),
        totp_secret=pyotp.random_base32(),
        totp_enabled_at=utcnow(),
    )
    db.session.add(admin)
    db.session.add(RoleGrant(user=admin, role=Role.ADMINISTRATOR))
    for n in range(PEOPLE):
        person = User(
            email=f"person{n}@bench.test",
            name=f"Bench Person {n}",
            password_hash=password,
            email_confirmed_at=utcnow(),
        )
        db.session.add(person)
        if n % 3 == 0:
            db.session.add(RoleGrant(user=person, role=Role.REVIEWER))
    db.session.flush()
    for n in range(PEOPLE * EVENTS_EACH):
        record_event(
            admin,
            "bench.event",
            subject_type="user",
            subject_id=n % PEOPLE,
            summary=f"Bench event {n}",
        )
    db.session.commit()
    _applications()
    return admin


def _applications() -> None:
    """One application for every other person, spread over the states, with two referees and
    a self-assessment of every competency each."""
    framework = db.session.scalar(
        sa.select(FrameworkVersion).where(FrameworkVersion.status == FrameworkStatus.PUBLISHED)
    )
    if framework is None:
        return
    competencies = db.session.scalars(
        sa.select(Competency.id).where(Competency.framework_id == framework.id)
    ).all()
    people = db.session.scalars(sa.select(User.id).where(User.email.like("person%"))).all()
    states = list(ApplicationStatus)
    for n, person_id in enumerate(people[::2]):
        application = Application(
            scheme_id=framework.scheme_id,
            framework_id=framework.id,
            applicant_id=person_id,
            status=states[n % len(states)],
            full_name=f"Bench Person {n}",
            completed_sections=[],
        )
        db.session.add(application)
        db.session.flush()
        application.reference = f"BENCH-A{application.id:06d}"
        for position in (1, 2):
            db.session.add(
                Referee(
                    application=application,
                    position=position,
                    name=f"Referee {position}",
                    email=f"referee{position}.{n}@bench.test",
                    job_title="Invented",
                    relationship_to_applicant="Invented",
                )
            )
        for competency_id in competencies:
            db.session.add(
                SelfAssessment(
                    application=application,
                    competency_id=competency_id,
                    level=3,
                    narrative="Invented evidence for the benchmark.",
                )
            )
    db.session.commit()


def pages() -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    settings = Test()
    settings.INSTANCE_PATH = folder
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'bench.db'}"
    app = create_app(settings)
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        runner.invoke(args=["organisations", "load"])
        runner.invoke(args=["framework", "load-all"])
        admin = _populate()
        identity = start_session(admin, browser="Benchmark")
        db.session.commit()
        first = db.session.scalar(sa.select(sa.func.min(Application.id)))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = identity
        session["_mfa"] = True  # the administrator's second factor is done
    figures: dict[str, dict[str, float]] = {}
    for template in PAGES:
        page = template.format(application=first)
        client.get(page)
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(page)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (page, response.status_code)
        timings.sort()
        figures[template] = {
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        }
        print(
            f"{template:<38} median {figures[template]['median_ms']:>7} ms   "
            f"p95 {figures[template]['p95_ms']:>7} ms"
        )
    return {
        "database": "sqlite",
        "people": PEOPLE,
        "audit_events": PEOPLE * EVENTS_EACH,
        "applications": PEOPLE // 2,
        "runs": RUNS,
        "pages": figures,
    }


def main(parts: list[str]) -> None:
    unknown = set(parts) - {"pages", "register_search", "reporting"}
    if unknown:
        raise SystemExit(f"unknown part(s): {', '.join(sorted(unknown))}")
    chosen = parts or ["pages", "register_search", "reporting"]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / "bench.json"
    result: dict[str, object] = json.loads(path.read_text()) if path.exists() else {}
    if "pages" in chosen:
        result.update(pages())
    if "register_search" in chosen:
        from bench import register_search

        figures = register_search.run()
        result["register_search"] = figures
        print(register_search.table(figures))
    if "reporting" in chosen:
        from bench import reporting

        started = time.perf_counter()
        rows = reporting.run()
        # Figures of databases not measured this time are kept.
        kept = [
            row
            for row in result.get("reporting", [])  # type: ignore[attr-defined]
            if row.get("db") not in {r["db"] for r in rows} | set(reporting.DATABASES)
        ]
        result["reporting"] = kept + rows
        print(reporting.table(rows))
        print(f"Reports measured in {time.perf_counter() - started:.0f} s")
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"Written to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
