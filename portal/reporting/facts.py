"""The typed rows reporting queries return and frames read: plain aggregates, never a person.
Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from portal.reporting.disclosure import quantile

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
    """Days taken, by a label (a year of decision, a state): how many, and their median and
    90th percentile (interpolated between closest ranks, as PostgreSQL's percentile_cont and
    `disclosure.quantile` work them out)."""

    key: str
    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, key: str, days: Sequence[float]) -> Durations:
        return cls(key, len(days), quantile(days, 0.5), quantile(days, 0.9))


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


@dataclass(frozen=True)
class AuditOutcomeCount:
    """CPD audit selections by the year their cycle opened and the reviewer's region."""

    year: int
    region_code: str | None
    selected: int
    accepted: int
    advice: int
    not_met: int
    overdue: int


@dataclass(frozen=True)
class GradeCount:
    """Peer-QA'd reviews by the year their feedback was released and their agreed grade."""

    year: int
    grade: int
    count: int


@dataclass(frozen=True)
class MarkerLevelCount:
    """Agreed marker scores: reviews whose agreed level for a marker was `level`, by year."""

    year: int
    marker_code: str
    marker_title: str
    position: int
    level: int
    count: int


@dataclass(frozen=True)
class ClassCount:
    """Recommendations of one class (training, procedure, system, national), by the year the
    review's QA feedback was released and the commissioning partnership's region: each
    recommendation counted once."""

    year: int
    region_code: str | None
    class_code: str
    count: int


@dataclass(frozen=True)
class ThemeClassCount:
    """Recommendations of one class by a theme of their review (a review with two themes
    counts under each)."""

    theme: str
    class_code: str
    count: int


@dataclass(frozen=True)
class RecommendationClasses:
    by_year_and_region: tuple[ClassCount, ...]
    by_theme: tuple[ThemeClassCount, ...]


@dataclass(frozen=True)
class ConditionCount:
    """Findings tagged with a system condition, by the year their review's QA completed."""

    year: int
    code: str
    label: str
    position: int
    count: int


@dataclass(frozen=True)
class ResponseCount:
    """National recommendations made in a year, by the government's response as it stands."""

    year: int
    response: str
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
    audit_outcomes: list[AuditOutcomeCount] = field(default_factory=list)
    grades: list[GradeCount] = field(default_factory=list)
    grade_labels: dict[int, str] = field(default_factory=dict)
    marker_levels: list[MarkerLevelCount] = field(default_factory=list)
    level_labels: dict[int, str] = field(default_factory=dict)
    # None while recommendations' classes are not stored (see queries.recommendation_classes).
    recommendation_classes: RecommendationClasses | None = None
    theme_names: dict[str, str] = field(default_factory=dict)
    condition_counts: list[ConditionCount] = field(default_factory=list)
    response_counts: list[ResponseCount] = field(default_factory=list)
    diversity: dict[str, list[CategoryCount]] = field(default_factory=dict)
