"""The Filing aggregate: one taxpayer's return for one assessment year.

Public command methods check the rules and then trigger a private `@event` method; the
event methods only record what happened, so replaying stored events never re-checks rules
that were true when the event was recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    ComputationMissing,
    FilingClosed,
    IncomeMissing,
    InvalidTransition,
    UnsupportedAssessmentYear,
)
from domain.filing.declarations import IncomeDeclaration, tax_input, to_plain
from domain.filing.status import FilingStatus
from domain.pan import validate_pan
from domain.tax.inputs import SUPPORTED_ASSESSMENT_YEARS, Deductions, TaxInput

Regime = Literal["old", "new"]
Meta = dict[str, str]
"""Who asked (actor), and the correlation and causation ids that tie events to requests."""

_FILING_NAMESPACE = uuid.UUID("6f1c1a52-7f0e-4b43-9a53-3a1f6bde0c11")


class Filing(Aggregate):
    @staticmethod
    def create_id(owner_id: str, pan: str, assessment_year: str, meta: Meta) -> uuid.UUID:
        # One original return per PAN and year: a second start collides on this id.
        return uuid.uuid5(_FILING_NAMESPACE, f"{pan}/{assessment_year}")

    @classmethod
    def start(cls, owner_id: str, pan: str, assessment_year: str, meta: Meta) -> Filing:
        validate_pan(pan)
        if assessment_year not in SUPPORTED_ASSESSMENT_YEARS:
            raise UnsupportedAssessmentYear(
                f"assessment year {assessment_year!r} is not one of "
                f"{', '.join(SUPPORTED_ASSESSMENT_YEARS)}",
                field="assessment_year",
            )
        return cls(owner_id=owner_id, pan=pan, assessment_year=assessment_year, meta=meta)

    @event("FilingStarted")
    def __init__(self, owner_id: str, pan: str, assessment_year: str, meta: Meta) -> None:
        self.owner_id = owner_id
        self.pan = pan
        self.assessment_year = assessment_year
        self.income: dict[str, Any] | None = None
        self.deductions: dict[str, Any] = to_plain(Deductions())
        self.income_source: dict[str, Any] | None = None  # e.g. the Form 16 it came from
        self.deductions_source: dict[str, Any] | None = None
        self.inputs_version = 1  # version of the latest event that changed what is taxed
        self.requested_version: int | None = None  # latest computation asked for these inputs
        self.requested_on: dt.date | None = None
        self.requested_correlation_id: str | None = None
        self.computation: dict[str, Any] | None = None
        self.computed_inputs_version: int | None = None
        self.computed_request_version: int | None = None
        self.computation_error: str | None = None
        self.regime: Regime | None = None
        self.acknowledgement: str | None = None
        self.submitted_on: dt.date | None = None
        self.e_verified = False

    # --- the life of a return -------------------------------------------------------

    @property
    def status(self) -> FilingStatus:
        if self.e_verified:
            return FilingStatus.E_VERIFIED
        if self.acknowledgement is not None:
            return FilingStatus.SUBMITTED
        if self.has_current_computation:
            return FilingStatus.COMPUTED
        if self.requested_version is not None and self.requested_version > self.inputs_version:
            if self.computation_error is not None:
                return FilingStatus.COMPUTATION_FAILED
            return FilingStatus.COMPUTING
        return FilingStatus.DRAFT

    @property
    def has_current_computation(self) -> bool:
        return self.computation is not None and self.computed_inputs_version == self.inputs_version

    def declare_income(
        self, income: IncomeDeclaration, meta: Meta, source: dict[str, Any] | None = None
    ) -> None:
        """`source`: where the numbers came from (a document and its fields), if not typed."""
        self._require_open()
        self._income_declared(income=to_plain(income), meta=meta, source=source)

    def claim_deductions(
        self, deductions: Deductions, meta: Meta, source: dict[str, Any] | None = None
    ) -> None:
        self._require_open()
        self._deductions_claimed(deductions=to_plain(deductions), meta=meta, source=source)

    def request_computation(self, requested_on: dt.date, meta: Meta) -> None:
        self._require_open()
        if self.income is None:
            raise IncomeMissing("declare income before asking for a computation", field="income")
        self._computation_requested(requested_on=requested_on, meta=meta)

    def tax_input_for(self, filing_date: dt.date | None) -> TaxInput:
        if self.income is None:
            raise IncomeMissing("no income declared", field="income")
        return tax_input(self.assessment_year, self.income, self.deductions, filing_date)

    def accepts_computation(self, requested_version: int) -> bool:
        """A result counts only if it was computed for the inputs as they stand now."""
        return (
            not self.status.is_closed
            and self.requested_version == requested_version
            and self.inputs_version < requested_version
            and self.computed_request_version != requested_version
        )

    def record_computation(
        self, requested_version: int, result: dict[str, Any], meta: Meta
    ) -> bool:
        """Apply a worker's result; a stale or repeated one is discarded (returns False)."""
        if not self.accepts_computation(requested_version):
            return False
        self._tax_computed(requested_version=requested_version, result=result, meta=meta)
        return True

    def record_computation_failure(self, requested_version: int, reason: str, meta: Meta) -> bool:
        """The inputs could not be computed (e.g. the law does not allow this filing date)."""
        if not self.accepts_computation(requested_version):
            return False
        self._tax_computation_failed(requested_version=requested_version, reason=reason, meta=meta)
        return True

    def submit(
        self, regime: Regime, acknowledgement: str, submitted_on: dt.date, meta: Meta
    ) -> None:
        self._require_open()
        if regime not in ("old", "new"):
            raise InvalidTransition("regime must be 'old' or 'new'", field="regime")
        if not self.has_current_computation:
            raise ComputationMissing(
                "submit needs a computation of the return as it stands now; request one first"
            )
        self._return_submitted(
            regime=regime, acknowledgement=acknowledgement, submitted_on=submitted_on, meta=meta
        )

    def e_verify(self, method: str, verified_on: dt.date, meta: Meta) -> None:
        if self.status is not FilingStatus.SUBMITTED:
            raise InvalidTransition("only a submitted, unverified return can be e-verified")
        self._return_e_verified(method=method, verified_on=verified_on, meta=meta)

    def _require_open(self) -> None:
        if self.status.is_closed:
            raise FilingClosed("the return was submitted; it changes only by a revised return")

    # --- what happened (applied on every replay) ------------------------------------

    @event("IncomeDeclared")
    def _income_declared(
        self, income: dict[str, Any], meta: Meta, source: dict[str, Any] | None = None
    ) -> None:
        # `source` was added later: events stored before it replay with the default (None).
        self.income = income
        self.income_source = source
        self.inputs_version = self.version + 1

    @event("DeductionsClaimed")
    def _deductions_claimed(
        self, deductions: dict[str, Any], meta: Meta, source: dict[str, Any] | None = None
    ) -> None:
        self.deductions = deductions
        self.deductions_source = source
        self.inputs_version = self.version + 1

    @event("TaxComputationRequested")
    def _computation_requested(self, requested_on: dt.date, meta: Meta) -> None:
        self.requested_version = self.version + 1
        self.requested_on = requested_on
        self.requested_correlation_id = meta.get("correlation_id")
        self.computation_error = None

    @event("TaxComputed")
    def _tax_computed(self, requested_version: int, result: dict[str, Any], meta: Meta) -> None:
        self.computation = result
        self.computed_inputs_version = self.inputs_version
        self.computed_request_version = requested_version
        self.computation_error = None

    @event("TaxComputationFailed")
    def _tax_computation_failed(self, requested_version: int, reason: str, meta: Meta) -> None:
        self.computed_request_version = requested_version
        self.computation_error = reason

    @event("ReturnSubmitted")
    def _return_submitted(
        self, regime: Regime, acknowledgement: str, submitted_on: dt.date, meta: Meta
    ) -> None:
        self.regime = regime
        self.acknowledgement = acknowledgement
        self.submitted_on = submitted_on

    @event("ReturnEVerified")
    def _return_e_verified(self, method: str, verified_on: dt.date, meta: Meta) -> None:
        self.e_verified = True
