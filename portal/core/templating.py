"""What every template can use: service name, navigation for the user's roles, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user

from portal.core.permissions import Permission

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: Permission | None = None
    order: int = 100
    # Endpoints (or prefixes ending in ".") under which this item shows as the current section.
    section: tuple[str, ...] = ()


_NAVIGATION: list[NavItem] = []


def register_navigation(item: NavItem) -> None:
    """Features add their top-level pages here; each shows only to users who may open it."""
    if item not in _NAVIGATION:
        _NAVIGATION.append(item)
        _NAVIGATION.sort(key=lambda i: i.order)


def navigation_for_request() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for item in _NAVIGATION:
        if item.permission is not None and not current_user.has_permission(item.permission):
            continue
        href = url_for(item.endpoint)
        endpoint = request.endpoint or ""
        active = endpoint == item.endpoint or any(
            endpoint.startswith(prefix) if prefix.endswith(".") else endpoint == prefix
            for prefix in item.section
        )
        items.append({"text": item.label, "href": href, "active": active})
    return items


def format_datetime(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    day = f"{local.day} {local:%B %Y}"
    if not with_time:
        return day
    hour = local.strftime("%I:%M%p").lstrip("0").lower()
    return f"{day} at {hour}"


def format_date(value: datetime | date | None) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"{value.day} {value:%B %Y}"
    return format_datetime(value, with_time=False)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "navigation": navigation_for_request(),
        }
