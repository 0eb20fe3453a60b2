"""compose.yaml stays true: the services the issue names, and commands the CLI really has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_platform_as_the_tests_do() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "api", "worker", "projector", "loadbalancer"} <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "noeviction" in services["redis"]["command"]
    for name in ("postgres", "redis", "api", "worker", "projector"):
        assert "healthcheck" in services[name], name
    for name in ("api", "worker", "projector"):
        command = services[name]["command"]
        assert command[0] == "burnblack" and command[1] == name
        # the same command line must parse with the real CLI
        out = subprocess.run(
            [sys.executable, "-m", "burnblack", *command[1:], "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert out.returncode == 0, out.stderr
    assert (ROOT / "deploy" / "nginx.conf").exists()
