"""Register pages: the public register and its verification pages, a reviewer's own entry,
and partnerships' search for a reviewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.core.dates import today_in_england
from portal.core.forms import commit_or_show_error
from portal.core.permissions import Permission, public, require_permission
from portal.core.rate_limits import counters_unavailable
from portal.extensions import db, limiter
from portal.organisations import queries as organisation_queries
from portal.register import bp, commissioning_queries, policies, queries, services
from portal.register.forms import (
    AvailabilityForm,
    FindReviewerForm,
    ProfileForm,
    PublicSearchForm,
)
from portal.register.models import TermKind
from portal.register.reference import current as reference

View = str | Response | tuple[str, int]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


def _region_names() -> dict[str, str]:
    return {r.code: r.name for r in organisation_queries.regions()}


# The public register


def _search_limit() -> str:
    return str(current_app.config["REGISTER_SEARCH_ADDRESS_LIMIT"])


def _address_key() -> str:
    return "register-search-address:" + (request.remote_addr or "unknown")


@bp.route("")
@public
@limiter.limit(
    _search_limit,
    key_func=_address_key,
    scope="register-search",
    exempt_when=counters_unavailable,
)
def search_register() -> View:
    form = PublicSearchForm(request.args)
    regions = _region_names()
    form.status.choices = list(queries.STATUS_FILTER_LABELS.items())
    form.region.choices = [("", "All regions"), *regions.items()]
    status = form.status.data if form.status.data in queries.STATUS_FILTERS else "all"
    region = form.region.data if form.region.data in regions else ""
    form.status.data, form.region.data = status, region
    searched = any(request.args.get(key) for key in ("q", "status", "region"))
    page = queries.public_search(
        text=form.q.data or "", status=status, region=region, page=_page_number()
    )
    return render_template(
        "register/search_register.html",
        form=form,
        page=page,
        searched=searched,
        regions=regions,
        levels=queries.level_names(),
        page_url=_page_url("register.search_register"),
    )


@bp.route("/<string:number>")
@public
def show_entry(number: str) -> View:
    found = queries.public_entry(number)
    if found is None:
        return render_template("register/entry_not_found.html", number=number[:64]), 404
    return render_template(
        "register/show_entry.html",
        found=found,
        regions=_region_names(),
        reference=reference(),
        kinds=TermKind,
    )


# A reviewer's own entry


def _own_records() -> list[Any]:
    records = queries.records_of(current_user.id)
    return records if policies.can_keep_entry(current_user, records) else []


@bp.route("/my-entry")
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def show_my_entry() -> View:
    records = _own_records()
    entry = queries.entry_of(current_user.id) if records else None
    return render_template(
        "register/show_my_entry.html",
        records=records,
        entry=entry,
        regions=_region_names(),
        reference=reference(),
        kinds=TermKind,
        levels=queries.level_names(),
        booked=commissioning_queries.booked_this_quarter([current_user.id], today_in_england()).get(
            current_user.id, 0
        ),
    )


@bp.route("/my-entry/profile", methods=["GET", "POST"])
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def edit_profile() -> View:
    if not _own_records():
        return redirect(url_for("register.show_my_entry"))
    entry = queries.entry_of(current_user.id)
    ref = reference()
    form = ProfileForm(
        data={
            "regions": entry.region_codes if entry else [],
            "specialisms": entry.codes(TermKind.SPECIALISM) if entry else [],
            "methodologies": entry.codes(TermKind.METHODOLOGY) if entry else [],
            "languages": entry.codes(TermKind.LANGUAGE) if entry else ["en"],
            "biography": entry.biography if entry else "",
            "version_id": entry.version_id if entry else "",
        }
    )
    form.regions.choices = list(_region_names().items())
    form.specialisms.choices = ref.specialisms.choices()
    form.methodologies.choices = ref.methodologies.choices()
    form.languages.choices = ref.languages.choices()
    if form.validate_on_submit():
        profile = services.Profile(
            regions=tuple(form.regions.data or ()),
            specialisms=tuple(form.specialisms.data or ()),
            methodologies=tuple(form.methodologies.data or ()),
            languages=tuple(form.languages.data or ()),
            biography=form.biography.data or "",
        )
        if commit_or_show_error(
            form,
            lambda: services.save_profile(current_user, profile, version_id=form.seen_version),
        ):
            flash("Your register entry has been saved.", "success")
            return redirect(url_for("register.show_my_entry"))
        # Told once that someone else saved first, a second save is a deliberate choice.
        latest = queries.entry_of(current_user.id)
        form.version_id.data = str(latest.version_id) if latest else ""
    return render_template("register/edit_profile.html", form=form)


@bp.route("/my-entry/availability", methods=["GET", "POST"])
@require_permission(Permission.KEEP_REGISTER_ENTRY)
def edit_availability() -> View:
    if not _own_records():
        return redirect(url_for("register.show_my_entry"))
    entry = queries.entry_of(current_user.id)
    ref = reference()
    form = AvailabilityForm(
        data={
            "available_from": entry.available_from if entry else None,
            "reviews_per_quarter": entry.reviews_per_quarter if entry else None,
            "day_rate_band": entry.day_rate_band if entry else None,
            "travel": entry.travel if entry else None,
            "version_id": entry.version_id if entry else "",
        }
    )
    form.day_rate_band.choices = ref.day_rate_bands.choices()
    form.travel.choices = ref.travel.choices()
    if form.validate_on_submit():
        availability = services.Availability(
            available_from=form.available_from.data,
            reviews_per_quarter=int(form.reviews_per_quarter.data or 0),
            day_rate_band=form.day_rate_band.data or None,
            travel=form.travel.data or None,
        )
        if commit_or_show_error(
            form,
            lambda: services.save_availability(
                current_user, availability, version_id=form.seen_version
            ),
        ):
            flash("Your commissioning details have been saved.", "success")
            return redirect(url_for("register.show_my_entry"))
        latest = queries.entry_of(current_user.id)
        form.version_id.data = str(latest.version_id) if latest else ""
    return render_template("register/edit_availability.html", form=form)


# Partnerships' search


def _only(values: list[str], allowed: set[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v in allowed))


MAX_AGENCIES = 20


@dataclass(frozen=True)
class Agencies:
    """The organisations a commissioner can add to a check, grouped by kind, and those added
    (from the URL's `agency` parameters), each with the address of the same page without it."""

    groups: list[organisation_queries.OptionGroup]
    chosen: list[tuple[int, str, str]]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(org_id for org_id, _name, _url in self.chosen)


def agencies_from_request(endpoint: str) -> Agencies:
    """Any current organisation of any kind (a school, a trust, a police force, a provider,
    another partnership) but the commissioner's own partnership: one query."""
    own = current_user.organisation_id
    groups = organisation_queries.grouped_options(
        exclude=frozenset({own}) if own is not None else frozenset()
    )
    names = {org_id: name for group in groups for org_id, name in group.options}
    raw = request.args.getlist("agency")
    ids = list(
        dict.fromkeys(int(v) for v in raw if v.isdigit() and len(v) < 10 and int(v) in names)
    )[:MAX_AGENCIES]
    args: dict[str, Any] = request.args.to_dict(flat=False)
    chosen = []
    for org_id in ids:
        others = [str(other) for other in ids if other != org_id]
        url = url_for(
            endpoint,
            **{k: v for k, v in args.items() if k not in {"agency", "page"}},
            agency=others,
        )
        chosen.append((org_id, names[org_id], url))
    taken = set(ids)
    left = [
        organisation_queries.OptionGroup(
            group.kind, [option for option in group.options if option[0] not in taken]
        )
        for group in groups
    ]
    return Agencies(groups=[group for group in left if group.options], chosen=chosen)


@bp.route("/search")
@require_permission(Permission.SEARCH_REGISTER)
def find_reviewer() -> View:
    ref = reference()
    regions = _region_names()
    levels = queries.level_names()
    form = FindReviewerForm(request.args)
    form.region.choices = [("", "Any region"), *regions.items()]
    form.specialisms.choices = ref.specialisms.choices()
    form.methodologies.choices = ref.methodologies.choices()
    form.languages.choices = ref.languages.choices()
    form.level.choices = [("", "Any level"), *levels.items()]
    form.sort.choices = list(queries.SORTS.items())
    agencies = agencies_from_request("register.find_reviewer")
    # A GET form: only the date can be wrong, and then that filter alone is left out.
    valid = form.validate() if any(request.args.getlist("available_by")) else True
    filters = queries.SearchFilters(
        text=form.q.data or "",
        region=form.region.data if form.region.data in regions else "",
        specialisms=_only(form.specialisms.data or [], set(ref.specialisms.codes())),
        methodologies=_only(form.methodologies.data or [], set(ref.methodologies.codes())),
        languages=_only(form.languages.data or [], set(ref.languages.codes())),
        level=form.level.data if form.level.data in levels else "",
        available_by=form.available_by.data if valid else None,
        capacity=bool(form.capacity.data),
        sort=form.sort.data if form.sort.data in queries.SORTS else "relevance",
        show_conflicts=request.args.get("show_conflicts") == "1",
        agencies=agencies.ids,
    )
    if not valid:
        # Keep only the date's errors: the other filters cannot be wrong.
        for name, field in form._fields.items():
            if name != "available_by":
                field.errors = []
    partnership_id = current_user.organisation_id
    result = queries.find_reviewers(
        filters,
        partnership_id=partnership_id,
        today=today_in_england(),
        page=_page_number(),
    )
    if filters.show_conflicts and result.conflicted:
        # Looking at conflicted reviewers is itself worth a record: who, when, which search.
        services.record_conflicts_shown(
            current_user,
            partnership_id=partnership_id,
            shown=result.conflicted,
            query=request.query_string.decode("utf-8", "replace"),
        )
        db.session.commit()
    args: dict[str, Any] = request.args.to_dict(flat=False)
    return render_template(
        "register/find_reviewer.html",
        form=form,
        page_url=_page_url("register.find_reviewer"),
        result=result,
        filters=filters,
        regions=regions,
        levels=levels,
        reference=ref,
        kinds=TermKind,
        agencies=agencies,
        show_url=url_for("register.find_reviewer", **{**args, "show_conflicts": "1", "page": 1}),
        hide_url=url_for(
            "register.find_reviewer",
            **{k: v for k, v in args.items() if k not in {"show_conflicts", "page"}},
        ),
    )


def _page_url(endpoint: str) -> Any:
    """A link to another page of the same search, every filter kept (lists too)."""
    args: dict[str, Any] = request.args.to_dict(flat=False)

    def url(number: int) -> str:
        return url_for(endpoint, **{**args, "page": number})

    return url
