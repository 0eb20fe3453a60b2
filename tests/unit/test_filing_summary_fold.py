"""The read model's fold agrees with the aggregate: whatever a filing lived through, its
summary row says the same status, version and numbers as the Filing itself, from the events
as they are stored (the application's mapper and transcodings, the projector's decoder)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import msgspec
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from hypothesis import example, given
from hypothesis import strategies as st

from commands.transcodings import register_domain_transcodings
from domain.errors import DomainError
from domain.filing import Filing, IncomeDeclaration
from domain.tax import compute, encode_result
from domain.tax.inputs import Deductions, Salary
from projections.eventlog.records import RecordDecoder
from projections.read_models.filings.projection import apply_event, fold_batch

META = {"actor": "t", "correlation_id": "c", "causation_id": "c"}
DAY = dt.date(2026, 7, 1)


def mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):  # as Application does
        transcoder.register(transcoding)
    register_domain_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


MAPPER = mapper()
DECODER = RecordDecoder(MAPPER)

commands = st.lists(
    st.one_of(
        st.tuples(st.just("income"), st.integers(0, 8_000_000)),
        st.tuples(st.just("deductions"), st.integers(0, 300_000)),
        st.tuples(st.just("request"), st.just(0)),
        st.tuples(st.just("result"), st.integers(0, 3)),
        st.tuples(st.just("failure"), st.integers(0, 3)),
        st.tuples(st.just("submit"), st.sampled_from([0, 1])),
        st.tuples(st.just("verify"), st.just(0)),
        st.tuples(st.just("revise"), st.just(0)),
    ),
    max_size=14,
)


def live(filing: Filing, steps: list[tuple[str, int]]) -> None:
    requests: list[int] = []
    for kind, n in steps:
        try:
            if kind == "income":
                filing.declare_income(IncomeDeclaration(salary=Salary(gross=n)), META)
            elif kind == "deductions":
                filing.claim_deductions(Deductions(c80=n), META)
            elif kind == "request":
                filing.request_computation(DAY, META)
                assert filing.requested_version is not None
                requests.append(filing.requested_version)
            elif kind == "result" and requests:
                requested = requests[-1 - n % len(requests)]
                result = msgspec.json.decode(encode_result(compute(filing.tax_input_for(DAY))))
                filing.record_computation(requested, result, META)
            elif kind == "failure" and requests:
                filing.record_computation_failure(requests[-1 - n % len(requests)], "no", META)
            elif kind == "submit":
                filing.submit("old" if n else "new", "123456789012345", DAY, META)
            elif kind == "verify":
                filing.e_verify("aadhaar_otp", DAY, META)
            elif kind == "revise":
                filing.open_revision(DAY, META)
        except DomainError:
            pass


@given(steps=commands)
@example(steps=[("income", 0), ("request", 0), ("failure", 0)])
@example(steps=[("income", 9), ("request", 0), ("result", 0), ("request", 0), ("failure", 0)])
@example(steps=[("income", 2_000_000), ("request", 0), ("result", 0), ("submit", 1), ("verify", 0)])
@example(steps=[("income", 1), ("request", 0), ("income", 2), ("result", 0)])
@example(
    steps=[
        *[("income", 2_000_000), ("request", 0), ("result", 0), ("submit", 1), ("verify", 0)],
        *[("revise", 0), ("request", 0), ("result", 0)],
    ]
)
def test_the_summary_row_agrees_with_the_aggregate(steps: list[tuple[str, int]]) -> None:
    filing = Filing.start("owner", "ABCPE1234F", "2026-27", META)
    live(filing, steps)
    row: dict[str, Any] | None = None
    for position, event in enumerate(filing.collect_events(), start=1):
        stored = MAPPER.to_stored_event(event)
        record = DECODER.decode(
            position, stored.originator_id, stored.originator_version, stored.topic, stored.state
        )
        row = apply_event(row, record, position)
    assert row is not None
    assert row["version"] == filing.version
    assert row["status"] == filing.status.value
    assert row["acknowledgement"] == filing.acknowledgement
    assert row["regime"] == filing.regime
    assert row["computation_error"] == filing.computation_error
    if filing.computation is not None:
        computation = msgspec.json.decode(row["computation"])
        assert computation == filing.computation
        regime = filing.regime or filing.computation["recommended"]
        assert row["total_tax"] == filing.computation[regime]["total_tax"]
        assert row["recommended_regime"] == filing.computation["recommended"]
    else:
        assert row["total_tax"] is None


def _records(filing: Filing) -> list[Any]:
    out = []
    for position, event in enumerate(filing.collect_events(), start=1):
        stored = MAPPER.to_stored_event(event)
        out.append(
            DECODER.decode(
                position,
                stored.originator_id,
                stored.originator_version,
                stored.topic,
                stored.state,
            )
        )
    return out


@given(
    lives=st.lists(commands, min_size=1, max_size=4),
    cuts=st.lists(st.integers(0, 60), max_size=6),
    replay=st.integers(0, 60),
)
def test_a_batch_folds_as_the_events_do_one_by_one(
    lives: list[list[tuple[str, int]]], cuts: list[int], replay: int
) -> None:
    """Several filings' events interleaved, cut into batches anywhere, some re-read: the
    batch fold (one copy and one derivation per row) gives what event-by-event folding does."""
    streams = []
    for i, steps in enumerate(lives):
        filing = Filing.start(f"owner-{i}", f"ABCPE{1000 + i}F", "2026-27", META)
        live(filing, steps)
        streams.append(_records(filing))
    log: list[Any] = []
    while any(streams):  # round-robin interleaving, as concurrent taxpayers write
        for stream in streams:
            if stream:
                log.append(stream.pop(0))
    for position, record in enumerate(log, start=1):
        record.position = position
    one_by_one: dict[Any, dict[str, Any]] = {}
    for r in log:
        row = apply_event(one_by_one.get(r.originator_id), r, r.position)
        if row is not None:
            one_by_one[r.originator_id] = row
    bounds = sorted({0, len(log), *(c % (len(log) + 1) for c in cuts)})
    batches = [log[a:b] for a, b in itertools.pairwise(bounds)]
    start = replay % (len(log) + 1)
    batches.append(log[start:])  # events read again after a crash: nothing may change
    batched: dict[int, dict[str, Any]] = {}
    for batch in batches:
        fold_batch(batched, [(r.position, r) for r in batch])
    assert len(one_by_one) == len(lives)  # one row per filing: their ids differ
    assert {k.int: v for k, v in one_by_one.items()} == batched


def test_replaying_a_batch_changes_nothing() -> None:
    filing = Filing.start("owner", "ABCPE1234F", "2026-27", META)
    live(filing, [("income", 900_000), ("request", 0), ("result", 0), ("submit", 0)])
    records = _records(filing)
    row: dict[str, Any] | None = None
    for r in records:
        row = apply_event(row, r, r.position)
    once = dict(row or {})
    for r in records:  # the same events again (a batch re-read after a crash)
        row = apply_event(row, r, r.position)
    assert row == once
