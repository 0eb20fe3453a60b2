from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Written:
    """What a successful command changed: the aggregate's new version and its log position."""

    aggregate_id: uuid.UUID
    version: int
    position: int
