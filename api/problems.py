"""RFC 9457 problem details for every error the API can return.

Every problem has a stable `type` (documented in docs/problems.md); validation problems name
the offending field. Unexpected exceptions become a 500 problem without internals.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from redis.exceptions import RedisError

from commands.adapters.document_files import (
    DocumentRejected,
    DocumentTooLarge,
    UnsupportedDocument,
)
from commands.erasure import AdminNotErasable
from commands.errors import (
    AccountNotFound,
    CommandError,
    EmailTaken,
    FilingAlreadyExists,
    FilingNotFound,
    InvalidCredentials,
    LastAdmin,
    VersionConflict,
    WeakPassword,
)
from commands.pan_claims import PanClaimBusy, PanUnavailable
from domain.erasure import KeyDestroyed
from domain.errors import DomainError
from domain.tax import InvalidTaxInput

log = structlog.get_logger(__name__)

TYPE_BASE = "https://burnblack.dev/problems/"

_HTTP_TYPES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    428: "precondition-required",
    429: "too-many-requests",
    503: "unavailable",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=status,
        type_=TYPE_BASE + code,
        title=title,
        detail=detail,
        headers=headers,
        extra=extra or None,
    )


def json_only() -> ProblemDetailsException:
    """415 for a body that is not JSON where only JSON is accepted (the strict-input check
    and, on credential endpoints, the session middleware's CSRF check)."""
    return problem(
        415,
        "unsupported-media-type",
        "Send JSON",
        "this endpoint accepts only application/json",
        field="Content-Type",
    )


def _from_http(exc: HTTPException) -> ProblemDetailsException:
    status = exc.status_code
    code = _HTTP_TYPES.get(status, "http-error")
    if isinstance(exc, ValidationException):
        errors = []
        for item in exc.extra if isinstance(exc.extra, list) else []:
            if isinstance(item, dict):
                errors.append(
                    {
                        "field": item.get("key") or item.get("source") or "body",
                        "message": str(item.get("message", "")),
                    }
                )
        detail = errors[0]["message"] if errors else str(exc.detail)
        field = errors[0]["field"] if errors else None
        return problem(
            400, "validation", "The request is not valid", detail, field=field, errors=errors
        )
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    # The title is the status's own phrase: Litestar's detail may name another status (a
    # multipart part over its size limit is a 400 whose detail says "Request Entity Too Large").
    return problem(
        status,
        code,
        _title(status),
        str(exc.detail),
        headers=exc.headers,
        **extra,
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _from_domain(exc: DomainError) -> ProblemDetailsException:
    return problem(422, exc.code, "The return does not allow this", exc.message, field=exc.field)


def _from_tax_input(exc: InvalidTaxInput) -> ProblemDetailsException:
    return problem(
        422, "invalid-tax-input", "The tax input is not valid", str(exc), field=exc.field
    )


def rejection_status(exc: DocumentRejected) -> int:
    """The HTTP status of an upload the write side refused: 413 too large, 415 not a type
    we read, 422 otherwise (empty, damaged, too complex, encrypted)."""
    if isinstance(exc, DocumentTooLarge):
        return 413
    if isinstance(exc, UnsupportedDocument):
        return 415
    return 422


def _from_command(exc: CommandError) -> ProblemDetailsException:
    if isinstance(exc, VersionConflict):
        return problem(
            409,
            exc.code,
            "The filing changed since you read it",
            exc.message,
            headers={"ETag": f'"{exc.current}"'},
            current_version=exc.current,
            expected_version=exc.expected,
        )
    if isinstance(exc, AccountNotFound):
        return problem(404, "not-found", "No such account", exc.message)
    if isinstance(exc, FilingNotFound):
        return problem(404, "not-found", "No such filing", exc.message)
    if isinstance(exc, LastAdmin):
        return problem(409, exc.code, "The last admin cannot lose the role", exc.message)
    if isinstance(exc, AdminNotErasable):
        return problem(409, exc.code, "An admin cannot be erased", exc.message)
    if isinstance(exc, PanUnavailable):  # one answer, whatever the reason (no enumeration)
        return problem(409, exc.code, "This PAN is not available to this account", exc.message)
    if isinstance(exc, PanClaimBusy):
        return problem(409, exc.code, "Try again", exc.message, headers={"Retry-After": "1"})
    if isinstance(exc, FilingAlreadyExists | EmailTaken):
        return problem(409, exc.code, "It already exists", exc.message)
    if isinstance(exc, InvalidCredentials):
        return problem(401, exc.code, "Wrong email or password", exc.message)
    if isinstance(exc, WeakPassword):
        return problem(422, exc.code, "Password too weak", exc.message, field="password")
    return problem(422, exc.code, "The command was refused", exc.message)


def _from_erased(exc: KeyDestroyed) -> ProblemDetailsException:
    """Data of an erased taxpayer, met on some path that does not read it as redacted: it
    does not exist any more (never a 500)."""
    return problem(404, "not-found", "It was erased", "its owner was erased")


def _from_redis(exc: RedisError) -> ProblemDetailsException:
    # The message too: a ResponseError is Redis refusing a command, not an outage.
    log.warning("redis.unavailable", error=type(exc).__name__, message=str(exc)[:200])
    return _unavailable()


def _from_database(exc: Exception) -> ProblemDetailsException:
    """PostgreSQL unreachable (restarting, failing over) or the pool out of connections:
    the request may be retried, it is not our bug."""
    log.warning("postgres.unavailable", error=type(exc).__name__)
    return _unavailable()


def _unavailable() -> ProblemDetailsException:
    return problem(
        503,
        "unavailable",
        "A service we depend on is unavailable",
        "try again shortly",
        headers={"Retry-After": "5"},
    )


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Any:
    log.exception("request.failed", path=request.url.path, error=type(exc).__name__)
    return problem(
        500,
        "internal",
        "Something went wrong on our side",
        "the error was logged; retrying may help",
    ).to_response(request)


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={
                HTTPException: _from_http,
                DomainError: _from_domain,
                InvalidTaxInput: _from_tax_input,
                CommandError: _from_command,
                KeyDestroyed: _from_erased,
                RedisError: _from_redis,
                psycopg.OperationalError: _from_database,  # PoolTimeout is one too
                StoreOperationalError: _from_database,  # eventsourcing's wrapper
                StoreInterfaceError: _from_database,
            },
        )
    )


INTERNAL_ERROR_HANDLERS = {Exception: _internal}
