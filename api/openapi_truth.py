"""Makes the generated OpenAPI document say what the API does, for every route, including
routes added later (applied once to the whole document when the app is built).

- Each error status a route can give is documented as `application/problem+json` with the
  `Problem` schema (Litestar documents `{status_code, detail, extra}` for its 400 and
  nothing else). Which statuses a route gives follows from what it has: guards (401, 403),
  path parameters (404), a body (400, 413, 415), a command (409, 422, 428), rate limits (429),
  `min_position` (400, 429, 503), and every route may fail with 500 or 503. A route that gives
  another error status says so in its own `responses` (kept, given the problem schema).
- Routes that decode their own JSON body (`api.strict_input.json_body`) get a request body.
- The caps `api.strict_input` enforces on every array and string appear as `maxItems` and
  `maxLength` in the request bodies' schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from api.security.config import CREDENTIALS_OPT
from api.security.edge import guards_of
from api.strict_input import JSON_BODY_OPT, MAX_ITEMS, MAX_STRING_LENGTH

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `type` is stable (docs/problems.md)",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_WHY: dict[int, str] = {
    400: "validation, bad-request, nesting-too-deep, position-beyond-log",
    401: "unauthenticated",
    403: "forbidden, csrf-failed",
    404: "not-found",
    409: "version-conflict, already exists, pan-unavailable, idempotency-key-in-use, last-admin",
    413: "too-large",
    415: "unsupported-media-type",
    422: "a rule refused the command; idempotency-key-reused",
    428: "precondition-required: send If-Match",
    429: "rate-limited, login-locked, too-many-waits",
    500: "internal",
    503: "unavailable, not-caught-up",
}


def _handlers(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler, bool]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = route.path_format.rstrip("/") or "/"
        for handler in route.route_handlers:
            for method in handler.http_methods:
                yield path, method, handler, bool(route.path_parameters)


# Parameters no client value feeds, so none can be malformed: the request itself, the body
# (counted on its own below) and the application's security and stream parts (injected,
# api/dependencies.py).
_NOT_FROM_THE_CLIENT = frozenset({"request", "self", "data", "security", "stream_runtime"})


def error_statuses(
    handler: HTTPRouteHandler, method: str, path: str, path_params: bool
) -> set[int]:
    """The error statuses a route can answer with, from what it has."""
    found = {500, 503}
    params = handler.parsed_fn_signature.parameters
    has_body = "data" in params or handler.opt.get(JSON_BODY_OPT) is not None
    guarded = bool(guards_of(handler))
    public_api = path.startswith("/api/")
    if public_api:
        found.add(429)
    if guarded:
        found |= {401, 403}
    if handler.opt.get(CREDENTIALS_OPT):
        found.add(401)  # wrong email or password
    if path_params:
        found.add(404)
    if has_body or any(n not in _NOT_FROM_THE_CLIENT for n in params):
        found.add(400)
    if has_body:
        found |= {400, 413, 415}
    if method in _UNSAFE and public_api:
        found |= {400, 403, 409, 422}  # CSRF, commands' rules, idempotency keys
        if path_params:
            found.add(428)
    if "min_position" in params:
        found |= {400, 429}
    return found


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _request_components(doc: dict[str, Any]) -> set[str]:
    """Names of the component schemas reachable from request bodies."""
    components = doc.get("components", {}).get("schemas", {})
    todo = [
        op["requestBody"]
        for item in doc.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "requestBody" in op
    ]
    seen: set[str] = set()
    while todo:
        for node in _walk(todo.pop()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in seen and name in components:
                    seen.add(name)
                    todo.append(components[name])
    return seen


def _cap(schema: dict[str, Any]) -> None:
    for node in _walk(schema):
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "array" in kinds:
            node.setdefault("maxItems", MAX_ITEMS)
        if "object" in kinds and "additionalProperties" in node:
            node.setdefault("maxProperties", MAX_ITEMS)
        if "string" in kinds and "enum" not in node and "const" not in node:
            node.setdefault("maxLength", MAX_STRING_LENGTH)


def _body_schema(doc: dict[str, Any], body_type: type[Any]) -> dict[str, Any]:
    (schema,), components = msgspec.json.schema_components(
        (body_type,), ref_template="#/components/schemas/{name}"
    )
    known = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, component in components.items():
        known.setdefault(name, component)
    return schema


def tell_the_truth(app: Litestar, text_routes: frozenset[str] = frozenset()) -> None:
    """`text_routes`: paths that answer text/plain (handlers that set it at run time)."""
    plugin = app.plugins.get(OpenAPIPlugin)
    doc = plugin.provide_openapi_schema()  # the cached document every /schema route serves
    doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = doc.get("paths", {})
    for path, method, handler, path_params in _handlers(app):
        operation = paths.get(path, {}).get(method.lower())
        if not isinstance(operation, dict):
            continue
        body_type = handler.opt.get(JSON_BODY_OPT)
        if body_type is not None and "requestBody" not in operation:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _body_schema(doc, body_type)}},
            }
        responses: dict[str, Any] = operation.setdefault("responses", {})
        media = str(getattr(handler.media_type, "value", handler.media_type))
        if path in text_routes:
            media = "text/plain"
        if media and not media.startswith("application/json"):  # e.g. Prometheus' text
            for code, response in responses.items():
                if code.startswith("2") and "content" in response:
                    response["content"] = {media: {"schema": {"type": "string"}}}
        for status in sorted(error_statuses(handler, method, path, path_params)) + [
            int(s) for s in responses if s.isdigit() and int(s) >= 400
        ]:
            existing = responses.get(str(status), {})
            description = existing.get("description") or _WHY.get(status, "")
            responses[str(status)] = {
                "description": f"{HTTPStatus(status).phrase}: {description}".rstrip(": "),
                "content": {PROBLEM: {"schema": PROBLEM_REF}},
            }
    components = doc["components"]["schemas"]
    for name in _request_components(doc):
        _cap(components[name])
    for item in paths.values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                _cap(operation["requestBody"])
