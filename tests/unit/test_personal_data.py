"""The personal-data check: what it picks out, and what reviewers write that it leaves alone."""

from __future__ import annotations

import pytest

from portal.core.personal_data import find_personal_data

pytestmark = pytest.mark.no_db


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_personal_data(text)]


def texts(text: str) -> list[str]:
    return [finding.text for finding in find_personal_data(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I spoke with Mrs Smith about the plan.", "Mrs Smith"),
        ("Dr. Okafor explained the scan.", "Dr. Okafor"),
        ("I met his mother Jane at the learning event.", "mother Jane"),
        ("The review concerned baby Leo and his care.", "baby Leo"),
        ("Her father, Darren, was not invited.", "father, Darren"),
        ("The social worker Priti described the visit.", "social worker Priti"),
        ("Jane's mother attended.", "Jane's mother"),
        ("A boy named Kai was at the centre of it.", "named Kai"),
    ],
)
def test_names_beside_titles_family_words_and_roles_are_found(text, found):
    assert found in texts(text)
    assert "name" in kinds(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Born on 03/04/2019 according to the chronology.", "03/04/2019"),
        ("The incident happened on 14 March 2024.", "14 March 2024"),
        ("The incident happened on 1st of Sept 2023.", "1st of Sept 2023"),
        ("It was March 3rd, 2022 when the referral came.", "March 3rd, 2022"),
        ("The file says 2021-06-30 for the meeting.", "2021-06-30"),
        ("A short form 3.4.21 was used in notes.", "3.4.21"),
    ],
)
def test_full_dates_are_found(text, found):
    assert any(found in seen for seen in texts(text))


def test_a_date_of_birth_is_named_as_such():
    findings = find_personal_data("Her DOB: 12/01/2015 was in the file.")
    assert findings[0].kind == "date_of_birth"
    assert "date of birth" in findings[0].reason


@pytest.mark.parametrize(
    ("text", "found", "kind"),
    [
        ("They lived at 12 Acacia Road until the move.", "12 Acacia Road", "address"),
        ("The flat at 4b Little Mill Lane was cold.", "4b Little Mill Lane", "address"),
        ("The family moved to Acacia Road.", "Acacia Road", "address"),
        ("Their postcode was LS1 4AP.", "LS1 4AP", "postcode"),
        ("Post to SW1A 1AA please.", "SW1A 1AA", "postcode"),
        ("Ring 07700 900982 after six.", "07700 900982", "phone"),
        ("The office is on 0113 496 0000.", "0113 496 0000", "phone"),
        ("Or +44 7700 900123 from abroad.", "+44 7700 900123", "phone"),
        ("Email jane.doe@example.com for the notes.", "jane.doe@example.com", "email"),
    ],
)
def test_addresses_postcodes_phones_and_emails_are_found(text, found, kind):
    findings = find_personal_data(text)
    assert (kind, found) in [(f.kind, f.text) for f in findings]


def test_each_finding_says_why_and_where():
    text = "I met Mrs Smith."
    (finding,) = find_personal_data(text)
    assert finding.reason
    assert text[finding.start : finding.end] == finding.text


@pytest.mark.parametrize(
    "text",
    [
        "Working Together 2023 changed how partners share learning.",
        "Working Together to Safeguard Children (2018) and the 2023 update.",
        "Social Work England asks for two pieces of CPD a year.",
        "The course covered SYS1, SYS2 and EEDI3 from the framework.",
        "I reflected on FAM1 and FAM2 with a peer.",
        "The Child Safeguarding Practice Review Panel annual report for 2023-24.",
        "In March 2024 I attended a conference on systems analysis.",
        "We discussed the child's lived experience and the mother's mental health.",
        "The health visitor and the social worker disagreed about thresholds.",
        "I read the NSPCC learning from case reviews briefing.",
        "The family were not invited; the child Protection Plan had ended.",
        "I spent 7.5 hours on it, 3.25 of them participatory.",
        "Version 2026.1 of the framework, section 4.2.",
        "I logged 35 hours in 3 years, 20 of them participatory.",
        "A Systems View of practice, and the Way Forward.",
        "The mother said she felt blamed by Children's Services.",
        "",
    ],
)
def test_ordinary_reflective_writing_is_left_alone(text):
    assert find_personal_data(text) == []


def test_nothing_is_found_in_nothing():
    assert find_personal_data(None) == []


def test_overlapping_findings_are_reported_once():
    findings = find_personal_data("Mrs Smith lived at 12 Acacia Road, LS1 4AP.")
    assert [f.text for f in findings] == ["Mrs Smith", "12 Acacia Road", "LS1 4AP"]
