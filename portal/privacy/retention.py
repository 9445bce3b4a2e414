"""Retention rules (config/retention.yaml) and applying them: rows and their files go together,
every deletion is audited by id, and a second run the same day finds nothing more to do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.applications.models import (
    AccreditationRecord,
    Appeal,
    Application,
    ApplicationStatus,
    Decision,
    Outcome,
    Referee,
)
from portal.auth.models import BrowserSession
from portal.core.audit import record_event
from portal.core.dates import add_months, add_years
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml
from portal.core.email import OutboxMessage, OutboxStatus
from portal.core.uploads import UploadStore
from portal.extensions import db

RULES = (
    "closed_applications",
    "referee_links",
    "sent_email",
    "failed_email",
    "unreferenced_uploads",
    "ended_sessions",
)
# Columns that hold a key in the upload store, wherever they are.
FILE_COLUMNS = ("storage_key", "report_key")
# Tables retention never deletes from as a side effect: an application that reaches one of
# them is kept and reported.
PROTECTED = frozenset({"users", "audit_events", "accreditation_records"})


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0

    def before(self, today: date) -> date:
        """The first day still kept: anything that ended before it has passed its period."""
        day = add_months(add_years(today, -self.years), -self.months)
        return date.fromordinal(day.toordinal() - self.days)

    def __str__(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    keep_for: Period


def parse_rules(document: Any) -> dict[str, Rule]:
    """Every rule the code knows, each with a period; every problem reported at once."""
    problems = ProblemCollector()
    rules: dict[str, Rule] = {}
    raw = document.get("rules") if isinstance(document, dict) else None
    if not isinstance(raw, dict):
        raise DocumentInvalid(["'rules' must be a mapping of rule names"])
    for unknown in sorted(set(raw) - set(RULES)):
        problems.problems.append(f"rules: '{unknown}' is not a rule the portal knows")
    for name in RULES:
        row = raw.get(name)
        where = f"rules.{name}"
        if not isinstance(row, dict):
            problems.problems.append(f"{where} is missing")
            continue
        description = problems.text(row, "description", where)
        keep = row.get("keep_for")
        if not isinstance(keep, dict) or not keep or set(keep) - {"years", "months", "days"}:
            problems.problems.append(f"{where}: 'keep_for' must give years, months or days")
            continue
        amounts = {unit: problems.number(keep, unit, where, 0, 36500) for unit in keep}
        rules[name] = Rule(name, description, Period(**amounts))
    problems.done()
    return rules


def load_rules(path: Path) -> dict[str, Rule]:
    return parse_rules(read_yaml(path))


@dataclass
class RetentionReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    rows_deleted: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # storage keys to delete after the commit


def _start_of(day: date) -> datetime:
    return datetime.combine(day, day_time.min, tzinfo=UTC)


def closed_applications(cutoff: date) -> list[int]:
    """Applications withdrawn, or decided without accreditation and no appeal open, that
    closed before `cutoff`."""
    latest = (
        sa.select(Decision.application_id, sa.func.max(Decision.id).label("decision_id"))
        .group_by(Decision.application_id)
        .subquery()
    )
    unsuccessful = (
        sa.select(Application.id)
        .join(latest, latest.c.application_id == Application.id)
        .join(Decision, Decision.id == latest.c.decision_id)
        .where(
            Application.status == ApplicationStatus.DECIDED,
            Decision.outcome != Outcome.ACCREDIT,
            ~sa.exists().where(Appeal.application_id == Application.id, Appeal.heard_at.is_(None)),
        )
    )
    withdrawn = sa.select(Application.id).where(Application.status == ApplicationStatus.WITHDRAWN)
    return list(
        db.session.scalars(
            sa.select(Application.id)
            .where(
                Application.id.in_(unsuccessful.union(withdrawn).scalar_subquery()),
                Application.status_changed_at < _start_of(cutoff),
                ~sa.exists().where(AccreditationRecord.application_id == Application.id),
            )
            .order_by(Application.id)
        )
    )


def _children(table: sa.Table) -> list[tuple[sa.Table, sa.Column[Any]]]:
    return [
        (child, fk.parent)
        for child in db.metadata.sorted_tables
        for fk in child.foreign_keys
        if fk.column.table is table and child is not table
    ]


class _Kept(Exception):
    def __init__(self, table: str) -> None:
        self.table = table


@dataclass(frozen=True)
class _Step:
    """Delete rows `ids` of `table`, or, with `clear`, set that column to null where it
    refers to `ids`."""

    table: sa.Table
    ids: tuple[Any, ...]
    clear: str | None = None


def _plan_tree(table: sa.Table, ids: list[Any], plan: list[_Step], files: list[str]) -> None:
    """Everything that must go before rows `ids` of `table` can: children first, files noted;
    nullable references from elsewhere are cleared instead of followed."""
    if not ids:
        return
    primary = table.primary_key.columns[0]
    for column in FILE_COLUMNS:
        if column in table.c:
            files.extend(
                key
                for key in db.session.scalars(sa.select(table.c[column]).where(primary.in_(ids)))
                if key
            )
    for child, reference in _children(table):
        child_primary = child.primary_key.columns[0]
        found = list(db.session.scalars(sa.select(child_primary).where(reference.in_(ids))))
        if not found:
            continue
        if child.name in PROTECTED:
            raise _Kept(child.name)
        if reference.nullable:
            plan.append(_Step(child, tuple(ids), clear=reference.name))
            continue
        _plan_tree(child, found, plan, files)
    plan.append(_Step(table, tuple(ids)))


def _carry_out(plan: list[_Step], counts: dict[str, int]) -> None:
    done: set[tuple[str, Any]] = set()
    for step in plan:
        table = step.table
        if step.clear is not None:
            column = table.c[step.clear]
            db.session.execute(
                sa.update(table).where(column.in_(step.ids)).values({step.clear: None})
            )
            continue
        ids = [i for i in step.ids if (table.name, i) not in done]
        done.update((table.name, i) for i in ids)
        primary = table.primary_key.columns[0]
        for start in range(0, len(ids), 500):
            db.session.execute(sa.delete(table).where(primary.in_(ids[start : start + 500])))
        if ids:
            counts[table.name] = counts.get(table.name, 0) + len(ids)


def delete_tree(table: sa.Table, ids: list[Any]) -> tuple[list[str], dict[str, int]] | None:
    """Delete rows `ids` of `table` with everything that hangs from them, in the caller's
    transaction. Returns the upload keys to delete once the caller has committed and the rows
    deleted by table, or None, deleting nothing, when a protected table refers to them."""
    plan: list[_Step] = []
    files: list[str] = []
    try:
        _plan_tree(table, ids, plan, files)
    except _Kept:
        return None
    counts: dict[str, int] = {}
    _carry_out(plan, counts)
    return files, counts


def _delete_applications(ids: Iterable[int], report: RetentionReport) -> None:
    table = Application.__table__
    for application_id in ids:
        plan: list[_Step] = []
        files: list[str] = []
        try:
            _plan_tree(table, [application_id], plan, files)  # type: ignore[arg-type]
        except _Kept as kept:
            report.kept.append(f"application {application_id}: linked from {kept.table}")
            continue
        report.counts["closed_applications"] += 1
        report.files.extend(files)
        if report.dry_run:
            continue
        _carry_out(plan, report.rows_deleted)
        record_event(
            None,
            "retention.application_deleted",
            subject_type="application",
            subject_id=application_id,
            summary=f"Application {application_id} deleted under the retention rules",
            changes={"files_deleted": len(files)},
        )


def _referenced_keys() -> set[str]:
    keys: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in FILE_COLUMNS:
            if column in table.c:
                keys.update(k for k in db.session.scalars(sa.select(table.c[column])) if k)
    return keys


def apply_retention(
    rules: dict[str, Rule], *, today: date, store: UploadStore, dry_run: bool
) -> RetentionReport:
    """Apply every rule once. Rows are deleted (or links cleared) in the caller's transaction
    with an audit event for each kind; `report.files` lists the files to delete once the
    caller has committed (`remove_files`)."""
    report = RetentionReport(dry_run=dry_run)

    cutoff = rules["closed_applications"].keep_for.before(today)
    _delete_applications(closed_applications(cutoff), report)

    cutoff = rules["referee_links"].keep_for.before(today)
    links = list(
        db.session.scalars(
            sa.select(Referee.id).where(
                Referee.token_hash.is_not(None),
                Referee.received_at.is_(None),
                Referee.invited_at < _start_of(cutoff),
            )
        )
    )
    report.counts["referee_links"] = len(links)
    if links and not dry_run:
        db.session.execute(sa.update(Referee).where(Referee.id.in_(links)).values(token_hash=None))
        record_event(
            None,
            "retention.referee_links_expired",
            subject_type="referee",
            subject_id=",".join(map(str, links))[:80],
            summary=f"{len(links)} unused referee link(s) removed under the retention rules",
            changes={"referee_ids": links},
        )

    for rule, status, moment in (
        ("sent_email", OutboxStatus.SENT, OutboxMessage.sent_at),
        ("failed_email", OutboxStatus.FAILED, OutboxMessage.created_at),
    ):
        cutoff = rules[rule].keep_for.before(today)
        old = list(
            db.session.scalars(
                sa.select(OutboxMessage.id).where(
                    OutboxMessage.status == status, moment < _start_of(cutoff)
                )
            )
        )
        report.counts[rule] = len(old)
        if old and not dry_run:
            for start in range(0, len(old), 500):
                db.session.execute(
                    sa.delete(OutboxMessage).where(OutboxMessage.id.in_(old[start : start + 500]))
                )
            record_event(
                None,
                f"retention.{rule}_deleted",
                subject_type="outbox_message",
                subject_id=f"{old[0]}-{old[-1]}",
                summary=f"{len(old)} {rule.replace('_', ' ')} message(s) deleted",
                changes={"message_ids": old},
            )

    # Sessions that ended, or that nobody has used since (long past their idle timeout); the
    # audit log keeps the sign-ins and sign-outs themselves.
    cutoff = _start_of(rules["ended_sessions"].keep_for.before(today))
    finished = sa.or_(
        BrowserSession.ended_at < cutoff,
        sa.and_(BrowserSession.ended_at.is_(None), BrowserSession.last_seen_at < cutoff),
    )
    report.counts["ended_sessions"] = (
        db.session.scalar(sa.select(sa.func.count()).select_from(BrowserSession).where(finished))
        or 0
    )
    if report.counts["ended_sessions"] and not dry_run:
        db.session.execute(sa.delete(BrowserSession).where(finished))

    cutoff_moment = _start_of(rules["unreferenced_uploads"].keep_for.before(today)).timestamp()
    referenced = _referenced_keys() | set(report.files)
    loose = [
        key
        for key in store.keys_on_disk()
        if key not in referenced and store.path_of(key).stat().st_mtime < cutoff_moment
    ]
    report.counts["unreferenced_uploads"] = len(loose)
    report.files.extend(loose)
    if not dry_run and any(report.counts.values()):
        record_event(
            None,
            "retention.applied",
            subject_type="retention",
            subject_id=today.isoformat(),
            summary="Retention rules applied: "
            + ", ".join(f"{name} {n}" for name, n in report.counts.items()),
            changes={"counts": report.counts, "rows_deleted": report.rows_deleted},
        )
    db.session.flush()
    return report


def remove_files(store: UploadStore, keys: Iterable[str]) -> int:
    """Delete the files of rows already deleted and committed. A file left by a crash here
    has no row, so the next run's unreferenced-upload rule removes it."""
    removed = 0
    for key in keys:
        if store.exists(key):
            store.delete(key)
            removed += 1
    return removed
