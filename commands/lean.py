"""The write side's applications without eventsourcing's runtime protocol checks (issue 16).

eventsourcing 9.5 checks each event against `typing` protocols marked `runtime_checkable`:
`project_aggregate` asserts `isinstance(event, CanMutateProtocol)` for every event it
replays, and `save` asks `isinstance(obj, DomainEventProtocol)` and
`isinstance(obj, CollectEventsProtocol)` of every aggregate it saves. A runtime protocol check
inspects every attribute the protocol names: about 20 µs each here. A write loads its filing
by replaying all of its events, so the check grew with the return's history and was about an
eighth of a declared income's CPU in the API (py-spy, issue 16).

Our aggregates are `eventsourcing.domain.Aggregate` subclasses and their events the nested
`Aggregate.Event` classes, which implement both protocols by construction: a plain class
check (`isinstance(obj, Aggregate)`, a few hundred nanoseconds) says the same thing. Anything
else is handed to the library's own code, unchanged. (`python -O` would also remove the
assert, and every other assert with it: not an option.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from eventsourcing.application import Application, ProcessingEvent, Repository, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording
from eventsourcing.utils import strtobool

A = TypeVar("A")


def mutate_each(aggregate: A | None, events: Iterable[Any]) -> A | None:
    """`project_aggregate` without its per-event protocol assert: each stored event of an
    `Aggregate` is an `Aggregate.Event`, whose `mutate` the assert was about to call anyway
    (a missing one still fails, with AttributeError)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LeanRepository(Repository[Any]):
    """A repository whose default projector is `mutate_each` (a caller may still pass one)."""

    def get(self, aggregate_id: Any, **kwargs: Any) -> Any:
        if kwargs.get("projector_func", project_aggregate) is project_aggregate:
            kwargs["projector_func"] = mutate_each
        return super().get(aggregate_id, **kwargs)


class LeanApplication(Application[Any]):
    """Base of the write side's applications: `LeanRepository`, and `save` that collects an
    `Aggregate`'s events without the runtime protocol checks."""

    def construct_repository(self) -> Repository[Any]:
        # As `Application.construct_repository` (eventsourcing 9.5), with our class.
        cache_maxsize_envvar = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return LeanRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(cache_maxsize_envvar) if cache_maxsize_envvar else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(
                self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")
            ),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        # As `Application.save` (eventsourcing 9.5); only the collection differs.
        processing_event: ProcessingEvent[Any] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            elif obj is not None:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated upstream; kept as the original does
        return recordings
