"""The nesting-depth check reads raw bytes before any decoder: it must agree with the real
depth of every JSON document, brackets inside strings (escaped quotes included) ignored."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from api.strict_input import MAX_ITEMS, MAX_STRING_LENGTH, over_cap, too_deep

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\ab', max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(json_values, st.integers(min_value=0, max_value=6))
def test_the_byte_scan_agrees_with_the_document(value: Any, limit: int) -> None:
    body = msgspec.json.encode(value)
    assert too_deep(body, limit) == (depth(value) > limit)


def test_a_hundred_thousand_brackets_are_too_deep_without_recursion() -> None:
    assert too_deep(b"[" * 100_000)
    assert not too_deep(b'["' + b"[" * 100_000 + b'"]')


def test_caps_name_the_field() -> None:
    assert over_cap({"a": {"b": [0] * (MAX_ITEMS + 1)}}) == ("a.b", f"at most {MAX_ITEMS} items")
    assert over_cap({"a": ["x" * (MAX_STRING_LENGTH + 1)]})[0] == "a[0]"  # type: ignore[index]
    assert over_cap({"a": [0] * MAX_ITEMS, "b": "x" * MAX_STRING_LENGTH}) is None
