"""Read models for reports: each returns aggregates computed in SQL (GROUP BY; medians and
percentiles too on PostgreSQL, while SQLite, which has none, streams only the durations a median
needs), never whole tables or people. Each runs a fixed number of queries whatever the size of
the data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from portal.applications.models import (
    CLOSED_STATUSES,
    CURRENT_ACCREDITATION,
    AccreditationRecord,
    AccreditationStatusChange,
    Allocation,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    StatusChange,
)
from portal.auth.models import RoleGrant
from portal.core.dates import add_months
from portal.core.permissions import Role
from portal.core.sql_dates import add_days, utc_year
from portal.cpd import queries as cpd_queries
from portal.cpd.audit_models import AuditOutcome, AuditStatus, CpdAuditCycle, CpdAuditSelection
from portal.cpd.models import CpdEntry, EntryStatus
from portal.extensions import db
from portal.framework.models import Competency, FrameworkDomain, FrameworkStatus
from portal.organisations.models import Organisation, Region
from portal.peer_qa import learning as qa_learning
from portal.peer_qa.models import (
    RELEASED,
    AgreedMarkerScore,
    QaReview,
    RecommendationAnalysis,
    RubricMarker,
    RubricVersion,
)
from portal.register import commissioning_queries
from portal.register.commissioning_models import Commission
from portal.register.models import RegisterEntry, RegisterEntryTerm, TermKind
from portal.reporting import learning_queries
from portal.reporting.disclosure import quantile
from portal.reporting.facts import (
    AssessorLoad,
    AuditOutcomeCount,
    CategoryCount,
    ClassCount,
    ComplianceCount,
    Concentration,
    DomainHours,
    Durations,
    Extract,
    GradeCount,
    MarkerLevelCount,
    OutcomeCount,
    Period,
    Quarter,
    QuarterPlaces,
    QuarterRegionCount,
    RecommendationClasses,
    RegionCommissions,
    RegionCount,
    RegionExpiries,
    RegionName,
    RegionNotifications,
    RegionPlaces,
    StateCount,
    ThemeClassCount,
)
from portal.reporting.models import (
    AGE_BAND_LABELS,
    DISABILITY_LABELS,
    ETHNICITIES,
    SEX_LABELS,
    DiversityAnswers,
    IncidentNotification,
    NotificationImport,
)

CURRENT = sorted(CURRENT_ACCREDITATION)
MAX_QUARTERS = 12


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _after(day: date) -> datetime:
    """The first moment after `day` (timestamps are compared as UTC)."""
    return _start_of(day + timedelta(days=1))


def quarter_of(day: date) -> Quarter:
    start, end = commissioning_queries.quarter_of(day)
    return Quarter(start, end)


def quarters_between(first: date, last: date) -> list[Quarter]:
    """The calendar quarters from the one `first` falls in to the one `last` falls in (at
    most the last twelve)."""
    found = []
    quarter = quarter_of(first)
    while quarter.starts_on <= last:
        found.append(quarter)
        quarter = quarter_of(quarter.ends_on + timedelta(days=1))
    return found[-MAX_QUARTERS:]


def read_regions() -> list[RegionName]:
    return [
        RegionName(code, name)
        for code, name in db.session.execute(
            sa.select(Region.code, Region.name).order_by(Region.position, Region.name)
        )
    ]


def _record_region() -> Any:
    """A record's region: the home region on the application that led to it (one per
    reviewer, so regional counts add up to England's)."""
    return Application.home_region_code


def _current_on(day: date) -> list[sa.ColumnElement[bool]]:
    return [
        AccreditationRecord.status.in_(CURRENT),
        AccreditationRecord.starts_on <= day,
        AccreditationRecord.expires_on > day,
    ]


# Capacity


def reviewers_by_level(today: date) -> list[RegionCount]:
    """Current accreditations by region and level."""
    rows = db.session.execute(
        sa.select(_record_region(), AccreditationRecord.level, sa.func.count())
        .select_from(AccreditationRecord)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .where(*_current_on(today))
        .group_by(_record_region(), AccreditationRecord.level)
    )
    return [RegionCount(region, level, int(n)) for region, level, n in rows]


def reviewers_by_quarter(quarters: Iterable[Quarter], today: date) -> list[QuarterRegionCount]:
    """Accreditations current at the end of each quarter (today for the quarter under way),
    by region, read from each record's status history: its latest change by then (the later
    one recorded where two share a time), numbered in one pass over the history."""
    found: list[QuarterRegionCount] = []
    for quarter in quarters:
        day = min(quarter.ends_on, today)
        latest = (
            sa.select(
                AccreditationStatusChange.record_id,
                AccreditationStatusChange.to_status,
                sa.func.row_number()
                .over(
                    partition_by=AccreditationStatusChange.record_id,
                    order_by=(
                        AccreditationStatusChange.occurred_at.desc(),
                        AccreditationStatusChange.id.desc(),
                    ),
                )
                .label("newest"),
            )
            .where(AccreditationStatusChange.occurred_at < _after(day))
            .subquery("status_then")
        )
        rows = db.session.execute(
            sa.select(_record_region(), sa.func.count())
            .select_from(AccreditationRecord)
            .join(Application, Application.id == AccreditationRecord.application_id)
            .join(latest, latest.c.record_id == AccreditationRecord.id)
            .where(
                latest.c.newest == 1,
                latest.c.to_status.in_(CURRENT),
                AccreditationRecord.starts_on <= day,
                AccreditationRecord.expires_on > day,
            )
            .group_by(_record_region())
        )
        found.extend(QuarterRegionCount(quarter, region, int(n)) for region, n in rows)
    return found


def reviewers_by_specialism(today: date) -> list[RegionCount]:
    """Current accreditations by region and the specialisms on the reviewer's register entry
    (a reviewer with two specialisms counts under each)."""
    rows = db.session.execute(
        sa.select(_record_region(), RegisterEntryTerm.code, sa.func.count())
        .select_from(AccreditationRecord)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .join(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .join(RegisterEntryTerm, RegisterEntryTerm.entry_id == RegisterEntry.id)
        .where(*_current_on(today), RegisterEntryTerm.kind == TermKind.SPECIALISM)
        .group_by(_record_region(), RegisterEntryTerm.code)
    )
    return [RegionCount(region, code, int(n)) for region, code, n in rows]


def _places_offered(quarter: Quarter) -> tuple[sa.ColumnElement[int], sa.ColumnElement[int]]:
    offering = sa.and_(
        RegisterEntry.available_from.is_not(None),
        RegisterEntry.available_from <= quarter.ends_on,
        AccreditationRecord.expires_on > quarter.starts_on,
        sa.func.coalesce(RegisterEntry.reviews_per_quarter, 0) > 0,
    )
    places = sa.func.coalesce(
        sa.func.sum(sa.case((offering, RegisterEntry.reviews_per_quarter), else_=0)), 0
    )
    people = sa.func.coalesce(sa.func.sum(sa.case((offering, 1), else_=0)), 0)
    return places, people


def places_this_quarter(today: date) -> list[RegionPlaces]:
    """Places reviewers offer this quarter (their reviews per quarter, once available) by
    their region, and commissions running this quarter by the partnership's region."""
    quarter = quarter_of(today)
    places, people = _places_offered(quarter)
    offered = {
        region: (int(p), int(n))
        for region, p, n in db.session.execute(
            sa.select(_record_region(), places, people)
            .select_from(AccreditationRecord)
            .join(Application, Application.id == AccreditationRecord.application_id)
            .join(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
            .where(*_current_on(today))
            .group_by(_record_region())
        )
    }
    running = {
        region: int(n)
        for region, n in db.session.execute(
            sa.select(Organisation.region_code, sa.func.count(Commission.id))
            .join(Organisation, Organisation.id == Commission.partnership_id)
            .where(commissioning_queries.active_in(quarter.starts_on, quarter.ends_on))
            .group_by(Organisation.region_code)
        )
    }
    keys = set(offered) | set(running)
    return [
        RegionPlaces(
            region,
            offered.get(region, (0, 0))[0],
            offered.get(region, (0, 0))[1],
            running.get(region, 0),
        )
        for region in keys
    ]


def places_by_quarter(today: date, ahead: int = 4) -> list[QuarterPlaces]:
    """For this quarter and the next: places offered nationally and commissions running."""
    quarters = [quarter_of(today)]
    while len(quarters) < ahead:
        quarters.append(quarter_of(quarters[-1].ends_on + timedelta(days=1)))
    columns: list[sa.ColumnElement[int]] = []
    for quarter in quarters:
        columns.extend(_places_offered(quarter))
    offered = db.session.execute(
        sa.select(*columns)
        .select_from(AccreditationRecord)
        .join(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .where(
            AccreditationRecord.status.in_(CURRENT),
            AccreditationRecord.starts_on <= today,
            AccreditationRecord.expires_on > today,
        )
    ).one()
    running = db.session.execute(
        sa.select(
            *(
                sa.func.coalesce(
                    sa.func.sum(
                        sa.case(
                            (commissioning_queries.active_in(q.starts_on, q.ends_on), 1), else_=0
                        )
                    ),
                    0,
                )
                for q in quarters
            )
        ).select_from(Commission)
    ).one()
    return [
        QuarterPlaces(q, int(offered[2 * i]), int(offered[2 * i + 1]), int(running[i]))
        for i, q in enumerate(quarters)
    ]


def notifications_by_region(period: Period) -> list[RegionNotifications]:
    """Serious incident notifications in the period, by the partnership's region."""
    first = period.starts_on.replace(day=1)
    rows = db.session.execute(
        sa.select(
            Organisation.region_code,
            sa.func.coalesce(sa.func.sum(IncidentNotification.notifications), 0),
            sa.func.count(IncidentNotification.id),
        )
        .join(Organisation, Organisation.id == IncidentNotification.partnership_id)
        .where(IncidentNotification.month >= first, IncidentNotification.month <= period.ends_on)
        .group_by(Organisation.region_code)
    )
    return [RegionNotifications(region, int(n), int(months)) for region, n, months in rows]


def commissions_by_region(period: Period) -> list[RegionCommissions]:
    """Commissions starting in the period by the partnership's region, with the median days
    from shortlisting the reviewer to recording the commission (on PostgreSQL grouped in SQL,
    on SQLite, which has no percentiles, by the commissioning report's own count)."""
    if not _on_postgresql():
        return [
            RegionCommissions(row.key, row.commissions, row.median_days_to_commission)
            for row in commissioning_queries.commissions_by(
                "region", since=period.starts_on, until=period.ends_on
            )
        ]
    name = sa.func.coalesce(Region.name, "No region")
    days = (
        sa.cast(sa.extract("epoch", Commission.recorded_at - Commission.shortlisted_at), sa.Float)
        / 86400
    )
    rows = db.session.execute(
        sa.select(name, sa.func.count(), sa.func.percentile_cont(0.5).within_group(days))
        .select_from(Commission)
        .join(Organisation, Organisation.id == Commission.partnership_id)
        .outerjoin(Region, Region.code == Organisation.region_code)
        .where(Commission.starts_on >= period.starts_on, Commission.starts_on <= period.ends_on)
        .group_by(name)
        .order_by(name)
    )
    return [RegionCommissions(str(key), int(n), _float(median)) for key, n, median in rows]


def concentration(period: Period, today: date) -> Concentration:
    """Commissions starting in the period for each reviewer who had one (counts only), and how
    many reviewers are accredited now."""
    accredited = db.session.scalar(
        sa.select(sa.func.count()).select_from(AccreditationRecord).where(*_current_on(today))
    )
    per_reviewer = db.session.scalars(
        sa.select(sa.func.count(Commission.id))
        .where(Commission.starts_on >= period.starts_on, Commission.starts_on <= period.ends_on)
        .group_by(Commission.reviewer_id)
        .order_by(sa.func.count(Commission.id).desc())
    )
    return Concentration(int(accredited or 0), tuple(int(n) for n in per_reviewer))


def expiries(today: date) -> list[RegionExpiries]:
    """Current accreditations expiring in the next 6 and 12 months, and renewal applications
    submitted and not yet decided, by region."""
    soon, later = add_months(today, 6), add_months(today, 12)
    expiring = {
        region: (int(a or 0), int(b or 0))
        for region, a, b in db.session.execute(
            sa.select(
                _record_region(),
                sa.func.sum(sa.case((AccreditationRecord.expires_on <= soon, 1), else_=0)),
                sa.func.sum(sa.case((AccreditationRecord.expires_on <= later, 1), else_=0)),
            )
            .select_from(AccreditationRecord)
            .join(Application, Application.id == AccreditationRecord.application_id)
            .where(*_current_on(today))
            .group_by(_record_region())
        )
    }
    renewing = {
        region: int(n)
        for region, n in db.session.execute(
            sa.select(Application.home_region_code, sa.func.count())
            .where(
                Application.kind == ApplicationKind.RENEWAL,
                Application.status.not_in(sorted({ApplicationStatus.DRAFT, *CLOSED_STATUSES})),
            )
            .group_by(Application.home_region_code)
        )
    }
    return [
        RegionExpiries(
            region,
            expiring.get(region, (0, 0))[0],
            expiring.get(region, (0, 0))[1],
            renewing.get(region, 0),
        )
        for region in set(expiring) | set(renewing)
    ]


# The accreditation pipeline


def applications_by_state() -> list[StateCount]:
    rows = db.session.execute(
        sa.select(Application.status, Application.kind, sa.func.count()).group_by(
            Application.status, Application.kind
        )
    )
    return [StateCount(status.value, kind.value, int(n)) for status, kind, n in rows]


def _days(later: datetime, earlier: datetime) -> float:
    if later.tzinfo is None:
        later = later.replace(tzinfo=UTC)
    if earlier.tzinfo is None:
        earlier = earlier.replace(tzinfo=UTC)
    return (later - earlier).total_seconds() / 86400


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _durations(key: Any, later: Any, earlier: Any, source: Any, *where: Any) -> list[Any]:
    """(key, count, median, 90th percentile) of the days from `earlier` to `later`, by `key`:
    on PostgreSQL worked out in SQL (percentile_cont), on SQLite, which has no percentiles,
    from the durations read a row at a time."""
    if _on_postgresql():
        days = sa.cast(sa.extract("epoch", later - earlier), sa.Float) / 86400
        return list(
            db.session.execute(
                sa.select(
                    key,
                    sa.func.count(),
                    sa.func.percentile_cont(0.5).within_group(days),
                    sa.func.percentile_cont(0.9).within_group(days),
                )
                .select_from(source)
                .where(*where)
                .group_by(key)
            )
        )
    found: dict[Any, list[float]] = defaultdict(list)
    for k, finished, started in db.session.execute(
        sa.select(key, later, earlier)
        .select_from(source)
        .where(*where)
        .execution_options(yield_per=5000)
    ):
        found[k].append(_days(finished, started))
    return [(k, len(days), quantile(days, 0.5), quantile(days, 0.9)) for k, days in found.items()]


def days_to_decision(period: Period) -> list[Durations]:
    """Days from submission to the first decision, for decisions made in the period, by the
    year of the decision: counts, medians and 90th percentiles grouped in SQL."""
    first_decision = (
        sa.select(Decision.application_id, sa.func.min(Decision.decided_at).label("decided_at"))
        .group_by(Decision.application_id)
        .subquery()
    )
    rows = _durations(
        utc_year(first_decision.c.decided_at),
        first_decision.c.decided_at,
        Application.submitted_at,
        first_decision.join(Application, Application.id == first_decision.c.application_id),
        Application.submitted_at.is_not(None),
        first_decision.c.decided_at >= _start_of(period.starts_on),
        first_decision.c.decided_at < _after(period.ends_on),
    )
    return sorted(
        (Durations(str(int(year)), int(n), _float(m), _float(p)) for year, n, m, p in rows),
        key=lambda d: d.key,
    )


def days_in_state(period: Period) -> list[Durations]:
    """Days applications spent in each state, for spells that ended in the period, from the
    status history (each change's time to the next, computed with a window in SQL)."""
    spell = sa.select(
        StatusChange.to_status.label("status"),
        StatusChange.occurred_at.label("entered_at"),
        sa.func.lead(StatusChange.occurred_at, type_=StatusChange.occurred_at.type)
        .over(
            partition_by=StatusChange.application_id,
            order_by=(StatusChange.occurred_at, StatusChange.id),
        )
        .label("left_at"),
    ).subquery()
    rows = _durations(
        spell.c.status,
        spell.c.left_at,
        spell.c.entered_at,
        spell,
        spell.c.left_at.is_not(None),
        spell.c.left_at >= _start_of(period.starts_on),
        spell.c.left_at < _after(period.ends_on),
    )
    return [
        Durations(ApplicationStatus(status).value, int(n), _float(m), _float(p))
        for status, n, m, p in rows
    ]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def assessor_load(today: date) -> list[AssessorLoad]:
    """For each person who may assess (no names): their open assessments and overdue ones."""
    assessors = (
        sa.select(RoleGrant.user_id)
        .where(RoleGrant.role.in_([Role.ASSESSOR, Role.QA_LEAD]), RoleGrant.revoked_at.is_(None))
        .distinct()
        .subquery()
    )
    is_open = sa.and_(Allocation.id.is_not(None), Allocation.submitted_at.is_(None))
    rows = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((is_open, 1), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(is_open, Allocation.due_on < today), 1), else_=0)),
                0,
            ),
        )
        .select_from(assessors)
        .outerjoin(Allocation, Allocation.assessor_id == assessors.c.user_id)
        .group_by(assessors.c.user_id)
    )
    return [AssessorLoad(int(n), int(late)) for n, late in rows]


def outcomes_by_year(period: Period) -> list[OutcomeCount]:
    year = utc_year(Decision.decided_at)
    rows = db.session.execute(
        sa.select(year, Decision.outcome, sa.func.count())
        .where(
            Decision.decided_at >= _start_of(period.starts_on),
            Decision.decided_at < _after(period.ends_on),
        )
        .group_by(year, Decision.outcome)
    )
    return [OutcomeCount(int(y), outcome.value, int(n)) for y, outcome, n in rows]


# CPD


def compliance(period: Period, today: date) -> list[ComplianceCount]:
    """Each CPD year that closed in the period judged against the requirements in force when
    it began (the CPD rules' own judgement: enough completed records counting in the year, and
    enough of them with a peer discussion), counted by region and the year it ended.

    All in SQL: the records' CPD years, each year's completed records and peer discussions
    (counted on the day an activity ended, as `judge_year` does) and the requirements then in
    force, grouped by region and year; a handful of rows come back."""
    last = min(period.ends_on, today - timedelta(days=1))
    if last < period.starts_on:
        return []
    records = (
        sa.select(
            AccreditationRecord.id,
            AccreditationRecord.scheme_id,
            AccreditationRecord.starts_on,
            AccreditationRecord.expires_on,
            _record_region().label("region"),
        )
        .join(Application, Application.id == AccreditationRecord.application_id)
        .where(
            AccreditationRecord.starts_on <= last,
            AccreditationRecord.expires_on > period.starts_on,
        )
        .subquery("records")
    )
    timeline = cpd_queries.requirement_timeline(
        db.session.scalars(sa.select(records.c.scheme_id).distinct())
    )
    years = cpd_queries.cpd_years_of(
        records, cpd_queries.most_cpd_years(records), ending_from=period.starts_on, ending_by=last
    )
    need_records, need_peers = cpd_queries.yearly_needs(
        timeline, years.c.scheme_id, years.c.year_starts_on
    )
    counts_on = sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on)
    judged = (
        sa.select(
            years.c.region,
            sa.extract("year", add_days(years.c.ends_before, -1)).label("year"),
            need_records.label("need_records"),
            need_peers.label("need_peers"),
            sa.func.count(CpdEntry.id).label("completed"),
            sa.func.coalesce(
                sa.func.sum(sa.case((CpdEntry.peer_discussion == sa.true(), 1), else_=0)), 0
            ).label("peers"),
        )
        .select_from(years)
        .outerjoin(
            CpdEntry,
            sa.and_(
                CpdEntry.record_id == years.c.id,
                CpdEntry.status == EntryStatus.COMPLETED,
                counts_on >= years.c.year_starts_on,
                counts_on < years.c.ends_before,
            ),
        )
        .group_by(years.c.id, years.c.number, years.c.region, years.c.ends_before)
        .group_by(years.c.scheme_id, years.c.year_starts_on)
        .subquery("judged")
    )
    met = sa.and_(
        judged.c.completed >= judged.c.need_records, judged.c.peers >= judged.c.need_peers
    )
    rows = db.session.execute(
        sa.select(
            judged.c.region,
            judged.c.year,
            sa.func.sum(sa.case((met, 1), else_=0)),
            sa.func.sum(sa.case((met, 0), else_=1)),
        )
        .where(judged.c.need_records.is_not(None))
        .group_by(judged.c.region, judged.c.year)
    )
    return [ComplianceCount(region, int(y), int(m), int(n)) for region, y, m, n in rows]


def hours_by_domain(period: Period) -> list[DomainHours]:
    """Hours of completed activities in the period by the framework domain they developed (an
    activity developing two domains counts in both, once in each however many of the domain's
    competencies it names), with how many reviewers logged them: grouped in SQL. Each code is
    given its domain's title by a CASE over the frameworks' few competencies (read first), not
    a join, which PostgreSQL would otherwise repeat for every activity."""
    titles: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for framework_id, code, title in db.session.execute(
        sa.select(Competency.framework_id, Competency.code, FrameworkDomain.title).join(
            FrameworkDomain, FrameworkDomain.id == Competency.domain_id
        )
    ):
        titles[title].append((framework_id, code))
    if not titles:
        return []
    day = sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on)
    code = _competency_codes()
    title_of = sa.case(
        *(
            (
                sa.or_(
                    *(
                        sa.and_(
                            Application.framework_id == framework_id,
                            code.c.value.in_(sorted(c for f, c in pairs if f == framework_id)),
                        )
                        for framework_id in sorted({f for f, _ in pairs})
                    )
                ),
                sa.literal(title),
            )
            for title, pairs in sorted(titles.items())
        ),
        else_=sa.null(),
    )
    per_entry = (
        sa.select(
            CpdEntry.id,
            CpdEntry.user_id,
            CpdEntry.hours_quarters,
            title_of.label("title"),
        )
        .distinct()
        .select_from(CpdEntry)
        .join(AccreditationRecord, AccreditationRecord.id == CpdEntry.record_id)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .join(code, sa.true())
        .where(
            CpdEntry.status == EntryStatus.COMPLETED,
            day >= period.starts_on,
            day <= period.ends_on,
        )
        .subquery("per_entry")
    )
    rows = db.session.execute(
        sa.select(
            per_entry.c.title,
            sa.func.count(sa.distinct(per_entry.c.user_id)),
            sa.func.coalesce(sa.func.sum(per_entry.c.hours_quarters), 0),
        )
        .where(per_entry.c.title.is_not(None))
        .group_by(per_entry.c.title)
        .order_by(per_entry.c.title)
    )
    return [DomainHours(title, int(people), int(hours)) for title, people, hours in rows]


def _competency_codes() -> Any:
    """An activity's competency codes (a JSON list), one row each."""
    if db.session.get_bind().dialect.name == "postgresql":
        return (
            sa.func.json_array_elements_text(CpdEntry.competency_codes)
            .table_valued("value")
            .lateral()
        )
    return sa.func.json_each(CpdEntry.competency_codes).table_valued("value")


def cpd_audit_outcomes(period: Period, today: date) -> list[AuditOutcomeCount]:
    """CPD audit selections in cycles opened in the period, by the year the cycle opened and
    the reviewer's home region: selected, accepted, accepted with advice, not met (the final
    outcome), and overdue (past a deadline now, or escalated), as the audit pages count them."""
    s = CpdAuditSelection
    late = sa.or_(
        s.overdue_at.is_not(None),
        sa.and_(s.status == AuditStatus.REQUESTED, s.due_on < today),
        sa.and_(s.status == AuditStatus.DEVELOPMENT_PLAN, s.plan_due_on < today),
    )

    def total(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    year = sa.extract("year", CpdAuditCycle.opened_on)
    rows = db.session.execute(
        sa.select(
            year,
            _record_region(),
            sa.func.count(s.id),
            total(s.outcome == AuditOutcome.ACCEPTED),
            total(s.outcome == AuditOutcome.ADVICE),
            total(s.outcome == AuditOutcome.NOT_MET),
            total(late),
        )
        .select_from(s)
        .join(CpdAuditCycle, CpdAuditCycle.id == s.cycle_id)
        .join(AccreditationRecord, AccreditationRecord.id == s.record_id)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .where(
            CpdAuditCycle.opened_on >= period.starts_on,
            CpdAuditCycle.opened_on <= period.ends_on,
        )
        .group_by(year, _record_region())
    )
    return [
        AuditOutcomeCount(int(y), region, *(int(n) for n in figures))
        for y, region, *figures in rows
    ]


# Quality: peer QA results


def _released_in(period: Period) -> list[sa.ColumnElement[bool]]:
    return [
        QaReview.status.in_(sorted(RELEASED)),
        QaReview.completed_at >= _start_of(period.starts_on),
        QaReview.completed_at < _after(period.ends_on),
    ]


def qa_grades(period: Period) -> list[GradeCount]:
    """Reviews whose QA feedback was released in the period, by year and agreed overall
    grade."""
    year = utc_year(QaReview.completed_at)
    rows = db.session.execute(
        sa.select(year, QaReview.agreed_grade, sa.func.count())
        .where(*_released_in(period), QaReview.agreed_grade.is_not(None))
        .group_by(year, QaReview.agreed_grade)
    )
    return [GradeCount(int(y), int(grade or 0), int(n)) for y, grade, n in rows]


def qa_marker_levels(period: Period) -> list[MarkerLevelCount]:
    """Agreed marker scores of reviews released in the period, counted by year, marker and
    level (one row per combination, aggregated in SQL)."""
    year = utc_year(QaReview.completed_at)
    rows = db.session.execute(
        sa.select(
            year,
            RubricMarker.code,
            RubricMarker.title,
            sa.func.min(RubricMarker.position),
            AgreedMarkerScore.level,
            sa.func.count(),
        )
        .select_from(AgreedMarkerScore)
        .join(QaReview, QaReview.id == AgreedMarkerScore.review_id)
        .join(RubricMarker, RubricMarker.id == AgreedMarkerScore.marker_id)
        .where(*_released_in(period))
        .group_by(year, RubricMarker.code, RubricMarker.title, AgreedMarkerScore.level)
    )
    return [
        MarkerLevelCount(int(y), code, title, int(position), int(level), int(n))
        for y, code, title, position, level, n in rows
    ]


def qa_scale_labels() -> tuple[dict[int, str], dict[int, str]]:
    """The overall grades' and marker levels' labels of the rubric in use (empty if none)."""
    rubric = db.session.scalar(
        sa.select(RubricVersion).where(RubricVersion.status == FrameworkStatus.PUBLISHED)
    )
    if rubric is None:
        return {}, {}
    return rubric.overall_scale, rubric.scale


def recommendation_classes(period: Period) -> RecommendationClasses:
    """Recommendations by class (training, procedure, system, national: the classes peer QA
    stores for each recommendation), for reviews whose QA feedback was released in the period
    (`_released_in`), in two GROUP BY queries: by the year feedback was released and the
    commissioning partnership's region (each recommendation once), and by the review's themes
    (a recommendation under each theme of its review)."""
    year = utc_year(QaReview.completed_at)
    by_year_and_region = db.session.execute(
        sa.select(year, Organisation.region_code, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .join(Organisation, Organisation.id == QaReview.partnership_id)
        .where(*_released_in(period))
        .group_by(year, Organisation.region_code, RecommendationAnalysis.class_)
    )
    theme = qa_learning.theme_codes()
    by_theme = db.session.execute(
        sa.select(theme.c.value, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .join(theme, sa.true())
        .where(*_released_in(period))
        .group_by(theme.c.value, RecommendationAnalysis.class_)
    )
    return RecommendationClasses(
        by_year_and_region=tuple(
            ClassCount(int(y), region, str(c), int(n)) for y, region, c, n in by_year_and_region
        ),
        by_theme=tuple(ThemeClassCount(str(t), str(c), int(n)) for t, c, n in by_theme),
    )


# The workforce


def _answers_by(
    column: sa.ColumnElement[str], today: date
) -> list[tuple[str | None, str | None, int]]:
    rows = db.session.execute(
        sa.select(_record_region(), column, sa.func.count())
        .select_from(AccreditationRecord)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .outerjoin(DiversityAnswers, DiversityAnswers.user_id == AccreditationRecord.user_id)
        .where(*_current_on(today))
        .group_by(_record_region(), column)
    )
    return [(region, getattr(value, "value", value), int(n)) for region, value, n in rows]


NOT_ANSWERED = "Not answered"


def diversity(today: date) -> dict[str, list[CategoryCount]]:
    """Currently accredited reviewers by region and each monitoring question's answer (ethnicity
    by its ONS group), with those who have not answered: aggregates only."""
    ethnic_group = {e.value: group for e, (group, _) in ETHNICITIES.items()}
    labels = {
        "ethnicity": ethnic_group,
        "sex": {k.value: v for k, v in SEX_LABELS.items()},
        "disability": {k.value: v for k, v in DISABILITY_LABELS.items()},
        "age_band": {k.value: v for k, v in AGE_BAND_LABELS.items()},
    }
    found: dict[str, list[CategoryCount]] = {}
    for name, names in labels.items():
        column = getattr(DiversityAnswers, name)
        merged: dict[tuple[str, str | None], int] = defaultdict(int)
        for region, value, n in _answers_by(column, today):
            merged[(names[value] if value is not None else NOT_ANSWERED, region)] += n
        found[name] = [CategoryCount(c, r, n) for (c, r), n in merged.items()]
    return found


# Loading notifications


def partnership_codes() -> dict[str, int]:
    """Every partnership's code (lower case) and id: the codes a notifications file may use."""
    from portal.organisations.models import OrganisationKind

    return {
        code.lower(): org_id
        for code, org_id in db.session.execute(
            sa.select(Organisation.code, Organisation.id).where(
                Organisation.kind == OrganisationKind.PARTNERSHIP
            )
        )
    }


def loaded_figures(
    partnerships: dict[str, int], keys: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], int]:
    """The figures already loaded for the partnerships and months a file names (only those)."""
    wanted = {(partnerships[code], month) for code, month in keys if code in partnerships}
    if not wanted:
        return {}
    code_of = {org_id: code for code, org_id in partnerships.items()}
    rows = db.session.execute(
        sa.select(
            IncidentNotification.partnership_id,
            IncidentNotification.month,
            IncidentNotification.notifications,
        ).where(
            IncidentNotification.partnership_id.in_(sorted({p for p, _ in wanted})),
            IncidentNotification.month.in_(sorted({m for _, m in wanted})),
        )
    )
    return {(code_of[org_id], month): n for org_id, month, n in rows if (org_id, month) in wanted}


@dataclass(frozen=True)
class LoadSummary:
    loaded_at: datetime
    filename: str
    added: int
    changed: int
    unchanged: int


@dataclass(frozen=True)
class NotificationsLoaded:
    partnerships: int
    first_month: date | None
    last_month: date | None
    total: int
    recent: list[LoadSummary]


def notifications_loaded() -> NotificationsLoaded:
    """What is loaded: how many partnerships, which months, and the latest uploads."""
    partnerships, first, last, total = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(IncidentNotification.partnership_id)),
            sa.func.min(IncidentNotification.month),
            sa.func.max(IncidentNotification.month),
            sa.func.coalesce(sa.func.sum(IncidentNotification.notifications), 0),
        )
    ).one()
    recent = [
        LoadSummary(*row)
        for row in db.session.execute(
            sa.select(
                NotificationImport.loaded_at,
                NotificationImport.filename,
                NotificationImport.added,
                NotificationImport.changed,
                NotificationImport.unchanged,
            )
            .order_by(NotificationImport.loaded_at.desc(), NotificationImport.id.desc())
            .limit(10)
        )
    ]
    return NotificationsLoaded(int(partnerships), first, last, int(total), recent)


# The reviewer's own answers


def diversity_answers_of(user_id: int) -> DiversityAnswers | None:
    """The reviewer's own answers, for their own form only."""
    return db.session.scalar(sa.select(DiversityAnswers).where(DiversityAnswers.user_id == user_id))


# Everything for the dashboard


def specialism_names() -> dict[str, str]:
    from portal.register.reference import current

    return {t.code: t.name for t in current().specialisms.terms}


# The facts read_extract can read, each by the query that reads it.
FACTS = frozenset(
    {
        "reviewers_by_level",
        "reviewers_by_quarter",
        "reviewers_by_specialism",
        "places_this_quarter",
        "places_by_quarter",
        "notifications",
        "commissions",
        "concentration",
        "expiries",
        "applications_by_state",
        "days_to_decision",
        "days_in_state",
        "assessor_load",
        "outcomes",
        "compliance",
        "domain_hours",
        "audit_outcomes",
        "grades",
        "marker_levels",
        "recommendation_classes",
        "condition_counts",
        "response_counts",
        "diversity",
    }
)


def read_extract(
    period: Period,
    today: date,
    only: Iterable[str] | None = None,
    *,
    regions: list[RegionName] | None = None,
) -> Extract:
    """Every aggregate the dashboard shows, for England (the region filter cuts the protected
    tables afterwards, so a region's view never differs from England's); or, for a download,
    `only` the facts its table needs (frames.TABLE_FACTS), the others left empty. The regions,
    when the caller has read them already, are not read again."""
    wanted = FACTS if only is None else frozenset(only)
    if not wanted <= FACTS:
        raise ValueError(f"unknown facts: {sorted(wanted - FACTS)}")
    quarters = quarters_between(period.starts_on, min(period.ends_on, today))
    # The labels and names only the tables that show them need.
    grade_labels, level_labels = (
        qa_scale_labels() if wanted & {"grades", "marker_levels"} else ({}, {})
    )
    names = (
        specialism_names() if wanted & {"reviewers_by_specialism", "recommendation_classes"} else {}
    )
    readers: dict[str, Any] = {
        "reviewers_by_level": lambda: reviewers_by_level(today),
        "reviewers_by_quarter": lambda: reviewers_by_quarter(quarters, today),
        "reviewers_by_specialism": lambda: reviewers_by_specialism(today),
        "places_this_quarter": lambda: places_this_quarter(today),
        "places_by_quarter": lambda: places_by_quarter(today),
        "notifications": lambda: notifications_by_region(period),
        "commissions": lambda: commissions_by_region(period),
        "concentration": lambda: concentration(period, today),
        "expiries": lambda: expiries(today),
        "applications_by_state": applications_by_state,
        "days_to_decision": lambda: days_to_decision(period),
        "days_in_state": lambda: days_in_state(period),
        "assessor_load": lambda: assessor_load(today),
        "outcomes": lambda: outcomes_by_year(period),
        "compliance": lambda: compliance(period, today),
        "domain_hours": lambda: hours_by_domain(period),
        "audit_outcomes": lambda: cpd_audit_outcomes(period, today),
        "grades": lambda: qa_grades(period),
        "marker_levels": lambda: qa_marker_levels(period),
        "recommendation_classes": lambda: recommendation_classes(period),
        "condition_counts": lambda: learning_queries.condition_counts(period),
        "response_counts": lambda: learning_queries.response_counts(period),
        "diversity": lambda: diversity(today),
    }
    return Extract(
        period=period,
        today=today,
        regions=read_regions() if regions is None else regions,
        quarters=quarters,
        specialism_names=names,
        grade_labels=grade_labels,
        level_labels=level_labels,
        theme_names=names,
        **{name: readers[name]() for name in sorted(wanted)},
    )
