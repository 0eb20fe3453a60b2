"""Income taxed at special rates: s.111A short-term and s.112A long-term capital gains.

Gains are kept in four buckets (`rules.SPECIAL_RATES`, highest rate first) by section and
date of transfer: 111A at 15 % before 23 July 2024 and 20 % from then; 112A at 10 % and
12.5 %. The s.112A threshold (1,00,000 for AY 2024-25, 1,25,000 aggregate for the whole of
FY 2024-25 and later) is used up against the 12.5 % gains first: the Act does not order the
two and this is the order most favourable to the assessee (and the one the return forms let
the assessee choose). A resident's unused basic exemption limit is then set against the
remaining special-rate income, highest rate first (provisos to ss.111A(1) and 112A(2)).
No Chapter VI-A deduction is allowed against these gains.
"""

from __future__ import annotations

import datetime as dt

from domain.tax.inputs import CapitalGain
from domain.tax.money import PER_MILLE_TO_UNITS
from domain.tax.rules import SECTION_112A_BUCKETS, SPECIAL_RATES, special_rate_bucket

BUCKETS = len(SPECIAL_RATES)
RATES = tuple(r.rate for r in SPECIAL_RATES)


def gains_by_bucket(gains: tuple[CapitalGain, ...], until: dt.date | None = None) -> list[int]:
    """Gains per bucket; with `until`, only transfers on or before that date."""
    amounts = [0] * BUCKETS
    for gain in gains:
        if until is None or gain.transfer_date <= until:
            amounts[special_rate_bucket(gain.section, gain.transfer_date)] += gain.amount
    return amounts


def absorb(amounts: list[int], amount: int) -> int:
    """Reduce the buckets by `amount`, highest rate first; return what could not be absorbed."""
    for i in range(BUCKETS):
        if amount <= 0:
            return 0
        have = amounts[i]
        if have:
            take = have if have < amount else amount
            amounts[i] = have - take
            amount -= take
    return amount if amount > 0 else 0


def apply_112a_threshold(amounts: list[int], threshold: int) -> int:
    """Take the s.112A threshold off the 112A buckets in place; return how much was used."""
    used = 0
    for i in SECTION_112A_BUCKETS:
        have = amounts[i]
        if have and threshold:
            take = have if have < threshold else threshold
            amounts[i] = have - take
            threshold -= take
            used += take
    return used


def special_tax_units(taxable: list[int]) -> list[int]:
    return [amount * rate * PER_MILLE_TO_UNITS for amount, rate in zip(taxable, RATES, strict=True)]
