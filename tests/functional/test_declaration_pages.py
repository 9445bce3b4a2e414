"""The declarations of interest task: any organisation can be declared, agencies included,
chosen from a select grouped by kind that a name search can narrow, all without JavaScript."""

from __future__ import annotations

from bs4 import BeautifulSoup

from portal.organisations import services as organisations
from portal.organisations.models import OrganisationKind
from tests.conftest import SERVICE_NAME
from tests.factories import make_application, make_organisation
from tests.support import error_messages, page_checks, sign_in_as, submit


def _setup(client):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    partnership = make_organisation(name="Invented Vale Safeguarding Children Partnership")
    police = make_organisation(name="Invented Vale Police", kind=OrganisationKind.POLICE)
    school = make_organisation(name="Invented Academy Trust", kind=OrganisationKind.SCHOOL)
    return application, partnership, police, school


def _groups(soup: BeautifulSoup) -> dict[str, list[str]]:
    select = soup.select_one("select#organisation")
    assert select is not None
    return {
        str(group["label"]): [option.get_text() for option in group.select("option")]
        for group in select.select("optgroup")
    }


def test_the_organisations_are_grouped_by_kind(client):
    application, partnership, police, school = _setup(client)
    soup = page_checks(
        client.get(f"/applications/{application.id}/interests"), service_name=SERVICE_NAME
    )
    groups = _groups(soup)
    assert partnership.name in groups["Safeguarding partnerships"]
    assert groups["Police forces"] == [police.name]
    assert groups["Schools and academy trusts"] == [school.name]
    label = soup.select_one("label[for=organisation]")
    assert label is not None and label.get_text(strip=True) == "Organisation"


def test_a_name_search_narrows_the_list_and_can_be_cleared(client):
    application, _partnership, police, _school = _setup(client)
    make_organisation(name="Another Invented Constabulary", kind=OrganisationKind.POLICE)
    response = client.get(f"/applications/{application.id}/interests?find=VALE+police")
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert _groups(soup) == {"Police forces": [police.name]}
    assert "1 organisation matches" in soup.get_text()
    assert soup.select_one("input#find")["value"] == "VALE police"
    nothing = page_checks(
        client.get(f"/applications/{application.id}/interests?find=" + "z" * 500),
        service_name=SERVICE_NAME,
    )
    assert _groups(nothing) == {}
    assert "0 organisations match" in nothing.get_text()


def test_an_applicant_declares_a_police_force(client):
    application, _partnership, police, _school = _setup(client)
    url = f"/applications/{application.id}/interests"
    response = submit(
        client,
        url,
        {"organisation": str(police.id), "kind": "employed", "submit": "Add declaration"},
    )
    assert response.status_code == 302
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    cells = [cell.get_text(strip=True) for cell in soup.select("td.govuk-table__cell")]
    assert police.name in cells and "Employed by it" in cells


def test_choosing_no_organisation_is_an_error_beside_the_select_and_the_rest_is_kept(client):
    application, *_ = _setup(client)
    url = f"/applications/{application.id}/interests"
    response = submit(
        client,
        url,
        {"organisation": "", "kind": "board", "details": "Kept words", "submit": "Add declaration"},
    )
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Select the organisation" in error_messages(soup)
    assert soup.select_one(".govuk-error-summary a[href='#organisation']") is not None
    select = soup.select_one("select#organisation")
    assert "govuk-select--error" in select["class"]
    assert "organisation-error" in select["aria-describedby"]
    assert soup.select_one("textarea#details").get_text() == "Kept words"


def test_a_merged_organisation_cannot_be_declared(client):
    application, _partnership, police, _school = _setup(client)
    old = make_organisation(name="Invented Old Police", kind=OrganisationKind.POLICE)
    organisations.merge_organisations(None, old, police)
    url = f"/applications/{application.id}/interests"
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    assert old.name not in _groups(soup)["Police forces"]
    response = submit(
        client, url, {"organisation": str(old.id), "kind": "employed", "submit": "Add declaration"}
    )
    assert response.status_code == 200
    assert error_messages(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
