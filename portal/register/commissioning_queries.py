"""Read models for commissioning: a partnership's shortlist, a reviewer's availability
requests, how many places each reviewer has taken this quarter, and commissions for reports.

Each page runs a fixed number of queries whatever the size of the shortlist or list."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.applications.models import CURRENT_ACCREDITATION, AccreditationRecord
from portal.auth.models import User
from portal.extensions import db
from portal.organisations.models import Organisation, Region
from portal.register.commissioning_models import (
    AvailabilityRequest,
    Commission,
    RequestStatus,
    ShortlistEntry,
)
from portal.register.models import RegisterEntry


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter a day falls in: its first and last days."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_name(day: date) -> str:
    """How a page names the quarter a day falls in: 'July to September 2026'."""
    start, end = quarter_of(day)
    return f"{start:%B} to {end:%B %Y}"


def active_in(start: date, end: date) -> sa.ColumnElement[bool]:
    """Commissions that run on any day from start to end."""
    return sa.and_(Commission.starts_on <= end, Commission.expected_end_on >= start)


def next_quarter(day: date) -> date:
    """The first day of the quarter after the one `day` falls in."""
    return quarter_of(day)[1] + timedelta(days=1)


def booked_count(today: date) -> sa.ScalarSelect[int]:
    """A correlated count of the record holder's commissions running in the quarter `today`
    falls in (each running commission takes one of the quarter's places)."""
    start, end = quarter_of(today)
    return (
        sa.select(sa.func.count(Commission.id))
        .where(Commission.reviewer_id == AccreditationRecord.user_id, active_in(start, end))
        .correlate(AccreditationRecord)
        .scalar_subquery()
    )


def booked_this_quarter(user_ids: Collection[int], today: date) -> dict[int, int]:
    """How many commissions each reviewer has running in today's quarter."""
    if not user_ids:
        return {}
    start, end = quarter_of(today)
    rows = db.session.execute(
        sa.select(Commission.reviewer_id, sa.func.count(Commission.id))
        .where(Commission.reviewer_id.in_(list(user_ids)), active_in(start, end))
        .group_by(Commission.reviewer_id)
    )
    return {user_id: int(n) for user_id, n in rows}


def first_free_quarters(
    places: Mapping[int, int | None], starts: Mapping[int, date], today: date
) -> dict[int, date]:
    """For each reviewer, the first day of the first quarter, from the quarter of their start
    day (never before today's quarter), in which their commissions leave a place free: one
    query for them all. A reviewer with no places a quarter (0 or not given) has none."""
    wanted = {user_id: n for user_id, n in places.items() if n}
    # The query runs even for an empty page, so that every search page runs the same number.
    earliest = quarter_of(today)[0]
    spans: dict[int, list[tuple[date, date]]] = {}
    for user_id, starts_on, ends_on in db.session.execute(
        sa.select(Commission.reviewer_id, Commission.starts_on, Commission.expected_end_on).where(
            Commission.reviewer_id.in_(list(wanted)), Commission.expected_end_on >= earliest
        )
    ):
        spans.setdefault(user_id, []).append((starts_on, ends_on))
    found: dict[int, date] = {}
    for user_id, n in wanted.items():
        quarter = quarter_of(max(starts.get(user_id, today), today))[0]
        running = spans.get(user_id, [])
        # Commissions end, so a quarter with a place free comes within len(running) quarters.
        while sum(1 for s, e in running if s <= quarter_of(quarter)[1] and e >= quarter) >= n:
            quarter = next_quarter(quarter)
        found[user_id] = quarter
    return found


def is_shortlisted(partnership_id: int, reviewer_id: int) -> ShortlistEntry | None:
    return db.session.scalar(
        sa.select(ShortlistEntry).where(
            ShortlistEntry.partnership_id == partnership_id,
            ShortlistEntry.reviewer_id == reviewer_id,
        )
    )


def current_record(user_id: int) -> AccreditationRecord | None:
    return db.session.scalar(
        sa.select(AccreditationRecord)
        .where(
            AccreditationRecord.user_id == user_id,
            AccreditationRecord.status.in_(sorted(CURRENT_ACCREDITATION)),
        )
        .order_by(AccreditationRecord.expires_on.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class ShortlistRow:
    reviewer_id: int
    name: str
    number: str | None
    added_at: datetime
    available_from: date | None
    reviews_per_quarter: int | None
    booked: int
    request: AvailabilityRequest | None
    commissions: list[Commission]

    @property
    def places_left(self) -> int | None:
        if self.reviews_per_quarter is None:
            return None
        return max(0, self.reviews_per_quarter - self.booked)


def shortlist(partnership_id: int, today: date) -> list[ShortlistRow]:
    """The partnership's shortlist, in the order reviewers were added, each with their latest
    availability request and the partnership's commissions with them."""
    rows = db.session.execute(
        sa.select(
            ShortlistEntry.reviewer_id,
            User.name,
            ShortlistEntry.added_at,
            RegisterEntry.available_from,
            RegisterEntry.reviews_per_quarter,
        )
        .join(User, User.id == ShortlistEntry.reviewer_id)
        .outerjoin(RegisterEntry, RegisterEntry.user_id == ShortlistEntry.reviewer_id)
        .where(ShortlistEntry.partnership_id == partnership_id)
        .order_by(ShortlistEntry.added_at, ShortlistEntry.id)
    ).all()
    ids = [row[0] for row in rows]
    numbers: dict[int, str] = {}
    requests: dict[int, AvailabilityRequest] = {}
    commissions: dict[int, list[Commission]] = {}
    if ids:
        for user_id, number in db.session.execute(
            sa.select(AccreditationRecord.user_id, AccreditationRecord.number)
            .where(AccreditationRecord.user_id.in_(ids))
            .order_by(AccreditationRecord.expires_on)
        ):
            numbers[user_id] = number
        for found in db.session.scalars(
            sa.select(AvailabilityRequest)
            .where(
                AvailabilityRequest.partnership_id == partnership_id,
                AvailabilityRequest.reviewer_id.in_(ids),
            )
            .order_by(AvailabilityRequest.requested_at, AvailabilityRequest.id)
        ):
            requests[found.reviewer_id] = found  # the latest wins
        for commission in db.session.scalars(
            sa.select(Commission)
            .where(Commission.partnership_id == partnership_id, Commission.reviewer_id.in_(ids))
            .order_by(Commission.starts_on, Commission.id)
        ):
            commissions.setdefault(commission.reviewer_id, []).append(commission)
    booked = booked_this_quarter(ids, today)
    return [
        ShortlistRow(
            reviewer_id=row[0],
            name=row[1],
            number=numbers.get(row[0]),
            added_at=row[2],
            available_from=row[3],
            reviews_per_quarter=row[4],
            booked=booked.get(row[0], 0),
            request=requests.get(row[0]),  # a dict, not the HTTP library  # nosec B113
            commissions=commissions.get(row[0], []),
        )
        for row in rows
    ]


def shortlisted_ids(partnership_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(ShortlistEntry.reviewer_id).where(
                ShortlistEntry.partnership_id == partnership_id
            )
        )
    )


def requests_for(reviewer_id: int) -> list[AvailabilityRequest]:
    """A reviewer's availability requests, those awaiting an answer first, newest first."""
    return list(
        db.session.scalars(
            sa.select(AvailabilityRequest)
            .where(AvailabilityRequest.reviewer_id == reviewer_id)
            .order_by(
                (AvailabilityRequest.status != RequestStatus.PENDING),
                AvailabilityRequest.requested_at.desc(),
                AvailabilityRequest.id.desc(),
            )
        )
    )


def pending_count(reviewer_id: int) -> int:
    """How many availability requests await the reviewer's answer."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(AvailabilityRequest.id)).where(
                AvailabilityRequest.reviewer_id == reviewer_id,
                AvailabilityRequest.status == RequestStatus.PENDING,
            )
        )
        or 0
    )


def pending_request(partnership_id: int, reviewer_id: int) -> AvailabilityRequest | None:
    return db.session.scalar(
        sa.select(AvailabilityRequest).where(
            AvailabilityRequest.partnership_id == partnership_id,
            AvailabilityRequest.reviewer_id == reviewer_id,
            AvailabilityRequest.status == RequestStatus.PENDING,
        )
    )


def latest_accepted(partnership_id: int, reviewer_id: int) -> AvailabilityRequest | None:
    return db.session.scalar(
        sa.select(AvailabilityRequest)
        .where(
            AvailabilityRequest.partnership_id == partnership_id,
            AvailabilityRequest.reviewer_id == reviewer_id,
            AvailabilityRequest.status == RequestStatus.ACCEPTED,
        )
        .order_by(AvailabilityRequest.answered_at.desc(), AvailabilityRequest.id.desc())
        .limit(1)
    )


# Reports

REPORT_GROUPS = ("partnership", "region", "month")


@dataclass(frozen=True)
class CommissionCount:
    key: str
    commissions: int
    # Median days from shortlisting the reviewer to recording the commission, where known.
    median_days_to_commission: float | None


def commissions_by(
    group: str, *, since: date | None = None, until: date | None = None
) -> list[CommissionCount]:
    """Commissions counted by partnership, by the partnership's region or by the month the
    review starts, with how long finding the reviewer took."""
    if group not in REPORT_GROUPS:
        raise ValueError(f"unknown group {group!r}")
    conditions: list[sa.ColumnElement[bool]] = []
    if since is not None:
        conditions.append(Commission.starts_on >= since)
    if until is not None:
        conditions.append(Commission.starts_on <= until)
    rows = db.session.execute(
        sa.select(
            Organisation.name,
            Region.name,
            Commission.starts_on,
            Commission.shortlisted_at,
            Commission.recorded_at,
        )
        .join(Organisation, Organisation.id == Commission.partnership_id)
        .outerjoin(Region, Region.code == Organisation.region_code)
        .where(*conditions)
    ).all()
    grouped: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for partnership, region, starts_on, shortlisted_at, recorded_at in rows:
        key = {
            "partnership": partnership,
            "region": region or "No region",
            "month": f"{starts_on:%Y-%m}",
        }[group]
        counts[key] = counts.get(key, 0) + 1
        days = grouped.setdefault(key, [])
        if shortlisted_at is not None:
            days.append((recorded_at - shortlisted_at).total_seconds() / 86400)
    return [CommissionCount(key, counts[key], _median(grouped[key])) for key in sorted(counts)]


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
