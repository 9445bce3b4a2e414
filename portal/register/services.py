"""Keeping register entries: a reviewer's public profile and commissioning details, the
full-text index that follows them, and the audit of conflicts shown on request."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import diff, record_event
from portal.core.db import utcnow
from portal.core.errors import ConcurrentEdit, DomainError, NotPermitted
from portal.extensions import db
from portal.organisations.models import Region
from portal.register import policies, queries
from portal.register.models import (
    BIOGRAPHY_MAX,
    MAX_REVIEWS_PER_QUARTER,
    SEARCH_TABLE,
    RegisterEntry,
    RegisterEntryRegion,
    RegisterEntryTerm,
    TermKind,
)
from portal.register.reference import RegisterReference, current

STALE = (
    "Someone else changed your register entry while you were editing it (perhaps in another "
    "window). Your answers are below: check them and save again."
)


@dataclass(frozen=True)
class Profile:
    regions: tuple[str, ...]
    specialisms: tuple[str, ...]
    methodologies: tuple[str, ...]
    languages: tuple[str, ...]
    biography: str


@dataclass(frozen=True)
class Availability:
    available_from: date | None
    reviews_per_quarter: int
    day_rate_band: str | None
    travel: str | None


def _entry_to_change(actor: User, version_id: int | None) -> RegisterEntry:
    """The actor's entry (made now if they have none yet), refusing a form that was filled in
    against an older version of it."""
    if not policies.can_keep_entry(actor, queries.records_of(actor.id)):
        raise NotPermitted("Only accredited reviewers have a register entry.")
    entry = queries.entry_of(actor.id)
    seen = entry.version_id if entry is not None else None
    if version_id != seen:
        raise ConcurrentEdit(STALE)
    if entry is None:
        entry = RegisterEntry(user_id=actor.id, user=actor, biography="", search_text="")
        db.session.add(entry)
    return entry


def _public_fields(entry: RegisterEntry) -> dict[str, Any]:
    return {
        "regions": sorted(entry.region_codes),
        "specialisms": sorted(entry.codes(TermKind.SPECIALISM)),
        "methodologies": sorted(entry.codes(TermKind.METHODOLOGY)),
        "languages": sorted(entry.codes(TermKind.LANGUAGE)),
        "biography": entry.biography,
    }


def _check_codes(
    chosen: Collection[str], allowed: Collection[str], field: str, what: str, kept: Collection[str]
) -> None:
    # A retired code the entry already has may stay; nobody may choose it anew.
    unknown = set(chosen) - set(allowed) - set(kept)
    if unknown:
        raise DomainError("Choose " + what + " from the list", field=field)


def save_profile(
    actor: User,
    profile: Profile,
    *,
    version_id: int | None,
    reference: RegisterReference | None = None,
) -> RegisterEntry:
    """Save the public part of the actor's entry. Every change to it is audited with a diff,
    since anyone can read it on the register."""
    reference = reference or current()
    entry = _entry_to_change(actor, version_id)
    before = _public_fields(entry)
    regions = set(db.session.scalars(sa.select(Region.code)))
    _check_codes(profile.regions, regions, "regions", "regions", ())
    for kind, chosen, terms, field in (
        (TermKind.SPECIALISM, profile.specialisms, reference.specialisms, "specialisms"),
        (TermKind.METHODOLOGY, profile.methodologies, reference.methodologies, "methodologies"),
        (TermKind.LANGUAGE, profile.languages, reference.languages, "languages"),
    ):
        _check_codes(chosen, terms.codes(), field, field, entry.codes(kind))
    biography = (profile.biography or "").strip()
    if len(biography) > BIOGRAPHY_MAX:
        raise DomainError(
            f"Biography must be {BIOGRAPHY_MAX:,} characters or fewer", field="biography"
        )
    after = {
        "regions": sorted(set(profile.regions)),
        "specialisms": sorted(set(profile.specialisms)),
        "methodologies": sorted(set(profile.methodologies)),
        "languages": sorted(set(profile.languages)),
        "biography": biography,
    }
    changes = diff(before, after)
    if not changes and entry.id is not None:
        return entry
    entry.regions = [RegisterEntryRegion(region_code=code) for code in after["regions"]]
    entry.terms = [
        RegisterEntryTerm(kind=kind, code=code)
        for kind, key in (
            (TermKind.SPECIALISM, "specialisms"),
            (TermKind.METHODOLOGY, "methodologies"),
            (TermKind.LANGUAGE, "languages"),
        )
        for code in after[key]
    ]
    entry.biography = biography
    entry.updated_at = utcnow()
    db.session.flush()
    refresh_search_index(entry, reference)
    record_event(
        actor,
        "register.profile_updated",
        subject_type="register_entry",
        subject_id=entry.id,
        summary=f"Updated the public register entry of {actor.name}",
        changes=changes,
    )
    db.session.flush()
    return entry


def save_availability(
    actor: User,
    availability: Availability,
    *,
    version_id: int | None,
    reference: RegisterReference | None = None,
) -> RegisterEntry:
    """Save the commissioning details only partnerships see: when the reviewer can next start,
    how many reviews a quarter they can take, their day rate band and how far they travel."""
    reference = reference or current()
    entry = _entry_to_change(actor, version_id)
    if not 0 <= availability.reviews_per_quarter <= MAX_REVIEWS_PER_QUARTER:
        raise DomainError(
            f"Reviews a quarter must be from 0 to {MAX_REVIEWS_PER_QUARTER}",
            field="reviews_per_quarter",
        )
    if (
        availability.day_rate_band is not None
        and availability.day_rate_band not in reference.day_rate_bands.codes()
    ):
        raise DomainError("Select your day rate band", field="day_rate_band")
    if availability.travel is not None and availability.travel not in reference.travel.codes():
        raise DomainError("Select how far you will travel", field="travel")
    fields = ("available_from", "reviews_per_quarter", "day_rate_band", "travel")
    before = {name: _plain(getattr(entry, name, None)) for name in fields}
    after = {name: _plain(getattr(availability, name)) for name in fields}
    changes = diff(before, after)
    if not changes and entry.id is not None:
        return entry
    for name in fields:
        setattr(entry, name, getattr(availability, name))
    entry.updated_at = utcnow()
    db.session.flush()
    if not entry.search_text:
        refresh_search_index(entry, reference)
    record_event(
        actor,
        "register.availability_updated",
        subject_type="register_entry",
        subject_id=entry.id,
        summary=f"Updated the commissioning details of {actor.name}",
        changes=changes,
    )
    db.session.flush()
    return entry


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def search_text_of(entry: RegisterEntry, reference: RegisterReference) -> str:
    """What full-text search reads: the name, specialisms, methodologies and biography."""
    return search_text(
        entry.user.name,
        entry.codes(TermKind.SPECIALISM),
        entry.codes(TermKind.METHODOLOGY),
        entry.biography,
        reference,
    )


def search_text(
    name: str,
    specialisms: list[str] | tuple[str, ...],
    methodologies: list[str] | tuple[str, ...],
    biography: str,
    reference: RegisterReference,
) -> str:
    """The search text of an entry from its parts (the terms by their codes)."""
    return "\n".join(
        part
        for part in (
            name,
            " ".join(reference.specialisms.names_of(specialisms)),
            " ".join(reference.methodologies.names_of(methodologies)),
            biography,
        )
        if part
    )


def index_search_texts(rows: list[tuple[int, str]]) -> None:
    """Put entries' search texts, as (entry id, text), into SQLite's FTS5 table, replacing
    what it held for them. PostgreSQL needs nothing: its tsvector column is generated."""
    if not rows or db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(
        sa.text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id"),  # noqa: S608  # the table name is a module constant, never input  # nosec B608
        [{"id": entry_id} for entry_id, _text in rows],
    )
    db.session.execute(
        sa.text(
            f"INSERT INTO {SEARCH_TABLE} (rowid, search_text) VALUES (:id, :text)"  # noqa: S608  # the table name is a module constant, never input  # nosec B608
        ),
        [{"id": entry_id, "text": text} for entry_id, text in rows],
    )


def refresh_search_index(entry: RegisterEntry, reference: RegisterReference | None = None) -> None:
    """Bring the entry's search text up to date. PostgreSQL derives its tsvector from it (a
    generated column); SQLite's FTS5 table is kept here, one row per entry."""
    entry.search_text = search_text_of(entry, reference or current())
    db.session.flush()
    index_search_texts([(entry.id, entry.search_text)])


def rebuild_search_index(reference: RegisterReference | None = None) -> int:
    """Recompute every entry's search text (after people change their names, or the reference
    file renames a term) and rebuild the index from it."""
    reference = reference or current()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text(f"DELETE FROM {SEARCH_TABLE}"))  # noqa: S608  # the table name is a module constant, never input  # nosec B608
    entries = db.session.scalars(sa.select(RegisterEntry).order_by(RegisterEntry.id)).all()
    for entry in entries:
        refresh_search_index(entry, reference)
    db.session.flush()
    return len(entries)


def record_conflicts_shown(
    actor: User, *, partnership_id: int | None, shown: int, query: str
) -> None:
    """A commissioner asked to see reviewers who have a conflict with their partnership: the
    audit log keeps who, when, which search and how many."""
    record_event(
        actor,
        "register.conflicts_shown",
        subject_type="organisation",
        subject_id=partnership_id if partnership_id is not None else "none",
        summary=f"Showed {shown} reviewer{'s' if shown != 1 else ''} with a conflict of "
        "interest in a register search",
        changes={"query": query[:500], "shown": shown},
    )
    db.session.flush()
