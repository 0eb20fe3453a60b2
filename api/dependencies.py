"""The API's services, injected into handlers by parameter name (Litestar's `Provide`).

Each is built once per process by the composition root (burnblack/bootstrap/api.py) and
handed to `create_app` in `ApiServices`; a handler names what it uses, e.g.
`def get(self, filings: Filings, ...)`. The values are the root's own objects, so they are
not validated per request (`SkipValidation`).

A handler on a hot path takes one dependency: Litestar resolves two or more in an anyio task
group, which cost about 45 µs more per request than one (measured in-process, Litestar 2.25:
19 µs for a handler with one, 79 µs with two), a sixth of a whole `/health/live`. Hence
`Reading` for the cached reads rather than a query service and a read-your-writes waiter.
"""

from __future__ import annotations

from typing import Any

import redis
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from psycopg_pool import ConnectionPool

from api.document_services import DocumentApi
from api.problems import problem
from api.reading import Reading as ReadingService
from api.security.services import SecurityServices
from api.services import ApiServices, Rebuilds
from api.stream.runtime import StreamRuntime
from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from commands.inspection import FilingInspection
from projections.erasure import ReadModelEraser
from projections.eventlog.chain_queries import ChainQueries
from projections.filing_history import FilingHistories
from projections.projector.status import OperationsQueries
from projections.read_models.filings.queries import FilingReads

Filings = NamedDependency[SkipValidation[FilingsApplication]]
Accounts = NamedDependency[SkipValidation[AccountsApplication]]
Reads = NamedDependency[SkipValidation[FilingReads]]
Reading = NamedDependency[SkipValidation[ReadingService]]
Inspection = NamedDependency[SkipValidation[FilingInspection]]
Operations = NamedDependency[SkipValidation[OperationsQueries]]
RebuildJobs = NamedDependency[SkipValidation[Rebuilds]]
Chains = NamedDependency[SkipValidation[ChainQueries]]
Eraser = NamedDependency[SkipValidation[ReadModelEraser]]
Histories = NamedDependency[SkipValidation[FilingHistories]]
Documents = NamedDependency[SkipValidation[DocumentApi]]
Pool = NamedDependency[SkipValidation[ConnectionPool[Any]]]
SyncRedis = NamedDependency[SkipValidation[redis.Redis]]
Security = NamedDependency[SkipValidation[SecurityServices]]
Stream = NamedDependency[SkipValidation[StreamRuntime]]


def _value(value: object) -> Provide:
    return Provide(lambda: value, use_cache=True, sync_to_thread=False)


def _documents(docs: DocumentApi | None) -> Provide:
    def provide() -> DocumentApi:
        if docs is None:
            raise problem(503, "unavailable", "Documents are not configured on this server")
        return docs

    return Provide(provide, sync_to_thread=False)


def dependencies(
    svc: ApiServices, security: SecurityServices, stream: StreamRuntime
) -> dict[str, Provide]:
    """Parameter name -> provider, for `Litestar(dependencies=...)`. `security` and `stream`
    are built by `create_app` from `svc` (one per application: api/app.py)."""
    values: dict[str, object] = {
        "filings": svc.filings,
        "accounts": svc.accounts,
        "reads": svc.reads,
        "reading": ReadingService(svc.reads, svc.positions, svc.read_your_writes_timeout),
        "inspection": svc.inspection,
        "histories": svc.histories,
        "operations": svc.operations,
        "rebuilds": svc.rebuilds,
        "chains": svc.chains,
        "eraser": svc.eraser,
        "pool": svc.pool,
        "sync_redis": svc.redis,
        "security": security,
        "stream_runtime": stream,
    }
    provided: dict[str, Provide] = {name: _value(v) for name, v in values.items()}
    provided["documents"] = _documents(svc.documents)
    return provided
