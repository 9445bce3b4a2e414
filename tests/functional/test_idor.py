"""Insecure direct object references: every URL that names an object, tried by someone who
holds the same role as its owner but has nothing to do with it.

For each endpoint whose rule takes a parameter, the table below says which world of objects
it is tried in (`WORLDS`: built for an owner A), who may open it there (A gets 200 on a GET,
so the check is not vacuous) and who may not (B, with the same role as A: another applicant,
another assessor not allocated, another reviewer, a commissioner of another partnership).
B's GET and B's POST (with a valid CSRF token and plausible answers) must be refused with a
403 or 404 (or sent back to B's own page, where the route looks only among B's own things) and
show nothing of A's, and the POST must change nothing in the database. Where a URL names a
parent and a child (an application and its work sample, an entry and its evidence), B also
tries A's child under B's own parent. B's own lists (the dashboard, their applications, CPD
log, reviews, requests, shortlist) show nothing of A's either.

Endpoints whose parameter names no one's own object (an administrator's view of everyone, a
public page, a one-time link) are listed in `NOT_OWNED` with the reason; a new endpoint with a
parameter fails `test_every_endpoint_with_a_parameter_is_listed` until it is in one or the
other.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationStatus,
    InformationRequest,
    MentorPairing,
)
from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.cpd.audit_models import (
    AuditStatus,
    CpdAuditSelection,
)
from portal.cpd.models import CpdEvidence
from portal.extensions import db
from portal.framework.models import Competency
from tests.factories import (
    attach_report_file,
    make_application,
    make_audit_selection,
    make_cpd_entry,
    make_entry,
    make_organisation,
    make_peer_assessment,
    make_peer_assessor,
    make_qa_review,
    make_record,
    make_user,
)
from tests.files import pdf_bytes
from tests.functional import test_access_matrix as matrix
from tests.support import csrf_token, sign_in_as

SHORTLIST = "/register/shortlist"


@dataclass
class World:
    """What one owner holds, and who else tries to reach it."""

    people: dict[str, User] = field(default_factory=dict)
    # URL values naming A's objects.
    values: dict[str, object] = field(default_factory=dict)
    # URL values naming each intruder's own objects (for a parent of theirs with A's child).
    theirs: dict[str, dict[str, object]] = field(default_factory=dict)
    # A's words: none may appear in any page an intruder is given.
    secrets: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    world: str
    owner: str | None  # who in the world gets 200 on a GET; None for a button (POST only)
    intruders: tuple[str, ...]
    # URL parameters taken from another key of the world's values, where this endpoint needs
    # A's object in another state (a locked CPD entry, a draft review).
    use: dict[str, str] = field(default_factory=dict)
    # Where the route only looks among the signed-in user's own things, being sent there is
    # as good as a refusal.
    or_back_to: str | None = None


APPLICANT, ASSESSOR, REVIEWER, COMMISSIONER = "applicant", "assessor", "reviewer", "commissioner"
# The other assessor of the same application or review: sees it by right, never A's scoring.
CO_ASSESSOR = "co_assessor"
QA_DRAFT = {"review_id": "draft_id"}  # the author's forms are for a draft

# fmt: off
ROWS: dict[str, Row] = {
    # An applicant's draft: another applicant (with a draft of their own) tries each section.
    "applications.edit_personal_details": Row("draft", "owner", (APPLICANT,)),
    "applications.edit_registration":     Row("draft", "owner", (APPLICANT,)),
    "applications.edit_experience":       Row("draft", "owner", (APPLICANT,)),
    "applications.edit_qualifications":   Row("draft", "owner", (APPLICANT,)),
    "applications.edit_dbs_check":        Row("draft", "owner", (APPLICANT,)),
    "applications.list_interests":        Row("draft", "owner", (APPLICANT,)),
    "applications.confirm_interests":     Row("draft", None,    (APPLICANT,)),
    "applications.remove_interest":       Row("draft", None,    (APPLICANT,)),
    "applications.list_referees":         Row("draft", "owner", (APPLICANT,)),
    "applications.edit_referee":          Row("draft", "owner", (APPLICANT,)),
    "applications.list_self_assessment":  Row("draft", "owner", (APPLICANT,)),
    "applications.edit_self_assessment":  Row("draft", "owner", (APPLICANT,)),
    "applications.list_work_samples":     Row("draft", "owner", (APPLICANT,)),
    "applications.remove_work_sample":    Row("draft", None,    (APPLICANT,)),
    "applications.check_answers":         Row("draft", "owner", (APPLICANT,)),
    # A submitted application in assessment: its applicant and its allocated assessor; another
    # applicant, and an assessor allocated to another application.
    "applications.show_application":      Row("assessed", "owner", (APPLICANT, ASSESSOR)),
    "applications.application_submitted": Row("assessed", "owner", (APPLICANT, ASSESSOR)),
    "applications.withdraw_application":  Row("assessed", "owner", (APPLICANT, ASSESSOR)),
    "applications.download_work_sample":  Row("assessed", "owner", (APPLICANT, ASSESSOR)),
    "applications.answer_information_request": Row("assessed", "owner", (APPLICANT, ASSESSOR)),
    "applications.show_assessment":       Row("assessed", "allocated", (ASSESSOR, CO_ASSESSOR)),
    "applications.edit_score":            Row("assessed", "allocated", (ASSESSOR, CO_ASSESSOR)),
    "applications.submit_assessment":     Row("assessed", "allocated", (ASSESSOR, CO_ASSESSOR)),
    "applications.request_information":   Row("assessed", "allocated", (ASSESSOR, CO_ASSESSOR)),
    "applications.lodge_appeal":          Row("decided", "owner", (APPLICANT,)),
    # A renewal: another accredited reviewer.
    "applications.show_cpd_record":       Row("renewal", "owner", (REVIEWER,)),
    "applications.list_completed_reviews": Row("renewal", "owner", (REVIEWER,)),
    "applications.remove_completed_review": Row("renewal", None,  (REVIEWER,)),
    "applications.edit_renewal_statement": Row("renewal", "owner", (REVIEWER,)),
    "applications.show_mentoring":        Row("mentoring", "owner", (REVIEWER,)),
    # A signed-in browser of A's: another person's button to end it.
    "auth.end_session":                   Row("session", None,    (APPLICANT,)),
    # A reviewer's CPD log: another reviewer with a log of their own.
    "cpd.show_entry":                     Row("cpd", "owner", (REVIEWER,)),
    "cpd.edit_entry":                     Row("cpd", "owner", (REVIEWER,)),
    "cpd.correct_entry":                  Row("cpd", "owner", (REVIEWER,),
                                              use={"entry_id": "locked_entry_id"}),
    "cpd.list_evidence":                  Row("cpd", "owner", (REVIEWER,)),
    "cpd.download_evidence":              Row("cpd", "owner", (REVIEWER,)),
    "cpd.remove_evidence":                Row("cpd", None,    (REVIEWER,)),
    # The CPD audit: the reviewer audited, and the assessors allocated; another reviewer, and
    # an assessor allocated to another record.
    "cpd.submit_audit":                   Row("audit", "owner", (REVIEWER, ASSESSOR),
                                              use={"selection_id": "requested_id"}),
    "cpd.show_audit":                     Row("audit", "allocated", (REVIEWER, ASSESSOR)),
    "cpd.assess_audit":                   Row("audit", "allocated", (ASSESSOR,)),
    "cpd.download_audit_evidence":        Row("audit", "allocated", (REVIEWER, ASSESSOR)),
    "cpd.confirm_audit_plan":             Row("audit", "second", (ASSESSOR,),
                                              use={"selection_id": "planned_id"}),
    "credentials.download_credential":    Row("credential", "owner", (REVIEWER,)),
    # Peer QA: the author (a draft for the forms, one in assessment, one with its feedback);
    # the peer assessor allocated. Another author; an assessor allocated to another review.
    "peer_qa.show_review":                Row("qa", "owner", (REVIEWER, ASSESSOR)),
    "peer_qa.withdraw_review":            Row("qa", None,    (REVIEWER,)),
    "peer_qa.edit_details":               Row("qa", "owner", (REVIEWER,), use=QA_DRAFT),
    "peer_qa.edit_report":                Row("qa", "owner", (REVIEWER,), use=QA_DRAFT),
    "peer_qa.edit_recommendations":       Row("qa", "owner", (REVIEWER,), use=QA_DRAFT),
    "peer_qa.edit_recommendation":        Row("qa", "owner", (REVIEWER,), use=QA_DRAFT),
    "peer_qa.remove_recommendation":      Row("qa", None,    (REVIEWER,), use=QA_DRAFT),
    "peer_qa.edit_involvement":           Row("qa", "owner", (REVIEWER,), use=QA_DRAFT),
    "peer_qa.check_review":               Row("qa", "owner", (REVIEWER,), use=QA_DRAFT),
    "peer_qa.show_analysis":              Row("qa", "owner", (REVIEWER, ASSESSOR)),
    "peer_qa.respond_to_feedback":        Row("qa", "owner", (REVIEWER,),
                                              use={"review_id": "completed_id"}),
    "peer_qa.download_report":            Row("qa", "allocated", (REVIEWER, ASSESSOR)),
    "peer_qa.score_review":               Row("qa", "allocated", (ASSESSOR, CO_ASSESSOR)),
    # The register: the reviewer asked; a partnership's shortlist, which another partnership's
    # commissioner reaches only as their own (where the reviewer is not).
    "register.answer_request":            Row("asked", "owner", (REVIEWER,)),
    "register.request_availability":      Row("shortlist", "owner", (COMMISSIONER,),
                                              or_back_to=SHORTLIST),
    "register.record_commission":         Row("shortlist", "owner", (COMMISSIONER,),
                                              or_back_to=SHORTLIST),
    "register.remove_from_shortlist":     Row("shortlist", None, (COMMISSIONER,),
                                              or_back_to=SHORTLIST),
}
# fmt: on

# Parameters that name no one's own object, with the reason each endpoint is not in ROWS.
ADMINS = "administrators act on every one: no administrator owns it"
NOT_OWNED: dict[str, str] = {
    "static": "the service's own assets",
    "admin.show_user": ADMINS,
    "admin.grant_role": ADMINS,
    "admin.revoke_role": ADMINS,
    "admin.set_organisation": ADMINS,
    "admin.reset_two_factor": ADMINS,
    "privacy.export_personal_data": ADMINS,
    "privacy.download_personal_data": ADMINS,
    "privacy.close_personal_account": ADMINS,
    "api_clients.revoke_client": ADMINS,
    "organisations.show_organisation": ADMINS,
    "organisations.edit_agency_partnerships": ADMINS,
    "organisations.rename_organisation": ADMINS,
    "organisations.merge_organisation": ADMINS,
    "framework.show_framework": ADMINS,
    "framework.show_changes": ADMINS,
    "framework.publish_framework": ADMINS,
    "framework.retire_framework": ADMINS,
    "applications.allocate_assessors": ADMINS,
    "applications.allocate_moderator": ADMINS,
    "applications.replace_assessor": ADMINS,
    "applications.record_decision": ADMINS,
    "applications.hear_appeal": ADMINS,
    "applications.show_accreditation": ADMINS,
    "applications.pair_mentor": ADMINS,
    "cpd.show_requirements": ADMINS,
    "cpd.show_requirement_changes": ADMINS,
    "cpd.publish_requirements": ADMINS,
    "cpd.retire_requirements": ADMINS,
    "cpd.show_audit_cycle": ADMINS,
    "cpd.allocate_audit_assessor": ADMINS,
    "cpd.decide_audit_proposal": ADMINS,
    "cpd.show_reviewer_record": ADMINS,
    "reporting.edit_response": ADMINS,
    "reporting.edit_finding": "findings are the panel's, kept by every QA lead and administrator "
    "alike: none owns one",
    "reporting.remove_finding": "findings are the panel's, kept by every QA lead and "
    "administrator alike: none owns one",
    "reporting.show_national_recommendation": "published recommendations, read by every "
    "analyst and administrator alike",
    "applications.assessor_feedback": "QA leads calibrate every assessor: no QA lead owns one",
    "applications.rate_feedback": "QA leads calibrate every assessor: no QA lead owns one",
    "peer_qa.manage_review": "QA leads manage every review: no QA lead owns one",
    "peer_qa.allocate_peers": "QA leads manage every review: no QA lead owns one",
    "peer_qa.replace_peer": "QA leads manage every review: no QA lead owns one",
    "peer_qa.moderate_review": "QA leads manage every review: no QA lead owns one",
    "peer_qa.show_rubric": "the rubric every assessor scores against, not anyone's own",
    "register.show_entry": "the public register",
    "api.show_entry": "the public register, in JSON",
    "credentials.show_framework": "public: what a credential's competencies mean",
    "credentials.status_list": "public: what verifiers fetch",
    "reporting.show_annual_report": "a year, not an object: the same report for every reader",
    "reporting.download_annual_report": "a year, not an object: the same report for every reader",
    "reporting.download_table": "a table's name: the same figures for every reader",
    "auth.confirm_email": "the token is the secret; wrong ones are refused (the access matrix)",
    "auth.reset_password": "the token is the secret; wrong ones are refused (the access matrix)",
    "applications.give_reference": "the token is the secret; wrong ones are refused "
    "(the access matrix)",
    "auth.start_provider_sign_in": "the name of an identity provider",
    "auth.provider_callback": "the name of an identity provider",
}

# The pages that list a user's own things: an intruder's must show nothing of A's either. (A
# co-assessor's lists show the application or review they share with A by right.)
LISTS: dict[str, tuple[str, ...]] = {
    APPLICANT: ("/dashboard", "/applications"),
    ASSESSOR: ("/dashboard", "/assessments", "/cpd/audit/assessments", "/peer-qa/assessments"),
    REVIEWER: (
        "/dashboard",
        "/applications",
        "/cpd",
        "/cpd/feedback",
        "/cpd/export/print",
        "/cpd/export.csv",
        "/peer-qa/reviews",
        "/register/my-entry",
        "/register/requests",
        "/mentoring",
        "/credentials",
    ),
    COMMISSIONER: ("/dashboard", "/register/shortlist"),
}

# Parameters naming a child of the object named before it in the URL.
CHILDREN = {"interest_id", "sample_id", "evidence_id", "request_id"}

# What a POST carries besides its token: plausible answers to any form, so that a route which
# forgot its object check would have something to save.
ANSWERS = {
    "full_name": "Mallory Intruder",
    "phone": "01632 960 999",
    "experience_summary": "Written by someone else.",
    "qualifications": "Written by someone else.",
    "review_training": "Written by someone else.",
    "registration_body": "social_work_england",
    "registration_number": "SW999999",
    "dbs_certificate_number": "009999999999",
    "name": "Mallory Intruder",
    "email": "mallory@example.test",
    "job_title": "Intruder",
    "relationship": "None",
    "level": "4",
    "narrative": "Written by someone else, long enough to count as evidence of anything.",
    "rationale": "Written by someone else.",
    "comments": "Written by someone else.",
    "question": "Written by someone else?",
    "response": "Written by someone else.",
    "reason": "Written by someone else.",
    "grounds": "Written by someone else.",
    "renewal_statement": "Written by someone else.",
    "title": "Written by someone else",
    "description": "Written by someone else.",
    "statement": "Written by someone else.",
    "declaration": "y",
    "declared": "y",
    "outcome": "accepted",
    "feedback": "Written by someone else.",
    "note": "Written by someone else.",
    "available": "no",
    "message": "Written by someone else.",
    "review_type": "lcspr",
    "text": "Written by someone else.",
    "overall_grade": "1",
    "confidence": "high",
    "summary_for_author": "Written by someone else.",
    "focus": "Written by someone else",
    "minutes": "60",
    "notes": "Written by someone else.",
}


# --- the worlds ----------------------------------------------------------------------------


def _marked(name: str) -> str:
    """A word unique to A, to look for in what B is shown."""
    return f"{name} {secrets.token_hex(4)}"


def _applicant(world: World, key: str, name: str, **kwargs: Any) -> Any:
    person = make_user(name=_marked(name))
    application = make_application(applicant=person, interests=[make_organisation()], **kwargs)
    world.people[key] = person
    return application


def _store_file(stored: Any) -> None:
    """A file in the upload store for a work sample or evidence, to download."""
    path = UploadStore(current_app.config["UPLOAD_DIR"]).path_of(stored.storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes())


def _competency_id(application: Any) -> int:
    return int(
        db.session.scalar(
            sa.select(Competency.id).where(Competency.framework_id == application.framework_id)
        )
    )


def _draft() -> World:
    world = World()
    mine = _applicant(world, "owner", "Olwen Ownerby")
    mine.experience_summary = _marked("Olwen's invented experience")
    theirs = _applicant(world, APPLICANT, "Ivor Intruder")
    db.session.commit()
    world.secrets += [world.people["owner"].name, mine.experience_summary]
    for application, into in (
        (mine, world.values),
        (theirs, world.theirs.setdefault(APPLICANT, {})),
    ):
        into.update(
            application_id=application.id,
            interest_id=application.interests[0].id,
            sample_id=application.work_samples[0].id,
            competency_id=_competency_id(application),
            position=1,
        )
    return world


def _allocate(application: Any, assessor: User) -> Allocation:
    allocation = Allocation(
        application=application,
        assessor=assessor,
        purpose=AllocationPurpose.ASSESSMENT,
        due_on=today_in_england() + timedelta(days=20),
    )
    db.session.add(allocation)
    db.session.add(
        InformationRequest(
            application=application,
            requested_by_id=assessor.id,
            question=_marked(f"A question about {application.full_name}"),
        )
    )
    db.session.commit()
    return allocation


def _assessed() -> World:
    world = World()
    for key, name, assessor_key in (
        ("owner", "Olwen Ownerby", "allocated"),
        (APPLICANT, "Ivor Intruder", ASSESSOR),
    ):
        application = _applicant(world, key, name, status=ApplicationStatus.IN_ASSESSMENT)
        _store_file(application.work_samples[0])
        assessor = make_user(name=_marked("Assessor"), roles=[Role.ASSESSOR])
        world.people[assessor_key] = assessor
        allocation = _allocate(application, assessor)
        request = db.session.scalars(
            sa.select(InformationRequest).where(InformationRequest.application_id == application.id)
        ).one()
        values = {
            "application_id": application.id,
            "sample_id": application.work_samples[0].id,
            "request_id": request.id,
            "allocation_id": allocation.id,
            "competency_id": _competency_id(application),
        }
        if key == "owner":
            world.values = values
            world.secrets += [application.full_name, request.question]
            world.secrets.append(_scored(allocation))
            world.people[CO_ASSESSOR] = make_user(roles=[Role.ASSESSOR])
            db.session.add(
                Allocation(
                    application=application,
                    assessor=world.people[CO_ASSESSOR],
                    purpose=AllocationPurpose.ASSESSMENT,
                    due_on=allocation.due_on,
                )
            )
            db.session.commit()
        else:
            world.theirs[APPLICANT] = world.theirs[ASSESSOR] = values
    return world


def _scored(allocation: Allocation) -> str:
    """A's score on one competency, with reasons only A may read until the scores are agreed."""
    from portal.applications import assessment, queries

    rationale = _marked("Olwen's evidence is thin on analysis")
    competency = queries.competencies(allocation.application.framework_id)[0]
    assessment.save_score(
        allocation.assessor,
        allocation,
        competency,
        level=2,
        rationale=rationale,
        version_id=allocation.version_id,
    )
    db.session.commit()
    return rationale


def _decided() -> World:
    values = matrix._decided_then_appealed(appealed=False)
    application = db.session.get(Application, values["application_id"])
    world = World(values=dict(values), people={"owner": application.applicant})
    world.people[APPLICANT] = make_user()
    world.secrets.append(application.applicant.name)
    return world


def _renewal() -> World:
    from portal.applications import renewal
    from tests.functional.test_renewal_pages import _in_window

    record, today = _in_window()
    application = renewal.start_renewal(record.user, record, today=today)
    renewal.add_completed_review(
        record.user,
        application,
        title=_marked("Olwen's invented review"),
        partnership=make_organisation(),
        year=today.year,
        role="lead",
        today=today,
    )
    db.session.commit()
    world = World(values={"application_id": application.id, "index": 0})
    world.people = {"owner": record.user, REVIEWER: make_record().user}
    world.secrets += [record.user.name, application.completed_reviews[0]["title"]]
    return world


def _mentoring() -> World:
    record = make_record(level="provisional")
    mentor = make_record().user
    pairing = MentorPairing(record_id=record.id, mentor_id=mentor.id, paired_by_id=make_user().id)
    db.session.add(pairing)
    db.session.commit()
    world = World(values={"pairing_id": pairing.id})
    world.people = {"owner": record.user, "mentor": mentor, REVIEWER: make_record().user}
    world.secrets += [record.user.name, mentor.name]
    return world


def _session() -> World:
    from portal.auth import sessions

    owner = make_user()
    sessions.start_session(owner, browser="Firefox on Windows")
    db.session.commit()
    (browser,) = sessions.open_sessions(owner)
    world = World(values={"session_id": browser.id})
    world.people = {"owner": owner, APPLICANT: make_user()}
    return world


def _evidence(entry: Any) -> CpdEvidence:
    evidence = CpdEvidence(
        entry_id=entry.id,
        original_name=f"{secrets.token_hex(6)}-certificate.pdf",
        storage_key=secrets.token_hex(16),
        content_type="application/pdf",
        size_bytes=100,
        sha256="0" * 64,
    )
    db.session.add(evidence)
    db.session.commit()
    _store_file(evidence)
    return evidence


def _cpd() -> World:
    world = World()
    started = today_in_england() - timedelta(days=400)
    for key in ("owner", REVIEWER):
        record = make_record(starts_on=started)
        entry = make_cpd_entry(record, on=today_in_england(), title=_marked("Invented course"))
        locked = make_cpd_entry(record, on=started + timedelta(days=5))
        evidence = _evidence(entry)
        world.people[key] = record.user
        values = {
            "entry_id": entry.id,
            "locked_entry_id": locked.id,
            "evidence_id": evidence.id,
        }
        if key == "owner":
            world.values = values
            world.secrets += [entry.title, locked.title, evidence.original_name, record.user.name]
        else:
            world.theirs[REVIEWER] = values
    return world


def _selection(record: Any, status: AuditStatus, **assessors: int) -> CpdAuditSelection:
    return make_audit_selection(record, status, **assessors)


def _audit() -> World:
    world = World()
    started = today_in_england() - timedelta(days=400)
    for key, assessor_key in (("owner", "allocated"), (REVIEWER, ASSESSOR)):
        record = make_record(starts_on=started)
        entry = make_cpd_entry(record, on=started + timedelta(days=5), title=_marked("Course"))
        evidence = _evidence(entry)
        assessor = make_user(name=_marked("Assessor"), roles=[Role.ASSESSOR])
        second = make_user(roles=[Role.ASSESSOR])
        submitted = _selection(record, AuditStatus.SUBMITTED, first_assessor_id=assessor.id)
        requested = _selection(record, AuditStatus.REQUESTED)
        planned = _selection(
            record,
            AuditStatus.DEVELOPMENT_PLAN,
            first_assessor_id=assessor.id,
            second_assessor_id=second.id,
        )
        world.people |= {key: record.user, assessor_key: assessor}
        values = {
            "selection_id": submitted.id,
            "requested_id": requested.id,
            "planned_id": planned.id,
            "evidence_id": evidence.id,
        }
        if key == "owner":
            world.people["second"] = second
            world.values = values
            world.secrets += [record.user.name, entry.title, evidence.original_name]
        else:
            world.theirs[REVIEWER] = world.theirs[ASSESSOR] = values
    return world


def _credential() -> World:
    credential = matrix._credential()
    world = World(values={"credential_id": credential.public_id})
    world.people = {"owner": credential.record.user, REVIEWER: make_record().user}
    world.secrets += [credential.record.user.name, credential.token[-40:]]
    return world


def _qa() -> World:
    world = World()
    for key, assessor_key in (("owner", "allocated"), (REVIEWER, ASSESSOR)):
        author = make_user(name=_marked("Author"), roles=[Role.REVIEWER])
        make_record(user=author)
        title = _marked("Learning from an invented household")
        recommendation = _marked("The partnership should fund invented things")
        review = make_qa_review(
            author=author, status="in_assessment", title=title, recommendations=(recommendation,)
        )
        attach_report_file(review)
        draft = make_qa_review(author=author, status="draft", title=title)
        completed = make_qa_review(author=author, status="completed", title=title)
        assessor = make_peer_assessor(name=_marked("Assessor"))
        assessment = make_peer_assessment(review, assessor=assessor, submitted=False)
        world.people |= {key: author, assessor_key: assessor}
        values = {
            "review_id": review.id,
            "draft_id": draft.id,
            "completed_id": completed.id,
            "assessment_id": assessment.id,
            "index": 1,  # recommendations are numbered from 1
        }
        if key == "owner":
            world.values = values
            assessment.summary_for_author = _marked("The analysis needs more on the family")
            world.secrets += [author.name, title, recommendation, assessment.summary_for_author]
            world.people[CO_ASSESSOR] = make_peer_assessor()
            make_peer_assessment(review, assessor=world.people[CO_ASSESSOR], submitted=False)
        else:
            world.theirs[REVIEWER] = world.theirs[ASSESSOR] = values
    return world


def _asked() -> World:
    request = matrix._availability_request()
    request.message = _marked("Could you lead our invented review?")
    db.session.commit()
    world = World(values={"availability_request_id": request.id})
    world.people = {
        "owner": db.session.get(User, request.reviewer_id),
        REVIEWER: make_record().user,
    }
    world.secrets.append(request.message)
    return world


def _shortlist() -> World:
    from portal.register import commissioning
    from portal.register.commissioning_models import ReviewType

    reviewer = make_record(user=make_user(name=_marked("Rhian Reviewer"), roles=[Role.REVIEWER]))
    make_entry(reviewer.user)
    owner = make_user(roles=[Role.COMMISSIONER], organisation=make_organisation())
    commissioning.add_to_shortlist(owner, reviewer.user_id)
    message = _marked("Could you lead our invented review?")
    request = commissioning.request_availability(
        owner, reviewer.user_id, review_type=ReviewType.LCSPR, wanted_from=None, message=message
    )
    note = _marked("Yes, from the spring")
    commissioning.answer_request(
        reviewer.user,
        request,
        available=True,
        can_start_on=today_in_england() + timedelta(days=60),
        note=note,
        version_id=request.version_id,
    )
    db.session.commit()
    world = World(values={"reviewer_id": reviewer.user_id}, secrets=[message, note])
    world.people = {
        "owner": owner,
        COMMISSIONER: make_user(roles=[Role.COMMISSIONER], organisation=make_organisation()),
    }
    return world


WORLDS: dict[str, Callable[[], World]] = {
    "draft": _draft,
    "assessed": _assessed,
    "decided": _decided,
    "renewal": _renewal,
    "mentoring": _mentoring,
    "session": _session,
    "cpd": _cpd,
    "audit": _audit,
    "credential": _credential,
    "qa": _qa,
    "asked": _asked,
    "shortlist": _shortlist,
}


# --- trying ---------------------------------------------------------------------------------


def _rules(app: Flask) -> dict[str, list[Rule]]:
    found: dict[str, list[Rule]] = {}
    for rule in app.url_map.iter_rules():
        if rule.arguments:
            found.setdefault(rule.endpoint, []).append(rule)
    return found


def _snapshot() -> list[list[tuple[Any, ...]]]:
    """Every row of every table: what a refused request must leave as it was."""
    return [
        [tuple(row) for row in db.session.execute(sa.select(table)).all()]
        for table in db.metadata.sorted_tables
    ]


def _client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, user)
    return client


def _build(app: Flask, endpoint: str, values: dict[str, object]) -> str:
    return app.url_map.bind("localhost").build(endpoint, values)


def _values(rule: Rule, row: Row, source: dict[str, object]) -> dict[str, object]:
    return {name: source[row.use.get(name, name)] for name in rule.arguments}


def _refused(response: TestResponse, row: Row) -> bool:
    if response.status_code in (403, 404):
        return True
    return (
        row.or_back_to is not None
        and response.status_code == 302
        and response.headers["Location"] == row.or_back_to
    )


def _try(
    client: FlaskClient, method: str, url: str, row: Row, world: World, token: str
) -> list[str]:
    # A GET changing anything is the access matrix's to find; here every POST is watched.
    before = _snapshot() if method == "POST" else None
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": token, **ANSWERS})
    problems = []
    where = response.headers.get("Location", "")
    if not _refused(response, row):
        problems.append(f"{method} {url}: {response.status_code} {where}")
    body = response.get_data(as_text=True)
    shown = [secret for secret in world.secrets if secret in body]
    if shown:
        problems.append(f"{method} {url} shows {shown}")
    if before is not None and _snapshot() != before:
        problems.append(f"{method} {url} changed the database")
    return problems


@pytest.mark.parametrize("world_name", sorted(WORLDS))
def test_no_one_reaches_an_object_of_someone_with_the_same_role(app, world_name):
    world = WORLDS[world_name]()
    rows = {endpoint: row for endpoint, row in ROWS.items() if row.world == world_name}
    rules = _rules(app)
    problems: list[str] = []
    tried = 0
    for endpoint, row in rows.items():
        for rule in rules[endpoint]:
            methods = rule.methods or set()
            url = _build(app, endpoint, _values(rule, row, world.values))
            if row.owner is not None:
                # Tried by another of the owner's kind, not only by a stranger.
                roles = world.people[row.owner].roles
                if not any(world.people[who].roles == roles for who in row.intruders):
                    problems.append(f"{endpoint}: no intruder holds the roles {sorted(roles)}")
                owner = _client_for(app, world.people[row.owner])
                response = owner.get(url)
                if response.status_code != 200:
                    problems.append(f"the owner's GET {url}: {response.status_code}")
            for who in row.intruders:
                client = _client_for(app, world.people[who])
                token = csrf_token(client.get("/account").get_data(as_text=True))
                urls = [url]
                theirs = world.theirs.get(who, {})
                child = set(rule.arguments) & CHILDREN
                if child and set(rule.arguments) - child <= set(theirs):
                    # A's child under B's own parent.
                    mixed = {name: theirs[name] for name in set(rule.arguments) - child}
                    mixed |= {name: world.values[name] for name in child}
                    urls.append(_build(app, endpoint, mixed))
                for tried_url in urls:
                    for method in ("GET", "POST"):
                        if method in methods:
                            tried += 1
                            problems += [
                                f"as {who}: {problem}"
                                for problem in _try(client, method, tried_url, row, world, token)
                            ]
    for who in sorted({who for row in rows.values() for who in row.intruders}):
        client = _client_for(app, world.people[who])
        for url in LISTS.get(who, ()):
            response = client.get(url)
            body = response.get_data(as_text=True)
            if response.status_code != 200:
                problems.append(f"as {who}: their own {url}: {response.status_code}")
            if shown := [secret for secret in world.secrets if secret in body]:
                problems.append(f"as {who}: their own {url} shows {shown}")
    assert tried >= len(rows)
    assert problems == [], "\n".join(problems)


def test_every_endpoint_with_a_parameter_is_listed(app):
    with_parameters = set(_rules(app))
    assert with_parameters - set(ROWS) - set(NOT_OWNED) == set(), "add to ROWS or NOT_OWNED"
    assert (set(ROWS) | set(NOT_OWNED)) - with_parameters == set(), "these are gone"
    assert set(ROWS) & set(NOT_OWNED) == set()


def test_every_world_is_used():
    assert {row.world for row in ROWS.values()} == set(WORLDS)


def test_a_partnership_shortlisting_the_same_reviewer_sees_none_of_anothers_requests(app):
    """The shortlist's pages are keyed by the reviewer, whom both partnerships may shortlist:
    each sees its own request and commissions only."""
    from portal.register import commissioning

    world = _shortlist()
    reviewer_id = world.values["reviewer_id"]
    mine = _client_for(app, world.people["owner"]).get(SHORTLIST).get_data(as_text=True)
    assert world.secrets[1] in mine  # the reviewer's answer, to the partnership that asked
    other = world.people[COMMISSIONER]
    commissioning.add_to_shortlist(other, reviewer_id)
    db.session.commit()
    client = _client_for(app, other)
    for url in (
        SHORTLIST,
        f"{SHORTLIST}/{reviewer_id}/request-availability",
        f"{SHORTLIST}/{reviewer_id}/commission",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert [secret for secret in world.secrets if secret in body] == [], url
