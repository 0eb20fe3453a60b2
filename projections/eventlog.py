"""Reading the application's notification log: positions and decoded domain events."""

from __future__ import annotations

from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper


class EventSource(Protocol):
    channel: str

    def read(self, after: int, limit: int) -> list[tuple[int, Any]]: ...

    def max_position(self) -> int: ...


class StoredEventLog:
    """The event store's notification log, decoded with the application's own mapper
    (so ciphers, compression and upcasting stay exactly as the write side has them)."""

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[Any], channel: str) -> None:
        self._recorder = recorder
        self._mapper = mapper
        self.channel = channel

    def read(self, after: int, limit: int) -> list[tuple[int, Any]]:
        notifications = self._recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        to_event = self._mapper.to_domain_event
        return [(n.id, to_event(n)) for n in notifications]

    def max_position(self) -> int:
        return self._recorder.max_notification_id() or 0
