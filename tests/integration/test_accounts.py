import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app

from portal.auth import services
from portal.auth.models import RoleGrant, User
from portal.auth.passwords import needs_rehash, verify_password
from portal.auth.sessions import open_sessions, start_session
from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.core.errors import DomainError, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations.models import OrganisationKind
from tests.factories import DEFAULT_PASSWORD, count, make_organisation, make_user
from tests.support import link_in


def _token_from_outbox(to: str) -> str:
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text)
        .where(OutboxMessage.to_address == to)
        .order_by(OutboxMessage.id.desc())
    )
    return link_in(body).rsplit("/", 1)[1]


def test_register_account_normalises_email_and_name():
    result = services.register_account(
        name="  Ines   Falconbridge ", email=" Ines@Example.TEST ", password="kettle orbit lantern"
    )
    assert result.user.email == "ines@example.test"
    assert result.user.name == "Ines Falconbridge"
    assert result.user.password_hash.startswith("$argon2id$")


def test_register_account_refuses_a_weak_password_beside_the_field():
    with pytest.raises(DomainError) as caught:
        services.register_account(name="A Person", email="a@example.test", password="password123")
    assert caught.value.field == "password"
    assert count(User) == 0


def test_confirmation_link_confirms_once_and_is_audited():
    user = services.register_account(
        name="A Person", email="a@example.test", password="kettle orbit lantern"
    ).user
    token = _token_from_outbox("a@example.test")
    services.confirm_email(token)
    services.confirm_email(token)  # harmless twice
    assert user.email_confirmed
    assert count(AuditEvent, AuditEvent.action == "account.email_confirmed") == 1


def test_tampered_confirmation_link_is_refused():
    services.register_account(
        name="A Person", email="a@example.test", password="kettle orbit lantern"
    )
    token = _token_from_outbox("a@example.test")
    with pytest.raises(services.LinkProblem) as caught:
        services.confirm_email(token[:-2] + "xx")
    assert not caught.value.expired


def test_expired_confirmation_link_says_it_expired():
    services.register_account(
        name="A Person", email="a@example.test", password="kettle orbit lantern"
    )
    token = _token_from_outbox("a@example.test")
    current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] = -1
    try:
        with pytest.raises(services.LinkProblem) as caught:
            services.confirm_email(token)
    finally:
        current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] = 60 * 60 * 24
    assert caught.value.expired


def test_authenticate_gives_one_message_for_wrong_email_and_wrong_password():
    make_user(email="known@example.test")
    with pytest.raises(services.AuthenticationFailed) as wrong_password:
        services.authenticate(email="known@example.test", password="not the password")
    with pytest.raises(services.AuthenticationFailed) as wrong_email:
        services.authenticate(email="unknown@example.test", password=DEFAULT_PASSWORD)
    assert wrong_password.value.message == wrong_email.value.message


def test_authenticate_refuses_an_unconfirmed_account():
    make_user(email="new@example.test", confirmed=False)
    with pytest.raises(services.EmailNotConfirmed):
        services.authenticate(email="new@example.test", password=DEFAULT_PASSWORD)


def test_authenticate_refuses_a_deactivated_account():
    user = make_user(email="gone@example.test")
    user.active = False
    with pytest.raises(services.AuthenticationFailed):
        services.authenticate(email="gone@example.test", password=DEFAULT_PASSWORD)


def test_successful_sign_in_is_recorded():
    user = make_user(email="known@example.test")
    services.authenticate(email="KNOWN@example.test", password=DEFAULT_PASSWORD)
    assert user.last_signed_in_at is not None
    assert count(AuditEvent, AuditEvent.action == "auth.signed_in") == 1


def test_password_reset_link_works_once_and_ends_every_session():
    user = make_user(email="known@example.test")
    other = make_user()
    for person in (user, user, other):
        start_session(person, browser="Firefox on Linux")
    services.request_password_reset("known@example.test")
    token = _token_from_outbox("known@example.test")
    services.reset_password(token, "a brand new passphrase")
    assert [s.user_id for s in open_sessions(user)] == []
    assert len(open_sessions(other)) == 1
    services.authenticate(email="known@example.test", password="a brand new passphrase")
    with pytest.raises(services.LinkProblem):
        services.reset_password(token, "another new passphrase")


def test_a_hash_made_with_other_argon2_parameters_is_replaced_at_sign_in():
    user = make_user(email="known@example.test")
    # Cheaper parameters than ours, so the test stays quick; any difference counts.
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash(DEFAULT_PASSWORD)
    db.session.commit()
    assert needs_rehash(user.password_hash)
    services.authenticate(email="known@example.test", password=DEFAULT_PASSWORD)
    assert "$m=19456,t=2,p=1$" in user.password_hash
    assert not needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_password_reset_for_unknown_email_sends_nothing():
    services.request_password_reset("nobody@example.test")
    assert count(OutboxMessage) == 0


def test_administrator_grants_a_role_with_audit_and_email():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    target = make_user()
    services.grant_role(admin, target, Role.ASSESSOR)
    assert Role.ASSESSOR in target.roles
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "role.granted"))
    assert event.actor_id == admin.id
    assert event.subject_id == str(target.id)
    assert count(OutboxMessage, OutboxMessage.to_address == target.email) == 1


def test_no_one_can_grant_themselves_a_role():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    with pytest.raises(NotPermitted):
        services.grant_role(admin, admin, Role.ASSESSOR)


def test_only_administrators_grant_roles():
    assessor = make_user(roles=[Role.ASSESSOR])
    target = make_user()
    with pytest.raises(NotPermitted):
        services.grant_role(assessor, target, Role.REVIEWER)


def test_a_role_is_not_granted_twice():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    target = make_user(roles=[Role.ANALYST])
    with pytest.raises(DomainError):
        services.grant_role(admin, target, Role.ANALYST)


def test_commissioner_needs_a_partnership():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    target = make_user()
    government = make_organisation(kind=OrganisationKind.GOVERNMENT, name="Invented Ministry")
    with pytest.raises(DomainError) as caught:
        services.grant_role(admin, target, Role.COMMISSIONER)
    assert caught.value.field == "organisation"
    with pytest.raises(DomainError):
        services.grant_role(admin, target, Role.COMMISSIONER, organisation=government)
    partnership = make_organisation()
    services.grant_role(admin, target, Role.COMMISSIONER, organisation=partnership)
    assert target.organisation == partnership


def test_revoking_keeps_the_grant_as_history():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    target = make_user(roles=[Role.REVIEWER])
    services.revoke_role(admin, target, Role.REVIEWER)
    assert Role.REVIEWER not in target.roles
    grant = db.session.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == target.id))
    assert grant.revoked_at is not None
    assert grant.revoked_by == admin
    services.grant_role(admin, target, Role.REVIEWER)  # may be given again
    assert count(RoleGrant, RoleGrant.user_id == target.id) == 2


def test_the_database_refuses_two_live_grants_of_one_role():
    target = make_user(roles=[Role.ANALYST])
    db.session.add(RoleGrant(user=target, role=Role.ANALYST))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_commissioner_must_stay_in_a_partnership():
    admin = make_user(roles=[Role.ADMINISTRATOR])
    commissioner = make_user(roles=[Role.COMMISSIONER])
    with pytest.raises(DomainError):
        services.set_organisation(admin, commissioner, None)
