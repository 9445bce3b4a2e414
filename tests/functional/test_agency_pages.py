"""Administrators add agencies (schools, trusts, providers...) and say which partnerships they
work with; a partnership's page lists its member agencies."""

from __future__ import annotations

import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.core.audit import AuditEvent
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind, PartnershipMember
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_organisation, make_region, make_user
from tests.support import error_messages, page_checks, sign_in_as, submit


def _admin(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    return admin


def test_an_administrator_adds_a_school_that_works_with_two_partnerships(client):
    admin = _admin(client)
    north = make_organisation(name="Invented North Safeguarding Children Partnership")
    south = make_organisation(
        name="Invented South Safeguarding Children Partnership",
        region=make_region(code="E12000009", name="South West"),
    )
    soup = page_checks(client.get("/admin/organisations/new-agency"), service_name=SERVICE_NAME)
    legends = [" ".join(legend.get_text().split()) for legend in soup.select("legend")]
    assert "Kind of agency" in legends
    summaries = [s.get_text(strip=True) for s in soup.select(".govuk-details__summary-text")]
    assert summaries == ["Yorkshire and The Humber", "South West"]
    response = submit(
        client,
        "/admin/organisations/new-agency",
        {
            "name": "Invented Valley Academy Trust",
            "kind": "school",
            "partnerships": [str(north.id), str(south.id)],
        },
    )
    assert response.status_code == 302
    agency = db.session.scalar(
        sa.select(Organisation).where(Organisation.name == "Invented Valley Academy Trust")
    )
    assert agency.kind is OrganisationKind.SCHOOL
    assert response.headers["Location"] == f"/admin/organisations/{agency.id}"
    page = page_checks(client.get(response.headers["Location"]), service_name=SERVICE_NAME)
    text = " ".join(page.get_text().split())
    assert "School or academy trust" in text
    assert north.name in text and south.name in text
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "organisation.added")
    )
    assert event.actor_id == admin.id

    partnership_page = page_checks(
        client.get(f"/admin/organisations/{north.id}"), service_name=SERVICE_NAME
    )
    assert "Invented Valley Academy Trust" in partnership_page.select_one("table").get_text()


def test_adding_an_agency_reports_each_error_beside_its_field_and_keeps_the_input(client):
    _admin(client)
    partnership = make_organisation()
    response = submit(
        client,
        "/admin/organisations/new-agency",
        {"name": "", "partnerships": [str(partnership.id)]},
    )
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Enter the agency's name", "Choose the kind of agency"]
    ticked = soup.find("input", attrs={"name": "partnerships", "value": str(partnership.id)})
    assert ticked.has_attr("checked")
    assert count(Organisation) == 1


def test_a_taken_name_or_a_tampered_partnership_is_refused(client):
    _admin(client)
    make_organisation(name="Invented Taken Trust", kind=OrganisationKind.SCHOOL)
    response = submit(
        client,
        "/admin/organisations/new-agency",
        {"name": "invented taken trust", "kind": "school"},
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Another organisation already has that name"]
    ministry = make_organisation(kind=OrganisationKind.GOVERNMENT, name="Invented Office")
    response = submit(
        client,
        "/admin/organisations/new-agency",
        {"name": "Invented New Trust", "kind": "school", "partnerships": [str(ministry.id)]},
    )
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Choose only current safeguarding partnerships"]
    assert soup.select_one(".govuk-error-summary a[href='#partnerships']") is not None
    response = submit(
        client,
        "/admin/organisations/new-agency",
        {"name": "Invented New Trust", "kind": "partnership"},
    )
    assert "Not a valid choice" in " ".join(
        error_messages(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
    )


def test_the_partnerships_an_agency_works_with_change_but_statutory_links_stay(client):
    _admin(client)
    home = make_organisation(name="Invented Home Safeguarding Children Partnership")
    other = make_organisation(name="Invented Other Safeguarding Children Partnership")
    police = make_organisation(name="Invented Police", kind=OrganisationKind.POLICE)
    db.session.add(PartnershipMember(partnership_id=home.id, agency_id=police.id, statutory=True))
    db.session.commit()
    url = f"/admin/organisations/{police.id}/partnerships"
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    assert "statutory safeguarding partner of Invented Home" in " ".join(soup.get_text().split())
    offered = {str(i["value"]) for i in soup.select("input[name=partnerships]")}
    assert offered == {str(other.id)}
    response = submit(client, url, {"partnerships": [str(other.id)]})
    assert response.status_code == 302
    linked = set(
        db.session.scalars(
            sa.select(PartnershipMember.partnership_id).where(
                PartnershipMember.agency_id == police.id
            )
        )
    )
    assert linked == {home.id, other.id}
    # Unticking everything leaves the statutory link.
    assert submit(client, url, {}).status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(PartnershipMember.agency_id == police.id)
        )
        == 1
    )


def test_only_a_current_agency_has_partnerships_to_change(client):
    _admin(client)
    partnership = make_organisation()
    assert client.get(f"/admin/organisations/{partnership.id}/partnerships").status_code == 404
    old = make_organisation(name="Invented Old Trust", kind=OrganisationKind.SCHOOL)
    new = make_organisation(name="Invented New Trust", kind=OrganisationKind.SCHOOL)
    from portal.organisations import services

    services.merge_organisations(None, old, new)
    db.session.commit()
    assert client.get(f"/admin/organisations/{old.id}/partnerships").status_code == 404
    assert client.get("/admin/organisations/999999/partnerships").status_code == 404


def test_agency_pages_are_for_administrators_only(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=make_organisation()))
    assert client.get("/admin/organisations/new-agency").status_code == 403
    agency = make_organisation(kind=OrganisationKind.SCHOOL)
    response = client.post(f"/admin/organisations/{agency.id}/partnerships", data={})
    assert response.status_code in {400, 403}


def test_agency_pages_run_the_same_queries_for_few_or_many_agencies(client):
    from tests.functional.test_query_counts import counting

    _admin(client)
    partnership = make_organisation()
    agency = make_organisation(kind=OrganisationKind.SCHOOL, name="Invented First School")
    db.session.add(PartnershipMember(partnership_id=partnership.id, agency_id=agency.id))
    db.session.commit()
    urls = [
        "/admin/organisations",
        "/admin/organisations/new-agency",
        f"/admin/organisations/{partnership.id}",
        f"/admin/organisations/{agency.id}",
        f"/admin/organisations/{agency.id}/partnerships",
    ]
    small = {}
    for url in urls:
        client.get(url)
        db.session.expire_all()
        with counting() as queries:
            assert client.get(url).status_code == 200
        small[url] = len(queries)
    kinds = [kind for kind in OrganisationKind if kind.is_agency]
    for i in range(60):
        other = make_organisation(name=f"Invented Agency {i}", kind=kinds[i % len(kinds)])
        db.session.add(PartnershipMember(partnership_id=partnership.id, agency_id=other.id))
        more = make_organisation()
        db.session.add(PartnershipMember(partnership_id=more.id, agency_id=agency.id))
    db.session.commit()
    for url in urls:
        db.session.expire_all()
        with counting() as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == small[url], (url, "\n".join(queries))
