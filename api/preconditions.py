"""HTTP preconditions: If-Match carries the filing version the client acted on."""

from __future__ import annotations

from typing import Any

from litestar import Request

from api.problems import problem


def expected_version(request: Request[Any, Any, Any]) -> int:
    raw = request.headers.get("if-match")
    if raw is None:
        raise problem(
            428,
            "precondition-required",
            "If-Match is required",
            "send the filing's ETag (its version) as If-Match",
            field="If-Match",
        )
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or len(value) > 9:
        raise problem(
            400,
            "validation",
            "If-Match is not a filing version",
            'If-Match must be the ETag of the filing, e.g. "3"',
            field="If-Match",
        )
    return int(value)


def etag(version: int) -> str:
    return f'"{version}"'


def matches_if_none_match(request: Request[Any, Any, Any], tag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or tag in candidates
