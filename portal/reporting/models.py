"""What reporting keeps of its own: serious incident notifications loaded by analysts, and
reviewers' voluntary diversity monitoring answers (kept apart from their profile)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

MAX_NOTIFICATIONS = 1000


class NotificationImport(Base):
    """One confirmed upload of a notifications file: who loaded it, when, and what it did."""

    __tablename__ = "notification_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    loaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    added: Mapped[int] = mapped_column(nullable=False, default=0)
    changed: Mapped[int] = mapped_column(nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(nullable=False, default=0)


class IncidentNotification(Base):
    """How many serious incidents a partnership notified in a month (one figure per
    partnership and month: a later upload corrects it)."""

    __tablename__ = "incident_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    # The first day of the month.
    month: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)
    notifications: Mapped[int] = mapped_column(nullable=False)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("notification_imports.id"), nullable=False, index=True
    )

    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "month", name="uq_incident_notifications_month"),
        sa.CheckConstraint(
            f"notifications BETWEEN 0 AND {MAX_NOTIFICATIONS}", name="notifications"
        ),
    )


# Diversity monitoring


class Ethnicity(enum.StrEnum):
    """The ONS 2021 census harmonised ethnic groups for England."""

    INDIAN = "indian"
    PAKISTANI = "pakistani"
    BANGLADESHI = "bangladeshi"
    CHINESE = "chinese"
    OTHER_ASIAN = "other_asian"
    CARIBBEAN = "caribbean"
    AFRICAN = "african"
    OTHER_BLACK = "other_black"
    WHITE_BLACK_CARIBBEAN = "white_black_caribbean"
    WHITE_BLACK_AFRICAN = "white_black_african"
    WHITE_ASIAN = "white_asian"
    OTHER_MIXED = "other_mixed"
    WHITE_BRITISH = "white_british"
    IRISH = "irish"
    GYPSY_IRISH_TRAVELLER = "gypsy_irish_traveller"
    ROMA = "roma"
    OTHER_WHITE = "other_white"
    ARAB = "arab"
    OTHER_ETHNIC_GROUP = "other_ethnic_group"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


ASIAN = "Asian or Asian British"
BLACK = "Black, Black British, Caribbean or African"
MIXED = "Mixed or multiple ethnic groups"
WHITE = "White"
OTHER = "Other ethnic group"
NOT_SAID = "Prefer not to say"

# Each answer: its group (what reports publish) and its words on the form.
ETHNICITIES: dict[Ethnicity, tuple[str, str]] = {
    Ethnicity.INDIAN: (ASIAN, "Indian"),
    Ethnicity.PAKISTANI: (ASIAN, "Pakistani"),
    Ethnicity.BANGLADESHI: (ASIAN, "Bangladeshi"),
    Ethnicity.CHINESE: (ASIAN, "Chinese"),
    Ethnicity.OTHER_ASIAN: (ASIAN, "Any other Asian background"),
    Ethnicity.CARIBBEAN: (BLACK, "Caribbean"),
    Ethnicity.AFRICAN: (BLACK, "African"),
    Ethnicity.OTHER_BLACK: (BLACK, "Any other Black, Black British or Caribbean background"),
    Ethnicity.WHITE_BLACK_CARIBBEAN: (MIXED, "White and Black Caribbean"),
    Ethnicity.WHITE_BLACK_AFRICAN: (MIXED, "White and Black African"),
    Ethnicity.WHITE_ASIAN: (MIXED, "White and Asian"),
    Ethnicity.OTHER_MIXED: (MIXED, "Any other Mixed or multiple ethnic background"),
    Ethnicity.WHITE_BRITISH: (WHITE, "English, Welsh, Scottish, Northern Irish or British"),
    Ethnicity.IRISH: (WHITE, "Irish"),
    Ethnicity.GYPSY_IRISH_TRAVELLER: (WHITE, "Gypsy or Irish Traveller"),
    Ethnicity.ROMA: (WHITE, "Roma"),
    Ethnicity.OTHER_WHITE: (WHITE, "Any other White background"),
    Ethnicity.ARAB: (OTHER, "Arab"),
    Ethnicity.OTHER_ETHNIC_GROUP: (OTHER, "Any other ethnic group"),
    Ethnicity.PREFER_NOT_TO_SAY: (NOT_SAID, "Prefer not to say"),
}
ETHNIC_GROUPS: tuple[str, ...] = (ASIAN, BLACK, MIXED, WHITE, OTHER, NOT_SAID)


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


SEX_LABELS: dict[Sex, str] = {
    Sex.FEMALE: "Female",
    Sex.MALE: "Male",
    Sex.PREFER_NOT_TO_SAY: NOT_SAID,
}


class Disability(enum.StrEnum):
    YES = "yes"
    NO = "no"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


DISABILITY_LABELS: dict[Disability, str] = {
    Disability.YES: "Yes",
    Disability.NO: "No",
    Disability.PREFER_NOT_TO_SAY: NOT_SAID,
}


class AgeBand(enum.StrEnum):
    UNDER_35 = "under_35"
    FROM_35_TO_44 = "35_to_44"
    FROM_45_TO_54 = "45_to_54"
    FROM_55_TO_64 = "55_to_64"
    FROM_65 = "65_and_over"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


AGE_BAND_LABELS: dict[AgeBand, str] = {
    AgeBand.UNDER_35: "Under 35",
    AgeBand.FROM_35_TO_44: "35 to 44",
    AgeBand.FROM_45_TO_54: "45 to 54",
    AgeBand.FROM_55_TO_64: "55 to 64",
    AgeBand.FROM_65: "65 and over",
    AgeBand.PREFER_NOT_TO_SAY: NOT_SAID,
}


class DiversityAnswers(Base):
    """A reviewer's voluntary diversity monitoring answers. Kept in their own table, never
    joined to the profile on any page: reports read them only as suppressed aggregates."""

    __tablename__ = "diversity_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    ethnicity: Mapped[Ethnicity] = mapped_column(enum_column(Ethnicity, 32), nullable=False)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, 24), nullable=False)
    disability: Mapped[Disability] = mapped_column(enum_column(Disability, 24), nullable=False)
    age_band: Mapped[AgeBand] = mapped_column(enum_column(AgeBand, 24), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
