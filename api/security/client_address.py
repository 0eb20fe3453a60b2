"""Who is calling: the TCP peer, or the client a trusted proxy names in X-Forwarded-For.

`X-Forwarded-For` is read right to left, skipping our own trusted proxies; the first address
that is not one of them is the client. From an untrusted peer the header is ignored (anyone
can send it). IPv6 clients are keyed by their /64, which one subscriber usually holds whole.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from api.security.config import IPNetwork

STATE_KEY = "bb.client_ip"
UNKNOWN = "unknown"


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: tuple[IPNetwork, ...]
) -> bool:
    return any(address in net for net in proxies)


def resolve_client_ip(
    peer: str | None, forwarded_for: list[str], trusted_proxies: tuple[IPNetwork, ...]
) -> str:
    """The client's address as a string (`UNKNOWN` when there is no usable peer)."""
    peer_address = _parse(peer) if peer else None
    if peer_address is None:
        return UNKNOWN
    if not forwarded_for or not _trusted(peer_address, trusted_proxies):
        return str(peer_address)
    hops = [h for header in forwarded_for for h in header.split(",") if h.strip()]
    client = peer_address
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage from beyond our proxies: stop at the last address we trust
        client = address
        if not _trusted(address, trusted_proxies):
            break
    return str(client)


@functools.lru_cache(maxsize=8192)
def _resolved(peer: str | None, forwarded: tuple[str, ...], trusted: tuple[IPNetwork, ...]) -> str:
    """`resolve_client_ip`, remembered: parsing addresses cost more than the rest of a
    probe's request (issue 16). Bounded, so forged headers only evict older entries."""
    return resolve_client_ip(peer, list(forwarded), trusted)


def resolve_scope(scope: Scope, trusted_proxies: tuple[IPNetwork, ...]) -> str:
    """Resolves the client address into `scope["state"]` (read by `client_ip`)."""
    peer = scope.get("client")
    forwarded = tuple(
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
    )
    ip = _resolved(peer[0] if peer else None, forwarded, trusted_proxies)
    scope.setdefault("state", {})[STATE_KEY] = ip
    return ip


@functools.lru_cache(maxsize=8192)
def rate_key(ip: str) -> str:
    """What limits and lockouts count against: the address, or an IPv6 address's /64."""
    address = _parse(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return ip


def client_ip(scope: Scope) -> str:
    state: dict[str, Any] = scope.setdefault("state", {})
    value = state.get(STATE_KEY)
    return value if isinstance(value, str) else UNKNOWN


class ClientAddressMiddleware(ASGIMiddleware):
    """Resolves the client address once per request into `scope["state"]`."""

    def __init__(self, trusted_proxies: tuple[IPNetwork, ...]) -> None:
        self.trusted_proxies = trusted_proxies

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        resolve_scope(scope, self.trusted_proxies)
        await next_app(scope, receive, send)
