"""The API's JSON shapes for register entries and search results (openapi.py describes them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for

from portal.applications.models import AccreditationStatus
from portal.register.models import TermKind
from portal.register.queries import PreCheck, PublicEntry, PublicRow, ReviewerRow
from portal.register.reference import RegisterReference, TermList

Json = dict[str, Any]
KIND_LISTS = {
    TermKind.SPECIALISM: "specialisms",
    TermKind.METHODOLOGY: "methodologies",
    TermKind.LANGUAGE: "languages",
}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _status(status: AccreditationStatus) -> Json:
    return {"code": status.value, "label": status.label, "current": status.current}


def _coded(codes: list[str], names: dict[str, str]) -> list[Json]:
    return [{"code": code, "name": names.get(code, code)} for code in codes]


def _terms(codes: list[str], terms: TermList) -> list[Json]:
    order = {t.code: i for i, t in enumerate(terms.terms)}
    ordered = sorted(codes, key=lambda c: order.get(c, len(order)))
    return [{"code": code, "name": terms.name_of(code)} for code in ordered]


def _term(code: str | None, terms: TermList) -> Json | None:
    return {"code": code, "name": terms.name_of(code)} if code else None


def _level(code: str, levels: dict[str, str]) -> Json:
    return {"code": code, "name": levels.get(code, code.replace("_", " "))}


def _links(number: str) -> Json:
    return {
        "self": url_for("api.show_entry", number=number),
        "html": url_for("register.show_entry", number=number),
    }


def public_row(row: PublicRow, *, regions: dict[str, str], levels: dict[str, str]) -> Json:
    return {
        "number": row.number,
        "name": row.name,
        "status": _status(row.status),
        "level": _level(row.level, levels),
        "valid_until": _day(row.expires_on),
        "regions": _coded(row.regions, regions),
        "links": _links(row.number),
    }


def commissioning(
    *,
    available_from: date | None,
    reviews_per_quarter: int | None,
    booked: int,
    day_rate_band: str | None,
    travel: str | None,
    reference: RegisterReference,
) -> Json:
    places = None if reviews_per_quarter is None else max(0, reviews_per_quarter - booked)
    return {
        "available_from": _day(available_from),
        "reviews_per_quarter": reviews_per_quarter,
        "booked_this_quarter": booked,
        "places_left_this_quarter": places,
        "day_rate_band": _term(day_rate_band, reference.day_rate_bands),
        "travel": _term(travel, reference.travel),
    }


def conflict_check(checked: PreCheck) -> Json:
    """The reviewer's conflicts with the token's partnership, as the pre-check page shows."""
    return {
        "conflicted": bool(checked.conflicts),
        "checked": checked.checked,
        "conflicts": [
            {
                "organisation": line.organisation,
                "connection": line.connection,
                "from": _day(line.started_on),
                "to": _day(line.ended_on),
            }
            for line in checked.conflicts
        ],
        "independence": checked.independence,
    }


def public_entry(
    found: PublicEntry,
    *,
    regions: dict[str, str],
    reference: RegisterReference,
    commissioning_details: Json | None,
) -> Json:
    record = found.record
    body: Json = {
        "number": record.number,
        "name": record.user.name,
        "status": _status(record.status),
        "scheme": record.scheme.name,
        "level": {"code": record.level, "name": found.level_name},
        "conditions": record.conditions or None,
        "valid_until": _day(record.expires_on),
        "regions": _coded(found.region_codes, regions),
        "specialisms": _terms(found.codes(TermKind.SPECIALISM), reference.specialisms),
        "methodologies": _terms(found.codes(TermKind.METHODOLOGY), reference.methodologies),
        "languages": _terms(found.codes(TermKind.LANGUAGE), reference.languages),
        "biography": found.entry.biography if found.entry else "",
        "history": [
            {
                "status": period.status.value,
                "label": period.status.label,
                "from": _day(period.start),
                "to": _day(period.end),
                "wording": period.wording,
            }
            for period in found.history
        ],
        "links": _links(record.number),
    }
    if commissioning_details is not None:
        body["commissioning"] = commissioning_details
    return body


def reviewer_row(
    row: ReviewerRow,
    *,
    regions: dict[str, str],
    levels: dict[str, str],
    reference: RegisterReference,
) -> Json:
    return {
        "number": row.number,
        "name": row.name,
        "status": _status(row.status),
        "level": _level(row.level, levels),
        "valid_until": _day(row.expires_on),
        "regions": _coded(row.regions, regions),
        "specialisms": _terms(row.codes(TermKind.SPECIALISM), reference.specialisms),
        "methodologies": _terms(row.codes(TermKind.METHODOLOGY), reference.methodologies),
        "languages": _terms(row.codes(TermKind.LANGUAGE), reference.languages),
        "biography": row.biography,
        "independence": row.independence,
        "commissioning": commissioning(
            available_from=row.available_from,
            reviews_per_quarter=row.reviews_per_quarter,
            booked=row.booked,
            day_rate_band=row.day_rate_band,
            travel=row.travel,
            reference=reference,
        ),
        "links": _links(row.number),
    }


def page(
    items: list[Json], *, number: int, pages: int, total: int, per_page: int, link: Any
) -> Json:
    return {
        "items": items,
        "page": number,
        "pages": pages,
        "per_page": per_page,
        "total": total,
        "links": {
            "self": link(number),
            "next": link(number + 1) if number < pages else None,
            "prev": link(number - 1) if number > 1 else None,
        },
    }
