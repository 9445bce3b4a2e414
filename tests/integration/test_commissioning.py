"""Commissioning: shortlists, availability requests and answers, commissions, the capacity
they take, the independence flag and the commissions report."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from portal.register import commissioning, queries
from portal.register import commissioning_queries as cq
from portal.register.commissioning_models import Commission, RequestStatus, ReviewType
from tests.factories import count, make_entry, make_organisation, make_record, make_user

TODAY = date(2026, 6, 15)


def _reviewer(name: str = "Rita Reviewer", *, per_quarter: int = 1, status: str = "accredited"):
    user = make_user(name=name, roles=[Role.REVIEWER])
    make_record(user=user, status=status)
    make_entry(user, reviews_per_quarter=per_quarter, available_from=date(2026, 5, 1))
    return user


def _commissioner(partnership=None):
    return make_user(roles=[Role.COMMISSIONER], organisation=partnership or make_organisation())


def _actions() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                AuditEvent.action.like("register.%"),
                AuditEvent.action.not_in(
                    ["register.profile_updated", "register.availability_updated"]
                ),
            )
            .order_by(AuditEvent.id)
        )
    )


def _commission(commissioner, reviewer, starts_on=date(2026, 4, 1), ends_on=date(2026, 9, 30)):
    commissioning.add_to_shortlist(commissioner, reviewer.id)
    found = commissioning.record_commission(
        commissioner,
        reviewer.id,
        commissioning.CommissionDetails(ReviewType.LCSPR, starts_on, ends_on),
    )
    db.session.commit()
    return found


def test_shortlist_request_answer_and_commission_are_audited_and_emailed():
    commissioner = _commissioner()
    reviewer = _reviewer()
    commissioning.add_to_shortlist(commissioner, reviewer.id)
    commissioning.add_to_shortlist(commissioner, reviewer.id)  # twice changes nothing
    request = commissioning.request_availability(
        commissioner,
        reviewer.id,
        review_type=ReviewType.RAPID_REVIEW,
        wanted_from=date(2026, 7, 1),
        message="An invented case.",
    )
    db.session.commit()
    assert count(OutboxMessage, OutboxMessage.to_address == reviewer.email) == 1
    with pytest.raises(DomainError, match="already asked"):
        commissioning.request_availability(
            commissioner, reviewer.id, review_type=ReviewType.LCSPR, wanted_from=None, message=""
        )
    with pytest.raises(DomainError, match="date you can start"):
        commissioning.answer_request(
            reviewer, request, available=True, can_start_on=None, note="", version_id=None
        )
    commissioning.answer_request(
        reviewer,
        request,
        available=True,
        can_start_on=date(2026, 7, 6),
        note="Happy to.",
        version_id=request.version_id,
    )
    db.session.commit()
    assert request.status is RequestStatus.ACCEPTED
    assert count(OutboxMessage, OutboxMessage.to_address == commissioner.email) == 1
    with pytest.raises(InvalidTransition):
        commissioning.answer_request(
            reviewer, request, available=False, can_start_on=None, note="", version_id=None
        )
    commission = commissioning.record_commission(
        commissioner,
        reviewer.id,
        commissioning.CommissionDetails(
            ReviewType.RAPID_REVIEW, date(2026, 7, 6), date(2026, 7, 27)
        ),
    )
    db.session.commit()
    assert commission.request_id == request.id
    assert commission.shortlisted_at is not None
    assert count(OutboxMessage, OutboxMessage.to_address == reviewer.email) == 2
    assert _actions() == [
        "register.shortlisted",
        "register.availability_requested",
        "register.availability_answered",
        "register.commission_recorded",
    ]


def test_only_the_reviewer_asked_answers_and_a_decline_needs_no_date():
    commissioner = _commissioner()
    reviewer = _reviewer()
    commissioning.add_to_shortlist(commissioner, reviewer.id)
    request = commissioning.request_availability(
        commissioner, reviewer.id, review_type=ReviewType.LCSPR, wanted_from=None, message=""
    )
    with pytest.raises(NotPermitted):
        commissioning.answer_request(
            _reviewer("Other One"),
            request,
            available=False,
            can_start_on=None,
            note="",
            version_id=None,
        )
    commissioning.answer_request(
        reviewer, request, available=False, can_start_on=None, note="Booked up.", version_id=None
    )
    assert request.status is RequestStatus.DECLINED and request.can_start_on is None


def test_nobody_unshortlisted_or_not_current_can_be_asked_or_commissioned():
    commissioner = _commissioner()
    reviewer = _reviewer()
    with pytest.raises(DomainError, match="Shortlist this reviewer first"):
        commissioning.request_availability(
            commissioner, reviewer.id, review_type=ReviewType.LCSPR, wanted_from=None, message=""
        )
    with pytest.raises(DomainError, match="not currently accredited"):
        commissioning.add_to_shortlist(commissioner, _reviewer("Sus", status="suspended").id)
    with pytest.raises(NotPermitted):
        commissioning.add_to_shortlist(make_user(roles=[Role.REVIEWER]), reviewer.id)
    commissioning.add_to_shortlist(commissioner, reviewer.id)
    with pytest.raises(DomainError, match="expected end date"):
        commissioning.record_commission(
            commissioner,
            reviewer.id,
            commissioning.CommissionDetails(ReviewType.LCSPR, date(2026, 7, 1), date(2026, 6, 1)),
        )


def test_removing_from_the_shortlist_is_audited():
    commissioner = _commissioner()
    reviewer = _reviewer()
    commissioning.add_to_shortlist(commissioner, reviewer.id)
    commissioning.remove_from_shortlist(commissioner, reviewer.id)
    db.session.commit()
    assert cq.shortlist(commissioner.organisation_id, TODAY) == []
    assert _actions() == ["register.shortlisted", "register.unshortlisted"]


def test_the_shortlist_is_shared_by_the_partnership():
    partnership = make_organisation()
    first, second = _commissioner(partnership), _commissioner(partnership)
    reviewer = _reviewer()
    commissioning.add_to_shortlist(first, reviewer.id)
    rows = cq.shortlist(second.organisation_id, TODAY)
    assert [row.name for row in rows] == ["Rita Reviewer"]
    assert cq.shortlist(_commissioner().organisation_id, TODAY) == []


def test_quarters_are_calendar_quarters():
    assert cq.quarter_of(date(2026, 6, 15)) == (date(2026, 4, 1), date(2026, 6, 30))
    assert cq.quarter_of(date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert cq.quarter_of(date(2027, 1, 1)) == (date(2027, 1, 1), date(2027, 3, 31))


def test_a_commission_running_this_quarter_takes_a_place_in_the_capacity_filter():
    partnership = make_organisation()
    commissioner = _commissioner(partnership)
    busy = _reviewer("Bea Busy", per_quarter=1)
    free = _reviewer("Fay Free", per_quarter=2)
    _commission(commissioner, busy)  # April to September: running on TODAY
    _commission(commissioner, free, date(2026, 1, 5), date(2026, 3, 31))  # ended last quarter
    found = queries.find_reviewers(
        queries.SearchFilters(capacity=True), partnership_id=None, today=TODAY, page=1
    )
    names = [row.name for row in found.page.rows]
    assert "Fay Free" in names and "Bea Busy" not in names
    everyone = queries.find_reviewers(
        queries.SearchFilters(), partnership_id=None, today=TODAY, page=1
    )
    bea = next(row for row in everyone.page.rows if row.name == "Bea Busy")
    assert (bea.booked, bea.places_left) == (1, 0)
    assert cq.booked_this_quarter([busy.id, free.id], TODAY) == {busy.id: 1}
    # Next quarter the April-September review still runs; in the one after, it does not.
    assert cq.booked_this_quarter([busy.id], date(2026, 9, 30)) == {busy.id: 1}
    assert cq.booked_this_quarter([busy.id], date(2026, 10, 1)) == {}


def test_several_recent_reviews_for_the_partnership_are_flagged_not_hidden():
    partnership = make_organisation()
    commissioner = _commissioner(partnership)
    regular = _reviewer("Reg Regular", per_quarter=6)
    once = _reviewer("Olly Once", per_quarter=6)
    _commission(commissioner, regular, date(2024, 2, 1), date(2024, 6, 1))
    db.session.add(
        Commission(
            partnership_id=partnership.id,
            reviewer_id=regular.id,
            recorded_by_id=commissioner.id,
            review_type=ReviewType.RAPID_REVIEW,
            starts_on=date(2025, 3, 1),
            expected_end_on=date(2025, 3, 20),
        )
    )
    _commission(commissioner, once)
    # Older than three years: not counted.
    db.session.add(
        Commission(
            partnership_id=partnership.id,
            reviewer_id=once.id,
            recorded_by_id=commissioner.id,
            review_type=ReviewType.LCSPR,
            starts_on=date(2023, 6, 14),
            expected_end_on=date(2023, 9, 1),
        )
    )
    db.session.commit()
    found = queries.find_reviewers(
        queries.SearchFilters(), partnership_id=partnership.id, today=TODAY, page=1
    )
    flags = {row.name: row.independence for row in found.page.rows}
    assert flags["Reg Regular"] == "Independence: 2 reviews for this partnership since 2024"
    assert flags["Olly Once"] is None


def test_commissions_are_reported_by_partnership_region_and_month():
    partnership = make_organisation(name="Invented Dale Partnership")
    commissioner = _commissioner(partnership)
    _commission(commissioner, _reviewer("One"), date(2026, 4, 1), date(2026, 9, 1))
    _commission(commissioner, _reviewer("Two"), date(2026, 5, 2), date(2026, 9, 1))
    by_partnership = {row.key: row for row in cq.commissions_by("partnership")}
    assert by_partnership["Invented Dale Partnership"].commissions == 2
    assert by_partnership["Invented Dale Partnership"].median_days_to_commission is not None
    by_month = {
        row.key: row.commissions for row in cq.commissions_by("month", since=date(2026, 4, 1))
    }
    assert by_month["2026-04"] >= 1 and by_month["2026-05"] >= 1
    assert sum(row.commissions for row in cq.commissions_by("region")) >= 2
    with pytest.raises(ValueError, match="unknown group"):
        cq.commissions_by("colour")


def _available_by(day: date) -> list[str]:
    found = queries.find_reviewers(
        queries.SearchFilters(available_by=day), partnership_id=None, today=TODAY, page=1
    )
    return sorted(row.name for row in found.page.rows)


def test_a_reviewer_whose_places_in_the_start_dates_quarter_are_taken_is_not_available_then():
    commissioner = _commissioner()
    busy = _reviewer("Bea Busy", per_quarter=1)
    _reviewer("Fay Free", per_quarter=1)
    two = _reviewer("Tom Two", per_quarter=2)
    _commission(commissioner, busy, date(2026, 4, 1), date(2026, 9, 30))  # Q2 and Q3
    _commission(commissioner, two, date(2026, 4, 1), date(2026, 9, 30))
    # Quarter edges: the first and last days of the quarters the commission runs in.
    for day in (date(2026, 6, 30), date(2026, 7, 1), date(2026, 9, 30)):
        assert _available_by(day) == ["Fay Free", "Tom Two"], day
    assert _available_by(date(2026, 10, 1)) == ["Bea Busy", "Fay Free", "Tom Two"]
    # Before the start day they gave, nobody is available, commissions or not.
    assert _available_by(date(2026, 4, 30)) == []


def test_a_commission_ending_the_day_before_a_quarter_leaves_its_place_free():
    commissioner = _commissioner()
    ended = _reviewer("Eve Ended", per_quarter=1)
    spans = _reviewer("Sam Spans", per_quarter=1)
    _commission(commissioner, ended, date(2026, 4, 1), date(2026, 6, 30))
    _commission(commissioner, spans, date(2026, 4, 1), date(2026, 7, 1))
    # Eve's commission ends the day before the quarter starts; Sam's runs into its first day.
    assert _available_by(date(2026, 7, 1)) == ["Eve Ended"]
    assert _available_by(date(2026, 9, 30)) == ["Eve Ended"]
    # Places are counted by quarter: a commission that ended the day before the start date,
    # in the same quarter, still took that quarter's place.
    mid = _reviewer("Meg Mid", per_quarter=1)
    _commission(commissioner, mid, date(2026, 7, 1), date(2026, 8, 14))
    assert "Meg Mid" not in _available_by(date(2026, 8, 15))
    assert "Meg Mid" in _available_by(date(2026, 10, 1))


def test_the_search_shows_each_reviewers_next_quarter_with_a_free_place():
    commissioner = _commissioner()
    busy = _reviewer("Bea Busy", per_quarter=1)
    _reviewer("Fay Free", per_quarter=1)
    _reviewer("Nora None", per_quarter=0)
    later = _reviewer("Lou Later", per_quarter=1)
    _commission(commissioner, busy, date(2026, 4, 1), date(2026, 9, 30))
    _commission(commissioner, busy, date(2026, 10, 1), date(2026, 12, 31))
    later_entry = queries.entry_of(later.id)
    later_entry.available_from = date(2027, 5, 3)
    db.session.commit()
    found = queries.find_reviewers(
        queries.SearchFilters(), partnership_id=None, today=TODAY, page=1
    )
    rows = {row.name: row for row in found.page.rows}
    assert rows["Bea Busy"].free_from == date(2027, 1, 1)
    assert rows["Bea Busy"].free_quarter == "January to March 2027"
    assert rows["Fay Free"].free_quarter == "April to June 2026"
    assert rows["Lou Later"].free_quarter == "April to June 2027"
    assert rows["Nora None"].free_from is None
    assert cq.first_free_quarters({}, {}, TODAY) == {}
    assert cq.next_quarter(date(2026, 12, 31)) == date(2027, 1, 1)
