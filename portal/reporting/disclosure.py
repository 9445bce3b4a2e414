"""Safe statistics: which cells of a count table may be published, following the conventions of
the Department for Education's serious incident notification statistics. Pure: no Flask, no
database.

- Primary suppression: every count from 1 to below the threshold (default 5) is shown as `c`.
  True zeros are shown as 0: a zero says nothing about any one person.
- Secondary suppression: in every row and column with a total (the table's margins), no line may
  hold exactly one suppressed cell, or it could be recovered by subtracting the others from the
  total. Where one does, the next smallest cell in it is suppressed too (a non-zero body cell
  first, then a total), and this repeats until nothing changes. The pattern is then checked
  against every combination of rows and columns at once (a cell is recoverable when it is fixed
  by the system of margin equations); a recoverable cell has the smallest cell beside it
  suppressed too, and the rules run again.
- Linked tables: a figure that appears in more than one table (a region's total, England's
  total) carries the same key in each; suppressed in one, it is suppressed in all, and
  secondary suppression runs again on every table until no table changes.
- Rounding (optional, after suppression): each published count rounded to the nearest `base`;
  totals are rounded from their true values, so components may not sum to totals.
- Symbols: `c` suppressed, `z` not applicable, `x` not available.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

SUPPRESSED = "c"
NOT_APPLICABLE = "z"
NOT_AVAILABLE = "x"

SYMBOLS: dict[str, str] = {
    SUPPRESSED: "suppressed to protect confidentiality",
    NOT_APPLICABLE: "not applicable",
    NOT_AVAILABLE: "not available",
}

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Rule:
    """How a table is protected: the threshold below which counts are suppressed and the base
    counts are rounded to (None: not rounded)."""

    threshold: int = DEFAULT_THRESHOLD
    rounding: int | None = None

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("the threshold must be at least 1")
        if self.rounding is not None and self.rounding < 2:
            raise ValueError("counts are rounded to a base of at least 2")

    @property
    def text(self) -> str:
        words = (
            f"Counts from 1 to {self.threshold - 1} are suppressed and shown as "
            f"'{SUPPRESSED}'; further cells are suppressed where a suppressed count could "
            "otherwise be worked out from the totals. Figures derived from a suppressed count "
            f"are suppressed too. '{NOT_APPLICABLE}' means not applicable; '{NOT_AVAILABLE}' "
            "means not available."
        )
        if self.rounding:
            words += (
                f" Counts are rounded to the nearest {self.rounding}, so components may not "
                "sum to totals."
            )
        return words


@dataclass(frozen=True)
class Grid:
    """A table of counts with, optionally, a total for each row (a last column) and a total for
    each column (a last row). The totals are computed here, so they always add up."""

    body: tuple[tuple[int, ...], ...]
    row_totals: bool = True
    column_totals: bool = True
    # Optional keys for cells of the augmented table (body plus margins), by (row, column):
    # cells with the same key in linked grids are one figure, suppressed together.
    keys: dict[tuple[int, int], Hashable] = field(default_factory=dict)
    # The number of columns when there are no rows.
    empty_width: int = 0

    def __post_init__(self) -> None:
        widths = {len(row) for row in self.body}
        if len(widths) > 1:
            raise ValueError("every row needs the same number of cells")
        if any(v < 0 for row in self.body for v in row):
            raise ValueError("counts cannot be negative")

    @property
    def height(self) -> int:
        return len(self.body)

    @property
    def width(self) -> int:
        return len(self.body[0]) if self.body else self.empty_width

    def augmented(self) -> list[list[int]]:
        """The body with its margins: a total column, a total row, and the grand total."""
        rows = [list(row) for row in self.body]
        if self.row_totals:
            for row in rows:
                row.append(sum(row))
        if self.column_totals:
            width = self.width + (1 if self.row_totals else 0)
            rows.append([sum(row[j] for row in rows) for j in range(width)])
        return rows

    def lines(self) -> list[list[tuple[int, int]]]:
        """Each equation of the table as its cells, the total last."""
        h, w = self.height, self.width
        found: list[list[tuple[int, int]]] = []
        if self.row_totals:
            last_row = h + (1 if self.column_totals else 0)
            for i in range(last_row):
                found.append([(i, j) for j in range(w)] + [(i, w)])
        if self.column_totals:
            last_column = w + (1 if self.row_totals else 0)
            for j in range(last_column):
                found.append([(i, j) for i in range(h)] + [(h, j)])
        return [line for line in found if len(line) > 1]

    def is_total(self, cell: tuple[int, int]) -> bool:
        i, j = cell
        return (self.column_totals and i == self.height) or (self.row_totals and j == self.width)


Mask = list[list[bool]]


def primary(values: Sequence[Sequence[int]], threshold: int) -> Mask:
    return [[0 < v < threshold for v in row] for row in values]


def _complement(
    grid: Grid,
    values: list[list[int]],
    mask: Mask,
    candidates: Sequence[tuple[int, int]],
) -> tuple[int, int] | None:
    """The cell to suppress beside a lone suppressed one: the smallest non-zero body cell, then
    the smallest total, then (only if nothing else is left) a zero."""
    open_cells = [c for c in candidates if not mask[c[0]][c[1]]]
    if not open_cells:
        return None

    def order(cell: tuple[int, int]) -> tuple[int, int, int, int]:
        value = values[cell[0]][cell[1]]
        return (value == 0, grid.is_total(cell), value, cell[0] * 1000 + cell[1])

    return min(open_cells, key=order)


def _apply_line_rule(grid: Grid, values: list[list[int]], mask: Mask) -> bool:
    changed = False
    again = True
    while again:
        again = False
        for line in grid.lines():
            suppressed = [c for c in line if mask[c[0]][c[1]]]
            if len(suppressed) == 1:
                chosen = _complement(grid, values, mask, line)
                if chosen is not None:
                    mask[chosen[0]][chosen[1]] = True
                    again = changed = True
    return changed


def recoverable(grid: Grid, mask: Mask) -> list[tuple[int, int]]:
    """Suppressed cells whose value the published cells and the margin equations fix exactly
    (by any combination of additions and subtractions of rows and columns)."""
    unknowns = [(i, j) for i, row in enumerate(mask) for j, hidden in enumerate(row) if hidden]
    if not unknowns:
        return []
    index = {cell: k for k, cell in enumerate(unknowns)}
    equations = []
    for line in grid.lines():
        coefficients = np.zeros(len(unknowns))
        *parts, total = line
        for cell in parts:
            if cell in index:
                coefficients[index[cell]] += 1.0
        if total in index:
            coefficients[index[total]] -= 1.0
        if coefficients.any():
            equations.append(coefficients)
    if not equations:
        return []
    system = np.array(equations)
    # A cell is fixed when its unit vector lies in the equations' row space: its projection on
    # an orthonormal basis of that space (one SVD, with matrix_rank's tolerance) has length 1.
    _, singular, rows = np.linalg.svd(system)
    tolerance = singular.max() * max(system.shape) * np.finfo(float).eps
    basis = rows[: int((singular > tolerance).sum())]
    reach = (basis**2).sum(axis=0)
    return [cell for k, cell in enumerate(unknowns) if reach[k] > 1.0 - 1e-9]


def protect(grid: Grid, threshold: int = DEFAULT_THRESHOLD, forced: Mask | None = None) -> Mask:
    """The suppression mask of the augmented table: primary, then secondary until stable."""
    values = grid.augmented()
    mask = primary(values, threshold)
    if forced is not None:
        for i, row in enumerate(forced):
            for j, hidden in enumerate(row):
                mask[i][j] = mask[i][j] or hidden
    while True:
        _apply_line_rule(grid, values, mask)
        fixed = recoverable(grid, mask)
        if not fixed:
            return mask
        i, j = fixed[0]
        row_line = [(i, k) for k in range(len(values[i])) if k != j]
        column_line = [(k, j) for k in range(len(values)) if k != i]
        chosen = _complement(grid, values, mask, row_line) or _complement(
            grid, values, mask, column_line
        )
        if chosen is None:  # pragma: no cover (a full table has nothing left to hide)
            return mask
        mask[chosen[0]][chosen[1]] = True


def protect_linked(grids: Sequence[Grid], threshold: int = DEFAULT_THRESHOLD) -> list[Mask]:
    """Masks for tables that share figures (same key): a shared figure suppressed in one table
    is suppressed in every table, and each table's secondary suppression runs again, until
    stable."""
    forced: list[Mask] = [[[False] * len(r) for r in g.augmented()] for g in grids]
    while True:
        masks = [protect(g, threshold, f) for g, f in zip(grids, forced, strict=True)]
        hidden_keys = {
            g.keys[cell]
            for g, m in zip(grids, masks, strict=True)
            for cell in g.keys
            if m[cell[0]][cell[1]]
        }
        changed = False
        for g, f, m in zip(grids, forced, masks, strict=True):
            for cell, key in g.keys.items():
                if key in hidden_keys and not m[cell[0]][cell[1]]:
                    f[cell[0]][cell[1]] = True
                    changed = True
        if not changed:
            return masks


# Published cells


@dataclass(frozen=True)
class Cell:
    """One published cell: its number (None where it is a symbol) and the symbol."""

    value: float | None
    symbol: str | None = None
    # Decimal places to show a non-count (a rate, a median).
    places: int = 0

    @property
    def published(self) -> bool:
        return self.symbol is None

    @property
    def text(self) -> str:
        if self.symbol is not None:
            return self.symbol
        if self.value is None:
            raise ValueError("a cell has neither a value nor a symbol")
        if self.places == 0:
            return f"{round(self.value):,}"
        return f"{self.value:,.{self.places}f}"

    @property
    def plain(self) -> int | float | str:
        """The value for a download: a number, or the symbol as text."""
        if self.symbol is not None:
            return self.symbol
        if self.value is None:
            raise ValueError("a cell has neither a value nor a symbol")
        if self.places == 0:
            return round(self.value)
        return round(self.value, self.places)


def round_to(value: int, base: int) -> int:
    """Half away from zero, as published statistics round."""
    return int(base * math.floor(value / base + 0.5))


def count_cell(value: int, hidden: bool, rule: Rule) -> Cell:
    if hidden:
        return Cell(None, SUPPRESSED)
    if rule.rounding:
        return Cell(float(round_to(value, rule.rounding)))
    return Cell(float(value))


def published_counts(grid: Grid, mask: Mask, rule: Rule) -> list[list[Cell]]:
    """The augmented table as published cells."""
    return [
        [count_cell(v, mask[i][j], rule) for j, v in enumerate(row)]
        for i, row in enumerate(grid.augmented())
    ]


def rate_cell(
    numerator: Cell,
    denominator: Cell,
    true_numerator: int,
    true_denominator: int,
    *,
    scale: float = 100.0,
    places: int = 1,
) -> Cell:
    """A percentage from two published counts: suppressed if either is, not applicable when the
    denominator is zero. Computed from the true counts, never the rounded ones."""
    if not numerator.published or not denominator.published:
        return Cell(None, SUPPRESSED)
    if true_denominator == 0:
        return Cell(None, NOT_APPLICABLE)
    return Cell(scale * true_numerator / true_denominator, places=places)


def statistic_cell(value: float | None, n: int, rule: Rule, *, places: int = 1) -> Cell:
    """A statistic of n people's figures (a median, a percentile): suppressed when n is below
    the threshold, not applicable when there is nothing to summarise."""
    if n == 0 or value is None:
        return Cell(None, NOT_APPLICABLE)
    if n < rule.threshold:
        return Cell(None, SUPPRESSED)
    return Cell(value, places=places)


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation between closest ranks (as pandas and
    PostgreSQL's percentile_cont compute it)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
