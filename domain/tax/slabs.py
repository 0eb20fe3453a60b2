"""Tax at the slab rates on income taxed at normal rates."""

from __future__ import annotations

from bisect import bisect_right

from domain.tax.money import PER_MILLE_TO_UNITS
from domain.tax.rules import SlabTable


def slab_tax_units(table: SlabTable, income: int) -> int:
    """Tax in units on `income` (whole rupees) at the table's slab rates."""
    return slab_tax(table, income)[1]


def slab_tax(table: SlabTable, income: int) -> tuple[int, int]:
    """(index of the bracket `income` falls in, tax on it in units at the slab rates)."""
    i = bisect_right(table.lowers, income) - 1
    if i <= 0:
        return 0, 0
    return i, (
        table.base_units[i] + (income - table.lowers[i]) * table.rates[i] * PER_MILLE_TO_UNITS
    )
