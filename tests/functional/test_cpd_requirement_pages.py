"""Administrators' CPD requirement pages: list, read, compare, publish and retire."""

from __future__ import annotations

from portal.core.permissions import Role
from portal.cpd import services
from portal.cpd.models import RequirementStatus
from portal.cpd.schema import parse_requirements
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import cpd_requirements_document, make_cpd_requirements, make_user
from tests.support import page_checks, sign_in_as, submit


def _versions():
    first = make_cpd_requirements()
    changed = cpd_requirements_document(
        version="1.1", each_year={"records": 3, "peer_discussion": 1}
    )
    changed["over_term"]["hours"] = {"required": True, "total": 35, "participatory": 20}
    second = services.load_requirements(None, parse_requirements(changed)).version
    db.session.commit()
    return first, second


def test_requirement_pages_follow_the_page_rules(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    first, second = _versions()
    for url in [
        "/cpd/requirements",
        f"/cpd/requirements/{first.id}",
        f"/cpd/requirements/{second.id}",
        f"/cpd/requirements/{second.id}/changes",
        f"/cpd/requirements/{second.id}/changes?against={first.id}",
        f"/cpd/requirements/{first.id}/changes",
        f"/cpd/requirements/{second.id}/publish",
        f"/cpd/requirements/{second.id}/retire",
        f"/cpd/requirements/{first.id}/retire",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        page_checks(response, service_name=SERVICE_NAME)
    text = client.get(f"/cpd/requirements/{second.id}/changes").get_data(as_text=True)
    assert "Completed records each year" in text
    assert "35 hours, of which 20 participatory" in text
    assert client.get(f"/cpd/requirements/{first.id}/publish").status_code == 404


def test_publishing_a_draft_retires_the_version_in_force(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    first, second = _versions()
    url = f"/cpd/requirements/{second.id}/publish"
    response = submit(client, url, {"version_id": str(second.version_id)})
    assert response.status_code == 302
    db.session.refresh(first)
    db.session.refresh(second)
    assert second.status is RequirementStatus.PUBLISHED
    assert first.status is RequirementStatus.RETIRED


def test_a_stale_publish_is_refused(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    _first, second = _versions()
    response = submit(client, f"/cpd/requirements/{second.id}/publish", {"version_id": "999"})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Someone else changed" in soup.select_one(".govuk-error-summary").get_text()
    db.session.refresh(second)
    assert second.status is RequirementStatus.DRAFT
