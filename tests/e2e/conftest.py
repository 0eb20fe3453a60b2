from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import Platform
from tests.servers import ServerUrls


@pytest.fixture(scope="module")
def platform(servers: ServerUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    p = Platform(servers.database_url, servers.redis_url, Path(tmp_path_factory.mktemp("logs")))
    p.start()
    try:
        yield p
    finally:
        p.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    platform_fixture = getattr(item, "funcargs", {}).get("platform")
    if report.failed and isinstance(platform_fixture, Platform):
        report.sections.append(("burnblack process logs", platform_fixture.logs()))
