"""The application's task list: its sections, and what each still needs before submission."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portal.applications.models import (
    Application,
    ApplicationKind,
    ApplicationRoute,
    RegistrationBody,
)
from portal.core.dates import add_years
from portal.framework.models import Competency


class TaskStatus(enum.StrEnum):
    NOT_STARTED = "Not yet started"
    INCOMPLETE = "Incomplete"
    COMPLETED = "Completed"


@dataclass(frozen=True)
class Task:
    slug: str
    title: str
    endpoint: str
    hint: str = ""


TASKS: tuple[Task, ...] = (
    Task("personal-details", "Personal details", "applications.edit_personal_details"),
    Task("registration", "Professional registration", "applications.edit_registration"),
    Task("experience", "Experience", "applications.edit_experience"),
    Task("qualifications", "Qualifications and training", "applications.edit_qualifications"),
    Task(
        "interests",
        "Declarations of interest",
        "applications.list_interests",
        "Organisations you have worked for or with in the last 3 years",
    ),
    Task("dbs-check", "DBS check", "applications.edit_dbs_check"),
    Task("referees", "Referees", "applications.list_referees"),
    Task(
        "self-assessment",
        "Self-assessment against the framework",
        "applications.list_self_assessment",
    ),
    Task("work-samples", "Anonymised work samples", "applications.list_work_samples"),
)

# Renewal is shorter: it draws on the CPD record and the reviews done in the term.
RENEWAL_TASKS: tuple[Task, ...] = (
    Task("personal-details", "Personal details", "applications.edit_personal_details"),
    Task(
        "interests",
        "Declarations of interest",
        "applications.list_interests",
        "Organisations you have worked for or with in the last 3 years",
    ),
    Task("dbs-check", "DBS check", "applications.edit_dbs_check"),
    Task(
        "cpd-record",
        "Your CPD record",
        "applications.show_cpd_record",
        "Read from your CPD log for this accreditation",
    ),
    Task(
        "completed-reviews",
        "Reviews you completed",
        "applications.list_completed_reviews",
        "The practice reviews you led in this accreditation",
    ),
    Task("renewal-statement", "Renewal statement", "applications.edit_renewal_statement"),
)
TASK_TITLES = {task.slug: task.title for task in (*TASKS, *RENEWAL_TASKS)}


def tasks_for(application: Application) -> tuple[Task, ...]:
    return RENEWAL_TASKS if application.kind is ApplicationKind.RENEWAL else TASKS


# A DBS certificate older than this is not accepted as current.
DBS_MAX_AGE_YEARS = 3


@dataclass(frozen=True)
class Progress:
    """What each section of the application's task list still needs, and so its status."""

    missing: dict[str, list[str]]
    started: dict[str, bool]

    def status(self, slug: str) -> TaskStatus:
        if not self.missing[slug]:
            return TaskStatus.COMPLETED
        return TaskStatus.INCOMPLETE if self.started[slug] else TaskStatus.NOT_STARTED

    @property
    def completed_count(self) -> int:
        return sum(1 for slug in self.missing if not self.missing[slug])

    @property
    def complete(self) -> bool:
        return not any(self.missing.values())


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def progress(
    application: Application,
    competencies: Sequence[Competency],
    *,
    today: date,
    cpd_met: bool | None = None,
    qa_reviews: int = 0,
) -> Progress:
    """Check every section of the application's task list against the scheme's settings.
    Pure: reads only what it is given (`cpd_met`: whether the CPD record of the accreditation
    being renewed meets its requirements; `qa_reviews`: how many of the reviewer's reviews
    completed peer QA in its term, which count as completed reviews beside those typed in)."""
    a = application
    settings = a.scheme.settings
    missing: dict[str, list[str]] = {task.slug: [] for task in (*TASKS, *RENEWAL_TASKS)}
    started: dict[str, bool] = {}

    def need(slug: str, condition: bool, message: str) -> None:
        if condition:
            missing[slug].append(message)

    need("personal-details", _blank(a.full_name), "Enter your full name")
    need("personal-details", _blank(a.phone), "Enter a telephone number")
    need("personal-details", _blank(a.home_region_code), "Select the region you live in")
    started["personal-details"] = not all(
        _blank(v) for v in (a.full_name, a.phone, a.home_region_code)
    )

    body = a.registration_body
    need("registration", body is None, "Select your professional registration body")
    need(
        "registration",
        body is not None and body is not RegistrationBody.NONE and _blank(a.registration_number),
        "Enter your registration number",
    )
    need(
        "registration",
        body is RegistrationBody.OTHER and _blank(a.registration_body_other),
        "Enter the name of your registration body",
    )
    started["registration"] = body is not None

    experience = (
        a.reviews_led,
        a.reviews_co_led,
        a.years_in_practice,
        a.agencies,
        a.experience_summary,
    )
    need("experience", a.reviews_led is None, "Enter how many reviews you have led")
    need("experience", a.reviews_co_led is None, "Enter how many reviews you have co-led")
    need("experience", a.years_in_practice is None, "Enter your years in practice")
    need("experience", _blank(a.agencies), "Select the agencies you have worked in")
    need("experience", _blank(a.experience_summary), "Describe your experience")
    need(
        "experience",
        a.route is ApplicationRoute.FULL and a.reviews_led is not None and a.reviews_led < 1,
        "The full route needs at least one review you have led: apply by supervised practice "
        "instead",
    )
    started["experience"] = not all(_blank(v) for v in experience)

    need("qualifications", _blank(a.qualifications), "Describe your qualifications")
    need(
        "qualifications",
        _blank(a.review_training),
        "Describe the review training you have completed",
    )
    started["qualifications"] = not (_blank(a.qualifications) and _blank(a.review_training))

    need(
        "interests",
        "interests" not in a.completed_sections,
        "Confirm you have declared every organisation you worked for or with",
    )
    started["interests"] = bool(a.interests) or "interests" in a.completed_sections

    need("dbs-check", _blank(a.dbs_certificate_number), "Enter your DBS certificate number")
    need("dbs-check", a.dbs_issued_on is None, "Enter the date your DBS certificate was issued")
    need(
        "dbs-check",
        a.dbs_issued_on is not None
        and a.dbs_issued_on < add_years(today, -DBS_MAX_AGE_YEARS)
        and not a.dbs_update_service,
        f"Your DBS certificate is more than {DBS_MAX_AGE_YEARS} years old and not on the "
        "Update Service: get a new one",
    )
    need(
        "dbs-check",
        a.dbs_update_service is None,
        "Say whether your certificate is on the DBS Update Service",
    )
    started["dbs-check"] = not (_blank(a.dbs_certificate_number) and a.dbs_issued_on is None)

    required = int(settings.get("referees_required", 2))
    given = len(a.referees)
    need(
        "referees",
        given < required,
        f"Give {required - given} more referee{'s' if required - given != 1 else ''}",
    )
    started["referees"] = given > 0

    assessed = {s.competency_id for s in a.self_assessments if s.narrative.strip()}
    left = [c for c in competencies if c.id not in assessed]
    need(
        "self-assessment",
        bool(left),
        f"Assess yourself against {len(left)} more competenc{'ies' if len(left) != 1 else 'y'}",
    )
    started["self-assessment"] = bool(assessed)

    samples = settings.get("work_samples", {})
    least = int(samples.get("min", 1))
    need(
        "work-samples",
        len(a.work_samples) < least,
        f"Upload at least {least} anonymised work sample{'s' if least != 1 else ''}",
    )
    started["work-samples"] = bool(a.work_samples)

    need("cpd-record", not cpd_met, "Your CPD record does not yet meet the requirements")
    started["cpd-record"] = cpd_met is not None
    reviews = a.completed_reviews or []
    least = int(settings.get("renewal_reviews_required", 2))
    need(
        "completed-reviews",
        len(reviews) + qa_reviews < least,
        f"List at least {least} review{'s' if least != 1 else ''} you completed in this "
        "accreditation",
    )
    started["completed-reviews"] = bool(reviews) or qa_reviews > 0
    need(
        "renewal-statement",
        len((a.renewal_statement or "").strip()) < RENEWAL_STATEMENT_MIN,
        "Write your renewal statement",
    )
    started["renewal-statement"] = bool((a.renewal_statement or "").strip())

    slugs = {task.slug for task in tasks_for(a)}
    return Progress(
        missing={slug: items for slug, items in missing.items() if slug in slugs},
        started={slug: value for slug, value in started.items() if slug in slugs},
    )


RENEWAL_STATEMENT_MIN = 100
