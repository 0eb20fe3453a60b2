"""The connection budget: each role's most connections, summed over the deployment, must fit
in the server's limit, and a deployment that cannot fit is refused with the arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from burnblack import budget
from burnblack.bootstrap import wiring
from burnblack.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_DEFAULT_LIMIT = 100 - 3  # max_connections less superuser_reserved_connections


def test_pools_are_sized_per_role_from_the_base() -> None:
    settings = Settings.from_env({"BURNBLACK_DB_POOL_SIZE": "5"})
    assert (settings.db_pool_size, settings.db_read_pool_size) == (5, 20)
    assert settings.eventstore_pool_size == 10
    own = Settings.from_env({"BURNBLACK_DB_READ_POOL_SIZE": "30"})
    assert own.db_read_pool_size == 30 and own.db_pool_size == 4


def test_event_stores_open_one_connection_and_grow_to_their_size() -> None:
    env = wiring.eventsourcing_env("postgresql://u@h:5432/d", pool_size=8)
    # The library's pool: min_size = POOL_SIZE, max_size = POOL_SIZE + MAX_OVERFLOW.
    assert (env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"]) == ("1", "7")


def test_the_documented_deployment_fits_its_max_connections() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    spec = compose["x-app"]["environment"]["BURNBLACK_DEPLOYMENT"]
    counts = budget.parse_deployment(spec)
    services = compose["services"]
    assert counts["api"] == services["api"]["deploy"]["replicas"]
    workers = [n for n in services if services[n].get("command", [])[1:2] == ["worker"]]
    replicas = [services[n].get("deploy", {}).get("replicas", 1) for n in workers]
    assert counts["worker"] == sum(replicas)
    command = services["postgres"]["command"]
    max_connections = int(command[command.index("-c") + 1].removeprefix("max_connections="))
    limit = max_connections - 3  # less superuser_reserved_connections
    sizes = wiring.pool_sizes(Settings.from_env({}))
    per_role = budget.check(sizes, spec, limit)
    assert sum(per_role.values()) <= limit


def test_a_deployment_that_cannot_fit_is_refused_with_the_arithmetic() -> None:
    sizes = wiring.pool_sizes(Settings.from_env({"BURNBLACK_DB_POOL_SIZE": "10"}))
    with pytest.raises(budget.BudgetExceeded) as refused:
        budget.check(sizes, "api=2,worker=2,projector=1", POSTGRES_DEFAULT_LIMIT)
    message = str(refused.value)
    assert "can open" in message and "accepts 97" in message
    # 2 x (40 reads + 10 sync + 20 + 10 event stores + 2 wake-ups + 1 data keys)
    assert "api 166" in message


@pytest.mark.parametrize("spec", ["api=two", "web=2", "api:2", "api=2,,worker"])
def test_a_deployment_that_does_not_parse_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="BURNBLACK_DEPLOYMENT"):
        budget.parse_deployment(spec)
