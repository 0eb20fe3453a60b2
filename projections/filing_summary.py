"""The taxpayer's read models: one row per filing (summary) and one per owner's filing (list).

Events are folded in memory per batch, then written with one multi-row upsert per table, so
a batch of a thousand events costs a handful of statements, not a thousand.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from domain.filing.status import FilingStatus
from domain.pan import mask_pan

NAME = "filing_summary"

_COLUMNS = (
    "filing_id",
    "owner_id",
    "pan_masked",
    "assessment_year",
    "status",
    "version",
    "income",
    "deductions",
    "computation",
    "recommended_regime",
    "regime",
    "acknowledgement",
    "inputs_version",
    "requested_version",
    "computed_inputs_version",
    "computation_error",
    "started_position",
    "position",
    "created_at",
    "updated_at",
)
_JSON_COLUMNS = {"income", "deductions", "computation"}


@dataclass(frozen=True)
class Touched:
    """A filing whose rows changed in this batch, for cache invalidation and notification."""

    owner_id: str
    filing_id: uuid.UUID
    version: int
    position: int


def _status(row: dict[str, Any]) -> str:
    if row["status"] in (FilingStatus.SUBMITTED, FilingStatus.E_VERIFIED):
        return str(row["status"])
    if row["computation"] is not None and row["computed_inputs_version"] == row["inputs_version"]:
        return FilingStatus.COMPUTED.value
    if row["requested_version"] is not None and row["requested_version"] > row["inputs_version"]:
        if row["computation_error"] is not None:
            return FilingStatus.COMPUTATION_FAILED.value
        return FilingStatus.COMPUTING.value
    return FilingStatus.DRAFT.value


def apply_event(row: dict[str, Any] | None, event: Any, position: int) -> dict[str, Any] | None:
    """Fold one Filing event into its summary row (None: the event does not concern it)."""
    name = type(event).__name__
    version: int = event.originator_version
    at: dt.datetime = event.timestamp
    if name == "FilingStarted":
        row = {
            "filing_id": event.originator_id,
            "owner_id": event.owner_id,
            "pan_masked": mask_pan(event.pan),
            "assessment_year": event.assessment_year,
            "status": FilingStatus.DRAFT.value,
            "version": version,
            "income": None,
            "deductions": {},
            "computation": None,
            "recommended_regime": None,
            "regime": None,
            "acknowledgement": None,
            "inputs_version": version,
            "requested_version": None,
            "computed_inputs_version": None,
            "computation_error": None,
            "started_position": position,
            "position": position,
            "created_at": at,
            "updated_at": at,
        }
        return row
    if row is None or version <= row["version"]:
        return row  # unknown filing, or already applied (replay after a crash)
    row = dict(row)
    if name == "IncomeDeclared":
        row["income"] = event.income
        row["inputs_version"] = version
    elif name == "DeductionsClaimed":
        row["deductions"] = event.deductions
        row["inputs_version"] = version
    elif name == "TaxComputationRequested":
        row["requested_version"] = version
        row["computation_error"] = None
    elif name == "TaxComputationFailed":
        row["computation_error"] = event.reason
    elif name == "TaxComputed":
        row["computation_error"] = None
        row["computation"] = event.result
        row["computed_inputs_version"] = row["inputs_version"]
        row["recommended_regime"] = event.result.get("recommended")
    elif name == "ReturnSubmitted":
        row["regime"] = event.regime
        row["acknowledgement"] = event.acknowledgement
        row["status"] = FilingStatus.SUBMITTED.value
    elif name == "ReturnEVerified":
        row["status"] = FilingStatus.E_VERIFIED.value
    row["version"] = version
    row["position"] = position
    row["updated_at"] = at
    row["status"] = _status(row)
    return row


def _recommended_tax(row: dict[str, Any]) -> int | None:
    computation = row["computation"]
    if not computation:
        return None
    regime = row["regime"] or computation.get("recommended")
    try:
        return int(computation[regime]["total_tax"])
    except (KeyError, TypeError, ValueError):
        return None


class FilingSummaryProjection:
    name = NAME
    tables = ("filing_summary", "owner_filing")

    def apply(
        self,
        conn: psycopg.Connection[Any],
        events: Iterable[tuple[int, Any]],
        *,
        table_suffix: str = "",
    ) -> list[Touched]:
        filing_events = [(p, e) for p, e in events if type(e).__qualname__.startswith("Filing.")]
        if not filing_events:
            return []
        summary = f"filing_summary{table_suffix}"
        owner = f"owner_filing{table_suffix}"
        ids = list({e.originator_id for _, e in filing_events})
        rows: dict[uuid.UUID, dict[str, Any] | None] = {}
        with conn.cursor() as cur:
            cur.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM {summary} WHERE filing_id = ANY(%s)",
                (ids,),
            )
            for values in cur.fetchall():
                rows[values[0]] = dict(zip(_COLUMNS, values, strict=True))
            changed: set[uuid.UUID] = set()
            for position, event in filing_events:
                before = rows.get(event.originator_id)
                after = apply_event(before, event, position)
                if after is not before:
                    rows[event.originator_id] = after
                    changed.add(event.originator_id)
            if not changed:
                return []
            upserts = [rows[i] for i in changed if rows[i] is not None]
            cur.executemany(
                f"INSERT INTO {summary} ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('%s' for _ in _COLUMNS)}) "
                f"ON CONFLICT (filing_id) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:]),
                [
                    tuple(
                        Jsonb(r[c]) if c in _JSON_COLUMNS and r[c] is not None else r[c]
                        for c in _COLUMNS
                    )
                    for r in upserts
                    if r is not None
                ],
            )
            cur.executemany(
                f"INSERT INTO {owner} (owner_id, started_position, filing_id, assessment_year, "
                "status, version, total_tax, recommended_regime, acknowledgement, created_at, "
                "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (owner_id, started_position) DO UPDATE SET "
                "status = EXCLUDED.status, version = EXCLUDED.version, "
                "total_tax = EXCLUDED.total_tax, recommended_regime = EXCLUDED.recommended_regime,"
                " acknowledgement = EXCLUDED.acknowledgement, updated_at = EXCLUDED.updated_at",
                [
                    (
                        r["owner_id"],
                        r["started_position"],
                        r["filing_id"],
                        r["assessment_year"],
                        r["status"],
                        r["version"],
                        _recommended_tax(r),
                        r["recommended_regime"],
                        r["acknowledgement"],
                        r["created_at"],
                        r["updated_at"],
                    )
                    for r in upserts
                    if r is not None
                ],
            )
        return [
            Touched(r["owner_id"], r["filing_id"], r["version"], r["position"])
            for r in upserts
            if r is not None
        ]
