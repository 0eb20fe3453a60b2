"""Appends to the event store: the recorder without the table lock versus the library's default.

1. `saves_per_s_16_writers_vs_library_default`: 16 writer threads, each saving small new
   aggregates (one event each) through an `eventsourcing` Application for
   BENCH_APPEND_SECONDS (5) per run; the baseline is the same Application on the library's
   default recorder (`LOCK TABLE … IN EXCLUSIVE MODE` and a NOTIFY on every append), measured
   in the same run on the same database, runs alternated, median of BENCH_REPEATS (3).
   Target (issue 17): ratio >= 3.
2. `single_writer_save_ms_vs_library_default`: one writer, median milliseconds a save
   (target: ratio <= 1, no slower than the default), and its p99 beside it.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks._report import emit
from burnblack.bootstrap import wiring
from tests.servers import test_servers

SECONDS = float(os.environ.get("BENCH_APPEND_SECONDS", "5"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
WRITERS = 16
SINGLE_SAVES = int(os.environ.get("BENCH_APPEND_SINGLE_SAVES", "1000"))


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Edited")
    def edit(self, text: str) -> None:
        self.text = text


class Notes(Application[Any]):
    name = "notes"


def app(database_url: str, locked: bool) -> Notes:
    env = wiring.eventsourcing_env(database_url, pool_size=WRITERS)
    if locked:
        del env["APPLICATION_RECORDER_TOPIC"]  # the library's default recorder
    name = "notes_locked" if locked else "notes_horizon"  # a table each
    return type(name, (Notes,), {"name": name})(env=env)


def saves_per_second(
    notes: Notes, updates: bool = False, seconds: float = SECONDS, saved: list[int] | None = None
) -> float:
    """New aggregates of one event each; with `updates`, each writer appends one event at a
    time to an aggregate of its own instead (version 2, 3, ...). `saved` gets the count."""
    deadline = time.perf_counter() + seconds
    counts = [0] * WRITERS
    start = threading.Barrier(WRITERS + 1)

    def write(i: int) -> None:
        note = Note(text="small")
        if updates:
            notes.save(note)
        start.wait()
        while time.perf_counter() < deadline:
            if updates:
                note.edit("small")
                notes.save(note)
            else:
                notes.save(Note(text="small"))
            counts[i] += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    if saved is not None:
        saved.append(sum(counts))
    return sum(counts) / (time.perf_counter() - began)


def save_latencies_ms(notes: Notes, saves: int = SINGLE_SAVES) -> list[float]:
    out = []
    for _ in range(saves):
        note = Note(text="small")
        t = time.perf_counter()
        notes.save(note)
        out.append((time.perf_counter() - t) * 1000)
    return sorted(out)


def main() -> None:
    with test_servers() as servers:
        apps = {locked: app(servers.database_url, locked) for locked in (True, False)}
        try:
            for notes in apps.values():  # warm the pools and the prepared statements
                for _ in range(50):
                    notes.save(Note(text="warm"))
            rates: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(REPEATS):
                for locked, notes in apps.items():
                    rates[locked].append(saves_per_second(notes))
            ours, theirs = statistics.median(rates[False]), statistics.median(rates[True])
            emit("append", "saves_per_s_16_writers_vs_library_default", ours, theirs, target=3)
            latencies = {locked: save_latencies_ms(notes) for locked, notes in apps.items()}
            ours_l, theirs_l = latencies[False], latencies[True]
            emit(
                "append",
                "single_writer_save_ms_vs_library_default",
                statistics.median(ours_l),
                statistics.median(theirs_l),
                target=1,
            )
            p99 = int(len(ours_l) * 0.99)
            emit(
                "append",
                "single_writer_save_p99_ms_vs_library_default",
                ours_l[p99],
                theirs_l[p99],
                target=1,
            )
        finally:
            for notes in apps.values():
                notes.close()


if __name__ == "__main__":
    main()
