"""The hash chain in PostgreSQL: the column, its migration, and the checks that read it.

Each row of an events table carries `chain_hash`, `link(previous, row)` of domain/event_chain.py,
written by the same INSERT as the row (burnblack/eventstore.py uses `chained_insert`): the
writer computes the links (`Links`), and the statement checks that the previous link they
start from is the stored row of version - 1 of the same aggregate. The column is NOT NULL and
a failed check gives NULL, so an append whose previous version is not there, or differs,
fails instead of starting a second chain; two appends of one version are already refused by
the primary key (originator_id, originator_version): the chain cannot fork.

Verification checks every link on its own (a window over the primary key, one pass, hashed by
PostgreSQL): a row is good when its hash follows from the stored hash before it and its own
bytes, and its version from the version before it. All links good means the whole chain is.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier

from domain.event_chain import GENESIS, Break, Link, link

COLUMN = "chain_hash"
_GENESIS_SQL = SQL("'\\x{0}'::bytea").format(SQL(GENESIS.hex()))


def link_sql(previous: Composable, row: str) -> Composed:
    """`domain.event_chain.link` in SQL, over the columns of `row` (a table alias)."""
    topic = SQL("convert_to(coalesce({0}.topic, ''), 'UTF8')").format(SQL(row))
    return SQL(
        "sha256({prev} || uuid_send({r}.originator_id) || int8send({r}.originator_version) "
        "|| int4send(octet_length({topic})) || {topic} || coalesce({r}.state, ''::bytea))"
    ).format(prev=previous, r=SQL(row), topic=topic)


PACKED = 65
"""Bytes a row takes in `pack_links`: a flag (1: a `prev` follows), the link, the `prev`."""


def pack_links(prevs: Sequence[bytes | None], hashes: Sequence[bytes]) -> bytes:
    """The links of an append as `chained_insert` reads them: for each row, in order, a
    flag byte (1 when the row carries a `prev`), its link (32 bytes), and its `prev` (32
    bytes, zeros when it has none)."""
    if len(hashes) == 1:
        p = prevs[0]
        return b"\x00" + hashes[0] + GENESIS if p is None else b"\x01" + hashes[0] + p
    return b"".join(
        b"\x00" + h + GENESIS if p is None else b"\x01" + h + p
        for p, h in zip(prevs, hashes, strict=True)
    )


def chained_insert(
    table: Identifier,
    row_type: Identifier,
    position: Callable[[str], str],
    *,
    only_first_versions: bool = False,
) -> Composed:
    """The append, still one statement and one round trip. The links are computed by the
    writer (`Links`); the statement only checks them: each aggregate's first row in the
    append carries the previous link it was computed from (`prev`), which must be the
    stored row of version - 1 (or, at the first version, GENESIS with no row before it);
    otherwise `chain_hash` is NULL, which the NOT NULL column refuses. Rows that continue
    the row before them in the same append carry no `prev`. `position(n)`: the SQL of the
    n-th row's position (projections/eventlog/horizon.py).

    The links travel as one `bytea` (`pack_links`: 65 bytes a row), not as two arrays:
    nothing to escape or to build element by element on either side. The rows' array is
    read through a one-row subquery, so that a plan made with the values (which counts
    the array's rows) costs what the generic plan costs (100 rows assumed): the statement
    is planned once per connection, like the append without the chain. Passed directly,
    the generic plan priced 100 lookups of version - 1 against one, and PostgreSQL
    re-planned the statement on every append (`pg_prepared_statements`: 0 generic plans,
    all custom), about 100 µs an append here.

    `only_first_versions`: the statement for appends whose every `prev` is at version 1
    (new aggregates), which need no lookup: a plan holding the lookup costs its set-up on
    every execution, run or not (about 13 µs of 46 here). A row with a `prev` above
    version 1 gets NULL from it, so using it for another append fails, never misses."""
    lookup = SQL(
        "WHEN l.prev = (SELECT p.chain_hash FROM {table} p "
        "WHERE p.originator_id = e.originator_id "
        "AND p.originator_version = e.originator_version - 1) THEN l.h "
    ).format(table=table)
    at = SQL("(e.n::int - 1) * {0}").format(SQL(str(PACKED)))
    return SQL(
        "INSERT INTO {table} (originator_id, originator_version, topic, state, "
        "transaction_id, notification_id, chain_hash) "
        "SELECT e.originator_id, e.originator_version, e.topic, e.state, "
        "pg_current_xact_id(), {position}, "
        "CASE WHEN l.prev IS NULL THEN l.h "
        "WHEN e.originator_version <= 1 THEN CASE WHEN l.prev = {genesis} THEN l.h END "
        "{lookup}END "
        "FROM unnest((SELECT %s::{type}[])) "
        "WITH ORDINALITY AS e(originator_id, originator_version, topic, state, n), "
        "(SELECT %b::bytea AS links) c, "
        "LATERAL (SELECT substring(c.links FROM {at} + 2 FOR 32) AS h, "
        "CASE WHEN get_byte(c.links, {at}) = 1 "
        "THEN substring(c.links FROM {at} + 34 FOR 32) END AS prev) l "
        "RETURNING notification_id"
    ).format(
        table=table,
        type=row_type,
        position=SQL(position("e.n")),
        genesis=_GENESIS_SQL,
        at=at,
        lookup=SQL("") if only_first_versions else lookup,
    )


def one_row_insert(
    table: Identifier, position: Callable[[str], str], *, chained: bool, first_version: bool
) -> Composed:
    """The append of a single event (the usual save), with plain parameters: `id`, `version`,
    `topic`, `state`, and when `chained` the writer's link `h` and the `prev` it started
    from. No array of composite rows to build in the writer and take apart in PostgreSQL, no
    packed links: `VALUES` and, above version 1, one probe of the primary key for the stored
    link of version - 1 (an InitPlan, run once: the key is a parameter). The check is the
    multi-row statement's: a `prev` that is not the stored link of version - 1 (differs, or
    no such row) makes `chain_hash` NULL, which the NOT NULL column refuses, in this one
    statement, so the append fails instead of writing a link that verification would report.
    `first_version`: the statement for version 1, whose `prev` must be GENESIS (no lookup);
    a row above version 1 gets NULL from it. Without `chained`: the same append without the
    chain, the benchmark's baseline (benchmarks/verify.py), the same shape."""
    columns = "originator_id, originator_version, topic, state, transaction_id, notification_id"
    values = "%(id)s, %(version)s, %(topic)s, %(state)s, pg_current_xact_id(), " + position("1")
    if not chained:
        return SQL(
            "INSERT INTO {table} (" + columns + ") VALUES (" + values + ") "
            "RETURNING notification_id"
        ).format(table=table)
    if first_version:
        check = SQL("CASE WHEN %(version)s = 1 AND %(prev)s = {genesis} THEN %(h)s END").format(
            genesis=_GENESIS_SQL
        )
    else:
        check = SQL(
            "CASE WHEN %(prev)s = (SELECT p.chain_hash FROM {table} p "
            "WHERE p.originator_id = %(id)s AND p.originator_version = %(version)s - 1) "
            "THEN %(h)s END"
        ).format(table=table)
    return SQL(
        "INSERT INTO {table} (" + columns + ", chain_hash) VALUES (" + values + ", {check}) "
        "RETURNING notification_id"
    ).format(table=table, check=check)


class Links:
    """The writer's side of the chain: the last link it saw of each aggregate (from its own
    appends and reads), so that an append usually needs no extra read. A wrong or stale
    entry cannot fork the chain (the INSERT checks `prev` against the stored row); it makes
    that append fail, and the entry is forgotten."""

    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._heads: dict[uuid.UUID | str, tuple[int, bytes]] = {}

    def saw(self, originator_id: uuid.UUID | str, version: int, h: bytes) -> None:
        known = self._heads.get(originator_id)
        if known is None or known[0] < version:
            if len(self._heads) >= self._size:
                self._heads.clear()  # a cache: a miss costs one read, never correctness
            self._heads[originator_id] = (version, h)

    def forget(self, originator_ids: Iterable[uuid.UUID | str]) -> None:
        for oid in originator_ids:
            self._heads.pop(oid, None)

    def one(
        self, e: Any, read: Callable[[list[tuple[uuid.UUID, int]]], dict[Any, bytes]]
    ) -> tuple[bytes, bytes]:
        """(prev, hash) of a single event: the usual save, paid under the writer's GIL."""
        previous = GENESIS
        v = e.originator_version
        if v > 1:
            known = self._heads.get(e.originator_id)
            if known is not None and known[0] == v - 1:
                previous = known[1]
            else:  # not stored at all: any value fails the INSERT's check, as it must
                key = (e.originator_id, v - 1)
                previous = read([key]).get(key, GENESIS)
        return previous, link(previous, e.originator_id, v, e.topic or "", e.state or b"")

    def compute(
        self, events: Sequence[Any], read: Callable[[list[tuple[uuid.UUID, int]]], dict[Any, bytes]]
    ) -> tuple[list[bytes | None], list[bytes]]:
        """(prev, hash) for each event (originator_id, originator_version, topic, state).
        `read(keys)`: the stored links of (originator id, version) pairs not known here."""
        if len(events) == 1:
            previous, h = self.one(events[0], read)
            return [previous], [h]
        firsts = [
            i
            for i, e in enumerate(events)
            if i == 0
            or events[i - 1].originator_id != e.originator_id
            or events[i - 1].originator_version != e.originator_version - 1
        ]
        wanted = []
        for i in firsts:
            e = events[i]
            known = self._heads.get(e.originator_id)
            if e.originator_version > 1 and (known is None or known[0] != e.originator_version - 1):
                wanted.append((e.originator_id, e.originator_version - 1))
        found = read(wanted) if wanted else {}
        prevs: list[bytes | None] = [None] * len(events)
        hashes: list[bytes] = []
        first = set(firsts)
        for i, e in enumerate(events):
            if i in first:
                if e.originator_version <= 1:
                    previous = GENESIS
                else:
                    known = self._heads.get(e.originator_id)
                    key = (e.originator_id, e.originator_version - 1)
                    # not stored at all: any value fails the INSERT's check, as it must
                    cached = known[1] if known and known[0] == key[1] else GENESIS
                    previous = found.get(key, cached)
                prevs[i] = previous
            else:
                previous = hashes[-1]
            hashes.append(
                link(previous, e.originator_id, e.originator_version, e.topic or "", e.state or b"")
            )
        return prevs, hashes


def read_links(
    conn: psycopg.Connection[Any], table: Identifier, keys: list[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], bytes]:
    rows = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            SQL(
                "SELECT t.originator_id, t.originator_version, t.chain_hash FROM {0} t "
                "JOIN unnest(%s::uuid[], %s::bigint[]) AS k(originator_id, originator_version) "
                "USING (originator_id, originator_version)"
            ).format(table),
            ([k[0] for k in keys], [k[1] for k in keys]),
        )
        .fetchall()
    )
    return {(r[0], int(r[1])): bytes(r[2]) for r in rows}


# --- migration ------------------------------------------------------------------------


def is_chained(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            "SELECT a.attnotnull FROM pg_attribute a "
            "WHERE a.attrelid = to_regclass(quote_ident(%s) || '.' || quote_ident(%s)) "
            "AND a.attname = %s AND NOT a.attisdropped",
            (schema, table, COLUMN),
        )
        .fetchone()
    )
    return bool(row and row[0])


def ensure_chain(
    conn: psycopg.Connection[Any], schema: str, table: str, batch: int = 10_000
) -> int:
    """Chains an existing table in place, once (idempotent, safe to race): waits for every
    running append (ACCESS EXCLUSIVE), adds the column, links every old row in version order,
    then makes the column NOT NULL, so a process still appending without the chain fails
    instead of leaving a hole. Returns how many rows it linked (0 when already chained)."""
    if is_chained(conn, schema, table):
        return 0
    qualified = Identifier(schema, table)
    linked = 0
    with conn.transaction():
        conn.execute(SQL("LOCK TABLE {0} IN ACCESS EXCLUSIVE MODE").format(qualified))
        if is_chained(conn, schema, table):  # another process did it while we waited
            return 0
        conn.execute(
            SQL("ALTER TABLE {0} ADD COLUMN IF NOT EXISTS {1} bytea").format(
                qualified, Identifier(COLUMN)
            )
        )
        conn.execute(
            "CREATE TEMP TABLE chain_fill (originator_id uuid, originator_version bigint, "
            "chain_hash bytea) ON COMMIT DROP"
        )
        previous, last_id = GENESIS, None
        with conn.cursor(name="chain_migration", row_factory=tuple_row) as rows:
            rows.execute(
                SQL(
                    "SELECT originator_id, originator_version, topic, state FROM {0} "
                    "ORDER BY originator_id, originator_version"
                ).format(qualified)
            )
            while chunk := rows.fetchmany(batch):
                out = []
                for oid, version, topic, state in chunk:
                    if oid != last_id:
                        previous, last_id = GENESIS, oid
                    previous = link(previous, oid, version, topic or "", bytes(state or b""))
                    out.append((oid, version, previous))
                with conn.cursor() as w, w.copy("COPY chain_fill FROM STDIN") as copy:
                    for item in out:
                        copy.write_row(item)
                linked += len(out)
        conn.execute(
            SQL(
                "UPDATE {0} t SET {1} = f.chain_hash FROM chain_fill f "
                "WHERE t.originator_id = f.originator_id "
                "AND t.originator_version = f.originator_version"
            ).format(qualified, Identifier(COLUMN))
        )
        conn.execute(
            SQL("ALTER TABLE {0} ALTER COLUMN {1} SET NOT NULL").format(
                qualified, Identifier(COLUMN)
            )
        )
    return linked


# --- verification ---------------------------------------------------------------------


@dataclass
class Report:
    """What a verification saw, and every aggregate's first break."""

    events: int = 0
    filings: int = 0
    days: int = 0
    anchors: int = 0
    breaks: list[Break] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # breaks not tied to one filing

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.problems


def first_per_filing(breaks: list[Break]) -> list[Break]:
    first: dict[uuid.UUID, Break] = {}
    for b in sorted(breaks, key=lambda b: (b.originator_id.bytes, b.version)):
        first.setdefault(b.originator_id, b)
    return list(first.values())


def verify_links(
    conn: psycopg.Connection[Any],
    table: str,
    originator_id: uuid.UUID | None = None,
    *,
    between: tuple[uuid.UUID, uuid.UUID | None] | None = None,
) -> Report:
    """Checks every link of one aggregate, or of all (those with ids in `between`, from
    inclusive, to exclusive or None for the end), in one pass in primary-key order."""
    expected = link_sql(SQL("coalesce(lag(chain_hash) OVER w, {0})").format(_GENESIS_SQL), "t")
    params: tuple[Any, ...] = ()
    where = SQL("")
    if originator_id is not None:
        where, params = SQL("WHERE originator_id = %s"), (originator_id,)
    elif between is not None and between[1] is not None:
        where, params = SQL("WHERE originator_id >= %s AND originator_id < %s"), between
    elif between is not None:
        where, params = SQL("WHERE originator_id >= %s"), (between[0],)
    statement = SQL(
        "SELECT count(*), count(*) FILTER (WHERE pv IS NULL), "
        "array_agg(originator_id) FILTER (WHERE bad), array_agg(v) FILTER (WHERE bad), "
        "array_agg(pv) FILTER (WHERE bad), array_agg(hash_ok) FILTER (WHERE bad) "
        "FROM (SELECT originator_id, v, pv, hash_ok, "
        "NOT hash_ok OR (pv IS NULL AND v > 1) OR (pv IS NOT NULL AND v <> pv + 1) AS bad "
        "FROM (SELECT originator_id, originator_version AS v, "
        "lag(originator_version) OVER w AS pv, "
        "coalesce(chain_hash = {expected}, false) AS hash_ok "
        "FROM {table} t {where} "
        "WINDOW w AS (PARTITION BY originator_id ORDER BY originator_version)) s) x"
    ).format(expected=expected, table=Identifier(table), where=where)
    row = conn.cursor(row_factory=tuple_row).execute(statement, params).fetchone()
    assert row is not None
    events, filings, ids, versions, previous, hash_ok = row
    report = Report(events=int(events), filings=int(filings))
    breaks = []
    for oid, v, pv, ok in zip(
        ids or [], versions or [], previous or [], hash_ok or [], strict=True
    ):
        first = 1 if pv is None else pv + 1
        if v > first:
            what = f"version {first}" if first == v - 1 else f"versions {first} to {v - 1}"
            breaks.append(Break(oid, first, f"{what} missing (deleted or reordered)"))
        elif not ok:
            breaks.append(Break(oid, v, "stored bytes or hash changed"))
    report.breaks = first_per_filing(breaks)
    return report


def history(conn: psycopg.Connection[Any], table: str, originator_id: uuid.UUID) -> list[Link]:
    """One aggregate's stored rows, in version order, as the chain sees them."""
    rows = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            SQL(
                "SELECT originator_id, originator_version, topic, state, chain_hash FROM {0} "
                "WHERE originator_id = %s ORDER BY originator_version"
            ).format(Identifier(table)),
            (originator_id,),
        )
        .fetchall()
    )
    return [Link(r[0], r[1], r[2] or "", bytes(r[3] or b""), bytes(r[4])) for r in rows]


def head(
    conn: psycopg.Connection[Any], table: str, originator_id: uuid.UUID
) -> tuple[int, bytes] | None:
    """One aggregate's last version and link."""
    row = (
        conn.cursor(row_factory=tuple_row)
        .execute(
            SQL(
                "SELECT originator_version, chain_hash FROM {0} WHERE originator_id = %s "
                "ORDER BY originator_version DESC LIMIT 1"
            ).format(Identifier(table)),
            (originator_id,),
        )
        .fetchone()
    )
    return None if row is None else (int(row[0]), bytes(row[1]))


def connect(database_url: str, attempts: int = 8) -> psycopg.Connection[Any]:
    """An autocommit connection, retried with backoff (about 10 s in all): a verification is
    long and optional, and a server at its connection limit usually has room again soon."""
    for attempt in range(attempts):
        try:
            return psycopg.connect(database_url, autocommit=True)
        except psycopg.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(min(2.0, 0.25 * 2**attempt))
    raise AssertionError("unreachable")


VERIFY_SETTINGS = (
    # The ranges are this check's parallelism: parallel workers on top only compete for
    # the same cores (each range's plan then scans the whole table).
    SQL("SET max_parallel_workers_per_gather = 0"),
    # Each range is read in primary-key order, the window's order, from the index: a sort
    # of the rows (about 1 KB each) spilled to disk and verified 10-15 % slower here.
    SQL("SET enable_sort = off"),
)


def verify_all_links(database_url: str, table: str, partitions: int = 4) -> Report:
    """Every link of the table, in `partitions` ranges of ids checked at once on as many
    connections: hashing every stored byte is the cost, and it spreads over the cores."""
    bounds = [uuid.UUID(int=i * (1 << 128) // partitions) for i in range(partitions)]
    ranges = [(lo, bounds[i + 1] if i + 1 < partitions else None) for i, lo in enumerate(bounds)]

    def part(between: tuple[uuid.UUID, uuid.UUID | None]) -> Report:
        with connect(database_url) as conn:
            for setting in VERIFY_SETTINGS:
                conn.execute(setting)
            return verify_links(conn, table, between=between)

    with ThreadPoolExecutor(partitions, thread_name_prefix="verify") as pool:
        reports = list(pool.map(part, ranges))
    return Report(
        events=sum(r.events for r in reports),
        filings=sum(r.filings for r in reports),
        breaks=[b for r in reports for b in r.breaks],
    )
