"""deploy/prometheus/capacity-alerts.yml: valid for promtool, fires where the review's
limits are crossed, and names only metrics the platform exports."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.promtool import promtool

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "capacity-alerts.yml"


def rules() -> list[dict[str, object]]:
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def test_promtool_accepts_the_rules() -> None:
    run = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_review_limits_each_have_an_alert() -> None:
    alerts = {str(r["alert"]): r for r in rules() if "alert" in r}
    expected = {
        "BurnblackDbPoolSaturated": "> 0.8",
        "BurnblackProjectionLagging": "> 10",
        "BurnblackHighQueueWaitSlow": "> 5",
        "BurnblackErrorRatioHigh": "> 0.001",
        "BurnblackLatencyP95High": "> 0.2",
    }
    for name, limit in expected.items():
        assert limit in str(alerts[name]["expr"]), name
    assert alerts["BurnblackDbPoolSaturated"]["for"] == "1m"


def test_every_metric_named_is_exported_by_the_code() -> None:
    source = "\n".join(
        p.read_text()
        for folder in ("burnblack", "workers", "projections", "api")
        for p in (ROOT / folder).rglob("*.py")
    )
    exported = set(re.findall(r'"(burnblack_[a-z_]+)"', source))
    # Litestar's Prometheus middleware, prefix "burnblack" (api/app.py).
    exported |= {"burnblack_requests", "burnblack_request_duration_seconds"}
    named = set(re.findall(r"\b(burnblack_[a-z_]+)", RULES.read_text()))
    for metric in named:
        base = re.sub(r"_(total|bucket|sum|count)$", "", metric)
        assert base in exported or metric in exported, metric


def test_the_alerts_fire_on_synthetic_series() -> None:
    tests = RULES.with_name("capacity-alerts.test.yml")
    run = subprocess.run([promtool(), "test", "rules", str(tests)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
