import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.documents import DocumentInvalid
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations import reference, services
from portal.organisations.models import Organisation, OrganisationName, Region
from tests.factories import count, make_organisation, make_user

DOCUMENT = {
    "version": "test-1",
    "regions": [{"code": "R1", "name": "Northern Invented"}, {"code": "R2", "name": "Southern"}],
    "partnerships": [
        {"code": "alpha", "name": "Alpha Safeguarding Children Partnership", "region": "R1"},
        {"code": "beta", "name": "Beta Safeguarding Children Partnership", "region": "R2"},
    ],
    "government": [{"code": "ministry", "name": "Invented Ministry"}],
}


def test_the_shipped_reference_file_is_valid():
    data = reference.read()
    assert len(data.regions) == 9
    partnerships = [o for o in data.organisations if o.kind == "partnership"]
    assert len(partnerships) > 140
    assert all(o.region for o in partnerships)


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
    assert (report.added, report.regions_added) == (3, 2)
    renamed = {
        **DOCUMENT,
        "partnerships": [
            {"code": "alpha", "name": "Alpha and Gamma Partnership", "region": "R1"},
            DOCUMENT["partnerships"][1],
        ],
    }
    again = services.load_reference_data(reference.parse(renamed))
    assert (again.added, again.renamed, again.unchanged) == (0, 1, 2)
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
