"""Safe statistics: primary and secondary suppression, linked tables, rounding and symbols."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.reporting.disclosure import (
    NOT_APPLICABLE,
    SUPPRESSED,
    Cell,
    Grid,
    Rule,
    count_cell,
    primary,
    protect,
    protect_linked,
    published_counts,
    quantile,
    rate_cell,
    recoverable,
    round_to,
    statistic_cell,
)


def hidden(mask):
    return {(i, j) for i, row in enumerate(mask) for j, h in enumerate(row) if h}


def test_counts_below_the_threshold_are_suppressed_and_zeros_shown():
    assert primary([[0, 1, 4, 5, 9]], 5) == [[False, True, True, False, False]]
    assert primary([[2, 3]], 3) == [[True, False]]


def test_the_threshold_is_configurable():
    grid = Grid(((6, 20, 30),), row_totals=False, column_totals=False)
    assert hidden(protect(grid, threshold=10)) == {(0, 0)}
    assert hidden(protect(grid, threshold=5)) == set()


def test_a_lone_suppressed_cell_in_a_row_takes_the_next_smallest_with_it():
    # Row: 3 is primary; 10 is the next smallest; columns then need their own partners.
    grid = Grid(((3, 10, 12), (20, 30, 40)))
    mask = protect(grid)
    published = published_counts(grid, mask, Rule())
    assert published[0][0].text == SUPPRESSED
    assert published[0][1].text == SUPPRESSED
    assert published[0][2].text == "12"
    # Column 0 and 1 each had one suppressed cell: their smallest other cells follow.
    assert published[1][0].text == SUPPRESSED
    assert published[1][1].text == SUPPRESSED
    assert recoverable(grid, mask) == []


def test_a_small_total_is_suppressed_and_protected():
    grid = Grid(((1, 2), (30, 40)))
    mask = protect(grid)
    values = grid.augmented()
    assert values[0][2] == 3
    assert mask[0][2]  # the row total 3 is itself below the threshold
    assert recoverable(grid, mask) == []


def test_zeros_are_not_chosen_when_another_cell_will_do():
    grid = Grid(((3, 0, 50),), column_totals=False)
    mask = protect(grid)
    assert hidden(mask) == {(0, 0), (0, 2)}


def test_secondary_suppression_iterates_until_stable():
    grid = Grid(((2, 40, 41), (50, 3, 60), (70, 80, 4)))
    mask = protect(grid)
    values = grid.augmented()
    for line in grid.lines():
        assert sum(mask[i][j] for i, j in line) != 1, (line, [values[i][j] for i, j in line])
    assert recoverable(grid, mask) == []


def test_a_table_without_totals_needs_only_primary_suppression():
    grid = Grid(((1, 30), (40, 50)), row_totals=False, column_totals=False)
    assert hidden(protect(grid)) == {(0, 0)}


def test_a_table_with_only_column_totals_protects_each_column():
    grid = Grid(((2, 10), (30, 40), (50, 60)), row_totals=False)
    mask = protect(grid)
    assert hidden(mask) == {(0, 0), (1, 0)}


def test_linked_tables_suppress_a_shared_figure_in_both():
    # Table A: regions by level, its row totals are the regions' reviewer counts.
    a = Grid(((3, 20), (30, 40)), keys={(0, 2): "north", (1, 2): "south", (2, 2): "england"})
    # Table B: the same regions' totals as a one-column table with an England total.
    b = Grid(((23,), (70,)), row_totals=False, keys={(0, 0): "north", (1, 0): "south"})
    mask_a, mask_b = protect_linked([a, b])
    a_hidden = hidden(mask_a)
    assert (0, 2) not in a_hidden or mask_b[0][0]
    # If A hid a region's total, B hides it and then its partner so the England total cannot
    # give it back.
    for key_cell_a, key_cell_b in (((0, 2), (0, 0)), ((1, 2), (1, 0))):
        assert mask_a[key_cell_a[0]][key_cell_a[1]] == mask_b[key_cell_b[0]][key_cell_b[1]]
    assert recoverable(b, mask_b) == []


def test_linked_tables_propagate_until_stable():
    a = Grid(((2, 30), (40, 50)), keys={(0, 2): "r1", (1, 2): "r2"})
    b = Grid(((32, 7), (90, 8)), keys={(0, 0): "r1", (1, 0): "r2"}, column_totals=False)
    mask_a, mask_b = protect_linked([a, b])
    if mask_a[0][2]:
        assert mask_b[0][0]
    if mask_a[1][2]:
        assert mask_b[1][0]
    assert recoverable(a, mask_a) == []
    assert recoverable(b, mask_b) == []


def test_rounding_to_the_nearest_ten_after_suppression():
    assert [round_to(v, 10) for v in (0, 4, 5, 14, 15, 25, 104)] == [0, 0, 10, 10, 20, 30, 100]
    rule = Rule(rounding=10)
    assert count_cell(14, False, rule).text == "10"
    assert count_cell(3, True, rule).text == SUPPRESSED
    assert "may not sum to totals" in rule.text
    assert "may not sum" not in Rule().text


def test_rounded_totals_come_from_true_values():
    grid = Grid(((14, 14, 14),), column_totals=False)
    cells = published_counts(grid, protect(grid), Rule(rounding=10))
    assert [c.text for c in cells[0]] == ["10", "10", "10", "40"]


def test_symbols_and_derived_figures():
    big, small = Cell(20.0), Cell(None, SUPPRESSED)
    assert rate_cell(big, big, 5, 20).text == "25.0"
    assert rate_cell(small, big, 3, 20).text == SUPPRESSED
    assert rate_cell(big, small, 20, 3).text == SUPPRESSED
    assert rate_cell(Cell(0.0), Cell(0.0), 0, 0).text == NOT_APPLICABLE
    assert statistic_cell(12.26, 10, Rule()).text == "12.3"
    assert statistic_cell(12.0, 4, Rule()).text == SUPPRESSED
    assert statistic_cell(None, 0, Rule()).text == NOT_APPLICABLE
    assert Cell(1234.0).text == "1,234"
    assert Cell(1234.0).plain == 1234
    assert small.plain == SUPPRESSED


def test_a_rule_refuses_nonsense():
    with pytest.raises(ValueError, match="threshold"):
        Rule(threshold=0)
    with pytest.raises(ValueError, match="base"):
        Rule(rounding=1)
    with pytest.raises(ValueError, match="negative"):
        Grid(((1, -1),))
    with pytest.raises(ValueError, match="same number"):
        Grid(((1, 2), (3,)))


def test_an_empty_table_has_zero_totals():
    grid = Grid((), empty_width=3)
    assert grid.augmented() == [[0, 0, 0, 0]]
    assert hidden(protect(grid)) == set()


def test_quantiles_interpolate_like_pandas():
    import pandas as pd

    values = [3.0, 1.0, 10.0, 7.0, 2.0]
    assert quantile(values, 0.5) == pd.Series(values).quantile(0.5)
    assert quantile(values, 0.9) == pytest.approx(pd.Series(values).quantile(0.9))
    assert quantile([], 0.5) is None


# Properties


def _recover_by_subtraction(values, mask, grid):
    """Every cell an intruder can pin down: repeatedly solve any line with one unknown."""
    known = {
        (i, j): values[i][j]
        for i, row in enumerate(values)
        for j in range(len(row))
        if not mask[i][j]
    }
    found = set()
    progress = True
    while progress:
        progress = False
        for line in grid.lines():
            unknown = [c for c in line if c not in known]
            if len(unknown) == 1:
                *parts, total = line
                (cell,) = unknown
                if cell == total:
                    known[cell] = sum(known[p] for p in parts)
                else:
                    known[cell] = known[total] - sum(known[p] for p in parts if p != cell)
                found.add(cell)
                progress = True
    return found


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda h: st.integers(min_value=1, max_value=5).flatmap(
        lambda w: st.lists(
            st.lists(st.one_of(st.integers(0, 6), st.integers(0, 60)), min_size=w, max_size=w),
            min_size=h,
            max_size=h,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(body=tables, threshold=st.integers(min_value=2, max_value=10))
def test_no_suppressed_cell_can_be_recovered_from_the_totals(body, threshold):
    grid = Grid(tuple(tuple(r) for r in body))
    mask = protect(grid, threshold)
    values = grid.augmented()
    # Every small count is hidden.
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if 0 < v < threshold:
                assert mask[i][j]
    # No line has exactly one hidden cell, so no subtraction recovers one ...
    for line in grid.lines():
        assert sum(mask[i][j] for i, j in line) != 1
    assert _recover_by_subtraction(values, mask, grid) == set()
    # ... nor does any combination of rows and columns.
    assert recoverable(grid, mask) == []


@settings(max_examples=100, deadline=None)
@given(body=tables)
def test_the_rank_check_agrees_with_brute_force_on_small_tables(body):
    """A hidden cell is fixed by the equations exactly when no other non-negative solution
    gives it another value; checked against the null space for small tables."""
    grid = Grid(tuple(tuple(r) for r in body))
    mask = protect(grid)
    hidden_cells = sorted(hidden(mask))
    if not hidden_cells or len(hidden_cells) > 12:
        return
    index = {c: k for k, c in enumerate(hidden_cells)}
    rows = []
    for line in grid.lines():
        coefficients = np.zeros(len(hidden_cells))
        *parts, total = line
        for c in parts:
            if c in index:
                coefficients[index[c]] += 1
        if total in index:
            coefficients[index[total]] -= 1
        rows.append(coefficients)
    system = np.array(rows)
    # A direction that changes a hidden cell and keeps every equation exists for each cell.
    _, s, vt = np.linalg.svd(system)
    null = vt[int((s > 1e-9).sum()) :]
    for k in range(len(hidden_cells)):
        assert any(abs(v[k]) > 1e-9 for v in null), hidden_cells[k]


def test_every_pattern_in_a_two_by_two_table_is_safe():
    for values in itertools.product((0, 1, 3, 7, 40), repeat=4):
        grid = Grid(((values[0], values[1]), (values[2], values[3])))
        mask = protect(grid)
        assert recoverable(grid, mask) == []
        assert _recover_by_subtraction(grid.augmented(), mask, grid) == set()
