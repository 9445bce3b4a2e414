"""The QA rubric's commands and the QA lead's pages for its versions."""

from __future__ import annotations

import sqlalchemy as sa
import yaml

from portal.core.audit import AuditEvent
from portal.core.permissions import Role
from portal.extensions import db
from portal.peer_qa.models import RubricMarker, RubricStatus, RubricVersion
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_rubric, make_user
from tests.support import page_checks, sign_in_as
from tests.unit.test_peer_qa_rubric import SHIPPED, _shipped


def test_validate_reports_every_problem_and_fails(app, tmp_path):
    broken = _shipped()
    broken["version"] = ""
    broken["markers"][0]["descriptors"] = {1: "Only one"}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = app.test_cli_runner().invoke(args=["peer-qa", "rubric", "validate", str(path)])
    assert result.exit_code != 0
    assert "2 problem(s)" in result.output
    assert "rubric: 'version' is missing" in result.output
    assert "marker R01: give one descriptor for each level of the scale" in result.output
    good = app.test_cli_runner().invoke(args=["peer-qa", "rubric", "validate", str(SHIPPED)])
    assert good.exit_code == 0, good.output
    assert "12 reviewer markers, 5 partnership markers" in good.output


def test_load_all_puts_the_newest_into_use_once_and_is_audited(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["peer-qa", "rubric", "load-all"])
    assert result.exit_code == 0, result.output
    assert "in use: 2026.1" in result.output
    again = runner.invoke(args=["peer-qa", "rubric", "load-all"])
    assert again.exit_code == 0
    assert count(RubricVersion) == 1
    assert count(RubricMarker) == 17
    rubric = db.session.scalar(sa.select(RubricVersion))
    assert rubric.status is RubricStatus.PUBLISHED
    assert count(AuditEvent, AuditEvent.action == "qa_rubric.loaded") == 1
    assert count(AuditEvent, AuditEvent.action == "qa_rubric.published") == 1


def test_a_version_number_is_never_reused_for_different_content(app, tmp_path):
    make_rubric()
    changed = _shipped()
    changed["title"] = "Something else"
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(changed))
    result = app.test_cli_runner().invoke(args=["peer-qa", "rubric", "load", str(path)])
    assert result.exit_code != 0
    assert "already loaded with different content" in result.output
    changed["version"] = "2026.2"
    path.write_text(yaml.safe_dump(changed))
    result = app.test_cli_runner().invoke(args=["peer-qa", "rubric", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "it is draft" in result.output


def test_the_qa_lead_reads_the_rubric_versions(client):
    rubric = make_rubric()
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    listing = client.get("/peer-qa/rubrics")
    soup = page_checks(listing, service_name=SERVICE_NAME)
    assert "Version 2026.1" in soup.get_text()
    page = client.get(f"/peer-qa/rubrics/{rubric.id}")
    text = page_checks(page, service_name=SERVICE_NAME).get_text()
    assert "Hindsight and outcome bias controlled" in text
    assert "What the commissioning partnership is responsible for" in text
    assert "overall grade of 3 or more" in text
    assert client.get("/peer-qa/rubrics/999999").status_code == 404
