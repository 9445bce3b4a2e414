"""The dashboard's commissioning parts: a reviewer is told of availability requests waiting
for an answer, and a commissioner sees their partnership's shortlist and the requests still
unanswered; neither grows in queries with the data."""

from __future__ import annotations

from datetime import date

from portal.core.permissions import Role
from portal.extensions import db
from portal.register import commissioning
from portal.register.commissioning_models import ReviewType
from tests.conftest import SERVICE_NAME
from tests.factories import make_entry, make_organisation, make_record, make_user
from tests.functional.test_query_counts import counting
from tests.support import page_checks, sign_in_as


def _reviewer(name: str):
    user = make_user(name=name, roles=[Role.REVIEWER])
    make_record(user=user)
    make_entry(user, available_from=date(2026, 1, 5), reviews_per_quarter=2)
    return user


def _commissioner():
    return make_user(roles=[Role.COMMISSIONER], organisation=make_organisation())


def _ask(commissioner, reviewer):
    commissioning.add_to_shortlist(commissioner, reviewer.id)
    found = commissioning.request_availability(
        commissioner, reviewer.id, review_type=ReviewType.LCSPR, wanted_from=None, message=""
    )
    db.session.commit()
    return found


def _dashboard(client):
    soup = page_checks(client.get("/dashboard"), service_name=SERVICE_NAME)
    return soup, " ".join(soup.get_text(" ").split())


def test_a_reviewer_sees_how_many_requests_await_an_answer_with_a_link(client):
    reviewer = _reviewer("Rhea Requested")
    first, second = _commissioner(), _commissioner()
    _ask(first, reviewer)
    request = _ask(second, reviewer)
    sign_in_as(client, reviewer)
    soup, text = _dashboard(client)
    link = soup.find("a", string="Answer availability requests")
    assert link is not None and link["href"] == "/register/requests"
    assert "2 to answer" in text
    assert "2 partnerships are waiting to hear whether you can take a review" in text

    commissioning.answer_request(
        reviewer, request, available=False, can_start_on=None, note="", version_id=None
    )
    db.session.commit()
    _, text = _dashboard(client)
    assert "1 to answer" in text and "1 partnership is waiting" in text


def test_a_reviewer_with_no_request_is_told_so(client):
    reviewer = _reviewer("Nina Nothing")
    sign_in_as(client, reviewer)
    soup, text = _dashboard(client)
    assert soup.find("a", string="Availability requests") is not None
    assert "No request is awaiting your answer" in text
    assert "to answer" not in text


def test_a_commissioner_sees_the_shortlist_and_requests_awaiting_answers(client):
    commissioner = _commissioner()
    waiting, available, unasked = (
        _reviewer("Wes Waiting"),
        _reviewer("Ava Available"),
        _reviewer("Una Unasked"),
    )
    _ask(commissioner, waiting)
    request = _ask(commissioner, available)
    commissioning.answer_request(
        available, request, available=True, can_start_on=date(2026, 9, 7), note="", version_id=None
    )
    commissioning.add_to_shortlist(commissioner, unasked.id)
    db.session.commit()
    sign_in_as(client, commissioner)
    soup, text = _dashboard(client)
    link = soup.find("a", string="Your shortlist")
    assert link is not None and link["href"] == "/register/shortlist"
    assert "3 reviewers shortlisted; 1 availability request awaiting an answer" in text
    assert "1 awaiting an answer" in text
    assert "Wes Waiting Awaiting answer Asked on" in text
    assert "Ava Available Available Can start on 7 September 2026" in text
    assert "Una Unasked Not asked" in text


def test_a_commissioner_with_an_empty_shortlist_is_told_so(client):
    sign_in_as(client, _commissioner())
    _, text = _dashboard(client)
    assert "Nobody is shortlisted yet" in text


def test_a_long_shortlist_is_cut_on_the_dashboard(client):
    commissioner = _commissioner()
    for n in range(12):
        commissioning.add_to_shortlist(commissioner, _reviewer(f"Long List {n:02d}").id)
    db.session.commit()
    sign_in_as(client, commissioner)
    _, text = _dashboard(client)
    assert "Long List 09" in text and "Long List 10" not in text
    assert "2 more reviewers on your shortlist" in text


def _queries(client) -> list[str]:
    db.session.expire_all()
    with counting() as statements:
        assert client.get("/dashboard").status_code == 200
    return statements


def test_the_commissioners_dashboard_does_not_grow_with_the_shortlist(client):
    commissioner = _commissioner()
    sign_in_as(client, commissioner)
    _ask(commissioner, _reviewer("Few 1"))
    commissioning.add_to_shortlist(commissioner, _reviewer("Few 2").id)
    db.session.commit()
    client.get("/dashboard")
    small = _queries(client)
    for n in range(12):
        _ask(commissioner, _reviewer(f"Many {n}"))
    large = _queries(client)
    assert len(large) == len(small), "\n".join(large)


def test_the_reviewers_dashboard_does_not_grow_with_their_requests(client):
    reviewer = _reviewer("Rory Requests")
    sign_in_as(client, reviewer)
    _ask(_commissioner(), reviewer)
    client.get("/dashboard")
    small = _queries(client)
    for _ in range(10):
        _ask(_commissioner(), reviewer)
    large = _queries(client)
    assert len(large) == len(small), "\n".join(large)
