"""Folding a batch of events into the rows they change, for row-per-aggregate projections
(the documents' status; the filing summary, the hot one, has its own `fold_batch` that copies
and derives a row once per batch)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

Row = dict[str, Any]
ApplyEvent = Callable[[Row | None, Any, int], Row | None]


def fold(
    rows: dict[uuid.UUID, Row], events: Iterable[tuple[int, Any]], apply_event: ApplyEvent
) -> list[Row]:
    """Apply each event to its aggregate's row (in `rows`, updated in place); returns the rows
    that changed. `apply_event` returns the same row back when an event changes nothing."""
    changed: set[uuid.UUID] = set()
    for position, event in events:
        current = rows.get(event.originator_id)
        after = apply_event(current, event, position)
        if after is not current and after is not None:
            rows[event.originator_id] = after
            changed.add(event.originator_id)
    return [rows[i] for i in changed]
