"""Who may open what: every endpoint, tried by an anonymous visitor and by a user of each role.

The table is written out by hand, not derived from the decorators, so that a wrong decorator
(or a missing one) disagrees with it and fails. Each user holds exactly one role; "applicant"
is a user with no grants. A new endpoint fails `test_the_matrix_covers_every_endpoint` until
it has a row here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    ApplicationStatus,
    InformationRequest,
)
from portal.core.audit import AuditEvent
from portal.core.dates import today_in_england
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.core.uploads import UploadStore
from portal.extensions import db
from portal.framework.models import Competency
from portal.organisations.models import OrganisationKind
from tests.factories import (
    attach_report_file,
    count,
    make_application,
    make_audit_selection,
    make_framework,
    make_organisation,
    make_peer_assessment,
    make_qa_review,
    make_record,
    make_rubric,
    make_user,
)
from tests.files import pdf_bytes
from tests.support import csrf_token, sign_in_as


class Outcome(enum.Enum):
    OK = "200: the page shows"
    LOGIN = "302 to the sign-in page, which will come back here"
    HOME = "302 to the dashboard (already signed in)"
    OUT = "302 to the signed-out page"
    DENY = "403: signed in, without the permission"
    LINK = "400: the link is not valid"
    ACT = "let through: 200, 302 or 400 from the view itself, never 403 or sign-in"
    ENTRY = "302 to the sign-in page, with nothing to come back to"
    ACCT = "302 to the account page (nothing to do here)"
    AWAY = "302 to the identity provider's sign-in page"
    SSO = "400: no sign-in with the identity provider was started, so none completes"
    JSON = "200: JSON from the API, the same whoever is signed in"
    TOKEN = "401 problem+json: needs a bearer token; a session cookie never counts"
    OAUTH = "400 problem+json: a token request with no grant type and no client"


OK, LOGIN, HOME, OUT, DENY, LINK, ACT, ENTRY, ACCT, AWAY, SSO, JSON, TOKEN, OAUTH = Outcome

ANONYMOUS = "anonymous"
COLUMNS = (
    ANONYMOUS,
    "applicant",
    "reviewer",
    "assessor",
    "qa_lead",
    "commissioner",
    "analyst",
    "administrator",
)

# Each endpoint: the outcome for each column above. Endpoints in TRIED_WITH_POST are tried with
# a POST carrying a valid CSRF token and nothing else; the rest with a GET.
# fmt: off
MATRIX: dict[str, tuple[Outcome, ...]] = {
    #                                     anon   applic review assess qa     commis analys admin
    "home.start":                        (OK,    HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "home.dashboard":                    (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "home.accessibility":                (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "home.privacy":                      (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "home.cookies":                      (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "home.healthz":                      (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.sign_up":                      (OK,    HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "auth.check_email":                  (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.confirm_email":                (LINK,  LINK,  LINK,  LINK,  LINK,  LINK,  LINK,  LINK),
    "auth.resend_confirmation":          (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.sign_in":                      (OK,    HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "auth.sign_out":                     (OUT,   OUT,   OUT,   OUT,   OUT,   OUT,   OUT,   OUT),
    "auth.signed_out":                   (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.forgot_password":              (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.check_email_reset":            (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.reset_password":               (LINK,  LINK,  LINK,  LINK,  LINK,  LINK,  LINK,  LINK),
    "auth.account":                      (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.delete_account":               (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.account_deleted":              (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "auth.sign_out_others":              (LOGIN, ACT,   ACT,   ACT,   ACT,   ACT,   ACT,   ACT),
    # Someone else's session: nobody may end it.
    "auth.end_session":                  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "auth.two_factor":                   (ENTRY, ENTRY, ENTRY, ENTRY, ENTRY, ENTRY, ENTRY, ENTRY),
    "auth.setup_two_factor":             (LOGIN, OK,    OK,    ACCT,  ACCT,  OK,    ACCT,  ACCT),
    "auth.recovery_codes":               (LOGIN, ACCT,  ACCT,  ACCT,  ACCT,  ACCT,  ACCT,  ACCT),
    "auth.start_provider_sign_in":       (AWAY,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "auth.provider_callback":            (SSO,   HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "admin.index":                       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "admin.list_users":                  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "admin.show_user":                   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "admin.grant_role":                  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "admin.revoke_role":                 (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "admin.set_organisation":            (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "admin.reset_two_factor":            (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "admin.audit_log":                   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "privacy.export_personal_data":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "privacy.close_personal_account":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    # With no export waiting in this session, the administrator is sent back to make one.
    "privacy.download_personal_data":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "organisations.list_organisations":  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "organisations.show_organisation":   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "organisations.rename_organisation": (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "organisations.merge_organisation":  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "organisations.add_agency":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "organisations.edit_agency_partnerships": (LOGIN, DENY, DENY, DENY, DENY,  DENY,  DENY,  OK),
    "framework.list_frameworks":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "framework.show_framework":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "framework.show_changes":            (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "framework.publish_framework":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "framework.retire_framework":        (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    # Applications: the one in the URL is someone else's, submitted and not yet allocated.
    "applications.list_applications":    (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "applications.start_application":    (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "applications.show_application":     (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.edit_personal_details": (LOGIN, DENY, DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_registration":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_experience":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_qualifications":  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_dbs_check":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.list_interests":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.confirm_interests":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.remove_interest":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.list_referees":        (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_referee":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.list_self_assessment": (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_self_assessment": (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.list_work_samples":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.remove_work_sample":   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.download_work_sample": (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.check_answers":        (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.application_submitted": (LOGIN, DENY, DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.withdraw_application": (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.give_reference":       (LINK,  LINK,  LINK,  LINK,  LINK,  LINK,  LINK,  LINK),
    "applications.list_all_applications": (LOGIN, DENY, DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.answer_information_request": (LOGIN, DENY, DENY, DENY, DENY, DENY, DENY, DENY),
    # Assessment: the allocation in the URL is another assessor's.
    "applications.allocate_assessors":   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    # Not in moderation, so the administrator is sent back to the application.
    "applications.allocate_moderator":   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "applications.replace_assessor":     (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "applications.list_assessments":     (LOGIN, DENY,  DENY,  OK,    OK,    DENY,  DENY,  DENY),
    "applications.show_assessment":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.edit_score":           (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.submit_assessment":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.request_information":  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    # Tried on an application in the state each page is for (see ENDPOINT_VALUES).
    "applications.record_decision":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.lodge_appeal":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.hear_appeal":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.list_accreditations":  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.show_accreditation":   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.pair_mentor":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "applications.list_mentoring":       (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    # Someone else's mentoring: only its mentor and mentee may open it.
    "applications.show_mentoring":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.start_renewal":        (LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "applications.show_cpd_record":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.list_completed_reviews": (LOGIN, DENY, DENY, DENY, DENY,  DENY,  DENY,  DENY),
    "applications.remove_completed_review": (LOGIN, DENY, DENY, DENY, DENY, DENY,  DENY,  DENY),
    "applications.edit_renewal_statement": (LOGIN, DENY, DENY, DENY,  DENY,  DENY,  DENY,  DENY),
    "applications.show_calibration":     (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "applications.send_for_calibration": (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "applications.assessor_feedback":    (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "applications.rate_feedback":        (LOGIN, DENY,  DENY,  DENY,  ACT,   DENY,  DENY,  DENY),
    # CPD: the reviewer tried holds no accreditation record, so the forms send them back to
    # their CPD page; the activity in the URL is another reviewer's.
    "cpd.show_progress":                 (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.add_entry":                     (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.show_entry":                    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.edit_entry":                    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.correct_entry":                 (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.list_evidence":                 (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.download_evidence":             (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.remove_evidence":               (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.list_feedback":                 (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.add_feedback":                  (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    # The matrix's reviewer has no accreditation record: sent back, or 404 for a download.
    "cpd.download_import_template":      (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.import_activities":             (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.check_import":                  (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.export_csv":                    (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.export_xlsx":                   (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.print_record":                  (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    # CPD requirements: the version in the URL is a draft.
    "cpd.list_requirements":             (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.show_requirements":             (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.show_requirement_changes":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.publish_requirements":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.retire_requirements":           (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    # The CPD audit: someone else's record, submitted and waiting for its first assessor.
    "cpd.list_audit_cycles":             (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.open_audit_cycle":              (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.show_audit_cycle":              (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.allocate_audit_assessor":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.decide_audit_proposal":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  ACT),
    "cpd.list_reviewer_records":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.show_reviewer_record":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.list_audit_assessments":        (LOGIN, DENY,  DENY,  OK,    OK,    DENY,  DENY,  DENY),
    "cpd.show_audit":                    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.assess_audit":                  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.confirm_audit_plan":            (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "cpd.download_audit_evidence":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "cpd.submit_audit":                  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    # The register: public pages, a reviewer's own entry, partnerships' search.
    "register.search_register":          (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "register.show_entry":               (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    # A reviewer with no accreditation record yet is told so, and sent back from the forms.
    "register.show_my_entry":            (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "register.edit_profile":             (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "register.edit_availability":        (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "register.find_reviewer":            (LOGIN, DENY,  DENY,  DENY,  DENY,  OK,    DENY,  DENY),
    "register.show_shortlist":           (LOGIN, DENY,  DENY,  DENY,  DENY,  OK,    DENY,  DENY),
    "register.add_to_shortlist":         (LOGIN, DENY,  DENY,  DENY,  DENY,  ACT,   DENY,  DENY),
    "register.remove_from_shortlist":    (LOGIN, DENY,  DENY,  DENY,  DENY,  ACT,   DENY,  DENY),
    "register.request_availability":     (LOGIN, DENY,  DENY,  DENY,  DENY,  ACT,   DENY,  DENY),
    "register.record_commission":        (LOGIN, DENY,  DENY,  DENY,  DENY,  ACT,   DENY,  DENY),
    "register.employer_check":           (LOGIN, DENY,  DENY,  DENY,  DENY,  OK,    DENY,  DENY),
    "register.download_employer_check":  (LOGIN, DENY,  DENY,  DENY,  DENY,  ACT,   DENY,  DENY),
    "register.check_conflicts":          (LOGIN, DENY,  DENY,  DENY,  DENY,  OK,    DENY,  DENY),
    "register.list_requests":            (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "register.answer_request":           (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    # Credentials: the one in the URL is another reviewer's; verifying and what verifiers fetch
    # are open to anyone. The matrix's reviewer holds no record, so issuing sends them back.
    "credentials.show_my_credentials":   (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "credentials.issue_credential":      (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "credentials.download_credential":   (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "credentials.jwks":                  (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "credentials.status_list":           (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "credentials.show_framework":        (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "credentials.verify_credential":     (OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    # Peer QA: the review in the URL is another reviewer's, the assessment another assessor's.
    "peer_qa.list_reviews":              (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    # The matrix's reviewer holds no accreditation record: told so and sent back.
    "peer_qa.start_review":              (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.withdraw_review":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.show_review":               (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.edit_details":              (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.edit_report":               (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.download_report":           (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.edit_recommendations":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.edit_recommendation":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.remove_recommendation":     (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.edit_involvement":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.check_review":              (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.show_analysis":             (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.respond_to_feedback":       (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.list_assessments":          (LOGIN, DENY,  DENY,  OK,    DENY,  DENY,  DENY,  DENY),
    "peer_qa.score_review":              (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  DENY),
    "peer_qa.list_all_reviews":          (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.manage_review":             (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.allocate_peers":            (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.replace_peer":              (LOGIN, DENY,  DENY,  DENY,  ACT,   DENY,  DENY,  DENY),
    "peer_qa.moderate_review":           (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.list_rubrics":              (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.show_rubric":               (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  DENY),
    "peer_qa.show_learning":             (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  OK,    DENY),
    # Reports: analysts and administrators; only analysts load notifications; only reviewers
    # answer diversity monitoring (and nobody sees anyone's answers).
    "reporting.show_dashboard":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  OK,    OK),
    "reporting.download_table":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  OK,    OK),
    "reporting.show_notifications":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  OK,    DENY),
    "reporting.download_notifications_template": (LOGIN, DENY, DENY, DENY, DENY, DENY, OK, DENY),
    "reporting.upload_notifications":    (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  OK,    DENY),
    "reporting.check_notifications":     (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  ACT,   DENY),
    "reporting.edit_diversity":          (LOGIN, DENY,  OK,    DENY,  DENY,  DENY,  DENY,  DENY),
    "reporting.remove_diversity":        (LOGIN, DENY,  ACT,   DENY,  DENY,  DENY,  DENY,  DENY),
    "reporting.list_findings":           (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  OK),
    "reporting.new_finding":             (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  OK),
    "reporting.edit_finding":            (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  OK),
    "reporting.remove_finding":          (LOGIN, DENY,  DENY,  DENY,  OK,    DENY,  DENY,  OK),
    "reporting.list_national_recommendations": (LOGIN, DENY, DENY, DENY, DENY, DENY, OK, OK),
    "reporting.show_national_recommendation": (LOGIN, DENY, DENY, DENY, DENY, DENY, OK, OK),
    "reporting.new_national_recommendation": (LOGIN, DENY, DENY, DENY, DENY, DENY, DENY, OK),
    "reporting.edit_response":           (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "reporting.show_annual_report":      (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  OK,    OK),
    "reporting.download_annual_report":  (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  OK,    OK),
    # The API: open, or guarded by a bearer token whoever is signed in; its clients' pages.
    "api.openapi_document":              (JSON,  JSON,  JSON,  JSON,  JSON,  JSON,  JSON,  JSON),
    "api.search_entries":                (JSON,  JSON,  JSON,  JSON,  JSON,  JSON,  JSON,  JSON),
    "api.show_entry":                    (JSON,  JSON,  JSON,  JSON,  JSON,  JSON,  JSON,  JSON),
    "api.search_reviewers":              (TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN, TOKEN),
    "api.issue_token":                   (OAUTH, OAUTH, OAUTH, OAUTH, OAUTH, OAUTH, OAUTH, OAUTH),
    "api_clients.list_clients":          (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "api_clients.create_client":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
    "api_clients.revoke_client":         (LOGIN, DENY,  DENY,  DENY,  DENY,  DENY,  DENY,  OK),
}
# fmt: on

# Buttons, not pages: they refuse GET, so they are tried with a POST.
TRIED_WITH_POST = {
    "auth.sign_out",
    "auth.sign_out_others",
    "auth.end_session",
    "admin.grant_role",
    "admin.revoke_role",
    "admin.set_organisation",
    "admin.reset_two_factor",
    "applications.confirm_interests",
    "applications.remove_interest",
    "applications.remove_work_sample",
    "applications.rate_feedback",
    "applications.remove_completed_review",
    "cpd.remove_evidence",
    "register.add_to_shortlist",
    "register.remove_from_shortlist",
    "register.download_employer_check",
    "credentials.issue_credential",
    "peer_qa.start_review",
    "peer_qa.withdraw_review",
    "peer_qa.remove_recommendation",
    "reporting.remove_diversity",
    "api.issue_token",
}

# What each URL parameter is filled with. Tokens are junk: every link page refuses them.
URL_VALUES: dict[str, Callable[[], object]] = {
    "finding_id": lambda: _finding().id,
    "user_id": lambda: make_user().id,
    "org_id": lambda: make_organisation().id,
    "token": lambda: "not-a-real-token",
    "framework_id": lambda: _draft_framework().id,
    "application_id": lambda: _application().id,
    "position": lambda: 1,
    "interest_id": lambda: _application().interests[0].id,
    "sample_id": lambda: _work_sample().id,
    "competency_id": lambda: _competency_id(),
    "request_id": lambda: _information_request().id,
    "allocation_id": lambda: _allocation().id,
    "index": lambda: 0,
    "provider": lambda: "test-idp",
    "entry_id": lambda: _cpd_entry().id,
    "evidence_id": lambda: _cpd_evidence().id,
    "requirements_id": lambda: _draft_requirements().id,
    "number": lambda: make_record().number,
    "recommendation_id": lambda: _national_recommendation().id,
    "year": lambda: today_in_england().year,
    "key": lambda: "reviewers-by-region-and-level",
    "fmt": lambda: "xlsx",
    "reviewer_id": lambda: make_record().user_id,
    "availability_request_id": lambda: _availability_request().id,
    "credential_id": lambda: _credential().public_id,
    "purpose": lambda: _with_signing_key("revocation"),
    "review_id": lambda: _qa_review().id,
    "assessment_id": lambda: make_peer_assessment(_qa_review(), submitted=False).id,
    "rubric_id": lambda: make_rubric().id,
    "cycle_id": lambda: _audit_selection().cycle_id,
    "selection_id": lambda: _audit_selection().id,
    "client_id": lambda: _api_client().id,
    "session_id": lambda: _someone_elses_session(),
}

# Endpoints that need an identity provider configured (the real one the tests run).
NEEDS_PROVIDER = {"auth.start_provider_sign_in", "auth.provider_callback"}

# What one URL is built from: its parameters must point into the same application.
_MADE: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _fresh_values() -> Iterator[None]:
    _MADE.clear()
    yield
    _MADE.clear()


def _application():
    if "application" not in _MADE:
        _MADE["application"] = make_application(
            status=ApplicationStatus.SUBMITTED, interests=[make_organisation()]
        )
    return _MADE["application"]


def _work_sample():
    """The application's work sample, with a file in the upload store to download."""
    sample = _application().work_samples[0]
    path = UploadStore(current_app.config["UPLOAD_DIR"]).path_of(sample.storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes())
    return sample


def _competency_id() -> int:
    framework_id = _application().framework_id
    return db.session.scalar(
        sa.select(Competency.id).where(Competency.framework_id == framework_id)
    )


def _allocation():
    if "allocation" not in _MADE:
        allocation = Allocation(
            application=_application(),
            assessor=make_user(roles=[Role.ASSESSOR]),
            purpose=AllocationPurpose.ASSESSMENT,
            due_on=date(2026, 3, 16),
        )
        db.session.add(allocation)
        db.session.commit()
        _MADE["allocation"] = allocation
    return _MADE["allocation"]


def _information_request():
    request = InformationRequest(
        application=_application(), requested_by_id=_allocation().assessor_id, question="Why?"
    )
    db.session.add(request)
    db.session.commit()
    return request


def _availability_request():
    """A request from a partnership to someone else: nobody signed in here may answer it."""
    from portal.register.commissioning_models import AvailabilityRequest, ReviewType

    commissioner = make_user(roles=[Role.COMMISSIONER])
    request = AvailabilityRequest(
        partnership_id=commissioner.organisation_id,
        reviewer_id=make_record().user_id,
        requested_by_id=commissioner.id,
        review_type=ReviewType.LCSPR,
    )
    db.session.add(request)
    db.session.commit()
    return request


def _credential():
    """Another reviewer's credential."""
    from portal.credentials import services as credentials

    record = make_record()
    credential = credentials.issue_credential(record.user, record, today=utcnow().date())
    db.session.commit()
    return credential


def _with_signing_key(purpose: str) -> str:
    """A status list exists once the portal has a key to sign it with."""
    from portal.credentials import services as credentials

    credentials.ensure_key()
    db.session.commit()
    return purpose


def _someone_elses_session() -> int:
    from portal.auth.sessions import start_session

    user = make_user()
    start_session(user)
    db.session.commit()
    return user.browser_session.id


def _api_client():
    from tests.factories import make_api_client

    return make_api_client()[0]


def _cpd_entry():
    from tests.factories import make_cpd_entry, make_record

    if "cpd_entry" not in _MADE:
        _MADE["cpd_entry"] = make_cpd_entry(make_record())
    return _MADE["cpd_entry"]


def _cpd_evidence():
    """Evidence on the entry, with a file in the upload store to download."""
    from portal.cpd.models import CpdEvidence

    evidence = CpdEvidence(
        entry_id=_cpd_entry().id,
        original_name="certificate.pdf",
        storage_key=f"c{_cpd_entry().id:031x}",
        content_type="application/pdf",
        size_bytes=100,
        sha256="0" * 64,
    )
    db.session.add(evidence)
    db.session.commit()
    path = UploadStore(current_app.config["UPLOAD_DIR"]).path_of(evidence.storage_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes())
    return evidence


def _audit_selection():
    """Someone else's CPD record drawn for audit and submitted, with evidence in the year
    audited: no assessor yet."""
    if "audit_selection" not in _MADE:
        record = _cpd_entry().record
        selection = make_audit_selection(record, year_ends_on=record.expires_on)
        _MADE["audit_selection"] = selection
    return _MADE["audit_selection"]


def _audit_evidence() -> dict[str, object]:
    return {"selection_id": _audit_selection().id, "evidence_id": _cpd_evidence().id}


def _draft_requirements():
    from portal.cpd import services as cpd_services
    from portal.cpd.schema import parse_requirements
    from tests.factories import cpd_requirements_document

    make_framework()
    document = parse_requirements(cpd_requirements_document(version="9.9"))
    return cpd_services.load_requirements(None, document).version


def _draft_framework():
    from portal.framework import services
    from portal.framework.schema import parse_framework, parse_scheme
    from tests.frameworks import framework_document, scheme_document

    services.load_scheme(None, parse_scheme(scheme_document()))
    return services.load_framework(None, parse_framework(framework_document())).framework


CELLS = [(endpoint, who) for endpoint in MATRIX for who in COLUMNS]


def _rules(app: Flask) -> dict[str, list[Rule]]:
    rules: dict[str, list[Rule]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            rules.setdefault(rule.endpoint, []).append(rule)
    return rules


def _decided_then_appealed(*, appealed: bool) -> dict[str, object]:
    from portal.applications import decisions, queries
    from portal.applications.models import ApplicationStatus, Outcome

    application = make_application(status=ApplicationStatus.AWAITING_DECISION)
    today = utcnow().date()
    decisions.record_decision(
        make_user(roles=[Role.ADMINISTRATOR]),
        application,
        decisions.DecisionInput(Outcome.DECLINE, "Invented reasons."),
        queries.competencies(application.framework_id),
        today=today,
    )
    if appealed:
        decisions.lodge_appeal(application.applicant, application, grounds="x", today=today)
    db.session.commit()
    return {"application_id": application.id}


def _record() -> dict[str, object]:
    from portal.applications.models import AccreditationRecord

    values = _decided_then_appealed(appealed=False)
    record = AccreditationRecord(
        user_id=make_user().id,
        scheme_id=make_framework().scheme_id,
        application_id=values["application_id"],
        number=f"TST-2026-{make_user().id:05d}",
        level="reviewer",
        status="accredited",
        starts_on=utcnow().date(),
        expires_on=utcnow().date().replace(year=utcnow().year + 3),
    )
    db.session.add(record)
    db.session.commit()
    return {"record_id": record.id}


def _awaiting_decision() -> dict[str, object]:
    from portal.applications.models import ApplicationStatus

    return {"application_id": make_application(status=ApplicationStatus.AWAITING_DECISION).id}


# Pages that exist only for an application in one state are tried on one in that state.
ENDPOINT_VALUES: dict[str, Callable[[], dict[str, object]]] = {
    "applications.record_decision": _awaiting_decision,
    "applications.lodge_appeal": lambda: _decided_then_appealed(appealed=False),
    "applications.hear_appeal": lambda: _decided_then_appealed(appealed=True),
    "applications.show_accreditation": _record,
    "applications.pair_mentor": _record,
    "applications.show_mentoring": lambda: _pairing(),
    # Only frameworks in use or retired are public, never a draft.
    "credentials.show_framework": lambda: {"framework_id": make_framework().id},
    # Only an agency works with partnerships: a partnership's page would be a 404.
    "organisations.edit_agency_partnerships": lambda: {
        "org_id": make_organisation(kind=OrganisationKind.SCHOOL).id
    },
    "peer_qa.moderate_review": lambda: _qa_review_in_moderation(),
    "cpd.show_reviewer_record": _record,
    "cpd.download_audit_evidence": _audit_evidence,
    "reporting.new_finding": lambda: _conditions_loaded(),
}


def _conditions_loaded() -> dict[str, object]:
    """The system conditions, loaded: the findings form needs them."""
    from portal.reporting import learning_services
    from portal.reporting.conditions import CONDITIONS_DIR, read_conditions

    learning_services.load_conditions(None, read_conditions(CONDITIONS_DIR / "2026.1.yaml"))
    db.session.commit()
    return {}


def _finding():
    """A finding of a review that completed quality assurance, tagged with one condition."""
    from portal.reporting import learning_queries, learning_services

    if learning_queries.current_taxonomy() is None:
        _conditions_loaded()
    taxonomy = learning_queries.current_taxonomy()
    assert taxonomy is not None
    made = learning_services.record_finding(
        make_user(roles=[Role.QA_LEAD]),
        make_qa_review(status="completed"),
        "Caseloads left no time for reflection.",
        taxonomy.conditions[:1],
    )
    db.session.commit()
    return made


def _national_recommendation():
    from portal.reporting.learning_models import NationalRecommendation, RecommendationSource

    made = NationalRecommendation(
        text="The department should fund regional review capacity.",
        year=2026,
        source=RecommendationSource.PANEL,
        source_title="A thematic review of infant deaths",
        source_year=2026,
        addressed_to="Department for Education",
        recorded_by_id=make_user(roles=[Role.ADMINISTRATOR]).id,
    )
    db.session.add(made)
    db.session.commit()
    return made


def _qa_review():
    """A submitted review by another reviewer, with its report stored."""
    if "qa_review" not in _MADE:
        review = make_qa_review()
        attach_report_file(review)
        _MADE["qa_review"] = review
    return _MADE["qa_review"]


def _qa_review_in_moderation() -> dict[str, object]:
    review = make_qa_review(status="moderation")
    make_peer_assessment(review, level=1, grade=1)
    make_peer_assessment(review, level=3, grade=3)
    return {"review_id": review.id}


def _pairing() -> dict[str, object]:
    from portal.applications.models import MentorPairing

    record_id = _record()["record_id"]
    pairing = MentorPairing(
        record_id=record_id,
        mentor_id=make_user().id,
        paired_by_id=make_user(roles=[Role.ADMINISTRATOR]).id,
    )
    db.session.add(pairing)
    db.session.commit()
    return {"pairing_id": pairing.id}


def _url(app: Flask, endpoint: str) -> str:
    (rule, *_) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    if endpoint in ENDPOINT_VALUES:
        return app.url_map.bind("localhost").build(endpoint, ENDPOINT_VALUES[endpoint]())
    missing = sorted(set(rule.arguments) - set(URL_VALUES))
    assert not missing, f"add a value for the URL parameters {missing} to URL_VALUES"
    values = {name: URL_VALUES[name]() for name in rule.arguments}
    return app.url_map.bind("localhost").build(endpoint, values)


def _sign_in(client: FlaskClient, who: str) -> bool:
    if who == ANONYMOUS:
        return False
    roles = [] if who == Role.APPLICANT.value else [Role(who)]
    user = make_user(roles=roles)
    assert user.roles == {Role.APPLICANT, *roles}
    sign_in_as(client, user)
    return True


def _redirect_path(response: TestResponse) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def _check(response: TestResponse, expected: Outcome, url: str, *, posted: bool) -> None:
    status = response.status_code
    where = response.headers.get("Location")
    seen = f"got {status}" + (f" to {where}" if where else "")
    if expected is OK:
        assert status == 200, seen
    elif expected is LOGIN:
        assert status == 302 and _redirect_path(response) == "/sign-in", seen
        if not posted:  # a button's URL is no page to come back to
            query = parse_qs(urlsplit(where or "").query)
            assert query.get("next") == [url], f"sign-in would not come back to {url}: {where}"
    elif expected is HOME:
        assert status == 302 and _redirect_path(response) == "/dashboard", seen
    elif expected is OUT:
        assert status == 302 and _redirect_path(response) == "/signed-out", seen
    elif expected is DENY:
        assert status == 403, seen
    elif expected is LINK:
        assert status == 400, seen
        assert "This link is not valid" in response.get_data(as_text=True)
    elif expected is ENTRY:
        assert status == 302 and where == "/sign-in", seen
    elif expected is ACCT:
        assert status == 302 and _redirect_path(response) == "/account", seen
    elif expected is AWAY:
        target = urlsplit(where or "")
        assert status == 302 and target.netloc != "localhost" and target.path == "/auth", seen
    elif expected is SSO:
        assert status == 400, seen
        assert "Your sign-in could not be completed" in response.get_data(as_text=True)
    elif expected is JSON:
        assert status == 200 and response.mimetype == "application/json", seen
    elif expected is TOKEN:
        assert status == 401 and response.mimetype == "application/problem+json", seen
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), seen
    elif expected is OAUTH:
        assert status == 400 and response.mimetype == "application/problem+json", seen
        assert response.get_json()["error"] == "unsupported_grant_type", seen
    elif expected is ACT:
        assert status in {200, 302, 400}, seen
        assert status != 302 or _redirect_path(response) != "/sign-in", seen
    else:  # pragma: no cover
        raise AssertionError(f"no check for {expected}")


@pytest.mark.parametrize(("endpoint", "who"), CELLS, ids=[f"{e}-as-{w}" for e, w in CELLS])
def test_access(app, client, endpoint, who, request):
    expected = MATRIX[endpoint][COLUMNS.index(who)]
    if endpoint in NEEDS_PROVIDER:
        request.getfixturevalue("use_provider")()
    signed_in = _sign_in(client, who)
    url = _url(app, endpoint)
    if endpoint not in TRIED_WITH_POST:
        before = count(AuditEvent)
        response = client.get(url)
        assert count(AuditEvent) == before, f"GET {url} changed something"
    else:
        # A real token from a page this visitor can see, so the guard (not CSRF) answers.
        page = client.get("/account" if signed_in else "/sign-in")
        assert page.status_code == 200
        token = csrf_token(page.get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token})
    _check(response, expected, url, posted=endpoint in TRIED_WITH_POST)


def test_the_matrix_covers_every_endpoint(app):
    endpoints = set(_rules(app))
    assert endpoints - set(MATRIX) == set(), "add these endpoints to MATRIX"
    assert set(MATRIX) - endpoints == set(), "these endpoints are gone: remove them from MATRIX"


def test_the_matrix_has_a_column_for_anonymous_and_each_role():
    assert (ANONYMOUS, *(role.value for role in Role)) == COLUMNS
    short = [endpoint for endpoint, outcomes in MATRIX.items() if len(outcomes) != len(COLUMNS)]
    assert short == [], f"these rows do not have {len(COLUMNS)} columns"


def test_each_endpoint_is_tried_the_way_it_is_used(app):
    """GET where the endpoint shows a page; POST only where it is a button that refuses GET."""
    wrong = []
    for endpoint, rules in _rules(app).items():
        methods = set().union(*(rule.methods or () for rule in rules))
        if endpoint in TRIED_WITH_POST:
            if "GET" in methods or "POST" not in methods:
                wrong.append(f"{endpoint} is tried with POST but accepts {sorted(methods)}")
        elif "GET" not in methods:
            wrong.append(f"{endpoint} is tried with GET but accepts {sorted(methods)}")
    assert wrong == []
    assert set(MATRIX) >= TRIED_WITH_POST
