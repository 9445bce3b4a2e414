"""What each role has to do next, for the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from portal.admin import queries as admin_queries
from portal.applications import accreditation_queries, assessment_queries, renewal
from portal.applications import queries as application_queries
from portal.applications.models import CLOSED_STATUSES, AccreditationRecord, ApplicationStatus
from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.core.templating import format_date
from portal.cpd import audit_queries as cpd_audit_queries
from portal.cpd import queries as cpd_queries
from portal.cpd.audit_models import AuditStatus
from portal.extensions import db
from portal.register import queries as register_queries


@dataclass(frozen=True)
class Task:
    text: str
    href: str | None = None
    hint: str | None = None


@dataclass
class RolePanel:
    role: Role
    heading: str
    summary: str
    tasks: list[Task] = field(default_factory=list)


class DatabaseGone(sa.exc.SQLAlchemyError):
    """The SQLite file has been removed under a running process."""


def database_answers() -> bool:
    """True when the database answers and holds the schema (an empty file does not count)."""
    url = db.engine.url
    on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    # An open SQLite connection keeps answering from a deleted file: look for the file.
    if on_file and not Path(str(url.database)).exists():
        raise DatabaseGone(f"{url.database} does not exist")
    db.session.execute(sa.text("SELECT version_num FROM alembic_version")).first()
    return True


def _assessing_tasks(user: User, links: dict[str, str], today: date) -> tuple[str, list[Task]]:
    queue = assessment_queries.queue_summary(user.id, today=today)
    if not queue.waiting:
        return "Nothing is waiting for you.", [Task("Your assessments", links["assessments"])]
    waiting = f"{queue.waiting} allocation{'s' if queue.waiting != 1 else ''} waiting for you"
    overdue = f", {queue.overdue} overdue" if queue.overdue else ""
    return f"{waiting}{overdue}.", [
        Task("Your assessments", links["assessments"], f"{waiting}{overdue}")
    ]


def dashboard_panels(
    user: User,
    links: dict[str, str],
    application_href: Callable[[int], str],
    *,
    today: date | None = None,
) -> list[RolePanel]:
    """One panel per role the user holds, each saying what to do next."""
    today = today or today_in_england()
    panels: list[RolePanel] = []
    roles = user.roles
    if Role.ADMINISTRATOR in roles:
        s = admin_queries.summary()
        todo = assessment_queries.allocation_todo()
        tasks = [
            Task(
                "Manage people and roles",
                links["users"],
                f"{s.users} accounts, {s.unconfirmed} not yet confirmed",
            ),
            Task(
                "Manage applications",
                links["all_applications"],
                f"{todo.needs_assessors} need assessors, {todo.needs_moderator} need a "
                f"moderator, {_awaiting_decision()} awaiting a decision",
            ),
            Task(
                "Manage organisations",
                links["organisations"],
                "Rename or merge safeguarding partnerships",
            ),
            Task(
                "Manage competency frameworks",
                links["frameworks"],
                "Read, compare, publish and retire framework versions",
            ),
            Task(
                "Read the audit log",
                links["audit"],
                f"{s.events_last_day} events in the last 24 hours",
            ),
        ]
        panels.append(
            RolePanel(
                Role.ADMINISTRATOR,
                "Running the scheme",
                "You manage accounts, roles, organisations and competency frameworks.",
                tasks,
            )
        )
    if Role.COMMISSIONER in roles:
        org = user.organisation
        where = (
            f"{org.name} ({org.region.name if org and org.region else 'no region'})"
            if org
            else ("no partnership yet: ask an administrator to set it")
        )
        panels.append(
            RolePanel(
                Role.COMMISSIONER,
                "Commissioning reviews",
                f"You commission reviews for {where}.",
                [
                    Task(
                        "Find a reviewer",
                        links["find_reviewer"],
                        "Search accredited reviewers by expertise, region and availability, "
                        "with conflicts of interest left out",
                    )
                ],
            )
        )
    if Role.ANALYST in roles:
        panels.append(
            RolePanel(
                Role.ANALYST,
                "Reporting",
                "You report on reviewer capacity, quality and learning.",
                [
                    Task(
                        "Reports",
                        links["reports"],
                        "Capacity, the accreditation pipeline, CPD and the workforce, safe to "
                        "publish",
                    )
                ],
            )
        )
    if Role.ASSESSOR in roles or Role.QA_LEAD in roles:
        waiting, tasks = _assessing_tasks(user, links, today)
    if Role.ASSESSOR in roles:
        panels.append(
            RolePanel(
                Role.ASSESSOR,
                "Assessing",
                f"You assess applications for accreditation. {waiting}",
                tasks,
            )
        )
    if Role.QA_LEAD in roles:
        panels.append(
            RolePanel(
                Role.QA_LEAD,
                "Quality assurance",
                "You lead moderation of assessments and peer quality assurance. "
                + (waiting if Role.ASSESSOR not in roles else ""),
                tasks if Role.ASSESSOR not in roles else [],
            )
        )
    if Role.REVIEWER in roles:
        records = accreditation_queries.records_of(user.id)
        tasks = [
            Task(
                f"Accreditation number {r.number}",
                None,
                f"{r.scheme.name}: {r.status.label.lower()}, "
                f"{r.level.replace('_', ' ')}, valid until {format_date(r.expires_on)}",
            )
            for r in records
        ]
        if records:
            entry = register_queries.entry_of(user.id)
            unset = entry is None or entry.available_from is None
            tasks.append(
                Task(
                    "Your register entry",
                    links["register_entry"],
                    "Set your availability so that partnerships can find you"
                    if unset
                    else "Keep your profile and availability up to date",
                )
            )
        panels.append(
            RolePanel(
                Role.REVIEWER,
                "Your accreditation",
                "You are an accredited reviewer."
                if records
                else "You hold the reviewer role but no accreditation record yet.",
                tasks
                + _renewal_tasks(user, links, today)
                + _cpd_tasks(user, links, today)
                + [
                    Task(
                        "Diversity monitoring (optional)",
                        links["diversity"],
                        "Answer a few questions, seen only in anonymous totals",
                    )
                ],
            )
        )
    application_panel = _application_panel(user, links, application_href)
    if application_panel is not None:
        panels.insert(0, application_panel)
    if roles == {Role.APPLICANT}:
        panels.append(
            RolePanel(
                Role.APPLICANT,
                "Your account",
                "You have an account. An administrator gives roles to people "
                "who assess, commission, report on or run the scheme.",
                [Task("Check your account details", links["account"])],
            )
        )
    return panels


def _cpd_tasks(user: User, links: dict[str, str], today: date) -> list[Task]:
    """This CPD year and the whole accreditation: each requirement met, or what is missing."""
    record = cpd_queries.cpd_record_for(user.id)
    if record is None:
        return []
    audits = [
        Task(
            "Your CPD audit",
            links["cpd"],
            f"Submit your CPD record for audit by {format_date(a.due_on)}"
            if a.status is AuditStatus.REQUESTED
            else f"Complete your development plan by {format_date(a.plan_due_on)}"
            if a.status is AuditStatus.DEVELOPMENT_PLAN and a.plan_due_on
            else f"Your CPD audit: {a.status.label.lower()}",
        )
        for a in cpd_audit_queries.open_audits_of(user.id)
    ]
    return audits + _cpd_progress_tasks(record, links, today)


def _cpd_progress_tasks(
    record: AccreditationRecord, links: dict[str, str], today: date
) -> list[Task]:
    progress = cpd_queries.progress(record, today=today)
    if not progress.has_requirements:
        return [Task("Your CPD record", links["cpd"], "Log your learning activities")]
    hints = []
    current = progress.current
    if current is not None:
        missing = [r.missing for r in current.results if r.missing]
        days = f"{current.days_left} day{'s' if current.days_left != 1 else ''} left"
        hints.append(
            f"This CPD year ({days}, ends {format_date(current.year.ends_on)}): "
            + ("requirements met." if not missing else "still needs " + "; ".join(missing) + ".")
        )
    if progress.term is None:
        raise RuntimeError("progress.term is not set")
    term_missing = [r.missing for r in progress.term.results if r.missing]
    hints.append(
        "Over the accreditation: "
        + ("requirements met." if not term_missing else "still needs " + "; ".join(term_missing))
        + ("" if not term_missing else ".")
    )
    return [Task("Your CPD record", links["cpd"], " ".join(hints))]


def _renewal_tasks(user: User, links: dict[str, str], today: date) -> list[Task]:
    record = renewal.renewable_record(user, today=today)
    if record is None:
        return []
    return [
        Task(
            "Renew your accreditation",
            links["renew"],
            f"{record.number} expires on {format_date(record.expires_on)}",
        )
    ]


def _awaiting_decision() -> int:
    counts = {row.status: row.count for row in application_queries.counts_by_status()}
    return counts[ApplicationStatus.AWAITING_DECISION]


NEXT_STEP: dict[ApplicationStatus, str] = {
    ApplicationStatus.DRAFT: "Continue your application",
    ApplicationStatus.INFORMATION_REQUESTED: "Answer the assessors' request for information",
}


def _application_panel(
    user: User, links: dict[str, str], application_href: Callable[[int], str]
) -> RolePanel | None:
    """Where the person's applications are and what they must do; an invitation to apply for
    those who hold no other role and have not applied."""
    mine = application_queries.applications_of(user.id)
    open_ones = [a for a in mine if a.status not in CLOSED_STATUSES]
    if not open_ones:
        if user.roles != {Role.APPLICANT} or not application_queries.open_schemes():
            return None
        return RolePanel(
            Role.APPLICANT,
            "Apply for accreditation",
            "Independent reviewers are accredited against a published competency framework.",
            [Task("Start or see your applications", links["applications"])],
        )
    tasks = [
        Task(
            NEXT_STEP.get(a.status, "See your application"),
            application_href(a.id),
            f"{a.reference}, {a.scheme.name}: {a.status.label.lower()}",
        )
        for a in open_ones
    ]
    return RolePanel(
        Role.APPLICANT,
        "Your application" if len(open_ones) == 1 else "Your applications",
        "Your answers are saved as you go."
        if any(a.status is ApplicationStatus.DRAFT for a in open_ones)
        else "We will email you when you need to do something.",
        tasks,
    )
