"""Where a return stands in its life."""

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
