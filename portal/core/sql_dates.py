"""Calendar arithmetic in SQL, the same on SQLite and PostgreSQL as in core.dates: so reports
can group by CPD years and the like in the database instead of reading every row."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class add_years(FunctionElement[Any]):
    """`add_years(day, n)` in SQL: the same day n years later, 29 February becoming 28
    February in other years (as core.dates.add_years)."""

    type = sa.Date()
    inherit_cache = True
    name = "add_years"


class add_days(FunctionElement[Any]):
    """`add_days(day, n)` in SQL: the day n days later (earlier when negative)."""

    type = sa.Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_years, "postgresql")
def _add_years_postgresql(element: add_years, compiler: Any, **kw: Any) -> str:
    day, years = list(element.clauses)
    # An interval of years keeps the day of the month, or the month's last day when shorter.
    return (
        f"CAST({compiler.process(day, **kw)} + make_interval(years => "
        f"CAST({compiler.process(years, **kw)} AS INTEGER)) AS DATE)"
    )


@compiles(add_years, "sqlite")
def _add_years_sqlite(element: add_years, compiler: Any, **kw: Any) -> str:
    day, years = (compiler.process(c, **kw) for c in element.clauses)
    moved = f"date({day}, printf('%+d years', {years}))"
    # SQLite carries 29 February into 1 March in other years: step back a day when it did.
    return (
        f"(CASE WHEN strftime('%m-%d', {day}) = '02-29' AND strftime('%m', {moved}) = '03' "
        f"THEN date({moved}, '-1 day') ELSE {moved} END)"
    )


@compiles(add_days, "postgresql")
def _add_days_postgresql(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST({day} + CAST({days} AS INTEGER) AS DATE)"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, printf('%+d days', {days}))"


class utc_year(FunctionElement[Any]):
    """`utc_year(moment)` in SQL: the year of a stored UTC time, taken in UTC on every
    database. PostgreSQL's own extract would take it in the session's time zone, so a time
    late on 31 December could count in the next year."""

    type = sa.Integer()
    inherit_cache = True
    name = "utc_year"


@compiles(utc_year, "postgresql")
def _utc_year_postgresql(element: utc_year, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    # The zone as a literal, not a parameter, so the same expression in GROUP BY matches.
    return f"EXTRACT(YEAR FROM timezone('UTC', {moment}))"


@compiles(utc_year, "sqlite")
def _utc_year_sqlite(element: utc_year, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(sa.extract("year", *element.clauses), **kw))
