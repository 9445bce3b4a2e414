import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations.models import OrganisationName
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_organisation, make_user
from tests.support import error_messages, page_checks, sign_in_as, submit


def _admin(client):
    admin = make_user(name="Admin Person", roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    return admin


def test_admin_dashboard_and_people_pages_render(client):
    _admin(client)
    make_user(name="Zelda Quarrington", email="zelda@example.test")
    for url in ["/admin", "/admin/users", "/admin/users?q=zelda", "/admin/audit-log", "/dashboard"]:
        response = client.get(url)
        assert response.status_code == 200, url
        page_checks(response, service_name=SERVICE_NAME)
    assert "Zelda Quarrington" in client.get("/admin/users?q=zelda").get_data(as_text=True)
    assert "Zelda" not in client.get("/admin/users?q=nobody").get_data(as_text=True)


def test_admin_gives_and_removes_a_role(client):
    _admin(client)
    target = make_user(name="Target Person")
    page = f"/admin/users/{target.id}"
    response = submit(
        client, f"{page}/roles", {"role": "assessor", "organisation": "0"}, form_page=page
    )
    assert response.headers["Location"] == page
    assert Role.ASSESSOR in target.roles
    response = submit(client, f"{page}/roles/remove", {"role": "assessor"}, form_page=page)
    assert response.status_code == 302
    db.session.refresh(target)
    assert Role.ASSESSOR not in target.roles
    assert count(AuditEvent, AuditEvent.action.in_(["role.granted", "role.revoked"])) == 2


def test_commissioner_without_partnership_is_an_error_beside_the_field(client):
    _admin(client)
    target = make_user()
    page = f"/admin/users/{target.id}"
    response = submit(
        client, f"{page}/roles", {"role": "commissioner", "organisation": "0"}, form_page=page
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Choose the safeguarding partnership this commissioner works for" in error_messages(soup)
    assert soup.select_one(".govuk-error-summary a[href='#organisation']") is not None
    assert Role.COMMISSIONER not in target.roles


def test_admin_cannot_change_their_own_roles(client):
    admin = _admin(client)
    page = f"/admin/users/{admin.id}"
    assert "You cannot change your own roles" in client.get(page).get_data(as_text=True)
    response = submit(
        client, f"{page}/roles", {"role": "assessor", "organisation": "0"}, form_page=page
    )
    assert response.status_code == 403
    assert Role.ASSESSOR not in admin.roles


def test_audit_log_filters_by_actor_subject_and_date(client):
    admin = _admin(client)
    target = make_user()
    page = f"/admin/users/{target.id}"
    submit(client, f"{page}/roles", {"role": "analyst", "organisation": "0"}, form_page=page)
    html = client.get(f"/admin/audit-log?subject_type=user&subject_id={target.id}").get_data(
        as_text=True
    )
    assert f"Gave {target.email} the role Government analyst" in html
    none = client.get("/admin/audit-log?actor=nobody-at-all").get_data(as_text=True)
    assert "0 events" in none
    assert admin.email in client.get(f"/admin/audit-log?actor={admin.email}").get_data(as_text=True)
    future = client.get("/admin/audit-log?date_from=1&date_from=1&date_from=2099").get_data(
        as_text=True
    )
    assert "0 events" in future


def test_audit_log_date_errors_are_shown_beside_the_field(client):
    _admin(client)
    response = client.get("/admin/audit-log?date_from=31&date_from=2&date_from=2026")
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Enter a real date" in error_messages(soup)


def test_audit_log_has_no_way_to_change_events(client):
    _admin(client)
    assert client.post("/admin/audit-log").status_code in {400, 405}
    assert client.delete("/admin/audit-log").status_code == 405


def test_rename_keeps_history_and_detects_concurrent_edits(client):
    _admin(client)
    org = make_organisation(name="Old Name Partnership")
    page = f"/admin/organisations/{org.id}/rename"
    stale = org.version_id
    response = submit(client, page, {"name": "New Name Partnership", "version_id": stale})
    assert response.status_code == 302
    names = db.session.scalars(
        sa.select(OrganisationName.name).where(OrganisationName.organisation_id == org.id)
    ).all()
    assert set(names) == {"Old Name Partnership", "New Name Partnership"}
    again = submit(client, page, {"name": "Third Name Partnership", "version_id": stale})
    soup = page_checks(again, service_name=SERVICE_NAME)
    assert any("Someone else changed this organisation" in m for m in error_messages(soup))
    assert soup.find("input", attrs={"name": "name"})["value"] == "Third Name Partnership"


def test_merge_page_moves_people(client):
    _admin(client)
    source, target = make_organisation(), make_organisation()
    person = make_user(organisation=source)
    page = f"/admin/organisations/{source.id}/merge"
    response = submit(client, page, {"target": target.id, "version_id": source.version_id})
    assert response.headers["Location"] == f"/admin/organisations/{target.id}"
    db.session.refresh(person)
    assert person.organisation_id == target.id
    listing = client.get("/admin/organisations?merged=1").get_data(as_text=True)
    assert f"Merged into {target.name}" in listing
    assert client.get(page).status_code == 404


def test_organisation_pages_render(client):
    _admin(client)
    org = make_organisation()
    for url in [
        "/admin/organisations",
        f"/admin/organisations/{org.id}",
        f"/admin/organisations/{org.id}/rename",
        f"/admin/organisations/{org.id}/merge",
        "/admin/organisations?kind=partnership&region=E12000003&q=Invented",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        page_checks(response, service_name=SERVICE_NAME)


# The person's organisation: a select grouped by kind with a find step


def _orgs():
    from portal.organisations.models import OrganisationKind

    return {
        "partnership": make_organisation(name="Invented Moor Safeguarding Partnership"),
        "police": make_organisation(name="Invented Moor Police", kind=OrganisationKind.POLICE),
        "school": make_organisation(name="Invented Fell Academy", kind=OrganisationKind.SCHOOL),
    }


def _select(client, url):
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    select = soup.find("select", id="person-organisation")
    assert select is not None and select["name"] == "organisation"
    return soup, select


def test_the_person_page_picks_an_organisation_from_a_select_grouped_by_kind(client):
    _admin(client)
    orgs = _orgs()
    person = make_user(name="Pat Person", organisation=orgs["police"])
    page = f"/admin/users/{person.id}"
    _, select = _select(client, page)
    groups = {
        group["label"]: [o.get_text() for o in group.find_all("option")]
        for group in select.find_all("optgroup")
    }
    assert "Invented Moor Police" in groups["Police forces"]
    assert "Invented Fell Academy" in groups["Schools and academy trusts"]
    assert select.find("option").get_text() == "No organisation"
    chosen = select.find("option", selected=True)
    assert chosen is not None and chosen.get_text() == "Invented Moor Police"

    response = submit(
        client, f"{page}/organisation", {"organisation": str(orgs["school"].id)}, form_page=page
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.organisation_id == orgs["school"].id
    submit(client, f"{page}/organisation", {"organisation": ""}, form_page=page)
    db.session.refresh(person)
    assert person.organisation_id is None


def test_finding_narrows_the_organisations_and_keeps_the_persons_own(client):
    _admin(client)
    orgs = _orgs()
    person = make_user(organisation=orgs["school"])
    page = f"/admin/users/{person.id}"
    soup, select = _select(client, f"{page}?find=moor")
    names = [o.get_text() for o in select.find_all("option")]
    # Partnerships, then police forces, then schools: the kinds' order.
    assert names == [
        "No organisation",
        "Invented Moor Safeguarding Partnership",
        "Invented Moor Police",
        "Invented Fell Academy",
    ]
    assert "3 organisations shown for \u2018moor\u2019" in " ".join(soup.get_text().split())
    assert soup.find("a", string="Show every organisation") is not None
    _, select = _select(client, f"{page}?find=" + "police%20MOOR%20" + "x" * 500)
    assert "Invented Moor Police" not in [o.get_text() for o in select.find_all("option")]
    # Saving after a find keeps the find, and the person's own organisation stays chosen.
    _, select = _select(client, f"{page}?find=police")
    assert select.find("option", selected=True).get_text() == "Invented Fell Academy"


def test_an_organisation_not_on_the_list_is_an_error_beside_the_select(client):
    _admin(client)
    orgs = _orgs()
    person = make_user()
    page = f"/admin/users/{person.id}"
    for value in ("999999", "abc", "-1"):
        response = submit(client, f"{page}/organisation", {"organisation": value}, form_page=page)
        assert response.status_code == 200
        soup = page_checks(response, service_name=SERVICE_NAME)
        assert error_messages(soup) == ["Select an organisation from the list"]
        assert soup.select_one(".govuk-error-summary a[href='#person-organisation']") is not None
        assert soup.find(id="person-organisation-error") is not None
    assert orgs and person.organisation_id is None
