"""Exponential backoff and the errors that mean "the server went away, try again later".

Used by every long-running loop (projector, reactor sweeps, RQ worker) so that PostgreSQL or
Redis going away is waited out, never a reason to exit.
"""

from __future__ import annotations

import random

import psycopg
import redis.exceptions

# PostgreSQL restarted or unreachable (AdminShutdown is an OperationalError), Redis gone.
POSTGRES_GONE: tuple[type[BaseException], ...] = (psycopg.OperationalError, psycopg.InterfaceError)
REDIS_GONE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RECONNECTABLE: tuple[type[BaseException], ...] = (*POSTGRES_GONE, *REDIS_GONE)


class Backoff:
    """`first`, then twice as long each time up to `cap`, with +/-10 % jitter; `reset()` once
    things work again."""

    def __init__(self, first: float = 0.5, cap: float = 10.0) -> None:
        self.first = first
        self.cap = cap
        self.failures = 0

    def next(self) -> float:
        delay = min(self.cap, self.first * 2**self.failures)
        self.failures += 1
        return float(delay * random.uniform(0.9, 1.1))

    def reset(self) -> None:
        self.failures = 0
