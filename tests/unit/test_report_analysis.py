"""Reading a report: its paragraphs, how much is chronology and how much analysis, and where
its recommendations are, in the layouts reports use."""

from __future__ import annotations

import pytest

from portal.peer_qa.classifier import analyse_report, extract_recommendations, paragraphs
from portal.peer_qa.recommendation_rules import current_rules

pytestmark = pytest.mark.no_db

CHRONOLOGY = (
    "On 3 March 2023 the mother attended the emergency department with the baby, who was seen "
    "by a paediatrician. The following day the health visitor visited the home and recorded "
    "that the baby was settled."
)
CHRONOLOGY_2 = (
    "On 14 April 2023 police were called to the address after a neighbour reported shouting. "
    "Officers attended and completed a risk assessment. Two weeks later the case was discussed "
    "at a multi-agency meeting."
)
ANALYSIS = (
    "The review considers why the bruising was not recognised as significant. Practitioners "
    "were working under heavy pressure, and the assumption that the injury was accidental was "
    "not challenged because nothing prompted a check of the child protection information system."
)
ANALYSIS_2 = (
    "With hindsight the pattern is clear, but at the time each agency held only part of the "
    "picture. This meant that the conditions that allowed the risk to go unseen were "
    "organisational rather than individual."
)
NEUTRAL = (
    "This report was written by the independent reviewer with the review panel and includes "
    "material from agency reports."
)


@pytest.fixture(scope="module")
def rules():
    return current_rules()


def test_each_paragraph_is_weighed_with_its_evidence(rules):
    text = "\n\n".join(["Background", CHRONOLOGY, CHRONOLOGY_2, ANALYSIS, ANALYSIS_2, NEUTRAL])
    result = analyse_report(text, rules)
    assert [p.kind for p in result.paragraphs] == [
        "other",
        "chronology",
        "chronology",
        "analysis",
        "analysis",
        "other",
    ]
    first = result.paragraphs[1]
    assert 'on a day of a month ("on 3 March")' in {e.term for e in first.evidence}
    assert "was seen by / taken to (an event)" in {e.term for e in first.evidence}
    assert {e.family for e in first.evidence} == {"chronology"}
    why = result.paragraphs[3]
    assert {"because", "why"} <= {e.term for e in why.evidence}
    assert {"hindsight", "this meant", "the conditions that"} <= {
        e.term for e in result.paragraphs[4].evidence
    }
    assert result.paragraphs[5].evidence == ()


def test_shares_are_by_words_leaving_out_headings(rules):
    text = "\n\n".join(["Background", CHRONOLOGY, ANALYSIS, NEUTRAL])
    result = analyse_report(text, rules)
    words = [len(p.split()) for p in (CHRONOLOGY, ANALYSIS, NEUTRAL)]
    assert result.counted_words == sum(words)
    assert result.chronology_share == pytest.approx(words[0] / sum(words))
    assert result.analysis_share == pytest.approx(words[1] / sum(words))
    assert result.other_share == pytest.approx(words[2] / sum(words))
    assert result.rules_version == "2026.1"


def test_a_report_that_only_narrates_is_all_chronology(rules):
    result = analyse_report(f"{CHRONOLOGY}\n\n{CHRONOLOGY_2}", rules)
    assert result.chronology_share == 1.0
    assert result.analysis_share == 0.0


def test_an_empty_report_has_no_shares(rules):
    result = analyse_report("", rules)
    assert result.paragraphs == ()
    assert (result.chronology_share, result.analysis_share, result.other_share) == (0, 0, 0)


def test_a_paragraph_with_equal_or_too_little_evidence_is_other(rules):
    tied = "On 3 March the family moved because the landlord sold the house and they had to leave."
    result = analyse_report(tied, rules)
    paragraph = result.paragraphs[0]
    assert paragraph.chronology_score > 0 and paragraph.analysis_score > 0
    if paragraph.chronology_score == paragraph.analysis_score:
        assert paragraph.kind == "other"
    weak = "The family lived in a small town and the children went to the local primary school."
    assert analyse_report(weak, rules).paragraphs[0].kind == "other"


def test_paragraphs_of_text_from_a_pdf_are_found_without_blank_lines():
    text = (
        "On 3 March 2023 the mother attended the emergency department with the baby, who was\n"
        "seen by a paediatrician and discharged home later that day.\n"
        "The review considers why the bruising was not recognised as significant, because the\n"
        "system did not prompt a check.\n"
        "Recommendations\n"
        "1. The ICB should fund more health\n"
        "visitors.\n"
    )
    assert paragraphs(text) == [
        "On 3 March 2023 the mother attended the emergency department with the baby, who was "
        "seen by a paediatrician and discharged home later that day.",
        "The review considers why the bruising was not recognised as significant, because the "
        "system did not prompt a check.",
        "Recommendations",
        "1. The ICB should fund more health visitors.",
    ]


def test_a_word_broken_at_the_end_of_a_line_is_joined():
    assert paragraphs("the multi-\nagency meeting and the health visit-\ning service") == [
        "the multi-agency meeting and the health visit-ing service"
    ]


NUMBERED = """Contents
1. Introduction 3
7. Recommendations 21
8. Appendix 24

1. Introduction
This review considers the circumstances of a child called Child A in this report.

7. Recommendations
The review makes the following recommendations.
1. The partnership should commission a redesign of the front door so that police and health
information is available at the point of referral.
2. Children's social care should update its neglect procedure by March 2027:
(a) including the use of the graded care profile; and
(b) the role of fathers.
Page 22 of 30
3. The ICB should fund protected time for the named GP.
8. Appendix
Terms of reference.
"""

BULLETED = """RECOMMENDATIONS

\u2022 Practitioners should be reminded to see children alone.

\u2022 The safeguarding partners should review the resourcing of the health visiting service so
that caseloads allow every contact to happen face to face.

\u2022 The Department for Education should issue guidance on home education.

CONCLUSION

The review found that agencies worked hard.
"""

LETTERED = """Summary of recommendations
a) Agencies should review their policies.
b) The partnership should audit strategy discussions.
c) Practitioners need to consider fathers.

Next steps
The partnership will respond within three months.
"""

PARAGRAPHS = """Recommendations for the partnership

The partnership should commission an independent review of early help capacity.

The local authority should change its case management system so that a plan cannot be
closed without the child's view.

Glossary
LADO: local authority designated officer.
"""

INTERLEAVED = """Finding 1
Health visitors worked alone with high caseloads.
Recommendation 1: The ICB should fund additional health visitors.

Finding 2
Information was not shared between the school and the GP.
Recommendation 2
The partnership should agree a shared record for children on plans.

Finding 3
Fathers were invisible to services.
"""

WITH_SUBHEADINGS = """5. Recommendations
For the partnership
1. The partnership should agree a pre-birth pathway.
2. The partnership should audit its use within six months.
For health agencies
3. The ICB should review the capacity of the health visiting service.

The partnership has accepted every recommendation and will publish an action plan.
6. Partnership response
The partnership welcomes the review.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            NUMBERED,
            [
                "The partnership should commission a redesign of the front door so that police "
                "and health information is available at the point of referral.",
                "Children's social care should update its neglect procedure by March 2027: (a) "
                "including the use of the graded care profile; and (b) the role of fathers.",
                "The ICB should fund protected time for the named GP.",
            ],
        ),
        (
            BULLETED,
            [
                "Practitioners should be reminded to see children alone.",
                "The safeguarding partners should review the resourcing of the health visiting "
                "service so that caseloads allow every contact to happen face to face.",
                "The Department for Education should issue guidance on home education.",
            ],
        ),
        (
            LETTERED,
            [
                "Agencies should review their policies.",
                "The partnership should audit strategy discussions.",
                "Practitioners need to consider fathers.",
            ],
        ),
        (
            PARAGRAPHS,
            [
                "The partnership should commission an independent review of early help capacity.",
                "The local authority should change its case management system so that a plan "
                "cannot be closed without the child's view.",
            ],
        ),
        (
            INTERLEAVED,
            [
                "The ICB should fund additional health visitors.",
                "The partnership should agree a shared record for children on plans.",
            ],
        ),
        (
            WITH_SUBHEADINGS,
            [
                "The partnership should agree a pre-birth pathway.",
                "The partnership should audit its use within six months.",
                "The ICB should review the capacity of the health visiting service.",
            ],
        ),
    ],
    ids=["numbered", "bulleted", "lettered", "paragraphs", "interleaved", "subheadings"],
)
def test_recommendations_are_found_in_each_layout(text, expected):
    assert extract_recommendations(text) == expected


def test_the_fullest_list_wins_over_a_short_summary():
    text = (
        "Summary of recommendations\n1. Fund health visiting.\n\nIntroduction\nText.\n\n"
        "Recommendations\n1. The ICB should fund more health visitors.\n"
        "2. The partnership should agree a shared record.\n"
    )
    assert extract_recommendations(text) == [
        "The ICB should fund more health visitors.",
        "The partnership should agree a shared record.",
    ]


def test_windows_line_endings_and_typographic_quotes_are_read():
    text = "Recommendations\r\n1. Children\u2019s social care should act.\r\n"
    assert extract_recommendations(text) == ["Children's social care should act."]


def test_a_report_without_recommendations_gives_none():
    assert extract_recommendations("Introduction\nThe review found good practice.") == []
    assert extract_recommendations("") == []
