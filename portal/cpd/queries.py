"""Read models for CPD: a reviewer's record and progress, requirement versions, and the CPD
summary the accreditation renewal reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.applications.models import AccreditationRecord, Application
from portal.core.sql_dates import add_years
from portal.core.templating import LONDON, format_date
from portal.cpd.frames import ActivityRow
from portal.cpd.models import (
    CpdEntry,
    CpdEvidence,
    CpdRequirementVersion,
    EntryStatus,
    PracticeFeedback,
    RequirementStatus,
)
from portal.cpd.rules import (
    CpdYear,
    DomainHours,
    EntryFacts,
    TermJudgement,
    YearJudgement,
    YearState,
    cpd_years,
    format_hours,
    hours_by_domain,
    in_force_on,
    in_force_spans,
    judge_term,
    judge_year,
    year_of,
)
from portal.cpd.schema import RequirementDocument, parse_requirements
from portal.extensions import db
from portal.framework.models import Competency, FrameworkDomain, Scheme


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


# Requirement versions


@dataclass(frozen=True)
class RequirementRow:
    version: CpdRequirementVersion
    document: RequirementDocument


def schemes_with_requirements() -> list[tuple[Scheme, list[CpdRequirementVersion]]]:
    versions = list(
        db.session.scalars(
            sa.select(CpdRequirementVersion).order_by(
                CpdRequirementVersion.loaded_at.desc(), CpdRequirementVersion.id.desc()
            )
        )
    )
    schemes = list(db.session.scalars(sa.select(Scheme).order_by(Scheme.name)))
    by_scheme: dict[int, list[CpdRequirementVersion]] = {s.id: [] for s in schemes}
    for version in versions:
        by_scheme[version.scheme_id].append(version)
    return [(scheme, by_scheme[scheme.id]) for scheme in schemes]


def requirement_version(version_id: int) -> CpdRequirementVersion | None:
    return db.session.get(CpdRequirementVersion, version_id)


def published_requirements(scheme_id: int) -> CpdRequirementVersion | None:
    return db.session.scalar(
        sa.select(CpdRequirementVersion).where(
            CpdRequirementVersion.scheme_id == scheme_id,
            CpdRequirementVersion.status == RequirementStatus.PUBLISHED,
        )
    )


def other_requirement_versions(version: CpdRequirementVersion) -> list[CpdRequirementVersion]:
    return list(
        db.session.scalars(
            sa.select(CpdRequirementVersion)
            .where(
                CpdRequirementVersion.scheme_id == version.scheme_id,
                CpdRequirementVersion.id != version.id,
            )
            .order_by(CpdRequirementVersion.loaded_at.desc())
        )
    )


def document_of(version: CpdRequirementVersion) -> RequirementDocument:
    """The stored document, read back (it was checked when it was loaded)."""
    return parse_requirements(version.document)


def requirement_timeline(
    scheme_ids: Iterable[int],
) -> dict[int, list[tuple[date, RequirementDocument]]]:
    """Each scheme's versions that have ever been in force, with the day they came into force."""
    ids = sorted(set(scheme_ids))
    timeline: dict[int, list[tuple[date, RequirementDocument]]] = {i: [] for i in ids}
    if not ids:
        return timeline
    for version in db.session.scalars(
        sa.select(CpdRequirementVersion)
        .where(
            CpdRequirementVersion.scheme_id.in_(ids),
            CpdRequirementVersion.published_at.is_not(None),
        )
        .order_by(CpdRequirementVersion.published_at)
    ):
        if version.published_at is None:
            raise RuntimeError("version.published_at is not set")
        timeline[version.scheme_id].append((_local_day(version.published_at), document_of(version)))
    return timeline


def yearly_needs(
    timeline: dict[int, list[tuple[date, RequirementDocument]]],
    scheme_id: sa.ColumnElement[int],
    day: sa.ColumnElement[date],
) -> tuple[sa.ColumnElement[int | None], sa.ColumnElement[int | None]]:
    """In SQL, the completed records and peer discussions a year needs under the requirements
    in force on `day` for `scheme_id` (`in_force_on`, as ranges of days); NULL where the scheme
    has none."""
    records: list[tuple[sa.ColumnElement[bool], int]] = []
    peers: list[tuple[sa.ColumnElement[bool], int]] = []
    for scheme, versions in timeline.items():
        for since, until, document in in_force_spans(versions):
            test = [scheme_id == scheme]
            if since is not None:
                test.append(day >= sa.literal(since, sa.Date))
            if until is not None:
                test.append(day < sa.literal(until, sa.Date))
            records.append((sa.and_(*test), document.records_per_year))
            peers.append((sa.and_(*test), document.peer_discussions_per_year))
    if not records:
        nothing: sa.ColumnElement[int | None] = sa.cast(sa.null(), sa.Integer)
        return nothing, nothing
    return sa.case(*records, else_=sa.null()), sa.case(*peers, else_=sa.null())


def cpd_years_of(
    records: sa.Subquery,
    most: int,
    *,
    ending_from: date | None = None,
    ending_by: date | None = None,
) -> sa.CTE:
    """In SQL, the CPD years (`cpd_years`) of each record in `records` (columns id, starts_on
    and expires_on, and any others, kept): one row per record and year with the year's number,
    first day and the day after its last (`ends_before`); only years whose last day falls from
    `ending_from` to `ending_by` when given. `most` is the most years any of the records has
    (more is harmless). Materialised, so the calendar arithmetic runs once a year, not once
    for each activity joined to it."""
    numbers = sa.union_all(
        *(sa.select(sa.literal(n, sa.Integer).label("number")) for n in range(1, most + 1))
    ).subquery("numbers")
    starts = add_years(records.c.starts_on, numbers.c.number - 1)
    anniversary = add_years(records.c.starts_on, numbers.c.number)
    ends_before = sa.case(
        (anniversary < records.c.expires_on, anniversary), else_=records.c.expires_on
    )
    conditions = [starts < records.c.expires_on]
    if ending_from is not None:
        conditions.append(ends_before > sa.literal(ending_from, sa.Date))
    if ending_by is not None:
        conditions.append(ends_before <= sa.literal(ending_by + timedelta(days=1), sa.Date))
    return (
        sa.select(
            *records.c,
            numbers.c.number,
            starts.label("year_starts_on"),
            ends_before.label("ends_before"),
        )
        .select_from(records)
        .join(numbers, sa.true())
        .where(*conditions)
        .cte("cpd_years")
        .prefix_with("MATERIALIZED")
    )


def most_cpd_years(records: sa.Subquery) -> int:
    """The most CPD years any record in `records` has, or more (never fewer)."""
    years = sa.extract("year", records.c.expires_on) - sa.extract("year", records.c.starts_on)
    return int(db.session.scalar(sa.select(sa.func.max(years))) or 0) + 1


# A reviewer's record


def cpd_record_for(user_id: int) -> AccreditationRecord | None:
    """The accreditation whose CPD the reviewer keeps now: their most recent one."""
    return db.session.scalar(
        sa.select(AccreditationRecord)
        .where(AccreditationRecord.user_id == user_id)
        .order_by(AccreditationRecord.starts_on.desc(), AccreditationRecord.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class CompetencyChoice:
    code: str
    title: str
    domain_code: str
    domain_title: str


def competencies_for(record: AccreditationRecord) -> list[CompetencyChoice]:
    """The competencies of the framework version the reviewer was accredited against."""
    framework_id = (
        sa.select(Application.framework_id)
        .where(Application.id == record.application_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Competency.code, Competency.title, FrameworkDomain.code, FrameworkDomain.title)
        .join(FrameworkDomain, FrameworkDomain.id == Competency.domain_id)
        .where(Competency.framework_id == framework_id)
        .order_by(FrameworkDomain.position, Competency.position)
    ).all()
    return [CompetencyChoice(*row) for row in rows]


def entries_of(record_id: int) -> list[CpdEntry]:
    """The record's entries, the latest activity first (drafts without a date at the top)."""
    return list(
        db.session.scalars(
            sa.select(CpdEntry)
            .where(CpdEntry.record_id == record_id)
            .order_by(
                sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on).is_not(None),
                sa.func.coalesce(CpdEntry.ends_on, CpdEntry.starts_on).desc(),
                CpdEntry.id.desc(),
            )
        )
    )


def entry(entry_id: int) -> CpdEntry | None:
    return db.session.scalar(
        sa.select(CpdEntry)
        .where(CpdEntry.id == entry_id)
        .options(selectinload(CpdEntry.evidence), selectinload(CpdEntry.revisions))
    )


def evidence(entry: CpdEntry, evidence_id: int) -> CpdEvidence | None:
    return next((e for e in entry.evidence if e.id == evidence_id), None)


def feedback_of(record_id: int) -> list[PracticeFeedback]:
    return list(
        db.session.scalars(
            sa.select(PracticeFeedback)
            .where(PracticeFeedback.record_id == record_id)
            .order_by(PracticeFeedback.received_on.desc(), PracticeFeedback.id.desc())
        )
    )


# Progress


def facts_of(entries: Iterable[CpdEntry], domain_of: dict[str, str]) -> list[EntryFacts]:
    facts = []
    for e in entries:
        codes = frozenset(e.competency_codes or [])
        facts.append(
            EntryFacts(
                completed=e.status is EntryStatus.COMPLETED,
                counts_on=e.counts_on,
                hours=e.hours_quarters or 0,
                participatory_hours=e.participatory_quarters or 0,
                peer_discussion=bool(e.peer_discussion),
                competencies=codes,
                domains=frozenset(domain_of[c] for c in codes if c in domain_of),
            )
        )
    return facts


@dataclass(frozen=True)
class CpdProgress:
    record: AccreditationRecord
    years: list[CpdYear]
    # None where the scheme has no requirements in force yet.
    judged_years: list[YearJudgement]
    term: TermJudgement | None
    current: YearJudgement | None
    domain_hours: list[DomainHours]
    total_hours: int

    @property
    def has_requirements(self) -> bool:
        return self.term is not None

    @property
    def max_domain_hours(self) -> int:
        return max([d.hours for d in self.domain_hours] + [4])


def progress_from(
    record: AccreditationRecord,
    entries: Sequence[CpdEntry],
    competencies: Sequence[CompetencyChoice],
    timeline: Sequence[tuple[date, RequirementDocument]],
    *,
    today: date,
) -> CpdProgress:
    domain_of = {c.code: c.domain_code for c in competencies}
    domains = list(dict.fromkeys((c.domain_code, c.domain_title) for c in competencies))
    facts = facts_of(entries, domain_of)
    years = cpd_years(record.starts_on, record.expires_on)
    judged: list[YearJudgement] = []
    term = None
    if timeline and years:
        for year in years:
            document = in_force_on(timeline, year.starts_on)
            if document is None:
                raise RuntimeError("document is not set")
            judged.append(judge_year(facts, document, year, today))
        first = in_force_on(timeline, years[0].starts_on)
        if first is None:
            raise RuntimeError("first is not set")
        term = judge_term(facts, first, years)
    current = next((j for j in judged if j.state is YearState.CURRENT), None)
    in_term = (
        [f for f in facts if f.counts_on and years[0].starts_on <= f.counts_on <= years[-1].ends_on]
        if years
        else []
    )
    return CpdProgress(
        record=record,
        years=years,
        judged_years=judged,
        term=term,
        current=current,
        domain_hours=hours_by_domain(in_term, domains),
        total_hours=sum(f.hours for f in in_term if f.completed),
    )


def progress(record: AccreditationRecord, *, today: date) -> CpdProgress:
    """Each year and the whole accreditation judged, with hours by domain: a fixed number of
    queries whatever the number of entries."""
    return progress_from(
        record,
        entries_of(record.id),
        competencies_for(record),
        requirement_timeline([record.scheme_id])[record.scheme_id],
        today=today,
    )


def year_for(record: AccreditationRecord, day: date | None) -> CpdYear | None:
    if day is None:
        return None
    return year_of(cpd_years(record.starts_on, record.expires_on), day)


# The renewal seam


@dataclass(frozen=True)
class SummaryYear:
    number: int
    starts_on: date
    ends_on: date
    state: YearState
    met: bool
    completed: int
    missing: tuple[str, ...]


@dataclass(frozen=True)
class CpdSummary:
    """The CPD of one accreditation period, for the renewal form and its assessors."""

    record_number: str
    years: tuple[SummaryYear, ...]
    term_met: bool
    met: bool
    lines: tuple[str, ...]
    total_hours: str
    has_requirements: bool


def summarise(state: CpdProgress) -> CpdSummary:
    years = []
    lines = []
    for judged in state.judged_years:
        if judged.state is YearState.FUTURE:
            continue
        missing = tuple(r.missing for r in judged.results if r.missing)
        years.append(
            SummaryYear(
                judged.year.number,
                judged.year.starts_on,
                judged.year.ends_on,
                judged.state,
                judged.met,
                judged.completed,
                missing,
            )
        )
        span = f"{format_date(judged.year.starts_on)} to {format_date(judged.year.ends_on)}"
        verdict = (
            "requirements met"
            if judged.met
            else ("not met: " if judged.state is YearState.CLOSED else "not yet met: ")
            + "; ".join(missing)
        )
        records = f"{judged.completed} completed record{'s' if judged.completed != 1 else ''}"
        lines.append(f"Year {judged.year.number} ({span}): {records}, {verdict}.")
    term_met = state.term.met if state.term else False
    if state.term is not None:
        missing_term = [r.missing for r in state.term.results if r.missing]
        lines.append(
            "Over the accreditation: "
            + (
                "every requirement met."
                if not missing_term
                else "still needs " + "; ".join(missing_term) + "."
            )
        )
    else:
        lines.append("The scheme had no CPD requirements in force for this accreditation.")
    hours = format_hours(state.total_hours)
    lines.append(f"{hours} hours of completed CPD recorded in the accreditation period.")
    return CpdSummary(
        record_number=state.record.number,
        years=tuple(years),
        term_met=term_met,
        met=state.has_requirements and term_met and all(y.met for y in years),
        lines=tuple(lines),
        total_hours=hours,
        has_requirements=state.has_requirements,
    )


def cpd_summary(record: AccreditationRecord, *, today: date) -> CpdSummary:
    """The CPD summary for the accreditation period of `record`, as the renewal form reads it:
    each year that has started met or not, the whole term, and lines of text to read."""
    return summarise(progress(record, today=today))


# Import and export


def entry_keys(record_id: int) -> set[tuple[date | None, str, str]]:
    """The natural key (date, title, provider) of every activity already in the record."""
    rows = db.session.execute(
        sa.select(CpdEntry.starts_on, CpdEntry.title, CpdEntry.provider).where(
            CpdEntry.record_id == record_id
        )
    )
    return {
        (
            starts_on,
            " ".join(title.split()).casefold(),
            " ".join((provider or "").split()).casefold(),
        )
        for starts_on, title, provider in rows
    }


def export_rows(record: AccreditationRecord) -> list[ActivityRow]:
    """The record's activities as plain rows for a download, oldest first."""
    years = cpd_years(record.starts_on, record.expires_on)
    rows = []
    for item in reversed(entries_of(record.id)):
        year = year_of(years, item.counts_on) if item.counts_on else None
        rows.append(
            ActivityRow(
                status=item.status.label,
                cpd_year=year.number if year else None,
                activity_type=item.activity_type.label if item.activity_type else "",
                title=item.title,
                description=item.description or "",
                relevance=item.relevance or "",
                starts_on=item.starts_on,
                ends_on=item.ends_on,
                provider=item.provider or "",
                hours=format_hours(item.hours_quarters),
                participatory_hours=format_hours(item.participatory_quarters),
                competencies="; ".join(item.competency_codes or []),
                learning=item.learning or "",
                impact=item.impact or "",
                peer_discussion={True: "Yes", False: "No"}.get(item.peer_discussion, "")
                if item.peer_discussion is not None
                else "",
                peer_name=item.peer_name or "",
                peer_role=item.peer_role or "",
                peer_learning=item.peer_learning or "",
            )
        )
    return rows
