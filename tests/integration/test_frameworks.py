import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.errors import DomainError, InvalidTransition
from portal.extensions import db
from portal.framework import services
from portal.framework.models import Competency, FrameworkStatus, FrameworkVersion
from portal.framework.schema import parse_framework, parse_scheme
from tests.factories import count
from tests.frameworks import framework_document, scheme_document


def _load(version="1.0", **changes):
    services.load_scheme(None, parse_scheme(scheme_document()))
    return services.load_framework(
        None, parse_framework(framework_document(version=version, **changes))
    )


def test_loading_stores_a_draft_with_its_competencies_in_order():
    loaded = _load()
    assert loaded.created
    framework = loaded.framework
    assert framework.status is FrameworkStatus.DRAFT
    codes = db.session.scalars(
        sa.select(Competency.code)
        .where(Competency.framework_id == framework.id)
        .order_by(Competency.position)
    ).all()
    assert codes == ["AB1", "AB2", "CD1"]
    assert [d.code for d in framework.domains] == ["AB", "CD"]
    assert count(AuditEvent, AuditEvent.action == "framework.loaded") == 1


def test_loading_the_same_version_again_changes_nothing():
    first = _load()
    again = _load()
    assert not again.created
    assert again.framework.id == first.framework.id
    assert count(FrameworkVersion) == 1


def test_a_version_number_is_never_reused_for_different_content():
    _load()
    with pytest.raises(DomainError) as caught:
        _load(title="Quietly changed")
    assert "new version number" in caught.value.message


def test_a_framework_needs_its_scheme():
    with pytest.raises(DomainError):
        services.load_framework(None, parse_framework(framework_document(scheme="nope")))


def test_publishing_retires_the_version_in_use_and_keeps_it():
    first = _load("1.0").framework
    services.publish_framework(None, first)
    second = _load("1.1").framework
    replaced = services.publish_framework(None, second)
    assert replaced == first
    assert first.status is FrameworkStatus.RETIRED
    assert second.status is FrameworkStatus.PUBLISHED
    assert count(Competency, Competency.framework_id == first.id) == 3  # still readable
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("framework.published") == 2
    assert actions.count("framework.retired") == 1


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (FrameworkStatus.PUBLISHED, "publish"),
        (FrameworkStatus.RETIRED, "publish"),
        (FrameworkStatus.RETIRED, "retire"),
    ],
)
def test_forbidden_transitions_are_refused(start, action):
    framework = _load().framework
    framework.status = start
    db.session.flush()
    move = services.publish_framework if action == "publish" else services.retire_framework
    with pytest.raises(InvalidTransition):
        move(None, framework)
    assert framework.status is start


@pytest.mark.parametrize("start", [FrameworkStatus.DRAFT, FrameworkStatus.PUBLISHED])
def test_drafts_and_versions_in_use_can_be_retired(start):
    framework = _load().framework
    if start is FrameworkStatus.PUBLISHED:
        services.publish_framework(None, framework)
    services.retire_framework(None, framework)
    assert framework.status is FrameworkStatus.RETIRED
    assert framework.retired_at is not None


def test_the_database_allows_one_version_in_use_per_scheme():
    first = _load("1.0").framework
    second = _load("1.1").framework
    services.publish_framework(None, first)
    second.status = FrameworkStatus.PUBLISHED
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_scheme_settings_are_updated_from_the_file_and_audited():
    services.load_scheme(None, parse_scheme(scheme_document()))
    scheme = services.load_scheme(None, parse_scheme(scheme_document(accreditation_term_years=5)))
    assert scheme.settings["accreditation_term_years"] == 5
    assert count(AuditEvent, AuditEvent.action == "scheme.updated") == 1
    services.load_scheme(None, parse_scheme(scheme_document(accreditation_term_years=5)))
    assert count(AuditEvent, AuditEvent.action == "scheme.updated") == 1
