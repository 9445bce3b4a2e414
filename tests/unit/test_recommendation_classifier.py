"""Classifying recommendations: each rule family of the shipped rules, and how the choice is
made (weights, overlaps, the subject, tie-breaking, defaults, evidence)."""

from __future__ import annotations

import copy
import json

import pytest

from portal.core.documents import read_yaml
from portal.peer_qa.classifier import Classification, classify
from portal.peer_qa.recommendation_rules import RULES_DIR, current_rules, parse_rules

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def rules():
    return current_rules()


def terms(result: Classification, family: str) -> set[str]:
    return {e.term for e in result.evidence if e.family == family}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The partnership should run refresher training on neglect for early years staff.",
            "training",
        ),
        (
            "A seven minute briefing on this review should be disseminated to all agencies.",
            "training",
        ),
        ("Health visitors must ask about safe sleep at every contact.", "training"),
        (
            "The local authority should update its pre-birth protocol and the referral template.",
            "procedure",
        ),
        ("Each agency should audit compliance with the escalation policy.", "procedure"),
        (
            "The ICB should fund additional health visitors so that caseloads fall below 250.",
            "system",
        ),
        (
            "The partnership should address how poverty and racism shape access to early help.",
            "system",
        ),
        (
            "The council should commission a family support service that works at weekends.",
            "system",
        ),
        (
            "The Department for Education should amend Working Together on home education.",
            "national",
        ),
        ("The partnership should write to Ofsted about inspection of supervision.", "national"),
    ],
)
def test_each_class_is_recognised(rules, text, expected):
    result = classify(text, rules)
    assert result.class_ == expected
    assert {e.option for e in result.evidence if e.family == "class"} == {expected}


def test_commissioning_a_piece_of_work_is_not_commissioning_services(rules):
    audit = classify(
        "The partnership should commission a multi-agency audit of neglect cases.", rules
    )
    assert audit.class_ == "procedure"
    service = classify(
        "The partnership should commission an out-of-hours mental health service.", rules
    )
    assert service.class_ == "system"
    assert "commissioning services" in terms(service, "class")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Practitioners should be reminded to record who lives in the home.", "practitioner"),
        ("The partnership should deliver multi-agency training on neglect.", "practitioner"),
        ("The duty team should have a manager on site at all times.", "team"),
        ("Children's social care should update its supervision policy.", "agency"),
        (
            "The partnership should redesign the MASH so that health attends every strategy "
            "discussion.",
            "partnership",
        ),
        (
            "Ofsted should inspect the quality of supervision of frontline practitioners.",
            "national",
        ),
    ],
)
def test_target_levels(rules, text, level):
    assert classify(text, rules).target_level == level


def test_who_must_act_weighs_more_than_who_is_mentioned(rules):
    result = classify(
        "The local authority should change its recording system so that the lead professional "
        "can see every agency's contacts.",
        rules,
    )
    assert result.target_level == "agency"
    weights = {e.matched: e.weight for e in result.evidence if e.family == "target_level"}
    assert weights["local authority"] == 3 * rules.subject_factor
    assert weights["agency"] == 3  # mentioned after "should": its plain weight


def test_training_lands_on_practitioners_whoever_provides_it(rules):
    result = classify("The police should provide training for call handlers.", rules)
    assert result.target_level == "practitioner"
    assert ("target_level", "class: training") in {(e.family, e.term) for e in result.evidence}


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        ("Staff should be reminded of the guidance on bruising.", "weak"),
        ("Agencies should raise awareness of private fostering.", "weak"),
        ("The trust should introduce a checklist for injuries in non-mobile babies.", "medium"),
        ("Children's social care should audit supervision records every quarter.", "medium"),
        ("The partnership should redesign the front door.", "strong"),
        (
            "The council should change the case management system so that a plan cannot be "
            "closed without the child's view.",
            "strong",
        ),
        ("The ICB should fund protected time for safeguarding supervision.", "strong"),
    ],
)
def test_strength_on_the_action_hierarchy(rules, text, strength):
    assert classify(text, rules).strength == strength


@pytest.mark.parametrize(
    ("text", "admonishment"),
    [
        ("Practitioners should be more curious about fathers.", True),
        ("All professionals must always consider the lived experience of the child.", True),
        ("Social workers need to see children alone.", True),
        ("Remind staff to check the child protection information system.", True),
        ("The partnership should ensure that practitioners have manageable caseloads.", False),
        ("The ICB should fund more health visitors.", False),
    ],
)
def test_admonishments_are_flagged(rules, text, admonishment):
    result = classify(text, rules)
    assert result.admonishment is admonishment
    assert bool(terms(result, "admonishment")) is admonishment


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("The safeguarding partnership should publish a neglect strategy.", True),
        ("Children's social care to review the threshold for early help.", True),
        ("The review recommends that the ICB should review its designated doctor capacity.", True),
        ("Consideration should be given by the local authority to a new service.", True),
        ("Training should be provided on coercive control.", False),
        ("There should be better information sharing.", False),
        ("Practitioners should be curious.", False),
        ("All agencies should review their policies.", False),
    ],
)
def test_a_named_owner_is_recognised(rules, text, owner):
    assert classify(text, rules).owner_named is owner


@pytest.mark.parametrize(
    ("text", "measurable"),
    [
        ("The partnership should agree the pathway by March 2027.", True),
        ("The trust should re-audit within six months.", True),
        ("Impact will be measured by a survey of practitioners.", True),
        ("At least 90% of strategy discussions should include health.", True),
        ("Reports should go to the board every 3 months.", True),
        ("Procedures should reflect Working Together 2023.", False),
        ("Agencies should improve information sharing.", False),
    ],
)
def test_a_measurable_change_is_recognised(rules, text, measurable):
    assert classify(text, rules).measurable is measurable


def test_no_evidence_gives_the_documented_defaults(rules):
    result = classify("Something else entirely.", rules)
    assert (result.class_, result.target_level, result.strength) == ("procedure", "agency", "weak")
    assert not (result.admonishment or result.owner_named or result.measurable)
    assert result.evidence == ()


def _rules_with(**changes):
    document = copy.deepcopy(read_yaml(RULES_DIR / "2026.1.yaml"))
    for option in document["classes"]["options"]:
        option["signals"] = [{"words": [f"{option['code']}-word"], "weight": 2}]
    for key, value in changes.items():
        document["classes"][key] = value
    return parse_rules(document)


def test_equal_totals_go_to_the_earliest_in_the_tie_break_list():
    text = "training-word and system-word"
    first = classify(text, _rules_with(tie_break=["national", "training", "procedure", "system"]))
    assert first.class_ == "training"
    other = classify(text, _rules_with(tie_break=["system", "national", "training", "procedure"]))
    assert other.class_ == "system"
    assert dict(first.scores)["class"] == (
        ("national", 0.0),
        ("training", 2.0),
        ("procedure", 0.0),
        ("system", 2.0),
    )


def test_a_signal_counts_once_however_often_it_appears():
    rules = _rules_with()
    once = classify("system-word", rules)
    thrice = classify("system-word, system-word and system-word", rules)
    assert dict(dict(once.scores)["class"])["system"] == 2.0
    assert dict(dict(thrice.scores)["class"])["system"] == 2.0


def test_overlapping_words_count_once_the_longer_winning(rules):
    result = classify("The NHS trust should fund more midwives.", rules)
    agency = [e for e in result.evidence if e.family == "target_level" and e.option == "agency"]
    assert [e.matched for e in agency] == ["NHS trust"]


def test_the_result_is_deterministic_and_serialisable(rules):
    text = "  The partnership should   commission a redesign of\nthe front door by 2027. "
    first, second = classify(text, rules), classify(text, rules)
    assert first == second
    data = json.loads(json.dumps(first.as_dict()))
    assert data["text"] == "The partnership should commission a redesign of the front door by 2027."
    assert set(data) >= {
        "text",
        "class",
        "target_level",
        "strength",
        "admonishment",
        "owner_named",
        "measurable",
        "evidence",
    }
    assert data["rules_version"] == "2026.1"
    assert {"family", "option", "term", "matched", "weight"} <= set(data["evidence"][0])
    assert data["scores"]["class"]["system"] > 0


def test_typographic_quotes_match_plain_ones(rules):
    result = classify("Children\u2019s social care should update its procedure.", rules)
    assert result.owner_named
    assert result.target_level == "agency"


@pytest.mark.parametrize(
    "marker", ["1. ", "(2) ", "R3: ", "Recommendation 4: ", "b) ", "\u2022 ", "12.1 "]
)
def test_a_list_marker_at_the_start_is_left_out(rules, marker):
    text = "The partnership should fund a redesign of the front door."
    result = classify(marker + text, rules)
    assert result.text == text
    assert result.owner_named
    assert result == classify(text, rules)
