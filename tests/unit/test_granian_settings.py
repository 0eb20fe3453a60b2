"""How the API process serves (issue 16): Granian with HTTP/1.1 only (nginx's upstream
protocol; `auto` sniffs each connection for HTTP/2), uvloop named, WebSockets on (the stream),
no access log."""

from __future__ import annotations

from typing import Any

import pytest
from granian.constants import HTTPModes, Interfaces, Loops

from burnblack.bootstrap import api as api_root
from burnblack.settings import Settings


def test_the_api_is_served_over_http1_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Recorded:
        def __init__(self, target: str, **options: Any) -> None:
            seen.update(options, target=target)

        def serve(self) -> None:
            seen["served"] = True

    monkeypatch.setattr(api_root, "Server", Recorded)
    monkeypatch.setattr(api_root.wiring, "check_connection_budget", lambda _: None)
    settings = Settings.from_env({"DATABASE_URL": "postgresql://x", "REDIS_URL": "redis://x"})
    api_root.run_api(settings, "127.0.0.1", 8000, 2)
    assert seen["served"] and seen["target"] == api_root.APP_FACTORY
    assert seen["interface"] == Interfaces.ASGI and seen["workers"] == 2
    assert seen["http"] == HTTPModes.http1
    assert seen["loop"] == Loops.uvloop
    assert seen.get("websockets", True) is True
    assert seen["log_access"] is False
