from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from burnblack.settings import Settings
from tests.cipher import TEST_CIPHER_KEY
from tests.servers import ServerUrls, test_servers

settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def servers() -> Iterator[ServerUrls]:
    with test_servers() as s:
        yield s


@pytest.fixture(scope="session")
def app_settings(servers: ServerUrls) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": servers.database_url,
            "REDIS_URL": servers.redis_url,
            "BURNBLACK_DB_POOL_SIZE": "4",
            "BURNBLACK_CIPHER_KEY": TEST_CIPHER_KEY,
        }
    )
