"""The API in-process (Litestar's TestClient) on the test PostgreSQL and Redis, with the
security settings a test needs; "browsers" (each its own cookie jar) and log-ins per role."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from litestar.testing import TestClient

from api.app import create_app
from burnblack.bootstrap import wiring
from burnblack.bootstrap.api import api_services
from burnblack.settings import Settings
from commands.context import CommandContext
from domain.account import Role
from tests.cipher import TEST_CIPHER_KEY
from tests.servers import ServerUrls
from tests.taxpayer import PASSWORD, send_csrf_token

GENEROUS = {
    "BURNBLACK_RATE_LIMIT_STANDARD": "100000/minute",
    "BURNBLACK_RATE_LIMIT_EXPENSIVE": "100000/minute",
    "BURNBLACK_RATE_LIMIT_AUTH": "100000/minute",
    "BURNBLACK_LOCKOUT_IP_THRESHOLD": "100000",
}
App = TestClient[Any]


def security_settings(servers: ServerUrls, **env: str) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url,
            "BURNBLACK_DB_POOL_SIZE": "2",
            "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY,
            **GENEROUS,
            **env,
        }
    )


@contextlib.contextmanager
def api_client(settings: Settings) -> Iterator[App]:
    svc = api_services(settings)
    try:
        with TestClient(create_app(svc)) as client:
            yield client
    finally:
        svc.pool.close()
        svc.filings.close()
        svc.accounts.close()


def browser(app: App, csrf: bool = True) -> httpx.Client:
    """A client with its own cookies on the in-process app (sends the CSRF token if asked)."""
    client = httpx.Client(transport=app._transport, base_url=str(app.base_url))
    return send_csrf_token(client) if csrf else client


def new_email(prefix: str = "sec") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def register(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    r = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r


def create_account(settings: Settings, role: Role) -> tuple[str, str]:
    """An account with this role, made through the write side as the CLI does: (id, email)."""
    email = new_email(role.value)
    accounts = wiring.accounts_app(settings)
    try:
        account = accounts.register(CommandContext("test-setup"), email, PASSWORD, role)
    finally:
        accounts.close()
    return str(account.id), email


def logged_in(app: App, settings: Settings, role: Role) -> tuple[httpx.Client, str]:
    """A browser logged in as a new account with this role, and the account's id."""
    uid, email = create_account(settings, role)
    client = browser(app)
    login(client, email)
    return client, uid
