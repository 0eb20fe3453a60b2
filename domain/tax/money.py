"""Exact money arithmetic: integer units, the Act's two roundings, Indian digit grouping.

Inputs and outputs are whole rupees. Inside a computation tax is carried in *units* of
10**-7 rupee: slab and special rates are per mille (12.5 % = 125), surcharge and cess are
whole percentages, so rupees x rate x 10**4 is exact, surcharge on that is exact
(x pct / 100) and cess on tax plus surcharge is exact again (x 4 / 100). Nothing is
rounded until the Act says so:

* s.288A: total income is rounded to the nearest multiple of ten rupees, paise first ignored;
* s.288B: tax (and any sum payable or refundable) likewise, paise first ignored;
* Rule 119A(b): the amount on which interest under ss.234A/B/C is charged is rounded down
  to a multiple of one hundred rupees.
"""

from __future__ import annotations

from typing import Final

UNIT: Final = 10_000_000
"""Units per rupee."""

PER_MILLE_TO_UNITS: Final = UNIT // 1000
"""rupees x rate_per_mille x PER_MILLE_TO_UNITS == tax in units."""

INCOME_SCALE: Final = 300
"""Income is carried in 1/300ths of a rupee until total income is rounded (`income_heads`)."""


def round_288a(rupees: int) -> int:
    """Nearest multiple of ten, a last digit of five or more going up (s.288A)."""
    return (rupees + 5) // 10 * 10


def round_288b_units(units: int) -> int:
    """Tax in units to whole rupees: paise ignored, then nearest multiple of ten (s.288B)."""
    return (units // UNIT + 5) // 10 * 10


def round_288b_signed(rupees: int) -> int:
    """s.288B for a balance that may be a refund: the refund is rounded the same way."""
    if rupees >= 0:
        return (rupees + 5) // 10 * 10
    return -((-rupees + 5) // 10 * 10)


def floor_100(rupees: int) -> int:
    """Rule 119A(b): fractions of one hundred rupees are ignored."""
    return rupees // 100 * 100 if rupees > 0 else 0


def inr(amount: int) -> str:
    """12,34,567: Indian digit grouping (lakh, crore), as on the return forms."""
    if amount < 100_000:
        return f"{amount:,}" if amount >= 0 else "-" + inr(-amount)
    text = str(amount)
    digits = len(text)
    if digits <= 7:  # below a crore
        return f"{text[:-5]},{text[-5:-3]},{text[-3:]}"
    if digits <= 9:  # below a hundred crore
        return f"{text[:-7]},{text[-7:-5]},{text[-5:-3]},{text[-3:]}"
    head = text[:-3]
    groups = []
    while len(head) > 2:
        groups.append(head[-2:])
        head = head[:-2]
    groups.append(head)
    groups.reverse()
    return ",".join(groups) + "," + text[-3:]
