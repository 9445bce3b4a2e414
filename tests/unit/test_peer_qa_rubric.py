"""The QA rubric as data: the shipped version is valid, and a broken one reports every problem."""

from __future__ import annotations

import copy

import pytest

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, read_yaml
from portal.peer_qa.schema import parse_rubric, rubric_files

SHIPPED = CONFIG_DIR / "peer_qa" / "rubric" / "2026.1.yaml"


def _shipped() -> dict:
    return copy.deepcopy(read_yaml(SHIPPED))


def _problems(document: object) -> list[str]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_rubric(document)
    return caught.value.problems


@pytest.mark.no_db
def test_the_shipped_rubric_separates_the_reviewers_markers_from_the_partnerships():
    rubric = parse_rubric(read_yaml(SHIPPED))
    reviewer = {m.title for m in rubric.of("reviewer")}
    partnership = {m.title for m in rubric.of("partnership")}
    assert {
        "Influence on scope and method",
        "Parallel processes",
        "Assembling information",
        "Family involvement",
        "The report",
    } <= reviewer
    assert {"Referral", "Decision making", "Governance", "Publication"} <= partnership
    assert any("Hindsight" in t for t in reviewer)
    assert any("structural" in t.lower() for t in reviewer)
    assert any("traceable" in t.lower() for t in reviewer)
    assert all(len(m.descriptors) == 4 for m in rubric.markers)
    assert [level.label for level in rubric.overall] == [
        "Inadequate",
        "Requires improvement",
        "Good",
        "Outstanding",
    ]
    assert tuple(rubric.confidence) == ("low", "medium", "high")
    assert rubric_files() == [SHIPPED]


@pytest.mark.no_db
def test_a_broken_rubric_reports_every_problem_at_once():
    document = _shipped()
    document["version"] = "2026 one"
    document["scale"][1]["level"] = 5
    document["overall"]["pass_from"] = 9
    document["confidence"] = [{"code": "high", "label": "High"}]
    first, second, third = document["markers"][:3]
    first["code"] = "X1"
    second["responsibility"] = "partnership"
    del third["descriptors"][4]
    third["sources"] = ["nowhere"]
    del document["markers"][3]["guidance"]
    document["markers"].append(copy.deepcopy(document["markers"][4]))
    problems = _problems(document)
    expected = [
        "rubric: 'version' must be letters, digits, dots or hyphens",
        "scale row 2: levels must run 1, 2, 3 ... in order (found 5)",
        "overall: 'pass_from' must be a grade from 1 to 4",
        "confidence: the codes must be low, medium and high, in that order",
        "marker X1: code must be R or P and two digits (R01, P02)",
        "marker R02: a partnership marker's code starts with P",
        "marker R03: give one descriptor for each level of the scale",
        "marker R03: unknown sources nowhere",
        "marker R04: 'guidance' is missing",
        "marker R05: marker R05 appears twice",
    ]
    for problem in expected:
        assert problem in problems, problems
    assert len(problems) == len(expected)


@pytest.mark.no_db
def test_a_rubric_needs_markers_of_both_kinds_and_a_mapping():
    document = _shipped()
    document["markers"] = [m for m in document["markers"] if m["responsibility"] == "reviewer"]
    assert _problems(document) == ["rubric: there must be at least one partnership marker"]
    assert _problems(["not", "a", "mapping"]) == ["a rubric file must be a mapping"]
    assert "rubric: 'overall' must give the overall grade's scale and pass_from" in _problems(
        {k: v for k, v in _shipped().items() if k != "overall"}
    )
