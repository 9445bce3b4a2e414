"""The taxonomy of system conditions: the shipped version is valid, and every problem in a
file is reported at once."""

from __future__ import annotations

import pytest

from portal.core.documents import DocumentInvalid
from portal.reporting.conditions import (
    CONDITIONS_DIR,
    condition_files,
    parse_conditions,
    read_conditions,
)

pytestmark = pytest.mark.no_db


def test_the_shipped_taxonomy_is_valid_and_covers_the_conditions_the_study_names():
    document = read_conditions(CONDITIONS_DIR / "2026.1.yaml")
    assert document.version == "2026.1"
    codes = {c.code for c in document.conditions}
    assert {
        "workload",
        "information-sharing",
        "thresholds",
        "supervision-culture",
        "commissioning",
        "structural",
        "professional-curiosity",
        "multi-agency",
        "early-help",
    } <= codes
    assert all(c.description for c in document.conditions)
    assert condition_files()[-1].name == "2026.1.yaml"


def test_the_checksum_follows_the_content():
    good = {
        "version": "1",
        "title": "T",
        "conditions": [{"code": "ab", "label": "A", "description": "D"}],
    }
    changed = {**good, "title": "Other"}
    assert parse_conditions(good).checksum == parse_conditions(dict(good)).checksum
    assert parse_conditions(good).checksum != parse_conditions(changed).checksum


def test_every_problem_is_reported_at_once():
    with pytest.raises(DocumentInvalid) as caught:
        parse_conditions(
            {
                "version": "bad version!",
                "conditions": [
                    {"code": "Workload", "label": "Workload", "description": "x"},
                    {"code": "early-help", "label": "workload", "description": ""},
                    {"code": "early-help", "label": "Early help", "description": "y", "colour": 1},
                    "not a mapping",
                    {"code": "x" * 50, "label": "L" * 130, "description": "d" * 1001},
                ],
            }
        )
    problems = caught.value.problems
    assert "the file: version 'bad version!' may use letters, digits, '.' and '-'" in problems
    assert "the file: 'title' is missing" in problems
    assert "condition 1: code 'Workload' must be lower-case letters, digits and hyphens" in problems
    assert "condition 2: 'description' is missing" in problems
    assert "condition 2: label 'workload' appears twice" in problems
    assert "condition 3: code early-help appears twice" in problems
    assert "condition 3: unknown keys colour" in problems
    assert "condition 4: not a mapping" in problems
    assert "condition 5: the label is longer than 120 characters" in problems
    assert "condition 5: the description is longer than 1000 characters" in problems


@pytest.mark.parametrize("document", [None, [], "text", {"version": "1", "title": "T"}])
def test_a_file_that_is_not_a_taxonomy_is_refused(document):
    with pytest.raises(DocumentInvalid):
        parse_conditions(document)
