"""Schemes, and the versions of their competency frameworks with domains and competencies."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow


class FrameworkStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "published": "In use", "retired": "Retired"}[self.value]


# Drafts are published or withdrawn; the version in use is retired when another replaces it.
FRAMEWORK_TRANSITIONS: dict[FrameworkStatus, frozenset[FrameworkStatus]] = {
    FrameworkStatus.DRAFT: frozenset({FrameworkStatus.PUBLISHED, FrameworkStatus.RETIRED}),
    FrameworkStatus.PUBLISHED: frozenset({FrameworkStatus.RETIRED}),
    FrameworkStatus.RETIRED: frozenset(),
}


class Scheme(Base):
    """An accreditation scheme, defined by its file in config/schemes."""

    __tablename__ = "schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    frameworks: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="scheme", order_by="FrameworkVersion.loaded_at.desc()"
    )


class FrameworkVersion(Base):
    __tablename__ = "framework_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), nullable=False)
    version: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    status: Mapped[FrameworkStatus] = mapped_column(
        enum_column(FrameworkStatus, 16), nullable=False, default=FrameworkStatus.DRAFT
    )
    # The document exactly as loaded: what every score judged against it can be read against.
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    checksum: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    scheme: Mapped[Scheme] = relationship(back_populates="frameworks", lazy="joined")
    domains: Mapped[list[FrameworkDomain]] = relationship(
        back_populates="framework", order_by="FrameworkDomain.position"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "version", name="uq_framework_versions_scheme_version"),
        # At most one version of a scheme's framework is in use at a time.
        sa.Index(
            "uq_framework_versions_one_published",
            "scheme_id",
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        ),
    )

    @property
    def scale(self) -> list[dict[str, Any]]:
        return list(self.document.get("scale", []))


class FrameworkDomain(Base):
    __tablename__ = "framework_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("framework_versions.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    purpose: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(nullable=False)

    framework: Mapped[FrameworkVersion] = relationship(back_populates="domains")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="domain", order_by="Competency.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "code", name="uq_framework_domains_framework_code"),
    )


class Competency(Base):
    """One competency of one framework version: scores point here, so they keep their version."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("framework_versions.id"), nullable=False, index=True
    )
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_domains.id"), nullable=False)
    code: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    statement: Mapped[str] = mapped_column(sa.Text, nullable=False)
    evidence: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    descriptors: Mapped[dict[str, str]] = mapped_column(sa.JSON, nullable=False)
    sources: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)

    domain: Mapped[FrameworkDomain] = relationship(back_populates="competencies")
    framework: Mapped[FrameworkVersion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "code", name="uq_competencies_framework_code"),
    )
