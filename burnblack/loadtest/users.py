"""Who the simulated users are (no locust here: importing locust patches the process)."""

from __future__ import annotations

from dataclasses import dataclass

PASSWORD = "load-test: correct horse battery staple"


@dataclass(frozen=True)
class Account:
    email: str
    ip: str


def address(i: int) -> str:
    """The i-th simulated client address, in 100.64.0.0/10 (shared address space): never
    one of the trusted proxies, so the API takes it as the client."""
    n = i + 1
    return f"100.{64 + (n >> 16) % 64}.{(n >> 8) % 256}.{n % 256}"
