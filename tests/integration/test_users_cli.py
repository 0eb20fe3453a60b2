"""`burnblack users …`: how the first admin comes to exist, and role changes from a shell."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from burnblack import wiring
from burnblack.settings import Settings
from domain.account import Role
from tests.cipher import TEST_CIPHER_KEY
from tests.processes import ROOT
from tests.servers import ServerUrls
from tests.taxpayer import PASSWORD


def _burnblack(
    servers: ServerUrls, *args: str, stdin: str = "", database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or servers.database_url,
        "REDIS_URL": servers.redis_url,
        "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY,
    }
    return subprocess.run(
        [sys.executable, "-m", "burnblack", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_create_the_first_admin_then_change_roles(
    servers: ServerUrls, app_settings: Settings
) -> None:
    email = f"root-{uuid.uuid4().hex[:8]}@example.com"
    made = _burnblack(servers, "users", "create-admin", email, stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    admin_id = made.stdout.strip()

    again = _burnblack(servers, "users", "create-admin", email, stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "already exists" in again.stderr

    # Whether this is the database's only admin depends on which tests ran before: make sure
    # it is not (the last admin's refusal has its own database below).
    other = f"root-{uuid.uuid4().hex[:8]}@example.com"
    second = _burnblack(servers, "users", "create-admin", other, stdin=PASSWORD + "\n")
    assert second.returncode == 0, second.stderr

    demoted = _burnblack(servers, "users", "set-role", email, "auditor")
    assert demoted.returncode == 0, demoted.stderr
    revoked = _burnblack(servers, "users", "revoke-sessions", email)
    assert revoked.returncode == 0 and "0 session(s) ended" in revoked.stderr

    accounts = wiring.accounts_app(app_settings)
    try:
        admin = accounts.authenticate(email, PASSWORD)
        assert str(admin.id) == admin_id and admin.role is Role.AUDITOR
        trail = [e for e in accounts.audit_trail(0, 10_000) if e.subject == admin_id]
    finally:
        accounts.close()
    assert [e.action for e in trail] == [
        "account.admin_created",
        "account.role_changed",
        "account.sessions_revoked",
    ]
    assert all(e.actor.startswith("cli:") for e in trail)
    assert trail[1].details == {"from": "admin", "to": "auditor"}


def test_the_last_admin_keeps_the_role_with_a_plain_refusal(
    servers: ServerUrls, own_database: Settings
) -> None:
    url = own_database.database_url
    email = f"root-{uuid.uuid4().hex[:8]}@example.com"
    made = _burnblack(
        servers, "users", "create-admin", email, stdin=PASSWORD + "\n", database_url=url
    )
    assert made.returncode == 0, made.stderr

    refused = _burnblack(servers, "users", "set-role", email, "taxpayer", database_url=url)
    assert refused.returncode == 1
    assert "last admin" in refused.stderr and "Traceback" not in refused.stderr

    accounts = wiring.accounts_app(own_database)
    try:
        account = accounts.find_by_email(email)
        assert account is not None and account.role is Role.ADMIN
    finally:
        accounts.close()
