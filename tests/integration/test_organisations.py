import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.documents import DocumentInvalid
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations import queries, reference, services
from portal.organisations.models import Organisation, OrganisationKind, OrganisationName, Region
from tests.factories import count, make_organisation, make_user

DOCUMENT = {
    "version": "test-1",
    "regions": [{"code": "R1", "name": "Northern Invented"}, {"code": "R2", "name": "Southern"}],
    "partnerships": [
        {"code": "alpha", "name": "Alpha Safeguarding Children Partnership", "region": "R1"},
        {"code": "beta", "name": "Beta Safeguarding Children Partnership", "region": "R2"},
    ],
    "government": [{"code": "ministry", "name": "Invented Ministry"}],
    "local_authorities": [
        {"code": "alpha-council", "name": "Alpha Invented Council", "partnerships": ["alpha"]},
        {"code": "beta-council", "name": "Beta Invented Council", "partnerships": ["beta"]},
    ],
    "integrated_care_boards": [
        {
            "code": "ab-icb",
            "name": "NHS Invented Integrated Care Board",
            "partnerships": ["alpha", "beta"],
        },
    ],
    "police_forces": [
        {"code": "ab-police", "name": "Invented Constabulary", "partnerships": ["alpha", "beta"]},
    ],
}


def test_the_shipped_reference_file_is_valid():
    data = reference.read()
    assert len(data.regions) == 9
    partnerships = [o for o in data.organisations if o.kind == "partnership"]
    assert len(partnerships) == 153
    assert all(o.region for o in partnerships)


def test_every_shipped_partnership_has_its_three_statutory_partners():
    data = reference.read()
    by_kind: dict[str, list[reference.OrganisationRow]] = {}
    for row in data.agencies:
        by_kind.setdefault(row.kind, []).append(row)
    # Every upper-tier council, the 42 integrated care boards, the 39 police forces in England.
    assert {kind: len(rows) for kind, rows in by_kind.items()} == {
        "local_authority": 153,
        "icb": 42,
        "police_force": 39,
    }
    partnerships = {o.code for o in data.organisations if o.kind == "partnership"}
    for kind, rows in by_kind.items():
        served = [code for row in rows for code in row.partnerships]
        assert set(served) == partnerships, f"{kind}: {partnerships - set(served)}"
        if kind != "icb":
            # One council and one police force for each area; a few areas have two boards.
            assert len(served) == len(partnerships), kind
    leeds = {row.name for row in data.agencies if "leeds" in row.partnerships}
    assert leeds == {
        "Leeds City Council",
        "NHS West Yorkshire Integrated Care Board",
        "West Yorkshire Police",
    }
    london = [row for row in by_kind["police_force"] if row.name == "Metropolitan Police Service"]
    assert len(london[0].partnerships) == 32
    assert all(row.name.startswith("NHS ") for row in by_kind["icb"])


def test_a_partnership_without_its_three_statutory_partners_is_refused():
    missing_police = {
        **DOCUMENT,
        "police_forces": [
            {"code": "ab-police", "name": "Invented Constabulary", "partnerships": ["alpha"]},
        ],
    }
    with pytest.raises(DocumentInvalid) as caught:
        reference.parse(missing_police)
    assert caught.value.problems == [
        "partnerships row 2 (beta): no police force among its statutory partners"
    ]
    no_agencies = {
        key: value
        for key, value in DOCUMENT.items()
        if key in {"version", "regions", "partnerships"}
    }
    with pytest.raises(DocumentInvalid) as caught:
        reference.parse(no_agencies)
    assert caught.value.problems == [
        "partnerships row 1 (alpha): no local authority and no integrated care board and no "
        "police force among its statutory partners",
        "partnerships row 2 (beta): no local authority and no integrated care board and no "
        "police force among its statutory partners",
    ]


def test_every_bad_agency_row_is_reported_at_once():
    bad = {
        **DOCUMENT,
        "local_authorities": [
            *DOCUMENT["local_authorities"],
            {"code": "Bad Code", "name": "Gamma Council", "partnerships": ["alpha"]},
            {"code": "alpha-council", "name": "Alpha Invented Council", "partnerships": ["gamma"]},
            {"code": "delta-council", "name": "Delta Council", "partnerships": []},
            {"code": "ministry", "name": "Epsilon Council", "partnerships": ["beta", "beta"]},
            "not a row",
        ],
    }
    with pytest.raises(DocumentInvalid) as caught:
        reference.parse(bad)
    assert caught.value.problems == [
        "local_authorities row 3: code 'Bad Code' must be lower-case letters, digits, -",
        "local_authorities row 4: code alpha-council appears twice",
        "local_authorities row 4: name 'Alpha Invented Council' appears twice",
        "local_authorities row 4: partnership 'gamma' is not one of the partnerships",
        "local_authorities row 5: 'partnerships' must be a non-empty list",
        "local_authorities row 6: code ministry appears twice",
        "local_authorities row 6: partnership beta appears twice",
        "local_authorities row 7: not a mapping",
    ]


def test_the_agencies_can_come_from_their_own_file(tmp_path):
    import yaml

    main = tmp_path / "organisations.yaml"
    agencies = tmp_path / "agencies.yaml"
    keys = {"version", "regions", "partnerships", "government"}
    main.write_text(yaml.safe_dump({k: v for k, v in DOCUMENT.items() if k in keys}))
    agencies.write_text(yaml.safe_dump({k: v for k, v in DOCUMENT.items() if k not in keys}))
    data = reference.read(main, agencies)
    assert {row.code for row in data.agencies} == {
        "alpha-council",
        "beta-council",
        "ab-icb",
        "ab-police",
    }
    # An agency sits in a region only when every partnership it serves does.
    regions = {row.code: row.region for row in data.agencies}
    assert regions["alpha-council"] == "R1" and regions["ab-police"] is None


def test_loading_links_each_partnership_to_its_statutory_partners_and_follows_changes():
    report = services.load_reference_data(reference.parse(DOCUMENT))
    assert (report.added, report.members_added, report.members_removed) == (7, 6, 0)
    beta = db.session.scalar(sa.select(Organisation).where(Organisation.code == "beta"))
    police = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ab-police"))
    assert police.kind is OrganisationKind.POLICE
    members = {o.name for o in queries.member_agencies(beta)}
    assert members == {
        "Beta Invented Council",
        "NHS Invented Integrated Care Board",
        "Invented Constabulary",
    }

    # Beta's police force changes: the old link goes, the new one comes; a link an
    # administrator made stays.
    school = services.add_agency(
        None, name="Invented Academy Trust", kind=OrganisationKind.SCHOOL, partnership_ids=[beta.id]
    )
    moved = {
        **DOCUMENT,
        "police_forces": [
            {"code": "ab-police", "name": "Invented Constabulary", "partnerships": ["alpha"]},
            {"code": "b-police", "name": "Beta Invented Police", "partnerships": ["beta"]},
        ],
    }
    again = services.load_reference_data(reference.parse(moved))
    assert (again.added, again.members_added, again.members_removed) == (1, 1, 1)
    members = {o.name for o in queries.member_agencies(beta)}
    assert members == {
        "Beta Invented Council",
        "NHS Invented Integrated Care Board",
        "Beta Invented Police",
        school.name,
    }
    assert "unlinked" in db.session.scalar(
        sa.select(AuditEvent.summary)
        .where(AuditEvent.action == "organisations.loaded")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def test_loading_refuses_a_code_already_used_for_another_kind():
    make_organisation(code="ab-police", kind=OrganisationKind.SCHOOL, name="Invented School")
    with pytest.raises(DomainError, match="ab-police is a school or academy trust here"):
        services.load_reference_data(reference.parse(DOCUMENT))
    assert count(Organisation) == 1


def test_an_administrator_adds_an_agency_with_the_partnerships_it_works_with():
    admin = make_user()
    alpha, beta = make_organisation(), make_organisation()
    agency = services.add_agency(
        admin,
        name="  Invented   Hospital NHS Trust ",
        kind=OrganisationKind.NHS_TRUST,
        partnership_ids=[alpha.id, beta.id],
    )
    assert agency.name == "Invented Hospital NHS Trust"
    assert agency.code == "invented-hospital-nhs-trust"
    assert agency.region_code == alpha.region_code
    assert {o.id for o in queries.member_agencies(alpha)} == {agency.id}
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "organisation.added")
    )
    assert event.actor_id == admin.id and "Invented Hospital NHS Trust" in event.summary
    second = services.add_agency(
        admin,
        name="Invented Hospital NHS Trust (2)",
        kind=OrganisationKind.NHS_TRUST,
        partnership_ids=[],
    )
    assert second.code == "invented-hospital-nhs-trust-2"

    services.set_agency_partnerships(admin, agency, [beta.id])
    assert queries.member_agencies(alpha) == []
    assert count(AuditEvent, AuditEvent.action == "organisation.partnerships_changed") == 1


@pytest.mark.parametrize(
    ("name", "kind", "field", "message"),
    [
        ("", OrganisationKind.SCHOOL, "name", "Enter the agency's name"),
        ("x" * 201, OrganisationKind.SCHOOL, "name", "200 characters"),
        ("Taken Partnership", OrganisationKind.SCHOOL, "name", "already has that name"),
        ("Invented School", OrganisationKind.PARTNERSHIP, "kind", "kind of agency"),
        ("Invented School", OrganisationKind.GOVERNMENT, "kind", "kind of agency"),
    ],
)
def test_adding_an_agency_checks_its_name_and_kind(name, kind, field, message):
    make_organisation(name="Taken Partnership")
    with pytest.raises(DomainError, match=message) as raised:
        services.add_agency(None, name=name, kind=kind, partnership_ids=[])
    assert raised.value.field == field


def test_an_agency_works_only_with_current_partnerships():
    merged, current = make_organisation(), make_organisation()
    services.merge_organisations(None, merged, current)
    ministry = make_organisation(kind=OrganisationKind.GOVERNMENT, name="Invented Office")
    for ids in ([merged.id], [ministry.id], [999999]):
        with pytest.raises(DomainError, match="current safeguarding partnerships"):
            services.add_agency(
                None, name="Invented School", kind=OrganisationKind.SCHOOL, partnership_ids=ids
            )


def test_agencies_are_renamed_and_merged_like_other_organisations():
    old = make_organisation(name="Invented Old Trust", kind=OrganisationKind.SCHOOL)
    new = make_organisation(name="Invented New Trust", kind=OrganisationKind.SCHOOL)
    police = make_organisation(name="Invented Police", kind=OrganisationKind.POLICE)
    services.rename_organisation(None, old, "Invented Older Trust")
    services.merge_organisations(None, old, new)
    assert old.merged_into == new
    with pytest.raises(DomainError, match="same kind"):
        services.merge_organisations(None, new, police)


def test_every_problem_in_a_reference_file_is_reported_at_once():
    bad = {
        "version": "x",
        "regions": [{"code": "R1", "name": "One"}],
        "partnerships": [
            {"code": "Bad Code", "name": "A", "region": "R1"},
            {"code": "ok", "name": "B", "region": "R9"},
            {"code": "ok", "name": "C", "region": "R1"},
        ],
    }
    with pytest.raises(DocumentInvalid) as caught:
        reference.parse(bad)
    text = " ".join(caught.value.problems)
    assert "Bad Code" in text
    assert "R9" in text
    assert "appears twice" in text


def test_loading_adds_then_renames_without_losing_history():
    report = services.load_reference_data(reference.parse(DOCUMENT))
    assert (report.added, report.regions_added) == (7, 2)
    renamed = {
        **DOCUMENT,
        "partnerships": [
            {"code": "alpha", "name": "Alpha and Gamma Partnership", "region": "R1"},
            DOCUMENT["partnerships"][1],
        ],
    }
    again = services.load_reference_data(reference.parse(renamed))
    assert (again.added, again.renamed, again.unchanged) == (0, 1, 6)
    alpha = db.session.scalar(sa.select(Organisation).where(Organisation.code == "alpha"))
    names = db.session.scalars(
        sa.select(OrganisationName.name).where(OrganisationName.organisation_id == alpha.id)
    ).all()
    assert set(names) == {"Alpha Safeguarding Children Partnership", "Alpha and Gamma Partnership"}
    assert count(Region) == 2


def test_rename_refuses_a_name_another_organisation_has():
    make_organisation(name="Taken Partnership")
    org = make_organisation()
    with pytest.raises(DomainError):
        services.rename_organisation(None, org, "taken partnership")


def test_merge_moves_people_and_keeps_the_old_organisation():
    source = make_organisation()
    target = make_organisation()
    person = make_user(organisation=source)
    moved = services.merge_organisations(None, source, target)
    db.session.refresh(person)
    assert moved == 1
    assert person.organisation_id == target.id
    assert source.merged_into == target
    assert not source.is_active
    assert count(AuditEvent, AuditEvent.action == "organisation.merged") == 1


def test_merge_into_a_merged_or_different_kind_of_organisation_is_refused():
    from portal.organisations.models import OrganisationKind

    source, target, other = make_organisation(), make_organisation(), make_organisation()
    services.merge_organisations(None, target, other)
    with pytest.raises(DomainError):
        services.merge_organisations(None, source, target)
    ministry = make_organisation(kind=OrganisationKind.GOVERNMENT, name="Invented Office")
    with pytest.raises(DomainError):
        services.merge_organisations(None, source, ministry)
    with pytest.raises(DomainError):
        services.merge_organisations(None, source, source)
