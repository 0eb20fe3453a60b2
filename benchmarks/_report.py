"""One JSON line per metric, the shape every benchmark prints.

`ratio` is value / baseline, both measured in the same process and run, so that a noisy,
shared machine moves both together; `target` is what the issue asked for, in the unit of
`ratio` when the target is relative and of `value` when it is absolute.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Callable


def emit(
    benchmark: str,
    metric: str,
    value: float,
    baseline: float | None,
    target: float | None,
    **extra: float | str | list[float],
) -> None:
    """`extra`: further fields of the line (e.g. a median of per-pair ratios, the load)."""
    ratio = round(value / baseline, 4) if baseline else None
    print(
        json.dumps(
            {
                "benchmark": benchmark,
                "metric": metric,
                "value": round(value, 4),
                "baseline": round(baseline, 4) if baseline is not None else None,
                "ratio": ratio,
                "target": target,
                **extra,
            }
        ),
        flush=True,
    )


def median_rate(work: Callable[[], int], repeats: int = 5) -> float:
    """Median items/second over `repeats` runs of `work`, which returns how many items it did."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = work()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def in_threads(work: Callable[[int], None], threads: int, seconds: float) -> int:
    """How many times `work(i)` ran, from `threads` threads for `seconds`."""
    done = [0] * threads
    errors: list[BaseException] = []
    deadline = time.monotonic() + seconds

    def loop(i: int) -> None:
        try:
            while time.monotonic() < deadline:
                work(i)
                done[i] += 1
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return sum(done)
