"""The filing read models: one row per filing (summary), one per owner's filing (list), and
counts by assessment year and status (admin).

A batch of events is folded in memory per filing, then written set-based: rows are COPYed
into a staging table and upserted with one statement per table, and the count deltas with
one more, so a batch of a thousand events costs a handful of statements, not a thousand.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
import psycopg
from psycopg.types.json import Json, set_json_loads

from domain.filing.status import FilingStatus
from domain.pan import mask_pan
from projections.folding import fold
from projections.records import Recorded

NAME = "filing_summary"

COLUMNS = (
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
    "total_tax",
    "started_position",
    "position",
    "created_at",
    "updated_at",
)
_JSON_COLUMNS = frozenset({"income", "deductions", "computation"})
_OWNER_COLUMNS = (
    "owner_id",
    "started_position",
    "filing_id",
    "assessment_year",
    "status",
    "version",
    "total_tax",
    "recommended_regime",
    "acknowledgement",
    "created_at",
    "updated_at",
)
_dumps = msgspec.json.encode
_CLOSED = (FilingStatus.SUBMITTED.value, FilingStatus.E_VERIFIED.value)


@dataclass(frozen=True)
class Touched:
    """A filing whose rows changed in this batch, for cache invalidation and notification."""

    owner_id: str
    filing_id: uuid.UUID
    version: int
    position: int


def _status(row: dict[str, Any]) -> str:
    if row["status"] in _CLOSED:
        return str(row["status"])
    if row["computation"] is not None and row["computed_inputs_version"] == row["inputs_version"]:
        return FilingStatus.COMPUTED.value
    if row["requested_version"] is not None and row["requested_version"] > row["inputs_version"]:
        if row["computation_error"] is not None:
            return FilingStatus.COMPUTATION_FAILED.value
        return FilingStatus.COMPUTING.value
    return FilingStatus.DRAFT.value


class _RegimeTax(msgspec.Struct):
    total_tax: int


class _Totals(msgspec.Struct):
    """The few numbers the read models take from a stored computation."""

    recommended: str
    old: _RegimeTax
    new: _RegimeTax


_totals = msgspec.json.Decoder(_Totals).decode


def _raw(value: Any) -> msgspec.Raw:
    return value if isinstance(value, msgspec.Raw) else msgspec.Raw(_dumps(value))


def _total_tax(row: dict[str, Any]) -> int | None:
    """The tax of the regime filed, or else of the recommended one."""
    computation = row["computation"]
    if computation is None:
        return None
    try:
        totals = _totals(_raw(computation))
    except msgspec.ValidationError:
        return None
    regime = row["regime"] or totals.recommended
    return totals.old.total_tax if regime == "old" else totals.new.total_tax


def apply_event(
    row: dict[str, Any] | None, event: Recorded, position: int
) -> dict[str, Any] | None:
    """Fold one Filing event into its summary row (the same row back: nothing to do)."""
    name: str = event.name
    version: int = event.originator_version
    at: dt.datetime | str = event.timestamp
    if name == "FilingStarted":
        if row is not None:
            return row  # already applied
        return {
            "filing_id": event.originator_id,
            "owner_id": event.owner_id,
            "pan_masked": mask_pan(event.pan),
            "assessment_year": event.assessment_year,
            "status": FilingStatus.DRAFT.value,
            "version": version,
            "income": None,
            "deductions": msgspec.Raw(b"{}"),
            "computation": None,
            "recommended_regime": None,
            "regime": None,
            "acknowledgement": None,
            "inputs_version": version,
            "requested_version": None,
            "computed_inputs_version": None,
            "computation_error": None,
            "total_tax": None,
            "started_position": position,
            "position": position,
            "created_at": at,
            "updated_at": at,
        }
    if row is None or version <= row["version"]:
        return row  # unknown filing, or already applied
    row = dict(row)
    if name == "IncomeDeclared":
        row["income"] = event.raw("income")
        row["inputs_version"] = version
    elif name == "DeductionsClaimed":
        row["deductions"] = event.raw("deductions")
        row["inputs_version"] = version
    elif name == "TaxComputationRequested":
        row["requested_version"] = version
        row["computation_error"] = None
    elif name == "TaxComputationFailed":
        row["computation_error"] = event.reason
    elif name == "TaxComputed":
        row["computation_error"] = None
        row["computation"] = event.raw("result")  # stored as it came, never re-encoded
        row["computed_inputs_version"] = row["inputs_version"]
        try:
            row["recommended_regime"] = _totals(row["computation"]).recommended
        except msgspec.ValidationError:
            row["recommended_regime"] = None
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
    row["total_tax"] = _total_tax(row)
    return row


def is_filing_event(event: Recorded) -> bool:
    return event.stream == "Filing"


class FilingSummaryProjection:
    name = NAME

    def apply(
        self,
        conn: psycopg.Connection[Any],
        events: Iterable[tuple[int, Any]],
        *,
        table_suffix: str = "",
    ) -> list[Touched]:
        filing_events = [(p, e) for p, e in events if is_filing_event(e)]
        if not filing_events:
            return []
        summary = f"filing_summary{table_suffix}"
        ids = list({e.originator_id for _, e in filing_events})
        with conn.cursor() as cur:
            set_json_loads(msgspec.Raw, cur)  # JSON columns pass through the fold undecoded
            cur.execute(
                f"SELECT {', '.join(COLUMNS)} FROM {summary} WHERE filing_id = ANY(%s)".encode(),
                (ids,),
            )
            before = {values[0]: dict(zip(COLUMNS, values, strict=True)) for values in cur}
        upserts = fold(dict(before), filing_events, apply_event)
        if not upserts:
            return []
        self._write(conn, upserts, [before.get(r["filing_id"]) for r in upserts], table_suffix)
        return [
            Touched(r["owner_id"], r["filing_id"], r["version"], r["position"]) for r in upserts
        ]

    def _write(
        self,
        conn: psycopg.Connection[Any],
        rows: list[dict[str, Any]],
        previous: list[dict[str, Any] | None],
        sfx: str,
    ) -> None:
        stage = f"stage_filing_summary{sfx}"
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                f"(LIKE filing_summary{sfx}) ON COMMIT DELETE ROWS".encode()
            )
            with cur.copy(f"COPY {stage} ({', '.join(COLUMNS)}) FROM STDIN".encode()) as copy:
                for r in rows:
                    copy.write_row(
                        [
                            Json(r[c], _dumps) if c in _JSON_COLUMNS and r[c] is not None else r[c]
                            for c in COLUMNS
                        ]
                    )
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
            cur.execute(
                f"INSERT INTO filing_summary{sfx} ({', '.join(COLUMNS)}) "
                f"SELECT {', '.join(COLUMNS)} FROM {stage} "
                f"ON CONFLICT (filing_id) DO UPDATE SET {updates}".encode()
            )
            owner_updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _OWNER_COLUMNS[3:])
            cur.execute(
                f"INSERT INTO owner_filing{sfx} ({', '.join(_OWNER_COLUMNS)}) "
                f"SELECT {', '.join(_OWNER_COLUMNS)} FROM {stage} "
                f"ON CONFLICT (owner_id, started_position) DO UPDATE SET {owner_updates}".encode()
            )
            deltas: Counter[tuple[str, str]] = Counter()
            for new, old in zip(rows, previous, strict=True):
                if old is not None:
                    deltas[(old["assessment_year"], old["status"])] -= 1
                deltas[(new["assessment_year"], new["status"])] += 1
            changes = [(ay, st, n) for (ay, st), n in deltas.items() if n != 0]
            if changes:
                cur.executemany(
                    f"INSERT INTO filing_counts{sfx} (assessment_year, status, filings) "
                    "VALUES (%s, %s, %s) ON CONFLICT (assessment_year, status) "
                    f"DO UPDATE SET filings = filing_counts{sfx}.filings + EXCLUDED.filings".encode(),  # noqa: E501
                    changes,
                )
                if any(n < 0 for _, _, n in changes):
                    # No zero rows: the table says the same whichever way it was built.
                    cur.execute(f"DELETE FROM filing_counts{sfx} WHERE filings = 0".encode())
