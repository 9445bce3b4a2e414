"""Learning across reviews, for the QA lead and analysts: the share of recommendations in each
class by year, region and theme, and the markers where reviews score lowest. Every figure is
counted in SQL in one query each; rows are typed so reporting can reuse them. Counts under
SMALL_NUMBER are shown as "fewer than 5" (`small_number`), and no share is given from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.organisations.models import Organisation, Region
from portal.peer_qa.models import (
    AgreedMarkerScore,
    QaReview,
    QaStatus,
    RecommendationAnalysis,
    Responsibility,
    RubricMarker,
)
from portal.peer_qa.recommendation_rules import CLASSES
from portal.register import reference as register_reference

SMALL_NUMBER = 5
# Reviews in peer QA: submitted, not withdrawn. Drafts are their authors' own business.
COUNTED = (
    QaStatus.SUBMITTED,
    QaStatus.IN_ASSESSMENT,
    QaStatus.MODERATION,
    QaStatus.COMPLETED,
    QaStatus.RESPONDED,
)
AGREED = (QaStatus.COMPLETED, QaStatus.RESPONDED)


def is_small(count: int) -> bool:
    return 0 < count < SMALL_NUMBER


def small_number(count: int) -> str:
    """A count as it may be shown: under 5 (and above 0) only as "fewer than 5"."""
    return f"fewer than {SMALL_NUMBER}" if is_small(count) else f"{count:,}"


@dataclass(frozen=True)
class ClassCounts:
    """How many of one group's recommendations fall in each class."""

    key: str  # the year, region code or theme code
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, class_: str) -> int:
        return self.counts.get(class_, 0)

    @property
    def any_shown(self) -> bool:
        """Whether any class's share of the group may be shown (and so charted)."""
        return any(self.share(c) for c in self.counts)

    def share(self, class_: str) -> int | None:
        """The class's whole-number percentage of the group, or None where a small number
        would be shown or could be worked out from it."""
        count = self.count(class_)
        if is_small(self.total) or is_small(count) or not self.total:
            return None
        return round(100 * count / self.total)


def _grouped(rows: Iterable[Any]) -> list[ClassCounts]:
    """(key, label, class, count) rows into one ClassCounts per key, in the rows' order."""
    groups: dict[str, ClassCounts] = {}
    for key, label, class_, count in rows:
        group = groups.setdefault(str(key), ClassCounts(str(key), str(label), {}))
        group.counts[class_] = group.counts.get(class_, 0) + int(count)
    for group in groups.values():
        for class_ in CLASSES:
            group.counts.setdefault(class_, 0)
    return list(groups.values())


def _counted() -> sa.Select[str, int]:
    return sa.select(RecommendationAnalysis.class_, sa.func.count(RecommendationAnalysis.id)).join(
        QaReview, QaReview.id == RecommendationAnalysis.review_id
    )


def class_counts_overall() -> ClassCounts:
    """Every recommendation of the reviews in peer QA, by class."""
    rows = db.session.execute(
        _counted().where(QaReview.status.in_(COUNTED)).group_by(RecommendationAnalysis.class_)
    )
    counts = dict.fromkeys(CLASSES, 0) | {c: int(n) for c, n in rows}
    return ClassCounts("all", "All reviews", counts)


def class_counts_by_year() -> list[ClassCounts]:
    """Recommendations by class, for each year the reviews were published, oldest first."""
    year = sa.extract("year", QaReview.published_on)
    rows = db.session.execute(
        sa.select(year, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .where(QaReview.status.in_(COUNTED), QaReview.published_on.is_not(None))
        .group_by(year, RecommendationAnalysis.class_)
        .order_by(year, RecommendationAnalysis.class_)
    )
    return _grouped((int(y), str(int(y)), c, n) for y, c, n in rows)


def class_counts_by_region() -> list[ClassCounts]:
    """Recommendations by class, for each region of the commissioning partnerships."""
    rows = db.session.execute(
        sa.select(Region.code, Region.name, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .join(Organisation, Organisation.id == QaReview.partnership_id)
        .join(Region, Region.code == Organisation.region_code)
        .where(QaReview.status.in_(COUNTED))
        .group_by(Region.code, Region.name, Region.position, RecommendationAnalysis.class_)
        .order_by(Region.position, Region.name, RecommendationAnalysis.class_)
    )
    return _grouped(rows)


def _theme_codes() -> Any:
    """The review's themes (a JSON list of codes), one row each."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.json_array_elements_text(QaReview.themes).table_valued("value").lateral()
    return sa.func.json_each(QaReview.themes).table_valued("value")


def class_counts_by_theme() -> list[ClassCounts]:
    """Recommendations by class, for each theme; a review with two themes counts in both."""
    theme = _theme_codes()
    rows = db.session.execute(
        sa.select(theme.c.value, RecommendationAnalysis.class_, sa.func.count())
        .select_from(RecommendationAnalysis)
        .join(QaReview, QaReview.id == RecommendationAnalysis.review_id)
        .join(theme, sa.true())
        .where(QaReview.status.in_(COUNTED))
        .group_by(theme.c.value, RecommendationAnalysis.class_)
        .order_by(theme.c.value, RecommendationAnalysis.class_)
    )
    specialisms = register_reference.current().specialisms
    grouped = _grouped((code, specialisms.name_of(code), c, n) for code, c, n in rows)
    return sorted(grouped, key=lambda g: g.label)


@dataclass(frozen=True)
class MarkerResult:
    """The agreed levels one marker was given across completed reviews."""

    code: str
    title: str
    responsibility: Responsibility
    reviews: int
    average: float  # the mean agreed level
    lowest: int

    @property
    def shown_average(self) -> float | None:
        return None if is_small(self.reviews) else round(self.average, 1)


def lowest_scoring_markers() -> list[MarkerResult]:
    """Every marker's mean agreed level across reviews whose QA completed, lowest first
    (markers of different rubric versions with one code count together)."""
    rows = db.session.execute(
        sa.select(
            RubricMarker.code,
            sa.func.min(RubricMarker.title),
            RubricMarker.responsibility,
            sa.func.count(sa.distinct(AgreedMarkerScore.review_id)),
            sa.func.avg(AgreedMarkerScore.level),
            sa.func.min(AgreedMarkerScore.level),
        )
        .select_from(AgreedMarkerScore)
        .join(RubricMarker, RubricMarker.id == AgreedMarkerScore.marker_id)
        .join(QaReview, QaReview.id == AgreedMarkerScore.review_id)
        .where(QaReview.status.in_(AGREED))
        .group_by(RubricMarker.code, RubricMarker.responsibility)
        .order_by(sa.func.avg(AgreedMarkerScore.level), RubricMarker.code)
    )
    return [
        MarkerResult(code, title, Responsibility(resp), int(n), float(avg), int(low))
        for code, title, resp, n, avg, low in rows
    ]


@dataclass(frozen=True)
class Learning:
    overall: ClassCounts
    by_year: list[ClassCounts]
    by_region: list[ClassCounts]
    by_theme: list[ClassCounts]
    markers: list[MarkerResult]


def learning() -> Learning:
    """Everything the learning page shows: five queries, however many reviews."""
    return Learning(
        overall=class_counts_overall(),
        by_year=class_counts_by_year(),
        by_region=class_counts_by_region(),
        by_theme=class_counts_by_theme(),
        markers=lowest_scoring_markers(),
    )
