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

from domain.tax.income_heads import INCOME_SCALE
from domain.tax.inputs import HouseProperty
from domain.tax.rules import RegimeRules

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


def set_off_loss(loss: int, other_income: int, cap: int) -> tuple[int, int]:
    """(loss set off against `other_income`, loss left over), all in the same scale.

    At most `cap` of the loss may be set off against other heads in the year.
    """
    allowed = loss if loss < cap else cap
    used = allowed if allowed < other_income else other_income
    return used, loss - used
