"""Strict JSON bodies for every route, whatever its schema: checked before the handler's body
is decoded (a `before_request` hook on the app, so routes added later inherit it).

- JSON only where JSON is expected: another Content-Type is a 415.
- The nesting depth is measured on the raw bytes before anything decodes them: a body of
  100,000 `[` must be a 400, not a RecursionError.
- Length caps on every array, object and string (`MAX_ITEMS`, `MAX_STRING_LENGTH`), whatever
  the schema says; tighter caps in a schema still apply. The OpenAPI document shows them
  (`api.openapi_truth`).
- Strict types: msgspec decodes the body into the handler's type with `strict=True`, so
  "1000" is not taken for 1000 (Litestar's own conversion is lax, built for query strings).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg

from api.problems import json_only, problem

JSON_BODY_OPT = "json_body"  # route opt: a handler that reads and decodes its JSON body itself
MAX_DEPTH = 16
MAX_ITEMS = 100
MAX_STRING_LENGTH = 1024

_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays/objects nest deeper than `limit` (brackets inside strings ignored)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSE:
            depth -= 1
    return False


def over_cap(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first array, object or string over its cap, as (field path, message)."""
    if isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            return path or "body", f"at most {MAX_STRING_LENGTH} characters"
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return path or "body", f"at most {MAX_ITEMS} items"
        for i, item in enumerate(value):
            if found := over_cap(item, f"{path}[{i}]"):
                return found
    elif isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return path or "body", f"at most {MAX_ITEMS} members"
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if len(key) > MAX_STRING_LENGTH:
                return path or "body", f"member names of at most {MAX_STRING_LENGTH} characters"
            if found := over_cap(item, name):
                return found
    return None


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and "+json" in media)


class _Expected(msgspec.Struct, frozen=True):
    decoder: msgspec.json.Decoder[Any] | None  # None: the handler decodes the body itself
    optional: bool


def json_body(body_type: type[Any]) -> dict[str, Any]:
    """Route `opt` for a handler that decodes its own JSON body of `body_type`: the body is
    still checked here (media type, depth, caps) and documented in OpenAPI."""
    return {JSON_BODY_OPT: body_type}


_EXPECTED: dict[int, tuple[object, _Expected | None]] = {}


def _expected(request: Request[Any, Any, Any]) -> _Expected | None:
    """The JSON body the route's handler takes, if any (memoised per handler; the handler is
    kept with its entry, so its id is never reused by another while memoised)."""
    handler = request.route_handler
    memo = _EXPECTED.get(id(handler))
    if memo is not None and memo[0] is handler:
        return memo[1]
    field = handler.parsed_fn_signature.parameters.get("data")
    expected = None
    if field is None and handler.opt.get(JSON_BODY_OPT) is not None:
        expected = _Expected(None, False)
    elif field is not None:
        kwarg = field.kwarg_definition
        media = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
        if media == RequestEncodingType.JSON:
            expected = _Expected(
                msgspec.json.Decoder(field.annotation, strict=True),
                field.is_optional or field.has_default,
            )
    _EXPECTED[id(handler)] = (handler, expected)
    return expected


def _invalid(field: str, message: str) -> Exception:
    return problem(
        400,
        "validation",
        "The request is not valid",
        message,
        field=field,
        errors=[{"field": field, "message": message}],
    )


async def check_json_body(request: Request[Any, Any, Any]) -> None:
    expected = _expected(request)
    if expected is None:
        return
    body = await request.body()
    if not body and expected.optional:
        return
    if not is_json(request.headers.get("content-type", "")):
        raise json_only()
    if too_deep(body):
        raise problem(
            400,
            "nesting-too-deep",
            "The body is nested too deeply",
            f"arrays and objects may nest at most {MAX_DEPTH} deep",
        )
    try:
        untyped = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise problem(400, "bad-request", "The body is not JSON", str(exc)) from None
    if found := over_cap(untyped):
        raise _invalid(*found)
    if expected.decoder is None:
        return
    try:
        expected.decoder.decode(body)
    except msgspec.ValidationError as exc:
        message, _, at = str(exc).partition(" - at `$")
        raise _invalid(at.rstrip("`").lstrip(".") or "body", message) from None
