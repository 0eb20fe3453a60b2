"""The Filing aggregate: one taxpayer's return for one assessment year.

Public command methods check the rules and then trigger a private `@event` method; the
event methods only record what happened, so replaying stored events never re-checks rules
that were true when the event was recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.documents.errors import InvalidCorrection
from domain.errors import (
    ComputationMissing,
    FilingClosed,
    IncomeMissing,
    InvalidTransition,
    UnsupportedAssessmentYear,
)
from domain.filing import events as names
from domain.filing.declarations import (
    IncomeDeclaration,
    deductions_from_plain,
    income_from_plain,
    tax_input,
    to_plain,
)
from domain.filing.document_figures import (
    document_of,
    figures_of,
    largest,
    total,
    with_figures,
)
from domain.filing.return_kind import (
    earlier_return,
    paid_with_earlier_returns,
    refused_by_engine,
    return_kind,
    submission,
)
from domain.filing.status import FilingStatus, filing_status
from domain.pan import validate_pan
from domain.tax.engine import compute
from domain.tax.inputs import SUPPORTED_ASSESSMENT_YEARS, Deductions, TaxInput
from domain.tax.return_types import ReturnNotAllowed, ReturnTypeDecision

Regime = Literal["old", "new"]
Meta = dict[str, str]
"""Who asked (actor), and the correlation and causation ids that tie events to requests."""


class Filing(Aggregate):
    # The id is random (uuid4, the library's default), never derived from the PAN: one
    # return per PAN and year is kept by the PAN's claim (`domain.pan_claim`), saved with
    # the filing. Filings started before that have uuid5(PAN/year) ids and stay valid.

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

    @event(names.FILING_STARTED)
    def __init__(self, owner_id: str, pan: str, assessment_year: str, meta: Meta) -> None:
        self.owner_id = owner_id
        self.pan = pan
        self.assessment_year = assessment_year
        self.income: dict[str, Any] | None = None
        self.deductions: dict[str, Any] = to_plain(Deductions())
        self.income_source: dict[str, Any] | None = None  # e.g. the Form 16 it came from
        self.deductions_source: dict[str, Any] | None = None
        # Per accepted document id: its figures on the return, the Chapter VI-A amounts its
        # employer allowed, and the employer's TAN (`document_figures`). Folded from the
        # `source` of the events an acceptance records.
        self.document_figures: dict[str, dict[str, int]] = {}
        self.document_claims: dict[str, dict[str, int]] = {}
        self.document_employers: dict[str, str] = {}
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
        # Every return submitted for the year, oldest first (`return_kind.submission`), and
        # the one the open revision replaces (`EarlierReturn` builtins; None: no revision).
        self.submissions: list[dict[str, Any]] = []
        self.revision = 0
        self.revises: dict[str, Any] | None = None
        self.withdrawn = False

    # --- the life of a return -------------------------------------------------------

    @property
    def status(self) -> FilingStatus:
        return filing_status(
            submitted=self.acknowledgement is not None,
            e_verified=self.e_verified,
            inputs_version=self.inputs_version,
            requested_version=self.requested_version,
            computed_inputs_version=(
                self.computed_inputs_version if self.computation is not None else None
            ),
            failed=self.computation_error is not None,
            withdrawn=getattr(self, "withdrawn", False),
        )

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

    def declare_document(
        self,
        income_source: dict[str, Any],
        deductions_source: dict[str, Any] | None,
        meta: Meta,
    ) -> None:
        """Put an accepted document's figures on the return (`domain.filing.document_figures`):
        the salary figures and TDS become the sum over the accepted documents, this one's
        contribution replacing any earlier one of the same document or the same employer's
        TAN; the rest of the declaration is kept. `income_source` names the document and
        carries each figure's value; `deductions_source` (None: nothing allowed) the Chapter
        VI-A amounts the employer allowed, claimed at the largest any document allowed."""
        self._require_open()
        document = document_of(income_source)
        if document is None:
            raise ValueError("a document's figures must name the document")
        tan = income_source.get("employer_tan")
        superseded = sorted(
            d for d, t in self.document_employers.items() if tan and t == tan and d != document
        )
        others = [
            f for d, f in self.document_figures.items() if d != document and d not in superseded
        ]
        income = with_figures(self.income, total([*others, figures_of(income_source)]))
        try:
            declared = to_plain(income_from_plain(income))
        except msgspec.ValidationError:
            raise InvalidCorrection(
                "the accepted documents' amounts add up to more than a return can hold",
                field="corrections",
            ) from None
        if superseded:
            income_source = {**income_source, "supersedes": superseded}
        self._income_declared(income=declared, meta=meta, source=income_source)
        if deductions_source is None:
            return
        allowed = figures_of(deductions_source)
        claims = [c for d, c in self.document_claims.items() if d != document]
        merged = {**self.deductions, **largest([*claims, allowed], allowed)}
        self._deductions_claimed(
            deductions=to_plain(deductions_from_plain(merged)), meta=meta, source=deductions_source
        )

    def request_computation(self, requested_on: dt.date, meta: Meta) -> None:
        """`requested_on` is the filing date the return is computed for (recorded, so a
        retry or a replay computes the same). The return type follows from it and from the
        submissions; a return the law refuses on that date (outside every window, an updated
        return lowering the tax or raising a refund, a loss return) is refused here, and
        nothing is recorded."""
        self._require_open()
        if self.income is None:
            raise IncomeMissing("declare income before asking for a computation", field="income")
        return_kind(self.assessment_year, requested_on, self.submissions)
        try:
            compute(self.tax_input_for(requested_on))
        except ReturnNotAllowed as exc:
            raise refused_by_engine(exc) from None
        self._computation_requested(requested_on=requested_on, meta=meta)

    def tax_input_for(self, filing_date: dt.date | None) -> TaxInput:
        if self.income is None:
            raise IncomeMissing("no income declared", field="income")
        income = self.income
        paid_before = paid_with_earlier_returns(self.submissions)
        if paid_before:
            taxes_paid = dict(income.get("taxes_paid") or {})
            taxes_paid["self_assessment"] = int(taxes_paid.get("self_assessment", 0)) + paid_before
            income = {**income, "taxes_paid": taxes_paid}
        return tax_input(self.assessment_year, income, self.deductions, filing_date, self.revises)

    def return_type_on(self, day: dt.date) -> ReturnTypeDecision:
        """Which return this filing would be if filed on `day`, and why (its submissions
        count); raises `ReturnTypeRefused` naming the windows when none can be filed."""
        return return_kind(self.assessment_year, day, self.submissions, field="on")

    def accepts_computation(self, requested_version: int) -> bool:
        """A result counts only if it was computed for the inputs as they stand now."""
        return (
            not self.status.is_closed
            and self.status is not FilingStatus.WITHDRAWN
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
        decision = return_kind(
            self.assessment_year, submitted_on, self.submissions, field="submitted_on"
        )
        computed_as = (self.computation or {}).get("return_type")
        if computed_as is not None and computed_as != decision.return_type.value:
            raise ComputationMissing(
                f"the return was computed as {computed_as} (on {self.requested_on}); filed on "
                f"{submitted_on.isoformat()} it is {decision.return_type.value} u/s "
                f"{decision.window.section} ({decision.reason}): request a new computation"
            )
        self._return_submitted(
            regime=regime, acknowledgement=acknowledgement, submitted_on=submitted_on, meta=meta
        )

    def open_revision(self, opened_on: dt.date, meta: Meta) -> None:
        """Reopen a submitted return as a revised (s.139(5)) or updated (s.139(8A)) return
        replacing it: it can then be changed, computed and submitted again. Refused (and
        nothing recorded) for a return not submitted, after the last window, or after an
        updated return."""
        if not self.status.is_closed:
            raise InvalidTransition(
                f"only a submitted return can be revised; this one is {self.status.value}"
            )
        decision = return_kind(self.assessment_year, opened_on, self.submissions, field="opened_on")
        first, latest = self.submissions[0], self.submissions[-1]
        self._revision_opened(
            revision=self.revision + 1,
            return_type=decision.return_type.value,
            reason=decision.reason,
            revises=earlier_return(latest),
            original={
                "acknowledgement": first["acknowledgement"],
                "submitted_on": first["submitted_on"],
            },
            opened_on=opened_on,
            meta=meta,
        )

    def e_verify(self, method: str, verified_on: dt.date, meta: Meta) -> None:
        if self.status is not FilingStatus.SUBMITTED:
            raise InvalidTransition("only a submitted, unverified return can be e-verified")
        self._return_e_verified(method=method, verified_on=verified_on, meta=meta)

    def withdraw(self, reason: str, meta: Meta) -> None:
        """Close a return that was never submitted, for good: its PAN was moved to another
        account (commands/pan_claims.py). Refused for a submitted return (it was filed with
        the department) and for one withdrawn already."""
        if self.status.is_closed or self.status is FilingStatus.WITHDRAWN:
            raise InvalidTransition(
                f"only a return not yet submitted can be withdrawn; this one is {self.status.value}"
            )
        self._return_withdrawn(reason=reason, meta=meta)

    def _require_open(self) -> None:
        if self.status is FilingStatus.WITHDRAWN:
            raise FilingClosed(
                "the return was withdrawn: its PAN was moved to another account after a dispute"
            )
        if self.status.is_closed:
            raise FilingClosed(
                "the return was submitted; it changes only by a revised or updated return "
                "(POST /api/v1/filings/{id}/revisions)"
            )

    # --- what happened (applied on every replay) ------------------------------------

    @event(names.INCOME_DECLARED)
    def _income_declared(
        self, income: dict[str, Any], meta: Meta, source: dict[str, Any] | None = None
    ) -> None:
        # `source` was added later: events stored before it replay with the default (None).
        # A taxpayer's own declaration (no document) leaves the documents' contributions
        # alone: it overrides the figures until the next acceptance sums them again.
        self.income = income
        self.income_source = source
        self.inputs_version = self.version + 1
        document = document_of(source)
        if source is None or document is None:
            return
        # An acceptance replaces the document's whole contribution (its claims follow in a
        # DeductionsClaimed, if the employer allowed any) and drops those it supersedes.
        gone = {document, *(source.get("supersedes") or ())}
        self.document_figures = {
            **{d: f for d, f in self.document_figures.items() if d not in gone},
            document: figures_of(source),
        }
        self.document_claims = {d: c for d, c in self.document_claims.items() if d not in gone}
        employers = {d: t for d, t in self.document_employers.items() if d not in gone}
        if source.get("employer_tan"):
            employers[document] = str(source["employer_tan"])
        self.document_employers = employers

    @event(names.DEDUCTIONS_CLAIMED)
    def _deductions_claimed(
        self, deductions: dict[str, Any], meta: Meta, source: dict[str, Any] | None = None
    ) -> None:
        self.deductions = deductions
        self.deductions_source = source
        self.inputs_version = self.version + 1
        document = document_of(source)
        if source is not None and document is not None:
            self.document_claims = {**self.document_claims, document: figures_of(source)}

    @event(names.TAX_COMPUTATION_REQUESTED)
    def _computation_requested(self, requested_on: dt.date, meta: Meta) -> None:
        self.requested_version = self.version + 1
        self.requested_on = requested_on
        self.requested_correlation_id = meta.get("correlation_id")
        self.computation_error = None

    @event(names.TAX_COMPUTED)
    def _tax_computed(self, requested_version: int, result: dict[str, Any], meta: Meta) -> None:
        self.computation = result
        self.computed_inputs_version = self.inputs_version
        self.computed_request_version = requested_version
        self.computation_error = None

    @event(names.TAX_COMPUTATION_FAILED)
    def _tax_computation_failed(self, requested_version: int, reason: str, meta: Meta) -> None:
        self.computed_request_version = requested_version
        self.computation_error = reason

    @event(names.RETURN_SUBMITTED)
    def _return_submitted(
        self, regime: Regime, acknowledgement: str, submitted_on: dt.date, meta: Meta
    ) -> None:
        self.regime = regime
        self.acknowledgement = acknowledgement
        self.submitted_on = submitted_on
        self.submissions = [
            *self.submissions,
            submission(acknowledgement, submitted_on, regime, self.computation),
        ]

    @event(names.RETURN_WITHDRAWN)
    def _return_withdrawn(self, reason: str, meta: Meta) -> None:
        self.withdrawn = True

    @event(names.RETURN_E_VERIFIED)
    def _return_e_verified(self, method: str, verified_on: dt.date, meta: Meta) -> None:
        self.e_verified = True

    @event(names.REVISION_OPENED)
    def _revision_opened(
        self,
        revision: int,
        return_type: str,
        reason: str,
        revises: dict[str, Any],
        original: dict[str, Any],
        opened_on: dt.date,
        meta: Meta,
    ) -> None:
        # `return_type` is what the opening date allowed; the computation decides again on
        # its own date. The last computation described the return being replaced.
        self.revision = revision
        self.revises = revises
        self.acknowledgement = None
        self.regime = None
        self.submitted_on = None
        self.e_verified = False
        self.inputs_version = self.version + 1
