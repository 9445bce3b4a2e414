"""The register: entries and their audit, conflicts of interest, search and its edge cases,
and the public history's wording."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.applications.models import (
    AccreditationStatus,
    AccreditationStatusChange,
    DeclaredInterest,
    InterestKind,
)
from portal.core.audit import AuditEvent
from portal.core.errors import ConcurrentEdit, DomainError, NotPermitted
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations import services as organisations
from portal.organisations.models import OrganisationKind, PartnershipMember
from portal.register import queries, services
from portal.register.models import TermKind
from tests.factories import make_entry, make_organisation, make_record, make_user

TODAY = date(2026, 6, 15)
# Three years before TODAY: a connection that ended on this day still conflicts.
CUTOFF = date(2023, 6, 15)


def _reviewer(
    name: str | None = None, *, status: str = "accredited", with_entry: bool = True, **entry: object
):
    user = make_user(name=name, roles=[Role.REVIEWER])
    record = make_record(user=user, status=status)
    if with_entry:
        make_entry(user, **entry)  # type: ignore[arg-type]
    return user, record


def _declare(user, organisation, *, ended_on: date | None = None) -> None:
    record = queries.records_of(user.id)[0]
    db.session.add(
        DeclaredInterest(
            application_id=record.application_id,
            user_id=user.id,
            organisation_id=organisation.id,
            kind=InterestKind.COMMISSIONED,
            started_on=date(2019, 1, 1),
            ended_on=ended_on,
        )
    )
    db.session.commit()


def _find(partnership=None, **filters: object) -> queries.SearchResult:
    return queries.find_reviewers(
        queries.SearchFilters(**filters),  # type: ignore[arg-type]
        partnership_id=partnership.id if partnership else None,
        today=TODAY,
        page=1,
    )


def _names(result: queries.SearchResult) -> list[str]:
    return [row.name for row in result.page.rows]


# Entries


def test_saving_the_profile_audits_a_diff_of_the_public_fields():
    user, _ = _reviewer("Ines Invented", biography="First words.")
    entry = queries.entry_of(user.id)
    assert entry is not None
    services.save_profile(
        user,
        services.Profile(
            regions=("E12000003",),
            specialisms=("neglect", "online-harm"),
            methodologies=("systems-learning-together",),
            languages=("en",),
            biography="Better words.",
        ),
        version_id=entry.version_id,
    )
    db.session.commit()
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "register.profile_updated")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.changes == {
        "biography": ["First words.", "Better words."],
        "specialisms": [["neglect"], ["neglect", "online-harm"]],
    }


def test_saving_nothing_new_writes_no_audit_event_and_keeps_the_version():
    user, _ = _reviewer()
    entry = queries.entry_of(user.id)
    before = (entry.version_id, db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))
    services.save_profile(
        user,
        services.Profile(
            regions=tuple(entry.region_codes),
            specialisms=tuple(entry.codes(TermKind.SPECIALISM)),
            methodologies=tuple(entry.codes(TermKind.METHODOLOGY)),
            languages=tuple(entry.codes(TermKind.LANGUAGE)),
            biography=entry.biography,
        ),
        version_id=entry.version_id,
    )
    assert (entry.version_id, db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))) == before


def test_a_stale_edit_is_refused():
    user, _ = _reviewer()
    entry = queries.entry_of(user.id)
    seen = entry.version_id
    services.save_availability(
        user,
        services.Availability(date(2026, 9, 1), 2, "band-a", "anywhere"),
        version_id=seen,
    )
    db.session.commit()
    with pytest.raises(ConcurrentEdit):
        services.save_availability(
            user,
            services.Availability(date(2026, 10, 1), 3, "band-a", "anywhere"),
            version_id=seen,
        )


def test_only_people_with_an_accreditation_record_keep_an_entry():
    someone = make_user(roles=[Role.REVIEWER])
    with pytest.raises(NotPermitted):
        services.save_availability(
            someone, services.Availability(None, 1, None, None), version_id=None
        )


def test_unknown_codes_and_capacity_out_of_range_are_refused():
    user, _ = _reviewer()
    entry = queries.entry_of(user.id)
    with pytest.raises(DomainError) as raised:
        services.save_profile(
            user,
            services.Profile(("E12000003",), ("made-up",), (), ("en",), ""),
            version_id=entry.version_id,
        )
    assert raised.value.field == "specialisms"
    with pytest.raises(DomainError) as raised:
        services.save_availability(
            user, services.Availability(None, 7, None, None), version_id=entry.version_id
        )
    assert raised.value.field == "reviews_per_quarter"


# Conflicts of interest


def test_a_continuing_declaration_excludes_the_reviewer_and_says_so():
    partnership = make_organisation()
    _reviewer("Clara Clear")
    conflicted, _ = _reviewer("Conrad Conflicted")
    _declare(conflicted, partnership)

    result = _find(partnership)
    assert _names(result) == ["Clara Clear"]
    assert result.conflicted == 1
    assert result.conflict_organisations == [partnership.name]

    shown = _find(partnership, show_conflicts=True)
    assert _names(shown) == ["Clara Clear", "Conrad Conflicted"]
    flagged = {row.name: row.conflicts for row in shown.page.rows}
    assert flagged["Clara Clear"] == []
    assert flagged["Conrad Conflicted"] == [
        f"Declared {partnership.name}: carried out a review or audit for it, continuing"
    ]


def test_a_connection_that_ended_exactly_three_years_ago_still_conflicts_and_a_day_more_does_not():
    partnership = make_organisation()
    boundary, _ = _reviewer("Bea Boundary")
    _declare(boundary, partnership, ended_on=CUTOFF)
    older, _ = _reviewer("Olly Older")
    _declare(older, partnership, ended_on=date(2023, 6, 14))

    result = _find(partnership)
    assert _names(result) == ["Olly Older"]
    assert result.conflicted == 1


def test_a_partnership_merged_into_the_commissioners_counts_as_theirs():
    current = make_organisation(name="Invented Current Safeguarding Children Partnership")
    old = make_organisation(name="Invented Old Safeguarding Children Partnership")
    older = make_organisation(name="Invented Older Safeguarding Children Partnership")
    organisations.merge_organisations(None, older, old)
    organisations.merge_organisations(None, old, current)
    db.session.commit()
    reviewer, _ = _reviewer("Mona Merged")
    _declare(reviewer, older)

    result = _find(current)
    assert _names(result) == []
    assert result.conflicted == 1
    assert sorted(result.conflict_organisations) == sorted([current.name, old.name, older.name])


def test_a_renamed_partnership_still_matches_by_id():
    partnership = make_organisation(name="Invented Before Safeguarding Children Partnership")
    reviewer, _ = _reviewer("Rita Renamed")
    _declare(reviewer, partnership)
    organisations.rename_organisation(
        None, partnership, "Invented After Safeguarding Children Partnership"
    )
    db.session.commit()
    assert _find(partnership).conflicted == 1


def test_working_for_the_partnership_is_a_conflict():
    partnership = make_organisation()
    reviewer, _ = _reviewer("Will Works")
    reviewer.organisation_id = partnership.id
    db.session.commit()
    result = _find(partnership, show_conflicts=True)
    assert result.page.rows[0].conflicts == [f"Works for {partnership.name}"]


def test_a_declaration_of_another_partnership_is_no_conflict():
    mine, other = make_organisation(), make_organisation()
    reviewer, _ = _reviewer("Otto Other")
    _declare(reviewer, other)
    assert _names(_find(mine)) == ["Otto Other"]


# Search


def test_only_current_accreditations_are_found_by_partnerships():
    for status in ("accredited", "accredited_with_conditions", "provisional"):
        _reviewer(f"Current {status}", status=status)
    for status in ("suspended", "lapsed", "withdrawn"):
        _reviewer(f"Not {status}", status=status)
    assert sorted(_names(_find())) == [
        "Current accredited",
        "Current accredited_with_conditions",
        "Current provisional",
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        '"',
        '"unbalanced',
        "*",
        "NEAR(",
        "NEAR(neglect, 2)",
        "'; DROP TABLE users; --",
        "a AND OR NOT",
        "col:neglect",
        "^neglect",
        "!!!???",
        "%_%",
        "\x00",
        "x" * 10_000,
        "Zoë Ó Súilleabháin",
        "数据",
    ],
)
def test_odd_input_never_errors(typed):
    _reviewer("Zoë Ó Súilleabháin", biography="Neglect reviews.")
    result = _find(text=typed)
    assert result.page.total >= 0
    queries.public_search(text=typed, status="all", region="", page=1)


def test_full_text_search_reads_name_specialisms_methodologies_and_biography():
    _reviewer(
        "Zoë Ó Súilleabháin",
        specialisms=("infant-deaths",),
        methodologies=("silp",),
        biography="Former health visitor.",
    )
    _reviewer("Peter Plain", specialisms=("neglect",), biography="Police background.")
    for typed in ("Zoë", "súilleabháin", "Zoë Ó Súilleabháin", "infant deaths", "SILP", "visitor"):
        assert _names(_find(text=typed)) == ["Zoë Ó Súilleabháin"], typed
    assert _names(_find(text="police")) == ["Peter Plain"]
    assert _names(_find(text="neglect infant")) == []


def test_a_prefix_finds_the_word():
    _reviewer("Freya Fenwick", biography="Exploitation and trafficking.")
    assert _names(_find(text="traffick")) == ["Freya Fenwick"]


def test_more_relevant_reviewers_come_first():
    _reviewer("Alice Once", biography="Some neglect work.")
    _reviewer(
        "Bob Often",
        specialisms=("neglect",),
        biography="Neglect, neglect and more neglect: chronic neglect reviews.",
    )
    assert _names(_find(text="neglect")) == ["Bob Often", "Alice Once"]


def test_filters_combine():
    _reviewer(
        "Fiona Fit",
        regions=("E12000003", "E12000007"),
        specialisms=("neglect", "online-harm"),
        methodologies=("silp",),
        languages=("en", "cy"),
        available_from=date(2026, 7, 1),
        reviews_per_quarter=2,
    )
    _reviewer(
        "Gary Gap",
        regions=("E12000007",),
        specialisms=("neglect",),
        methodologies=("appreciative-inquiry",),
        available_from=date(2026, 12, 1),
        reviews_per_quarter=0,
    )
    assert _names(_find(region="E12000003")) == ["Fiona Fit"]
    assert _names(_find(specialisms=("neglect",))) == ["Fiona Fit", "Gary Gap"]
    assert _names(_find(specialisms=("neglect", "online-harm"))) == ["Fiona Fit"]
    assert _names(_find(methodologies=("silp", "appreciative-inquiry"))) == [
        "Fiona Fit",
        "Gary Gap",
    ]
    assert _names(_find(languages=("cy",))) == ["Fiona Fit"]
    assert _names(_find(available_by=date(2026, 7, 1))) == ["Fiona Fit"]
    assert _names(_find(capacity=True)) == ["Fiona Fit"]
    assert _names(_find(level="reviewer")) == ["Fiona Fit", "Gary Gap"]
    assert _names(_find(level="lead_reviewer")) == []


def test_sorting_by_availability_puts_the_soonest_first_and_unknown_last():
    _reviewer("Ann Later", available_from=date(2026, 9, 1))
    _reviewer("Ben Sooner", available_from=date(2026, 7, 1))
    _reviewer("Cat Unknown", available_from=None)
    _reviewer("Dan Noentry", with_entry=False)
    assert _names(_find(sort="availability")) == [
        "Ben Sooner",
        "Ann Later",
        "Cat Unknown",
        "Dan Noentry",
    ]


def test_results_are_paginated_with_the_total():
    for n in range(5):
        _reviewer(f"Page Person {n}")
    first = queries.find_reviewers(
        queries.SearchFilters(), partnership_id=None, today=TODAY, page=1, per_page=2
    )
    last = queries.find_reviewers(
        queries.SearchFilters(), partnership_id=None, today=TODAY, page=9, per_page=2
    )
    assert (first.page.total, first.page.pages, len(first.page.rows)) == (5, 3, 2)
    assert (last.page.number, len(last.page.rows)) == (3, 1)
    assert _names(first) == ["Page Person 0", "Page Person 1"]


def test_a_renamed_reviewer_is_found_by_the_new_name_after_reindexing():
    user, _ = _reviewer("Olga Oldname")
    user.name = "Nora Newname"
    db.session.commit()
    assert _names(_find(text="Newname")) == ["Nora Newname"]  # by name, without the index
    services.rebuild_search_index()
    assert queries.entry_of(user.id).search_text.startswith("Nora Newname")


# The public register


def test_the_public_register_finds_by_name_or_number_and_filters_by_status_and_region():
    _, shown = _reviewer("Hana Hopewell", regions=("E12000007",))
    _, suspended = _reviewer("Ivo Ironside", status="suspended")

    def numbers(**kwargs: object) -> list[str]:
        defaults: dict[str, object] = {"text": "", "status": "all", "region": "", "page": 1}
        page = queries.public_search(**{**defaults, **kwargs})  # type: ignore[arg-type]
        return [row.number for row in page.rows]

    assert numbers(text="hopewell") == [shown.number]
    assert numbers(text="Hana HOPEWELL") == [shown.number]
    assert numbers(text=shown.number.lower()) == [shown.number]
    assert numbers(status="suspended") == [suspended.number]
    assert shown.number in numbers(status="current")
    assert suspended.number not in numbers(status="current")
    assert numbers(region="E12000007") == [shown.number]


def test_the_public_history_is_phrased_plainly():
    _, record = _reviewer("Hal History")
    first = record.history[0]
    first.occurred_at = datetime(2025, 1, 6, 10, tzinfo=UTC)

    def change(source: str, target: str, when: datetime) -> None:
        db.session.add(
            AccreditationStatusChange(
                record=record,
                from_status=AccreditationStatus(source),
                to_status=AccreditationStatus(target),
                reason="Invented",
                occurred_at=when,
            )
        )

    change("accredited", "suspended", datetime(2026, 3, 3, 9, tzinfo=UTC))
    change("suspended", "accredited", datetime(2026, 4, 10, 9, tzinfo=UTC))
    change("accredited", "accredited", datetime(2026, 5, 1, 9, tzinfo=UTC))
    db.session.commit()
    db.session.expire_all()

    found = queries.public_entry(record.number.lower())
    assert found is not None
    assert [period.wording for period in found.history] == [
        "Accredited since 10 April 2026",
        "Suspended from 3 March 2026 to 10 April 2026",
        "Accredited from 6 January 2025 to 3 March 2026",
    ]


def test_an_unknown_or_silly_number_is_not_found():
    assert queries.public_entry("CSPR-1999-99999") is None
    assert queries.public_entry("x" * 500) is None
    assert queries.public_entry("") is None


# Agencies involved in a case, and the pre-check


def test_agencies_added_to_a_search_exclude_reviewers_who_declared_them_within_three_years():
    partnership = make_organisation()
    school = make_organisation(name="Invented Academy Trust")
    police = make_organisation(name="Invented Police Force Area")
    declared, _ = _reviewer("Declared School")
    _declare(declared, school, ended_on=CUTOFF)  # ended exactly three years ago: conflicts
    older, _ = _reviewer("Older Link")
    _declare(older, police, ended_on=date(2023, 6, 14))  # a day before: no longer
    _reviewer("Clear Person")
    plain = _names(_find(partnership))
    assert {"Declared School", "Older Link", "Clear Person"} <= set(plain)
    result = _find(partnership, agencies=(school.id, police.id))
    names = _names(result)
    assert "Declared School" not in names
    assert {"Older Link", "Clear Person"} <= set(names)
    assert result.conflicted == 1
    assert "Invented Academy Trust" in result.conflict_organisations
    shown = _find(partnership, agencies=(school.id,), show_conflicts=True)
    row = next(r for r in shown.page.rows if r.name == "Declared School")
    assert row.conflicts == [
        "Declared Invented Academy Trust: carried out a review or audit for it, until 15 June 2023"
    ]


def test_an_agency_merged_into_another_still_counts():
    old_trust = make_organisation(name="Old Invented Trust")
    new_trust = make_organisation(name="New Invented Trust")
    admin = make_user(roles=[Role.ADMINISTRATOR])
    organisations.merge_organisations(admin, old_trust, new_trust)
    db.session.commit()
    linked, _ = _reviewer("Linked To Old")
    _declare(linked, old_trust)
    assert "Linked To Old" not in _names(_find(agencies=(new_trust.id,)))


def test_the_pre_check_lists_each_conflict_with_its_dates_or_says_none():
    partnership = make_organisation(name="Invented Partnership")
    trust = make_organisation(name="Invented Hospital Trust")
    person, record = _reviewer("Pre Checked")
    _declare(person, trust, ended_on=date(2024, 3, 31))
    found = queries.pre_check(
        record.number.lower(), partnership_id=partnership.id, agencies=[trust.id], today=TODAY
    )
    assert found is not None
    assert [(line.organisation, line.dates) for line in found.conflicts] == [
        ("Invented Hospital Trust", "from 1 January 2019 to 31 March 2024")
    ]
    assert found.checked == ["Invented Partnership", "Invented Hospital Trust"]
    none = queries.pre_check(record.number, partnership_id=partnership.id, agencies=[], today=TODAY)
    assert none is not None and none.conflicts == []
    assert queries.pre_check("CSPR-1999-0", partnership_id=None, agencies=[], today=TODAY) is None


# Member agencies: a partnership's statutory partners and the agencies that work with it


def _partnership_with_partners(name: str = "Invented Shire"):
    partnership = make_organisation(name=f"{name} Safeguarding Children Partnership")
    council = make_organisation(name=f"{name} Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    icb = make_organisation(name=f"NHS {name} Integrated Care Board", kind=OrganisationKind.ICB)
    police = make_organisation(name=f"{name} Police", kind=OrganisationKind.POLICE)
    for agency in (council, icb, police):
        db.session.add(
            PartnershipMember(partnership_id=partnership.id, agency_id=agency.id, statutory=True)
        )
    db.session.commit()
    return partnership, council, icb, police


def test_a_reviewer_who_declared_a_statutory_partner_is_left_out_and_the_note_says_why():
    partnership, council, _icb, police = _partnership_with_partners()
    _reviewer("Clara Clear")
    declared, _ = _reviewer("Pete Police")
    _declare(declared, police, ended_on=CUTOFF)
    employed, _ = _reviewer("Cora Council")
    employed.organisation_id = council.id
    db.session.commit()

    result = _find(partnership)
    assert _names(result) == ["Clara Clear"]
    assert result.conflicted == 2
    partner = "statutory partner of Invented Shire Safeguarding Children Partnership"
    assert result.exclusions == [
        f"1 reviewer works for Invented Shire Council ({partner})",
        f"1 reviewer declared Invented Shire Police ({partner}) within the last 3 years",
    ]
    assert result.conflict_organisations == [
        partnership.name,
        "Invented Shire Council",
        "Invented Shire Police",
        "NHS Invented Shire Integrated Care Board",
    ]
    shown = _find(partnership, show_conflicts=True)
    flagged = {row.name: row.conflicts for row in shown.page.rows}
    assert flagged["Pete Police"] == [
        f"Declared Invented Shire Police ({partner}): carried out a review or audit for it, "
        "until 15 June 2023"
    ]
    assert flagged["Cora Council"] == [f"Works for Invented Shire Council ({partner})"]
    assert shown.exclusions == []


def test_a_member_agency_declaration_ended_three_years_ago_today_conflicts_a_day_earlier_not():
    partnership, _council, icb, _police = _partnership_with_partners()
    boundary, _ = _reviewer("Bea Boundary")
    _declare(boundary, icb, ended_on=CUTOFF)
    older, _ = _reviewer("Olly Older")
    _declare(older, icb, ended_on=date(2023, 6, 14))
    result = _find(partnership)
    assert _names(result) == ["Olly Older"]
    assert result.conflicted == 1
    # The same rule in the pre-check, on the same day.
    assert queries.pre_check(
        queries.records_of(boundary.id)[0].number,
        partnership_id=partnership.id,
        agencies=[],
        today=TODAY,
    ).conflicts
    assert not queries.pre_check(
        queries.records_of(older.id)[0].number,
        partnership_id=partnership.id,
        agencies=[],
        today=TODAY,
    ).conflicts


def test_an_agency_an_administrator_linked_to_the_partnership_counts_too():
    partnership, *_ = _partnership_with_partners()
    school = organisations.add_agency(
        None,
        name="Invented Academy Trust",
        kind=OrganisationKind.SCHOOL,
        partnership_ids=[partnership.id],
    )
    db.session.commit()
    teacher, _ = _reviewer("Tess Trust")
    _declare(teacher, school)
    result = _find(partnership)
    assert result.conflicted == 1
    assert result.exclusions == [
        "1 reviewer declared Invented Academy Trust (member agency of Invented Shire "
        "Safeguarding Children Partnership) within the last 3 years"
    ]
    # Another partnership's agencies are no conflict.
    other, *_ = _partnership_with_partners("Invented Dale")
    assert _find(other).conflicted == 0


def test_a_member_agency_merged_into_another_still_conflicts_both_ways():
    partnership, _council, _icb, police = _partnership_with_partners()
    successor = make_organisation(name="Invented Joint Police", kind=OrganisationKind.POLICE)
    absorbed = make_organisation(name="Invented Absorbed Police", kind=OrganisationKind.POLICE)
    # The partnership's force merges into a new one, which had absorbed another before.
    organisations.merge_organisations(None, absorbed, successor)
    organisations.merge_organisations(None, police, successor)
    db.session.commit()
    for name, org in (
        ("Old Force Person", police),
        ("New Force Person", successor),
        ("Absorbed Force Person", absorbed),
    ):
        person, _ = _reviewer(name)
        _declare(person, org)
    _reviewer("Clear Person")
    result = _find(partnership)
    assert _names(result) == ["Clear Person"]
    assert result.conflicted == 3
    assert {"Invented Joint Police", "Invented Absorbed Police", "Invented Shire Police"} <= set(
        result.conflict_organisations
    )


def test_a_renamed_partnership_and_a_renamed_member_agency_still_conflict():
    partnership, _council, _icb, police = _partnership_with_partners()
    person, _ = _reviewer("Rita Renamed")
    _declare(person, police)
    organisations.rename_organisation(None, partnership, "Invented Renamed Children's Partnership")
    organisations.rename_organisation(None, police, "Invented Renamed Constabulary")
    db.session.commit()
    result = _find(partnership)
    assert result.conflicted == 1
    assert result.exclusions == [
        "1 reviewer declared Invented Renamed Constabulary (statutory partner of Invented "
        "Renamed Children's Partnership) within the last 3 years"
    ]


def test_a_partnership_merged_into_the_commissioners_brings_its_member_agencies():
    current, *_ = _partnership_with_partners("Invented Current")
    old, _council, _icb, old_police = _partnership_with_partners("Invented Old")
    organisations.merge_organisations(None, old, current)
    db.session.commit()
    person, _ = _reviewer("Old Police Person")
    _declare(person, old_police)
    result = _find(current)
    assert result.conflicted == 1
    assert "statutory partner of Invented Current" in result.exclusions[0]


@pytest.mark.parametrize("kind", [kind for kind in OrganisationKind if kind.is_agency])
def test_a_case_agency_of_each_kind_excludes_those_who_declared_it(kind):
    partnership, *_ = _partnership_with_partners()
    agency = make_organisation(name=f"Invented {kind.label}", kind=kind)
    linked, _ = _reviewer("Linked Person")
    _declare(linked, agency)
    _reviewer("Clear Person")
    assert _names(_find(partnership)) == ["Clear Person", "Linked Person"]
    result = _find(partnership, agencies=(agency.id,))
    assert _names(result) == ["Clear Person"]
    assert result.exclusions == [
        f"1 reviewer declared Invented {kind.label} within the last 3 years"
    ]


def test_the_pre_check_names_the_member_agency_and_how_it_counts():
    partnership, _council, icb, _police = _partnership_with_partners()
    person, record = _reviewer("Pre Checked")
    _declare(person, icb, ended_on=date(2024, 3, 31))
    found = queries.pre_check(
        record.number, partnership_id=partnership.id, agencies=[], today=TODAY
    )
    assert found is not None
    partner = "statutory partner of Invented Shire Safeguarding Children Partnership"
    assert [(line.organisation, line.link, line.dates) for line in found.conflicts] == [
        (
            "NHS Invented Shire Integrated Care Board",
            partner,
            "from 1 January 2019 to 31 March 2024",
        )
    ]
    assert found.checked == [
        partnership.name,
        f"Invented Shire Council ({partner})",
        f"Invented Shire Police ({partner})",
        f"NHS Invented Shire Integrated Care Board ({partner})",
    ]


def test_the_conflict_scope_takes_a_fixed_number_of_queries():
    from tests.functional.test_query_counts import counting

    small, *_ = _partnership_with_partners("Invented Small")
    with counting() as few:
        queries.conflict_scope(small.id)
    big, *_ = _partnership_with_partners("Invented Big")
    for n in range(30):
        agency = make_organisation(name=f"Invented Provider {n}", kind=OrganisationKind.HEALTH_CARE)
        db.session.add(PartnershipMember(partnership_id=big.id, agency_id=agency.id))
        if n % 3 == 0:
            target = make_organisation(
                name=f"Invented Successor {n}", kind=OrganisationKind.HEALTH_CARE
            )
            organisations.merge_organisations(None, agency, target)
    db.session.commit()
    with counting() as many:
        scope = queries.conflict_scope(big.id)
    assert len(scope.names) == 1 + 3 + 30 + 10
    assert len(many) == len(few) + 1  # the names of the organisations members merged into
