"""The filing read models' log follower: folds each batch into the tables, then (after the
commit) writes the new cache entries of what it changed and publishes its position."""

from __future__ import annotations

from typing import Any

import psycopg

from projections.cache.invalidation import CacheInvalidator
from projections.cache.warming import load_warm
from projections.projector.runner import AfterCommit
from projections.read_models.filings.projection import FilingSummaryProjection
from projections.read_models.sealing import FieldSeal


class FilingSummaryFollower:
    """The taxpayer/auditor/admin filing read models; after each batch commits, writes the new
    cache entries of what it changed and publishes its position for read-your-writes."""

    name = "filing_summary"

    def __init__(self, invalidator: CacheInvalidator, seal: FieldSeal) -> None:
        self._projection = FilingSummaryProjection(seal)
        self._invalidator = invalidator

    def handle(
        self, conn: psycopg.Connection[Any], events: list[tuple[int, Any]]
    ) -> AfterCommit | None:
        touched = self._projection.apply(conn, events)
        warmed = load_warm(conn, touched, self._projection.seal)
        position = events[-1][0]
        return lambda: self._invalidator.after_commit(touched, position, warmed)
