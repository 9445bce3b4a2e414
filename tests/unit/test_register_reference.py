"""The register's reference lists: the shipped file is valid, and every problem is reported."""

from __future__ import annotations

import copy

import pytest

from portal.core.documents import DocumentInvalid
from portal.register import reference

pytestmark = pytest.mark.no_db

GOOD = {
    "version": "test-1",
    "specialisms": [
        {"code": "neglect", "name": "Neglect"},
        {"code": "old-theme", "name": "An old theme", "retired": True},
    ],
    "methodologies": [{"code": "silp", "name": "SILP"}],
    "languages": [{"code": "en", "name": "English"}, {"code": "cy", "name": "Welsh"}],
    "day_rate_bands": [{"code": "band-a", "name": "Up to £500 a day"}],
    "travel": [{"code": "anywhere", "name": "Anywhere in England"}],
}


def test_the_shipped_reference_file_is_valid_and_has_the_lists_partnerships_filter_by():
    data = reference.read()
    assert data.version
    specialisms = data.specialisms.codes()
    assert {"neglect", "child-sexual-abuse", "extra-familial-harm", "infant-deaths"} <= specialisms
    assert {"domestic-abuse", "disabled-children", "mental-health", "exploitation"} <= specialisms
    assert "online-harm" in specialisms
    assert "silp" in data.methodologies.codes()
    assert "appreciative-inquiry" in data.methodologies.codes()
    assert data.languages.name_of("cy") == "Welsh"
    assert len(data.day_rate_bands.choices()) >= 3


def test_a_retired_term_keeps_its_name_but_cannot_be_chosen():
    data = reference.parse(GOOD)
    assert ("old-theme", "An old theme") not in data.specialisms.choices()
    assert "old-theme" not in data.specialisms.codes()
    assert data.specialisms.name_of("old-theme") == "An old theme"
    assert data.specialisms.name_of("unknown") == "unknown"


def test_names_come_in_the_reference_files_order():
    data = reference.parse(GOOD)
    assert data.languages.names_of(["cy", "en"]) == ["English", "Welsh"]


def test_every_problem_is_reported_at_once():
    document = copy.deepcopy(GOOD)
    document["specialisms"].append({"code": "neglect", "name": "Neglect again"})
    document["methodologies"].append({"code": "Bad Code", "name": "SILP"})
    document["languages"].append({"code": "fr", "name": "French", "retired": "yes"})
    del document["travel"]
    with pytest.raises(DocumentInvalid) as raised:
        reference.parse(document)
    problems = raised.value.problems
    assert "specialisms row 3: code neglect appears twice" in problems
    assert any("'Bad Code' must be lower-case" in p for p in problems)
    assert any("name 'SILP' appears twice" in p for p in problems)
    assert any("'retired' must be true or false" in p for p in problems)
    assert any("'travel' must be a non-empty list" in p for p in problems)


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(DocumentInvalid):
        reference.parse(["not", "a", "mapping"])
