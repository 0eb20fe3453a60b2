"""Which return a filing is on a given date, from the date and the filing's own history.

The windows and the tax rules are the engine's (`domain.tax.return_types`,
`domain.tax.engine`); this module adds what only the filing knows, its submissions:

* no return submitted yet: original u/s 139(1), belated u/s 139(4) or updated u/s 139(8A),
  as the date allows;
* a return submitted: a revised return u/s 139(5) while the revision window is open (till
  31 December of the assessment year; 31 March from AY 2026-27), then an updated return
  u/s 139(8A) within 48 months from the end of the assessment year;
* an updated return can be neither revised (s.139(5) revises a return furnished u/s 139(1)
  or 139(4)) nor followed by a second updated return for the same year (s.139(8A), third
  proviso: not where "an updated return has been furnished by him under this sub-section
  for the relevant assessment year").

The filing date is always an input (the date recorded on the command), never the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from domain.errors import DomainError
from domain.tax.return_types import (
    ReturnNotAllowed,
    ReturnType,
    ReturnTypeDecision,
    classify_return,
)


class ReturnTypeRefused(DomainError):
    """No return of the kind needed can be filed: the message names the section and the
    window (or the rule of s.139(8A) that refuses it)."""

    code = "return-not-allowed"


def _refused(exc: ReturnNotAllowed, field: str) -> ReturnTypeRefused:
    return ReturnTypeRefused(str(exc), field=field)


def last_return_type(submissions: Sequence[Mapping[str, Any]]) -> str | None:
    return submissions[-1].get("return_type") if submissions else None


def return_kind(
    assessment_year: str,
    filing_date: dt.date,
    submissions: Sequence[Mapping[str, Any]],
    *,
    field: str = "filing_date",
) -> ReturnTypeDecision:
    """The return a filing with these `submissions` (oldest first) is on `filing_date`.

    Raises `ReturnTypeRefused` (a 422 problem) when no return can be filed then."""
    if last_return_type(submissions) == ReturnType.UPDATED.value:
        last = submissions[-1]
        raise ReturnTypeRefused(
            f"the return for this year was an updated return u/s 139(8A) (acknowledgement "
            f"{last['acknowledgement']}, filed on {last['submitted_on']}): it cannot be "
            "revised (s.139(5) revises returns furnished u/s 139(1) or 139(4)) and no second "
            "updated return can be furnished for the same assessment year (s.139(8A), third "
            "proviso)",
            field=field,
        )
    if submissions and filing_date.isoformat() < submissions[-1]["submitted_on"]:
        last = submissions[-1]
        raise ReturnTypeRefused(
            f"a revised (s.139(5)) or updated (s.139(8A)) return is filed after the return it "
            f"replaces (acknowledgement {last['acknowledgement']}, filed on "
            f"{last['submitted_on']}), not on {filing_date.isoformat()}",
            field=field,
        )
    try:
        return classify_return(assessment_year, filing_date, revises=bool(submissions))
    except ReturnNotAllowed as exc:
        raise _refused(exc, field) from None


def refused_by_engine(exc: ReturnNotAllowed) -> ReturnTypeRefused:
    """The engine refused the return (e.g. an updated return lowering the tax)."""
    return _refused(exc, "filing_date" if exc.field == "$.filing_date" else "income")


def submission(
    acknowledgement: str,
    submitted_on: dt.date,
    regime: str,
    computation: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What the filing keeps of a submitted return, as JSON-native builtins: its
    acknowledgement, date, regime, return type and the figures a revised or updated return
    needs of it (`EarlierReturn`)."""
    figures: Mapping[str, Any] = (computation or {}).get(regime) or {}
    interest = sum(
        int(figures.get(k, 0))
        for k in ("interest_234a", "interest_234b", "interest_234c", "fee_234f")
    )
    net = int(figures.get("net_payable", 0))
    paid_on_filing = net if net > 0 else 0
    return {
        "acknowledgement": acknowledgement,
        "submitted_on": submitted_on.isoformat(),
        "regime": regime,
        "return_type": (computation or {}).get("return_type"),
        "total_tax": int(figures.get("total_tax", 0)),
        "interest": interest,
        # Taxes paid by then: prepaid taxes plus the self-assessment tax paid with it
        # (the balance payable, paid on filing).
        "taxes_paid": int(figures.get("taxes_paid", 0)) + paid_on_filing,
        "paid_on_filing": paid_on_filing,
    }


def paid_with_earlier_returns(submissions: Sequence[Mapping[str, Any]]) -> int:
    """Self-assessment tax paid with the returns already submitted (each one's balance
    payable, paid on filing). A revised return u/s 139(5) replaces them whole, so it claims
    these among its taxes paid; an updated return does too, and the engine credits them u/s
    140B from the earlier return's date (`EarlierReturn.taxes_paid` counts them as well)."""
    return sum(int(s.get("paid_on_filing", 0)) for s in submissions)


def earlier_return(latest: Mapping[str, Any]) -> dict[str, Any]:
    """The `EarlierReturn` (as builtins) a revision of the `latest` submission replaces.

    A refund due on it is not counted as issued: the platform does not learn whether the
    department has issued it."""
    return {
        "acknowledgement": latest["acknowledgement"],
        "filed_on": latest["submitted_on"],
        "total_tax": latest["total_tax"],
        "interest": latest["interest"],
        "taxes_paid": latest["taxes_paid"],
        "refund": 0,
    }


__all__ = [
    "ReturnTypeRefused",
    "earlier_return",
    "last_return_type",
    "paid_with_earlier_returns",
    "refused_by_engine",
    "return_kind",
    "submission",
]
