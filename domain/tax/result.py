"""What a computation returns: both regimes, the recommendation and the return form.

Plain msgspec Structs of whole rupees and strings, so a result can be stored in an event
as builtins (`documents.result_to_builtins`) and decoded back with
`msgspec.convert(data, TaxResult)`.

`gc=False`: these are trees of immutable values (strings, ints, tuples of Steps) that can
never take part in a reference cycle, so the garbage collector need not track the ~40
objects every computation makes.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from domain.tax.inputs import ReturnTypeName

ItrForm = Literal["ITR-1", "ITR-2", "ITR-3", "ITR-4"]
RegimeName = Literal["old", "new"]


class Step(msgspec.Struct, frozen=True, gc=False):
    """One readable line of the computation."""

    step: str
    detail: str
    amount: int


class RegimeResult(msgspec.Struct, frozen=True, gc=False):
    """One regime's computation (built by keyword, in field order: domain/tax/engine.py)."""

    regime: RegimeName
    available: bool
    """False when the regime cannot be chosen (old regime on a return filed after the due
    date: s.115BAC(6) lets the option be exercised only in a return filed by then)."""
    salary_income: int
    house_property_income: int
    other_sources_income: int
    capital_gains_111a: int
    capital_gains_112a: int
    house_property_loss_carried_forward: int
    gross_total_income: int
    deductions: int
    total_income: int
    slab_tax: int
    special_rate_tax: int
    rebate_87a: int
    marginal_relief: int
    """Marginal relief under the proviso to s.87A (new regime)."""
    surcharge: int
    """Surcharge payable, after its own marginal relief."""
    surcharge_marginal_relief: int
    cess: int
    total_tax: int
    taxes_paid: int
    interest_234a: int
    interest_234b: int
    interest_234c: int
    fee_234f: int
    total_liability: int
    """total_tax + interest + fee: what the regime costs before prepaid taxes."""
    net_payable: int
    """total_liability - taxes_paid, rounded u/s 288B; negative for a refund."""
    breakdown: tuple[Step, ...]
    additional_tax_140b: int = 0
    """Additional tax u/s 140B(3) on an updated return (included in total_liability)."""
    refund_interest_244a: int = 0
    """Interest u/s 244A on the refund due, accrued by the filing date (not part of
    net_payable). Defaults: results stored before these fields existed decode with 0."""
    fee_234i: int = 0
    """Fee u/s 234I for a revised return filed after 31 December (included in
    total_liability)."""


class ItrFormChoice(msgspec.Struct, frozen=True, gc=False):
    form: ItrForm
    reasons: tuple[str, ...]


class TaxResult(msgspec.Struct, frozen=True, gc=False):
    assessment_year: str
    old: RegimeResult
    new: RegimeResult
    recommended: RegimeName
    itr_form: ItrFormChoice
    return_type: ReturnTypeName | None = None
    """original / belated / revised / updated; None in results stored before return types."""
    return_type_reason: str = ""
