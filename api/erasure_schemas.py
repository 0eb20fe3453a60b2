"""What an erasure answers (api/controllers/erasure.py)."""

from __future__ import annotations

import datetime as dt

import msgspec


class ErasureDone(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    erased_at: dt.datetime  # when the data key was destroyed
    already_erased: bool  # an earlier erasure had destroyed it (this one finished the rest)
    filings_removed: int  # read-model rows dropped (the events stay, unreadable)
    documents_removed: int
    sessions_ended: int
