"""The Prometheus alert rules are valid and fire when they should (promtool, if installed:
Debian package `prometheus`), and watch the metric the API exports."""

from __future__ import annotations

import subprocess
from pathlib import Path

from api.controllers.health import PROJECTOR_LAG
from tests.promtool import promtool

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def test_the_rules_watch_the_exported_lag_metric() -> None:
    assert PROJECTOR_LAG._name == "burnblack_projector_lag_events"
    assert "burnblack_projector_lag_events" in (RULES / "alerts.yml").read_text()


def test_promtool_checks_the_rules() -> None:
    out = subprocess.run(
        [promtool(), "check", "rules", "alerts.yml"], cwd=RULES, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_lag_alerts_fire_on_lag_and_not_on_recovery() -> None:
    out = subprocess.run(
        [promtool(), "test", "rules", "alerts_test.yml"], cwd=RULES, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
