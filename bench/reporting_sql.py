"""The reporting benchmark's floor: for each figure the dashboard shows, the bare GROUP BY that
produces it, written here apart from the portal's report queries (no typed rows, no frames, no
suppression; on PostgreSQL medians and 90th percentiles by percentile_cont, on SQLite, which
has none, the durations fetched in order). `bare_figures` and `extract_figures` put the bare
results and the portal's unsuppressed extract in one shape, to check that they agree.

The CPD compliance statement is built with the CPD rules' SQL (portal.cpd.queries): the CPD
years and the requirements in force are the rules' own, which the integration tests check
against the rules' Python judgement."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
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
from portal.core.sql_dates import add_days
from portal.cpd import queries as cpd_queries
from portal.cpd.audit_models import AuditOutcome, AuditStatus, CpdAuditCycle, CpdAuditSelection
from portal.cpd.models import CpdEntry, EntryStatus
from portal.framework.models import Competency, FrameworkDomain
from portal.organisations.models import Organisation, Region
from portal.peer_qa.models import (
    RELEASED,
    AgreedMarkerScore,
    QaReview,
    RecommendationAnalysis,
    RubricMarker,
)
from portal.register.commissioning_models import Commission
from portal.register.models import RegisterEntry, RegisterEntryTerm, TermKind
from portal.reporting.disclosure import quantile
from portal.reporting.facts import Extract, Period, Quarter
from portal.reporting.learning_models import (
    LearningFinding,
    NationalRecommendation,
    SystemCondition,
    finding_conditions,
)
from portal.reporting.models import (
    AGE_BAND_LABELS,
    DISABILITY_LABELS,
    ETHNICITIES,
    SEX_LABELS,
    DiversityAnswers,
    IncidentNotification,
)
from portal.reporting.queries import quarter_of, quarters_between

CURRENT = sorted(CURRENT_ACCREDITATION)
REGION = Application.home_region_code


@dataclass
class Context:
    period: Period
    today: date
    dialect: str
    timeline: dict[int, list[Any]]
    most_years: int
    domains: dict[tuple[int, str], list[str]]

    @property
    def quarters(self) -> list[Quarter]:
        return quarters_between(self.period.starts_on, min(self.period.ends_on, self.today))

    def percentiles(self, days: Any) -> list[Any]:
        return [sa.func.percentile_cont(q).within_group(days) for q in (0.5, 0.9)]


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _current(day: date) -> list[sa.ColumnElement[bool]]:
    return [
        AccreditationRecord.status.in_(CURRENT),
        AccreditationRecord.starts_on <= day,
        AccreditationRecord.expires_on > day,
    ]


def _records() -> sa.Select[Any]:
    return (
        sa.select()
        .select_from(AccreditationRecord)
        .join(Application, Application.id == AccreditationRecord.application_id)
    )


def _days(later: Any, earlier: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def _sum_if(condition: Any, value: Any = 1) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


# The statements, by the extract's field each feeds.


def reviewers_by_level(c: Context) -> list[Any]:
    return [
        _records()
        .add_columns(REGION, AccreditationRecord.level, sa.func.count())
        .where(*_current(c.today))
        .group_by(REGION, AccreditationRecord.level)
    ]


def reviewers_by_quarter(c: Context) -> list[Any]:
    found = []
    for quarter in c.quarters:
        day = min(quarter.ends_on, c.today)
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
                .label("n"),
            )
            .where(AccreditationStatusChange.occurred_at < _start(day + timedelta(days=1)))
            .subquery()
        )
        found.append(
            _records()
            .add_columns(sa.literal(quarter.starts_on, sa.Date), REGION, sa.func.count())
            .join(latest, latest.c.record_id == AccreditationRecord.id)
            .where(
                latest.c.n == 1,
                latest.c.to_status.in_(CURRENT),
                AccreditationRecord.starts_on <= day,
                AccreditationRecord.expires_on > day,
            )
            .group_by(REGION)
        )
    return found


def reviewers_by_specialism(c: Context) -> list[Any]:
    return [
        _records()
        .add_columns(REGION, RegisterEntryTerm.code, sa.func.count())
        .join(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .join(RegisterEntryTerm, RegisterEntryTerm.entry_id == RegisterEntry.id)
        .where(*_current(c.today), RegisterEntryTerm.kind == TermKind.SPECIALISM)
        .group_by(REGION, RegisterEntryTerm.code)
    ]


def _offering(quarter: Quarter) -> Any:
    return sa.and_(
        RegisterEntry.available_from <= quarter.ends_on,
        AccreditationRecord.expires_on > quarter.starts_on,
        RegisterEntry.reviews_per_quarter > 0,
    )


def _running(quarter: Quarter) -> Any:
    return sa.and_(
        Commission.starts_on <= quarter.ends_on, Commission.expected_end_on >= quarter.starts_on
    )


def places_this_quarter(c: Context) -> list[Any]:
    quarter = quarter_of(c.today)
    return [
        _records()
        .add_columns(
            REGION,
            _sum_if(_offering(quarter), RegisterEntry.reviews_per_quarter),
            _sum_if(_offering(quarter)),
        )
        .join(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .where(*_current(c.today))
        .group_by(REGION),
        sa.select(Organisation.region_code, sa.func.count())
        .select_from(Commission)
        .join(Organisation, Organisation.id == Commission.partnership_id)
        .where(_running(quarter))
        .group_by(Organisation.region_code),
    ]


def _four_quarters(today: date) -> list[Quarter]:
    found = [quarter_of(today)]
    while len(found) < 4:
        found.append(quarter_of(found[-1].ends_on + timedelta(days=1)))
    return found


def places_by_quarter(c: Context) -> list[Any]:
    quarters = _four_quarters(c.today)
    offered = []
    for q in quarters:
        offered += [_sum_if(_offering(q), RegisterEntry.reviews_per_quarter), _sum_if(_offering(q))]
    return [
        sa.select(*offered)
        .select_from(AccreditationRecord)
        .join(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .where(*_current(c.today)),
        sa.select(*(_sum_if(_running(q)) for q in quarters)).select_from(Commission),
    ]


def notifications(c: Context) -> list[Any]:
    return [
        sa.select(
            Organisation.region_code,
            sa.func.sum(IncidentNotification.notifications),
            sa.func.count(),
        )
        .join(Organisation, Organisation.id == IncidentNotification.partnership_id)
        .where(
            IncidentNotification.month >= c.period.starts_on.replace(day=1),
            IncidentNotification.month <= c.period.ends_on,
        )
        .group_by(Organisation.region_code)
    ]


def commissions(c: Context) -> list[Any]:
    name = sa.func.coalesce(Region.name, "No region")
    days = _days(Commission.recorded_at, Commission.shortlisted_at, c.dialect)
    base = (
        sa.select(name)
        .select_from(Commission)
        .join(Organisation, Organisation.id == Commission.partnership_id)
        .outerjoin(Region, Region.code == Organisation.region_code)
        .where(Commission.starts_on >= c.period.starts_on, Commission.starts_on <= c.period.ends_on)
    )
    if c.dialect == "postgresql":
        return [base.add_columns(sa.func.count(), c.percentiles(days)[0]).group_by(name)]
    return [
        base.add_columns(sa.func.count()).group_by(name),
        base.add_columns(days).where(Commission.shortlisted_at.is_not(None)).order_by(name, days),
    ]


def concentration(c: Context) -> list[Any]:
    return [
        sa.select(sa.func.count()).select_from(AccreditationRecord).where(*_current(c.today)),
        sa.select(sa.func.count())
        .select_from(Commission)
        .where(Commission.starts_on >= c.period.starts_on, Commission.starts_on <= c.period.ends_on)
        .group_by(Commission.reviewer_id)
        .order_by(sa.func.count().desc()),
    ]


def expiries(c: Context) -> list[Any]:
    soon, later = add_months(c.today, 6), add_months(c.today, 12)
    return [
        _records()
        .add_columns(
            REGION,
            _sum_if(AccreditationRecord.expires_on <= soon),
            _sum_if(AccreditationRecord.expires_on <= later),
        )
        .where(*_current(c.today))
        .group_by(REGION),
        sa.select(Application.home_region_code, sa.func.count())
        .where(
            Application.kind == ApplicationKind.RENEWAL,
            Application.status.not_in(sorted({ApplicationStatus.DRAFT, *CLOSED_STATUSES})),
        )
        .group_by(Application.home_region_code),
    ]


def applications_by_state(c: Context) -> list[Any]:
    return [
        sa.select(Application.status, Application.kind, sa.func.count()).group_by(
            Application.status, Application.kind
        )
    ]


def _durations(c: Context, key: Any, days: Any, source: Any, *where: Any) -> list[Any]:
    base = sa.select(key).select_from(source).where(*where)
    if c.dialect == "postgresql":
        return [base.add_columns(sa.func.count(), *c.percentiles(days)).group_by(key)]
    return [base.add_columns(days).order_by(key, days)]


def days_to_decision(c: Context) -> list[Any]:
    first = (
        sa.select(Decision.application_id, sa.func.min(Decision.decided_at).label("decided_at"))
        .group_by(Decision.application_id)
        .subquery()
    )
    joined = first.join(Application, Application.id == first.c.application_id)
    year = sa.extract("year", first.c.decided_at)
    return _durations(
        c,
        year,
        _days(first.c.decided_at, Application.submitted_at, c.dialect),
        joined,
        Application.submitted_at.is_not(None),
        first.c.decided_at >= _start(c.period.starts_on),
        first.c.decided_at < _start(c.period.ends_on + timedelta(days=1)),
    )


def days_in_state(c: Context) -> list[Any]:
    spells = sa.select(
        StatusChange.to_status.label("status"),
        StatusChange.occurred_at.label("entered_at"),
        sa.func.lead(StatusChange.occurred_at)
        .over(
            partition_by=StatusChange.application_id,
            order_by=(StatusChange.occurred_at, StatusChange.id),
        )
        .label("left_at"),
    ).subquery()
    return _durations(
        c,
        spells.c.status,
        _days(spells.c.left_at, spells.c.entered_at, c.dialect),
        spells,
        spells.c.left_at >= _start(c.period.starts_on),
        spells.c.left_at < _start(c.period.ends_on + timedelta(days=1)),
    )


def assessor_load(c: Context) -> list[Any]:
    people = (
        sa.select(RoleGrant.user_id)
        .where(RoleGrant.role.in_([Role.ASSESSOR, Role.QA_LEAD]), RoleGrant.revoked_at.is_(None))
        .distinct()
        .subquery()
    )
    is_open = sa.and_(Allocation.id.is_not(None), Allocation.submitted_at.is_(None))
    return [
        sa.select(_sum_if(is_open), _sum_if(sa.and_(is_open, Allocation.due_on < c.today)))
        .select_from(people)
        .outerjoin(Allocation, Allocation.assessor_id == people.c.user_id)
        .group_by(people.c.user_id)
    ]


def outcomes(c: Context) -> list[Any]:
    year = sa.extract("year", Decision.decided_at)
    return [
        sa.select(year, Decision.outcome, sa.func.count())
        .where(
            Decision.decided_at >= _start(c.period.starts_on),
            Decision.decided_at < _start(c.period.ends_on + timedelta(days=1)),
        )
        .group_by(year, Decision.outcome)
    ]


def compliance(c: Context) -> list[Any]:
    last = min(c.period.ends_on, c.today - timedelta(days=1))
    records = (
        _records()
        .add_columns(
            AccreditationRecord.id,
            AccreditationRecord.scheme_id,
            AccreditationRecord.starts_on,
            AccreditationRecord.expires_on,
            REGION.label("region"),
        )
        .where(
            AccreditationRecord.starts_on <= last,
            AccreditationRecord.expires_on > c.period.starts_on,
        )
        .subquery()
    )
    years = cpd_queries.cpd_years_of(
        records, c.most_years, ending_from=c.period.starts_on, ending_by=last
    )
    need_records, need_peers = cpd_queries.yearly_needs(
        c.timeline, years.c.scheme_id, years.c.year_starts_on
    )
    counts_on = sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on)
    per_year = (
        sa.select(
            years.c.region,
            sa.extract("year", add_days(years.c.ends_before, -1)).label("year"),
            need_records.label("need_records"),
            need_peers.label("need_peers"),
            sa.func.count(CpdEntry.id).label("done"),
            _sum_if(CpdEntry.peer_discussion == sa.true()).label("peers"),
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
        .group_by(
            years.c.id, years.c.number, years.c.region, years.c.ends_before, years.c.scheme_id
        )
        .group_by(years.c.year_starts_on)
        .subquery()
    )
    met = sa.and_(
        per_year.c.done >= per_year.c.need_records, per_year.c.peers >= per_year.c.need_peers
    )
    return [
        sa.select(per_year.c.region, per_year.c.year, _sum_if(met), _sum_if(sa.not_(met)))
        .where(per_year.c.need_records.is_not(None))
        .group_by(per_year.c.region, per_year.c.year)
    ]


def domain_hours(c: Context) -> list[Any]:
    if c.dialect == "postgresql":
        code = (
            sa.func.json_array_elements_text(CpdEntry.competency_codes)
            .table_valued("value")
            .lateral()
        )
    else:
        code = sa.func.json_each(CpdEntry.competency_codes).table_valued("value")
    # Each code's domain title: a CASE over the few competencies, read beforehand.
    title = sa.case(
        *(
            (
                sa.and_(Application.framework_id == framework_id, code.c.value.in_(codes)),
                sa.literal(name),
            )
            for (framework_id, name), codes in sorted(c.domains.items())
        ),
        else_=sa.null(),
    )
    day = sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on)
    pairs = (
        sa.select(CpdEntry.id, CpdEntry.user_id, CpdEntry.hours_quarters, title.label("title"))
        .distinct()
        .join(AccreditationRecord, AccreditationRecord.id == CpdEntry.record_id)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .join(code, sa.true())
        .where(
            CpdEntry.status == EntryStatus.COMPLETED,
            day >= c.period.starts_on,
            day <= c.period.ends_on,
        )
        .subquery()
    )
    return [
        sa.select(
            pairs.c.title,
            sa.func.count(sa.distinct(pairs.c.user_id)),
            sa.func.sum(pairs.c.hours_quarters),
        )
        .where(pairs.c.title.is_not(None))
        .group_by(pairs.c.title)
    ]


def audit_outcomes(c: Context) -> list[Any]:
    s = CpdAuditSelection
    late = sa.or_(
        s.overdue_at.is_not(None),
        sa.and_(s.status == AuditStatus.REQUESTED, s.due_on < c.today),
        sa.and_(s.status == AuditStatus.DEVELOPMENT_PLAN, s.plan_due_on < c.today),
    )
    year = sa.extract("year", CpdAuditCycle.opened_on)
    return [
        sa.select(
            year,
            REGION,
            sa.func.count(),
            _sum_if(s.outcome == AuditOutcome.ACCEPTED),
            _sum_if(s.outcome == AuditOutcome.ADVICE),
            _sum_if(s.outcome == AuditOutcome.NOT_MET),
            _sum_if(late),
        )
        .select_from(s)
        .join(CpdAuditCycle, CpdAuditCycle.id == s.cycle_id)
        .join(AccreditationRecord, AccreditationRecord.id == s.record_id)
        .join(Application, Application.id == AccreditationRecord.application_id)
        .where(
            CpdAuditCycle.opened_on >= c.period.starts_on,
            CpdAuditCycle.opened_on <= c.period.ends_on,
        )
        .group_by(year, REGION)
    ]


def _released(c: Context) -> list[Any]:
    return [
        QaReview.status.in_(sorted(RELEASED)),
        QaReview.completed_at >= _start(c.period.starts_on),
        QaReview.completed_at < _start(c.period.ends_on + timedelta(days=1)),
    ]


def grades(c: Context) -> list[Any]:
    year = sa.extract("year", QaReview.completed_at)
    return [
        sa.select(year, QaReview.agreed_grade, sa.func.count())
        .where(*_released(c), QaReview.agreed_grade.is_not(None))
        .group_by(year, QaReview.agreed_grade)
    ]


def marker_levels(c: Context) -> list[Any]:
    year = sa.extract("year", QaReview.completed_at)
    return [
        sa.select(year, RubricMarker.code, AgreedMarkerScore.level, sa.func.count())
        .select_from(AgreedMarkerScore)
        .join(QaReview, QaReview.id == AgreedMarkerScore.review_id)
        .join(RubricMarker, RubricMarker.id == AgreedMarkerScore.marker_id)
        .where(*_released(c))
        .group_by(year, RubricMarker.code, AgreedMarkerScore.level)
    ]


def recommendation_classes(c: Context) -> list[Any]:
    year = sa.extract("year", QaReview.completed_at)
    if c.dialect == "postgresql":
        theme = sa.func.json_array_elements_text(QaReview.themes).table_valued("value").lateral()
    else:
        theme = sa.func.json_each(QaReview.themes).table_valued("value")
    return [
        sa.select(year, Organisation.region_code, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .join(Organisation, Organisation.id == QaReview.partnership_id)
        .where(*_released(c))
        .group_by(year, Organisation.region_code, RecommendationAnalysis.class_),
        sa.select(theme.c.value, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .join(theme, sa.true())
        .where(*_released(c))
        .group_by(theme.c.value, RecommendationAnalysis.class_),
    ]


def condition_counts(c: Context) -> list[Any]:
    year = sa.extract("year", QaReview.completed_at)
    return [
        sa.select(year, SystemCondition.code, sa.func.count(sa.distinct(LearningFinding.id)))
        .select_from(LearningFinding)
        .join(QaReview, QaReview.id == LearningFinding.qa_review_id)
        .join(finding_conditions, finding_conditions.c.finding_id == LearningFinding.id)
        .join(SystemCondition, SystemCondition.id == finding_conditions.c.condition_id)
        .where(*_released(c))
        .group_by(year, SystemCondition.code)
    ]


def response_counts(c: Context) -> list[Any]:
    return [
        sa.select(NationalRecommendation.year, NationalRecommendation.response, sa.func.count())
        .where(
            NationalRecommendation.year >= c.period.starts_on.year,
            NationalRecommendation.year <= c.period.ends_on.year,
        )
        .group_by(NationalRecommendation.year, NationalRecommendation.response)
    ]


QUESTIONS = ("ethnicity", "sex", "disability", "age_band")


def diversity(c: Context) -> list[Any]:
    found = []
    for name in QUESTIONS:
        column = getattr(DiversityAnswers, name)
        found.append(
            _records()
            .add_columns(REGION, column, sa.func.count())
            .outerjoin(DiversityAnswers, DiversityAnswers.user_id == AccreditationRecord.user_id)
            .where(*_current(c.today))
            .group_by(REGION, column)
        )
    return found


STATEMENTS: dict[str, Callable[[Context], list[Any]]] = {
    f.__name__: f
    for f in (
        reviewers_by_level,
        reviewers_by_quarter,
        reviewers_by_specialism,
        places_this_quarter,
        places_by_quarter,
        notifications,
        commissions,
        concentration,
        expiries,
        applications_by_state,
        days_to_decision,
        days_in_state,
        assessor_load,
        outcomes,
        compliance,
        domain_hours,
        audit_outcomes,
        grades,
        marker_levels,
        recommendation_classes,
        condition_counts,
        response_counts,
        diversity,
    )
}


def context(connection: sa.Connection, period: Period, today: date) -> Context:
    """What the statements need decided beforehand (read from small tables, not timed)."""
    from portal.cpd.models import CpdRequirementVersion
    from portal.cpd.queries import _local_day, document_of

    timeline: dict[int, list[Any]] = defaultdict(list)
    with sa.orm.Session(bind=connection) as session:
        for version in session.scalars(
            sa.select(CpdRequirementVersion)
            .where(CpdRequirementVersion.published_at.is_not(None))
            .order_by(CpdRequirementVersion.published_at)
        ):
            timeline[version.scheme_id].append(
                (_local_day(version.published_at), document_of(version))
            )
    span = sa.extract("year", AccreditationRecord.expires_on) - sa.extract(
        "year", AccreditationRecord.starts_on
    )
    most = int(connection.scalar(sa.select(sa.func.max(span))) or 0) + 1
    domains: dict[tuple[int, str], list[str]] = defaultdict(list)
    for framework_id, code, title in connection.execute(
        sa.select(Competency.framework_id, Competency.code, FrameworkDomain.title).join(
            FrameworkDomain, FrameworkDomain.id == Competency.domain_id
        )
    ):
        domains[(framework_id, title)].append(code)
    return Context(period, today, connection.dialect.name, dict(timeline), most, dict(domains))


def run(connection: sa.Connection, c: Context, facts: list[str]) -> dict[str, list[list[Any]]]:
    """Execute the facts' statements and fetch every row: the part that is timed."""
    return {fact: [connection.execute(s).all() for s in STATEMENTS[fact](c)] for fact in facts}


# One shape for the bare results and the extract, to compare.


def _r(value: Any) -> Any:
    return None if value is None else round(float(value), 4)


def _sqlite_durations(rows: list[Any]) -> set[tuple[Any, ...]]:
    grouped: dict[Any, list[float]] = defaultdict(list)
    for key, days in rows:
        grouped[key].append(float(days))
    return {
        (_key(k), len(v), _r(quantile(v, 0.5)), _r(quantile(v, 0.9))) for k, v in grouped.items()
    }


def _key(value: Any) -> str:
    value = getattr(value, "value", value)
    return str(int(value)) if isinstance(value, float | int) else str(value)


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)


def bare_figures(fact: str, results: list[list[Any]], c: Context) -> Any:
    if fact in {"reviewers_by_level", "reviewers_by_specialism"}:
        return {(r, k, int(n)) for r, k, n in results[0]}
    if fact == "reviewers_by_quarter":
        return {(q, r, int(n)) for rows in results for q, r, n in rows}
    if fact == "places_this_quarter":
        offered = {r: (int(p), int(n)) for r, p, n in results[0]}
        running = {r: int(n) for r, n in results[1]}
        return {
            (r, *offered.get(r, (0, 0)), running.get(r, 0)) for r in set(offered) | set(running)
        }
    if fact == "places_by_quarter":
        offered, running = results[0][0], results[1][0]
        return {
            (q.starts_on, int(offered[2 * i] or 0), int(offered[2 * i + 1] or 0), int(running[i]))
            for i, q in enumerate(_four_quarters(c.today))
        }
    if fact == "notifications":
        return {(r, int(n), int(m)) for r, n, m in results[0]}
    if fact == "commissions":
        if c.dialect == "postgresql":
            return {(name, int(n), _r(median)) for name, n, median in results[0]}
        days: dict[str, list[float]] = defaultdict(list)
        for name, d in results[1]:
            days[name].append(float(d))
        return {
            (name, int(n), _r(statistics.median(days[name])) if days[name] else None)
            for name, n in results[0]
        }
    if fact == "concentration":
        return (int(results[0][0][0]), tuple(int(n) for (n,) in results[1]))
    if fact == "expiries":
        expiring = {r: (int(a), int(b)) for r, a, b in results[0]}
        renewing = {r: int(n) for r, n in results[1]}
        return {
            (r, *expiring.get(r, (0, 0)), renewing.get(r, 0)) for r in set(expiring) | set(renewing)
        }
    if fact == "applications_by_state":
        return {(_enum(s), _enum(k), int(n)) for s, k, n in results[0]}
    if fact in {"days_to_decision", "days_in_state"}:
        if c.dialect == "postgresql":
            return {(_key(k), int(n), _r(a), _r(b)) for k, n, a, b in results[0]}
        return _sqlite_durations(results[0])
    if fact == "assessor_load":
        return sorted((int(a), int(b)) for a, b in results[0])
    if fact == "outcomes":
        return {(int(y), _enum(o), int(n)) for y, o, n in results[0]}
    if fact == "compliance":
        return {(r, int(y), int(m), int(n)) for r, y, m, n in results[0]}
    if fact == "domain_hours":
        return {(t, int(p), int(h or 0)) for t, p, h in results[0]}
    if fact == "audit_outcomes":
        return {(int(y), r, *(int(n) for n in rest)) for y, r, *rest in results[0]}
    if fact == "grades":
        return {(int(y), int(g), int(n)) for y, g, n in results[0]}
    if fact == "marker_levels":
        return {(int(y), code, int(level), int(n)) for y, code, level, n in results[0]}
    if fact == "recommendation_classes":
        return {("year", int(y), r, str(k), int(n)) for y, r, k, n in results[0]} | {
            ("theme", str(t), str(k), int(n)) for t, k, n in results[1]
        }
    if fact == "condition_counts":
        return {(int(y), code, int(n)) for y, code, n in results[0]}
    if fact == "response_counts":
        return {(int(y), _enum(s), int(n)) for y, s, n in results[0]}
    if fact == "diversity":
        labels = _diversity_labels()
        merged: dict[tuple[str, str, Any], int] = defaultdict(int)
        for name, rows in zip(QUESTIONS, results, strict=True):
            for region, value, n in rows:
                value = _enum(value)
                category = labels[name][value] if value is not None else "Not answered"
                merged[(name, category, region)] += int(n)
        return set(merged.items())
    raise KeyError(fact)


def _diversity_labels() -> dict[str, dict[str, str]]:
    return {
        "ethnicity": {e.value: group for e, (group, _) in ETHNICITIES.items()},
        "sex": {k.value: v for k, v in SEX_LABELS.items()},
        "disability": {k.value: v for k, v in DISABILITY_LABELS.items()},
        "age_band": {k.value: v for k, v in AGE_BAND_LABELS.items()},
    }


def extract_figures(fact: str, e: Extract) -> Any:
    """The same figures, read from the portal's extract (before any suppression)."""
    if fact in {"reviewers_by_level", "reviewers_by_specialism"}:
        return {(r.region_code, r.key, r.count) for r in getattr(e, fact)}
    if fact == "reviewers_by_quarter":
        return {(r.quarter.starts_on, r.region_code, r.count) for r in e.reviewers_by_quarter}
    if fact == "places_this_quarter":
        return {
            (r.region_code, r.places, r.reviewers_offering, r.commissions_running)
            for r in e.places_this_quarter
        }
    if fact == "places_by_quarter":
        return {
            (r.quarter.starts_on, r.places, r.reviewers_offering, r.commissions_running)
            for r in e.places_by_quarter
        }
    if fact == "notifications":
        return {(r.region_code, r.notifications, r.months_loaded) for r in e.notifications}
    if fact == "commissions":
        return {
            (r.region_name, r.commissions, _r(r.median_days_to_commission)) for r in e.commissions
        }
    if fact == "concentration":
        return (e.concentration.accredited_reviewers, e.concentration.per_reviewer)
    if fact == "expiries":
        return {
            (r.region_code, r.within_6_months, r.within_12_months, r.renewals_in_progress)
            for r in e.expiries
        }
    if fact == "applications_by_state":
        return {(r.status, r.kind, r.count) for r in e.applications_by_state}
    if fact in {"days_to_decision", "days_in_state"}:
        return {(d.key, d.count, _r(d.median), _r(d.p90)) for d in getattr(e, fact)}
    if fact == "assessor_load":
        return sorted((a.open_assessments, a.overdue) for a in e.assessor_load)
    if fact == "outcomes":
        return {(r.year, r.outcome, r.count) for r in e.outcomes}
    if fact == "compliance":
        return {(r.region_code, r.year, r.met, r.not_met) for r in e.compliance}
    if fact == "domain_hours":
        return {(r.domain, r.reviewers, r.quarter_hours) for r in e.domain_hours}
    if fact == "audit_outcomes":
        return {
            (r.year, r.region_code, r.selected, r.accepted, r.advice, r.not_met, r.overdue)
            for r in e.audit_outcomes
        }
    if fact == "grades":
        return {(r.year, r.grade, r.count) for r in e.grades}
    if fact == "marker_levels":
        return {(r.year, r.marker_code, r.level, r.count) for r in e.marker_levels}
    if fact == "recommendation_classes":
        classes = e.recommendation_classes
        if classes is None:
            return set()
        return {
            ("year", r.year, r.region_code, r.class_code, r.count)
            for r in classes.by_year_and_region
        } | {("theme", r.theme, r.class_code, r.count) for r in classes.by_theme}
    if fact == "condition_counts":
        return {(r.year, r.code, r.count) for r in e.condition_counts}
    if fact == "response_counts":
        return {(r.year, r.response, r.count) for r in e.response_counts}
    if fact == "diversity":
        return {
            ((name, c.category, c.region_code), c.count)
            for name, counts in e.diversity.items()
            for c in counts
        }
    raise KeyError(fact)
