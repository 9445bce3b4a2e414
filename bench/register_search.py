"""Partnerships' register search at scale: a synthetic register of invented reviewers, built
with bulk inserts, searched through the app next to the bare query and a static page of the
same size, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response
from flask_migrate import upgrade

from bench import bulk
from config.settings import Test
from portal import create_app
from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    Application,
    ApplicationStatus,
    DeclaredInterest,
    InterestKind,
)
from portal.auth.models import RoleGrant, User
from portal.auth.passwords import hash_password
from portal.auth.sessions import start_session
from portal.core.dates import today_in_england
from portal.core.db import utcnow
from portal.core.permissions import Role, public
from portal.extensions import db
from portal.framework.models import FrameworkStatus, FrameworkVersion
from portal.organisations.models import Organisation, OrganisationKind
from portal.register import queries, services
from portal.register.commissioning_models import Commission, ReviewType
from portal.register.models import (
    RegisterEntry,
    RegisterEntryRegion,
    RegisterEntryTerm,
    TermKind,
)
from portal.register.reference import current as reference

SIZES = [int(n) for n in os.environ.get("BENCH_REGISTER_SIZES", "10000,100000").split(",") if n]
DATABASES = [d for d in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",") if d]
RUNS = int(os.environ.get("BENCH_REGISTER_RUNS", "5"))
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
BATCH = 5000
PARTNERSHIP = "leeds"

# Invented names, some with letters beyond ASCII (and some in Chinese characters).
FIRST = [
    "Amara",
    "Ben",
    "Chloé",
    "Dafydd",
    "Élodie",
    "Femi",
    "Gráinne",
    "Hamza",
    "Ines",
    "Jonas",
    "Kasia",
    "Łukasz",
    "Maya",
    "Niamh",
    "Oğuz",
    "Priya",
    "Quentin",
    "Rhiannon",
    "Søren",
    "Tomasz",
    "Uma",
    "Violet",
    "Wiktoria",
    "Xavier",
    "Yusuf",
    "Zoë",
    "Aditi",
    "Bartek",
    "Ciarán",
    "Dilek",
    "Emeka",
    "Farah",
    "Gwen",
    "Hiroshi",
    "Ifeoma",
    "Józef",
    "Kemi",
    "Leilani",
    "Mateo",
    "Nkechi",
    "Orla",
    "Paweł",
]
LAST = [
    "Abbott",
    "Ağaoğlu",
    "Bąk",
    "Castellane",
    "Dimitriou",
    "Ekwueme",
    "Farquharson",
    "Gallagher",
    "Hollis",
    "Iwańska",
    "Jędrzejczak",
    "Kowalczyk",
    "Lindqvist",
    "Mbeki",
    "Ní Bhriain",
    "Okonkwo",
    "Peralta",
    "Quayle",
    "Rønning",
    "Stępień",
    "Thistlewood",
    "Uddin",
    "Vasquez",
    "Whitlock",
    "Öztürk",
    "Zielińska",
    "Achterberg",
    "Brannigan",
    "Çelik",
    "Delacroix",
    "Eriksen",
    "Fairweather",
    "Grünewald",
    "Hartigan",
    "Ilunga",
    "Juszczak",
    "Kerrigan",
    "Loughlin",
    "Moreau",
    "Nakamura",
]
CHINESE = ["王小明", "李华", "张伟", "陈静", "刘洋", "黄丽"]
BACKGROUNDS = [
    "Former health visitor",
    "Retired detective inspector",
    "Registered social worker",
    "Former head of children's services",
    "Paediatric nurse",
    "Independent chair of a safeguarding partnership",
    "Educational psychologist",
    "Former youth offending team manager",
]
FOCUS = [
    "with a focus on neglect and the toxic trio",
    "specialising in infant deaths and safer sleep",
    "who has led reviews of child sexual exploitation",
    "working on domestic abuse and coercive control",
    "with experience of disabled children and their families",
    "interested in adolescents, county lines and extra-familial harm",
    "who writes about online harm and image-based abuse",
    "with a background in parental mental health and substance misuse",
]
STYLE = [
    "Uses the systems approach and appreciative inquiry.",
    "Writes plainly for families and practitioners alike.",
    "Has chaired learning events across several partnerships.",
    "Brings a restorative, family-centred approach.",
    "Works bilingually and with interpreters.",
    "Known for clear recommendations that partnerships can act on.",
]

# Realistic partnership searches: text, region, specialism and available-by, and some variety.
SEARCHES: list[dict[str, Any]] = [
    {"q": "neglect", "region": "E12000003", "specialisms": ["neglect"], "available_by": 90},
    {"q": "health visitor", "region": "E12000007", "specialisms": ["infant-deaths"]},
    {"q": "domestic abuse", "region": "E12000002", "available_by": 60},
    {"q": "exploitation", "specialisms": ["exploitation"], "sort": "availability"},
    {"q": "Łukasz", "region": "E12000005"},
    {"q": "systems appreciative", "region": "E12000008", "specialisms": ["neglect"]},
    {"region": "E12000009", "specialisms": ["domestic-abuse"], "available_by": 120},
    {"q": "social worker", "available_by": 30, "page": 3},
]


def _names(rng: random.Random, n: int) -> str:
    if n % 97 == 0:
        return rng.choice(CHINESE)
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


@dataclass
class Built:
    reviewers: int = 0
    next_user: int = 1
    next_application: int = 1
    next_record: int = 1
    next_entry: int = 1
    next_declaration: int = 1
    next_commission: int = 1


def _next_id(model: type[Any]) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))) or 0) + 1


def _insert(model: type[Any], rows: list[dict[str, Any]]) -> None:
    bulk.insert(model, rows)


def grow(count: int, built: Built, commissioner_id: int) -> None:
    """Add `count` invented reviewers: account, decided application, accreditation record,
    register entry with regions and terms, declarations of interest (some of them with the
    benchmark's partnership, so the search leaves them out) and a few commissions; the
    full-text index is filled as the register's services fill it."""
    rng = random.Random(built.reviewers + 1)
    ref = reference()
    framework = db.session.scalar(
        sa.select(FrameworkVersion).where(FrameworkVersion.status == FrameworkStatus.PUBLISHED)
    )
    assert framework is not None, "no framework in use"
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.code).where(
            Organisation.kind == OrganisationKind.PARTNERSHIP
        )
    ).all()
    ours = next(org_id for org_id, code in organisations if code == PARTNERSHIP)
    others = [org_id for org_id, code in organisations if code != PARTNERSHIP]
    regions = [f"E1200000{n}" for n in range(1, 10)]
    specialisms = sorted(ref.specialisms.codes())
    methodologies = sorted(ref.methodologies.codes())
    languages = sorted(ref.languages.codes() - {"en"})
    password = hash_password("bench password words")
    today = today_in_england()
    now = utcnow()
    statuses = ["accredited"] * 90 + ["accredited_with_conditions"] * 4 + ["provisional"] * 3
    statuses += ["suspended", "lapsed", "withdrawn"]
    users, grants, applications, records, entries = [], [], [], [], []
    region_rows, term_rows, declarations, commissions, index = [], [], [], [], []
    for n in range(built.reviewers, built.reviewers + count):
        user_id, application_id = built.next_user, built.next_application
        record_id, entry_id = built.next_record, built.next_entry
        built.next_user += 1
        built.next_application += 1
        built.next_record += 1
        built.next_entry += 1
        name = _names(rng, n)
        users.append(
            {
                "id": user_id,
                "email": f"reviewer{n}@bench.test",
                "name": name,
                "password_hash": password,
                "email_confirmed_at": now,
                "organisation_id": ours if n % 500 == 7 else None,
            }
        )
        grants.append({"user_id": user_id, "role": Role.REVIEWER})
        applications.append(
            {
                "id": application_id,
                "reference": f"BENCH-{application_id:07d}",
                "scheme_id": framework.scheme_id,
                "framework_id": framework.id,
                "applicant_id": user_id,
                "status": ApplicationStatus.DECIDED,
                "full_name": name,
            }
        )
        starts = today - timedelta(days=rng.randrange(0, 1000))
        records.append(
            {
                "id": record_id,
                "user_id": user_id,
                "scheme_id": framework.scheme_id,
                "application_id": application_id,
                "number": f"BENCH-{starts.year}-{record_id:06d}",
                "level": rng.choice(["reviewer", "reviewer", "lead_reviewer", "provisional"]),
                "status": AccreditationStatus(rng.choice(statuses)),
                "starts_on": starts,
                "expires_on": starts.replace(year=starts.year + 3, day=min(starts.day, 28)),
            }
        )
        chosen_specialisms = rng.sample(specialisms, rng.randint(1, 4))
        chosen_methodologies = rng.sample(methodologies, rng.randint(1, 2))
        biography = (
            f"{rng.choice(BACKGROUNDS)} {rng.choice(FOCUS)}. {rng.choice(STYLE)} "
            f"{rng.choice(STYLE)}"
        )
        search_text = services.search_text(
            name, chosen_specialisms, chosen_methodologies, biography, ref
        )
        entries.append(
            {
                "id": entry_id,
                "user_id": user_id,
                "biography": biography,
                "available_from": None
                if n % 10 == 3
                else today + timedelta(days=rng.randrange(-30, 300)),
                "reviews_per_quarter": rng.randint(0, 3),
                "day_rate_band": rng.choice(["band-a", "band-b", "band-c", "band-d"]),
                "travel": rng.choice(["anywhere", "my-regions", "remote"]),
                "search_text": search_text,
                "updated_at": now,
            }
        )
        index.append((entry_id, search_text))
        for code in rng.sample(regions, rng.randint(1, 3)):
            region_rows.append({"entry_id": entry_id, "region_code": code})
        for kind, codes in (
            (TermKind.SPECIALISM, chosen_specialisms),
            (TermKind.METHODOLOGY, chosen_methodologies),
            (TermKind.LANGUAGE, ["en", *rng.sample(languages, rng.choice([0, 0, 0, 1]))]),
        ):
            for code in codes:
                term_rows.append({"entry_id": entry_id, "kind": kind, "code": code})
        # One or two declarations each; about one in fifty names the benchmark's partnership,
        # some of them ended long enough ago no longer to conflict.
        declared = rng.sample(others, rng.randint(1, 2))
        if n % 50 == 0:
            declared[0] = ours
        for organisation in declared:
            ended = None if rng.random() < 0.6 else today - timedelta(days=rng.randrange(1, 2000))
            declarations.append(
                {
                    "id": built.next_declaration,
                    "application_id": application_id,
                    "user_id": user_id,
                    "organisation_id": organisation,
                    "kind": rng.choice(list(InterestKind)),
                    "details": "Invented for the benchmark.",
                    "started_on": date(2015, 1, 1),
                    "ended_on": ended,
                    "declared_at": now,
                }
            )
            built.next_declaration += 1
        if n % 20 == 0:
            commissions.append(
                {
                    "id": built.next_commission,
                    "partnership_id": ours if n % 40 == 0 else rng.choice(others),
                    "reviewer_id": user_id,
                    "recorded_by_id": commissioner_id,
                    "review_type": rng.choice(list(ReviewType)),
                    "starts_on": today - timedelta(days=rng.randrange(0, 200)),
                    "expected_end_on": today + timedelta(days=rng.randrange(1, 200)),
                }
            )
            built.next_commission += 1
    for model, rows in (
        (User, users),
        (RoleGrant, grants),
        (Application, applications),
        (AccreditationRecord, records),
        (RegisterEntry, entries),
        (RegisterEntryRegion, region_rows),
        (RegisterEntryTerm, term_rows),
        (DeclaredInterest, declarations),
        (Commission, commissions),
    ):
        _insert(model, rows)
    for start in range(0, len(index), BATCH):
        services.index_search_texts(index[start : start + BATCH])
    db.session.commit()
    built.reviewers += count
    if db.session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; then fresh statistics, as autovacuum would.
        for table in (
            "users",
            "role_grants",
            "applications",
            "accreditation_records",
            "register_entries",
            "declared_interests",
            "commissions",
        ):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))


def _setup(url: str, folder: Path) -> tuple[Flask, int, Built]:
    settings = Test()
    settings.INSTANCE_PATH = folder
    settings.SQLALCHEMY_DATABASE_URI = url
    app = create_app(settings)
    saved: list[str] = []

    @public
    def static_copy() -> Response:
        """The saved HTML of a search page, served with no query: the page's floor."""
        return Response(saved[-1] if saved else "", mimetype="text/html")

    app.add_url_rule("/bench/static-copy", "bench_static_copy", static_copy)
    app.config["BENCH_SAVED"] = saved
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        for args in (["organisations", "load"], ["framework", "load-all"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        partnership = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.code == PARTNERSHIP)
        )
        commissioner = User(
            email="commissioner@bench.test",
            name="Bench Commissioner",
            password_hash=hash_password("bench password words"),
            email_confirmed_at=utcnow(),
            organisation_id=partnership,
        )
        db.session.add(commissioner)
        db.session.flush()
        db.session.add(RoleGrant(user_id=commissioner.id, role=Role.COMMISSIONER))
        db.session.commit()
        built = Built(
            next_user=_next_id(User),
            next_application=_next_id(Application),
            next_record=_next_id(AccreditationRecord),
            next_entry=_next_id(RegisterEntry),
            next_declaration=_next_id(DeclaredInterest),
            next_commission=_next_id(Commission),
        )
        return app, commissioner.id, built


def _query_string(search: dict[str, Any], today: date) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for key, value in search.items():
        if key == "available_by":
            day = today + timedelta(days=value)
            args[key] = [str(day.day), str(day.month), str(day.year)]
        else:
            args[key] = value
    return args


def _filters(search: dict[str, Any], today: date) -> queries.SearchFilters:
    return queries.SearchFilters(
        text=search.get("q", ""),
        region=search.get("region", ""),
        specialisms=tuple(search.get("specialisms", ())),
        available_by=today + timedelta(days=search["available_by"])
        if "available_by" in search
        else None,
        sort=search.get("sort", "relevance"),
    )


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1)


@contextmanager
def _counting(engine: sa.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def measure(app: Flask, commissioner_id: int, reviewers: int, kind: str) -> dict[str, Any]:
    """The search page through the app, the bare query and the static copy, over SEARCHES."""
    with app.app_context():
        commissioner = db.session.get(User, commissioner_id)
        assert commissioner is not None
        identity = start_session(commissioner, browser="Benchmark")
        db.session.commit()
        partnership = commissioner.organisation_id
        engine = db.engine
    today = today_in_england()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = identity
    anonymous = app.test_client()
    saved: list[str] = app.config["BENCH_SAVED"]
    page_ms: list[float] = []
    bare_ms: list[float] = []
    static_ms: list[float] = []
    # SQL statements per search page: the same for every run of a search; a search that finds
    # nobody skips the queries for the rows' details, so the figure is the most any search ran.
    statements: list[int] = []
    for search in SEARCHES:
        args = _query_string(search, today)
        first = client.get("/register/search", query_string=args)
        assert first.status_code == 200, (search, first.status_code)
        assert "reviewers found" in first.get_data(as_text=True) or "reviewer found" in (
            first.get_data(as_text=True)
        )
        counts = set()
        for _ in range(RUNS):
            with _counting(engine) as executed:
                start = time.perf_counter()
                response = client.get("/register/search", query_string=args)
                page_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
            counts.add(len(executed))
        assert len(counts) == 1, f"statements per request vary for {search}: {sorted(counts)}"
        statements += counts
        saved.append(response.get_data(as_text=True))
        filters = _filters(search, today)
        for _ in range(RUNS):
            with app.app_context():
                start = time.perf_counter()
                queries.find_reviewers(
                    filters,
                    partnership_id=partnership,
                    today=today,
                    page=int(search.get("page", 1)),
                )
                bare_ms.append((time.perf_counter() - start) * 1000)
                db.session.remove()
        anonymous.get("/bench/static-copy")
        for _ in range(RUNS):
            start = time.perf_counter()
            copy = anonymous.get("/bench/static-copy")
            static_ms.append((time.perf_counter() - start) * 1000)
            assert len(copy.get_data()) == len(response.get_data())
    return {
        "db": kind,
        "reviewers": reviewers,
        "page_ms_median": _median(page_ms),
        "page_ms_p95": _p95(page_ms),
        "bare_query_ms_median": _median(bare_ms),
        "static_page_ms_median": _median(static_ms),
        "queries_per_request": max(statements),
    }


def _run_one(kind: str, url: str, folder: Path) -> list[dict[str, Any]]:
    figures = []
    app, commissioner_id, built = _setup(url, folder)
    for size in sorted(SIZES):
        started = time.perf_counter()
        with app.app_context():
            grow(size - built.reviewers, built, commissioner_id)
            db.session.remove()
        took = time.perf_counter() - started
        print(f"  {kind}: built {size:,} reviewers in {took:.0f} s", flush=True)
        figures.append(measure(app, commissioner_id, size, kind))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return figures


def _postgres_reachable(url: sa.URL) -> str | None:
    """None when the server answers, otherwise why not."""
    import psycopg

    try:
        psycopg.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def run() -> list[dict[str, Any]]:
    """Every database and size asked for; PostgreSQL is skipped, with a warning, when it cannot
    be reached (a failure instead when CI=true). The temporary files go afterwards."""
    figures: list[dict[str, Any]] = []
    for kind in DATABASES:
        print(f"Register search on {kind}, {RUNS} runs of {len(SEARCHES)} searches:", flush=True)
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-register-"))
        try:
            figures += _run_kind(kind, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return figures


def _run_kind(kind: str, folder: Path) -> list[dict[str, Any]]:
    from tests.pgdb import scratch_database

    if kind == "sqlite":
        return _run_one(kind, f"sqlite:///{folder / 'register.db'}", folder)
    if kind != "postgresql":
        raise SystemExit(f"unknown database {kind!r} in BENCH_DATABASES")
    problem = _postgres_reachable(sa.make_url(POSTGRES))
    if problem:
        message = f"PostgreSQL at {POSTGRES} cannot be reached ({problem})"
        if os.environ.get("CI") == "true":
            raise SystemExit(message)
        print(f"  skipped: {message}", flush=True)
        return []
    with scratch_database(POSTGRES, f"portal_bench_{os.getpid()}") as url:
        return _run_one(kind, url, folder)


def table(figures: list[dict[str, Any]]) -> str:
    header = (
        f"{'database':<11}{'reviewers':>10}{'page median':>13}{'page p95':>10}"
        f"{'bare query':>12}{'static':>8}{'ratio':>7}{'queries':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in figures:
        floor = row["bare_query_ms_median"] + row["static_page_ms_median"]
        ratio = row["page_ms_median"] / floor if floor else 0.0
        lines.append(
            f"{row['db']:<11}{row['reviewers']:>10,}{row['page_ms_median']:>10} ms"
            f"{row['page_ms_p95']:>7} ms{row['bare_query_ms_median']:>9} ms"
            f"{row['static_page_ms_median']:>5} ms{ratio:>6.1f}x{row['queries_per_request']:>9}"
        )
    return "\n".join(lines)
