"""The write side of returns: load a Filing, check the client's version, run the command, save."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from commands.application import IndexedApplication, record_report
from commands.context import CommandContext
from commands.errors import FilingAlreadyExists, FilingNotFound, VersionConflict
from commands.pan_claims import PanClaimBusy, PanUnavailable
from commands.results import Written
from domain.filing import Filing, IncomeDeclaration, ReturnTypeRefused
from domain.filing.aggregate import Regime
from domain.pan import validate_pan
from domain.pan_claim import PanClaim, Refusal, pan_claim_id
from domain.tax.inputs import Deductions

_CLAIM_ATTEMPTS = 5
PAN_TRANSFERRED = "pan-transferred"  # why a return was withdrawn (stored: stable)


class FilingsApplication(IndexedApplication):
    name = "filings"

    # --- commands a taxpayer gives ----------------------------------------------------

    def start_filing(self, ctx: CommandContext, pan: str, assessment_year: str) -> Written:
        """A new return (random id), saved with the PAN's claim: the first account to start
        a return on a PAN claims it; another account is refused neutrally (PanUnavailable)."""
        claim_id = self.pan_claim_id(validate_pan(pan))
        for _ in range(_CLAIM_ATTEMPTS):
            filing = Filing.start(  # checks the year before anything is read
                owner_id=ctx.actor, pan=pan, assessment_year=assessment_year, meta=ctx.meta()
            )
            claim = self.find_pan_claim(claim_id) or PanClaim.open(claim_id, ctx.actor, ctx.meta())
            refusal = claim.refusal(ctx.actor, assessment_year)
            if refusal is Refusal.EXISTS:
                raise FilingAlreadyExists(
                    f"you already have a return for this PAN and assessment year {assessment_year}"
                )
            if refusal is not None:
                raise PanUnavailable(claim_id, refusal, claim.owner_id)
            claim.register_filing(assessment_year, filing.id, ctx.actor, ctx.meta())
            try:
                return self._save(filing, claim)
            except IntegrityError:
                continue  # another start saved the claim first: decide again on its version
        raise PanClaimBusy("this PAN is being claimed by several requests at once; retry")

    # --- PAN claims ---------------------------------------------------------------------

    def pan_claim_id(self, pan: str) -> uuid.UUID:
        return pan_claim_id(self.index_key, pan)

    def find_pan_claim(self, claim_id: uuid.UUID) -> PanClaim | None:
        try:
            claim: object = self.repository.get(claim_id)
        except AggregateNotFoundError:
            return None
        return claim if isinstance(claim, PanClaim) else None

    def transfer_pan_claim(
        self, ctx: CommandContext, claim_id: uuid.UUID, to_owner_id: str, reason: str
    ) -> tuple[str | None, list[str]]:
        """Give the claim to `to_owner_id` (creating it if nobody had claimed the PAN), and
        withdraw the returns other accounts started on it and never submitted, freeing their
        years (commands/pan_claims.py says why); all in one transaction. Returns the previous
        holder and the withdrawn filings' ids. Retried when a start changes the claim."""
        for _ in range(_CLAIM_ATTEMPTS):
            claim = self.find_pan_claim(claim_id)
            withdrawn: list[Filing] = []
            if claim is None:
                claim = PanClaim.open(claim_id, to_owner_id, ctx.meta())
                before = None
            else:
                before = claim.owner_id
                claim.transfer(to_owner_id, reason, ctx.meta())
                for year, (filing_id, starter) in sorted(claim.filings.items()):
                    if starter == to_owner_id:
                        continue
                    try:
                        filing: Filing | None = self.get_filing(uuid.UUID(filing_id))
                    except FilingNotFound:
                        filing = None  # its owner was erased: nothing left to withdraw
                    if filing is not None and filing.status.is_closed:
                        continue  # filed with the department: it stays where it is
                    if filing is not None:
                        filing.withdraw(PAN_TRANSFERRED, ctx.meta())
                        withdrawn.append(filing)
                    claim.release(year, PAN_TRANSFERRED, ctx.meta())
            try:
                self.save(claim, *withdrawn)
                return before, [str(f.id) for f in withdrawn]
            except IntegrityError:
                continue
        raise PanClaimBusy("the PAN's claim is changing; retry")

    def declare_income(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        expected_version: int,
        income: IncomeDeclaration,
    ) -> Written:
        return self._change(
            ctx, filing_id, expected_version, lambda f: f.declare_income(income, ctx.meta())
        )

    def claim_deductions(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        expected_version: int,
        deductions: Deductions,
    ) -> Written:
        return self._change(
            ctx, filing_id, expected_version, lambda f: f.claim_deductions(deductions, ctx.meta())
        )

    def request_computation(
        self, ctx: CommandContext, filing_id: uuid.UUID, expected_version: int, today: dt.date
    ) -> Written:
        return self._change(
            ctx, filing_id, expected_version, lambda f: f.request_computation(today, ctx.meta())
        )

    def submit(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        expected_version: int,
        regime: Regime,
        today: dt.date,
    ) -> tuple[Written, str]:
        """File the return; returns what was written and the acknowledgement number."""
        acknowledgement = f"{secrets.randbelow(10**15):015d}"
        written = self._change(
            ctx,
            filing_id,
            expected_version,
            lambda f: f.submit(regime, acknowledgement, today, ctx.meta()),
        )
        return written, acknowledgement

    def open_revision(
        self, ctx: CommandContext, filing_id: uuid.UUID, expected_version: int, today: dt.date
    ) -> Written:
        """Reopen a submitted return as a revised or updated return replacing it."""
        return self._change(
            ctx, filing_id, expected_version, lambda f: f.open_revision(today, ctx.meta())
        )

    def e_verify(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        expected_version: int,
        method: str,
        today: dt.date,
    ) -> Written:
        return self._change(
            ctx, filing_id, expected_version, lambda f: f.e_verify(method, today, ctx.meta())
        )

    # --- what a worker reports back ---------------------------------------------------

    def record_computation(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        requested_version: int,
        result: dict[str, Any],
        *,
        loaded: Filing | None = None,
    ) -> Written | None:
        """Record a result computed for `requested_version`; None when it is stale or a repeat.

        Workers deliver at least once and race with the taxpayer, so a conflicting save is
        retried against the newer version, where the aggregate decides whether it still counts.
        `loaded`: the filing as the caller has just read it (unchanged), tried first instead
        of reading it again; a newer one makes the save conflict and the retry reads it.
        """
        return self._report(
            filing_id,
            lambda f: f.record_computation(requested_version, result, ctx.meta()),
            loaded,
        )

    def record_computation_failure(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        requested_version: int,
        reason: str,
        *,
        loaded: Filing | None = None,
    ) -> Written | None:
        """Record that the inputs as requested cannot be computed (the taxpayer must act)."""
        return self._report(
            filing_id,
            lambda f: f.record_computation_failure(requested_version, reason, ctx.meta()),
            loaded,
        )

    def _report(
        self,
        filing_id: uuid.UUID,
        apply: Callable[[Filing], bool],
        loaded: Filing | None = None,
    ) -> Written | None:
        return record_report(lambda: self.get_filing(filing_id), apply, self._save, loaded)

    # --- reading the write model ------------------------------------------------------

    def get_filing(self, filing_id: uuid.UUID, version: int | None = None) -> Filing:
        try:
            filing: object = self.repository.get(filing_id, version=version)
        except AggregateNotFoundError:
            raise FilingNotFound(filing_id) from None
        if not isinstance(filing, Filing):
            raise FilingNotFound(filing_id)
        return filing

    def get_owned_filing(self, filing_id: uuid.UUID, owner_id: str) -> Filing:
        filing = self.get_filing(filing_id)
        if filing.owner_id != owner_id:
            raise FilingNotFound(filing_id)  # another's return does not exist for you
        return filing

    def return_type_on(self, filing_id: uuid.UUID, owner_id: str, day: dt.date) -> dict[str, Any]:
        """Which return the filing would be on `day` and why, from its own history: the
        type, the section and its window, or (type None) why no return can be filed."""
        filing = self.get_owned_filing(filing_id, owner_id)
        view: dict[str, Any] = {
            "on": day,
            "revision": filing.revision,
            "revises": filing.revises,
            "submissions": len(filing.submissions),
        }
        try:
            decision = filing.return_type_on(day)
        except ReturnTypeRefused as refused:
            return {**view, "return_type": None, "section": None, "reason": refused.message}
        window = decision.window
        return {
            **view,
            "return_type": decision.return_type.value,
            "section": window.section,
            "window_opens": window.opens,
            "window_closes": window.closes,
            "reason": decision.reason,
        }

    # --- plumbing ---------------------------------------------------------------------

    def _change(
        self,
        ctx: CommandContext,
        filing_id: uuid.UUID,
        expected_version: int,
        command: Callable[[Filing], None],
    ) -> Written:
        filing = self.get_owned_filing(filing_id, ctx.actor)
        if filing.version != expected_version:
            raise VersionConflict(expected_version, filing.version)
        command(filing)
        try:
            return self._save(filing)
        except IntegrityError:
            current = self.get_filing(filing_id).version
            raise VersionConflict(expected_version, current) from None

    def _save(self, filing: Filing, *with_: PanClaim) -> Written:
        recordings = self.save(*with_, filing)  # the filing's event last: its position
        last = recordings[-1]
        return Written(
            aggregate_id=filing.id, version=filing.version, position=last.notification.id
        )
