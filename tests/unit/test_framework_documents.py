import pytest

from portal.core.documents import DocumentInvalid
from portal.framework.diff import diff_frameworks
from portal.framework.schema import parse_framework, parse_scheme
from tests.frameworks import competency, framework_document, scheme_document


def test_a_valid_framework_reads_into_domains_and_competencies():
    document = parse_framework(framework_document())
    assert [d.code for d in document.domains] == ["AB", "CD"]
    assert [c.code for c in document.competencies] == ["AB1", "AB2", "CD1"]
    assert document.competencies[0].descriptors[3] == "AB1 at level 3."
    assert document.scale[0].label == "Not yet evidenced"


def test_every_problem_in_a_framework_is_reported_at_once():
    bad = framework_document()
    bad["domains"][0]["code"] = "ab"
    bad["domains"][0]["competencies"][0]["descriptors"] = {1: "x", 2: "y"}
    bad["domains"][0]["competencies"][1]["sources"] = ["nowhere"]
    bad["domains"][1]["competencies"].append(competency("CD1"))
    bad["scale"][2]["score"] = 7
    with pytest.raises(DocumentInvalid) as caught:
        parse_framework(bad)
    text = "\n".join(caught.value.problems)
    assert "2 to 5 capital letters" in text
    assert "one descriptor for each score" in text
    assert "unknown sources nowhere" in text
    assert "CD1 appears twice" in text
    assert "scores must run 1, 2, 3" in text


def test_missing_parts_are_named():
    with pytest.raises(DocumentInvalid) as caught:
        parse_framework({"scheme": "tst"})
    text = "\n".join(caught.value.problems)
    for part in ("version", "title", "scale", "sources", "domains"):
        assert f"'{part}'" in text


def test_the_checksum_follows_the_content():
    one = parse_framework(framework_document())
    same = parse_framework(framework_document())
    changed = framework_document()
    changed["domains"][0]["competencies"][0]["title"] = "Another title"
    assert one.checksum == same.checksum
    assert one.checksum != parse_framework(changed).checksum


def test_a_scheme_reads_its_settings_and_levels():
    scheme = parse_scheme(scheme_document())
    assert scheme.term_years == 3
    assert [level.code for level in scheme.levels] == ["provisional", "reviewer", "lead_reviewer"]


def test_a_scheme_with_bad_settings_is_refused():
    with pytest.raises(DocumentInvalid) as caught:
        parse_scheme(scheme_document(code="Bad Code", accreditation_term_years=0, levels=[]))
    text = "\n".join(caught.value.problems)
    assert "lower-case" in text
    assert "accreditation_term_years" in text
    assert "'levels'" in text


def test_diff_finds_added_removed_and_changed_competencies():
    old = parse_framework(framework_document())
    newer = framework_document(version="1.1")
    newer["domains"][0]["competencies"][0]["title"] = "Renamed"
    newer["domains"][0]["competencies"][1]["descriptors"][3] = "A new standard."
    newer["domains"][1]["competencies"] = [competency("CD2")]
    newer["domains"].append(
        {"code": "EF", "title": "Domain EF", "competencies": [competency("EF1")]}
    )
    changes = diff_frameworks(old, parse_framework(newer))
    assert [c.code for c in changes.added] == ["CD2", "EF1"]
    assert [c.code for c in changes.removed] == ["CD1"]
    assert [(c.code, [f.field for f in c.changes]) for c in changes.changed] == [
        ("AB1", ["Title"]),
        ("AB2", ["Level 3 descriptor"]),
    ]
    assert changes.domains_added == ["EF"]
    assert not changes.is_empty


def test_diff_of_identical_versions_is_empty_and_first_version_is_all_new():
    document = parse_framework(framework_document())
    assert diff_frameworks(document, document).is_empty
    first = diff_frameworks(None, document)
    assert len(first.added) == 3
