"""Regions, safeguarding partnerships, their member agencies and government bodies, with the
history of their names."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow


class OrganisationKind(enum.StrEnum):
    PARTNERSHIP = "partnership"
    GOVERNMENT = "government"
    # Agencies: the statutory safeguarding partners and the relevant agencies that work with
    # partnerships, and any organisation involved in a case.
    LOCAL_AUTHORITY = "local_authority"
    ICB = "icb"
    NHS_TRUST = "nhs_trust"
    POLICE = "police_force"
    SCHOOL = "school"
    EDUCATION = "education"
    HEALTH_CARE = "health_care"
    VOLUNTARY = "voluntary"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def plural(self) -> str:
        return KIND_PLURALS[self]

    @property
    def is_agency(self) -> bool:
        return self not in {OrganisationKind.PARTNERSHIP, OrganisationKind.GOVERNMENT}


KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.PARTNERSHIP: "Safeguarding partnership",
    OrganisationKind.GOVERNMENT: "Government body",
    OrganisationKind.LOCAL_AUTHORITY: "Local authority",
    OrganisationKind.ICB: "NHS integrated care board",
    OrganisationKind.NHS_TRUST: "NHS trust",
    OrganisationKind.POLICE: "Police force",
    OrganisationKind.SCHOOL: "School or academy trust",
    OrganisationKind.EDUCATION: "Education provider",
    OrganisationKind.HEALTH_CARE: "Health or care provider",
    OrganisationKind.VOLUNTARY: "Voluntary sector organisation",
    OrganisationKind.OTHER: "Other agency",
}
KIND_PLURALS: dict[OrganisationKind, str] = {
    OrganisationKind.PARTNERSHIP: "Safeguarding partnerships",
    OrganisationKind.GOVERNMENT: "Government bodies",
    OrganisationKind.LOCAL_AUTHORITY: "Local authorities",
    OrganisationKind.ICB: "NHS integrated care boards",
    OrganisationKind.NHS_TRUST: "NHS trusts",
    OrganisationKind.POLICE: "Police forces",
    OrganisationKind.SCHOOL: "Schools and academy trusts",
    OrganisationKind.EDUCATION: "Education providers",
    OrganisationKind.HEALTH_CARE: "Health and care providers",
    OrganisationKind.VOLUNTARY: "Voluntary sector organisations",
    OrganisationKind.OTHER: "Other agencies",
}
# The three statutory safeguarding partners of every partnership (Children Act 2004, s16E):
# the local authority, the integrated care board and the chief officer of police for the area.
STATUTORY_KINDS = (OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB, OrganisationKind.POLICE)


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


class PartnershipMember(Base):
    """An agency that belongs to a safeguarding partnership: one of its statutory partners
    (from the reference file) or a relevant agency an administrator linked to it. A reviewer
    connected with any of them has a conflict of interest with the partnership."""

    __tablename__ = "partnership_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    statutory: Mapped[bool] = mapped_column(nullable=False, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    partnership: Mapped[Organisation] = relationship(foreign_keys=[partnership_id])
    agency: Mapped[Organisation] = relationship(foreign_keys=[agency_id])

    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "agency_id", name="uq_partnership_members_pair"),
        sa.CheckConstraint("partnership_id <> agency_id", name="not_own_member"),
    )
