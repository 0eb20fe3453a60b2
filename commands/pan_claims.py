"""PAN binding on the write side: who may start a return on a PAN, refusals, transfers.

`FilingsApplication.start_filing` decides with the PAN's claim (`domain.pan_claim`). This
module holds what spans the two stores: a refusal and an admin's transfer are recorded in
the audit trail, which lives in the accounts store (`commands.accounts`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commands.context import CommandContext
from commands.errors import CommandError
from domain.audit import AuditAction
from domain.pan import validate_pan
from domain.pan_claim import Refusal

if TYPE_CHECKING:
    from commands.accounts import AccountsApplication
    from commands.filings import FilingsApplication
    from commands.results import Written

# One answer whether the PAN is claimed by another account or another account has a return
# for the year: the asker learns nothing about anyone else's returns.
NEUTRAL_REFUSAL = (
    "a return cannot be started on this PAN from this account; if the PAN is yours, "
    "contact support to have it moved to your account"
)


class PanUnavailable(CommandError):
    """Another account holds the PAN, or has the year's return: answered neutrally (409)."""

    code = "pan-unavailable"

    def __init__(self, claim_id: uuid.UUID, refusal: Refusal, holder: str) -> None:
        super().__init__(NEUTRAL_REFUSAL)
        self.claim_id = claim_id  # for the audit record, never for the answer
        self.refusal = refusal
        self.holder = holder


class PanClaimBusy(CommandError):
    """The claim kept changing under us (many starts at once): the client may retry."""

    code = "pan-claim-busy"


@dataclass(frozen=True)
class PanTransfer:
    claim_id: uuid.UUID
    from_user_id: str | None  # None: nobody had claimed the PAN
    to_user_id: str
    transferred: bool  # False: it already belonged to that account, nothing was written
    withdrawn: tuple[str, ...] = ()  # other accounts' unsubmitted returns on it, withdrawn


def start_filing_audited(
    filings: FilingsApplication,
    accounts: AccountsApplication,
    ctx: CommandContext,
    pan: str,
    assessment_year: str,
) -> Written:
    """Start a return; a neutral refusal leaves an audit record (who asked, whose claim)."""
    try:
        return filings.start_filing(ctx, pan, assessment_year)
    except PanUnavailable as refused:
        accounts.record_action(
            ctx,
            AuditAction.PAN_CLAIM_REFUSED,
            str(refused.claim_id),
            {
                "assessment_year": assessment_year,
                "reason": refused.refusal.value,
                "holder": refused.holder,
            },
        )
        raise


def transfer_pan(
    filings: FilingsApplication,
    accounts: AccountsApplication,
    ctx: CommandContext,
    pan: str,
    to_user_id: uuid.UUID,
    reason: str,
) -> PanTransfer:
    """Move a PAN to another account after a dispute. The audit record is saved first (the
    trail lives in the other store): there is no transfer without its record.

    The returns other accounts started on the PAN and never submitted are withdrawn
    (`ReturnWithdrawn`, status `withdrawn`, closed for good) and their years freed: the new
    holder starts afresh. They are not moved to the new holder: they hold what another
    account typed and uploaded (sealed with that account's data key, which its events keep
    for good and which that account's erasure destroys), and the new holder must not read
    someone else's inputs nor build a return on them. Submitted returns stay where they
    are: they were filed with the department under the PAN, and are corrected there (a
    revised return), not by moving history between accounts. docs/security.md."""
    validate_pan(pan)
    accounts.get(to_user_id)  # AccountNotFound (404) for an unknown account
    claim_id = filings.pan_claim_id(pan)
    claim = filings.find_pan_claim(claim_id)
    holder = claim.owner_id if claim is not None else None
    if holder == str(to_user_id):
        return PanTransfer(claim_id, holder, holder, transferred=False)
    accounts.record_action(
        ctx,
        AuditAction.PAN_TRANSFERRED,
        str(claim_id),
        {"from": holder or "", "to": str(to_user_id), "reason": reason},
    )
    before, withdrawn = filings.transfer_pan_claim(ctx, claim_id, str(to_user_id), reason)
    if withdrawn:  # what the transfer did to other accounts' returns, audited too
        accounts.record_action(
            ctx,
            AuditAction.PAN_RETURNS_WITHDRAWN,
            str(claim_id),
            {"to": str(to_user_id), "filings": ",".join(withdrawn)},
        )
    return PanTransfer(claim_id, before, str(to_user_id), True, tuple(withdrawn))
