"""What someone types becomes a full-text query that cannot break either database's syntax."""

from __future__ import annotations

import pytest

from portal.register import text_search

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("neglect", '"neglect"*'),
        ("  Infant   DEATHS ", '"infant"* "deaths"*'),
        ('"quoted" words', '"quoted"* "words"*'),
        ("NEAR(neglect abuse)", '"near"* "neglect"* "abuse"*'),
        ("'; DROP TABLE users; --", '"drop"* "table"* "users"*'),
        ("col:neglect ^start a*", '"col"* "neglect"* "start"* "a"*'),
        ("Zoë Ó Súilleabháin", '"zoë"* "ó"* "súilleabháin"*'),
        ("neglect neglect", '"neglect"*'),
        ("under_score", '"under"* "score"*'),
    ],
)
def test_fts5_queries_keep_only_quoted_words(typed, expected):
    assert text_search.fts5_query(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", '"', "*", "()", "'; --", "\x00\x1f", None])
def test_nothing_searchable_gives_no_query(typed):
    assert text_search.fts5_query(typed) is None
    assert text_search.tsquery(typed) is None


def test_tsquery_ands_prefixes_of_each_word():
    assert text_search.tsquery("infant & deaths | !x") == "'infant':* & 'deaths':* & 'x':*"
    assert text_search.tsquery("o'brien") == "'o':* & 'brien':*"


def test_very_long_input_is_cut_and_the_number_of_words_capped():
    assert len(text_search.normalise("x" * 100_000)) == text_search.MAX_INPUT
    many = " ".join(f"word{n}" for n in range(50))
    assert len(text_search.words(many)) == text_search.MAX_WORDS


def test_decomposed_accents_are_composed_so_words_stay_whole():
    assert text_search.words("Zoe\u0308") == ["zoë"]


def test_control_characters_become_spaces():
    assert text_search.normalise("a\x00b\nc\td") == "a b c d"


def test_like_patterns_escape_the_wildcards():
    assert text_search.like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
