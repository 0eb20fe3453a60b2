"""A store written by the library's default recorder, opened by ours: the column is added once,
old rows keep their ids and come first, and a process still on the old recorder fails loudly."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory, PersistenceError, StoredEvent
from eventsourcing.utils import Environment

from burnblack.bootstrap import wiring
from burnblack.settings import Settings


def _recorder(database_url: str, locked: bool) -> tuple[Any, Any]:
    env = wiring.eventsourcing_env(database_url, pool_size=2)
    if locked:
        del env["APPLICATION_RECORDER_TOPIC"]
    factory = InfrastructureFactory.construct(Environment("filings", env))
    return factory, factory.application_recorder()


def _event(originator: uuid.UUID, version: int) -> StoredEvent:
    return StoredEvent(originator, version, "proof:Happened", b"{}")


def test_an_old_store_is_migrated_in_place(own_database: Settings) -> None:
    database_url, _ = own_database.require_urls()
    old_factory, old = _recorder(database_url, locked=True)
    a, b = uuid.uuid4(), uuid.uuid4()
    old_ids = [*old.insert_events([_event(a, 1), _event(a, 2)]), *old.insert_events([_event(b, 1)])]
    assert old_ids == [1, 2, 3]

    factory, new = _recorder(database_url, locked=False)
    again_factory, again = _recorder(database_url, locked=False)  # idempotent, same base
    assert new.base() == again.base() and new.base().position == 4
    new_ids = new.insert_events([_event(b, 2)])
    assert new_ids is not None and new_ids[0] > 3
    read = new.select_notifications(start=None, limit=10)
    assert [n.id for n in read] == [1, 2, 3, new_ids[0]]
    assert [(n.originator_id, n.originator_version) for n in read] == [
        (a, 1),
        (a, 2),
        (b, 1),
        (b, 2),
    ]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT notification_id, transaction_id IS NULL FROM filings_events "
            "ORDER BY notification_id"
        ).fetchall()
    assert rows == [(1, True), (2, True), (3, True), (new_ids[0], False)]

    # A process still running the library's recorder takes no id below the new positions.
    with pytest.raises(PersistenceError, match="notification_id"):
        old.insert_events([_event(uuid.uuid4(), 1)])
    for f in (old_factory, factory, again_factory):
        f.close()
