"""Tax at the slab rates on income taxed at normal rates."""

from __future__ import annotations

from domain.tax.money import PER_MILLE_TO_UNITS
from domain.tax.rules import SlabTable


def slab_tax_units(table: SlabTable, income: int) -> int:
    """Tax in units on `income` (whole rupees) at the table's slab rates."""
    lowers = table.lowers
    i = len(lowers) - 1
    while lowers[i] > income:
        i -= 1
    return table.base_units[i] + (income - lowers[i]) * table.rates[i] * PER_MILLE_TO_UNITS


def slab_lines(table: SlabTable, income: int) -> list[tuple[int, int, int, int]]:
    """(from, to, rate per mille, tax in units) for every bracket the income reaches."""
    lines = []
    lowers, rates = table.lowers, table.rates
    top = len(lowers) - 1
    for i, lower in enumerate(lowers):
        if income <= lower and i > 0:
            break
        upper = income if i == top else min(income, lowers[i + 1])
        lines.append((lower, upper, rates[i], (upper - lower) * rates[i] * PER_MILLE_TO_UNITS))
    return lines
