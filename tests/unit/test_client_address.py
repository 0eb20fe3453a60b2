"""Whose address counts: X-Forwarded-For only from our own proxies."""

from __future__ import annotations

import pytest

from api.security.client_address import UNKNOWN, rate_key, resolve_client_ip
from api.security.config import parse_networks

PROXIES = parse_networks("10.0.0.0/8, 127.0.0.1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", [], "203.0.113.7"),
        # an untrusted peer cannot choose its address
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),
        # one trusted proxy in front
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        # the client's own claim on the left is not believed: the first untrusted from the right
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1, 10.9.9.9"], "198.51.100.1"),
        # several headers are one list
        ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
        # garbage beyond our proxies: the last address we trust
        ("10.1.2.3", ["not-an-ip, 10.2.2.2"], "10.2.2.2"),
        # only proxies: the leftmost of them
        ("10.1.2.3", ["10.4.4.4, 10.5.5.5"], "10.4.4.4"),
        ("::ffff:203.0.113.9", [], "203.0.113.9"),
        ("testclient", [], UNKNOWN),
        (None, ["198.51.100.1"], UNKNOWN),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], client: str) -> None:
    assert resolve_client_ip(peer, forwarded, PROXIES) == client


def test_no_trusted_proxies_means_the_header_is_ignored() -> None:
    assert resolve_client_ip("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"


def test_ipv6_clients_are_counted_per_64() -> None:
    assert (
        rate_key("2001:db8:1:2:aaaa::1") == rate_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    )
    assert rate_key("2001:db8:1:3::1") != rate_key("2001:db8:1:2::1")
    assert rate_key("198.51.100.1") == "198.51.100.1"
