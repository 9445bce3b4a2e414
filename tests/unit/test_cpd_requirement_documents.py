"""CPD requirement documents: the shipped one is valid, and each kind of mistake is reported."""

from __future__ import annotations

import copy

import pytest

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, read_yaml
from portal.cpd.schema import parse_requirements, requirement_files

pytestmark = pytest.mark.no_db

SHIPPED = CONFIG_DIR / "cpd" / "cspr" / "2026.1.yaml"


def raw():
    return copy.deepcopy(read_yaml(SHIPPED))


def problems(document) -> list[str]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_requirements(document)
    return caught.value.problems


def test_the_shipped_requirements_are_valid_with_hours_off():
    document = parse_requirements(read_yaml(SHIPPED))
    assert (document.scheme, document.version) == ("cspr", "2026.1")
    assert document.records_per_year == 2
    assert document.peer_discussions_per_year == 1
    assert [a.domains for a in document.areas] == [("EEDI",), ("SYS",), ("FAM",)]
    assert not document.hours.required
    assert (document.hours.total, document.hours.participatory) == (35, 20)
    assert document.reminder_days == (90, 30, 7)
    assert set(document.sources) >= {"swe", "nmc"}
    assert requirement_files("cspr") == [SHIPPED]


def test_the_checksum_changes_with_the_content():
    changed = raw()
    changed["each_year"]["records"] = 3
    assert parse_requirements(changed).checksum != parse_requirements(raw()).checksum


def test_every_problem_is_reported_at_once():
    document = raw()
    del document["version"]
    document["each_year"] = {"records": 1, "peer_discussion": 2, "sources": ["nowhere"]}
    document["over_term"]["areas"][0]["domains"] = ["eedi"]
    document["over_term"]["areas"][1]["domains"] = []
    document["over_term"]["hours"] = {"required": True, "total": 35, "participatory": 40.1}
    document["reminders"] = {"days_before_year_end": [90, 90, 0]}
    found = problems(document)
    expected = [
        "requirements: 'version' is missing",
        "each_year: 'peer_discussion' cannot be more than 'records'",
        "each_year: unknown sources nowhere",
        "area eedi: not framework codes: eedi",
        "area systems: name at least one domain or competency",
        "hours: 'participatory' must be in quarter hours",
        "hours: 'participatory' cannot be more than 'total'",
        "reminders: 'days_before_year_end' must be whole days from 1 to 366",
    ]
    for message in expected:
        assert message in found, found


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(each_year=[]), "'each_year' must be a mapping"),
        (lambda d: d["each_year"].update(records=-1), "'records' must be a whole number"),
        (lambda d: d["over_term"].update(hours={"total": 3}), "'required: true'"),
        (lambda d: d["over_term"]["areas"].append(d["over_term"]["areas"][0]), "appears twice"),
        (lambda d: d.update(version="1 0"), "'version' must be letters"),
        (lambda d: d.update(sources=[]), "'sources' must be a non-empty list"),
    ],
)
def test_each_mistake_is_named(change, message):
    document = raw()
    change(document)
    assert any(message in p for p in problems(document)), problems(document)


def test_a_document_that_is_not_a_mapping_is_refused():
    assert problems(["a list"]) == ["a CPD requirements file must be a mapping"]
