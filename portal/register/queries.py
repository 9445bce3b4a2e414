"""Read models for the register: a reviewer's own entry, the public register with its
verification pages, and partnerships' search with conflicts of interest taken out.

Every page here runs a fixed number of queries whatever the number of entries: one to count,
one for the page of rows, then one each for the rows' regions, terms and conflicts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.applications import accreditation_queries
from portal.applications.assessment_queries import CONFLICT_YEARS
from portal.applications.models import (
    CURRENT_ACCREDITATION,
    AccreditationRecord,
    AccreditationStatus,
    AccreditationStatusChange,
    DeclaredInterest,
)
from portal.applications.queries import Page
from portal.auth.models import User
from portal.core.dates import add_years
from portal.core.templating import LONDON
from portal.extensions import db
from portal.framework.models import Scheme
from portal.organisations.models import Organisation, OrganisationKind, PartnershipMember
from portal.register import commissioning_queries, text_search
from portal.register.commissioning_models import Commission
from portal.register.models import (
    SEARCH_TABLE,
    RegisterEntry,
    RegisterEntryRegion,
    RegisterEntryTerm,
    TermKind,
)

A = AccreditationStatus
PER_PAGE = 20

# The public register's status filter: what each choice shows.
STATUS_FILTERS: dict[str, frozenset[AccreditationStatus] | None] = {
    "all": None,
    "current": frozenset(CURRENT_ACCREDITATION),
    "suspended": frozenset({A.SUSPENDED}),
    "lapsed": frozenset({A.LAPSED}),
    "withdrawn": frozenset({A.WITHDRAWN}),
}
STATUS_FILTER_LABELS: dict[str, str] = {
    "all": "All statuses",
    "current": "Currently accredited (including with conditions and provisional)",
    "suspended": "Suspended",
    "lapsed": "Lapsed",
    "withdrawn": "Withdrawn",
}
NOT_CURRENT = frozenset({A.SUSPENDED, A.LAPSED, A.WITHDRAWN})


# A reviewer's own entry


def entry_of(user_id: int) -> RegisterEntry | None:
    return db.session.scalar(
        sa.select(RegisterEntry)
        .where(RegisterEntry.user_id == user_id)
        .options(selectinload(RegisterEntry.regions), selectinload(RegisterEntry.terms))
    )


def records_of(user_id: int) -> list[AccreditationRecord]:
    return accreditation_queries.records_of(user_id)


def level_names() -> dict[str, str]:
    """Each level code's name, from the schemes' settings."""
    names: dict[str, str] = {}
    for settings in db.session.scalars(sa.select(Scheme.settings)):
        for level in (settings or {}).get("levels") or []:
            if isinstance(level, dict) and level.get("code"):
                names.setdefault(str(level["code"]), str(level.get("name") or level["code"]))
    return names


# Shared pieces


def _region_codes(entry_ids: Collection[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if entry_ids:
        rows = db.session.execute(
            sa.select(RegisterEntryRegion.entry_id, RegisterEntryRegion.region_code)
            .where(RegisterEntryRegion.entry_id.in_(list(entry_ids)))
            .order_by(RegisterEntryRegion.region_code)
        )
        for entry_id, code in rows:
            found.setdefault(entry_id, []).append(code)
    return found


def _term_codes(entry_ids: Collection[int]) -> dict[int, dict[TermKind, list[str]]]:
    found: dict[int, dict[TermKind, list[str]]] = {}
    if entry_ids:
        rows = db.session.execute(
            sa.select(RegisterEntryTerm.entry_id, RegisterEntryTerm.kind, RegisterEntryTerm.code)
            .where(RegisterEntryTerm.entry_id.in_(list(entry_ids)))
            .order_by(RegisterEntryTerm.code)
        )
        for entry_id, kind, code in rows:
            found.setdefault(entry_id, {}).setdefault(kind, []).append(code)
    return found


def _pages(total: int, page: int, per_page: int) -> tuple[int, int]:
    pages = max(1, -(-total // per_page))
    return pages, min(max(1, page), pages)


def _has_region(region: str) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        RegisterEntryRegion.entry_id == RegisterEntry.id,
        RegisterEntryRegion.region_code == region,
    )


def _has_term(kind: TermKind, codes: Collection[str]) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        RegisterEntryTerm.entry_id == RegisterEntry.id,
        RegisterEntryTerm.kind == kind,
        RegisterEntryTerm.code.in_(list(codes)),
    )


def _name_has_every_word(words: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.and_(
        *(
            sa.func.lower(User.name).like(text_search.like_pattern(word), escape="\\")
            for word in words
        )
    )


def _name_has_every_word_any_case(words: Sequence[str]) -> sa.ColumnElement[bool]:
    """As _name_has_every_word, lower-casing every letter of the name (not only ASCII ones)
    on SQLite too, so 'órla' finds 'Órla'."""
    name: sa.ColumnElement[str] = (
        sa.func.unicode_lower(User.name, type_=sa.String)
        if db.session.get_bind().dialect.name == "sqlite"
        else sa.func.lower(User.name)
    )
    return sa.and_(*(name.like(text_search.like_pattern(word), escape="\\") for word in words))


# The public register


@dataclass(frozen=True)
class PublicRow:
    number: str
    name: str
    status: AccreditationStatus
    level: str
    expires_on: date
    regions: list[str]


def public_search(
    *, text: str, status: str, region: str, page: int, per_page: int = PER_PAGE
) -> Page[PublicRow]:
    """Accreditations whose number or holder's name contains what was typed (each word of a
    name, in any order), by status and region, in name order."""
    conditions: list[sa.ColumnElement[bool]] = []
    typed = text_search.normalise(text)
    if typed:
        words = text_search.words(typed)
        by_number = sa.func.upper(AccreditationRecord.number).like(
            text_search.like_pattern(typed.upper()), escape="\\"
        )
        conditions.append(
            sa.or_(by_number, _name_has_every_word_any_case(words)) if words else by_number
        )
    statuses = STATUS_FILTERS.get(status)
    if statuses is not None:
        conditions.append(AccreditationRecord.status.in_(sorted(statuses)))
    if region:
        conditions.append(_has_region(region))
    base = (
        sa.select(AccreditationRecord.id)
        .join(User, User.id == AccreditationRecord.user_id)
        .outerjoin(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .where(*conditions)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages, number = _pages(total, page, per_page)
    rows = db.session.execute(
        sa.select(
            AccreditationRecord.number,
            User.name,
            AccreditationRecord.status,
            AccreditationRecord.level,
            AccreditationRecord.expires_on,
            RegisterEntry.id,
        )
        .join(User, User.id == AccreditationRecord.user_id)
        .outerjoin(RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id)
        .where(*conditions)
        .order_by(User.name, AccreditationRecord.number)
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    regions = _region_codes([row[5] for row in rows if row[5] is not None])
    return Page(
        rows=[
            PublicRow(
                number=row[0],
                name=row[1],
                status=row[2],
                level=row[3],
                expires_on=row[4],
                regions=regions.get(row[5], []) if row[5] is not None else [],
            )
            for row in rows
        ],
        number=number,
        pages=pages,
        total=total,
    )


@dataclass(frozen=True)
class Period:
    status: AccreditationStatus
    start: date
    end: date | None

    @property
    def wording(self) -> str:
        """How the register says it: 'Suspended from 3 March 2026 to 10 April 2026'."""
        label = self.status.label
        if self.end is None:
            return f"{label} since {_day(self.start)}"
        if self.end == self.start:
            return f"{label} on {_day(self.start)}"
        return f"{label} from {_day(self.start)} to {_day(self.end)}"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def history_periods(changes: Sequence[AccreditationStatusChange]) -> list[Period]:
    """The record's statuses as periods, newest first; a change to the same status (a renewal)
    continues the period it is in."""
    periods: list[Period] = []
    ordered = sorted(changes, key=lambda c: (c.occurred_at, c.id or 0))
    for change in ordered:
        day = change.occurred_at.astimezone(LONDON).date()
        if periods and periods[-1].status is change.to_status:
            continue
        if periods:
            last = periods[-1]
            periods[-1] = Period(last.status, last.start, day)
        periods.append(Period(change.to_status, day, None))
    return list(reversed(periods))


@dataclass(frozen=True)
class PublicEntry:
    record: AccreditationRecord
    level_name: str
    entry: RegisterEntry | None
    history: list[Period]

    @property
    def current(self) -> bool:
        return self.record.status.current

    def codes(self, kind: TermKind) -> list[str]:
        return self.entry.codes(kind) if self.entry else []

    @property
    def region_codes(self) -> list[str]:
        return self.entry.region_codes if self.entry else []


def public_entry(number: str) -> PublicEntry | None:
    """The verification page's content for an accreditation number (any case, trimmed)."""
    wanted = " ".join((number or "").split()).upper()
    if not wanted or len(wanted) > 32:
        return None
    record = db.session.scalar(
        sa.select(AccreditationRecord)
        .where(AccreditationRecord.number == wanted)
        .options(selectinload(AccreditationRecord.history))
    )
    if record is None:
        return None
    return PublicEntry(
        record=record,
        level_name=level_names().get(record.level, record.level.replace("_", " ")),
        entry=entry_of(record.user_id),
        history=history_periods(record.history),
    )


# Partnerships' search


SORTS = {"relevance": "Best match", "availability": "Soonest available"}


@dataclass(frozen=True)
class SearchFilters:
    text: str = ""
    region: str = ""
    specialisms: tuple[str, ...] = ()
    methodologies: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    level: str = ""
    available_by: date | None = None
    capacity: bool = False
    sort: str = "relevance"
    show_conflicts: bool = False
    # Organisations involved in this particular case: their declarations conflict too.
    agencies: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReviewerRow:
    number: str
    name: str
    status: AccreditationStatus
    level: str
    expires_on: date
    user_id: int
    available_from: date | None
    reviews_per_quarter: int | None
    day_rate_band: str | None
    travel: str | None
    biography: str
    regions: list[str]
    terms: dict[TermKind, list[str]]
    conflicts: list[str] = field(default_factory=list)
    # Commissions running this quarter, which take the reviewer's places.
    booked: int = 0
    # Set when the reviewer has done several reviews for this partnership recently.
    independence: str | None = None
    # The first day of the first quarter, from when they can start, with a place left.
    free_from: date | None = None

    @property
    def places_left(self) -> int | None:
        if self.reviews_per_quarter is None:
            return None
        return max(0, self.reviews_per_quarter - self.booked)

    @property
    def free_quarter(self) -> str | None:
        """The quarter with the reviewer's next free place, named: 'July to September 2026'."""
        return commissioning_queries.quarter_name(self.free_from) if self.free_from else None

    def codes(self, kind: TermKind) -> list[str]:
        return self.terms.get(kind, [])


@dataclass(frozen=True)
class SearchResult:
    page: Page[ReviewerRow]
    # Matching reviewers with a conflict of interest: hidden, or shown flagged on request.
    conflicted: int
    partnership: Organisation | None
    # The partnership, those merged into it, its member agencies and the case's agencies,
    # whose declarations count as conflicts.
    conflict_organisations: list[str]
    shown_conflicts: bool
    # Reviewers on the partnership's shortlist already.
    shortlisted: frozenset[int] = frozenset()
    # Why the reviewers left out were left out, without naming them.
    exclusions: list[str] = field(default_factory=list)


# A reviewer who has led this many reviews for the partnership in the conflict period is
# flagged, not hidden: the partnership decides whether they are still independent enough.
INDEPENDENCE_REVIEWS = 2


def independence_flags(
    user_ids: Collection[int], org_ids: Collection[int], today: date
) -> dict[int, str]:
    """'Independence: 2 reviews for this partnership since 2024' for each reviewer with
    INDEPENDENCE_REVIEWS or more commissions by the organisations in the last three years."""
    if not user_ids or not org_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Commission.reviewer_id, sa.func.count(Commission.id), sa.func.min(Commission.starts_on)
        )
        .where(
            Commission.reviewer_id.in_(list(user_ids)),
            Commission.partnership_id.in_(list(org_ids)),
            Commission.starts_on >= _conflict_cutoff(today),
        )
        .group_by(Commission.reviewer_id)
    )
    return {
        user_id: f"Independence: {n} reviews for this partnership since {first.year}"
        for user_id, n, first in rows
        if n >= INDEPENDENCE_REVIEWS
    }


@dataclass(frozen=True)
class ConflictScope:
    """The organisations a search or pre-check counts as conflicts, by id (so a renamed one is
    still the same), each with its current name and, for those not named directly, how it
    comes in (merged into one named, or a member agency of a partnership named)."""

    names: dict[int, str]
    links: dict[int, str]

    def describe(self, org_id: int) -> str:
        name = self.names.get(org_id, "")
        link = self.links.get(org_id)
        return f"{name} ({link})" if link else name

    def joined(self, other: ConflictScope) -> ConflictScope:
        return ConflictScope({**self.names, **other.names}, {**other.links, **self.links})


def conflict_scope(partnership_id: int, *others: int) -> ConflictScope:
    """The partnership and any other organisations named, every organisation merged into them
    (directly or through another merge), and the member agencies of each partnership among
    them with what was merged into those. A member agency that has itself been merged counts
    through the organisation it was merged into. At most three queries, whatever the data."""
    roots = list(dict.fromkeys([partnership_id, *others]))
    rows = db.session.execute(
        sa.select(
            Organisation.id, Organisation.name, Organisation.kind, Organisation.merged_into_id
        ).where(sa.or_(Organisation.id.in_(roots), Organisation.merged_into_id.is_not(None)))
    ).all()
    names = {row[0]: row[1] for row in rows}
    kinds = {row[0]: row[2] for row in rows}
    target_of = {row[0]: row[3] for row in rows if row[3] is not None}
    merged_into: dict[int, list[int]] = {}
    for org_id, target in target_of.items():
        merged_into.setdefault(target, []).append(org_id)

    found: dict[int, str] = {}
    links: dict[int, str] = {}

    def take(start: int, link: str | None) -> list[int]:
        """`start` and everything merged into it, noted with how they came in."""
        taken: list[int] = []
        waiting = [start]
        while waiting:
            org_id = waiting.pop()
            if org_id in found or org_id not in names:
                continue
            found[org_id] = names[org_id]
            if org_id != start:
                links[org_id] = f"merged into {names[start]}"
            elif link:
                links[org_id] = link
            taken.append(org_id)
            waiting.extend(sorted(merged_into.get(org_id, []), reverse=True))
        return taken

    partnerships: dict[int, int] = {}
    for root in roots:
        for org_id in take(root, None):
            if kinds.get(org_id) is OrganisationKind.PARTNERSHIP:
                partnerships[org_id] = root
    if not partnerships:
        return ConflictScope(found, links)
    members = db.session.execute(
        sa.select(
            PartnershipMember.partnership_id,
            PartnershipMember.agency_id,
            Organisation.name,
            PartnershipMember.statutory,
        )
        .join(Organisation, Organisation.id == PartnershipMember.agency_id)
        .where(PartnershipMember.partnership_id.in_(list(partnerships)))
        .order_by(PartnershipMember.statutory.desc(), Organisation.name)
    ).all()

    def current(org_id: int) -> int:
        seen = {org_id}
        while org_id in target_of and target_of[org_id] not in seen:
            org_id = target_of[org_id]
            seen.add(org_id)
        return org_id

    for _partnership, agency_id, name, _statutory in members:
        names.setdefault(agency_id, name)
    missing = {current(agency_id) for _p, agency_id, _n, _s in members} - set(names)
    if missing:
        for org_id, name in db.session.execute(
            sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(missing))
        ):
            names[org_id] = name
    for partnership_id_, agency_id, _name, statutory in members:
        whose = names[partnerships[partnership_id_]]
        role = "statutory partner" if statutory else "member agency"
        head = current(agency_id)
        take(head, f"{role} of {whose}")
        if head != agency_id and agency_id not in found:
            # A member merged into an organisation already counted: still name it.
            take(agency_id, f"{role} of {whose}")
    return ConflictScope(found, links)


NO_SCOPE = ConflictScope({}, {})


def conflict_organisations(partnership_id: int, *others: int) -> dict[int, str]:
    """The organisations of `conflict_scope`, by id, with their names."""
    return conflict_scope(partnership_id, *others).names


def _conflict_cutoff(today: date) -> date:
    """Connections that ended on or after this day still conflict."""
    return add_years(today, -CONFLICT_YEARS)


def _conflicted(org_ids: Collection[int], today: date) -> sa.ColumnElement[bool]:
    """The record's holder declared one of the organisations (continuing, or ended within the
    last three years), or works for one of them."""
    if not org_ids:
        return sa.false()
    declared = sa.select(DeclaredInterest.user_id).where(
        DeclaredInterest.organisation_id.in_(list(org_ids)),
        sa.or_(
            DeclaredInterest.ended_on.is_(None),
            DeclaredInterest.ended_on >= _conflict_cutoff(today),
        ),
    )
    # Spelled out for NULL: a person with no organisation must count as not conflicted, and
    # NOT (NULL IN (...)) would leave them out of the results.
    employed = sa.and_(User.organisation_id.is_not(None), User.organisation_id.in_(list(org_ids)))
    return sa.or_(AccreditationRecord.user_id.in_(declared), employed)


def conflict_reasons(
    user_ids: Collection[int],
    org_ids: Collection[int],
    today: date,
    *,
    links: Mapping[int, str] | None = None,
) -> dict[int, list[str]]:
    """Why each person conflicts with the organisations, in words, saying how an organisation
    not named directly comes in (a partnership's member agency, say)."""
    links = links or {}
    reasons: dict[int, list[str]] = {}
    if not user_ids or not org_ids:
        return reasons
    rows = db.session.execute(
        sa.select(
            DeclaredInterest.user_id,
            Organisation.name,
            DeclaredInterest.kind,
            DeclaredInterest.ended_on,
            Organisation.id,
        )
        .join(Organisation, Organisation.id == DeclaredInterest.organisation_id)
        .where(
            DeclaredInterest.user_id.in_(list(user_ids)),
            DeclaredInterest.organisation_id.in_(list(org_ids)),
            sa.or_(
                DeclaredInterest.ended_on.is_(None),
                DeclaredInterest.ended_on >= _conflict_cutoff(today),
            ),
        )
        .order_by(DeclaredInterest.user_id, Organisation.name, DeclaredInterest.id)
    )
    for user_id, name, kind, ended_on, org_id in rows:
        when = f", until {_day(ended_on)}" if ended_on else ", continuing"
        link = f" ({links[org_id]})" if org_id in links else ""
        reason = f"Declared {name}{link}: {kind.label.lower()}{when}"
        if reason not in reasons.get(user_id, []):
            reasons.setdefault(user_id, []).append(reason)
    employed = db.session.execute(
        sa.select(User.id, Organisation.name, Organisation.id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id.in_(list(user_ids)), User.organisation_id.in_(list(org_ids)))
    )
    for user_id, name, org_id in employed:
        link = f" ({links[org_id]})" if org_id in links else ""
        reasons.setdefault(user_id, []).append(f"Works for {name}{link}")
    return reasons


def _reviewers(n: int) -> str:
    return f"{n} reviewer" if n == 1 else f"{n} reviewers"


def exclusion_reasons(candidates: sa.Select[Any], scope: ConflictScope, today: date) -> list[str]:
    """Why the reviewers in `candidates` (a query of user ids) were left out, organisation by
    organisation and without naming anyone: '2 reviewers declared West Yorkshire Police
    (statutory partner of ...) within the last 3 years'. One query."""
    org_ids = list(scope.names)
    if not org_ids:
        return []
    declared = (
        sa.select(
            DeclaredInterest.organisation_id.label("org_id"),
            sa.literal(0).label("employed"),
            sa.func.count(sa.distinct(DeclaredInterest.user_id)).label("people"),
        )
        .where(
            DeclaredInterest.organisation_id.in_(org_ids),
            sa.or_(
                DeclaredInterest.ended_on.is_(None),
                DeclaredInterest.ended_on >= _conflict_cutoff(today),
            ),
            DeclaredInterest.user_id.in_(candidates),
        )
        .group_by(DeclaredInterest.organisation_id)
    )
    employed = (
        sa.select(
            User.organisation_id.label("org_id"),
            sa.literal(1).label("employed"),
            sa.func.count(User.id).label("people"),
        )
        .where(User.organisation_id.in_(org_ids), User.id.in_(candidates))
        .group_by(User.organisation_id)
    )
    result: Sequence[Any] = db.session.execute(sa.union_all(declared, employed)).all()
    rows = [(int(row[0]), int(row[1]), int(row[2])) for row in result]
    rows.sort(key=lambda row: (-row[2], scope.names.get(row[0], "").lower(), row[1]))
    return [
        f"{_reviewers(people)} {'work' if people > 1 else 'works'} for {scope.describe(org_id)}"
        if employed_
        else f"{_reviewers(people)} declared {scope.describe(org_id)} within the last "
        f"{CONFLICT_YEARS} years"
        for org_id, employed_, people in rows
    ]


def _text_match(text: str) -> tuple[sa.Subquery | None, list[str]]:
    """A subquery of (entry_id, score) for the entries the words match, best first by a
    higher score, in the database's own full-text search; and the words themselves."""
    words = text_search.words(text)
    if not words:
        return None, []
    if db.session.get_bind().dialect.name == "postgresql":
        query = text_search.tsquery(text)
        vector: sa.ColumnElement[Any] = sa.literal_column("register_entries.search_vector")
        tsquery = sa.func.to_tsquery(sa.literal_column("'english'::regconfig"), query)
        matches = (
            sa.select(
                RegisterEntry.id.label("entry_id"),
                sa.func.ts_rank(vector, tsquery).label("score"),
            )
            .where(vector.op("@@")(tsquery))
            .subquery("matches")
        )
        return matches, words
    # bm25() is lower for a better match: negate it so that higher is better everywhere.
    matches = (
        sa.text(
            f"SELECT rowid AS entry_id, -bm25({SEARCH_TABLE}) AS score "  # noqa: S608  # the table name is a module constant, never input  # nosec B608
            f"FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :fts_query"
        )
        .bindparams(fts_query=text_search.fts5_query(text))
        .columns(entry_id=sa.Integer, score=sa.Float)
        .subquery("matches")
    )
    return matches, words


def find_reviewers(
    filters: SearchFilters,
    *,
    partnership_id: int | None,
    today: date,
    page: int,
    per_page: int = PER_PAGE,
) -> SearchResult:
    """Currently accredited reviewers who match every filter; those with a conflict of
    interest with the partnership are counted and left out unless asked for."""
    own = conflict_scope(partnership_id) if partnership_id is not None else NO_SCOPE
    agencies = (
        conflict_scope(filters.agencies[0], *filters.agencies[1:]) if filters.agencies else NO_SCOPE
    )
    scope = own.joined(agencies)
    orgs = scope.names
    conflicted = _conflicted(orgs, today)
    matches, words = _text_match(filters.text)

    def joined(query: Any) -> Any:
        query = query.join(User, User.id == AccreditationRecord.user_id).outerjoin(
            RegisterEntry, RegisterEntry.user_id == AccreditationRecord.user_id
        )
        if matches is not None:
            query = query.outerjoin(matches, matches.c.entry_id == RegisterEntry.id)
        return query

    conditions: list[sa.ColumnElement[bool]] = [
        AccreditationRecord.status.in_(sorted(CURRENT_ACCREDITATION)),
        User.active.is_(True),
    ]
    if matches is not None:
        conditions.append(sa.or_(matches.c.entry_id.is_not(None), _name_has_every_word(words)))
    if filters.region:
        conditions.append(_has_region(filters.region))
    for code in filters.specialisms:
        conditions.append(_has_term(TermKind.SPECIALISM, [code]))
    if filters.methodologies:
        conditions.append(_has_term(TermKind.METHODOLOGY, filters.methodologies))
    if filters.languages:
        conditions.append(_has_term(TermKind.LANGUAGE, filters.languages))
    if filters.level:
        conditions.append(AccreditationRecord.level == filters.level)
    if filters.available_by is not None:
        conditions.append(RegisterEntry.available_from <= filters.available_by)
        # Not available then if commissions take every place in that day's quarter.
        conditions.append(
            RegisterEntry.reviews_per_quarter
            > commissioning_queries.booked_count(filters.available_by)
        )
    if filters.capacity:
        # Places a quarter, less the commissions running this quarter.
        conditions.append(
            RegisterEntry.reviews_per_quarter > commissioning_queries.booked_count(today)
        )

    flagged = sa.case((conflicted, 1), else_=0)
    counted = joined(
        sa.select(AccreditationRecord.id, flagged.label("conflicted")).where(*conditions)
    ).subquery()
    total, excluded = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(counted.c.conflicted), 0))
    ).one()
    exclusions: list[str] = []
    if not filters.show_conflicts:
        # Asked even when none were left out, so every search page runs the same number of
        # queries. The conflict condition leads, so the database starts from the few
        # declarations.
        exclusions = exclusion_reasons(
            joined(sa.select(AccreditationRecord.user_id)).where(conflicted, *conditions),
            scope,
            today,
        )
    if not filters.show_conflicts:
        conditions.append(sa.not_(conflicted))
        total -= excluded
    pages, number = _pages(int(total), page, per_page)

    order: list[Any] = []
    if filters.sort == "availability":
        order += [RegisterEntry.available_from.is_(None), RegisterEntry.available_from]
    elif matches is not None:
        order.append(sa.func.coalesce(matches.c.score, 0).desc())
    order += [User.name, AccreditationRecord.number]
    rows: Sequence[Any] = db.session.execute(
        joined(
            sa.select(
                AccreditationRecord.number,
                User.name,
                AccreditationRecord.status,
                AccreditationRecord.level,
                AccreditationRecord.expires_on,
                AccreditationRecord.user_id,
                RegisterEntry.id,
                RegisterEntry.available_from,
                RegisterEntry.reviews_per_quarter,
                RegisterEntry.day_rate_band,
                RegisterEntry.travel,
                RegisterEntry.biography,
            )
        )
        .where(*conditions)
        .order_by(*order)
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    entry_ids = [row[6] for row in rows if row[6] is not None]
    regions = _region_codes(entry_ids)
    terms = _term_codes(entry_ids)
    user_ids = [row[5] for row in rows]
    reasons = (
        conflict_reasons(user_ids, orgs, today, links=scope.links)
        if filters.show_conflicts and excluded
        else {}
    )
    booked = commissioning_queries.booked_this_quarter(user_ids, today)
    free = commissioning_queries.first_free_quarters(
        {row[5]: row[8] for row in rows}, {row[5]: row[7] for row in rows if row[7]}, today
    )
    flags = independence_flags(user_ids, own.names, today)
    return SearchResult(
        page=Page(
            rows=[
                ReviewerRow(
                    number=row[0],
                    name=row[1],
                    status=row[2],
                    level=row[3],
                    expires_on=row[4],
                    user_id=row[5],
                    available_from=row[7],
                    reviews_per_quarter=row[8],
                    day_rate_band=row[9],
                    travel=row[10],
                    biography=row[11] or "",
                    regions=regions.get(row[6], []) if row[6] is not None else [],
                    terms=terms.get(row[6], {}) if row[6] is not None else {},
                    conflicts=reasons.get(row[5], []),
                    booked=booked.get(row[5], 0),
                    independence=flags.get(row[5]),
                    free_from=free.get(row[5]),
                )
                for row in rows
            ],
            number=number,
            pages=pages,
            total=int(total),
        ),
        conflicted=int(excluded),
        partnership=db.session.get(Organisation, partnership_id) if partnership_id else None,
        conflict_organisations=list(orgs.values()),
        shown_conflicts=filters.show_conflicts,
        exclusions=exclusions,
        shortlisted=frozenset(commissioning_queries.shortlisted_ids(partnership_id))
        if partnership_id is not None
        else frozenset(),
    )


# The employer check


@dataclass(frozen=True)
class CheckedNumber:
    number: str
    name: str | None
    status: AccreditationStatus | None
    level: str | None
    conditions: str | None
    expires_on: date | None

    @property
    def found(self) -> bool:
        return self.name is not None

    def cells(self, levels: dict[str, str]) -> tuple[str, ...]:
        if not self.found:
            return (self.number, "", "Not on the register", "", "", "")
        return (
            self.number,
            self.name or "",
            self.status.label if self.status else "",
            levels.get(self.level or "", self.level or ""),
            self.conditions or "",
            self.expires_on.isoformat() if self.expires_on else "",
        )


def check_numbers(numbers: Sequence[str]) -> list[CheckedNumber]:
    """Each number as given, with its register entry or as not on the register: one query."""
    found: dict[str, CheckedNumber] = {}
    if numbers:
        rows = db.session.execute(
            sa.select(
                AccreditationRecord.number,
                User.name,
                AccreditationRecord.status,
                AccreditationRecord.level,
                AccreditationRecord.conditions,
                AccreditationRecord.expires_on,
            )
            .join(User, User.id == AccreditationRecord.user_id)
            .where(AccreditationRecord.number.in_(list(numbers)))
        )
        for row in rows:
            found[row[0]] = CheckedNumber(*row)
    return [found.get(n) or CheckedNumber(n, None, None, None, None, None) for n in numbers]


# The conflict pre-check


@dataclass(frozen=True)
class ConflictLine:
    organisation: str
    connection: str
    started_on: date | None
    ended_on: date | None
    # How the organisation comes into the check when it was not named directly.
    link: str | None = None

    @property
    def dates(self) -> str:
        start = f"from {_day(self.started_on)}" if self.started_on else "start not given"
        end = f"to {_day(self.ended_on)}" if self.ended_on else "continuing"
        return f"{start} {end}"


@dataclass(frozen=True)
class PreCheck:
    number: str
    name: str
    status: AccreditationStatus
    checked: list[str]
    conflicts: list[ConflictLine]
    independence: str | None


def pre_check(
    number: str, *, partnership_id: int | None, agencies: Sequence[int], today: date
) -> PreCheck | None:
    """A named reviewer's conflicts with the partnership and the case's agencies, each with
    its dates, under the same three-year rule as the search; None for an unknown number."""
    wanted = " ".join((number or "").split()).upper()
    if not wanted or len(wanted) > 32:
        return None
    found = db.session.execute(
        sa.select(
            AccreditationRecord.user_id, User.name, AccreditationRecord.status, User.organisation_id
        )
        .join(User, User.id == AccreditationRecord.user_id)
        .where(AccreditationRecord.number == wanted)
    ).one_or_none()
    if found is None:
        return None
    user_id, name, status, employer_id = found
    own = conflict_scope(partnership_id) if partnership_id is not None else NO_SCOPE
    scope = own.joined(conflict_scope(agencies[0], *agencies[1:]) if agencies else NO_SCOPE)
    orgs = scope.names
    lines: list[ConflictLine] = []
    if orgs:
        rows = db.session.execute(
            sa.select(
                Organisation.name,
                DeclaredInterest.kind,
                DeclaredInterest.started_on,
                DeclaredInterest.ended_on,
                Organisation.id,
            )
            .join(Organisation, Organisation.id == DeclaredInterest.organisation_id)
            .where(
                DeclaredInterest.user_id == user_id,
                DeclaredInterest.organisation_id.in_(list(orgs)),
                sa.or_(
                    DeclaredInterest.ended_on.is_(None),
                    DeclaredInterest.ended_on >= _conflict_cutoff(today),
                ),
            )
            .order_by(Organisation.name, DeclaredInterest.started_on)
        )
        for org_name, kind, started_on, ended_on, org_id in rows:
            line = ConflictLine(org_name, kind.label, started_on, ended_on, scope.links.get(org_id))
            if line not in lines:
                lines.append(line)
        if employer_id in orgs:
            lines.append(
                ConflictLine(
                    orgs[employer_id], "Works for it now", None, None, scope.links.get(employer_id)
                )
            )
    return PreCheck(
        number=wanted,
        name=name,
        status=status,
        checked=[scope.describe(org_id) for org_id in orgs],
        conflicts=lines,
        independence=independence_flags([user_id], own.names, today).get(user_id),
    )
