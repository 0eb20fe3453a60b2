"""Who is asking and why: carried into every event's metadata."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommandContext:
    actor: str
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str = ""

    def meta(self) -> dict[str, str]:
        return {
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id or self.correlation_id,
        }


SYSTEM = "system"
