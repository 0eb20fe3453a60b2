"""The names of a Filing's events, as stored: one place for the aggregate, the read-model
fold, the history and the reactors. A stored name never changes (GUIDE: events are stored
forever); a new meaning is a new name or a `class_version` with an upcaster."""

from __future__ import annotations

from typing import Final

STREAM: Final = "Filing"

FILING_STARTED: Final = "FilingStarted"
INCOME_DECLARED: Final = "IncomeDeclared"
DEDUCTIONS_CLAIMED: Final = "DeductionsClaimed"
TAX_COMPUTATION_REQUESTED: Final = "TaxComputationRequested"
TAX_COMPUTED: Final = "TaxComputed"
TAX_COMPUTATION_FAILED: Final = "TaxComputationFailed"
RETURN_SUBMITTED: Final = "ReturnSubmitted"
RETURN_E_VERIFIED: Final = "ReturnEVerified"
REVISION_OPENED: Final = "RevisionOpened"
RETURN_WITHDRAWN: Final = "ReturnWithdrawn"
"""An unsubmitted return closed for good because its PAN was moved to another account."""
"""A submitted return reopened as a revised (s.139(5)) or updated (s.139(8A)) return."""

INPUT_EVENTS: Final = frozenset({INCOME_DECLARED, DEDUCTIONS_CLAIMED, REVISION_OPENED})
"""Events after which the last computation no longer describes the return."""
