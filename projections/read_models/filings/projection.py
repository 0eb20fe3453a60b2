"""The filing read models: one row per filing (summary), one per owner's filing (list), and
counts by assessment year and status (admin).

A batch of events is folded in memory per filing, then written set-based: rows are COPYed
into a staging table and upserted with one statement per table, and the count deltas with
one more, so a batch of a thousand events costs a handful of statements, not a thousand.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import msgspec
import psycopg
import psycopg.errors
from psycopg.adapt import Dumper
from psycopg.postgres import adapters as postgres
from psycopg.types.json import set_json_loads

from domain.filing import events as names
from domain.filing.status import FilingStatus, filing_status
from domain.pan import mask_pan
from projections.eventlog.records import Recorded
from projections.read_models.filings.personal import opened, sealed
from projections.read_models.sealing import FieldSeal

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
    "redacted",
)
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
    "redacted",
)
# As stored: the personal columns NULL, their values sealed (personal.py).
STORED_COLUMNS = (*COLUMNS, "personal", "totals")
_OWNER_STORED = (*_OWNER_COLUMNS, "totals")
_dumps = msgspec.json.encode


@dataclass(frozen=True)
class Touched:
    """A filing whose rows changed in this batch, for cache invalidation and notification."""

    owner_id: str
    filing_id: uuid.UUID
    version: int
    position: int


def _status(row: dict[str, Any]) -> str:
    """The aggregate's own rule (`filing_status`) over the row's columns. The row keeps
    "e_verified" in `status` itself (set by ReturnEVerified, cleared by RevisionOpened)."""
    return filing_status(
        submitted=row["acknowledgement"] is not None,
        e_verified=row["status"] == FilingStatus.E_VERIFIED.value,
        withdrawn=row["status"] == FilingStatus.WITHDRAWN.value,
        inputs_version=row["inputs_version"],
        requested_version=row["requested_version"],
        computed_inputs_version=(
            row["computed_inputs_version"] if row["computation"] is not None else None
        ),
        failed=row["computation_error"] is not None,
    ).value


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


def _started(event: Recorded, position: int) -> dict[str, Any]:
    at = event.timestamp
    return {
        "filing_id": event.originator_id,
        "owner_id": event.owner_id,
        "pan_masked": mask_pan(event.pan),
        "assessment_year": event.assessment_year,
        "status": FilingStatus.DRAFT.value,
        "version": event.originator_version,
        "income": None,
        "deductions": msgspec.Raw(b"{}"),
        "computation": None,
        "recommended_regime": None,
        "regime": None,
        "acknowledgement": None,
        "inputs_version": event.originator_version,
        "requested_version": None,
        "computed_inputs_version": None,
        "computation_error": None,
        "total_tax": None,
        "started_position": position,
        "position": position,
        "created_at": at,
        "updated_at": at,
        "redacted": False,
    }


def _is_new(row: dict[str, Any], event: Recorded) -> bool:
    """Whether the event is later than what the row has applied. A redacted row (its owner
    was erased) is final: what it showed is gone, what it still says does not change."""
    return bool(event.originator_version > row["version"]) and not row["redacted"]


def _record(row: dict[str, Any], event: Recorded, position: int) -> None:
    """What one later event says, written into the row; `updated_at` and the derived columns
    are left to the caller, which in a batch sets them once per row."""
    name: str = event.name
    if name == names.INCOME_DECLARED:
        row["income"] = event.raw("income")
        row["inputs_version"] = event.originator_version
    elif name == names.DEDUCTIONS_CLAIMED:
        row["deductions"] = event.raw("deductions")
        row["inputs_version"] = event.originator_version
    elif name == names.TAX_COMPUTATION_REQUESTED:
        row["requested_version"] = event.originator_version
        row["computation_error"] = None
    elif name == names.TAX_COMPUTATION_FAILED:
        row["computation_error"] = event.reason
    elif name == names.TAX_COMPUTED:
        row["computation_error"] = None
        row["computation"] = event.raw("result")  # stored as it came, never re-encoded
        row["computed_inputs_version"] = row["inputs_version"]
    elif name == names.RETURN_SUBMITTED:
        row["regime"] = event.regime
        row["acknowledgement"] = event.acknowledgement
        row["status"] = FilingStatus.SUBMITTED.value
    elif name == names.RETURN_E_VERIFIED:
        row["status"] = FilingStatus.E_VERIFIED.value
    elif name == names.RETURN_WITHDRAWN:
        row["status"] = FilingStatus.WITHDRAWN.value  # final: kept like "e_verified"
    elif name == names.REVISION_OPENED:
        # A revision replaces the submitted return: open again, the last computation stale.
        row["regime"] = row["acknowledgement"] = None
        row["status"] = FilingStatus.DRAFT.value
        row["inputs_version"] = event.originator_version
    row["version"] = event.originator_version
    row["position"] = position


def _derive(row: dict[str, Any]) -> None:
    """Status, the recommended regime and the tax (of the regime filed, or else of the
    recommended one) follow from the other columns: a batch derives them once per row."""
    row["status"] = _status(row)
    computation = row["computation"]
    if computation is None:
        row["total_tax"] = None
        return
    try:
        totals = _totals(_raw(computation))
    except msgspec.ValidationError:
        row["recommended_regime"] = row["total_tax"] = None
        return
    row["recommended_regime"] = totals.recommended
    regime = row["regime"] or totals.recommended
    row["total_tax"] = totals.old.total_tax if regime == "old" else totals.new.total_tax


def apply_event(
    row: dict[str, Any] | None, event: Recorded, position: int
) -> dict[str, Any] | None:
    """Fold one Filing event into its summary row (the same row back: nothing to do).

    Kept apart from `fold_batch`, not built on it: it is the plain reference the batch fold
    is tested against (tests/unit/test_filing_summary_fold.py)."""
    if event.name == names.FILING_STARTED:
        return row if row is not None else _started(event, position)  # or already applied
    if row is None or not _is_new(row, event):
        return row  # unknown filing, or already applied
    row = dict(row)
    _record(row, event, position)
    row["updated_at"] = event.timestamp
    _derive(row)
    return row


def fold_batch(
    rows: dict[int, dict[str, Any]], events: Iterable[tuple[int, Recorded]]
) -> list[dict[str, Any]]:
    """`apply_event` over a batch, at a fraction of its cost: each changed row is copied,
    stamped and derived once, however many of the batch's events it takes. `rows` (keyed by
    the filing id's integer: uuid.UUID hashes in Python) is updated; returns the changed rows."""
    changed: dict[int, dict[str, Any]] = {}
    last: dict[int, Recorded] = {}
    for position, event in events:
        fid = event.originator_id.int
        row = changed.get(fid)
        if row is None:
            current = rows.get(fid)
            if event.name == names.FILING_STARTED:
                if current is None:
                    rows[fid] = changed[fid] = _started(event, position)
                continue
            if current is None or not _is_new(current, event):
                continue
            row = rows[fid] = changed[fid] = dict(current)
        elif event.name == names.FILING_STARTED or not _is_new(row, event):
            continue
        _record(row, event, position)
        last[fid] = event
    for fid, event in last.items():
        changed[fid]["updated_at"] = event.timestamp
    for row in changed.values():
        _derive(row)
    return list(changed.values())


def is_filing_event(event: Recorded) -> bool:
    return event.stream == names.STREAM


@dataclass(frozen=True)
class Folded:
    """A batch folded: the rows it changes, and each one as it was before (None: new)."""

    rows: list[dict[str, Any]]
    previous: list[dict[str, Any] | None]

    def touched(self) -> list[Touched]:
        return [
            Touched(r["owner_id"], r["filing_id"], r["version"], r["position"]) for r in self.rows
        ]


class FilingSummaryProjection:
    name = NAME

    # Batches with at most this many known filings are upserted row by row (the live
    # projector's), larger ones (a rebuild's catch-up) through a staged COPY.
    direct_upsert_max = 64

    def __init__(self, seal: FieldSeal) -> None:
        self.seal = seal

    def apply(
        self,
        conn: psycopg.Connection[Any],
        events: Iterable[tuple[int, Any]],
        *,
        table_suffix: str = "",
    ) -> list[Touched]:
        batch = list(events)
        try:
            # A filing started in this batch has no row yet, so it is not looked up. Should
            # one have a row all the same (events re-read), its COPY fails and the savepoint
            # lets the batch be redone the careful way, every row read first.
            with conn.transaction():
                folded = self.fold(conn, batch, table_suffix)
                if folded is not None:
                    self.write(conn, folded, table_suffix)
        except psycopg.errors.UniqueViolation:
            folded = self.fold(conn, batch, table_suffix, trust_starts=False)
            if folded is not None:
                self.write(conn, folded, table_suffix)
        return folded.touched() if folded is not None else []

    def fold(
        self,
        conn: psycopg.Connection[Any],
        events: list[tuple[int, Any]],
        table_suffix: str = "",
        *,
        known: Mapping[int, dict[str, Any]] | None = None,
        trust_starts: bool = True,
    ) -> Folded | None:
        """Fold a batch onto the rows it touches: those in `known` (rows written but perhaps
        not yet committed, keyed by the filing id's integer), else read from the table."""
        filing_events = [(p, e) for p, e in events if is_filing_event(e)]
        if not filing_events:
            return None
        ids = {e.originator_id.int: e.originator_id for _, e in filing_events}
        started = (
            {e.originator_id.int for _, e in filing_events if e.name == names.FILING_STARTED}
            if trust_starts
            else set()
        )
        before = {k: known[k] for k in ids if k in known} if known else {}
        lookup = [u for k, u in ids.items() if k not in started and k not in before]
        if lookup:
            with conn.cursor() as cur:
                set_json_loads(msgspec.Raw, cur)  # JSON columns pass through the fold undecoded
                cur.execute(
                    f"SELECT {', '.join(STORED_COLUMNS)} FROM filing_summary{table_suffix} "
                    "WHERE filing_id = ANY(%s)".encode(),
                    (lookup,),
                )
                seal = self.seal
                before.update(
                    (v[0].int, opened(dict(zip(STORED_COLUMNS, v, strict=True)), seal)) for v in cur
                )
        rows = fold_batch(dict(before), filing_events)
        if not rows:
            return None
        return Folded(rows, [before.get(r["filing_id"].int) for r in rows])

    def write(
        self,
        conn: psycopg.Connection[Any],
        folded: Folded,
        table_suffix: str = "",
        *,
        summary_only: bool = False,
    ) -> None:
        """Write a folded batch; `summary_only` (a bulk load) leaves the owners' lists and the
        counts to `derive_from_summary`."""
        self._write(conn, folded.rows, folded.previous, table_suffix, summary_only)

    def derive_from_summary(self, conn: psycopg.Connection[Any], table_suffix: str = "") -> None:
        """The owners' lists and the counts, from the summaries, set-based: what every batch
        would have written one by one."""
        sfx = table_suffix
        cols = ", ".join(_OWNER_STORED)
        conn.execute(
            f"INSERT INTO owner_filing{sfx} ({cols}) "
            f"SELECT {cols} FROM filing_summary{sfx}".encode()
        )
        conn.execute(
            f"INSERT INTO filing_counts{sfx} (assessment_year, status, filings) "
            f"SELECT assessment_year, status, count(*) FROM filing_summary{sfx} "
            "GROUP BY assessment_year, status".encode()
        )

    def _write(
        self,
        conn: psycopg.Connection[Any],
        rows: list[dict[str, Any]],
        previous: list[dict[str, Any] | None],
        sfx: str,
        summary_only: bool = False,
    ) -> None:
        # Filings new to the table are COPYed straight in (one writer per table: the active
        # projector, or a rebuild into its own shadow); only known ones need the upsert.
        seal = self.seal
        new = [sealed(r, seal) for r, old in zip(rows, previous, strict=True) if old is None]
        known = [sealed(r, seal) for r, old in zip(rows, previous, strict=True) if old is not None]
        with conn.cursor() as cur:
            cur.adapters.register_dumper(msgspec.Raw, _RawJsonDumper)
            if new:
                _copy(cur, f"filing_summary{sfx}", STORED_COLUMNS, new)
                if not summary_only:
                    _copy(cur, f"owner_filing{sfx}", _OWNER_STORED, new)
            if known:
                self._upsert(cur, known, sfx, summary_only)
            if summary_only:
                return
            deltas: Counter[tuple[str, str]] = Counter()
            for row, old in zip(rows, previous, strict=True):
                if old is not None:
                    deltas[(old["assessment_year"], old["status"])] -= 1
                deltas[(row["assessment_year"], row["status"])] += 1
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

    def _upsert(
        self, cur: psycopg.Cursor[Any], rows: list[dict[str, Any]], sfx: str, summary_only: bool
    ) -> None:
        if len(rows) <= self.direct_upsert_max:
            self._upsert_direct(cur, rows, sfx, summary_only)
            return
        stage = f"stage_filing_summary{sfx}"
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
            f"(LIKE filing_summary{sfx} INCLUDING COMPRESSION) ON COMMIT DELETE ROWS".encode()
        )
        _copy(cur, stage, STORED_COLUMNS, rows)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in STORED_COLUMNS[1:])
        cur.execute(
            f"INSERT INTO filing_summary{sfx} ({', '.join(STORED_COLUMNS)}) "
            f"SELECT {', '.join(STORED_COLUMNS)} FROM {stage} "
            f"ON CONFLICT (filing_id) DO UPDATE SET {updates}".encode()
        )
        if summary_only:
            return
        owner_updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _OWNER_STORED[3:])
        cur.execute(
            f"INSERT INTO owner_filing{sfx} ({', '.join(_OWNER_STORED)}) "
            f"SELECT {', '.join(_OWNER_STORED)} FROM {stage} "
            f"ON CONFLICT (owner_id, started_position) DO UPDATE SET {owner_updates}".encode()
        )

    def _upsert_direct(
        self, cur: psycopg.Cursor[Any], rows: list[dict[str, Any]], sfx: str, summary_only: bool
    ) -> None:
        """The live projector's usual batch: a few known filings. One prepared upsert per
        table, sent for all rows at once (psycopg pipelines `executemany`), instead of a
        temporary table made, filled, read and truncated at every commit."""
        summary, owner = _direct_upserts(sfx)
        values = itemgetter(*STORED_COLUMNS)
        cur.executemany(summary, [values(r) for r in rows])
        if not summary_only:
            owned = itemgetter(*_OWNER_STORED)
            cur.executemany(owner, [owned(r) for r in rows])


@functools.cache
def _direct_upserts(sfx: str) -> tuple[bytes, bytes]:
    """The row-at-a-time upserts of the filing summary and the owners' lists (by suffix)."""

    def upsert(table: str, columns: tuple[str, ...], key: str, kept: int) -> bytes:
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[kept:])
        return (
            f"INSERT INTO {table}{sfx} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        ).encode()

    return (
        upsert("filing_summary", STORED_COLUMNS, "filing_id", 1),
        upsert("owner_filing", _OWNER_STORED, "owner_id, started_position", 3),
    )


class _RawJsonDumper(Dumper):
    """Stored JSON (msgspec.Raw) goes to a json column as it is: no wrapper, no re-encoding."""

    oid = postgres.types["json"].oid

    def dump(self, obj: Any) -> bytes:
        return bytes(obj)


def _copy(
    cur: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    values = itemgetter(*columns)
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN".encode()) as copy:
        for row in rows:
            copy.write_row(values(row))
