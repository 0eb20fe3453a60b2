"""The last admin cannot lose the role, also when two admins demote each other at once, and
in a store whose admins were made before the roster existed."""

from __future__ import annotations

import threading
import uuid

import pytest

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from commands.context import CommandContext
from commands.errors import LastAdmin
from domain.account import Role
from tests.taxpayer import PASSWORD

CTX = CommandContext("test")


def test_two_admins_demoting_each_other_at_once_leave_one(own_database: Settings) -> None:
    accounts = wiring.accounts_app(own_database)
    try:
        a = accounts.create_admin(CTX, "a@example.com", PASSWORD)
        b = accounts.create_admin(CTX, "b@example.com", PASSWORD)
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def demote(who: uuid.UUID) -> None:
            barrier.wait()
            try:
                accounts.change_role(CTX, who, Role.TAXPAYER)
                outcomes.append("demoted")
            except LastAdmin:
                outcomes.append("refused")

        threads = [threading.Thread(target=demote, args=(i,)) for i in (a.id, b.id)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["demoted", "refused"]
        roles = {accounts.get(a.id).role, accounts.get(b.id).role}
        assert roles == {Role.ADMIN, Role.TAXPAYER}
    finally:
        accounts.close()


def test_admins_made_before_the_roster_are_found(own_database: Settings) -> None:
    accounts = wiring.accounts_app(own_database)
    try:
        # An admin promoted the way older code did it: no roster was saved.
        old = accounts.register(CTX, "old@example.com", PASSWORD)
        old.change_role(Role.ADMIN, meta=CTX.meta())
        accounts.save(old)
        with pytest.raises(LastAdmin):
            accounts.change_role(CTX, old.id, Role.AUDITOR)
        newer = accounts.register(CTX, "new@example.com", PASSWORD)
        accounts.change_role(CTX, newer.id, Role.ADMIN)
        accounts.change_role(CTX, old.id, Role.AUDITOR)  # another admin exists now
        with pytest.raises(LastAdmin):
            accounts.change_role(CTX, newer.id, Role.TAXPAYER)
    finally:
        accounts.close()
