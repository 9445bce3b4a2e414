"""The public register's search as a person uses it: odd input finds what it should (and
never everything), and the search and the credential check are rate-limited by address."""

from __future__ import annotations

import pytest

from portal.core.permissions import Role
from tests.conftest import SERVICE_NAME
from tests.factories import make_entry, make_record, make_user
from tests.support import page_checks, submit


def _holder(name: str, *, status: str = "accredited"):
    user = make_user(name=name, roles=[Role.REVIEWER])
    record = make_record(user=user, status=status)
    make_entry(user)
    return record


def _found(client, **query: str) -> list[str]:
    response = client.get("/register", query_string=query)
    soup = page_checks(response, service_name=SERVICE_NAME)
    return sorted(
        link.get_text(strip=True)
        for link in soup.select("a.govuk-link")
        if str(link.get("href", "")).startswith("/register/")
        and link.get_text(strip=True)
        in {"Órla Ní Bhriain", "Siobhán O'Brien", "Zoë Åberg", "Anne-Marie Lee"}
    )


@pytest.fixture
def holders():
    return {
        name: _holder(name)
        for name in ("Órla Ní Bhriain", "Siobhán O'Brien", "Zoë Åberg", "Anne-Marie Lee")
    }


EVERYONE = ["Anne-Marie Lee", "Siobhán O'Brien", "Zoë Åberg", "Órla Ní Bhriain"]


@pytest.mark.parametrize("typed", ["", "   ", "\t\n"])
def test_an_empty_search_lists_everyone(client, holders, typed):
    assert _found(client, q=typed) == sorted(EVERYONE)


def test_a_nul_character_is_refused_with_the_bad_request_page(client, holders):
    response = client.get("/register", query_string={"q": "Lee\x00"})
    assert response.status_code == 400
    assert "Lee" not in response.get_data(as_text=True).split("<main", 1)[-1]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("O'Brien", ["Siobhán O'Brien"]),
        ("o\u2019brien", ["Siobhán O'Brien"]),  # a typographic apostrophe
        ("obrien", []),
        ("anne-marie", ["Anne-Marie Lee"]),
        ("Anne Marie", ["Anne-Marie Lee"]),
        ("lee, anne", ["Anne-Marie Lee"]),
        ("  LEE  ", ["Anne-Marie Lee"]),
    ],
)
def test_punctuation_separates_words_and_is_not_needed(client, holders, typed, expected):
    assert _found(client, q=typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("órla", ["Órla Ní Bhriain"]),
        ("ÓRLA", ["Órla Ní Bhriain"]),
        ("Ní Bhriain", ["Órla Ní Bhriain"]),
        ("zoë", ["Zoë Åberg"]),
        ("ÅBERG", ["Zoë Åberg"]),
        ("siobhán", ["Siobhán O'Brien"]),
        ("数据", []),
    ],
)
def test_non_ascii_names_are_found_in_any_case(client, holders, typed, expected):
    assert _found(client, q=typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "%",
        "_",
        "%_%",
        "*",
        '"',
        "\\",
        "'; DROP TABLE users; --",
        "' OR '1'='1",
        "NEAR(lee, 2)",
        "lee OR zoë",
        "name:lee",
        "^lee",
        "lee & !zoë",
        "lee:*",
    ],
)
def test_sql_and_full_text_syntax_is_plain_text(client, holders, typed):
    found = _found(client, q=typed)
    # Never everyone through a wildcard or operator; words still match as words.
    assert found != sorted(EVERYONE)
    assert set(found) <= {"Anne-Marie Lee", "Zoë Åberg"}
    assert len(_found(client)) == 4  # and nothing was dropped


def test_a_very_long_search_is_cut_and_still_answers(client, holders):
    assert _found(client, q="x" * 10_000) == []
    assert _found(client, q="lee " + "x" * 10_000) == []
    assert _found(client, q="lee" + " " * 300) == ["Anne-Marie Lee"]


def test_an_accreditation_number_is_found_whatever_its_case_and_spaces(client, holders):
    number = holders["Zoë Åberg"].number
    assert _found(client, q=number.lower()) == ["Zoë Åberg"]
    assert _found(client, q=f"  {number}  ") == ["Zoë Åberg"]


# Rate limits


def test_the_public_search_is_rate_limited_by_address_with_a_govuk_page(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "REGISTER_SEARCH_ADDRESS_LIMIT", "3 per minute")
    for _ in range(3):
        assert client.get("/register", query_string={"q": "lee"}).status_code == 200
    blocked = client.get("/register", query_string={"q": "lee"})
    assert blocked.status_code == 429
    soup = page_checks(blocked, service_name=SERVICE_NAME)
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Too many requests"
    assert "Wait a minute" in soup.get_text()
    # Another address is counted apart, and other register pages are not limited.
    other = client.get("/register", environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200
    assert client.get("/register/verify").status_code == 200


def test_checking_credentials_is_rate_limited_by_address(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "VERIFY_ADDRESS_LIMIT", "2 per minute")
    for _ in range(2):
        assert submit(client, "/register/verify", {"credential": "a.b.c"}).status_code == 200
    blocked = submit(client, "/register/verify", {"credential": "a.b.c"})
    assert blocked.status_code == 429
    soup = page_checks(blocked, service_name=SERVICE_NAME)
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Too many requests"
    # Reading the page is not counted; the public search has its own allowance.
    assert client.get("/register/verify").status_code == 200
    assert client.get("/register").status_code == 200
