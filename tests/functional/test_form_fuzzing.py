"""The main forms, fuzzed through the test client with Hypothesis: whatever is posted, the
answer is a page or a redirect, never a server error or a stack trace."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.core.permissions import Role
from tests.factories import make_application, make_record, make_user
from tests.support import csrf_token, sign_in_as

# Bounded so `make test` stays quick; each example is one request.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
) | st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e309",
        "99999999999999999999",
        "NaN",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\x00",
        "../../etc/passwd",
        "a" * 10_000,
        "%s%s%n",
        "{{ 7*7 }}",
    ]
)
values = text | st.lists(text, max_size=4)


def _check(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, response.status_code
    assert response.status_code in (200, 302, 400, 413, 429), response.status_code
    assert "Traceback" not in body
    assert 'File "' not in body


def _post(client, url: str, fields: dict[str, object]) -> None:
    page = client.get(url)
    assert page.status_code == 200, url
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    _check(client.post(url, data=data))


@pytest.fixture
def anonymous(client):
    return client


@FUZZ
@given(fields=st.fixed_dictionaries({"name": text, "email": text, "password": text}))
def test_sign_up_survives_anything(anonymous, fields):
    _post(anonymous, "/sign-up", fields | {"confirm_password": fields["password"]})


@FUZZ
@given(fields=st.fixed_dictionaries({"email": text, "password": text}))
def test_sign_in_survives_anything(anonymous, fields):
    _post(anonymous, "/sign-in", fields)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            "activity_type": text,
            "title": text,
            "description": text,
            "relevance": text,
            "starts_on": values,
            "ends_on": values,
            "provider": text,
            "hours": text,
            "participatory_hours": text,
            "competencies": values,
            "learning": text,
            "impact": text,
            "peer_discussion": text,
            "peer_name": text,
            "peer_role": text,
            "peer_learning": text,
            "confirm_anonymous": text,
            "complete": st.sampled_from(["Save as complete", ""]),
        }
    )
)
def test_a_cpd_activity_survives_anything(client, fields):
    if not getattr(client, "_fuzz_user", None):
        reviewer = make_user(roles=[Role.REVIEWER])
        make_record(user=reviewer)
        sign_in_as(client, reviewer)
        client._fuzz_user = reviewer
    _post(client, "/cpd/activities/new", fields)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            "regions": values,
            "specialisms": values,
            "methodologies": values,
            "languages": values,
            "biography": text,
        }
    )
)
def test_a_register_profile_survives_anything(client, fields):
    if not getattr(client, "_fuzz_user", None):
        reviewer = make_user(roles=[Role.REVIEWER])
        make_record(user=reviewer)
        sign_in_as(client, reviewer)
        client._fuzz_user = reviewer
    _post(client, "/register/my-entry/profile", fields)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            "full_name": text,
            "phone": text,
            "home_region_code": text,
            "registration_body": text,
            "registration_body_other": text,
            "registration_number": text,
        }
    )
)
def test_application_answers_survive_anything(client, fields):
    if not getattr(client, "_fuzz_application", None):
        application = make_application(complete=False)
        sign_in_as(client, application.applicant)
        client._fuzz_application = application.id
    base = f"/applications/{client._fuzz_application}"
    _post(client, f"{base}/personal-details", fields)
    _post(client, f"{base}/registration", fields)
