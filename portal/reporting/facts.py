"""The typed rows reporting queries return and frames read: plain aggregates, never a person.
Pure: no Flask, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

NO_REGION = "Region not known"


@dataclass(frozen=True)
class Period:
    """The dashboard's filter: a date range and, optionally, one region's code."""

    starts_on: date
    ends_on: date
    region_code: str | None = None


@dataclass(frozen=True)
class RegionName:
    code: str
    name: str


@dataclass(frozen=True)
class Quarter:
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        return f"{self.starts_on.year} Q{(self.starts_on.month - 1) // 3 + 1}"


# Each count is keyed by region code (None where the region is not known).


@dataclass(frozen=True)
class RegionCount:
    region_code: str | None
    key: str
    count: int


@dataclass(frozen=True)
class QuarterRegionCount:
    quarter: Quarter
    region_code: str | None
    count: int


@dataclass(frozen=True)
class RegionPlaces:
    region_code: str | None
    places: int
    reviewers_offering: int
    commissions_running: int


@dataclass(frozen=True)
class QuarterPlaces:
    quarter: Quarter
    places: int
    reviewers_offering: int
    commissions_running: int


@dataclass(frozen=True)
class RegionNotifications:
    region_code: str | None
    notifications: int
    # Months of figures loaded: a region with none is shown as not available.
    months_loaded: int


@dataclass(frozen=True)
class RegionCommissions:
    region_name: str
    commissions: int
    median_days_to_commission: float | None


@dataclass(frozen=True)
class Concentration:
    accredited_reviewers: int
    # Commissions in the period for each reviewer who had one, busiest first.
    per_reviewer: tuple[int, ...]


@dataclass(frozen=True)
class RegionExpiries:
    region_code: str | None
    within_6_months: int
    within_12_months: int
    renewals_in_progress: int


@dataclass(frozen=True)
class StateCount:
    status: str
    kind: str
    count: int


@dataclass(frozen=True)
class Durations:
    """Days taken, by a label (a year of decision, a state)."""

    key: str
    days: tuple[float, ...]


@dataclass(frozen=True)
class AssessorLoad:
    open_assessments: int
    overdue: int


@dataclass(frozen=True)
class OutcomeCount:
    year: int
    outcome: str
    count: int


@dataclass(frozen=True)
class ComplianceCount:
    """Reviewer-years judged: a CPD year that closed, by region and the year it ended."""

    region_code: str | None
    year: int
    met: int
    not_met: int


@dataclass(frozen=True)
class DomainHours:
    domain: str
    reviewers: int
    quarter_hours: int


@dataclass(frozen=True)
class CategoryCount:
    category: str
    region_code: str | None
    count: int


@dataclass
class Extract:
    """Everything the dashboard shows, as read from the database on one day."""

    period: Period
    today: date
    regions: list[RegionName]
    reviewers_by_level: list[RegionCount] = field(default_factory=list)
    reviewers_by_quarter: list[QuarterRegionCount] = field(default_factory=list)
    quarters: list[Quarter] = field(default_factory=list)
    reviewers_by_specialism: list[RegionCount] = field(default_factory=list)
    specialism_names: dict[str, str] = field(default_factory=dict)
    places_this_quarter: list[RegionPlaces] = field(default_factory=list)
    places_by_quarter: list[QuarterPlaces] = field(default_factory=list)
    notifications: list[RegionNotifications] = field(default_factory=list)
    commissions: list[RegionCommissions] = field(default_factory=list)
    concentration: Concentration = field(default_factory=lambda: Concentration(0, ()))
    expiries: list[RegionExpiries] = field(default_factory=list)
    applications_by_state: list[StateCount] = field(default_factory=list)
    days_to_decision: list[Durations] = field(default_factory=list)
    days_in_state: list[Durations] = field(default_factory=list)
    assessor_load: list[AssessorLoad] = field(default_factory=list)
    outcomes: list[OutcomeCount] = field(default_factory=list)
    compliance: list[ComplianceCount] = field(default_factory=list)
    domain_hours: list[DomainHours] = field(default_factory=list)
    # None until CPD audits are recorded (see queries.cpd_audit_outcomes).
    audit_outcomes: list[RegionCount] | None = None
    diversity: dict[str, list[CategoryCount]] = field(default_factory=dict)
