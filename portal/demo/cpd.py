"""Demo CPD records: a complete one (the demo reviewer), a partial one and an empty one; and a
CPD audit with one reviewer's record submitted and waiting for an assessor."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.applications import decisions, queries
from portal.applications.models import AccreditationRecord, Outcome
from portal.auth import services as accounts
from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.uploads import UploadStore
from portal.cpd import audit
from portal.cpd import queries as cpd_queries
from portal.cpd import services as cpd
from portal.cpd.models import ActivityType, CpdEntry, EntryStatus, FeedbackSource
from portal.cpd.rules import EntryData
from portal.demo.applications import _decided, _person
from portal.extensions import db
from portal.framework.models import Scheme
from portal.organisations.models import Organisation

EMPTY_REVIEWER = ("Ottilie Farquharson-Mbeki", "ottilie.farquharson-mbeki@demo.test")


def _activity(
    title: str,
    kind: str,
    on: date,
    competencies: tuple[str, ...],
    *,
    hours: float,
    participatory: float,
    learning: str,
    impact: str,
    peer: tuple[str, str, str] | None = None,
    provider: str | None = None,
) -> EntryData:
    return EntryData(
        activity_type=kind,
        title=title,
        description=f"{title}, recorded for the demonstration.",
        relevance="It bears directly on how I lead local child safeguarding practice reviews.",
        starts_on=on,
        ends_on=None,
        provider=provider,
        hours=int(hours * 4),
        participatory_hours=int(participatory * 4),
        competencies=competencies,
        learning=learning,
        impact=impact,
        peer_discussion=peer is not None,
        peer_name=peer[0] if peer else None,
        peer_role=peer[1] if peer else None,
        peer_learning=peer[2] if peer else None,
    )


def _log(
    user: User, record: AccreditationRecord, data: EntryData, *, complete: bool, today: date
) -> None:
    allowed = {c.code for c in cpd_queries.competencies_for(record)}
    chosen = tuple(c for c in data.competencies if c in allowed)
    cpd.save_entry(
        user,
        record,
        None,
        EntryData(**{**data.__dict__, "competencies": chosen}),
        complete=complete,
        confirmed_anonymous=False,
        allowed_competencies=allowed,
        version_id=None,
        today=today,
    )


def _record_of(user: User) -> AccreditationRecord | None:
    return cpd_queries.cpd_record_for(user.id)


def _empty_reviewer(password: str, store: UploadStore, today: date) -> None:
    """A third accredited reviewer, by the same path as the others, who has logged nothing."""
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == "cspr"))
    if scheme is None:
        return
    partnerships = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.region_code.is_not(None))
            .order_by(Organisation.code)
            .limit(6)
        )
    )
    name, email = EMPTY_REVIEWER
    accounts.create_confirmed_account(name=name, email=email, password=password)
    admin = _person("admin@demo.test")
    application = _decided(
        email,
        scheme,
        partnerships,
        store,
        today,
        admin,
        (_person("nadia.ferreira-hollis@demo.test"), _person("owen.castellane@demo.test")),
    )
    decisions.record_decision(
        admin,
        application,
        decisions.DecisionInput(Outcome.ACCREDIT, "Meets every competency.", level="reviewer"),
        queries.competencies(application.framework_id),
        today=today,
    )


def load_demo_cpd(password: str, store: UploadStore) -> int:
    """CPD for the accredited demo reviewers: the demo reviewer has met this year's
    requirements, their mentee has made a start, and a third reviewer has logged nothing.
    Returns the number of reviewers given a CPD record."""
    today = utcnow().date()
    reviewer = _person("reviewer@demo.test")
    record = _record_of(reviewer)
    if record is None:
        return 0
    _empty_reviewer(password, store, today)
    on = max(record.starts_on, today - timedelta(days=1))
    complete = [
        _activity(
            "Systems methods for case reviews: two-day course",
            "formal_course",
            on,
            ("SYS1", "SYS2", "BIAS1"),
            hours=12,
            participatory=10,
            provider="Invented Learning Partnership",
            learning="How to move from what happened to why it made sense to the people "
            "involved at the time, and how to name contributing factors.",
            impact="My next terms of reference ask why, not only what; practitioners I "
            "interview should feel less judged.",
        ),
        _activity(
            "Action learning set on race, poverty and structural factors",
            "action_learning",
            on,
            ("EEDI1", "EEDI2"),
            hours=3,
            participatory=3,
            learning="I had treated poverty as background rather than as a condition of "
            "practice that shapes what families can do.",
            impact="My analysis will ask how services responded to poverty and racism, and "
            "families will be asked about both.",
            peer=(
                "Invented Peer Reviewer",
                "Accredited lead reviewer",
                "To ask families directly about their experience of services, early on.",
            ),
        ),
        _activity(
            "Reading: involving children and families in reviews",
            "reading",
            on,
            ("FAM1", "FAM2"),
            hours=2.5,
            participatory=0,
            learning="Ways to hear the child's lived experience when the child cannot be "
            "asked, through the people who knew them.",
            impact="I will plan family involvement with the partnership before the first "
            "practitioner event.",
        ),
    ]
    for data in complete:
        _log(reviewer, record, data, complete=True, today=today)
    _log(
        reviewer,
        record,
        _activity(
            "Notes for a talk on recommendations that change systems",
            "teaching",
            on,
            ("REC2",),
            hours=1,
            participatory=0,
            learning="",
            impact="",
        ),
        complete=False,
        today=today,
    )
    cpd.record_feedback(
        reviewer,
        record,
        source=FeedbackSource.COMMISSIONER,
        received_on=on,
        summary="The partnership found the findings clear and the recommendations owned.",
        reflection="Agreeing owners for each recommendation before the report was drafted "
        "worked: I will keep doing it.",
        confirmed_anonymous=False,
        today=today,
    )
    made = 1

    mentee = db.session.scalar(sa.select(User).where(User.email == "yusra.pennington@demo.test"))
    mentee_record = _record_of(mentee) if mentee else None
    if mentee is not None and mentee_record is not None:
        _log(
            mentee,
            mentee_record,
            _activity(
                "Observing a practitioner learning event",
                "observing",
                max(mentee_record.starts_on, on),
                ("PRAC1", "PRAC2"),
                hours=4,
                participatory=4,
                learning="How a lead reviewer sets ground rules so that people speak freely.",
                impact="I will open my first event the same way, and check in with "
                "practitioners afterwards.",
            ),
            complete=True,
            today=today,
        )
        _log(
            mentee,
            mentee_record,
            EntryData(
                activity_type=None,
                title="Supervision with my mentor",
                description=None,
                relevance=None,
                starts_on=None,
                ends_on=None,
                provider=None,
                hours=None,
                participatory_hours=None,
                competencies=(),
                learning=None,
                impact=None,
                peer_discussion=None,
                peer_name=None,
                peer_role=None,
                peer_learning=None,
            ),
            complete=False,
            today=today,
        )
        made += 1
    db.session.flush()
    return made


def _past_activity(record: AccreditationRecord, on: date, title: str, peer: bool) -> CpdEntry:
    """An activity in a CPD year that has closed, as the reviewer logged it at the time."""
    codes = [c.code for c in cpd_queries.competencies_for(record)]
    entry = CpdEntry(
        record_id=record.id,
        user_id=record.user_id,
        status=EntryStatus.COMPLETED,
        activity_type=ActivityType.ACTION_LEARNING if peer else ActivityType.FORMAL_COURSE,
        title=title,
        description=f"{title}, recorded for the demonstration.",
        relevance="It bears directly on how I lead local child safeguarding practice reviews.",
        starts_on=on,
        provider=None if peer else "Invented Learning Partnership",
        hours_quarters=12 if peer else 28,
        participatory_quarters=12 if peer else 20,
        competency_codes=codes[:2] if peer else codes[2:4],
        learning="How to test my early hypotheses against what practitioners knew at the time.",
        impact="My reviews now explain the conditions of practice, not only the events.",
        peer_discussion=peer,
        peer_name="Invented Peer Reviewer" if peer else None,
        peer_role="Accredited lead reviewer" if peer else None,
        peer_learning="To bring families in before the first practitioner event." if peer else None,
        completed_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def load_demo_cpd_audit() -> int:
    """A CPD audit drawn by the demo administrator from a recorded seed (run once the register's
    reviewers, accredited more than a year ago, exist): the reviewer drawn has submitted their
    record, which waits for an assessor. Returns the number drawn."""
    today = today_in_england()
    scheme = db.session.scalar(sa.select(Scheme).where(Scheme.code == "cspr"))
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.test"))
    if scheme is None or admin is None:
        return 0
    try:
        cycle = audit.open_cycle(admin, scheme, percent=None, today=today, seed=20260401)
    except DomainError:
        return 0
    for selection in cycle.selections:
        start = selection.year_starts_on
        _past_activity(selection.record, start + timedelta(days=40), "Systems analysis day", False)
        _past_activity(
            selection.record, start + timedelta(days=120), "Peer reflection on family voice", True
        )
        db.session.flush()
        audit.submit_record(
            selection.user,
            selection,
            statement="My certificates are with the activities.",
            declared=True,
            today=today,
        )
    db.session.flush()
    return len(cycle.selections)
