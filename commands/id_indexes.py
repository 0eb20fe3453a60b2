"""Fill the blind indexes from a store written before them (ids derived from PAN / email).

Filings and accounts stored under uuid5 ids keep those ids; what they lacked is an index
entry: a `PanClaim` per PAN (claimed by the account of the PAN's earliest return, every
year's return registered under it) and an `AccountEmail` per account. Both are found from
the stored `FilingStarted` / `AccountRegistered` events. Running it again adds nothing;
several processes running it at once collide on the entries' ids and re-read.

A marker aggregate (fixed id, no personal data) records that a store was indexed, so a
process start-up (`ensure_indexes`) costs one read once it is done. Returns started by the
current code are indexed as they are saved: the scan is needed once per store.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from commands.accounts import AccountsApplication
from commands.filings import FilingsApplication
from domain.account import Account
from domain.blind_index import MARKER_ID, IdIndexesBuilt
from domain.email_index import AccountEmail
from domain.erasure import Redacted
from domain.filing import Filing
from domain.pan_claim import PanClaim

_PAGE = 500
_ATTEMPTS = 5
_MIGRATION_META = {"actor": "system:id-index-migration"}

_FILING_STARTED = get_topic(Filing.FilingStarted)  # type: ignore[attr-defined]
_ACCOUNT_REGISTERED = get_topic(Account.AccountRegistered)  # type: ignore[attr-defined]


def is_indexed(app: Application[uuid.UUID]) -> bool:
    try:
        app.repository.get(MARKER_ID)
    except AggregateNotFoundError:
        return False
    return True


def ensure_indexes(
    filings: FilingsApplication, accounts: AccountsApplication, force: bool = False
) -> tuple[int, int]:
    """Index both stores unless done before (`force`: scan again anyway); the entries
    written in each (PAN claim entries, email entries)."""
    claims = emails = 0
    if force or not is_indexed(filings):
        claims = index_filings(filings)
        _mark(filings, claims)
    if force or not is_indexed(accounts):
        emails = index_accounts(accounts)
        _mark(accounts, emails)
    return claims, emails


def _mark(app: Application[uuid.UUID], entries: int) -> None:
    if is_indexed(app):
        return
    with contextlib.suppress(IntegrityError):  # another process finished the same scan
        app.save(IdIndexesBuilt(entries))


def _created_events(app: Application[uuid.UUID], topic: str) -> Iterator[Any]:
    """The stored events of one topic, oldest first, a page in memory at a time."""
    settle = getattr(app.recorder, "settle", None)
    if settle is not None:
        settle()  # read below the horizon of finished transactions (docs/event-log.md)
    after = 0
    while page := app.recorder.select_notifications(
        start=after, limit=_PAGE, topics=[topic], inclusive_of_start=False
    ):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if not isinstance(event, Redacted):  # an erased taxpayer's: nothing to index
                yield event
        after = page[-1].id


def index_filings(app: FilingsApplication) -> int:
    """A claim per PAN for the returns stored without one; the number of entries added.
    The earliest return's account (by log position) holds the PAN."""
    added = 0
    for started in _created_events(app, _FILING_STARTED):
        for _ in range(_ATTEMPTS):
            try:
                added += _register(app, started)
                break
            except IntegrityError:
                continue  # a start or another migration changed the claim: re-read
    return added


def _register(app: FilingsApplication, started: Any) -> int:
    pan, year, owner = str(started.pan), str(started.assessment_year), str(started.owner_id)
    filing_id = started.originator_id
    claim_id = app.pan_claim_id(pan)
    claim = app.find_pan_claim(claim_id)
    if claim is not None and year in claim.filings:
        return 0
    if claim is None:
        claim = PanClaim.open(claim_id, owner, _MIGRATION_META)
    claim.register_filing(year, filing_id, owner, _MIGRATION_META)
    app.save(claim)
    return 1


def index_accounts(app: AccountsApplication) -> int:
    """An email entry per account stored without one; the number added."""
    added = 0
    for registered in _created_events(app, _ACCOUNT_REGISTERED):
        entry_id = app.email_index_id(str(registered.email))
        try:
            app.repository.get(entry_id)
            continue
        except AggregateNotFoundError:
            pass
        try:
            app.save(AccountEmail.open(entry_id, str(registered.originator_id)))
            added += 1
        except IntegrityError:
            continue  # another process indexed it meanwhile
    return added
