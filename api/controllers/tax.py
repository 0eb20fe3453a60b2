"""The stateless tax calculator: the same documents as `burnblack tax compute`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK

from api.security.config import EXPENSIVE
from api.strict_input import json_body
from domain.tax import TaxInput, TaxResult, compute, decode_input, encode_result


class TaxController(Controller):
    path = "/api/v1/tax"
    tags = ["tax"]

    @post(
        "/compute",
        operation_id="computeTax",
        status_code=HTTP_200_OK,
        opt={**EXPENSIVE, **json_body(TaxInput)},
        description="Both regimes for one input document (see docs/tax-engine.md); "
        "unknown keys, negative amounts, unsupported years and bad dates are 422.",
        responses={200: ResponseSpec(TaxResult, description="Both regimes, step by step")},
    )
    async def compute(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        body = await request.body()
        result = compute(decode_input(body))
        return Response(encode_result(result), media_type="application/json")
