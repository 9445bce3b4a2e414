"""Regions, safeguarding partnerships and government bodies, with the history of their names."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow


class OrganisationKind(enum.StrEnum):
    PARTNERSHIP = "partnership"
    GOVERNMENT = "government"

    @property
    def label(self) -> str:
        return {"partnership": "Safeguarding partnership", "government": "Government body"}[
            self.value
        ]


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    position: Mapped[int] = mapped_column(nullable=False, default=0)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, 16),
        nullable=False,
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    region: Mapped[Region | None] = relationship(lazy="joined")
    merged_into: Mapped[Organisation | None] = relationship(
        remote_side=[id], lazy="joined", join_depth=1
    )
    names: Mapped[list[OrganisationName]] = relationship(
        back_populates="organisation", order_by="OrganisationName.valid_from"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            "kind <> 'partnership' OR region_code IS NOT NULL", name="partnership_has_region"
        ),
        sa.CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id", name="not_self_merged"
        ),
    )

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None


class OrganisationName(Base):
    """Every name an organisation has had, so old records still read as they were."""

    __tablename__ = "organisation_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="names")
