"""`GET /api/v1/stream` across two real API processes, a projector and a worker, on the test
database and a Redis of the test's own (restarted by one test: never the machine's).

A change made through instance A reaches a socket on instance B through the projector and
Redis; nothing reaches another user; bad upgrades are refused with problem documents; replay
with `?after=` has no gap and no duplicate at its seam, also across a Redis restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from websockets.sync.client import connect

from projections.read_models.stream.projection import StreamRetention
from tests.chaos import PrivateRedis, logged_in, needs_redis_server, ready, wait_until
from tests.processes import Platform
from tests.servers import ServerUrls
from tests.stream_client import Message, StreamClient, cookie_header, refused, ws_url
from tests.taxpayer import Taxpayer

pytestmark = [pytest.mark.e2e, needs_redis_server]

MAX_PER_USER = 3
PING_SECONDS = 1


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="bb-stream-"))
    try:
        yield path
    finally:
        if not os.environ.get("BB_KEEP_STREAM_LOGS"):
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_(folder: Path) -> Iterator[PrivateRedis]:
    rd = PrivateRedis(folder)
    rd.start()
    try:
        yield rd
    finally:
        rd.kill()


@pytest.fixture(scope="module")
def pair(servers: ServerUrls, redis_: PrivateRedis, folder: Path) -> Iterator[Platform]:
    logs = folder / "logs"
    logs.mkdir()
    p = Platform(
        servers.database_url,
        redis_.url,
        logs,
        api_count=2,
        env={
            "BURNBLACK_STREAM_MAX_PER_USER": str(MAX_PER_USER),
            "BURNBLACK_STREAM_PING_SECONDS": str(PING_SECONDS),
            "BURNBLACK_STREAM_SEND_TIMEOUT": "2",
            "BURNBLACK_RECONNECT_FIRST_DELAY": "0.2",
            "BURNBLACK_RECONNECT_MAX_DELAY": "1",
        },
    )
    p.start()
    try:
        yield p
    finally:
        p.stop()


def _income(me: Taxpayer, filing_id: str, version: int, gross: int) -> dict[str, Any]:
    r = me.put(f"/api/v1/filings/{filing_id}/income", version, {"salary": {"gross": gross}})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _about(filing_id: str, version: int) -> Any:
    return lambda m: m.get("filing_id") == filing_id and m.get("version") == version


def _changes(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m["type"] not in ("ready", "resync")]


def test_a_change_through_a_reaches_a_socket_on_b_with_its_version_and_no_one_else(
    pair: Platform,
) -> None:
    a = Taxpayer(pair.url(0)).register_and_login()
    b = Taxpayer(pair.url(0)).register_and_login()
    a_socket = StreamClient(pair.url(1), a.client)
    b_sockets = [StreamClient(pair.url(i), b.client) for i in (0, 1)]
    for s in (a_socket, *b_sockets):
        s.ready()

    filing = a.start_filing()
    fid = filing["id"]
    changed = _income(a, fid, filing["version"], 900_000)
    started = time.monotonic()
    got = a_socket.until(_about(fid, changed["version"]), timeout=30)
    print(f"commit answered through A -> message on B: {time.monotonic() - started:.3f}s")
    assert [(m["type"], m["version"], m["status"]) for m in got] == [
        ("filing.started", 1, "draft"),
        ("filing.updated", changed["version"], "draft"),
    ]
    assert got[-1]["position"] == changed["position"]  # the event's position in the log

    # B's sockets (one on each instance) get B's own change next, nothing of A's before it.
    own = b.start_filing()
    for s in b_sockets:
        m = s.next()
        assert m is not None and m["filing_id"] == own["id"], m
    for s in (a_socket, *b_sockets):
        s.close()


def test_anonymous_cross_origin_and_bad_upgrades_are_refused_with_problems(
    pair: Platform,
) -> None:
    url = pair.url(0)
    status, doc, content_type = refused(url, None)
    assert (status, doc["type"].rsplit("/", 1)[1]) == (401, "unauthenticated")
    assert content_type == "application/problem+json"

    me = Taxpayer(url).register_and_login()
    status, doc, _ = refused(url, me.client, origin="https://evil.example")
    assert (status, doc["type"].rsplit("/", 1)[1], doc["field"]) == (
        403,
        "origin-refused",
        "Origin",
    )
    # the other instance's origin is not this one's either
    status, _, _ = refused(url, me.client, origin=pair.url(1))
    assert status == 403
    for query in ("?after=abc", "?after=-1", "?after=1&after=2", f"?after={2**63}"):
        status, doc, _ = refused(url, me.client, query=query)
        assert (status, doc["field"]) == (400, "after"), query
    status, doc, _ = refused(url, me.client, query=f"?after={2**62}")  # beyond the log's head
    assert (status, doc["type"].rsplit("/", 1)[1]) == (400, "position-unknown")

    # The cap holds across instances.
    open_ = [StreamClient(pair.url(i % 2), me.client) for i in range(MAX_PER_USER)]
    for s in open_:
        s.ready()
    status, doc, _ = refused(url, me.client)
    assert (status, doc["type"].rsplit("/", 1)[1]) == (429, "too-many-streams")
    open_.pop().close()
    # the lease is released once the server has seen the close
    again = wait_until(lambda: StreamClient(url, me.client), 30, "a socket after one closed")
    assert again is not None
    for s in open_:
        s.close()


def test_replay_after_a_position_has_no_gap_and_no_duplicate_at_the_seam(
    pair: Platform, servers: ServerUrls
) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    watcher = StreamClient(pair.url(1), me.client)
    watcher.ready()
    filing = me.start_filing()
    fid, version = filing["id"], filing["version"]
    first = _income(me, fid, version, 500_000)
    watcher.until(_about(fid, first["version"]))
    after = first["position"]

    # Writes keep coming while a second socket replays from `after` and goes live.
    done = threading.Event()
    versions = [first["version"]]

    def write() -> None:
        v = first["version"]
        for i in range(12):
            v = _income(me, fid, v, 600_000 + i)["version"]
            versions.append(v)
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    replaying = StreamClient(pair.url(1), me.client, after=after)
    writer.join(60)
    assert done.is_set()
    got = replaying.until(_about(fid, versions[-1]))
    changes = _changes(got)
    positions = [m["position"] for m in changes]
    assert positions == sorted(set(positions)), "out of order or repeated"
    with psycopg.connect(servers.database_url) as conn:
        expected = [
            r[0]
            for r in conn.execute(
                "SELECT position FROM stream_messages WHERE owner_id = "
                "(SELECT owner_id FROM stream_owners WHERE aggregate_id = %s) "
                "AND position > %s AND position <= %s ORDER BY position",
                (fid, after, positions[-1]),
            )
        ]
    assert positions == expected
    assert [m["version"] for m in changes] == versions[1:]
    for s in (watcher, replaying):
        s.close()


def test_silent_clients_are_closed_and_logging_out_ends_the_stream(pair: Platform) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    silent = StreamClient(pair.url(0), me.client, answer_pings=False)
    talking = StreamClient(pair.url(1), me.client)
    silent.ready()
    talking.ready()
    assert silent.wait_closed(60) == 4408  # no pong for two ping intervals
    wait_until(lambda: talking.pings >= 3, 60, "three pings answered")
    assert talking.close_code is None  # still open
    r = me.client.post("/api/v1/auth/logout")
    assert r.status_code in (200, 204), r.text
    assert talking.wait_closed(60) == 4401  # the session ended: so does its stream


def _stream_check(url: str) -> str:
    try:
        return str(httpx.get(url + "/health/ready", timeout=5).json()["checks"]["stream"])
    except (httpx.HTTPError, KeyError, ValueError):
        return "unreachable"


def test_a_redis_restart_mid_stream_then_a_reconnect_with_after_loses_nothing(
    pair: Platform, redis_: PrivateRedis
) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    live = StreamClient(pair.url(1), me.client)
    live.ready()
    filing = me.start_filing()
    fid = filing["id"]
    written = [(fid, filing["version"])]
    got = live.until(_about(fid, filing["version"]))

    redis_.kill()
    # readiness shows the stream's channel backend down (not only Redis itself)
    wait_until(lambda: _stream_check(pair.url(1)).startswith("failed"), 30, "stream down")
    redis_.start()  # empty: sessions, queues and channels are gone
    wait_until(lambda: ready(pair.url(0)) and ready(pair.url(1)), 60, "both ready again")
    assert _stream_check(pair.url(1)) == "ok"

    me = logged_in(pair.url(0), me.email)
    version = filing["version"]
    for i in range(4):
        version = _income(me, fid, version, 700_000 + i)["version"]
        written.append((fid, version))

    # The old socket's session went with Redis: it is closed; what it got is kept.
    assert live.wait_closed(60) in (4401, 1013)
    got += live.drain()
    last = max(m["position"] for m in _changes(got))
    resumed = StreamClient(pair.url(1), me.client, after=last)
    more = resumed.until(_about(fid, version))
    replayed = _changes(more)
    assert all(m["position"] > last for m in replayed)
    positions = [m["position"] for m in _changes(got) + replayed]
    assert positions == sorted(set(positions)), "a message repeated or out of order"
    assert {(m["filing_id"], m["version"]) for m in _changes(got) + replayed} >= set(written)
    # and B's subscription is live again: a new change arrives without a reconnect
    version = _income(me, fid, version, 800_000)["version"]
    assert resumed.until(_about(fid, version))[-1]["type"] == "filing.updated"
    resumed.close()


def _closed_for(url: str, reason: str) -> float:
    text = httpx.get(url + "/metrics", timeout=10).text
    found = re.findall(
        rf'^burnblack_stream_sockets_closed_total\{{reason="{reason}"\}} ([\d.e+]+)$', text, re.M
    )
    return sum(float(v) for v in found)


def test_a_client_that_stops_reading_is_dropped_not_buffered_without_end(
    pair: Platform, servers: ServerUrls
) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    uid = me.client.get("/api/v1/auth/me").json()["id"]
    # 2,000 stored messages of 8 KB for this user (positions far below any real event's):
    # 16 MB to replay, more than every socket buffer between the two ends can hold.
    padding = "x" * 8192
    with psycopg.connect(servers.database_url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO stream_messages (position, owner_id, message) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            [
                (
                    p,
                    uid,
                    json.dumps({"type": "filing.updated", "position": p, "pad": padding}),
                )
                for p in range(1, 2001)
            ],
        )
    before = _closed_for(pair.url(1), "too slow")
    sock = socket.create_connection(("127.0.0.1", pair.ports[1]))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # The client reads one message and then nothing (its queue holds one).
    ws = connect(
        ws_url(pair.url(1), after=0),
        sock=sock,
        additional_headers=cookie_header(me.client),
        max_queue=1,
        open_timeout=30,
    ).__enter__()
    try:
        wait_until(
            lambda: _closed_for(pair.url(1), "too slow") > before, 60, "the slow socket dropped"
        )
    finally:
        with contextlib.suppress(Exception):
            ws.close()
        with psycopg.connect(servers.database_url) as conn:
            conn.execute("DELETE FROM stream_messages WHERE owner_id = %s", (uid,))


def test_resuming_from_before_what_is_kept_asks_for_a_resync(
    pair: Platform, servers: ServerUrls
) -> None:
    me = Taxpayer(pair.url(0)).register_and_login()
    watcher = StreamClient(pair.url(1), me.client)
    watcher.ready()
    filing = me.start_filing()
    fid = filing["id"]
    first = watcher.until(_about(fid, filing["version"]))[-1]
    changed = _income(me, fid, filing["version"], 400_000)
    watcher.until(_about(fid, changed["version"]))
    with psycopg.connect(servers.database_url, autocommit=True) as conn:
        StreamRetention(keep_seconds=0).run(conn)  # everything recorded so far is too old
        row = conn.execute("SELECT pruned_through FROM stream_retention").fetchone()
    assert row is not None and row[0] >= changed["position"]
    resumed = StreamClient(pair.url(1), me.client, after=first["position"])
    replayed, ready_at = resumed.ready()
    assert replayed == [{"type": "resync", "position": row[0]}]
    assert ready_at == row[0]
    # and live messages follow as usual
    again = _income(me, fid, changed["version"], 410_000)
    assert resumed.until(_about(fid, again["version"]))[-1]["position"] == again["position"]
    for s in (watcher, resumed):
        s.close()
