"""Loading schemes and framework versions, and publishing or retiring versions."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.core.audit import Actor, record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError, InvalidTransition
from portal.extensions import db
from portal.framework.models import (
    FRAMEWORK_TRANSITIONS,
    Competency,
    FrameworkDomain,
    FrameworkStatus,
    FrameworkVersion,
    Scheme,
)
from portal.framework.schema import FrameworkDocument, SchemeDocument


def load_scheme(actor: Actor | None, document: SchemeDocument) -> Scheme:
    """Add a scheme or bring its settings up to date from its file."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == document.code))
    if scheme is None:
        scheme = Scheme(code=document.code, name=document.name, settings=document.raw)
        db.session.add(scheme)
        action, summary = "scheme.added", f"Added the scheme {document.name}"
    elif scheme.settings != document.raw or scheme.name != document.name:
        action, summary = "scheme.updated", f"Updated the settings of the scheme {document.name}"
    else:
        return scheme
    scheme.name = document.name
    scheme.description = document.description
    scheme.settings = document.raw
    scheme.loaded_at = utcnow()
    db.session.flush()
    record_event(actor, action, subject_type="scheme", subject_id=scheme.id, summary=summary)
    db.session.flush()
    return scheme


@dataclass(frozen=True)
class FrameworkLoad:
    framework: FrameworkVersion
    created: bool


def load_framework(actor: Actor | None, document: FrameworkDocument) -> FrameworkLoad:
    """Store a framework version as a draft. Loading the same version again changes nothing;
    a version number is never reused for different content."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == document.scheme))
    if scheme is None:
        raise DomainError(f"There is no scheme {document.scheme!r}: load the scheme first")
    existing = db.session.scalar(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.scheme_id == scheme.id, FrameworkVersion.version == document.version
        )
    )
    if existing is not None:
        if existing.checksum != document.checksum:
            raise DomainError(
                f"Version {document.version} of the {scheme.name} framework is already loaded "
                "with different content: give the changed framework a new version number"
            )
        return FrameworkLoad(existing, created=False)
    framework = FrameworkVersion(
        scheme=scheme,
        version=document.version,
        title=document.title,
        document=document.raw,
        checksum=document.checksum,
    )
    db.session.add(framework)
    position = 0
    for d_position, domain_doc in enumerate(document.domains):
        domain = FrameworkDomain(
            framework=framework,
            code=domain_doc.code,
            title=domain_doc.title,
            purpose=domain_doc.purpose,
            position=d_position,
        )
        db.session.add(domain)
        for competency_doc in domain_doc.competencies:
            db.session.add(
                Competency(
                    framework=framework,
                    domain=domain,
                    code=competency_doc.code,
                    title=competency_doc.title,
                    statement=competency_doc.statement,
                    evidence=list(competency_doc.evidence),
                    descriptors={str(k): v for k, v in competency_doc.descriptors.items()},
                    sources=list(competency_doc.sources),
                    position=position,
                )
            )
            position += 1
    db.session.flush()
    record_event(
        actor,
        "framework.loaded",
        subject_type="framework",
        subject_id=framework.id,
        summary=(
            f"Loaded version {document.version} of the {scheme.name} framework as a draft "
            f"({position} competencies)"
        ),
    )
    db.session.flush()
    return FrameworkLoad(framework, created=True)


def _move(actor: Actor | None, framework: FrameworkVersion, to: FrameworkStatus) -> None:
    if to not in FRAMEWORK_TRANSITIONS[framework.status]:
        raise InvalidTransition(
            f"A {framework.status.label.lower()} framework cannot become {to.label.lower()}"
        )
    before = framework.status
    framework.status = to
    if to is FrameworkStatus.PUBLISHED:
        framework.published_at = utcnow()
    if to is FrameworkStatus.RETIRED:
        framework.retired_at = utcnow()
    record_event(
        actor,
        f"framework.{to.value}",
        subject_type="framework",
        subject_id=framework.id,
        summary=(
            f"Version {framework.version} of the {framework.scheme.name} framework: "
            f"{before.label.lower()} to {to.label.lower()}"
        ),
        changes={"status": [before.value, to.value]},
    )


def current_framework(scheme: Scheme) -> FrameworkVersion | None:
    return db.session.scalar(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.scheme_id == scheme.id,
            FrameworkVersion.status == FrameworkStatus.PUBLISHED,
        )
    )


def publish_framework(actor: Actor | None, framework: FrameworkVersion) -> FrameworkVersion | None:
    """Put a draft into use for new applications; the version it replaces is retired.
    Returns the retired version, if there was one. Records judged earlier keep their version."""
    if framework.status is not FrameworkStatus.DRAFT:
        raise InvalidTransition("Only a draft framework can be published")
    replaced = current_framework(framework.scheme)
    if replaced is not None:
        _move(actor, replaced, FrameworkStatus.RETIRED)
        db.session.flush()  # the database allows one version in use at a time
    _move(actor, framework, FrameworkStatus.PUBLISHED)
    db.session.flush()
    return replaced


def retire_framework(actor: Actor | None, framework: FrameworkVersion) -> None:
    """Withdraw a draft, or take the version in use out of use (new applications then wait
    for a new version to be published)."""
    _move(actor, framework, FrameworkStatus.RETIRED)
    db.session.flush()
