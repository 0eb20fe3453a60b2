"""Random command sequences never break the Filing's invariants, and the events stored in
PostgreSQL replay to the same state."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.filings import FilingsApplication
from domain.errors import ComputationMissing, DomainError, FilingClosed, IncomeMissing
from domain.filing import Filing, FilingStatus, IncomeDeclaration, ReturnTypeRefused
from domain.filing.document_figures import FIGURES, total
from domain.tax.inputs import Deductions, Salary
from tests.taxpayer import random_pan

META = {"actor": "prop", "correlation_id": "c", "causation_id": "c"}
STATE_ATTRS = (
    "owner_id",
    "pan",
    "assessment_year",
    "income",
    "deductions",
    "inputs_version",
    "requested_version",
    "requested_on",
    "computation",
    "computed_inputs_version",
    "computed_request_version",
    "computation_error",
    "regime",
    "acknowledgement",
    "submitted_on",
    "e_verified",
    "submissions",
    "revision",
    "revises",
    "document_figures",
    "document_claims",
    "document_employers",
    "version",
    "status",
)

incomes = st.builds(
    IncomeDeclaration,
    age=st.integers(18, 100),
    salary=st.builds(Salary, gross=st.integers(0, 10**8), professional_tax=st.integers(0, 2500)),
)
deductions = st.builds(
    Deductions,
    c80=st.integers(0, 400_000),
    ccd_1b=st.integers(0, 100_000),
    d_self=st.integers(0, 60_000),
)


# An accepted Form 16's source as `domain.documents.prefill` records it: a few documents
# (so some are accepted again) from fewer employers (so some supersede another).
form16_sources = st.builds(
    lambda doc, tan, amounts, claim: {
        "document_id": f"doc-{doc}",
        "sha256": f"{doc:064x}",
        "form": "16",
        **({"employer_tan": f"EMPL{tan:05d}A"} if tan is not None else {}),
        "fields": {t: {"field": t, "value": v, "corrected": False} for t, v in amounts.items()},
        "claim": claim,
    },
    st.integers(0, 4),
    st.none() | st.integers(0, 2),
    st.integers(0, 10**7).flatmap(
        lambda gross: st.fixed_dictionaries(
            {
                "salary.gross": st.just(gross),
                "salary.exempt_allowances": st.integers(0, gross),  # part of gross salary
                "salary.professional_tax": st.integers(0, 2_500),
                "salary.employer_nps": st.integers(0, gross),
                "taxes_paid.tds": st.integers(0, 10**6),
            }
        )
    ),
    st.integers(0, 200_000),
)


def snapshot(f: Filing) -> dict[str, Any]:
    return {a: getattr(f, a) for a in STATE_ATTRS}


class FilingLife(RuleBasedStateMachine):
    app: FilingsApplication

    def __init__(self) -> None:
        super().__init__()
        self.filing = Filing.start("owner", random_pan(), "2026-27", META)
        self.closed_at: int | None = None
        self.computations_offered: list[int] = []
        self.summed = False  # whether the last income declared was a document's

    def _attempt(self, command: Any) -> None:
        before = snapshot(self.filing)
        try:
            command()
        except DomainError:
            assert snapshot(self.filing) == before, "a refused command changed the filing"

    @rule(income=incomes)
    def declare_income(self, income: IncomeDeclaration) -> None:
        closed = self.filing.status.is_closed
        try:
            self.filing.declare_income(income, META)
            assert not closed
            self.summed = False
        except FilingClosed:
            assert closed

    @rule(source=form16_sources)
    def accept_form16(self, source: dict[str, Any]) -> None:
        claim = source.pop("claim")
        claims = None
        if claim:
            claims = {**source, "fields": {"80C": {"field": "via_80c_total", "value": claim}}}
        closed = self.filing.status.is_closed
        try:
            self.filing.declare_document(source, claims, META)
            assert not closed
            self.summed = True
        except FilingClosed:
            assert closed

    @rule(claimed=deductions)
    def claim_deductions(self, claimed: Deductions) -> None:
        self._attempt(lambda: self.filing.claim_deductions(claimed, META))

    @rule()
    def request_computation(self) -> None:
        had_income = self.filing.income is not None
        try:
            self.filing.request_computation(dt.date(2026, 7, 1), META)
        except IncomeMissing:
            assert not had_income
        except FilingClosed:
            assert self.filing.status.is_closed
        except ReturnTypeRefused:
            # a revision (opened on 4 July) is not computed as filed before the return it
            # replaces (submitted on 2 July)
            assert self.filing.submissions
        else:
            assert self.filing.requested_version is not None
            self.computations_offered.append(self.filing.requested_version)

    @precondition(lambda self: bool(self.computations_offered))
    @rule(data=st.data())
    def worker_reports(self, data: st.DataObject) -> None:
        requested = data.draw(st.sampled_from(self.computations_offered))
        stale = (
            self.filing.inputs_version >= requested or requested != self.filing.requested_version
        )
        applied = self.filing.record_computation(
            requested, {"recommended": "new", "for": requested}, META
        )
        if stale or self.filing.status.is_closed:
            assert not applied

    @precondition(lambda self: bool(self.computations_offered))
    @rule(data=st.data())
    def worker_cannot_compute(self, data: st.DataObject) -> None:
        requested = data.draw(st.sampled_from(self.computations_offered))
        acceptable = self.filing.accepts_computation(requested)
        still_current = self.filing.has_current_computation
        failed = self.filing.record_computation_failure(requested, "refused by law", META)
        assert failed == acceptable
        if failed:
            # an earlier result for the same inputs stays valid; otherwise the taxpayer must act
            expected = FilingStatus.COMPUTED if still_current else FilingStatus.COMPUTATION_FAILED
            assert self.filing.status is expected

    @rule(regime=st.sampled_from(["old", "new"]))
    def submit(self, regime: str) -> None:
        current = self.filing.has_current_computation
        try:
            self.filing.submit(regime, "123456789012345", dt.date(2026, 7, 2), META)  # type: ignore[arg-type]
        except ComputationMissing:
            assert not current
        except FilingClosed:
            assert self.filing.status.is_closed
        else:
            assert current
            self.closed_at = self.filing.version

    @rule()
    def e_verify(self) -> None:
        self._attempt(lambda: self.filing.e_verify("aadhaar_otp", dt.date(2026, 7, 3), META))

    @rule()
    def open_revision(self) -> None:
        closed = self.filing.status.is_closed
        submitted = len(self.filing.submissions)
        try:
            self.filing.open_revision(dt.date(2026, 7, 4), META)
        except DomainError:
            assert not closed
        else:
            assert closed and not self.filing.status.is_closed
            assert self.filing.revision == submitted
            assert self.filing.revises is not None
            latest = self.filing.submissions[-1]
            assert self.filing.revises["acknowledgement"] == latest["acknowledgement"]

    @invariant()
    def invariants_hold(self) -> None:
        f = self.filing
        if self.summed:  # the return declares the sum over its documents, each counted once
            income = f.income or {}
            declared = {
                t: (income.get(t.split(".")[0]) or {}).get(t.split(".")[1]) for t in FIGURES
            }
            assert declared == total(f.document_figures.values())
        tans = list(f.document_employers.values())
        assert len(tans) == len(set(tans)), "one Form 16 per employer"
        assert set(f.document_claims) <= set(f.document_figures)
        assert f.computed_inputs_version is None or f.computed_inputs_version <= f.inputs_version
        if f.status is FilingStatus.COMPUTED:
            assert f.computation is not None and f.computed_inputs_version == f.inputs_version
        if f.status.is_closed:
            assert f.acknowledgement is not None and f.regime in ("old", "new")
            assert self.closed_at is not None
            # nothing that changes what is taxed happened after submission
            assert f.inputs_version < self.closed_at
        if f.e_verified:
            assert f.status is FilingStatus.E_VERIFIED
        # one revision per submission after the first; a revision replaces the latest one
        assert f.revision in (len(f.submissions), len(f.submissions) - 1) or not f.submissions

    def teardown(self) -> None:
        # Store every event in PostgreSQL and rebuild the aggregate from what was stored.
        expected = snapshot(self.filing)
        self.app.save(self.filing)
        replayed = self.app.get_filing(self.filing.id)
        assert snapshot(replayed) == expected


@pytest.fixture(scope="module")
def filings(app_settings: Settings) -> Any:
    app = wiring.filings_app(app_settings)
    yield app
    app.close()


def test_filing_life_under_random_commands(filings: FilingsApplication) -> None:
    FilingLife.app = filings
    run_state_machine_as_test(FilingLife)


def test_a_filing_id_is_random_not_the_pan_and_year() -> None:
    # One return per PAN and year is the PAN claim's rule (tests/unit/test_pan_claim.py).
    a = Filing.start("owner", "ABCPE1234F", "2026-27", META)
    b = Filing.start("owner", "ABCPE1234F", "2026-27", META)
    assert isinstance(a.id, uuid.UUID) and a.id.version == 4
    assert a.id != b.id
