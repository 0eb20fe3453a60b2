"""The OpenAPI document tells the truth: typed responses, every request body, and each error
status a route gives as an RFC 9457 problem (schemathesis then checks the running API against
it: tests/e2e/test_openapi_contract.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from burnblack.settings import Settings
from tests.integration.read_side import InProcess, in_process
from tests.processes import TEST_SECURITY_ENV


@pytest.fixture(scope="module")
def document(servers: Any) -> Iterator[dict[str, Any]]:
    settings = Settings.from_env(
        {"DATABASE_URL": servers.database_url, "REDIS_URL": servers.redis_url, **TEST_SECURITY_ENV}
    )
    api: InProcess
    with in_process(settings) as api:
        r = api.client_factory().get("/schema/openapi.json")
        assert r.status_code == 200
        yield dict(r.json())


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                yield path, method, op


def _ref(op: dict[str, Any], status: str) -> str:
    return str(op["responses"][status]["content"]["application/json"]["schema"].get("$ref", ""))


def test_the_reads_are_typed(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert _ref(paths["/api/v1/filings"]["get"], "200").endswith("/FilingList")
    assert _ref(paths["/api/v1/filings/{filing_id}"]["get"], "200").endswith("/FilingView")
    compute = paths["/api/v1/tax/compute"]["post"]
    assert _ref(compute, "200").endswith("/TaxResult")
    body = compute["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/TaxInput")
    for path, method, op in _operations(document):
        for status, response in op["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if status.startswith("2") and json_body is not None:
                assert json_body["schema"].get("type") != "string", (path, method, status)


def test_every_error_is_a_problem_document(document: dict[str, Any]) -> None:
    assert "Problem" in document["components"]["schemas"]
    for path, method, op in _operations(document):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        assert "500" in errors, (path, method)
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (path, status)
            schema = response["content"]["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (path, status)


def test_the_statuses_routes_give_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    income = paths["/api/v1/filings/{filing_id}/income"]["put"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "415", "422", "428", "429"} <= set(income)
    audit = paths["/api/v1/audit/filings/{filing_id}/events"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(audit)


def test_request_bodies_show_the_caps(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    taxes = schemas["TaxesPaid"]["properties"]["advance_tax"]
    assert taxes.get("maxItems") == 100, taxes
    credentials = schemas["Credentials"]["properties"]["email"]
    assert credentials["maxLength"] == 254  # a tighter cap of the schema's own stays
