import sqlalchemy as sa

from portal.core.permissions import Role
from portal.extensions import db
from portal.framework import services
from portal.framework.models import FrameworkStatus, FrameworkVersion
from portal.framework.schema import parse_framework, parse_scheme
from tests.conftest import SERVICE_NAME
from tests.factories import make_user
from tests.frameworks import competency, framework_document, scheme_document
from tests.support import page_checks, sign_in_as, submit


def _frameworks():
    services.load_scheme(None, parse_scheme(scheme_document()))
    first = services.load_framework(
        None, parse_framework(framework_document(version="1.0"))
    ).framework
    services.publish_framework(None, first)
    newer = framework_document(version="1.1")
    newer["domains"][0]["competencies"][0]["title"] = "A clearer title"
    newer["domains"][1]["competencies"].append(competency("CD2", "A new competency"))
    second = services.load_framework(None, parse_framework(newer)).framework
    db.session.commit()
    return first, second


def _admin(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))


def test_framework_pages_follow_the_page_rules(client):
    _admin(client)
    first, second = _frameworks()
    for url in [
        "/admin/frameworks",
        f"/admin/frameworks/{first.id}",
        f"/admin/frameworks/{second.id}",
        f"/admin/frameworks/{second.id}/changes",
        f"/admin/frameworks/{second.id}/changes?against={first.id}",
        f"/admin/frameworks/{first.id}/changes",
        f"/admin/frameworks/{second.id}/publish",
        f"/admin/frameworks/{second.id}/retire",
        f"/admin/frameworks/{first.id}/retire",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        page_checks(response, service_name=SERVICE_NAME)


def test_publish_page_shows_what_changed_then_publishes(client):
    _admin(client)
    first, second = _frameworks()
    page = client.get(f"/admin/frameworks/{second.id}/publish").get_data(as_text=True)
    assert "A clearer title" in page
    assert "CD2" in page
    assert "Version 1.0 will be retired" in page
    response = submit(
        client, f"/admin/frameworks/{second.id}/publish", {"version_id": second.version_id}
    )
    assert response.headers["Location"] == f"/admin/frameworks/{second.id}"
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, second.status) == (FrameworkStatus.RETIRED, FrameworkStatus.PUBLISHED)


def test_publishing_a_version_that_changed_meanwhile_keeps_the_admin_informed(client):
    _admin(client)
    _first, second = _frameworks()
    stale = second.version_id
    second.title = "Touched by someone else"
    db.session.commit()
    response = submit(client, f"/admin/frameworks/{second.id}/publish", {"version_id": stale})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert (
        "Someone else changed this framework" in soup.select_one(".govuk-error-summary").get_text()
    )
    db.session.refresh(second)
    assert second.status is FrameworkStatus.DRAFT
    # The page shows the version as it is now, and confirming again acts on that.
    shown = soup.select_one("input[name=version_id]")["value"]
    assert shown == str(second.version_id) != str(stale)
    submit(client, f"/admin/frameworks/{second.id}/publish", {"version_id": shown})
    db.session.refresh(second)
    assert second.status is FrameworkStatus.PUBLISHED


def test_only_drafts_have_a_publish_page_and_retired_versions_no_retire_page(client):
    _admin(client)
    first, second = _frameworks()
    assert client.get(f"/admin/frameworks/{first.id}/publish").status_code == 404
    submit(client, f"/admin/frameworks/{second.id}/retire", {"version_id": second.version_id})
    assert client.get(f"/admin/frameworks/{second.id}/retire").status_code == 404
    assert (
        db.session.scalar(
            sa.select(FrameworkVersion.status).where(FrameworkVersion.id == second.id)
        )
        is FrameworkStatus.RETIRED
    )


def test_framework_cli_validates_loads_and_publishes(app, tmp_path):
    import yaml

    scheme_file = tmp_path / "tst.yaml"
    scheme_file.write_text(yaml.safe_dump(scheme_document()))
    framework_file = tmp_path / "1.0.yaml"
    framework_file.write_text(yaml.safe_dump(framework_document()))
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(yaml.safe_dump({**framework_document(), "domains": []}))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["schemes", "load", str(scheme_file)]).exit_code == 0
    valid = runner.invoke(args=["framework", "validate", str(framework_file)])
    assert "is valid (2 domains, 3 competencies)" in valid.output
    invalid = runner.invoke(args=["framework", "validate", str(bad_file)])
    assert invalid.exit_code != 0
    assert "'domains' must be a non-empty list" in invalid.output
    loaded = runner.invoke(args=["framework", "load", str(framework_file), "--publish"])
    assert loaded.exit_code == 0, loaded.output
    assert "it is in use" in loaded.output
    again = runner.invoke(args=["framework", "load", str(framework_file), "--publish"])
    assert "already loaded" in again.output
    refused = runner.invoke(args=["framework", "load", str(bad_file)])
    assert refused.exit_code != 0
    assert "'domains' must be a non-empty list" in refused.output
    assert "Nothing was loaded." in refused.output
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump({**framework_document(), "title": "Another title"}))
    clash = runner.invoke(args=["framework", "load", str(changed)])
    assert clash.exit_code != 0 and "already loaded" in clash.output.lower(), clash.output
