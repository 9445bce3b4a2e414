"""A subject access export: one person's own data as a ZIP of JSON files and their uploads.

What goes in is chosen table by table. Within a row, anything that would identify someone
else is left out: references to other people's accounts (assessors, moderators, whoever
granted a role or decided an application), the names a person wrote of others (peers,
referees), confidential references, and every secret (password hash, second-factor secret,
link hashes). Assessors' individual scores stay out; the agreed (moderated) scores go in.
"""

from __future__ import annotations

import enum
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import AuditEvent, record_event
from portal.core.db import utcnow
from portal.core.uploads import UploadStore, UploadUnreadable
from portal.extensions import db

# Never exported, from any table.
SECRETS = frozenset(
    {
        "password_hash",
        "totp_secret",
        "totp_last_counter",
        "token_hash",
        "version_id",
        "storage_key",
        "report_key",
        "sha256",
        "report_sha256",
    }
)
# Columns holding other people's details or confidential opinions, by table.
THIRD_PARTY = {
    "referees": frozenset({"name", "email", "job_title", "known_for", "reference_text"})
    | frozenset({"would_recommend"}),
    "cpd_entries": frozenset({"peer_name", "peer_role"}),
}

# (file in the ZIP, table, column that names the person) for rows the person owns.
OWN_TABLES = (
    ("roles", "role_grants", "user_id"),
    ("sign_in_links", "identity_links", "user_id"),
    ("sessions", "user_sessions", "user_id"),
    ("applications", "applications", "applicant_id"),
    ("accreditation_records", "accreditation_records", "user_id"),
    ("cpd_entries", "cpd_entries", "user_id"),
    ("cpd_practice_feedback", "cpd_practice_feedback", "user_id"),
    ("register_entry", "register_entries", "user_id"),
    ("peer_qa_reviews", "qa_reviews", "author_id"),
)
# (file, table, column referring to the parent file's rows, parent file)
CHILD_TABLES = (
    ("application_status_history", "application_status_changes", "application_id", "applications"),
    ("application_interests", "declared_interests", "application_id", "applications"),
    ("application_referees", "referees", "application_id", "applications"),
    ("application_self_assessments", "self_assessments", "application_id", "applications"),
    ("application_work_samples", "work_samples", "application_id", "applications"),
    ("application_questions", "information_requests", "application_id", "applications"),
    ("application_agreed_scores", "agreed_scores", "application_id", "applications"),
    ("application_decisions", "decisions", "application_id", "applications"),
    ("application_appeals", "appeals", "application_id", "applications"),
    (
        "accreditation_status_history",
        "accreditation_status_changes",
        "record_id",
        "accreditation_records",
    ),
    ("cpd_evidence", "cpd_evidence_files", "entry_id", "cpd_entries"),
    ("register_entry_regions", "register_entry_regions", "entry_id", "register_entry"),
    ("peer_qa_status_history", "qa_status_changes", "review_id", "peer_qa_reviews"),
    ("peer_qa_agreed_scores", "qa_agreed_scores", "review_id", "peer_qa_reviews"),
)
# Uploaded files: (table, key column, name column or None, folder in the ZIP)
FILES = (
    ("work_samples", "storage_key", "original_name", "work_samples"),
    ("cpd_evidence_files", "storage_key", "original_name", "cpd_evidence"),
    ("qa_reviews", "report_key", None, "peer_qa_reports"),
)
README = """Your personal data held by the {service}

Exported on {when} at your request. Each .json file holds one kind of record; files/ holds
the files you uploaded, as you uploaded them.

Left out: secrets (password and security-code data), the names and details of other people
(assessors, moderators, staff who acted on your account, referees and the peers you named),
confidential references, and assessors' individual scores (the agreed scores are included).
The audit log entries show what was done on your account, and the kinds of action you took;
other people who acted are shown only as "a member of staff" or "the portal".
"""


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    files: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _user_columns(table: sa.Table) -> set[str]:
    return {
        column.name
        for column in table.c
        if any(fk.column.table.name == "users" for fk in column.foreign_keys)
    }


def _scrub(table: sa.Table, row: dict[str, Any], person_id: int) -> dict[str, Any]:
    people = _user_columns(table)
    hidden = SECRETS | THIRD_PARTY.get(table.name, frozenset())
    return {
        name: _plain(value)
        for name, value in row.items()
        if name not in hidden and not (name in people and value not in (None, person_id))
    }


def _select(table: sa.Table, column: str, values: list[Any]) -> list[dict[str, Any]]:
    if not values:
        return []
    primary = table.primary_key.columns[0]
    statement = sa.select(table).where(table.c[column].in_(values)).order_by(primary)
    return [dict(row._mapping) for row in db.session.execute(statement)]


def _audit(person: User) -> list[dict[str, Any]]:
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                AuditEvent.actor_id == person.id,
                sa.and_(AuditEvent.subject_type == "user", AuditEvent.subject_id == str(person.id)),
            )
        )
        .order_by(AuditEvent.id)
    )
    own = str(person.id)
    return [
        {
            "occurred_at": _plain(event.occurred_at),
            "by": "you"
            if event.actor_id == person.id
            else ("the portal" if event.actor_id is None else "a member of staff"),
            "action": event.action,
            # What someone did to other people's records would name them: only the kind of
            # action is given for those, the full summary only for events about this account.
            "summary": event.summary
            if event.subject_type == "user" and event.subject_id == own
            else None,
        }
        for event in events
    ]


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" .")
    return cleaned[:100] or "file"


def build_export(person: User, store: UploadStore, *, service_name: str) -> Export:
    """The ZIP for `person`. Reads only; the caller audits and commits."""
    tables = db.metadata.tables
    documents: dict[str, list[dict[str, Any]]] = {}
    raw: dict[str, list[dict[str, Any]]] = {}
    account = _select(tables["users"], "id", [person.id])
    documents["account"] = [_scrub(tables["users"], row, person.id) for row in account]
    for name, table_name, column in OWN_TABLES:
        table = tables[table_name]
        raw[name] = _select(table, column, [person.id])
        documents[name] = [_scrub(table, row, person.id) for row in raw[name]]
    for name, table_name, column, parent in CHILD_TABLES:
        table = tables[table_name]
        parent_ids = [row["id"] for row in raw[parent]]
        raw[name] = _select(table, column, parent_ids)
        documents[name] = [_scrub(table, row, person.id) for row in raw[name]]
    documents["audit_events"] = _audit(person)

    by_table = {
        "work_samples": raw["application_work_samples"],
        "cpd_evidence_files": raw["cpd_evidence"],
        "qa_reviews": raw["peer_qa_reviews"],
    }
    buffer = io.BytesIO()
    count = 0
    now = utcnow()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(service=service_name, when=now.strftime("%d %B %Y %H:%M UTC")),
        )
        for name, rows in documents.items():
            archive.writestr(f"{name}.json", json.dumps(rows, indent=2, ensure_ascii=False))
        for table_name, key_column, name_column, folder in FILES:
            for row in by_table[table_name]:
                key = row.get(key_column)
                if not key:
                    continue
                try:
                    content = store.read(key)
                except (FileNotFoundError, UploadUnreadable):
                    continue
                label = _safe(str(row[name_column])) if name_column else "report"
                archive.writestr(f"files/{folder}/{row['id']}-{label}", content)
                count += 1
    return Export(
        data=buffer.getvalue(),
        filename=f"personal-data-{person.id}-{now:%Y%m%d}.zip",
        files=count,
    )


def record_export(actor: User, person: User, export: Export) -> None:
    """The export is audited against the person, with who made it and what it held."""
    record_event(
        actor,
        "privacy.export_created",
        subject_type="user",
        subject_id=person.id,
        summary=f"Personal data export made for account {person.id}",
        changes={"bytes": len(export.data), "files": export.files},
    )
    db.session.flush()


def record_download(actor: User, person: User) -> None:
    record_event(
        actor,
        "privacy.export_downloaded",
        subject_type="user",
        subject_id=person.id,
        summary=f"Personal data export for account {person.id} downloaded",
    )
    db.session.flush()
