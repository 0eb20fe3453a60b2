"""The chain is written by the append itself: linked, unforkable, and migrated onto old stores."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory, PersistenceError, StoredEvent
from eventsourcing.utils import Environment
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from domain.event_chain import GENESIS, link, verify_chain
from projections.eventlog.chain import history, pack_links, verify_links


def _recorder(database_url: str, locked: bool = False) -> tuple[Any, Any]:
    env = wiring.eventsourcing_env(database_url, pool_size=4)
    if locked:
        del env["APPLICATION_RECORDER_TOPIC"]
    factory = InfrastructureFactory.construct(Environment("filings", env))
    return factory, factory.application_recorder()


def _event(originator: uuid.UUID, version: int, state: bytes = b"{}") -> StoredEvent:
    return StoredEvent(originator, version, "proof:Happened", state)


def test_each_append_links_to_the_previous_version(own_database: Settings) -> None:
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        # one append holding two aggregates, then appends continuing each (one of them with
        # a new aggregate beside it)
        rec.insert_events([_event(a, 1, b"a1"), _event(a, 2, b"a2"), _event(b, 1, b"b1")])
        rec.insert_events([_event(a, 3, b"a3"), _event(c, 1, b"c1")])
        rec.insert_events([_event(b, 2, b"b2"), _event(b, 3, b"b3")])
        with psycopg.connect(url, autocommit=True) as conn:
            links = history(conn, "filings_events", a)
            expected = GENESIS
            for row, state in zip(links, (b"a1", b"a2", b"a3"), strict=True):
                expected = link(expected, a, row.version, "proof:Happened", state)
                assert row.hash == expected
            report = verify_links(conn, "filings_events")
        assert report.intact and report.events == 7 and report.filings == 3
    finally:
        factory.close()


def test_an_append_without_its_previous_version_is_refused(own_database: Settings) -> None:
    """A version whose predecessor is not committed would start a second chain: refused."""
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        a = uuid.uuid4()
        rec.insert_events([_event(a, 1)])
        with pytest.raises(PersistenceError, match="chain_hash"):
            rec.insert_events([_event(a, 3)])
    finally:
        factory.close()


def test_racing_writers_of_one_version_cannot_fork_the_chain(own_database: Settings) -> None:
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        a = uuid.uuid4()
        rec.insert_events([_event(a, 1)])
        outcomes: list[str] = []
        start = threading.Barrier(8)

        def write(i: int) -> None:
            start.wait()
            try:
                rec.insert_events([_event(a, 2, f"writer {i}".encode())])
                outcomes.append("ok")
            except PersistenceError:
                outcomes.append("refused")

        threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["ok"] + ["refused"] * 7
        with psycopg.connect(url, autocommit=True) as conn:
            assert verify_links(conn, "filings_events").intact
    finally:
        factory.close()


def test_an_old_store_is_chained_in_place(own_database: Settings) -> None:
    url, _ = own_database.require_urls()
    old_factory, old = _recorder(url, locked=True)
    a, b = uuid.uuid4(), uuid.uuid4()
    old.insert_events([_event(a, 1, b"x"), _event(a, 2, b"y"), _event(b, 1, b"z")])
    factory, new = _recorder(url)
    again_factory, _again = _recorder(url)  # a second process starting: nothing to redo
    try:
        new.insert_events([_event(a, 3, b"w")])
        with psycopg.connect(url, autocommit=True) as conn:
            report = verify_links(conn, "filings_events")
            assert report.intact and report.events == 4
            assert history(conn, "filings_events", a)[0].hash == link(
                GENESIS, a, 1, "proof:Happened", b"x"
            )
        # A process still on the library's recorder writes no unchained row: it fails.
        with pytest.raises(PersistenceError):
            old.insert_events([_event(uuid.uuid4(), 1)])
    finally:
        for f in (old_factory, factory, again_factory):
            f.close()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.text(max_size=40), st.binary(max_size=300)), min_size=1, max_size=6),
    st.integers(1, 3),
)
def test_postgresql_links_exactly_as_python_does(
    own_database: Settings, events: list[tuple[str, bytes]], per_append: int
) -> None:
    """The SQL twin of `link` (any topic text, any bytes, appends of any size) gives the
    bytes an offline checker recomputes."""
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        a = uuid.uuid4()
        rows = [
            StoredEvent(a, v, topic.replace("\x00", ""), state)
            for v, (topic, state) in enumerate(events, start=1)
        ]
        for i in range(0, len(rows), per_append):
            rec.insert_events(rows[i : i + per_append])
        with psycopg.connect(url, autocommit=True) as conn:
            stored = history(conn, "filings_events", a)
        expected = GENESIS
        for row, sent in zip(stored, rows, strict=True):
            expected = link(expected, a, sent.originator_version, sent.topic, sent.state)
            assert row.hash == expected
        assert verify_chain(stored) is None
    finally:
        factory.close()


def test_two_processes_taking_turns_on_one_aggregate(own_database: Settings) -> None:
    """Each writer remembers the last link it saw; when the other wrote since, it reads the
    stored one; a remembered link that is wrong fails that append once, never the chain."""
    url, _ = own_database.require_urls()
    fa, a = _recorder(url)
    fb, b = _recorder(url)
    try:
        oid = uuid.uuid4()
        a.insert_events([_event(oid, 1)])
        b.insert_events([_event(oid, 2)])  # b never saw version 1: reads it
        a.insert_events([_event(oid, 3)])  # a remembers version 1 only: reads version 2
        assert [e.originator_version for e in b.select_events(oid)] == [1, 2, 3]
        b.insert_events([_event(oid, 4)])  # remembered from its read
        a._links.saw(oid, 4, b"\x01" * 32)  # a wrong memory (e.g. a rewritten row)
        with pytest.raises(PersistenceError, match="chain_hash"):
            a.insert_events([_event(oid, 5)])
        a.insert_events([_event(oid, 5)])  # forgotten, read again
        with psycopg.connect(url, autocommit=True) as conn:
            report = verify_links(conn, "filings_events")
        assert report.intact and report.events == 5
    finally:
        fa.close()
        fb.close()


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.lists(st.tuples(st.text(max_size=40), st.binary(max_size=300)), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    ),
)
def test_appends_of_several_aggregates_link_as_python_does(
    own_database: Settings, histories: list[list[tuple[str, bytes]]]
) -> None:
    """Appends holding one row of each of several aggregates (new ones: the statement without
    the lookup of version - 1; then later versions: with it) store exactly the links
    `domain.event_chain.link` gives."""
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        ids = [uuid.uuid4() for _ in histories]
        rows = {
            oid: [
                StoredEvent(oid, v, topic.replace("\x00", ""), state)
                for v, (topic, state) in enumerate(events, start=1)
            ]
            for oid, events in zip(ids, histories, strict=True)
        }
        for version in range(1, max(len(h) for h in histories) + 1):
            rec.insert_events([r[version - 1] for r in rows.values() if len(r) >= version])
        with psycopg.connect(url, autocommit=True) as conn:
            for oid, sent in rows.items():
                stored = history(conn, "filings_events", oid)
                expected = GENESIS
                for row, event in zip(stored, sent, strict=True):
                    expected = link(
                        expected, oid, event.originator_version, event.topic, event.state
                    )
                    assert row.hash == expected
                assert verify_chain(stored) is None
    finally:
        factory.close()


def test_the_first_version_statement_refuses_a_later_version(own_database: Settings) -> None:
    """The statement without the lookup of version - 1 gives NULL to any later version that
    carries a previous link, so choosing it wrongly fails the append instead of skipping the
    check."""
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        a = uuid.uuid4()
        rec.insert_events([_event(a, 1)])
        rows = [rec.construct_pg_stored_event(a, 2, "proof:Happened", b"{}")]
        with (
            psycopg.connect(url, autocommit=True) as conn,
            pytest.raises(psycopg.errors.NotNullViolation, match="chain_hash"),
        ):
            conn.execute(rec._insert_new_statement, (rows, pack_links([GENESIS], [bytes(32)])))
    finally:
        factory.close()


def test_the_library_transaction_path_links_too(own_database: Settings) -> None:
    """Appends sharing a transaction with other statements (the library's pipeline path)
    read an unknown previous link inside that pipeline."""
    url, _ = own_database.require_urls()
    fa, a = _recorder(url)
    fb, b = _recorder(url)
    try:
        oid = uuid.uuid4()
        a.insert_events([_event(oid, 1)])
        b.insert_events([_event(oid, 2), _event(oid, 3)], tracking=object())
        # one event (the single-row statement), from a recorder that last saw version 1
        a.insert_events([_event(oid, 4)], tracking=object())
        with psycopg.connect(url, autocommit=True) as conn:
            report = verify_links(conn, "filings_events")
        assert report.intact and report.events == 4
    finally:
        fa.close()
        fb.close()


def test_the_one_event_statements_refuse_a_wrong_previous_link(own_database: Settings) -> None:
    """The single-event appends (the usual save) check `prev` as the multi-row statement
    does: a `prev` that is not the stored link of version - 1, a missing version - 1, or the
    version-1 statement used for a later version, each give a NULL `chain_hash`, refused in
    the same statement; the right `prev` is accepted."""
    url, _ = own_database.require_urls()
    factory, rec = _recorder(url)
    try:
        a = uuid.uuid4()
        rec.insert_events([_event(a, 1)])
        with psycopg.connect(url, autocommit=True) as conn:
            stored = history(conn, "filings_events", a)[0].hash

            def append(statement: Any, version: int, prev: bytes) -> None:
                conn.execute(
                    statement,
                    {
                        "id": a,
                        "version": version,
                        "topic": "proof:Happened",
                        "state": b"{}",
                        "prev": prev,
                        "h": link(prev, a, version, "proof:Happened", b"{}"),
                    },
                )

            wrong = bytes(32)
            for statement, version, prev in (
                (rec._insert_one_next, 2, wrong),  # differs from the stored link
                (rec._insert_one_next, 3, stored),  # version 2 is not there
                (rec._insert_one_first, 2, GENESIS),  # the statement without the lookup
                (rec._insert_one_first, 2, stored),
            ):
                with pytest.raises(psycopg.errors.NotNullViolation, match="chain_hash"):
                    append(statement, version, prev)
            append(rec._insert_one_next, 2, stored)
            assert verify_links(conn, "filings_events").intact
    finally:
        factory.close()
