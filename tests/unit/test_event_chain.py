"""The chain's rules on their own: every change, deletion or reordering inside a chain breaks
it at that version; a bundle verifies offline and any change to what it holds is found."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from burnblack.audit_bundle import BundleError, build, verify
from domain.event_chain import GENESIS, Head, Link, day_root, link, verify_chain

KEY = Ed25519PrivateKey.generate()
OID = uuid.UUID(int=7)


def chain(states: list[bytes], topic: str = "domain.filing:Filing.Started") -> list[Link]:
    out, previous = [], GENESIS
    for version, state in enumerate(states, start=1):
        previous = link(previous, OID, version, topic, state)
        out.append(Link(OID, version, topic, state, previous))
    return out


states = st.lists(st.binary(min_size=1, max_size=64), min_size=2, max_size=12)


@given(states)
def test_an_untouched_chain_and_every_prefix_verify(s: list[bytes]) -> None:
    links = chain(s)
    for n in range(len(links) + 1):
        assert verify_chain(links[:n]) is None  # why the daily roots anchor heads


@given(states, st.data())
def test_a_flipped_byte_breaks_at_its_version(s: list[bytes], data: st.DataObject) -> None:
    links = chain(s)
    i = data.draw(st.integers(0, len(links) - 1))
    j = data.draw(st.integers(0, len(links[i].state) - 1))
    state = bytearray(links[i].state)
    state[j] ^= data.draw(st.integers(1, 255))
    links[i] = Link(OID, links[i].version, links[i].topic, bytes(state), links[i].hash)
    found = verify_chain(links)
    assert found is not None and found.version == i + 1


@given(states, st.data())
def test_a_deleted_row_breaks_at_its_version(s: list[bytes], data: st.DataObject) -> None:
    links = chain(s)
    i = data.draw(st.integers(0, len(links) - 2))  # not the last: see the prefixes above
    del links[i]
    found = verify_chain(links)
    assert found is not None and found.version == i + 1 and "missing" in found.reason


@given(states, st.data())
def test_two_swapped_rows_break(s: list[bytes], data: st.DataObject) -> None:
    links = chain(s)
    i = data.draw(st.integers(0, len(links) - 2))
    a, b = links[i], links[i + 1]
    if a.state == b.state:
        return
    # swapped content, versions renumbered as a forger would
    links[i] = Link(OID, a.version, b.topic, b.state, b.hash)
    links[i + 1] = Link(OID, b.version, a.topic, a.state, a.hash)
    found = verify_chain(links)
    assert found is not None and found.version == i + 1


def test_a_day_root_depends_on_every_head_and_the_day_before() -> None:
    heads = [Head(uuid.UUID(int=n), n, bytes([n]) * 32) for n in range(1, 4)]
    root = day_root(dt.date(2026, 7, 31), GENESIS, heads)
    assert day_root(dt.date(2026, 7, 31), GENESIS, list(reversed(heads))) == root
    assert day_root(dt.date(2026, 8, 1), GENESIS, heads) != root
    assert day_root(dt.date(2026, 7, 31), root, heads) != root
    assert day_root(dt.date(2026, 7, 31), GENESIS, heads[:2]) != root


def _bundle(s: list[bytes]) -> dict[str, object]:
    links = chain(s)
    anchors = [(dt.date(2026, 7, 31), links[-1].version, links[-1].hash)]
    data = build(OID, links, anchors, dt.datetime(2026, 8, 1, tzinfo=dt.UTC), KEY)
    doc: dict[str, object] = json.loads(data)
    return doc


@given(states)
def test_a_bundle_verifies_with_the_public_key_only(s: list[bytes]) -> None:
    doc = _bundle(s)
    result = verify(json.dumps(doc).encode(), KEY.public_key())
    assert result.intact and result.events == len(s) and result.anchors == 1
    other = Ed25519PrivateKey.generate().public_key()
    assert not verify(json.dumps(doc).encode(), other).intact


@given(states, st.data())
def test_any_change_to_a_bundle_is_found(s: list[bytes], data: st.DataObject) -> None:
    doc = _bundle(s)
    payload = doc["payload"]
    assert isinstance(payload, dict)
    events = payload["events"]
    i = data.draw(st.integers(0, len(events) - 1))
    what = data.draw(st.sampled_from(["state", "topic", "version", "drop", "anchor"]))
    if what == "state":
        raw = bytearray(base64.b64decode(events[i]["state"]))
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1
        events[i]["state"] = base64.b64encode(bytes(raw)).decode()
    elif what == "topic":
        events[i]["topic"] += "x"
    elif what == "version":
        events[i]["version"] += 1
    elif what == "drop":
        del events[i]
    else:
        payload["anchors"][0]["version"] = 1 if len(s) > 1 else 2
    result = verify(json.dumps(doc).encode(), KEY.public_key())
    assert not result.intact
    assert any("signature does not match" in p for p in result.problems)


def test_a_file_that_is_not_a_bundle_is_refused() -> None:
    with pytest.raises(BundleError):
        verify(b"{}", KEY.public_key())
    with pytest.raises(BundleError):
        verify(b"not json", KEY.public_key())
