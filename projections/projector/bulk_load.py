"""The bulk load of a rebuild: every event up to a position, folded into empty shadow tables.

One load is a pipeline of three threads (read and decode, fold, write), which Python's GIL
caps at about one core. The filings can be split into disjoint partitions (projections/
eventlog.py), each loaded by a forked process of its own into the same shadow tables: every
filing's whole history is in one partition, so the partitions never touch one another's rows.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

import psycopg

from projections.eventlog.reader import EventSource
from projections.read_models.filings.projection import FilingSummaryProjection, Folded
from projections.read_models.sealing import FieldSeal

Progress = Callable[[int, int], None]
"""Called with (position reached, position to reach) as the load goes."""


class LoadFailed(RuntimeError):
    """A partition's process failed or died; its traceback is the message."""


def read_batches(
    source: EventSource, batch: int, position: int, until: int | None
) -> Iterator[tuple[list[Any], int]]:
    """Batches of events after `position` (up to `until`, or to the log's end as it grows),
    read and decoded by a second thread while the caller works on the previous batch."""
    ahead: queue.Queue[tuple[list[Any], int] | BaseException | None] = queue.Queue(maxsize=2)

    def read_ahead() -> None:
        pos = position
        try:
            while True:
                target = until if until is not None else source.max_position()
                events = source.read(pos, batch, until=target) if pos < target else []
                if not events:
                    ahead.put(None)
                    return
                ahead.put((events, target))
                pos = events[-1][0]
        except BaseException as exc:  # handed to the consumer, raised there
            ahead.put(exc)

    reader = threading.Thread(target=read_ahead, name="rebuild-reader", daemon=True)
    reader.start()
    while (item := ahead.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item
    reader.join()


def load_summaries(
    conninfo: str,
    source: EventSource,
    suffix: str,
    batch: int,
    seal: FieldSeal,
    until: int | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Fold the log into the shadow summaries, pipelined: this thread folds batch N+1 while a
    writer commits batch N, so PostgreSQL's work and Python's overlap. Rows of batches not yet
    committed are folded from memory (`in_flight`), never from a table that lacks them. Only
    the summaries are written; the owners' lists and counts follow from them at the end
    (`FilingSummaryProjection.derive_from_summary`). Returns (last position read, events)."""
    projection = FilingSummaryProjection(seal)
    handoff: queue.Queue[tuple[int, Folded] | None] = queue.Queue(maxsize=1)
    committed = [-1]  # the last batch the writer committed
    failed: list[BaseException] = []

    def write(conn: psycopg.Connection[Any]) -> None:
        try:
            while (item := handoff.get()) is not None:
                number, folded = item
                with conn.transaction():
                    projection.write(conn, folded, suffix, summary_only=True)
                committed[0] = number
        except BaseException as exc:  # raised in the folding thread
            failed.append(exc)

    def hand_over(item: tuple[int, Folded] | None) -> None:
        while True:
            if failed:
                raise failed[0]
            try:
                handoff.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    in_flight: dict[int, dict[int, dict[str, Any]]] = {}
    position = done = 0
    with (
        psycopg.connect(conninfo) as writes,
        psycopg.connect(conninfo, autocommit=True) as lookups,
    ):
        writer = threading.Thread(target=write, args=(writes,), name="rebuild-writer")
        writer.start()
        try:
            for number, (events, target) in enumerate(read_batches(source, batch, 0, until)):
                for n in [n for n in in_flight if n <= committed[0]]:
                    del in_flight[n]  # committed: the table has them now
                # Taken before the look-up: a batch committing meanwhile is in one or both.
                known = {k: row for rows in in_flight.values() for k, row in rows.items()}
                folded = projection.fold(lookups, events, suffix, known=known)
                if folded is not None:
                    in_flight[number] = {r["filing_id"].int: r for r in folded.rows}
                    hand_over((number, folded))
                position = events[-1][0]
                done += len(events)
                if progress is not None:
                    progress(position, target)
            hand_over(None)
        finally:
            while writer.is_alive():  # on failure here too: the writer must not wait forever
                with contextlib.suppress(queue.Full):
                    handoff.put(None, timeout=0.2)
                    break
            writer.join()
    if failed:
        raise failed[0]
    return position, done


def _load_partition(
    conninfo: str,
    source: EventSource,
    suffix: str,
    batch: int,
    seal: FieldSeal,
    until: int,
    index: int,
    count: int,
    report: Connection,
) -> None:
    """A forked process's whole life: load one partition, report progress and the outcome."""
    # The parent's handlers (an RQ worker's warm shutdown) must not outlive the fork: a
    # loader told to stop stops.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        _, done = load_summaries(
            conninfo,
            source.partition(index, count),
            suffix,
            batch,
            seal,
            until,
            lambda position, _target: report.send(("progress", position)),
        )
        report.send(("done", done))
    except BaseException:
        report.send(("failed", traceback.format_exc()))
        raise


def load_in_processes(
    conninfo: str,
    source: EventSource,
    suffix: str,
    batch: int,
    seal: FieldSeal,
    until: int,
    processes: int,
    progress: Progress | None = None,
) -> int:
    """Load every event up to `until` in `processes` forked processes, one partition each;
    returns how many events they loaded. Progress is the position every partition has passed.

    Fork, not spawn: a spawned interpreter takes about a second to import the application,
    a third of a whole rebuild here. A forked child uses only objects it makes itself (its
    partition's log view and connections) and the sealer it is handed, never the parent's
    connections or locks."""
    context = multiprocessing.get_context("fork")
    children = []
    for index in range(processes):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_load_partition,
            args=(conninfo, source, suffix, batch, seal, until, index, processes, send),
            name=f"rebuild-partition-{index}",
            daemon=True,
        )
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork in a threaded process; see the docstring for why
            # the child is safe.
            warnings.simplefilter("ignore", DeprecationWarning)
            child.start()
        send.close()
        children.append((child, receive))
    positions = [0] * processes
    done: dict[int, int] = {}
    try:
        while len(done) < processes:
            ready = wait([r for i, (_, r) in enumerate(children) if i not in done], timeout=5)
            for index, (child, receive) in enumerate(children):
                if receive not in ready or index in done:
                    continue
                try:
                    message = receive.recv()
                except EOFError:
                    child.join()
                    raise LoadFailed(
                        f"partition {index} exited (code {child.exitcode}) before it was done"
                    ) from None
                if message[0] == "failed":
                    raise LoadFailed(f"partition {index} failed:\n{message[1]}")
                if message[0] == "done":
                    done[index] = message[1]
                    positions[index] = until
                else:
                    positions[index] = message[1]
                if progress is not None:
                    progress(min(positions), until)
    finally:
        for child, receive in children:
            if child.is_alive() and len(done) < processes:
                child.terminate()
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()
            receive.close()
    return sum(done.values())
