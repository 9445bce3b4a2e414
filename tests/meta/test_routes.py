"""Every route is guarded, its URL parameters are typed, and actions are never reachable by GET."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing import Rule

from portal.core.permissions import ACCESS_ATTRIBUTE

# Nothing here touches the database.
pytestmark = pytest.mark.no_db

# A URL parameter with an explicit converter: <int:id>, <uuid:ref>, <string(length=2):code>.
TYPED_PARAMETER = re.compile(r"^[a-z_]+(\(.*\))?:[A-Za-z_][A-Za-z0-9_]*$")

# The rule for "no GET changes state", kept simple: an endpoint whose name says it acts
# (endpoints are feature.verb_noun, and the verb is one of these) either refuses GET
# altogether, or accepts GET *and* POST, where GET only shows the form (or a confirmation
# button) and POST acts.
# A GET-only endpoint named like an action is a write on GET waiting to happen.
ACTION_NAME = re.compile(
    r"^(grant|revoke|merge|rename|set|reset|confirm|delete|remove|approve|reject|withdraw|"
    r"sign_out)(_|$)"
)

# Buttons, not pages: these act on POST and have nothing to show on GET.
POST_ONLY = {
    "auth.sign_out",
    "admin.grant_role",
    "admin.revoke_role",
    "admin.set_organisation",
}


def _rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _function_name(endpoint: str) -> str:
    return endpoint.rpartition(".")[2]


def test_every_endpoint_has_an_access_rule(app):
    unguarded = sorted(
        rule.endpoint
        for rule in _rules(app)
        if not getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE, None)
    )
    assert unguarded == [], (
        "these endpoints carry none of @public, @require_sign_in, @require_permission: "
        + ", ".join(unguarded)
    )


def test_every_url_parameter_has_an_explicit_converter(app):
    untyped = sorted(
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for parameter in re.findall(r"<([^>]*)>", rule.rule)
        if not TYPED_PARAMETER.match(parameter)
    )
    assert untyped == [], "untyped URL parameters (use <int:...>, <uuid:...>): " + ", ".join(
        untyped
    )


def test_the_parameter_check_tells_typed_from_untyped():
    assert TYPED_PARAMETER.match("int:user_id")
    assert TYPED_PARAMETER.match("string(length=2):code")
    assert not TYPED_PARAMETER.match("user_id")


def test_sign_out_accepts_only_post(app):
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == "auth.sign_out"]
    assert rule.methods is not None
    assert rule.methods - {"OPTIONS"} == {"POST"}


@pytest.mark.parametrize("endpoint", sorted(POST_ONLY))
def test_action_buttons_refuse_get(app, endpoint):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    assert rules, f"{endpoint} is gone: update POST_ONLY"
    for rule in rules:
        assert rule.methods is not None
        assert "GET" not in rule.methods, f"{endpoint} ({rule.rule}) accepts GET"
        assert "POST" in rule.methods


def test_endpoints_named_like_actions_do_not_act_on_get(app):
    offenders = sorted(
        f"{rule.endpoint} {sorted(rule.methods or ())}"
        for rule in _rules(app)
        if ACTION_NAME.search(_function_name(rule.endpoint))
        and "GET" in (rule.methods or ())
        and "POST" not in (rule.methods or ())
    )
    assert offenders == [], (
        "these endpoints are named like actions but are GET-only; make the action a POST "
        "(GET may only show its form): " + ", ".join(offenders)
    )


def test_the_action_name_rule_sees_the_actions_it_is_meant_to():
    for name in ("grant_role", "revoke_role", "merge_organisation", "sign_out", "set_organisation"):
        assert ACTION_NAME.search(name), name
    for name in ("show_user", "list_organisations", "signed_out", "check_email_reset", "dashboard"):
        assert not ACTION_NAME.search(name), name
