"""A database with something of everything that holds personal data or files: people,
applications with work samples, CPD entries with evidence, register entries, peer QA reviews
with their reports and assessments. The files go through the real upload store."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask import current_app

from portal.applications.models import ApplicationStatus, WorkSample
from portal.core.permissions import Role
from portal.core.uploads import DOCX, PDF, UploadStore
from portal.cpd.models import CpdEvidence
from portal.extensions import db
from tests.factories import (
    make_application,
    make_cpd_entry,
    make_entry,
    make_peer_assessment,
    make_qa_review,
    make_record,
    make_user,
)
from tests.files import docx_bytes, pdf_bytes


@dataclass
class Populated:
    users: list[int] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # storage key -> the bytes uploaded


def _store(data: bytes) -> tuple[str, int, str, str]:
    store = UploadStore(current_app.config["UPLOAD_DIR"])
    stored = store.save(io.BytesIO(data), max_bytes=10 * 1024 * 1024, accept=frozenset({PDF, DOCX}))
    return stored.key, stored.size, stored.sha256, stored.content_type


def populate(people: int = 2) -> Populated:
    made = Populated()
    applicant = make_user(name="Invented Applicant Person")
    application = make_application(applicant=applicant, status=ApplicationStatus.SUBMITTED)
    made.users.append(applicant.id)
    data = pdf_bytes("Invented work sample for the backup")
    key, size, sha, kind = _store(data)
    db.session.add(
        WorkSample(
            application=application,
            title="Invented stored sample",
            original_name="sample.pdf",
            storage_key=key,
            content_type=kind,
            size_bytes=size,
            sha256=sha,
        )
    )
    made.files[key] = data
    for n in range(people):
        reviewer = make_user(name=f"Invented Reviewer {n}", roles=[Role.REVIEWER])
        made.users.append(reviewer.id)
        record = make_record(user=reviewer)
        entry = make_cpd_entry(record, title=f"Invented course for reviewer {n}")
        data = docx_bytes(paragraphs=(f"Invented certificate {n}",))
        key, size, sha, kind = _store(data)
        db.session.add(
            CpdEvidence(
                entry=entry,
                original_name=f"certificate-{n}.docx",
                storage_key=key,
                content_type=kind,
                size_bytes=size,
                sha256=sha,
            )
        )
        made.files[key] = data
        make_entry(reviewer, biography=f"Invented biography {n}.")
        review = make_qa_review(author=reviewer)
        data = pdf_bytes(f"Invented review report {n}")
        key, size, sha, kind = _store(data)
        review.report_key, review.report_size = key, size
        review.report_sha256, review.report_content_type = sha, kind
        made.files[key] = data
        db.session.commit()
        make_peer_assessment(review)
    db.session.commit()
    return made
