"""The register's pages through HTTP: public pages for anyone, a reviewer's own entry, and
partnerships' search."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.applications.models import DeclaredInterest, InterestKind
from portal.core.audit import AuditEvent
from portal.core.permissions import Role
from portal.extensions import db
from portal.register import queries
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_entry, make_organisation, make_record, make_user
from tests.support import error_messages, page_checks, sign_in_as, submit


def _reviewer(name: str, *, status: str = "accredited", **entry: object):
    user = make_user(name=name, roles=[Role.REVIEWER])
    record = make_record(user=user, status=status)
    make_entry(user, **entry)  # type: ignore[arg-type]
    return user, record


def test_anyone_can_search_the_register_and_open_a_verification_page(client):
    _, record = _reviewer("Vera Verified", biography="Reviews of neglect.")
    page = client.get("/register", query_string={"q": "verified"})
    soup = page_checks(page, service_name=SERVICE_NAME)
    assert "1 entry" in soup.get_text()
    link = soup.find("a", string="Vera Verified")
    assert link is not None
    entry = client.get(str(link["href"]))
    soup = page_checks(entry, service_name=SERVICE_NAME)
    text = " ".join(soup.get_text().split())
    assert record.number in text
    assert "Accredited since" in text
    assert "Reviews of neglect." in text
    # Commissioning details are never on the public page.
    assert "Day rate" not in text and "£" not in text


def test_a_suspended_accreditation_says_so_prominently(client):
    _, record = _reviewer("Sam Suspended", status="suspended")
    soup = page_checks(client.get(f"/register/{record.number}"), service_name=SERVICE_NAME)
    warning = soup.select_one(".govuk-warning-text")
    assert warning is not None
    assert "accreditation is suspended" in warning.get_text()


def test_a_provisional_reviewer_appears_as_such(client):
    _, record = _reviewer("Pat Provisional", status="provisional")
    soup = page_checks(client.get(f"/register/{record.number}"), service_name=SERVICE_NAME)
    assert "Provisionally accredited" in soup.get_text()


def test_an_unknown_number_has_a_clear_not_found_page(client):
    response = client.get("/register/CSPR-2001-00000")
    assert response.status_code == 404
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert soup.h1 is not None and "not on the register" in soup.h1.get_text()


def test_the_start_page_links_to_the_public_register(client):
    soup = page_checks(client.get("/"), service_name=SERVICE_NAME)
    assert soup.find("a", href="/register") is not None


def test_a_reviewer_sees_and_edits_their_entry(client):
    user, _ = _reviewer("Eddie Editor")
    sign_in_as(client, user)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Your register entry" in dashboard
    page_checks(client.get("/register/my-entry"), service_name=SERVICE_NAME)
    page_checks(client.get("/register/my-entry/profile"), service_name=SERVICE_NAME)
    page_checks(client.get("/register/my-entry/availability"), service_name=SERVICE_NAME)
    response = submit(
        client,
        "/register/my-entry/profile",
        {
            "regions": ["E12000003"],
            "specialisms": ["neglect", "online-harm"],
            "methodologies": ["silp"],
            "languages": ["en"],
            "biography": "A new biography.",
            "version_id": str(queries.entry_of(user.id).version_id),
        },
    )
    assert response.status_code == 302
    entry = queries.entry_of(user.id)
    assert entry.biography == "A new biography."
    assert count(AuditEvent, AuditEvent.action == "register.profile_updated") >= 2


def test_form_errors_keep_what_was_typed(client):
    user, _ = _reviewer("Erin Errors")
    sign_in_as(client, user)
    response = submit(
        client,
        "/register/my-entry/availability",
        {
            "available_from": ["31", "2", "2027"],
            "reviews_per_quarter": "9",
            "day_rate_band": "band-b",
            "travel": "remote",
            "version_id": str(queries.entry_of(user.id).version_id),
        },
    )
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Enter a real date" in error_messages(soup)
    assert "Reviews each quarter must be a number from 0 to 6" in error_messages(soup)
    field = soup.find("input", attrs={"name": "reviews_per_quarter"})
    assert field is not None and field["value"] == "9"
    assert soup.find("input", attrs={"name": "travel", "value": "remote", "checked": True})


def test_a_stale_save_is_refused_and_keeps_the_input(client):
    user, _ = _reviewer("Stella Stale")
    sign_in_as(client, user)
    seen = str(queries.entry_of(user.id).version_id)
    first = submit(
        client,
        "/register/my-entry/profile",
        {
            "regions": ["E12000003"],
            "specialisms": ["neglect"],
            "methodologies": ["silp"],
            "languages": ["en"],
            "biography": "Saved in one window.",
            "version_id": seen,
        },
    )
    assert first.status_code == 302
    second = submit(
        client,
        "/register/my-entry/profile",
        {
            "regions": ["E12000003"],
            "specialisms": ["neglect"],
            "methodologies": ["silp"],
            "languages": ["en"],
            "biography": "Typed in another window.",
            "version_id": seen,
        },
    )
    assert second.status_code == 200
    soup = page_checks(second, service_name=SERVICE_NAME)
    assert any("Someone else changed your register entry" in m for m in error_messages(soup))
    assert "Typed in another window." in soup.find("textarea").get_text()
    assert queries.entry_of(user.id).biography == "Saved in one window."


def test_a_reviewer_without_a_record_is_told_they_have_no_entry_yet(client):
    sign_in_as(client, make_user(roles=[Role.REVIEWER]))
    soup = page_checks(client.get("/register/my-entry"), service_name=SERVICE_NAME)
    assert "once you are accredited" in soup.get_text()
    assert client.get("/register/my-entry/profile").status_code == 302


def test_a_commissioner_searches_with_filters_in_the_url_and_sees_excluded_conflicts(client):
    partnership = make_organisation()
    commissioner = make_user(roles=[Role.COMMISSIONER], organisation=partnership)
    _reviewer("Nell Neglect", specialisms=("neglect",), available_from=date(2026, 1, 5))
    conflicted, record = _reviewer("Carl Conflict", specialisms=("neglect",))
    db.session.add(
        DeclaredInterest(
            application_id=record.application_id,
            user_id=conflicted.id,
            organisation_id=partnership.id,
            kind=InterestKind.EMPLOYED,
        )
    )
    db.session.commit()
    sign_in_as(client, commissioner)
    assert "Find a reviewer" in client.get("/dashboard").get_data(as_text=True)

    url = "/register/search?q=neglect&specialisms=neglect&sort=availability&capacity=y"
    before = count(AuditEvent)
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    text = " ".join(soup.get_text().split())
    assert "1 reviewer found" in text
    assert "Nell Neglect" in text and "Carl Conflict" not in text
    assert "1 reviewer was left out" in text
    assert count(AuditEvent) == before  # a plain search writes nothing
    checked = soup.find("input", attrs={"name": "specialisms", "value": "neglect"})
    assert checked is not None and checked.has_attr("checked")

    show = soup.find("a", string="Show reviewers with a conflict of interest")
    assert show is not None
    shown = client.get(str(show["href"]))
    text = " ".join(page_checks(shown, service_name=SERVICE_NAME).get_text().split())
    assert "Carl Conflict" in text and "Conflict of interest: Declared" in text
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "register.conflicts_shown")
    ).one()
    assert event.actor_id == commissioner.id
    assert event.changes is not None and event.changes["shown"] == 1


def test_a_bad_date_filter_is_an_error_and_the_other_filters_still_apply(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))
    _reviewer("Dora Date", specialisms=("neglect",))
    response = client.get(
        "/register/search?specialisms=neglect&available_by=40&available_by=1&available_by=2027"
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Enter a real date" in error_messages(soup)
    assert "Dora Date" in soup.get_text()


def test_only_commissioners_search_for_reviewers(client):
    assert client.get("/register/search").status_code == 302
    sign_in_as(client, make_user(roles=[Role.REVIEWER]))
    assert client.get("/register/search").status_code == 403


def test_unknown_filter_values_in_a_shared_url_are_ignored(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))
    _reviewer("Uma Unknown")
    response = client.get(
        "/register/search?region=nowhere&specialisms=bogus&level=x&sort=y&page=abc"
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Uma Unknown" in soup.get_text()
    public = client.get("/register?status=bogus&region=nowhere&page=-3")
    assert public.status_code == 200


def test_the_search_leaves_out_reviewers_fully_booked_in_the_start_quarter_and_says_when_free(
    client,
):
    from portal.core.dates import today_in_england
    from portal.register import commissioning_queries
    from portal.register.commissioning_models import Commission, ReviewType

    partnership = make_organisation()
    commissioner = make_user(roles=[Role.COMMISSIONER], organisation=partnership)
    today = today_in_england()
    start, end = commissioning_queries.quarter_of(today)
    booked, _ = _reviewer("Bob Booked", available_from=start, reviews_per_quarter=1)
    _reviewer("Fran Free", available_from=start, reviews_per_quarter=1)
    db.session.add(
        Commission(
            partnership_id=partnership.id,
            reviewer_id=booked.id,
            recorded_by_id=commissioner.id,
            review_type=ReviewType.RAPID_REVIEW,
            starts_on=start,
            expected_end_on=end,
        )
    )
    db.session.commit()
    sign_in_as(client, commissioner)
    by = [str(end.day), str(end.month), str(end.year)]
    url = "/register/search?" + "&".join(f"available_by={part}" for part in by)
    text = " ".join(page_checks(client.get(url), service_name=SERVICE_NAME).get_text().split())
    assert "Fran Free" in text and "Bob Booked" not in text
    text = " ".join(
        page_checks(client.get("/register/search"), service_name=SERVICE_NAME).get_text().split()
    )
    following = commissioning_queries.next_quarter(today)
    assert f"Next free place {commissioning_queries.quarter_name(following)}" in text
    assert f"Next free place {commissioning_queries.quarter_name(today)}" in text
