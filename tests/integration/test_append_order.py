"""Proof: a follower of the log never skips a row, with 32 writers appending at once.

32 writer threads (8 for the unsafe readers) append to their own aggregates (1-3 events an
append) for
`BURNBLACK_APPEND_PROOF_SECONDS` (default 8 s in `make test`; the issue's 20 s with
`BURNBLACK_APPEND_PROOF_SECONDS=20`), each holding its transaction open for a random while
after its INSERT (usually 0-2 ms, one in ten 5-30 ms, per row), while one follower reads
the log from its position, as the projector does. Afterwards the follower must have seen
every row of the table exactly once, each aggregate's versions in order, and no row may have
appeared behind its position.

It holds for the new recorder (no lock, reads below the horizon) and the library's default
(table lock, id order); it fails, as it must, for readers that follow plain id order without
the horizon: appended without a lock by the library's recorder, or by ours.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import Environment
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Composed

from burnblack import wiring
from burnblack.eventstore import HorizonRecorder
from burnblack.settings import Settings
from projections.eventlog.horizon import Base
from tests.servers import ServerUrls

SECONDS = float(os.environ.get("BURNBLACK_APPEND_PROOF_SECONDS", "8"))
WRITERS = 32
UNSAFE_WRITERS = 8  # enough to catch a plain id-order reader skipping, with fewer connections


def _room_for(database_url: str, connections: int, patience: float = 60.0) -> None:
    """Waits until the server has `connections` free (the cluster may be shared with other
    test sessions); skips, saying so, if it never has."""
    deadline = time.monotonic() + patience
    while True:
        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT current_setting('max_connections')::int "
                "- current_setting('superuser_reserved_connections')::int "
                "- (SELECT count(*) FROM pg_stat_activity)"
            ).fetchone()
        free = int(row[0]) if row else 0
        if free >= connections + 10:
            return
        if time.monotonic() > deadline:
            pytest.skip(f"the server has {free} free connections, {connections} writers need more")
        time.sleep(1.0)


AGGREGATES_PER_WRITER = 4


def _hold_open() -> None:
    """The random while a writer keeps its transaction open after its INSERT."""
    r = random.random()
    time.sleep(random.uniform(0.005, 0.03) if r < 0.1 else random.uniform(0, 0.002))


class DelayedHorizonRecorder(HorizonRecorder):
    """Appends in one autocommit statement: the delay is in the statement, after its rows
    are inserted (RETURNING is evaluated per row) and before it commits."""

    def _build_insert(self, base: Base) -> Composed:
        return super()._build_insert(base) + SQL(
            ", pg_sleep(CASE WHEN random() < 0.1 THEN 0.005 + random() * 0.025 "
            "ELSE random() * 0.002 END)"
        )


class DelayedLibraryRecorder(PostgresApplicationRecorder):
    """The library's default: LOCK TABLE … IN EXCLUSIVE MODE on every append."""

    def _fetch_ids_after_insert_events(self, *args: Any, **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(*args, **kwargs)
        _hold_open()
        return ids


class DelayedUnlockedRecorder(DelayedLibraryRecorder):
    """Deliberately unsafe: the library's append (a sequence's ids) without its table lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_table_statements = []


Reader = Callable[[int], list[tuple[int, uuid.UUID, int]]]


def library_reader(recorder: Any) -> Reader:
    def read(after: int) -> list[tuple[int, uuid.UUID, int]]:
        page = recorder.select_notifications(start=after, limit=500, inclusive_of_start=False)
        return [(n.id, uuid.UUID(str(n.originator_id)), n.originator_version) for n in page]

    return read


def plain_id_order_reader(conn: psycopg.Connection[Any], table: str) -> Reader:
    """No horizon, no lock: whatever is committed, in id order."""

    def read(after: int) -> list[tuple[int, uuid.UUID, int]]:
        return [
            (int(i), o, int(v))
            for i, o, v in conn.execute(
                f"SELECT notification_id, originator_id, originator_version FROM {table} "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT 500",
                (after,),
            ).fetchall()
        ]

    return read


@dataclass
class Seen:
    rows: list[tuple[int, uuid.UUID, int]] = field(default_factory=list)
    position: int = 0


def problems(seen: Seen, table_rows: list[tuple[int, uuid.UUID, int]]) -> list[str]:
    """What the follower got wrong; empty when it saw every row once, in order."""
    found: list[str] = []
    ids = [r[0] for r in seen.rows]
    if ids != sorted(set(ids)):
        found.append("positions not strictly increasing (a row twice, or out of order)")
    seen_ids = set(ids)
    behind = [r for r in table_rows if r[0] not in seen_ids and r[0] <= seen.position]
    if behind:
        found.append(
            f"{len(behind)} rows appeared behind the follower's position, e.g. {behind[0]}"
        )
    missing = len(table_rows) - len(seen_ids & {r[0] for r in table_rows})
    if missing:
        found.append(f"{missing} of {len(table_rows)} rows never seen")
    versions: dict[uuid.UUID, int] = {}
    for _, originator, version in seen.rows:
        if version != versions.get(originator, 0) + 1:
            found.append(f"{originator}: version {version} after {versions.get(originator, 0)}")
            break
        versions[originator] = version
    return found


def run(
    settings: Settings,
    recorder_class: type,
    reader_kind: str,
    seconds: float,
    writer_count: int = WRITERS,
) -> list[str]:
    database_url, _ = settings.require_urls()
    _room_for(database_url, writer_count + 2)
    env = wiring.eventsourcing_env(database_url, pool_size=writer_count + 2)
    env["APPLICATION_RECORDER_TOPIC"] = f"{__name__}:{recorder_class.__name__}"
    factory = InfrastructureFactory.construct(Environment("proof", env))
    recorder: Any = factory.application_recorder()
    table = recorder.events_table_name
    plain = psycopg.connect(database_url, autocommit=True)
    read = (
        library_reader(recorder)
        if reader_kind == "recorder"
        else plain_id_order_reader(plain, table)
    )
    deadline = time.monotonic() + seconds
    stop_following = threading.Event()
    seen = Seen()
    errors: list[BaseException] = []

    def write(index: int) -> None:
        rng = random.Random(index)
        versions = {uuid.uuid4(): 0 for _ in range(AGGREGATES_PER_WRITER)}
        try:
            while time.monotonic() < deadline:
                originator = rng.choice(list(versions))
                events = [
                    StoredEvent(originator, versions[originator] + k, "proof:Happened", b"{}")
                    for k in range(1, rng.randint(1, 3) + 1)
                ]
                recorder.insert_events(events)
                versions[originator] += len(events)
        except BaseException as exc:
            errors.append(exc)

    last_written: list[int] = []  # the table's last position once the writers are done

    def follow() -> None:
        try:
            while True:
                page = read(seen.position)
                if page:
                    seen.rows.extend(page)
                    seen.position = page[-1][0]
                    continue
                if stop_following.is_set() and (
                    seen.position >= last_written[0] or time.monotonic() > deadline + 60
                ):
                    return
                time.sleep(0.001)
        except BaseException as exc:
            errors.append(exc)

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [threading.Thread(target=write, args=(i,)) for i in range(writer_count)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    last_written.append(recorder.max_notification_id() or 0)
    stop_following.set()
    follower.join()
    factory.close()
    plain.close()
    assert not errors, errors
    with psycopg.connect(database_url) as conn:
        table_rows = [
            (int(i), o, int(v))
            for i, o, v in conn.execute(
                f"SELECT notification_id, originator_id, originator_version FROM {table}"
            ).fetchall()
        ]
    assert len(table_rows) > writer_count * 5, "the writers wrote"
    found = problems(seen, table_rows)
    print(f"{recorder_class.__name__}/{reader_kind}: {len(table_rows)} rows, {found}")
    return found


@pytest.mark.parametrize(
    "recorder_class",
    [DelayedHorizonRecorder, DelayedLibraryRecorder],
    ids=["horizon-no-lock", "library-default-locked"],
)
def test_the_follower_sees_every_row_once_in_order(
    own_database: Settings, recorder_class: type
) -> None:
    assert run(own_database, recorder_class, "recorder", SECONDS) == []


@pytest.mark.parametrize(
    "recorder_class",
    [DelayedUnlockedRecorder, DelayedHorizonRecorder],
    ids=["library-without-lock", "horizon-positions-without-horizon"],
)
def test_a_plain_id_order_reader_without_lock_or_horizon_skips_rows(
    own_database: Settings, recorder_class: type
) -> None:
    found = run(own_database, recorder_class, "plain", min(SECONDS, 5.0), UNSAFE_WRITERS)
    assert any("behind the follower's position" in p for p in found), found


def test_the_checker_passes_a_clean_run_and_names_a_skip() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    rows = [(1, a, 1), (2, b, 1), (3, a, 2)]
    assert problems(Seen(list(rows), 3), rows) == []
    assert problems(Seen([rows[0], rows[2]], 3), rows)[0].startswith("1 rows appeared behind")


def test_positions_are_readable_only_below_the_horizon(
    own_database: Settings, servers: ServerUrls
) -> None:
    """A transaction left open in this database holds back what followers read (not what
    others append); one left open in another database of the cluster does not."""
    database_url, _ = own_database.require_urls()
    env = wiring.eventsourcing_env(database_url, pool_size=2)
    factory = InfrastructureFactory.construct(Environment("proof", env))
    recorder: Any = factory.application_recorder()
    try:
        first, second = uuid.uuid4(), uuid.uuid4()
        params = conninfo_to_dict(database_url)
        with psycopg.connect(**params) as open_conn:
            open_conn.execute("SELECT pg_current_xact_id()")  # an older transaction, still open
            recorder.insert_events([StoredEvent(first, 1, "proof:Happened", b"{}")])
            assert recorder.select_notifications(start=None, limit=10) == []
            assert recorder.max_safe_notification_id() is None
            assert recorder.max_notification_id() is not None  # committed, not yet safe
            open_conn.rollback()
        with psycopg.connect(servers.database_url) as elsewhere:  # another database
            elsewhere.execute("SELECT pg_current_xact_id()")
            recorder.insert_events([StoredEvent(second, 1, "proof:Happened", b"{}")])
            give_up = time.monotonic() + 30  # this database's other sessions, if any
            while len(read := recorder.select_notifications(start=None, limit=10)) < 2:
                assert time.monotonic() < give_up, read
                time.sleep(0.01)
            assert [n.originator_id for n in read] == [first, second]
            elsewhere.rollback()
    finally:
        factory.close()


def test_appends_wake_followers_with_coalesced_notifies(own_database: Settings) -> None:
    """No NOTIFY inside an append: a thread sends at most one per 10 ms, and one after the
    last append."""
    database_url, _ = own_database.require_urls()
    env = wiring.eventsourcing_env(database_url, pool_size=2)
    factory = InfrastructureFactory.construct(Environment("proof", env))
    recorder: Any = factory.application_recorder()
    try:
        with psycopg.connect(database_url, autocommit=True) as listener:
            listener.execute(f'LISTEN "{recorder.channel_name}"')
            appends, first = 200, time.monotonic()
            for _ in range(appends):
                recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "proof:Happened", b"{}")])
            last = time.monotonic()
            woken = [time.monotonic() for _ in listener.notifies(timeout=1.0)]
        assert woken, "the appends woke no one"
        # At most one per 10 ms (plus the trailing one), however many appends: on a quiet
        # machine 200 appends take ~0.2 s and send ~20; one a loaded one may not coalesce.
        assert len(woken) <= (last - first) / 0.01 + 2, (len(woken), last - first)
        assert woken[-1] - last < 0.5  # the last append's wake-up came promptly
    finally:
        factory.close()
