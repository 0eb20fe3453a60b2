"""A rebuild keeps the erased taxpayers' redacted rows.

Their events can no longer be read (they are `Redacted`), so the log cannot say again what
the live rows still say: a filing's assessment year, status, versions and times. A rebuild
copies those rows, which hold nothing personal (projections/erasure.py), from the live
summaries into its shadow before it derives the owners' lists and the counts from it; a
filing whose events it could read itself (stored before data keys, under the legacy key) it
has folded and stored redacted already (personal.py), and that row stays. So a
rebuild after an erasure compares identical with the live tables, and the counts keep the
erased taxpayers' returns.
"""

from __future__ import annotations

from typing import Any

import psycopg

from projections.read_models.filings.projection import STORED_COLUMNS


def carry_redacted(conn: psycopg.Connection[Any], suffix: str) -> int:
    """Copies the live redacted summaries the shadow lacks; how many. Served by the live
    table's partial index on redacted rows (a handful, not a scan of every row)."""
    if not suffix:
        raise ValueError("only into a shadow")
    cols = ", ".join(STORED_COLUMNS)
    return conn.execute(
        f"INSERT INTO filing_summary{suffix} ({cols}) SELECT {cols} FROM filing_summary l "
        f"WHERE l.redacted AND NOT EXISTS (SELECT 1 FROM filing_summary{suffix} s "
        "WHERE s.filing_id = l.filing_id)".encode()
    ).rowcount
