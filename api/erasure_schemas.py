"""What an erasure answers (api/controllers/erasure.py)."""

from __future__ import annotations

import datetime as dt

import msgspec


class ErasureDone(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    erased_at: dt.datetime  # when the data key was destroyed
    already_erased: bool  # an earlier erasure had destroyed it (this one finished the rest)
    # Read-model rows redacted: kept with status, year and times, personal fields gone (the
    # events stay, unreadable).
    filings_redacted: int
    documents_removed: int  # the documents' read-model rows dropped
    sessions_ended: int
