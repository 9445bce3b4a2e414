"""Conflict checks beyond the default through HTTP: agencies added to the search stay in its
address, and the pre-check on one named reviewer."""

from __future__ import annotations

from datetime import date

from portal.applications.models import DeclaredInterest, InterestKind
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations.models import OrganisationKind, PartnershipMember
from tests.conftest import SERVICE_NAME
from tests.factories import make_entry, make_organisation, make_record, make_user
from tests.functional.test_query_counts import counting
from tests.support import error_messages, page_checks, sign_in_as


def _reviewer(name: str, declared=None):
    user = make_user(name=name, roles=[Role.REVIEWER])
    record = make_record(user=user)
    make_entry(user)
    if declared is not None:
        db.session.add(
            DeclaredInterest(
                application_id=record.application_id,
                user_id=user.id,
                organisation_id=declared.id,
                kind=InterestKind.EMPLOYED,
                started_on=date(2020, 9, 1),
            )
        )
        db.session.commit()
    return user, record


def test_agencies_in_the_address_leave_out_reviewers_who_declared_them(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))
    school = make_organisation(name="Invented Primary School")
    _reviewer("Sally School", declared=school)
    _reviewer("Free Frank")
    soup = page_checks(
        client.get(f"/register/search?agency={school.id}&agency=&agency=junk"),
        service_name=SERVICE_NAME,
    )
    text = " ".join(soup.get_text().split())
    assert "Free Frank" in text and "Sally School" not in text
    assert "1 reviewer was left out" in text and "Invented Primary School" in text
    kept = soup.find("input", attrs={"type": "hidden", "name": "agency", "value": str(school.id)})
    assert kept is not None
    remove = next(a for a in soup.select("a") if a.get_text().startswith("Remove"))
    assert f"agency={school.id}" not in str(remove["href"])


def test_the_pre_check_says_no_conflict_or_lists_each_with_dates(client):
    partnership = make_organisation(name="Invented Vale Partnership")
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    page_checks(client.get("/register/conflict-check"), service_name=SERVICE_NAME)
    _, clear = _reviewer("Clara Clear")
    soup = page_checks(
        client.get(f"/register/conflict-check?number={clear.number}"), service_name=SERVICE_NAME
    )
    assert "No conflict found" in soup.get_text()
    _, linked = _reviewer("Lenny Linked", declared=partnership)
    soup = page_checks(
        client.get(f"/register/conflict-check?number={linked.number}"), service_name=SERVICE_NAME
    )
    text = " ".join(soup.get_text().split())
    assert "1 conflict of interest found" in text
    assert "Invented Vale Partnership Employed by it from 1 September 2020 continuing" in text


def test_the_pre_check_explains_a_wrong_or_missing_number_and_keeps_it(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))
    soup = page_checks(
        client.get("/register/conflict-check?number=CSPR-1999-00000"), service_name=SERVICE_NAME
    )
    assert "This number is not on the register" in error_messages(soup)
    assert soup.find("input", attrs={"name": "number"})["value"] == "CSPR-1999-00000"
    empty = page_checks(client.get("/register/conflict-check?number="), service_name=SERVICE_NAME)
    assert "Enter an accreditation number" in error_messages(empty)


def test_a_search_with_agencies_runs_the_same_queries_for_3_reviewers_as_for_30(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))
    agencies = [make_organisation() for _ in range(3)]
    for i in range(3):
        _reviewer(f"Small {i}", declared=agencies[i % 3])
    url = "/register/search?" + "&".join(f"agency={a.id}" for a in agencies) + "&show_conflicts=1"
    client.get(url)
    db.session.expire_all()
    with counting() as small:
        assert client.get(url).status_code == 200
    for i in range(27):
        _reviewer(f"Large {i}", declared=agencies[i % 3] if i % 2 else None)
    db.session.expire_all()
    with counting() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), "\n".join(large)


def _partnership_with_partners(name: str = "Invented Shire"):
    partnership = make_organisation(name=f"{name} Safeguarding Children Partnership")
    partners = [
        make_organisation(name=f"{name} Council", kind=OrganisationKind.LOCAL_AUTHORITY),
        make_organisation(name=f"NHS {name} Integrated Care Board", kind=OrganisationKind.ICB),
        make_organisation(name=f"{name} Police", kind=OrganisationKind.POLICE),
    ]
    for agency in partners:
        db.session.add(
            PartnershipMember(partnership_id=partnership.id, agency_id=agency.id, statutory=True)
        )
    db.session.commit()
    return partnership, partners


def test_the_search_note_says_why_each_reviewer_was_left_out(client):
    partnership, (_council, _icb, police) = _partnership_with_partners()
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    _reviewer("Pete Police", declared=police)
    _reviewer("Free Frank")
    soup = page_checks(client.get("/register/search"), service_name=SERVICE_NAME)
    text = " ".join(soup.get_text().split())
    assert "Free Frank" in text and "Pete Police" not in text
    assert (
        "1 reviewer declared Invented Shire Police (statutory partner of Invented Shire "
        "Safeguarding Children Partnership) within the last 3 years"
    ) in text
    counted = [li.get_text(strip=True) for li in soup.select(".govuk-details__text li")]
    assert counted[0] == partnership.name and len(counted) == 4


def test_the_case_agency_picker_groups_organisations_by_kind_and_leaves_out_the_own(client):
    partnership, (council, icb, police) = _partnership_with_partners()
    school = make_organisation(name="Invented Academy Trust", kind=OrganisationKind.SCHOOL)
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    soup = page_checks(
        client.get(f"/register/search?agency={school.id}"), service_name=SERVICE_NAME
    )
    groups = {
        str(group["label"]): [option.get_text() for option in group.select("option")]
        for group in soup.select("select#agency optgroup")
    }
    assert groups["Police forces"] == [police.name]
    assert groups["Local authorities"] == [council.name]
    assert groups["NHS integrated care boards"] == [icb.name]
    assert "Schools and academy trusts" not in groups  # the one school is added already
    assert partnership.name not in groups.get("Safeguarding partnerships", [])


def test_the_pre_check_names_a_member_agency_and_how_it_counts(client):
    partnership, (_council, icb, _police) = _partnership_with_partners()
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    _, record = _reviewer("Nina Nhs", declared=icb)
    soup = page_checks(
        client.get(f"/register/conflict-check?number={record.number}"), service_name=SERVICE_NAME
    )
    text = " ".join(soup.get_text(" ").split())
    assert "1 conflict of interest found" in text
    assert (
        "NHS Invented Shire Integrated Care Board Statutory partner of Invented Shire "
        "Safeguarding Children Partnership Employed by it from 1 September 2020 continuing"
    ) in text


def test_the_search_runs_the_same_queries_with_3_or_300_agencies(client):
    partnership, partners = _partnership_with_partners()
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=partnership))
    for i in range(3):
        _reviewer(f"Small {i}", declared=partners[i])
    _reviewer("Small free")
    cases = [
        make_organisation(name=f"Invented Case School {i}", kind=OrganisationKind.SCHOOL)
        for i in range(2)
    ]
    url = "/register/search?" + "&".join(f"agency={a.id}" for a in cases)
    client.get(url)
    db.session.expire_all()
    with counting() as small:
        assert client.get(url).status_code == 200
    kinds = [kind for kind in OrganisationKind if kind.is_agency]
    for i in range(300):
        agency = make_organisation(name=f"Invented Agency {i}", kind=kinds[i % len(kinds)])
        if i % 2:
            db.session.add(PartnershipMember(partnership_id=partnership.id, agency_id=agency.id))
        if i % 10 == 0:
            _reviewer(f"Large {i}", declared=agency)
    db.session.commit()
    db.session.expire_all()
    with counting() as large:
        response = client.get(url)
        assert response.status_code == 200
    assert len(large) == len(small), "\n".join(large)
    assert "Invented Agency 299" in response.get_data(as_text=True)
