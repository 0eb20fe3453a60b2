"""Income from house property (ss.22-24) and the set-off of its loss (s.71(3A)).

`let_out_income` is taken as the annual value already net of municipal taxes paid, so only
the s.24(a) standard deduction of 30 % is applied to it. `self_occupied_interest` is the
interest on capital borrowed for a self-occupied house (s.24(b)): deductible in the old
regime up to 2,00,000, not at all in the new regime (s.115BAC(2)). `let_out_interest` is the
s.24(b) interest on the let-out property: deductible in full in both regimes (the new regime
only bars setting the resulting loss off against other heads). A loss under the head may
be set off against other heads up to 2,00,000 in the old regime (s.71(3A)) and not at all in
the new regime; the rest is carried forward (s.71B), which this engine reports but does not
track across years.

When both amounts are declared they are two properties (one self-occupied, one let out).
"""

from __future__ import annotations

from typing import Final

import msgspec

from domain.tax.inputs import HouseProperty
from domain.tax.money import INCOME_SCALE
from domain.tax.rules import RegimeRules
from domain.tax.special_rates import absorb

_NET_OF_STANDARD_DEDUCTION = INCOME_SCALE * 7 // 10  # 70 % of annual value, in 1/300ths


def house_property_scaled(hp: HouseProperty, rules: RegimeRules) -> tuple[int, int]:
    """(income or loss under the head in 1/300ths, s.24(b) interest allowed in rupees)."""
    cap = rules.self_occupied_interest_cap
    interest = hp.self_occupied_interest if hp.self_occupied_interest < cap else cap
    return (
        _NET_OF_STANDARD_DEDUCTION * hp.let_out_income
        - INCOME_SCALE * (interest + hp.let_out_interest),
        interest,
    )


class LossSetOff(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """A house-property loss set off against the other heads of the year (s.71(3A)), in
    1/300ths of a rupee."""

    loss_300: int
    against_other_heads_300: int
    """Set off against salary and other sources."""
    left_for_gains_300: int
    """Within the year's cap but more than the other heads could absorb: set off against
    special-rate gains next (`set_off_against_gains`)."""


NO_LOSS: Final = LossSetOff(loss_300=0, against_other_heads_300=0, left_for_gains_300=0)


def set_off_against_other_heads(
    house_property_300: int, other_heads_300: int, rules: RegimeRules
) -> tuple[int, LossSetOff]:
    """(income from the heads other than capital gains after the set-off, the set-off).

    At most the regime's cap of the loss is set off in the year (2,00,000 in the old
    regime, nothing in the new one, s.115BAC(2)), normal income first.
    """
    if house_property_300 >= 0:
        return other_heads_300 + house_property_300, NO_LOSS
    loss_300 = -house_property_300
    cap_300 = INCOME_SCALE * rules.house_property_loss_setoff_cap
    allowed_300 = loss_300 if loss_300 < cap_300 else cap_300
    used_300 = allowed_300 if allowed_300 < other_heads_300 else other_heads_300
    return other_heads_300 - used_300, LossSetOff(
        loss_300=loss_300,
        against_other_heads_300=used_300,
        left_for_gains_300=allowed_300 - used_300,
    )


def set_off_against_gains(set_off: LossSetOff, buckets: list[int]) -> tuple[int, int]:
    """(loss set off against the special-rate gains in `buckets`, highest rate first and in
    place, in rupees; loss carried forward u/s 71B, in rupees)."""
    against_gains = 0
    rest_300 = set_off.left_for_gains_300
    if rest_300 > 0 and (buckets[0] or buckets[1] or buckets[2] or buckets[3]):
        # Against whole rupees of gains: the paise of the loss vanish with s.288A anyway.
        rest = -(-rest_300 // INCOME_SCALE)
        against_gains = rest - absorb(buckets, rest)
    left_300 = set_off.loss_300 - set_off.against_other_heads_300 - INCOME_SCALE * against_gains
    return against_gains, left_300 // INCOME_SCALE if left_300 > 0 else 0
