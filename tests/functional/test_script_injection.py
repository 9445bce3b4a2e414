"""Stored script in every free-text field: typed into the form, then read on every page that
shows it back, it comes out only as text.

Each free-text field of every form in the portal (StringField, TextAreaField, EmailField and
their kind; not hidden fields, which carry what the page set, nor passwords, never shown) is
either filled by a case below with a script and an attribute-breaking payload of its own, or
listed in `NOT_SHOWN` with the reason. A case submits through the real form, then returns the
pages that show the answer; each page must hold the payload escaped, and each field's payload
must be found (escaped) on at least one of them, so a case cannot pass by reading nothing.
Text that arrives in files (file names, an imported CSV, a report's recommendations) is tried
the same way. A static check keeps autoescaping on for every template and `|safe`, `Markup`
and raw `html` macro parameters off what people type.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse
from wtforms import Form, PasswordField, StringField
from wtforms.fields import HiddenField
from wtforms.fields.core import UnboundField

import portal
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import (
    make_application,
    make_cpd_entry,
    make_entry,
    make_organisation,
    make_qa_review,
    make_record,
    make_rubric,
    make_user,
)
from tests.files import pdf_bytes
from tests.functional.test_cpd_pages import complete_form
from tests.support import csrf_token, error_messages, sign_in_as

ROOT = Path(__file__).resolve().parents[2]
TODAY = today_in_england()


def payload(tag: str) -> str:
    """A script element and an attribute break, each naming the field it was typed into."""
    return f'<script>alert({tag})</script>"><img src=x onerror=alert({tag})>'


def escaped(tag: str) -> tuple[str, str]:
    """Either half, escaped (a file name keeps only what follows its last slash)."""
    return f"&lt;script&gt;alert({tag})&lt;/script&gt;", f"&lt;img src=x onerror=alert({tag})&gt;"


RAW = ("<script>alert(", "<img src=x onerror")


class Typed:
    """The payloads a case typed, by field."""

    def __init__(self) -> None:
        self.tags: dict[str, str] = {}

    def __call__(self, field: str) -> str:
        if field in self.tags:
            return payload(self.tags[field])
        tag = re.sub(r"\W", "_", field.rsplit(".", 1)[-1])[:20]
        if tag in self.tags.values():
            tag = f"{tag}{len(self.tags)}"
        self.tags[field] = tag
        return payload(tag)


Case = Callable[[FlaskClient, Typed], list[TestResponse]]
CASES: dict[str, tuple[tuple[str, ...], Case]] = {}


def case(*fields: str) -> Callable[[Case], Case]:
    """Register a case that fills `fields` ("module.Form.field", module under portal.)."""

    def register(function: Case) -> Case:
        CASES[function.__name__] = (fields, function)
        return function

    return register


def send(
    client: FlaskClient, url: str, data: dict[str, Any], *, form_page: str | None = None
) -> TestResponse:
    """POST as a browser would: with the page's CSRF token and the version it showed."""
    html = client.get(form_page or url).get_data(as_text=True)
    sent = {"csrf_token": csrf_token(html), **data}
    version = re.search(r'name="version_id"[^>]*value="(\d+)"', html)
    if version and "version_id" not in sent:
        sent["version_id"] = version.group(1)
    return client.post(url, data=sent)


def saved(response: TestResponse) -> TestResponse:
    assert response.status_code == 302, _errors(response)
    return response


def _errors(response: TestResponse) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return f"{response.request.path} {response.status_code}: {error_messages(soup)}"


def _as(client: FlaskClient, *roles: Role, **kwargs: Any) -> Any:
    user = make_user(roles=list(roles), **kwargs)
    sign_in_as(client, user)
    return user


def _reviewer(client: FlaskClient, **record: Any) -> Any:
    user = _as(client, Role.REVIEWER)
    return make_record(user=user, **record)


def _date(day: Any) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


# --- applications --------------------------------------------------------------------------


def _draft(client: FlaskClient, **kwargs: Any) -> tuple[Any, str]:
    applicant = _as(client)
    application = make_application(applicant=applicant, **kwargs)
    return application, f"/applications/{application.id}"


@case(
    "applications.forms.PersonalDetailsForm.full_name",
    "applications.forms.ExperienceForm.experience_summary",
    "applications.forms.QualificationsForm.qualifications",
    "applications.forms.QualificationsForm.review_training",
    "applications.forms.RegistrationForm.registration_body_other",
)
def application_sections(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    application, base = _draft(client)
    saved(
        send(
            client,
            f"{base}/personal-details",
            {
                "full_name": typed("applications.forms.PersonalDetailsForm.full_name"),
                "phone": "01632 960 001",
                "home_region_code": application.home_region_code,
            },
        )
    )
    saved(
        send(
            client,
            f"{base}/experience",
            {
                "experience_summary": typed("applications.forms.ExperienceForm.experience_summary"),
                "agencies": ["health"],
                "reviews_led": "3",
                "reviews_co_led": "2",
                "years_in_practice": "15",
            },
        )
    )
    saved(
        send(
            client,
            f"{base}/qualifications",
            {
                "qualifications": typed("applications.forms.QualificationsForm.qualifications"),
                "review_training": typed("applications.forms.QualificationsForm.review_training"),
            },
        )
    )
    saved(
        send(
            client,
            f"{base}/registration",
            {
                "registration_body": "other",
                "registration_body_other": typed(
                    "applications.forms.RegistrationForm.registration_body_other"
                ),
                "registration_number": "SW123456",
            },
        )
    )
    reads = [client.get(f"{base}/check-answers"), client.get(base)]
    for path in ("personal-details", "experience", "qualifications", "registration"):
        reads.append(client.get(f"{base}/{path}"))
    return reads


@case(
    "applications.forms.PersonalDetailsForm.phone",
    "applications.forms.RegistrationForm.registration_number",
    "applications.forms.DbsCheckForm.dbs_certificate_number",
)
def application_fields_with_a_format(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    """Refused by their format: the typed value comes back in the form, with the error."""
    application, base = _draft(client)
    return [
        send(
            client,
            f"{base}/personal-details",
            {
                "full_name": "Invented Name",
                "phone": typed("applications.forms.PersonalDetailsForm.phone"),
                "home_region_code": application.home_region_code,
            },
        ),
        send(
            client,
            f"{base}/registration",
            {
                "registration_body": "social_work_england",
                "registration_number": typed(
                    "applications.forms.RegistrationForm.registration_number"
                ),
            },
        ),
        send(
            client,
            f"{base}/dbs-check",
            {
                "dbs_certificate_number": typed(
                    "applications.forms.DbsCheckForm.dbs_certificate_number"
                ),
                "dbs_issued_on": _date(TODAY - timedelta(days=30)),
                "dbs_update_service": "yes",
            },
        ),
    ]


@case(
    "applications.forms.InterestForm.details",
    "applications.forms.RefereeForm.name",
    "applications.forms.RefereeForm.job_title",
    "applications.forms.RefereeForm.relationship",
    "applications.forms.RefereeForm.email",
    "applications.forms.SelfAssessmentForm.narrative",
    "applications.forms.WorkSampleForm.title",
)
def application_lists(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    organisation = make_organisation()
    application, base = _draft(client)
    saved(
        send(
            client,
            f"{base}/interests",
            {
                "organisation": str(organisation.id),
                "kind": "employed",
                "details": typed("applications.forms.InterestForm.details"),
                "submit": "Add",
            },
        )
    )
    saved(
        send(
            client,
            f"{base}/referees/1",
            {
                "name": typed("applications.forms.RefereeForm.name"),
                "job_title": typed("applications.forms.RefereeForm.job_title"),
                "relationship": typed("applications.forms.RefereeForm.relationship"),
                "email": "referee.one@example.test",
            },
        )
    )
    email_refused = send(
        client,
        f"{base}/referees/2",
        {
            "name": "Invented Referee",
            "job_title": "Invented role",
            "relationship": "Invented",
            "email": typed("applications.forms.RefereeForm.email"),
        },
    )
    competency = application.self_assessments[0].competency_id
    saved(
        send(
            client,
            f"{base}/self-assessment/{competency}",
            {
                "level": "3",
                "narrative": typed("applications.forms.SelfAssessmentForm.narrative"),
            },
        )
    )
    saved(
        send(
            client,
            f"{base}/work-samples",
            {
                "title": typed("applications.forms.WorkSampleForm.title"),
                "file": (io.BytesIO(pdf_bytes()), "sample.pdf"),
            },
        )
    )
    return [
        email_refused,
        client.get(f"{base}/interests"),
        client.get(f"{base}/referees"),
        client.get(f"{base}/referees/1"),
        client.get(f"{base}/self-assessment"),
        client.get(f"{base}/self-assessment/{competency}"),
        client.get(f"{base}/work-samples"),
        client.get(f"{base}/check-answers"),
    ]


@case(
    "applications.forms.CompletedReviewForm.title",
    "applications.forms.RenewalStatementForm.renewal_statement",
)
def renewal(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.applications import renewal as renewals
    from tests.functional.test_renewal_pages import _in_window

    record, today = _in_window()
    sign_in_as(client, record.user)
    application = renewals.start_renewal(record.user, record, today=today)
    db.session.commit()
    base = f"/applications/{application.id}"
    saved(
        send(
            client,
            f"{base}/completed-reviews",
            {
                "title": typed("applications.forms.CompletedReviewForm.title"),
                "partnership": str(make_organisation().id),
                "year": str(today.year),
                "role": "lead",
            },
        )
    )
    statement = typed("applications.forms.RenewalStatementForm.renewal_statement")
    saved(send(client, f"{base}/renewal-statement", {"renewal_statement": statement * 2}))
    return [
        client.get(f"{base}/completed-reviews"),
        client.get(f"{base}/renewal-statement"),
        client.get(f"{base}/check-answers"),
    ]


@case("applications.forms.WithdrawForm.reason")
def withdrawal(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.applications.models import ApplicationStatus

    application = make_application(status=ApplicationStatus.SUBMITTED)
    sign_in_as(client, application.applicant)
    url = f"/applications/{application.id}"
    saved(
        send(client, f"{url}/withdraw", {"reason": typed("applications.forms.WithdrawForm.reason")})
    )
    reads = [client.get(url)]
    _as(client, Role.ADMINISTRATOR)
    return [*reads, client.get(url)]


@case(
    "applications.forms.DecisionForm.reasons",
    "applications.forms.DecisionForm.development_plan",
    "applications.forms.DecisionForm.conditions",
    "applications.forms.HearAppealForm.development_plan",
    "applications.forms.AppealForm.grounds",
    "applications.forms.HearAppealForm.appeal_reasons",
    "applications.forms.HearAppealForm.reasons",
    "applications.forms.HearAppealForm.conditions",
    "applications.forms.RecordStatusForm.reason",
    "applications.forms.RecordStatusForm.conditions",
)
def decision_appeal_and_record(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.applications import queries
    from portal.applications.models import AccreditationRecord, ApplicationStatus

    application = make_application(status=ApplicationStatus.AWAITING_DECISION)
    url = f"/applications/{application.id}"
    _as(client, Role.ADMINISTRATOR)
    competency = queries.competencies(application.framework_id)[0].code
    # Conditions come with an accreditation; typed with a refusal, they come back in the form.
    conditions = typed("applications.forms.DecisionForm.conditions")
    reads = [
        send(client, f"/admin{url}/decision", {"outcome": "accredit", "conditions": conditions})
    ]
    saved(
        send(
            client,
            f"/admin{url}/decision",
            {
                "outcome": "not_yet",
                "reasons": typed("applications.forms.DecisionForm.reasons"),
                "development_plan": typed("applications.forms.DecisionForm.development_plan"),
                "development_competencies": [str(competency)],
                "reapply_from": _date(TODAY + timedelta(days=200)),
            },
        )
    )
    sign_in_as(client, application.applicant)
    reads.append(client.get(url))
    saved(
        send(client, f"{url}/appeal", {"grounds": typed("applications.forms.AppealForm.grounds")})
    )
    reads.append(client.get(url))
    _as(client, Role.ADMINISTRATOR)
    # The reasons for the appeal's outcome go to the applicant by email (plain text), and come
    # back on the page only with an error.
    refused = send(
        client,
        f"/admin{url}/appeal",
        {
            "appeal_outcome": "upheld",
            "appeal_reasons": typed("applications.forms.HearAppealForm.appeal_reasons"),
            "development_plan": typed("applications.forms.HearAppealForm.development_plan"),
        },
    )
    reads.append(refused)
    saved(
        send(
            client,
            f"/admin{url}/appeal",
            {
                "appeal_outcome": "upheld",
                "appeal_reasons": typed("applications.forms.HearAppealForm.appeal_reasons"),
                "outcome": "accredit",
                "reasons": typed("applications.forms.HearAppealForm.reasons"),
                "conditions": typed("applications.forms.HearAppealForm.conditions"),
                "level": "reviewer",
            },
        )
    )
    reads.append(client.get(url))
    record = db.session.query(AccreditationRecord).filter_by(application_id=application.id).one()
    page = f"/admin/accreditations/{record.id}"
    reads.append(client.get(page))
    reason = typed("applications.forms.RecordStatusForm.reason")
    saved(send(client, page, {"status": "suspended", "reason": reason}))
    reads.append(client.get(page))
    conditions = typed("applications.forms.RecordStatusForm.conditions")
    again = {"status": "accredited_with_conditions", "reason": reason, "conditions": conditions}
    saved(send(client, page, again))
    reads.append(client.get(page))
    sign_in_as(client, application.applicant)
    return [*reads, client.get(url), client.get("/dashboard")]


@case(
    "applications.assessment_forms.InformationRequestForm.question",
    "applications.assessment_forms.InformationResponseForm.response",
    "applications.assessment_forms.ScoreForm.rationale",
    "applications.assessment_forms.SubmitAssessmentForm.comments",
)
def assessment(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.applications import assessment as assessments
    from portal.applications import queries
    from portal.applications.models import ApplicationStatus

    admin = make_user(roles=[Role.ADMINISTRATOR])
    first, second = (make_user(roles=[Role.ASSESSOR]) for _ in range(2))
    application = make_application(status=ApplicationStatus.SUBMITTED)
    allocation, _ = assessments.allocate_assessors(admin, application, first, second, today=TODAY)
    db.session.commit()
    base = f"/assessments/{allocation.id}"
    sign_in_as(client, first)
    question = typed("applications.assessment_forms.InformationRequestForm.question")
    saved(send(client, f"{base}/information-request", {"question": question}))
    request = assessments_request(application.id)
    sign_in_as(client, application.applicant)
    reads = [client.get(f"/applications/{application.id}")]
    answer = f"/applications/{application.id}/information-requests/{request}"
    reads.append(client.get(answer))
    response = typed("applications.assessment_forms.InformationResponseForm.response")
    saved(send(client, answer, {"response": response}))
    sign_in_as(client, first)
    rationale = typed("applications.assessment_forms.ScoreForm.rationale")
    for competency in queries.competencies(application.framework_id):
        saved(
            send(client, f"{base}/scores/{competency.id}", {"level": "3", "rationale": rationale})
        )
    reads.append(client.get(f"{base}/scores/{competency.id}"))
    saved(
        send(
            client,
            f"{base}/submit",
            {
                "outcome": "accredit",
                "level": "reviewer",
                "comments": typed("applications.assessment_forms.SubmitAssessmentForm.comments"),
            },
        )
    )
    reads.append(client.get(base))
    sign_in_as(client, admin)
    reads.append(client.get(f"/applications/{application.id}"))
    _as(client, Role.QA_LEAD)
    return [*reads, client.get(f"/calibration/assessors/{first.id}")]


def assessments_request(application_id: int) -> int:
    from portal.applications.models import InformationRequest

    return db.session.query(InformationRequest.id).filter_by(application_id=application_id).scalar()


@case("applications.forms.RateFeedbackForm.note")
def rated_feedback(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from tests.integration.test_assessment import _assess_both

    _admin, _application, first, _second = _assess_both([3, 2, 3], [3, 3, 4])
    _as(client, Role.QA_LEAD)
    page = f"/calibration/assessors/{first.assessor_id}"
    note = typed("applications.forms.RateFeedbackForm.note")
    saved(
        send(
            client,
            f"/calibration/feedback/{first.id}",
            {f"a{first.id}-rating": "too_vague", f"a{first.id}-note": note},
            form_page=page,
        )
    )
    return [client.get(page)]


@case(
    "applications.forms.ReferenceForm.known_for", "applications.forms.ReferenceForm.reference_text"
)
def reference(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.applications.models import ApplicationStatus
    from portal.applications.services import _token_hash
    from portal.core.db import utcnow

    application = make_application(status=ApplicationStatus.SUBMITTED)
    referee = application.referees[0]
    referee.token_hash = _token_hash("a-test-reference-token")
    referee.invited_at = utcnow()
    db.session.commit()
    given = send(
        client,
        "/references/a-test-reference-token",
        {
            "known_for": typed("applications.forms.ReferenceForm.known_for"),
            "reference_text": typed("applications.forms.ReferenceForm.reference_text"),
            "would_recommend": "yes",
        },
    )
    assert given.status_code == 200, _errors(given)
    _as(client, Role.ADMINISTRATOR)
    return [client.get(f"/applications/{application.id}")]


@case(
    "applications.forms.SupervisionForm.focus",
    "applications.forms.SupervisionForm.notes",
)
def supervision(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.applications.models import AccreditationStatus, MentorPairing
    from portal.auth.models import RoleGrant
    from tests.integration.test_mentoring import _record

    mentee = _record()
    mentor = _record(AccreditationStatus.ACCREDITED)
    for person in (mentor.user, mentee.user):
        db.session.add(RoleGrant(user=person, role=Role.REVIEWER))
    pairing = MentorPairing(
        record_id=mentee.id, mentor_id=mentor.user_id, paired_by_id=make_user().id
    )
    db.session.add(pairing)
    db.session.commit()
    url = f"/mentoring/{pairing.id}"
    sign_in_as(client, mentor.user)
    saved(
        send(
            client,
            url,
            {
                "held_on": _date(TODAY),
                "minutes": "60",
                "focus": typed("applications.forms.SupervisionForm.focus"),
                "notes": typed("applications.forms.SupervisionForm.notes"),
            },
        )
    )
    reads = [client.get(url)]
    sign_in_as(client, mentee.user)
    return [*reads, client.get(url)]


# --- CPD -----------------------------------------------------------------------------------

ENTRY = "cpd.forms.EntryForm"
CORRECTION = "cpd.forms.CorrectionForm"
ENTRY_TEXT = (
    "title",
    "description",
    "relevance",
    "provider",
    "learning",
    "impact",
    "peer_name",
    "peer_role",
    "peer_learning",
)


def _entry_answers(typed: Typed, form: str) -> dict[str, object]:
    return complete_form(**{name: typed(f"{form}.{name}") for name in ENTRY_TEXT})


@case(*(f"{ENTRY}.{name}" for name in (*ENTRY_TEXT, "hours", "participatory_hours")))
def cpd_entry(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.cpd.models import CpdEntry
    from tests.factories import make_cpd_requirements

    make_cpd_requirements()
    _reviewer(client, starts_on=TODAY - timedelta(days=30))
    refused = send(
        client,
        "/cpd/activities/new",
        {
            **complete_form(),
            "hours": typed(f"{ENTRY}.hours"),
            "participatory_hours": typed(f"{ENTRY}.participatory_hours"),
        },
    )
    saved(send(client, "/cpd/activities/new", _entry_answers(typed, ENTRY)))
    entry = db.session.query(CpdEntry).one()
    return [
        refused,
        client.get("/cpd"),
        client.get(f"/cpd/activities/{entry.id}"),
        client.get(f"/cpd/activities/{entry.id}/edit"),
        client.get(f"/cpd/activities/{entry.id}/evidence"),
        client.get("/cpd/export/print"),
    ]


@case(*(f"{CORRECTION}.{name}" for name in (*ENTRY_TEXT, "reason", "hours", "participatory_hours")))
def cpd_correction(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from tests.factories import make_cpd_requirements

    make_cpd_requirements()
    started = TODAY - timedelta(days=400)
    record = _reviewer(client, starts_on=started)
    entry = make_cpd_entry(record, on=started + timedelta(days=10), peer=True)
    url = f"/cpd/activities/{entry.id}/correct"
    day = started + timedelta(days=10)
    answers = {
        **_entry_answers(typed, CORRECTION),
        "starts_on": _date(day),
        "reason": typed(f"{CORRECTION}.reason"),
    }
    refused = send(
        client,
        url,
        {
            **complete_form(starts_on=_date(day), reason="A typing slip."),
            "hours": typed(f"{CORRECTION}.hours"),
            "participatory_hours": typed(f"{CORRECTION}.participatory_hours"),
        },
    )
    saved(send(client, url, answers))
    reads = [refused, client.get(f"/cpd/activities/{entry.id}"), client.get(url)]
    _as(client, Role.ADMINISTRATOR)
    return [*reads, client.get(f"/cpd/activities/{entry.id}")]


@case("cpd.forms.FeedbackForm.summary", "cpd.forms.FeedbackForm.reflection")
def cpd_feedback(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    _reviewer(client, starts_on=TODAY - timedelta(days=30))
    saved(
        send(
            client,
            "/cpd/feedback/new",
            {
                "source": "commissioner",
                "received_on": _date(TODAY),
                "summary": typed("cpd.forms.FeedbackForm.summary"),
                "reflection": typed("cpd.forms.FeedbackForm.reflection"),
            },
        )
    )
    return [client.get("/cpd/feedback"), client.get("/cpd/export/print")]


@case(
    "cpd.audit_forms.SubmitAuditForm.statement",
    "cpd.audit_forms.AuditReviewForm.feedback",
    "cpd.audit_forms.AuditReviewForm.plan_actions",
    "cpd.audit_forms.PutRightForm.note",
    "cpd.audit_forms.OpenCycleForm.percent",
)
def cpd_audit(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.cpd import audit
    from tests.factories import make_cpd_requirements
    from tests.functional.test_cpd_audit_pages import STARTED, _drawn

    make_cpd_requirements()
    record = make_record(starts_on=STARTED)
    make_cpd_entry(record, on=STARTED + timedelta(days=10), peer=True)
    admin = _as(client, Role.ADMINISTRATOR)
    percent = typed("cpd.audit_forms.OpenCycleForm.percent")
    reads = [send(client, "/cpd/audit/new", {"scheme": str(record.scheme_id), "percent": percent})]
    selection = _drawn(admin, record)
    base = f"/cpd/audit/records/{selection.id}"
    sign_in_as(client, record.user)
    statement = typed("cpd.audit_forms.SubmitAuditForm.statement")
    saved(send(client, f"{base}/submit", {"statement": statement, "declaration": "y"}))
    first, second = (make_user(roles=[Role.ASSESSOR]) for _ in range(2))
    audit.allocate_assessor(admin, selection, first)
    db.session.commit()
    sign_in_as(client, first)
    feedback = typed("cpd.audit_forms.AuditReviewForm.feedback")
    saved(send(client, f"{base}/assess", {"outcome": "advice", "feedback": feedback}))
    reads.append(client.get(base))
    audit.allocate_assessor(admin, selection, second)
    db.session.commit()
    sign_in_as(client, second)
    saved(
        send(
            client,
            f"{base}/assess",
            {
                "outcome": "not_met",
                "feedback": "Not met.",
                "plan_actions": typed("cpd.audit_forms.AuditReviewForm.plan_actions"),
            },
        )
    )
    reads += [client.get(base), client.get(f"{base}/plan")]
    saved(send(client, f"{base}/plan", {"note": typed("cpd.audit_forms.PutRightForm.note")}))
    reads.append(client.get(base))
    sign_in_as(client, admin)
    reads.append(client.get(base))
    sign_in_as(client, record.user)
    return [*reads, client.get("/cpd")]


@case("cpd.audit_forms.DecideProposalForm.note")
def cpd_audit_proposal(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.cpd import audit
    from tests.factories import make_cpd_requirements
    from tests.functional.test_cpd_audit_pages import STARTED, _drawn

    make_cpd_requirements()
    record = make_record(starts_on=STARTED)
    admin = _as(client, Role.ADMINISTRATOR)
    selection = _drawn(admin, record)
    audit.process_overdue(today=selection.due_on + timedelta(days=1))
    db.session.commit()
    base = f"/cpd/audit/records/{selection.id}"
    note = typed("cpd.audit_forms.DecideProposalForm.note")
    saved(send(client, f"{base}/proposal", {"decision": "reject", "note": note}))
    return [client.get(base), client.get(f"/cpd/audit/{selection.cycle_id}")]


@case(
    "applications.assessment_forms.ReplaceAssessorForm.reason",
    "peer_qa.forms.ReplacePeerForm.reason",
)
def replacement_reasons(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    """Kept only in the audit log: the typed reason comes back in the form, with the error
    for the person not chosen."""
    from portal.applications import assessment as assessments
    from portal.applications.models import ApplicationStatus
    from tests.factories import make_peer_assessment, make_qa_review

    admin = _as(client, Role.ADMINISTRATOR)
    first, second, _spare = (make_user(roles=[Role.ASSESSOR]) for _ in range(3))
    application = make_application(status=ApplicationStatus.SUBMITTED)
    allocation, _ = assessments.allocate_assessors(admin, application, first, second, today=TODAY)
    db.session.commit()
    reads = [
        send(
            client,
            f"/admin/applications/{application.id}/allocations/{allocation.id}/replace",
            {
                "replacement": "",
                "reason": typed("applications.assessment_forms.ReplaceAssessorForm.reason"),
            },
        )
    ]
    _as(client, Role.QA_LEAD)
    review = make_qa_review(status="in_assessment")
    peer = make_peer_assessment(review, submitted=False)
    reads.append(
        send(
            client,
            f"/peer-qa/manage/{review.id}/assessments/{peer.id}/replace",
            {"replacement": "0", "reason": typed("peer_qa.forms.ReplacePeerForm.reason")},
        )
    )
    return reads


# --- peer quality assurance ---------------------------------------------------------------

INVOLVEMENT = "peer_qa.forms.InvolvementForm"


@case(
    "peer_qa.forms.DetailsForm.title",
    "peer_qa.forms.RecommendationForm.text",
    *(
        f"{INVOLVEMENT}.{group}_{part}"
        for group in ("children", "family", "practitioners")
        for part in ("how", "adjustments")
    ),
    f"{INVOLVEMENT}.practitioner_support",
)
def qa_review(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    make_rubric()
    partnership = make_organisation()
    _reviewer(client)
    base = saved(send(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews")).headers[
        "Location"
    ]
    saved(
        send(
            client,
            f"{base}/details",
            {
                "title": typed("peer_qa.forms.DetailsForm.title"),
                "partnership": str(partnership.id),
                "review_type": "lcspr",
                "published_on": ["2", "3", "2026"],
                "themes": ["neglect"],
            },
        )
    )
    text = typed("peer_qa.forms.RecommendationForm.text")
    saved(send(client, f"{base}/recommendations", {"text": text}))
    answers = {"practitioner_support": typed(f"{INVOLVEMENT}.practitioner_support")}
    for group in ("children", "family", "practitioners"):
        answers |= {
            f"{group}_invited": "yes",
            f"{group}_took_part": "yes",
            f"{group}_how": typed(f"{INVOLVEMENT}.{group}_how"),
            f"{group}_adjustments": typed(f"{INVOLVEMENT}.{group}_adjustments"),
        }
    saved(send(client, f"{base}/involvement", answers))
    reads = [client.get(f"{base}{page}") for page in ("", "/details", "/involvement")]
    reads += [client.get(f"{base}/recommendations"), client.get(f"{base}/recommendations/1")]
    return [*reads, client.get(f"{base}/analysis"), client.get("/peer-qa/reviews")]


@case(
    "peer_qa.forms.assessment_form.comment_*",
    "peer_qa.forms.assessment_form.summary_for_author",
    "peer_qa.forms.assessment_form.notes_for_lead",
    "peer_qa.forms.moderation_form.rationale",
    "peer_qa.forms.ResponseForm.response",
)
def qa_assessment_moderation_and_response(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.peer_qa import queries as qa_queries
    from portal.peer_qa.models import QaStatus
    from tests.factories import make_peer_assessment

    review = make_qa_review(status="in_assessment")
    assessment = make_peer_assessment(review, level=None, grade=None, submitted=False)
    make_peer_assessment(review, level=1, grade=1)
    markers = qa_queries.markers_of(review.rubric_id)
    comment = typed("peer_qa.forms.assessment_form.comment_*")
    answers: dict[str, object] = {
        "overall_grade": "3",
        "confidence": "medium",
        "summary_for_author": typed("peer_qa.forms.assessment_form.summary_for_author"),
        "notes_for_lead": typed("peer_qa.forms.assessment_form.notes_for_lead"),
        "submit_assessment": "y",
    }
    for marker in markers:
        answers |= {f"level_{marker.id}": "3", f"comment_{marker.id}": comment}
    url = f"/peer-qa/assessments/{assessment.id}"
    sign_in_as(client, assessment.assessor)
    saved(send(client, url, answers))
    reads = [client.get(url)]
    _as(client, Role.QA_LEAD)
    manage = f"/peer-qa/manage/{review.id}"
    reads += [client.get(manage), client.get(f"{manage}/moderate")]
    agreed: dict[str, object] = {
        "overall_grade": "2",
        "rationale": typed("peer_qa.forms.moderation_form.rationale"),
    }
    agreed |= {f"level_{marker.id}": "2" for marker in markers}
    saved(send(client, f"{manage}/moderate", agreed))
    reads.append(client.get(manage))
    assert review.status is QaStatus.COMPLETED
    sign_in_as(client, review.author)
    base = f"/peer-qa/reviews/{review.id}"
    reads.append(client.get(base))
    response = typed("peer_qa.forms.ResponseForm.response")
    saved(send(client, f"{base}/respond", {"response": response}))
    reads.append(client.get(base))
    _as(client, Role.QA_LEAD)
    return [*reads, client.get(manage)]


# --- free text that comes in files ---------------------------------------------------------

# Not form fields, but typed by someone all the same: file names, and the cells of a CSV file.
FROM_FILES = "from a file: "


@case(
    f"{FROM_FILES}the name of a work sample's file",
    f"{FROM_FILES}the name of a CPD evidence file",
)
def file_names(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    _application, base = _draft(client)
    # A quote would end the file name in the upload's header: the attribute break stays out.
    sample = typed(f"{FROM_FILES}the name of a work sample's file").rsplit('">', 1)[1]
    saved(
        send(
            client,
            f"{base}/work-samples",
            {"title": "Invented sample", "file": (io.BytesIO(pdf_bytes()), f"{sample}.pdf")},
        )
    )
    reads = [client.get(f"{base}/work-samples"), client.get(f"{base}/check-answers")]
    record = _reviewer(client, starts_on=TODAY - timedelta(days=30))
    entry = make_cpd_entry(record, on=TODAY)
    evidence = typed(f"{FROM_FILES}the name of a CPD evidence file").rsplit('">', 1)[1]
    url = f"/cpd/activities/{entry.id}/evidence"
    saved(send(client, url, {"file": (io.BytesIO(pdf_bytes()), f"{evidence}.pdf")}))
    return [*reads, client.get(url), client.get(f"/cpd/activities/{entry.id}")]


@case(f"{FROM_FILES}a CPD activity's title in an imported CSV file")
def cpd_import(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from tests.factories import make_cpd_requirements
    from tests.functional.test_cpd_import_export_pages import csv_of

    make_cpd_requirements()
    _reviewer(client, starts_on=TODAY - timedelta(days=60))
    title = typed(f"{FROM_FILES}a CPD activity's title in an imported CSV file")
    content = csv_of({"title": title}, {"title": title, "starts_on": "2026-13-40"})
    saved(send(client, "/cpd/import", {"file": (io.BytesIO(content), "activities.csv")}))
    reads = [client.get("/cpd/import/check")]
    saved(send(client, "/cpd/import/check", {}))
    return [*reads, client.get("/cpd")]


@case(f"{FROM_FILES}a recommendation read out of an uploaded review report")
def qa_report(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from tests.files import docx_bytes

    make_rubric()
    _reviewer(client)
    base = saved(send(client, "/peer-qa/reviews/new", {}, form_page="/peer-qa/reviews")).headers[
        "Location"
    ]
    text = typed(f"{FROM_FILES}a recommendation read out of an uploaded review report")
    report = docx_bytes(paragraphs=["Recommendations", f"1. The partnership should {text}"])
    saved(send(client, f"{base}/report", {"report": (io.BytesIO(report), "report.docx")}))
    return [client.get(f"{base}/recommendations"), client.get(f"{base}/analysis")]


@case(f"{FROM_FILES}a partnership code in a notifications CSV file")
def notifications_import(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from tests.functional.test_reporting_pages import notifications_file

    _as(client, Role.ANALYST)
    code = typed(f"{FROM_FILES}a partnership code in a notifications CSV file")
    content = notifications_file([code, "2026-01", "3"])
    page = "/reports/notifications/upload"
    saved(send(client, page, {"file": (io.BytesIO(content), "notifications.csv")}))
    return [client.get("/reports/notifications/check")]


# --- accounts and administration ----------------------------------------------------------


@case(
    "auth.forms.SignUpForm.name",
    "auth.forms.SignUpForm.email",
    "auth.forms.SignInForm.email",
    "auth.forms.EmailOnlyForm.email",
)
def account_forms(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    """Refused, each comes back in its form with the error; a name is saved and shown."""
    name = typed("auth.forms.SignUpForm.name")
    reads = [
        send(client, "/sign-up", {"name": name, "email": typed("auth.forms.SignUpForm.email")}),
        send(client, "/sign-in", {"email": typed("auth.forms.SignInForm.email"), "password": ""}),
        send(client, "/forgot-password", {"email": typed("auth.forms.EmailOnlyForm.email")}),
    ]
    sign_in_as(client, make_user(name=name))
    reads.append(client.get("/account"))
    _as(client, Role.ADMINISTRATOR)
    return [*reads, client.get("/admin/users")]


@case("auth.forms.SecurityCodeForm.code")
def security_code(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from tests.factories import DEFAULT_PASSWORD

    user = make_user(roles=[Role.ADMINISTRATOR])
    saved(send(client, "/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD}))
    code = typed("auth.forms.SecurityCodeForm.code")[:32]
    return [send(client, "/sign-in/security-code", {"code": code})]


@case(
    "admin.forms.UserFilterForm.q",
    "admin.forms.AuditFilterForm.actor",
    "admin.forms.AuditFilterForm.subject_id",
    "organisations.forms.FilterForm.q",
    "register.forms.PublicSearchForm.q",
    "register.forms.FindReviewerForm.q",
    "register.forms.ConflictCheckForm.number",
)
def searches(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    """What was searched for is shown back in the search box and in the summary."""
    from urllib.parse import quote

    def q(field: str) -> str:
        return quote(typed(field), safe="")

    _as(client, Role.ADMINISTRATOR)
    reads = [
        client.get(f"/admin/users?q={q('admin.forms.UserFilterForm.q')}"),
        client.get(
            f"/admin/audit-log?actor={q('admin.forms.AuditFilterForm.actor')}"
            f"&subject_id={q('admin.forms.AuditFilterForm.subject_id')}"
        ),
        client.get(f"/admin/organisations?q={q('organisations.forms.FilterForm.q')}"),
        client.get(f"/register?q={q('register.forms.PublicSearchForm.q')}"),
    ]
    _as(client, Role.COMMISSIONER)
    reads.append(client.get(f"/register/search?q={q('register.forms.FindReviewerForm.q')}"))
    number = q("register.forms.ConflictCheckForm.number")
    return [*reads, client.get(f"/register/conflict-check?number={number}")]


@case(
    "organisations.forms.AgencyForm.name",
    "organisations.forms.RenameForm.name",
    "api.forms.CreateClientForm.name",
)
def organisations_and_clients(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.organisations.models import Organisation

    _as(client, Role.ADMINISTRATOR)
    agency = typed("organisations.forms.AgencyForm.name")
    saved(send(client, "/admin/organisations/new-agency", {"name": agency, "kind": "police_force"}))
    made = db.session.query(Organisation).filter_by(name=agency.strip()).one()
    partnership = make_organisation()
    renamed = typed("organisations.forms.RenameForm.name")
    saved(send(client, f"/admin/organisations/{partnership.id}/rename", {"name": renamed}))
    # The client is made on the POST, whose answer shows its secret once.
    created = send(
        client,
        "/admin/api-clients/new",
        {
            "name": typed("api.forms.CreateClientForm.name"),
            "partnership": str(partnership.id),
            "scopes": ["register:read"],
        },
    )
    return [
        created,
        client.get("/admin/organisations"),
        client.get(f"/admin/organisations/{made.id}"),
        client.get(f"/admin/organisations/{partnership.id}"),
        client.get("/admin/api-clients"),
    ]


@case("credentials.forms.VerifyForm.credential")
def verifying(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    return [
        send(
            client,
            "/register/verify",
            {"credential": typed("credentials.forms.VerifyForm.credential")},
        )
    ]


# --- the register --------------------------------------------------------------------------


@case("register.forms.ProfileForm.biography")
def register_profile(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    record = _reviewer(client)
    make_entry(record.user)
    saved(
        send(
            client,
            "/register/my-entry/profile",
            {
                "regions": ["E12000003"],
                "specialisms": ["neglect"],
                "methodologies": ["systems-learning-together"],
                "languages": ["en"],
                "biography": typed("register.forms.ProfileForm.biography"),
            },
        )
    )
    reads = [client.get("/register/my-entry"), client.get("/register/my-entry/profile")]
    reads.append(client.get(f"/register/{record.number}"))
    _as(client, Role.COMMISSIONER)
    return [*reads, client.get("/register/search")]


@case(
    "register.forms.AvailabilityRequestForm.message",
    "register.forms.AnswerRequestForm.note",
)
def availability(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.register import commissioning

    record = make_record()
    make_entry(record.user)
    commissioner = _as(client, Role.COMMISSIONER)
    commissioning.add_to_shortlist(commissioner, record.user_id)
    db.session.commit()
    saved(
        send(
            client,
            f"/register/shortlist/{record.user_id}/request-availability",
            {
                "review_type": "lcspr",
                "message": typed("register.forms.AvailabilityRequestForm.message"),
            },
        )
    )
    sign_in_as(client, record.user)
    reads = [client.get("/register/requests")]
    from portal.register.commissioning_models import AvailabilityRequest

    request = db.session.query(AvailabilityRequest).filter_by(reviewer_id=record.user_id).one()
    url = f"/register/requests/{request.id}"
    reads.append(client.get(url))
    saved(
        send(
            client,
            url,
            {"available": "no", "note": typed("register.forms.AnswerRequestForm.note")},
        )
    )
    reads.append(client.get(url))
    sign_in_as(client, commissioner)
    return [*reads, client.get("/register/shortlist")]


@case("register.forms.EmployerCheckForm.numbers")
def employer_check(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    _as(client, Role.COMMISSIONER)
    numbers = typed("register.forms.EmployerCheckForm.numbers")
    return [send(client, "/register/employer-check", {"numbers": numbers})]


# --- reports -------------------------------------------------------------------------------


@case(
    "reporting.learning_forms.FindingForm.text",
    "reporting.learning_forms.NationalRecommendationForm.text",
    "reporting.learning_forms.NationalRecommendationForm.addressed_to",
    "reporting.learning_forms.NationalRecommendationForm.source_title",
    "reporting.learning_forms.ResponseForm.action",
)
def learning(client: FlaskClient, typed: Typed) -> list[TestResponse]:
    from portal.reporting.learning_models import NationalRecommendation
    from tests.functional.test_access_matrix import _conditions_loaded
    from tests.functional.test_learning_pages import completed

    _conditions_loaded()
    review = completed()
    _as(client, Role.ADMINISTRATOR)
    saved(
        send(
            client,
            "/reports/learning/findings/new",
            {
                "review": str(review.id),
                "text": typed("reporting.learning_forms.FindingForm.text"),
                "conditions": ["information-sharing"],
            },
        )
    )
    saved(
        send(
            client,
            "/reports/national-recommendations/new",
            {
                "text": typed("reporting.learning_forms.NationalRecommendationForm.text"),
                "year": str(TODAY.year),
                "addressed_to": typed(
                    "reporting.learning_forms.NationalRecommendationForm.addressed_to"
                ),
                "source": "panel",
                "source_title": typed(
                    "reporting.learning_forms.NationalRecommendationForm.source_title"
                ),
                "source_year": str(TODAY.year),
            },
        )
    )
    made = db.session.query(NationalRecommendation).one()
    url = f"/reports/national-recommendations/{made.id}"
    saved(
        send(
            client,
            f"{url}/response",
            {
                "status": "partly_accepted",
                "action": typed("reporting.learning_forms.ResponseForm.action"),
                "responded_on": _date(TODAY),
            },
        )
    )
    reads = [
        client.get("/reports/learning/findings"),
        client.get("/reports/national-recommendations"),
        client.get(url),
        client.get(f"/reports/annual/{TODAY.year}"),
    ]
    _as(client, Role.QA_LEAD)
    return [*reads, client.get("/peer-qa/learning")]


# --- test ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_script_typed_into_a_field_is_shown_only_as_text(client, name):
    fields, run = CASES[name]
    typed = Typed()
    reads = run(client, typed)
    assert set(typed.tags) == set(fields), "the case fills other fields than it says"
    bodies = []
    for response in reads:
        assert response.status_code == 200, f"{response.request.path}: {_errors(response)}"
        body = response.get_data(as_text=True)
        for raw in RAW:
            assert raw not in body, f"{response.request.path} shows {raw!r} unescaped"
        bodies.append(body)
    missing = [
        field
        for field, tag in typed.tags.items()
        if not any(shown in body for body in bodies for shown in escaped(tag))
    ]
    assert missing == [], "no page read shows these fields back"


# --- every free-text field has a case ------------------------------------------------------

# Free-text fields no page shows back, with the reason.
NOT_SHOWN: dict[str, str] = {
    "privacy.forms.CloseAccountForm.reason": "kept only in the audit log's record of the "
    "change, which no page shows; the form has no error that would show it again",
}

# Forms built at request time from the rubric: their fields, with markers' numbers as `*`.
BUILT = ("peer_qa.forms.assessment_form", "peer_qa.forms.moderation_form")
NUMBERED = re.compile(r"_\d+$")


def _free_text(unbound: Any) -> bool:
    kind = unbound.field_class
    return issubclass(kind, StringField) and not issubclass(kind, (HiddenField, PasswordField))


def _fields_of(form: type[Form], name: str) -> set[str]:
    found = set()
    for attribute in dir(form):
        value = getattr(form, attribute, None)
        if isinstance(value, UnboundField) and _free_text(value):
            found.add(f"{name}.{NUMBERED.sub('_*', attribute)}")
    return found


def free_text_fields() -> set[str]:
    import portal.peer_qa.forms as qa_forms
    from portal.peer_qa import queries as qa_queries

    found: set[str] = set()
    for info in pkgutil.walk_packages(portal.__path__, "portal."):
        module_name = info.name
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Form)
                and value.__module__ == module_name
            ):
                found |= _fields_of(value, f"{module_name.removeprefix('portal.')}.{name}")
    rubric = make_rubric()
    markers = qa_queries.markers_of(rubric.id)
    for built in BUILT:
        function = getattr(qa_forms, built.rsplit(".", 1)[1])
        found |= _fields_of(function(rubric, markers), built)
    return found


def test_every_free_text_field_is_tried_or_said_not_to_be_shown(app):
    covered = {
        field
        for fields, _ in CASES.values()
        for field in fields
        if not field.startswith(FROM_FILES)
    }
    fields = free_text_fields()
    assert fields - covered - set(NOT_SHOWN) == set(), "add a case, or say why it is not shown"
    assert (covered | set(NOT_SHOWN)) - fields == set(), "these fields are gone"
    assert covered & set(NOT_SHOWN) == set()


# --- autoescaping, and nothing marked safe that a person typed -----------------------------

# Templates rendered without autoescaping, with the reason.
UNESCAPED: dict[str, str] = {
    "emails/*.txt": "plain-text email bodies, sent as text/plain only: nothing reads them as HTML",
}

# Every place that marks text as safe HTML, turns escaping off or gives a GOV.UK macro raw
# HTML, with the reason it holds nothing a person typed: "path: the line".
MARKED_SAFE: dict[str, str] = {
    "portal/templates/auth/setup_two_factor.html: "
    '<div class="govuk-!-margin-bottom-6">{{ qr | safe }}</div>': (
        "an SVG that segno draws from the set-up link: the link is drawn as squares, never "
        "written as text, and its title is fixed"
    ),
    "portal/templates/auth/account.html: {'key': {'text': 'Roles'}, 'value': {'html': "
    "user.roles | sort | map(attribute='label') | join('<br>')}},": (
        "the labels of the roles, fixed in the code; the line break is the only markup"
    ),
    "portal/templates/base.html: 'html': 'This is a new service. Tell the scheme team what you "
    'think by email at <a class="govuk-link" href="mailto:feedback@accreditation.invalid">'
    "feedback@accreditation.invalid</a>.'": "the phase banner: fixed text with a link",
}

UNSAFE = re.compile(
    r"\|\s*safe\b|\bMarkup\b|\bmarkupsafe\b|(?i:autoescape\s*(=\s*)?false)|\{%-?\s*autoescape"
    r"|render_template_string|from_string\(|\.unescape\(|add_alternative\("
)
# GOV.UK macros print an `html` parameter as it is: it must never carry what was typed.
RAW_HTML_PARAMETER = re.compile(r"['\"]html['\"]\s*:")


def test_every_template_is_autoescaped_except_plain_text_email(app):
    templates = sorted(
        str(path.relative_to(ROOT / "portal" / "templates"))
        for path in (ROOT / "portal" / "templates").rglob("*")
        if path.is_file()
    )
    assert len(templates) > 100
    unescaped = [name for name in templates if not app.jinja_env.autoescape(name)]
    assert unescaped, "the plain-text email templates are expected here"
    allowed = [name for name in unescaped if Path(name).match(next(iter(UNESCAPED)))]
    assert unescaped == allowed


def test_nothing_is_marked_safe_but_what_is_listed():
    found = set()
    for path in sorted((ROOT / "portal").rglob("*")):
        if path.suffix not in {".py", ".html", ".txt", ".xml", ".svg", ".j2"}:
            continue
        for line in path.read_text().splitlines():
            if UNSAFE.search(line) or (path.suffix == ".html" and RAW_HTML_PARAMETER.search(line)):
                found.add(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert found == set(MARKED_SAFE)
