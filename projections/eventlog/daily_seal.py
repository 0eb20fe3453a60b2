"""The daily root sealed by the projector itself, so that no operator or cron job has to
remember it (projections/eventlog/chain_days.py says what a seal proves).

Each run seals `today()`: the first run on a new day anchors every row committed by then, and
the later runs that day return that seal unchanged. A tail deleted after a seal no longer
matches what was signed. `seal_day` serialises sealers with an advisory lock and is
idempotent, so every projector instance may run this; a clock behind the last sealed day is
refused there and logged here, never a reason to stop the projections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import psycopg
import structlog

from projections.eventlog.chain_days import SealRefused, Sign, seal_day

log = structlog.get_logger(__name__)


class DailySeal:
    name = "daily_seal"
    requires: tuple[str, ...] = ()  # any instance: seal_day is locked and idempotent

    def __init__(
        self,
        table: str,
        public_key: bytes,
        sign: Sign,
        today: Callable[[], dt.date],
        interval: float = 600.0,
    ) -> None:
        """`today`: the day to seal, read at the process's edge (the root passes the UTC date,
        as `burnblack audit seal` does); `interval`: seconds between checks."""
        self.table = table
        self.public_key = public_key
        self.sign = sign
        self.today = today
        self.interval = interval

    def run(self, conn: psycopg.Connection[Any]) -> None:
        day = self.today()
        try:
            sealed = seal_day(conn, self.table, day, self.public_key, self.sign)
        except SealRefused as exc:
            log.warning("audit.seal_refused", day=str(day), error=str(exc))
            return
        if sealed.new:
            log.info("audit.day_sealed", day=str(sealed.day), filings=sealed.filings)
