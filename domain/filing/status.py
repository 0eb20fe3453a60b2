"""Where a return stands in its life, and the one rule that says so.

`filing_status` is shared by the `Filing` aggregate and the read model's fold
(projections/read_models/filings/projection.py), so the two cannot disagree.
"""

from __future__ import annotations

from enum import StrEnum


class FilingStatus(StrEnum):
    DRAFT = "draft"  # inputs changed since the last computation (or none yet)
    COMPUTING = "computing"  # a computation of the current inputs was requested
    COMPUTATION_FAILED = "computation_failed"  # the latest request could not be computed
    COMPUTED = "computed"  # the latest computation matches the current inputs
    SUBMITTED = "submitted"  # filed with the department, acknowledgement issued
    E_VERIFIED = "e_verified"  # the taxpayer verified the submitted return

    @property
    def is_closed(self) -> bool:
        return self in (FilingStatus.SUBMITTED, FilingStatus.E_VERIFIED)


def filing_status(
    *,
    submitted: bool,
    e_verified: bool,
    inputs_version: int,
    requested_version: int | None,
    computed_inputs_version: int | None,
    failed: bool,
) -> FilingStatus:
    """The status from what the events recorded.

    `submitted` / `e_verified`: the current return (the latest revision, if one was opened)
    was submitted / e-verified; `inputs_version`: the version of the latest event that changed
    what is taxed; `requested_version`: the latest computation request; `computed_inputs_version`:
    the inputs version the latest result was computed for (None: no result); `failed`: the
    latest request was refused by the engine.
    """
    if e_verified:
        return FilingStatus.E_VERIFIED
    if submitted:
        return FilingStatus.SUBMITTED
    if computed_inputs_version is not None and computed_inputs_version == inputs_version:
        return FilingStatus.COMPUTED
    if requested_version is not None and requested_version > inputs_version:
        return FilingStatus.COMPUTATION_FAILED if failed else FilingStatus.COMPUTING
    return FilingStatus.DRAFT
