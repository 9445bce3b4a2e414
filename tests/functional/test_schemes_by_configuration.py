"""A second accreditation scheme comes from configuration alone: no code changes."""

from pathlib import Path

import sqlalchemy as sa

from portal.core.documents import read_yaml
from portal.core.permissions import Role
from portal.extensions import db
from portal.framework.models import FrameworkStatus, FrameworkVersion, Scheme
from portal.framework.schema import framework_files, parse_framework
from tests.conftest import SERVICE_NAME
from tests.factories import make_user
from tests.support import page_checks, sign_in_as

DATA = Path(__file__).resolve().parent.parent / "data"
REQUIRED_DOMAINS = {
    "systems analysis",
    "hindsight",
    "design",
    "famil",
    "practitioners",
    "equity",
    "evidence",
    "recommendations",
    "report",
    "parallel processes",
    "independence",
    "reflective",
}


def test_the_shipped_framework_covers_every_required_domain():
    (path,) = framework_files("cspr")
    document = parse_framework(read_yaml(path))
    titles = " ".join(d.title.lower() for d in document.domains)
    missing = {word for word in REQUIRED_DOMAINS if word not in titles}
    assert missing == set()
    assert all(c.sources for c in document.competencies), "every competency cites a source"
    assert [s.score for s in document.scale] == [1, 2, 3, 4]


def test_a_second_scheme_loads_from_its_files_beside_the_first(app, client):
    runner = app.test_cli_runner()
    shipped = runner.invoke(args=["framework", "load-all"])
    assert shipped.exit_code == 0, shipped.output
    second = runner.invoke(
        args=[
            "framework",
            "load-all",
            "--schemes-dir",
            str(DATA / "schemes"),
            "--frameworks-dir",
            str(DATA / "frameworks"),
        ]
    )
    assert second.exit_code == 0, second.output
    schemes = db.session.scalars(sa.select(Scheme.code).order_by(Scheme.code)).all()
    assert schemes == ["cspr", "sar"]
    versions = {
        (f.scheme.code, f.version): f.status
        for f in db.session.scalars(sa.select(FrameworkVersion))
    }
    assert versions[("cspr", "2026.1")] is FrameworkStatus.PUBLISHED
    assert versions[("sar", "1.1")] is FrameworkStatus.PUBLISHED  # newest, as none was in use
    assert versions[("sar", "1.0")] is FrameworkStatus.DRAFT

    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    listing = client.get("/admin/frameworks").get_data(as_text=True)
    assert "Safeguarding adults review authors" in listing
    assert "Child safeguarding practice reviewers" in listing
    newer = db.session.scalar(sa.select(FrameworkVersion).where(FrameworkVersion.version == "1.1"))
    older = db.session.scalar(sa.select(FrameworkVersion).where(FrameworkVersion.version == "1.0"))
    response = client.get(f"/admin/frameworks/{newer.id}/changes?against={older.id}")
    soup = page_checks(response, service_name=SERVICE_NAME)
    text = soup.get_text(" ")
    assert "1 competency added" in text and "PAR1" in text
    assert "1 competency removed" in text and "INV2" in text
    assert "2 competencies changed" in text
    assert "Level 3 descriptor" in text
