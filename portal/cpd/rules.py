"""The CPD rules as pure functions: CPD years, hours, what a complete record needs, and each
requirement met or not with what is missing. No database, no Flask."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from portal.core.dates import add_years
from portal.cpd.schema import RequirementDocument

# Hours are kept in quarter hours: 0.25 to 200 hours for one activity.
MIN_QUARTERS = 1
MAX_QUARTERS = 800
MAX_HOURS = MAX_QUARTERS // 4


@dataclass(frozen=True)
class CpdYear:
    """A CPD year: it starts on an anniversary of the accreditation and ends, inclusive, on
    the day before the next (the last year ends the day before the accreditation expires)."""

    number: int
    starts_on: date
    ends_on: date

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def days_left(self, today: date) -> int:
        """Days left including today; 0 once the year has closed."""
        return max(0, (self.ends_on - today).days + 1)


def cpd_years(starts_on: date, expires_on: date) -> list[CpdYear]:
    """The CPD years of a term that starts on `starts_on` and is no longer valid on
    `expires_on`."""
    years = []
    number = 1
    start = starts_on
    while start < expires_on:
        end = min(add_years(starts_on, number), expires_on) - timedelta(days=1)
        years.append(CpdYear(number, start, end))
        start = end + timedelta(days=1)
        number += 1
    return years


def year_of(years: Sequence[CpdYear], day: date) -> CpdYear | None:
    return next((year for year in years if year.contains(day)), None)


def is_locked(years: Sequence[CpdYear], day: date | None, today: date) -> bool:
    """An entry is locked once the CPD year its activity counts in has closed."""
    if day is None:
        return False
    year = year_of(years, day)
    if year is None:
        return day < today
    return year.ends_on < today


T = TypeVar("T")


def in_force_on(versions: Sequence[tuple[date, T]], day: date) -> T | None:
    """The version published most recently on or before `day`; if none had been published by
    then, the first one published (the scheme had no rules yet, so its first rules apply)."""
    ordered = sorted(versions, key=lambda pair: pair[0])
    if not ordered:
        return None
    chosen = ordered[0][1]
    for published_on, version in ordered:
        if published_on <= day:
            chosen = version
    return chosen


def in_force_spans(versions: Sequence[tuple[date, T]]) -> list[tuple[date | None, date | None, T]]:
    """`in_force_on` as spans of days: (from, until, version), `from` inclusive and `until`
    exclusive, None for open ends; a day falls in exactly one span, the one whose version
    `in_force_on` gives for it (so SQL can pick the version with a range test)."""
    ordered = sorted(versions, key=lambda pair: pair[0])
    if not ordered:
        return []
    last_of_day: dict[date, T] = {}
    for published_on, version in ordered:
        last_of_day[published_on] = version
    days = sorted(last_of_day)
    spans: list[tuple[date | None, date | None, T]] = [(None, days[0], ordered[0][1])]
    for i, day in enumerate(days):
        spans.append((day, days[i + 1] if i + 1 < len(days) else None, last_of_day[day]))
    return spans


# Hours


def parse_hours(text: str | None) -> int | None:
    """Hours as typed ('1.5', '2', '0.25') in quarter hours; None for nothing typed.
    Raises ValueError with a message for anything else."""
    if text is None or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise ValueError("Enter hours as a number, like 1.5") from exc
    if not value.is_finite():
        raise ValueError("Enter hours as a number, like 1.5")
    quarters = value * 4
    if quarters != quarters.to_integral_value():
        raise ValueError("Enter hours in quarter hours, like 0.25, 1.5 or 2.75")
    return int(quarters)


def format_hours(quarters: int | None) -> str:
    if quarters is None:
        return ""
    hours = Decimal(quarters) / 4
    return f"{hours.normalize():f}"


def hours_problems(hours: int | None, participatory: int | None) -> list[tuple[str, str]]:
    """What is wrong with the hours of one activity, as (field, message)."""
    problems = []
    if hours is not None and not MIN_QUARTERS <= hours <= MAX_QUARTERS:
        problems.append(("hours", f"Hours must be between 0.25 and {MAX_HOURS}"))
    if participatory is not None:
        if participatory < 0:
            problems.append(("participatory_hours", "Participatory hours cannot be negative"))
        elif hours is not None and participatory > hours:
            problems.append(
                (
                    "participatory_hours",
                    "Participatory hours cannot be more than the hours of the activity",
                )
            )
        elif participatory > MAX_QUARTERS:
            problems.append(
                ("participatory_hours", f"Participatory hours must be {MAX_HOURS} or fewer")
            )
    return problems


# What a complete record needs


@dataclass(frozen=True)
class EntryData:
    """What a reviewer typed for one activity (drafts may leave most of it empty)."""

    activity_type: str | None
    title: str
    description: str | None
    relevance: str | None
    starts_on: date | None
    ends_on: date | None
    provider: str | None
    hours: int | None
    participatory_hours: int | None
    competencies: tuple[str, ...]
    learning: str | None
    impact: str | None
    peer_discussion: bool | None
    peer_name: str | None
    peer_role: str | None
    peer_learning: str | None

    @property
    def counts_on(self) -> date | None:
        """The day the activity counts on: its last day."""
        return self.ends_on or self.starts_on


def entry_problems(data: EntryData, *, complete: bool, today: date) -> list[tuple[str, str]]:
    """Everything that stops the entry being saved (as a draft) or completed, as
    (field, message); a draft needs only a title and sound values where it has any."""
    problems: list[tuple[str, str]] = []
    if not data.title.strip():
        problems.append(("title", "Enter a title for the activity"))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        problems.append(("ends_on", "The last day must be the same as or after the first day"))
    problems += hours_problems(data.hours, data.participatory_hours)
    if not complete:
        return problems
    required = (
        ("activity_type", data.activity_type, "Select the type of activity"),
        ("description", data.description, "Describe the activity in a few words"),
        ("relevance", data.relevance, "Say why the activity is relevant to your practice"),
        ("starts_on", data.starts_on, "Enter the date of the activity"),
        ("hours", data.hours, "Enter the hours the activity took"),
        ("competencies", data.competencies, "Select at least one competency it developed"),
        ("learning", data.learning, "Say what you learned"),
        ("impact", data.impact, "Say what impact it has on your practice and on people"),
        ("peer_discussion", data.peer_discussion is not None, "Say whether you discussed it"),
    )
    for name, value, message in required:
        if not value or (isinstance(value, str) and not value.strip()):
            problems.append((name, message))
    if data.peer_discussion:
        for name, value, message in (
            ("peer_name", data.peer_name, "Enter the name of the peer you discussed it with"),
            ("peer_role", data.peer_role, "Enter the peer's role"),
            ("peer_learning", data.peer_learning, "Say what you learned from the discussion"),
        ):
            if not value or not value.strip():
                problems.append((name, message))
    if data.counts_on and data.counts_on > today:
        problems.append(("starts_on", "A completed activity must have taken place by today"))
    if data.participatory_hours is None and data.hours is not None:
        problems.append(("participatory_hours", "Enter the participatory hours, or 0"))
    return problems


# Judging the requirements


@dataclass(frozen=True)
class EntryFacts:
    """What the rules need to know about one recorded activity."""

    completed: bool
    counts_on: date | None
    hours: int
    participatory_hours: int
    peer_discussion: bool
    competencies: frozenset[str]
    domains: frozenset[str]


class YearState(enum.StrEnum):
    CLOSED = "closed"
    CURRENT = "current"
    FUTURE = "future"


@dataclass(frozen=True)
class RequirementResult:
    code: str
    label: str
    met: bool
    done: str
    missing: str | None


@dataclass(frozen=True)
class YearJudgement:
    year: CpdYear
    version: str
    state: YearState
    days_left: int
    completed: int
    hours: int
    results: tuple[RequirementResult, ...]

    @property
    def met(self) -> bool:
        return all(result.met for result in self.results)


@dataclass(frozen=True)
class TermJudgement:
    version: str
    hours: int
    participatory_hours: int
    results: tuple[RequirementResult, ...]

    @property
    def met(self) -> bool:
        return all(result.met for result in self.results)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _counting(entries: Iterable[EntryFacts], year: CpdYear) -> list[EntryFacts]:
    return [
        e for e in entries if e.completed and e.counts_on is not None and year.contains(e.counts_on)
    ]


def judge_year(
    entries: Iterable[EntryFacts],
    requirements: RequirementDocument,
    year: CpdYear,
    today: date,
) -> YearJudgement:
    """Each yearly requirement met or not, from the completed entries that count in `year`."""
    counted = _counting(entries, year)
    peers = sum(1 for e in counted if e.peer_discussion)
    need_records = requirements.records_per_year
    need_peers = requirements.peer_discussions_per_year
    results = (
        RequirementResult(
            "records",
            f"At least {_plural(need_records, 'completed record')} this year",
            len(counted) >= need_records,
            f"{_plural(len(counted), 'completed record')}",
            None
            if len(counted) >= need_records
            else f"{_plural(need_records - len(counted), 'more completed record')}",
        ),
        RequirementResult(
            "peer_discussion",
            f"At least {_plural(need_peers, 'record')} with a peer discussion",
            peers >= need_peers,
            f"{_plural(peers, 'record')} with a peer discussion",
            None
            if peers >= need_peers
            else f"{_plural(need_peers - peers, 'more record')} with a peer discussion",
        ),
    )
    if year.ends_on < today:
        state = YearState.CLOSED
    elif year.starts_on > today:
        state = YearState.FUTURE
    else:
        state = YearState.CURRENT
    return YearJudgement(
        year=year,
        version=requirements.version,
        state=state,
        days_left=year.days_left(today) if state is not YearState.FUTURE else 0,
        completed=len(counted),
        hours=sum(e.hours for e in counted),
        results=results,
    )


def judge_term(
    entries: Iterable[EntryFacts],
    requirements: RequirementDocument,
    years: Sequence[CpdYear],
) -> TermJudgement:
    """The requirements over the whole term: each area touched, and the hours if required."""
    if years:
        term = CpdYear(0, years[0].starts_on, years[-1].ends_on)
        counted = _counting(entries, term)
    else:
        counted = []
    results = []
    for area in requirements.areas:
        touching = [e for e in counted if area.touched_by(e.competencies, e.domains)]
        results.append(
            RequirementResult(
                f"area:{area.code}",
                f"At least one record developing {area.label.lower()}",
                bool(touching),
                _plural(len(touching), "completed record"),
                None if touching else f"a completed record developing {area.label.lower()}",
            )
        )
    hours = sum(e.hours for e in counted)
    participatory = sum(e.participatory_hours for e in counted)
    rule = requirements.hours
    if rule.required:
        need_total = round(rule.total * 4)
        need_participatory = round(rule.participatory * 4)
        results.append(
            RequirementResult(
                "hours",
                f"At least {format_hours(need_total)} hours over the accreditation",
                hours >= need_total,
                f"{format_hours(hours)} hours",
                None if hours >= need_total else f"{format_hours(need_total - hours)} more hours",
            )
        )
        if need_participatory:
            results.append(
                RequirementResult(
                    "participatory_hours",
                    f"At least {format_hours(need_participatory)} participatory hours",
                    participatory >= need_participatory,
                    f"{format_hours(participatory)} participatory hours",
                    None
                    if participatory >= need_participatory
                    else f"{format_hours(need_participatory - participatory)} more "
                    "participatory hours",
                )
            )
    return TermJudgement(requirements.version, hours, participatory, tuple(results))


@dataclass(frozen=True)
class DomainHours:
    code: str
    title: str
    hours: int


def hours_by_domain(
    entries: Iterable[EntryFacts], domains: Sequence[tuple[str, str]]
) -> list[DomainHours]:
    """Hours of completed activities by the framework domains they developed. An activity that
    developed two domains counts in both; one that named no competency counts in neither."""
    totals = dict.fromkeys((code for code, _ in domains), 0)
    for entry in entries:
        if not entry.completed:
            continue
        for code in entry.domains:
            if code in totals:
                totals[code] += entry.hours
    return [DomainHours(code, title, totals[code]) for code, title in domains]
