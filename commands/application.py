"""What the write side's applications share: how their events are stored, and how a worker's
report is recorded against the latest version of an aggregate."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import EnvType

from commands.lean import LeanApplication
from commands.results import Written
from commands.transcodings import register_domain_transcodings

REPORT_ATTEMPTS = 5

_Aggregate = TypeVar("_Aggregate")


class IndexedApplication(LeanApplication, Application[uuid.UUID]):
    """An application storing the domain's values (commands/transcodings.py) and finding
    aggregates through blind indexes keyed by `index_key` (burnblack/index_key.py). Lean:
    without eventsourcing's runtime protocol checks (commands/lean.py)."""

    def __init__(self, env: EnvType | None = None, *, index_key: bytes) -> None:
        super().__init__(env)
        self.index_key = index_key

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)


def record_report(
    load: Callable[[], _Aggregate],
    apply: Callable[[_Aggregate], bool],
    save: Callable[[_Aggregate], Written],
    loaded: _Aggregate | None = None,
) -> Written | None:
    """Applies a worker's report to the latest version and saves it; None when the aggregate
    discards it (stale or a repeat). Workers deliver at least once and race with the taxpayer,
    so a conflicting save is retried against the newer version, where the aggregate decides
    again whether the report still counts. `loaded`: the aggregate as the caller has just
    read it (unchanged), tried first instead of reading it again."""
    for attempt in range(REPORT_ATTEMPTS):
        aggregate = loaded if attempt == 0 and loaded is not None else load()
        if not apply(aggregate):
            return None
        try:
            return save(aggregate)
        except IntegrityError:
            continue
    return None
