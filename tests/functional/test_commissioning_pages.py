"""Commissioning through HTTP: shortlist from the search, ask a reviewer, the reviewer
answers, the commission is recorded; pages keep input on errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.core.permissions import Role
from portal.core.templating import LONDON
from portal.extensions import db
from portal.register import commissioning_queries as cq
from portal.register.commissioning_models import AvailabilityRequest, Commission, ReviewType
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_entry, make_organisation, make_record, make_user
from tests.functional.test_query_counts import counting
from tests.support import csrf_token, error_messages, page_checks, sign_in_as, submit


def _reviewer(name: str):
    user = make_user(name=name, roles=[Role.REVIEWER])
    make_record(user=user)
    make_entry(user, reviews_per_quarter=1, available_from=date(2026, 1, 5))
    return user


def _date(field: str, day: date) -> dict[str, list[str]]:
    return {field: [str(day.day), str(day.month), str(day.year)]}


def test_a_commissioner_shortlists_asks_and_records_a_commission(client):
    partnership = make_organisation()
    commissioner = make_user(roles=[Role.COMMISSIONER], organisation=partnership)
    reviewer = _reviewer("Ruth Reviewer")
    sign_in_as(client, commissioner)
    search = client.get("/register/search?q=Ruth")
    soup = page_checks(search, service_name=SERVICE_NAME)
    form = soup.find("input", attrs={"name": "reviewer_id", "value": str(reviewer.id)})
    assert form is not None
    added = client.post(
        "/register/shortlist",
        data={
            "csrf_token": csrf_token(search.get_data(as_text=True)),
            "reviewer_id": str(reviewer.id),
            "back": "/register/search?q=Ruth",
        },
    )
    assert added.status_code == 302 and added.headers["Location"] == "/register/search?q=Ruth"
    again = page_checks(client.get("/register/search?q=Ruth"), service_name=SERVICE_NAME)
    assert "Shortlisted" in again.get_text()
    # An address from elsewhere is never followed.
    away = client.post(
        "/register/shortlist",
        data={
            "csrf_token": csrf_token(search.get_data(as_text=True)),
            "reviewer_id": str(reviewer.id),
            "back": "https://example.com/",
        },
    )
    assert away.headers["Location"] == "/register/shortlist"

    page_checks(client.get("/register/shortlist"), service_name=SERVICE_NAME)
    url = f"/register/shortlist/{reviewer.id}/request-availability"
    page_checks(client.get(url), service_name=SERVICE_NAME)
    wrong = submit(client, url, {"message": "Kept words.", "wanted_from": ["31", "2", "2026"]})
    soup = page_checks(wrong, service_name=SERVICE_NAME)
    assert "Select the kind of review" in error_messages(soup)
    assert "Enter a real date" in error_messages(soup)
    assert "Kept words." in soup.find("textarea").get_text()
    sent = submit(client, url, {"review_type": "lcspr", "message": "An invented case."})
    assert sent.status_code == 302
    request = db.session.query(AvailabilityRequest).one()

    sign_in_as(client, reviewer)
    listing = page_checks(client.get("/register/requests"), service_name=SERVICE_NAME)
    assert "Awaiting answer" in listing.get_text()
    answer_url = f"/register/requests/{request.id}"
    page_checks(client.get(answer_url), service_name=SERVICE_NAME)
    no_date = submit(client, answer_url, {"available": "yes", "note": "Kept note."})
    soup = page_checks(no_date, service_name=SERVICE_NAME)
    assert "Enter the date you can start" in error_messages(soup)
    assert "Kept note." in soup.find("textarea").get_text()
    start = datetime.now(LONDON).date() + timedelta(days=7)
    answered = submit(client, answer_url, {"available": "yes", **_date("can_start_on", start)})
    assert answered.status_code == 302
    db.session.expire_all()
    assert db.session.get(AvailabilityRequest, request.id).can_start_on == start

    sign_in_as(client, commissioner)
    commission_url = f"/register/shortlist/{reviewer.id}/commission"
    prefilled = page_checks(client.get(commission_url), service_name=SERVICE_NAME)
    assert prefilled.find("input", attrs={"name": "review_type", "value": "lcspr", "checked": True})
    backwards = submit(
        client,
        commission_url,
        {
            "review_type": "lcspr",
            **_date("starts_on", start),
            **_date("expected_end_on", start - timedelta(days=1)),
        },
    )
    assert "The expected end date must be the same as or after the start date" in error_messages(
        page_checks(backwards, service_name=SERVICE_NAME)
    )
    recorded = submit(
        client,
        commission_url,
        {
            "review_type": "lcspr",
            **_date("starts_on", start),
            **_date("expected_end_on", start + timedelta(days=180)),
        },
    )
    assert recorded.status_code == 302
    assert count(Commission) == 1
    shortlist = page_checks(client.get("/register/shortlist"), service_name=SERVICE_NAME)
    assert "Local child safeguarding practice review" in shortlist.get_text()


def test_a_reviewer_cannot_open_someone_elses_request(client):
    commissioner = make_user(roles=[Role.COMMISSIONER])
    asked = _reviewer("Asked Person")
    db.session.add(
        AvailabilityRequest(
            partnership_id=commissioner.organisation_id,
            reviewer_id=asked.id,
            requested_by_id=commissioner.id,
            review_type=ReviewType.LCSPR,
        )
    )
    db.session.commit()
    request = db.session.query(AvailabilityRequest).one()
    sign_in_as(client, _reviewer("Nosy Person"))
    assert client.get(f"/register/requests/{request.id}").status_code == 403
    assert client.get("/register/requests/999999").status_code == 404


def test_removing_from_the_shortlist_is_a_button(client):
    commissioner = make_user(roles=[Role.COMMISSIONER])
    reviewer = _reviewer("Rem Oved")
    sign_in_as(client, commissioner)
    page = client.get("/register/search")
    token = csrf_token(page.get_data(as_text=True))
    client.post("/register/shortlist", data={"csrf_token": token, "reviewer_id": reviewer.id})
    removed = client.post(f"/register/shortlist/{reviewer.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert cq.shortlisted_ids(commissioner.organisation_id) == set()


def _grow_shortlist(commissioner, n):
    from portal.register import commissioning

    for i in range(n):
        reviewer = _reviewer(f"Grown {n}-{i}")
        commissioning.add_to_shortlist(commissioner, reviewer.id)
        request = commissioning.request_availability(
            commissioner, reviewer.id, review_type=ReviewType.LCSPR, wanted_from=None, message=""
        )
        commissioning.answer_request(
            reviewer,
            request,
            available=True,
            can_start_on=date(2026, 9, 1),
            note="",
            version_id=None,
        )
        commissioning.record_commission(
            commissioner,
            reviewer.id,
            commissioning.CommissionDetails(ReviewType.LCSPR, date(2026, 9, 1), date(2027, 3, 1)),
        )
    db.session.commit()


def test_search_shortlist_and_requests_pages_do_not_grow_with_the_data(client):
    commissioner = make_user(roles=[Role.COMMISSIONER])
    _grow_shortlist(commissioner, 3)
    reviewer = _reviewer("Counted Reviewer")
    from portal.register import commissioning

    commissioning.add_to_shortlist(commissioner, reviewer.id)
    db.session.commit()
    targets = [(commissioner, "/register/search"), (commissioner, "/register/shortlist")]
    small: dict[str, int] = {}
    for who, target in targets:
        sign_in_as(client, who)
        client.get(target)
        db.session.expire_all()
        with counting() as seen:
            assert client.get(target).status_code == 200
        small[target] = len(seen)
    _grow_shortlist(commissioner, 27)
    for who, target in targets:
        sign_in_as(client, who)
        db.session.expire_all()
        with counting() as seen:
            assert client.get(target).status_code == 200
        assert len(seen) == small[target], target


def test_a_reviewers_requests_page_does_not_grow_with_their_requests(client):
    from portal.register import commissioning

    reviewer = _reviewer("Many Requests")
    sign_in_as(client, reviewer)

    def grow(n):
        for _ in range(n):
            commissioner = make_user(roles=[Role.COMMISSIONER])
            commissioning.add_to_shortlist(commissioner, reviewer.id)
            commissioning.request_availability(
                commissioner,
                reviewer.id,
                review_type=ReviewType.LCSPR,
                wanted_from=None,
                message="",
            )
        db.session.commit()

    grow(3)
    client.get("/register/requests")
    db.session.expire_all()
    with counting() as small:
        assert client.get("/register/requests").status_code == 200
    grow(27)
    db.session.expire_all()
    with counting() as large:
        assert client.get("/register/requests").status_code == 200
    assert len(large) == len(small), "\n".join(large)
