"""The recommendation rules document: the shipped version is valid, every kind of mistake is
reported at once, and the newest version is the current one."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
import yaml

from portal.core.documents import DocumentInvalid, read_yaml
from portal.peer_qa import recommendation_rules
from portal.peer_qa.recommendation_rules import (
    CLASSES,
    RULES_DIR,
    current_rules,
    load_rules,
    parse_rules,
    rules_files,
    word_regex,
)

pytestmark = pytest.mark.no_db

SHIPPED = RULES_DIR / "2026.1.yaml"


def raw():
    return copy.deepcopy(read_yaml(SHIPPED))


def problems(document) -> list[str]:
    with pytest.raises(DocumentInvalid) as caught:
        parse_rules(document)
    return caught.value.problems


def test_the_shipped_rules_are_valid_and_current():
    rules = load_rules(SHIPPED)
    assert rules.version == "2026.1"
    assert [o.code for o in rules.classes.options] == list(CLASSES)
    assert rules.classes.tie_break == ("national", "training", "procedure", "system")
    assert rules.strength.tie_break == ("weak", "medium", "strong")
    assert all(o.signals for o in rules.classes.options)
    assert rules.admonishment.signals and rules.owner.signals and rules.measurable.signals
    assert rules.report.chronology and rules.report.analysis
    assert {"study-2025", "action-hierarchy"} <= set(rules.sources)
    assert current_rules() == rules
    assert current_rules() is current_rules()  # read once


def test_the_newest_version_is_current_comparing_numbers_as_numbers(tmp_path):
    for name in ("2026.1", "2026.10", "2026.9", "2025.3"):
        (tmp_path / f"{name}.yaml").write_text("x: 1\n")
    assert [p.stem for p in rules_files(tmp_path)] == ["2025.3", "2026.1", "2026.9", "2026.10"]


def test_current_rules_reads_the_newest_file(tmp_path, monkeypatch):
    newer = raw()
    newer["version"] = "2026.2"
    (tmp_path / "2026.1.yaml").write_text(SHIPPED.read_text())
    (tmp_path / "2026.2.yaml").write_text(yaml.safe_dump(newer))
    monkeypatch.setattr(recommendation_rules, "RULES_DIR", tmp_path)
    current_rules.cache_clear()
    try:
        assert current_rules().version == "2026.2"
    finally:
        current_rules.cache_clear()


def test_no_rules_at_all_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(recommendation_rules, "RULES_DIR", tmp_path)
    current_rules.cache_clear()
    try:
        with pytest.raises(DocumentInvalid, match="no recommendation rules"):
            current_rules()
    finally:
        current_rules.cache_clear()


def test_the_checksum_follows_the_content():
    changed = raw()
    changed["classes"]["options"][0]["signals"][0]["weight"] = 1
    assert parse_rules(changed).checksum != parse_rules(raw()).checksum
    assert parse_rules(raw()).checksum == load_rules(SHIPPED).checksum


def test_every_problem_is_reported_at_once():
    document = raw()
    del document["version"]
    document["classes"]["options"] = document["classes"]["options"][:3]  # national missing
    document["classes"]["tie_break"] = ["training", "system"]
    document["target_levels"]["default"] = "galaxy"
    document["target_levels"]["subject_factor"] = 7
    document["target_levels"]["modal"] = "(unclosed"
    document["strength"]["options"][0]["signals"] = [
        {"words": ["train*"], "weight": 0},
        {"pattern": "[broken", "weight": 2},
        {"words": ["x"], "pattern": "y", "weight": 1},
        {"pattern": "a*", "weight": 1},
        {"words": ["*wild"], "weight": 1},
    ]
    document["admonishment"]["threshold"] = 0
    document["owner"]["bodies"] = [3]
    document["measurable"]["signals"] = []
    document["report"]["min_words"] = "many"
    found = problems(document)
    expected = [
        "rules: 'version' is missing",
        "classes: option 'national' is missing",
        "classes: 'tie_break' must list each of",
        "target_levels: 'default' must be one of",
        "'subject_factor' must be a number from 0 to 3",
        "'modal' is not a valid regular expression",
        "'weight' must be a whole number from 1 to 10",
        "not a valid regular expression",
        "give either 'words' or 'pattern'",
        "the pattern matches empty text",
        "'*' may only end a word",
        "admonishment: 'threshold' must be a whole number",
        "owner: not names of bodies: 3",
        "measurable: 'signals' must be a non-empty list",
        "report: 'min_words' must be a whole number",
    ]
    for text in expected:
        assert any(text in p for p in found), (text, found)


def test_duplicates_unknown_codes_and_placeholders_are_reported():
    document = raw()
    document["classes"]["options"][0]["signals"].append({"words": ["TRAIN*"], "weight": 2})
    extra = copy.deepcopy(document["classes"]["options"][1])
    extra["code"] = "exhortation"
    document["classes"]["options"].append(extra)
    document["target_levels"]["options"][0]["after_class"] = {"wishful": 3, "training": 99}
    document["measurable"]["signals"].append({"pattern": r"\b{body}\b", "weight": 1})
    document["report"]["analysis"]["signals"].append(
        {"pattern": "because", "weight": 1, "note": ""}
    )
    found = problems(document)
    for text in (
        "'TRAIN*' appears twice",
        "code must be one of training, procedure, system, national",
        "'after_class' names an unknown class wishful",
        "the weight for class training must be a whole number from 1 to 10",
        "'{body}' only works in 'owner'",
        "'note' must be text",
    ):
        assert any(text in p for p in found), (text, found)


def test_a_file_that_is_not_a_mapping_or_not_yaml_is_refused(tmp_path):
    with pytest.raises(DocumentInvalid, match="must be a mapping"):
        parse_rules(["a", "list"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("classes: [unclosed\n")
    with pytest.raises(DocumentInvalid, match=r"cannot read broken\.yaml"):
        load_rules(broken)


@pytest.mark.parametrize(
    ("word", "text", "found"),
    [
        ("train*", "She was trained last year", "trained"),
        ("train*", "the restraint was used", None),  # whole words only
        ("multi agency", "a multi-agency meeting", "multi-agency"),
        ("multi agency", "a multiagency meeting", "multiagency"),
        ("agency", "a multi-agency meeting", None),  # a hyphenated word is one word
        ("children's social care", "Children's Social Care should", "Children's Social Care"),
        ("GP", "the gp practice", "gp"),
    ],
)
def test_words_match_as_the_rules_say(word, text, found):
    match = word_regex(word).search(text)
    assert (match.group(0) if match else None) == found


def test_case_sensitive_signals_keep_their_case():
    assert word_regex("NICE", case_sensitive=True).search("guidance from NICE")
    assert not word_regex("NICE", case_sensitive=True).search("a nice idea")


def test_the_analysis_modules_use_no_web_framework_or_database():
    forbidden = {"flask", "sqlalchemy", "werkzeug", "portal.extensions", "portal.core.db"}
    folder = Path(recommendation_rules.__file__).parent
    for name in ("classifier.py", "extraction.py", "recommendation_rules.py"):
        tree = ast.parse((folder / name).read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[0] in forbidden or m in forbidden}, name
