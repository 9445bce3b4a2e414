"""Register entries: a reviewer's public profile and private commissioning details."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.auth.models import User

BIOGRAPHY_MAX = 1000
MAX_REVIEWS_PER_QUARTER = 6

# Full-text search objects the migration creates outside the models (an FTS5 virtual table on
# SQLite; a generated tsvector column with a GIN index on PostgreSQL). The schema comparison
# leaves them out: the models cannot describe them on both databases.
SEARCH_TABLE = "register_search"
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_VECTOR_INDEX = "ix_register_entries_search_vector"


class TermKind(enum.StrEnum):
    SPECIALISM = "specialism"
    METHODOLOGY = "methodology"
    LANGUAGE = "language"


class RegisterEntry(Base):
    """One accredited reviewer's entry: the profile everyone sees and the commissioning
    details only partnerships see."""

    __tablename__ = "register_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, unique=True)
    # Public
    biography: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # Private: for commissioners only
    available_from: Mapped[date | None] = mapped_column(sa.Date, index=True)
    reviews_per_quarter: Mapped[int | None] = mapped_column()
    day_rate_band: Mapped[str | None] = mapped_column(sa.String(48))
    travel: Mapped[str | None] = mapped_column(sa.String(48))
    # Name, specialisms, methodologies and biography as one text, for full-text search.
    search_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    user: Mapped[User] = relationship(lazy="joined")
    regions: Mapped[list[RegisterEntryRegion]] = relationship(
        back_populates="entry", cascade="all, delete-orphan"
    )
    terms: Mapped[list[RegisterEntryTerm]] = relationship(
        back_populates="entry", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            f"reviews_per_quarter IS NULL OR reviews_per_quarter BETWEEN 0 AND "
            f"{MAX_REVIEWS_PER_QUARTER}",
            name="reviews_per_quarter",
        ),
        sa.CheckConstraint(f"length(biography) <= {BIOGRAPHY_MAX}", name="biography_length"),
    )

    def codes(self, kind: TermKind) -> list[str]:
        return [t.code for t in self.terms if t.kind is kind]

    @property
    def region_codes(self) -> list[str]:
        return [r.region_code for r in self.regions]


class RegisterEntryRegion(Base):
    """A region the reviewer works in."""

    __tablename__ = "register_entry_regions"

    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("register_entries.id", ondelete="CASCADE"), primary_key=True
    )
    region_code: Mapped[str] = mapped_column(
        sa.ForeignKey("regions.code"), primary_key=True, index=True
    )

    entry: Mapped[RegisterEntry] = relationship(back_populates="regions")


class RegisterEntryTerm(Base):
    """A specialism, methodology or language on an entry: a code from the reference file."""

    __tablename__ = "register_entry_terms"

    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("register_entries.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[TermKind] = mapped_column(enum_column(TermKind, 16), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(48), primary_key=True)

    entry: Mapped[RegisterEntry] = relationship(back_populates="terms")

    __table_args__ = (sa.Index("ix_register_entry_terms_kind_code", "kind", "code"),)
