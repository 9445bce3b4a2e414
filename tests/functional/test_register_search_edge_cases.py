"""Partnerships' search and the public register with awkward input, through HTTP, on whichever
database the tests run on: nothing typed, punctuation only, very long text, names beyond ASCII,
the query syntax of SQL, FTS5 and tsquery (searched as plain words, never obeyed), and pages
beyond the last."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import make_entry, make_record, make_user
from tests.support import page_checks, sign_in_as


def _reviewer(name: str, **entry: object) -> None:
    user = make_user(name=name, roles=[Role.REVIEWER])
    make_record(user=user)
    make_entry(user, **entry)  # type: ignore[arg-type]


@pytest.fixture
def commissioner(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))
    return client


def _names_found(client, **query: object) -> list[str]:
    response = client.get("/register/search", query_string=query)
    soup = page_checks(response, service_name=SERVICE_NAME)
    return [heading.get_text(strip=True) for heading in soup.select("li h3 a")]


def _public_numbers(client, text: str) -> int:
    response = client.get("/register", query_string={"q": text})
    assert response.status_code == 200
    return response.status_code


NAMES = ["Zoë Dubois-Lefèvre", "Łukasz Wróblewski", "Oğuz Ağaoğlu", "王小明", "Siobhán O'Brien"]


@pytest.fixture
def register():
    _reviewer("Nell Neglect", biography="Neglect reviews for twenty years.")
    _reviewer("Abe Abuse", specialisms=("domestic-abuse",), biography="Abuse, not the other.")
    _reviewer("Nora Notable", biography="Notable neglect reviews.")
    for name in NAMES:
        _reviewer(name, specialisms=("online-harm",), biography="Invented.")


def test_nothing_typed_or_punctuation_only_lists_everyone(commissioner, register):
    everyone = _names_found(commissioner)
    assert len(everyone) == 3 + len(NAMES)
    for typed in ("", "   ", "!!! ... ???", "*", "()", "-", "%_", "\\", "'\"", "^:"):
        assert sorted(_names_found(commissioner, q=typed)) == sorted(everyone), typed


def test_a_very_long_query_is_cut_short_without_an_error(commissioner, register):
    long_text = "neglect " + "x" * 5_000
    response = commissioner.get("/register/search", query_string={"q": long_text})
    page_checks(response, service_name=SERVICE_NAME)
    many_words = " ".join(["neglect"] + [f"word{n}" for n in range(1_000)])
    assert _names_found(commissioner, q=many_words) == []  # every word must match
    assert _public_numbers(commissioner, long_text) == 200


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Zoë", "Zoë Dubois-Lefèvre"),
        ("zoë dubois", "Zoë Dubois-Lefèvre"),
        ("Lefèvre", "Zoë Dubois-Lefèvre"),
        ("Łukasz", "Łukasz Wróblewski"),
        ("łukasz wróblewski", "Łukasz Wróblewski"),
        ("ŁUKASZ", "Łukasz Wróblewski"),
        ("Ağaoğlu", "Oğuz Ağaoğlu"),
        ("oğuz", "Oğuz Ağaoğlu"),
        ("王小明", "王小明"),
        ("王", "王小明"),
        ("O'Brien", "Siobhán O'Brien"),
        ("siobhán o'brien", "Siobhán O'Brien"),
    ],
)
def test_names_beyond_ascii_are_found_by_the_text_search(commissioner, register, typed, name):
    assert _names_found(commissioner, q=typed) == [name]


def test_names_beyond_ascii_are_found_on_the_public_register(client, register):
    for typed, name in (("王小明", "王小明"), ("ağaoğlu", "Oğuz Ağaoğlu"), ("o'brien", "O'Brien")):
        response = client.get("/register", query_string={"q": typed})
        soup = page_checks(response, service_name=SERVICE_NAME)
        assert name in soup.get_text(), typed


@pytest.mark.parametrize(
    "typed",
    [
        "'",
        '"',
        '"neglect',
        "neglect*",
        "(neglect)",
        "neglect -abuse",
        "neglect:",
        "^neglect",
        "NEAR(neglect reviews)",
        "neglect AND reviews",
        "neglect & reviews | !x",
        "%neglect_",
        "neglect\\",
        "'; DROP TABLE users; --",
        "neglect' OR '1'='1",
        "reviews:* & neglect",
    ],
)
def test_query_syntax_never_errors(commissioner, register, typed):
    commissioner.get("/register/search", query_string={"q": typed})
    _names_found(commissioner, q=typed)
    assert _public_numbers(commissioner, typed) == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def test_operators_are_searched_as_words_not_obeyed(commissioner, register):
    # Quotes, brackets, stars and column names do not change what is matched.
    for typed in ('"neglect', "(neglect)", "neglect*", "^neglect", "neglect:"):
        assert "Nell Neglect" in _names_found(commissioner, q=typed), typed
    # A minus excludes nothing: both words must be there.
    assert set(_names_found(commissioner, q="neglect -reviews")) == {"Nell Neglect", "Nora Notable"}
    # OR does not widen the search: a reviewer with only one of the words is not found.
    assert "Abe Abuse" not in _names_found(commissioner, q="neglect OR abuse")
    assert "Nell Neglect" not in _names_found(commissioner, q="neglect OR abuse")
    # NOT does not exclude: the reviewer whose text has a word beginning "not" is found.
    assert "Nora Notable" in _names_found(commissioner, q="NOT neglect")


def test_pages_beyond_the_last_show_the_last_page(commissioner):
    for n in range(23):
        _reviewer(f"Paged Person {n:02d}")
    last = commissioner.get("/register/search", query_string={"page": "999"})
    soup = page_checks(last, service_name=SERVICE_NAME)
    names = [heading.get_text(strip=True) for heading in soup.select("li h3 a")]
    assert names == ["Paged Person 20", "Paged Person 21", "Paged Person 22"]
    assert "23 reviewers found" in " ".join(soup.get_text().split())
    for odd in ("0", "-1", "abc", "99999999999"):
        first = _names_found(commissioner, page=odd)
        assert first[0] == "Paged Person 00", odd
    public = commissioner.get("/register", query_string={"q": "paged", "page": "999"})
    assert public.status_code == 200
    assert "Paged Person 22" in public.get_data(as_text=True)
